"""The NumPy emitter: eval(to_numpy(e), {"np": numpy}, {name: array}) is the value of e.

Oracles: SymPy's own evalf on small expressions, hand-written NumPy/math formulas for
matcalc's functions, and the verifier's kernel on large DAGs.
"""
from __future__ import annotations

import math

import numpy
import pytest
import sympy as sp

from matcalc.codegen import to_numpy
from matcalc.functions import logb, relu, sigmoid, softplus, step
from matcalc.verify.kernel import compile_kernel
from .dags import deep

x, y, z = sp.symbols("x y z")
# points inside every domain below (x in (0, 1) for asin/acos/log, y > 1 for acosh)
POINTS = [{x: 0.3, y: 1.7, z: -0.8}, {x: 0.85, y: 2.4, z: 1.3}, {x: 0.05, y: 1.1, z: -2.5}]


def run(text: str, pts: list[dict]) -> numpy.ndarray:
    env = {s.name: numpy.array([p[s] for p in pts]) for s in (x, y, z)}
    return numpy.asarray(eval(text, {"np": numpy}, env), dtype=float)  # the contract


SYMPY_CASES = [
    6 * x**2 * sp.cos(x**3) / sp.sin(x**3),
    x**3 - 2 * x * y + sp.Rational(7, 3),
    x / 2 - sp.Rational(1, 3) * y**2,
    sp.Rational(1, 2) ** z + y ** sp.Rational(3, 2),
    x**-2 + y**-1 + x ** sp.Rational(-2, 3),
    sp.sqrt(x) + 1 / sp.sqrt(y) + (x + y) ** sp.Rational(1, 3),
    x**x, y**z, (1 + x) ** (y - z),
    sp.pi * x + sp.E**z + sp.Float(0.125) * y,
    sp.exp(-x**2) * sp.log(y),
    sp.log(x * y, 2),
    sp.sin(x) + sp.cos(y) * sp.tan(z),
    sp.sec(x) ** 2 - sp.csc(y) + sp.cot(z),
    sp.asin(x) + sp.acos(x) * sp.atan(z),
    sp.sinh(z) + sp.cosh(x) / sp.tanh(y),
    sp.asinh(z) + sp.acosh(y) + sp.atanh(x),
    sp.Abs(z) * sp.sign(z) + sp.Abs(x - y),
    sp.Max(x, y, z) - sp.Min(x, z),
    sp.Heaviside(z) + sp.Heaviside(x - 0.5) * y,
    -(x + y) / (z - 3) ** 2,
]


@pytest.mark.parametrize("expr", SYMPY_CASES, ids=[str(e) for e in SYMPY_CASES])
def test_matches_sympy_evalf(expr):
    got = run(to_numpy(expr), POINTS)
    want = [float(expr.evalf(30, subs=p)) for p in POINTS]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-14)


def _sig(t):
    return 1 / (1 + math.exp(-t))


HAND_CASES = [  # matcalc's own functions against independent formulas
    (sigmoid(x - z), lambda a, b, c: _sig(a - c)),
    (sigmoid(2 * z) * (1 - sigmoid(2 * z)), lambda a, b, c: _sig(2 * c) * (1 - _sig(2 * c))),
    (relu(z) + relu(x), lambda a, b, c: max(0.0, c) + max(0.0, a)),
    (softplus(z * y), lambda a, b, c: math.log1p(math.exp(c * b))),
    (logb(y, 2) + logb(x, 10), lambda a, b, c: math.log2(b) + math.log10(a)),
    (step(z) * y + step(x), lambda a, b, c: (b if c > 0 else 0.0) + 1.0),
    (relu(x - y) * sp.exp(z), lambda a, b, c: max(0.0, a - b) * math.exp(c)),
]


@pytest.mark.parametrize("expr, ref", HAND_CASES, ids=[str(c[0]) for c in HAND_CASES])
def test_matches_hand_formula(expr, ref):
    got = run(to_numpy(expr), POINTS)
    want = [ref(p[x], p[y], p[z]) for p in POINTS]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_heaviside_value_at_zero():
    env = {"x": numpy.array([-1.0, 0.0, 2.0])}
    assert list(eval(to_numpy(step(x)), {"np": numpy}, env)) == [0.0, 0.0, 1.0]
    assert list(eval(to_numpy(sp.Heaviside(x)), {"np": numpy}, env)) == [0.0, 0.5, 1.0]
    assert list(eval(to_numpy(sp.Heaviside(x, 1)), {"np": numpy}, env)) == [0.0, 1.0, 1.0]


def test_readable_small_form():
    assert to_numpy(6 * x**2 * sp.cos(x**3) / sp.sin(x**3)) == "6*x**2*np.cos(x**3)/np.sin(x**3)"
    assert to_numpy(sp.sqrt(x)) == "np.sqrt(x)"
    assert to_numpy(sigmoid(z)) == "(1/(1 + np.exp(-(z))))"
    assert to_numpy(relu(x)) == "np.maximum(0, x)"
    assert to_numpy(softplus(x)) == "np.logaddexp(0, x)"
    assert to_numpy(step(x)) == "np.heaviside(x, 0)"
    assert to_numpy(sp.Rational(1, 2) * x + sp.Rational(1, 3)) == "x/2 + (1/3)"
    assert ":=" not in to_numpy(sp.exp(sp.sin(x)) * sp.log(x))


def test_constant_expression():
    assert eval(to_numpy(sp.pi / 2 + sp.E), {"np": numpy}, {}) == pytest.approx(math.pi / 2 + math.e)




@pytest.mark.parametrize("n", [40, 160])
def test_large_dag_walrus_form(n):
    f, df = deep(n)
    xs = numpy.linspace(-0.6, 0.004, 41)
    k_f, k_df = compile_kernel([f, df], [x])(xs)
    for expr, want in ((f, k_f), (df, k_df)):
        text = to_numpy(expr)
        assert text.startswith("(_t1 := ") and text.endswith(")[-1]")
        assert len(text) < 100_000
        got = eval(text, {"np": numpy}, {"x": xs.copy()})
        assert numpy.all(numpy.isfinite(want))
        assert got == pytest.approx(want, rel=1e-12)


def test_deep_unshared_chain_stays_parseable():
    e = x
    for _ in range(500):  # no sharing at all, but nesting beyond Python's parser limit
        e = sp.sec(sp.sin(e, evaluate=False), evaluate=False)
    text = to_numpy(e)
    want = 0.3
    for _ in range(500):
        want = 1 / math.cos(math.sin(want))
    assert eval(text, {"np": numpy}, {"x": numpy.array([0.3])})[0] == pytest.approx(want)


@pytest.mark.parametrize("name", ["x y", "lambda", "1x", "_t1", "_tmp", "np", "None", "a-b"])
def test_bad_symbol_names_raise(name):
    s = sp.Symbol(name)
    with pytest.raises(ValueError, match=repr(name).replace("(", r"\(")):
        to_numpy(s + x)


def test_unsupported_node_raises():
    with pytest.raises(ValueError, match="gamma"):
        to_numpy(sp.gamma(x))
    with pytest.raises(ValueError):
        to_numpy(sp.I * x)
