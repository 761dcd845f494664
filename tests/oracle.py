"""Independent checks used by the tests: sympy.diff as oracle, numeric comparison via lambdify.

This module is test-only: matcalc itself never calls sympy.diff.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp


NUMPY_EXTRAS = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(0, x),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "logb": lambda x, b: np.log(x) / np.log(b),
    "Heaviside": lambda x, h0=0.5: np.heaviside(x, h0),
    "DiracDelta": lambda x, k=0: np.zeros_like(x),
    "sign": np.sign,
    "erf": np.vectorize(math.erf, otypes=[float]),
    "gelu": lambda x: 0.5 * x * (1 + np.vectorize(math.erf, otypes=[float])(x / np.sqrt(2))),
    "gelu_tanh": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
}


def _to_real(expr: sp.Basic) -> tuple[sp.Basic, dict]:
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    real = {s: sp.Symbol(s.name, real=True) for s in syms}
    return expr.xreplace(real), real


def oracle_diff(expr: sp.Basic, var: sp.Symbol) -> sp.Basic:
    """sympy.diff on real symbols (so |x|' = sign(x)), DiracDelta dropped (kinks are skipped)."""
    e, real = _to_real(expr)
    result = sp.diff(e, real[var]) if var in real else sp.S.Zero
    result = result.replace(lambda n: isinstance(n, sp.DiracDelta), lambda n: sp.S.Zero)
    back = {v: k for k, v in real.items()}
    return result.xreplace(back)


def evaluate(expr: sp.Basic, symbols: list[sp.Symbol], values: list[np.ndarray]) -> np.ndarray:
    fn = sp.lambdify(symbols, expr, modules=[NUMPY_EXTRAS, "numpy"])
    with np.errstate(all="ignore"):
        out = fn(*values)
    return np.broadcast_to(np.asarray(out, dtype=float), values[0].shape)


def assert_same_function(a: sp.Basic, b: sp.Basic, wrt: list[sp.Symbol], *, rtol: float = 1e-7,
                         seed: int = 1, min_points: int = 5) -> None:
    """a and b agree at random points where both are finite (away from kinks)."""
    symbols = sorted((a.free_symbols | b.free_symbols | set(wrt)), key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    n = 200
    values = [np.concatenate([rng.uniform(0.1, 2.0, n // 2), rng.uniform(-2.0, -0.1, n // 2)])
              for _ in symbols]
    va, vb = evaluate(a, symbols, values), evaluate(b, symbols, values)
    ok = np.isfinite(va) & np.isfinite(vb)
    assert ok.sum() >= min_points, f"too few comparable points for {a} vs {b}"
    diff = np.abs(va[ok] - vb[ok])
    scale = np.maximum(1.0, np.maximum(np.abs(va[ok]), np.abs(vb[ok])))
    worst = int(np.argmax(diff / scale))
    assert (diff / scale).max() <= rtol, (
        f"{a} != {b}: at point {worst} {va[ok][worst]} vs {vb[ok][worst]}")


def oracle_jacobian(functions: list[sp.Basic], variables: list[sp.Symbol]) -> sp.Matrix:
    """sympy.Matrix(functions).jacobian(variables) on real symbols, DiracDelta dropped
    (numerator layout: row i is the gradient of functions[i])."""
    syms = sorted(set().union(*(f.free_symbols for f in functions)) | set(variables),
                  key=lambda s: s.name)
    real = {s: sp.Symbol(s.name, real=True) for s in syms}
    back = {v: k for k, v in real.items()}
    jac = sp.Matrix([f.xreplace(real) for f in functions]).jacobian([real[v] for v in variables])
    jac = jac.applyfunc(lambda e: e.replace(lambda n: isinstance(n, sp.DiracDelta),
                                            lambda n: sp.S.Zero))
    return jac.xreplace(back)
