"""Matrix calculus figures (issue 5), measured side by side in one run.

1. Symbolic derivation time per identity with the dimensions symbolic (n) or declared as
   3, 30 and 300: the derivation never looks at the sizes, so the times must agree. Next
   to it SymPy 1.14's MatrixSymbol .diff on the same expression: its time, and whether its
   answer is right (checked numerically against a finite difference at n = 4).
2. Verification time at n = 100 and n = 1000 (directional checks: a few evaluations).
3. The emitted NumPy backward pass of the 2-layer MLP at nx = n1 = m = 1000 against a
   hand-written NumPy backward pass (median of several calls).

    python bench/bench_matrix.py
"""
from __future__ import annotations

import statistics
import time
import types
from pathlib import Path

import numpy as np
import sympy as sp

from matcalc import backprop, derive
from matcalc.verify.evaluate import evaluate

n = sp.Symbol("n")
X, A, B = (sp.MatrixSymbol(s, n, n) for s in "XAB")
x, a, b = (sp.MatrixSymbol(s, n, 1) for s in "xab")

#: (label, matcalc text, shapes, wrt, SymPy expression or None, SymPy variable)
CASES = [
    ("x^T A x", "x.T @ A @ x", ["x:{n}", "A:{n},{n}"], "x", x.T * A * x, x),
    ("a^T X b", "a.T @ X @ b", ["a:{n}", "b:{n}", "X:{n},{n}"], "X", a.T * X * b, X),
    ("tr(A X B)", "tr(A @ X @ B)", ["A:{n},{n}", "B:{n},{n}", "X:{n},{n}"], "X",
     sp.Trace(A * X * B), X),
    ("tr(X^T B X)", "tr(X.T @ B @ X)", ["B:{n},{n}", "X:{n},{n}"], "X",
     sp.Trace(X.T * B * X), X),
    ("tr(X^3)", "tr(X^3)", ["X:{n},{n}"], "X", sp.Trace(X ** 3), X),
    ("det(X)", "det(X)", ["X:{n},{n}"], "X", sp.Determinant(X), X),
    ("log det X", "logdet(X)", ["X:{n},{n}"], "X", sp.log(sp.Determinant(X)), X),
    ("a^T X^-1 b", "a.T @ inv(X) @ b", ["a:{n}", "b:{n}", "X:{n},{n}"], "X",
     a.T * X.I * b, X),
    ("tr((X + A)^-1)", "tr(inv(X + A))", ["X:{n},{n}", "A:{n},{n}"], "X",
     sp.Trace((X + A).I), X),
    ("log(tr X)", "log(tr(X))", ["X:{n},{n}"], "X", sp.log(sp.Trace(X)), X),
    ("1/tr X", "1/tr(X)", ["X:{n},{n}"], "X", 1 / sp.Trace(X), X),
    ("tr X + tr X^2", "tr(X) + tr(X^2)", ["X:{n},{n}"], "X", sp.Trace(X) + sp.Trace(X ** 2), X),
    ("x / (x^T x) [Jacobian]", None, None, None, None, None),
    ("||A x - b||^2", "norm(A @ x - b)^2", ["A:{n},{n}", "x:{n}", "b:{n}"], "x",
     (A * x - b).T * (A * x - b), x),
]


def timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def sympy_is_right(expr, var, size: int = 4, seed: int = 0) -> str:
    """Compare SymPy's d expr/d var with a central difference at a random point, n = 4."""
    rng = np.random.default_rng(seed)
    try:
        grad = sp.diff(expr, var)
    except Exception as exc:                                   # noqa: BLE001
        return f"error ({type(exc).__name__})"
    if grad.atoms(sp.Derivative):
        return "unevaluated Derivative (no answer)"
    syms = sorted(expr.atoms(sp.MatrixSymbol), key=lambda s: s.name)
    vals = {s: np.eye(size) + 0.3 * rng.standard_normal((size, size)) / 2
            if s.shape[1] == n else rng.standard_normal((size, 1)) for s in syms}
    sub = {n: size}

    def value(e, v):
        # lambdify cannot print Trace or Determinant: matcalc's evaluator reads SymPy's
        # matrix nodes (MatMul, Transpose, Inverse, Trace, Determinant, MatrixElement 0,0)
        return np.asarray(evaluate(e, {s.name: v[s] for s in syms}, sub), dtype=float)
    try:
        g = value(grad, vals)
    except Exception as exc:                                   # noqa: BLE001
        return f"not evaluable ({type(exc).__name__}: {str(grad)[:40]})"
    d = rng.standard_normal(vals[var].shape)
    h = 1e-6
    plus = dict(vals); plus[var] = vals[var] + h * d
    minus = dict(vals); minus[var] = vals[var] - h * d
    fd = float((value(expr, plus) - value(expr, minus)).sum() / (2 * h))
    if g.shape != d.shape:
        g = g.reshape(d.shape) if g.size == d.size else g
    got = float(np.sum(g * d)) if g.shape == d.shape else float("nan")
    return "right" if abs(got - fd) <= 1e-5 * max(1.0, abs(fd)) else \
        ("zero (wrong)" if np.allclose(g, 0) else "wrong")


def derivation_times() -> None:
    print("1. derivation time (s), steps only, no verification; SymPy MatrixSymbol.diff")
    print(f"{'expression':<22} {'n':>7} {'3':>7} {'30':>7} {'300':>7}   {'sympy':>7}  sympy answer")
    for label, text, shapes, wrt, sym_expr, sym_var in CASES:
        if text is None:
            continue
        times = []
        for size in ("n", "3", "30", "300"):
            sh = [s.format(n=size) for s in shapes]
            derive(text, wrt, shapes=sh, verify=False)           # warm
            _, t = timed(lambda: derive(text, wrt, shapes=sh, verify=False))
            times.append(t)
        _, ts = timed(lambda: sp.diff(sym_expr, sym_var), repeat=1)
        verdict = sympy_is_right(sym_expr, sym_var)
        print(f"{label:<22} " + " ".join(f"{t:>7.4f}" for t in times)
              + f"   {ts:>7.4f}  {verdict}")


def verification_times() -> None:
    print("\n2. verification time at declared sizes (directional checks)")
    for size in (100, 1000):
        for text, shapes, wrt in (("x.T @ A @ x", [f"x:{size}", f"A:{size},{size}"], "x"),
                                  ("logdet(X)", [f"X:{size},{size}"], "X")):
            d, t = timed(lambda: derive(text, wrt, shapes=shapes), repeat=1)
            print(f"  n = {size:>5}  {text:<14} {t:7.3f} s  {d.verification.status}")


def hand_backward(X, Y, W1, b1, W2, b2):
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def emitted_backward() -> None:
    program = (Path(__file__).parent.parent / "worked_examples/programs/mlp_2layer.mc").read_text()
    module = types.ModuleType("mlp_grad")
    exec(compile(backprop(program, "W1,b1,W2,b2", verify=False).to_numpy(), "mlp_grad", "exec"),
         module.__dict__)
    rng = np.random.default_rng(0)
    nx = n1 = m = 1000
    args = (rng.standard_normal((nx, m)), rng.uniform(0, 1, (1, m)).round(),
            rng.standard_normal((n1, nx)) / 30, rng.standard_normal((n1, 1)),
            rng.standard_normal((1, n1)) / 30, rng.standard_normal((1, 1)))
    names = ("X", "Y", "W1", "b1", "W2", "b2")
    kwargs = dict(zip(names, args))
    ours_vals = module.backward(**kwargs)
    theirs_vals = hand_backward(*args)
    same = all(np.allclose(ours_vals[k], theirs_vals[k]) for k in theirs_vals)
    t_ours, t_hand = [], []
    for _ in range(7):
        t0 = time.perf_counter(); module.backward(**kwargs); t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); hand_backward(*args); t_hand.append(time.perf_counter() - t0)
    mo, mh = statistics.median(t_ours), statistics.median(t_hand)
    print(f"\n3. MLP backward at nx = n1 = m = 1000 (forward included in both): emitted "
          f"{mo * 1e3:.1f} ms, hand-written {mh * 1e3:.1f} ms, ratio {mo / mh:.2f}x, "
          f"same gradients: {same}")


if __name__ == "__main__":
    derivation_times()
    verification_times()
    emitted_backward()
