"""The numeric verifier: kernels, sampling, and finite-difference checks.

Correct derivatives (written by hand, sympy.diff only as an oracle where noted) must
pass; planted wrong ones must fail; empty domains are skipped; deep shared DAGs are
checked in DAG time.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from matcalc.functions import logb, relu, sigmoid, softplus, step
from matcalc.verify import Verification, check_derivative
from matcalc.verify.check import check_partials
from matcalc.verify.kernel import UnsupportedNode, compile_kernel, kinks
from matcalc.verify.sampling import draw_candidates
from .dags import deep

x, y, z = sp.symbols("x y z")




# ---------------------------------------------------------------- kernel

KERNEL_CASES = [  # (expr, python function of x, y) evaluated at x = 0.37, y = 1.9
    (x + 3 * y - sp.Rational(1, 3), lambda a, b: a + 3 * b - 1 / 3),
    (x * y**2 / (1 + x), lambda a, b: a * b**2 / (1 + a)),
    (x**sp.Rational(1, 2), lambda a, b: math.sqrt(a)),
    (y**-sp.Rational(1, 2), lambda a, b: b**-0.5),
    (y**x, lambda a, b: b**a),
    (x**3.5, lambda a, b: a**3.5),
    (sp.pi * x + sp.E, lambda a, b: math.pi * a + math.e),
    (sp.exp(x) + sp.log(y), lambda a, b: math.exp(a) + math.log(b)),
    (logb(y, 2), lambda a, b: math.log(b, 2)),
    (sp.sin(x) * sp.cos(y) + sp.tan(x), lambda a, b: math.sin(a) * math.cos(b) + math.tan(a)),
    (sp.sec(x) + sp.csc(x) + sp.cot(x), lambda a, b: 1 / math.cos(a) + 1 / math.sin(a) + 1 / math.tan(a)),
    (sp.asin(x) + sp.acos(x) * sp.atan(y), lambda a, b: math.asin(a) + math.acos(a) * math.atan(b)),
    (sp.sinh(x) + sp.cosh(y) - sp.tanh(x), lambda a, b: math.sinh(a) + math.cosh(b) - math.tanh(a)),
    (sigmoid(x - y), lambda a, b: 1 / (1 + math.exp(-(a - b)))),
    (relu(x - y) + relu(y), lambda a, b: max(0.0, a - b) + max(0.0, b)),
    (softplus(x), lambda a, b: math.log1p(math.exp(a))),
    (sp.Abs(x - y) * sp.sign(x - y), lambda a, b: abs(a - b) * math.copysign(1, a - b)),
    (sp.Max(x, y, 1) + sp.Min(x, y, 0.5), lambda a, b: max(a, b, 1) + min(a, b, 0.5)),
    (step(x) + sp.Heaviside(-y), lambda a, b: 1.0),
]


@pytest.mark.parametrize("expr, ref", KERNEL_CASES, ids=[str(c[0]) for c in KERNEL_CASES])
def test_kernel_matches_reference(expr, ref):
    (val,) = compile_kernel([expr], [x, y])(np.array([0.37]), np.array([1.9]))
    assert val.shape == (1,)
    assert val[0] == pytest.approx(ref(0.37, 1.9), rel=1e-12)


def test_kernel_real_semantics_and_conventions():
    k = compile_kernel([x**sp.Rational(1, 3), x**3, sp.Heaviside(x, 0), sp.Heaviside(x),
                        sp.Heaviside(x, 1), sigmoid(x), sp.log(x)], [x])
    a = np.array([-8.0, 0.0, 1000.0, -1000.0])
    cube, c3, h0, hhalf, h1, sig, lg = k(a)
    assert np.isnan(cube[0]) and cube[1] == 0           # negative base, non-integer power
    assert c3[0] == -512.0                               # integer power of a negative base
    assert list(h0[:2]) == [0.0, 0.0] and hhalf[1] == 0.5 and h1[1] == 1.0
    assert np.all(np.isfinite(sig)) and sig[2] == 1.0 and 0 <= sig[3] < 1e-300
    assert np.isnan(lg[0]) and lg[1] == -np.inf


def test_kernel_constant_output_is_broadcast():
    (c,) = compile_kernel([sp.Integer(3)], [x])(np.zeros(5))
    assert c.shape == (5,) and np.all(c == 3.0)


def test_kernel_unsupported_node():
    with pytest.raises(UnsupportedNode, match="gamma"):
        compile_kernel([sp.gamma(x)], [x])
    with pytest.raises(UnsupportedNode):
        compile_kernel([x + y], [x])  # y has no value


def test_kernel_is_linear_in_the_dag():
    f, df = deep(160)
    k = compile_kernel([f, df], [x])
    assert len(k) < 2000  # distinct nodes, not 2^160
    v, dv = k(np.array([0.001, -0.2]))
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(dv))


def test_kinks():
    ks = kinks(relu(x) + sp.Abs(y - 1) * sp.Max(x, 2 * y) + sp.sin(x))
    vals = compile_kernel(ks, [x, y])(np.array([0.5]), np.array([3.0]))
    assert sorted(float(v[0]) for v in vals) == sorted([0.5, 2.0, 0.5 - 6.0])
    assert kinks(sp.sin(x) * sp.exp(y)) == []


def test_candidates_respect_sign_assumptions_and_seed():
    p, n = sp.Symbol("p", positive=True), sp.Symbol("n", negative=True)
    a = draw_candidates(np.random.default_rng(3), [p, n, x], 500)
    assert np.all(a[:, 0] > 0) and np.all(a[:, 1] < 0) and (a[:, 2] < 0).any()
    assert np.array_equal(a, draw_candidates(np.random.default_rng(3), [p, n, x], 500))


# ---------------------------------------------------------------- correct derivatives pass

CORRECT = [
    (x**3 - 2 * x + 5, 3 * x**2 - 2),
    (x**7 / 3, 7 * x**6 / 3),
    (sp.sin(x**2), 2 * x * sp.cos(x**2)),
    (sp.tan(x), 1 + sp.tan(x) ** 2),
    (sp.sec(x), sp.sec(x) * sp.tan(x)),
    (sp.log(x), 1 / x),
    (sp.log(sp.sin(x**3) ** 2), 6 * x**2 * sp.cos(x**3) / sp.sin(x**3)),
    (sp.sqrt(x), 1 / (2 * sp.sqrt(x))),
    (x**x, x**x * (sp.log(x) + 1)),
    (sp.asin(x), 1 / sp.sqrt(1 - x**2)),
    (sp.acos(2 * x), -2 / sp.sqrt(1 - 4 * x**2)),
    (sp.atan(x), 1 / (1 + x**2)),
    (sp.exp(-x**2), -2 * x * sp.exp(-x**2)),
    (sp.tanh(x), 1 - sp.tanh(x) ** 2),
    (sigmoid(3 * x), 3 * sigmoid(3 * x) * (1 - sigmoid(3 * x))),
    (softplus(x), sigmoid(x)),
    (logb(x, 2), 1 / (x * sp.log(2))),
    (relu(x), step(x)),
    (relu(x**2 - 1), 2 * x * step(x**2 - 1)),
    (sp.Abs(x), sp.sign(x)),
    (x * sp.Abs(x), 2 * sp.Abs(x)),
    (1e4 + x, sp.Integer(1)),                    # offset: rounding in the differences
    (1e-12 * x**2, 2e-12 * x),                   # tiny values
    (sp.exp(10 * x), 10 * sp.exp(10 * x)),       # large values
    (sp.Integer(7), sp.Integer(0)),
]
# Max(x, x^2), derivative written with steps (kinks where x = x^2)
CORRECT.append((sp.Max(x, x**2), step(x - x**2) + 2 * x * step(x**2 - x)))


@pytest.mark.parametrize("f, df", CORRECT, ids=[str(c[0]) for c in CORRECT])
def test_correct_derivative_passes(f, df):
    r = check_derivative(f, df, x)
    assert r.status == "passed", r.message
    assert r.points >= 20 and r.max_rel_error <= 1e-6
    assert r.method.startswith("central differences (Richardson)")


def test_correct_derivative_agrees_with_sympy_oracle():
    f = sp.exp(sp.sin(x)) * sp.cosh(x) / (2 + x**2)
    assert check_derivative(f, sp.diff(f, x), x).status == "passed"


def test_partials_pass_with_other_symbols_fixed():
    f = x**2 * y + sp.sin(x * y) + sp.log(z**2 + 1)
    dfs = {x: 2 * x * y + y * sp.cos(x * y), y: x**2 + x * sp.cos(x * y),
           z: 2 * z / (z**2 + 1)}
    r = check_partials(f, dfs)
    assert r.status == "passed", r.message
    assert check_derivative(f, dfs[y], y).status == "passed"


def test_partial_checks_each_variable():
    f = x**2 * y
    r = check_partials(f, {x: 2 * x * y, y: x**3})  # d/dy is wrong
    assert r.status == "failed" and r.message.startswith("d/dy")


# ---------------------------------------------------------------- planted errors are caught

WRONG = [
    (sp.sin(x**2), sp.cos(x**2)),                        # forgot the inner derivative
    (x**3, 3 * x**2 + sp.Float(1e-3) * x),               # small additive error
    (sp.exp(x) * x, 2 * (sp.exp(x) + x * sp.exp(x))),    # off by a factor 2
    (sp.log(x), 1 / x * (1 + sp.Float(1e-5))),           # 1e-5 relative
    (relu(x), sp.Integer(1)),                            # wrong on one side of the kink
    (sp.tan(x), sp.tan(x) ** 2),                         # dropped the constant
    (1e-12 * x**2, 2e-12 * x + 1e-15),                   # tiny function, tiny error
]


@pytest.mark.parametrize("f, df", WRONG, ids=[str(c[0]) for c in WRONG])
def test_planted_wrong_derivative_fails(f, df):
    r = check_derivative(f, df, x)
    assert r.status == "failed"
    assert "derivative" in r.message and "finite difference" in r.message and "x=" in r.message
    assert r.max_abs_error > 0


def test_failure_message_names_the_point_and_values():
    r = check_derivative(x**2, 3 * x, x)
    head, tail = r.message.split(": derivative ")
    xv = float(head.split("at x=")[1])
    claimed, fd = float(tail.split(",")[0]), float(tail.split("finite difference ")[1].split()[0])
    assert claimed == pytest.approx(3 * xv, rel=1e-5)
    assert fd == pytest.approx(2 * xv, rel=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=2, max_size=6), st.integers(0, 4))
def test_random_polynomials(coeffs, k):
    f = sum(c * x**i for i, c in enumerate(coeffs))
    df = sum(i * c * x ** (i - 1) for i, c in enumerate(coeffs) if i)
    assert check_derivative(f, df, x).status == "passed"
    assert check_derivative(f, df + sp.Rational(1, 1000) * x**k, x).status == "failed"


# ---------------------------------------------------------------- skipped

def test_empty_domain_is_skipped():
    r = check_derivative(sp.log(-x**2 - 1), -2 * x / (-x**2 - 1), x)
    assert r.status == "skipped"
    assert "outside the domain" in r.message and r.rejected > 0


def test_rounding_dominated_differences_are_checked_in_extended_precision():
    # f = 1e20 + x: float64 rounds the changes of f away -> no resolved float64 point;
    # the check is made in 60 digits (and says so), where a wrong claim fails
    r = check_derivative(1e20 + x, sp.Integer(1), x)
    assert r.status == "passed" and "60-digit" in r.method, r
    assert r.max_rel_error <= r.tolerance
    r = check_derivative(1e20 + x, sp.Integer(0), x)
    assert r.status == "failed" and "60-digit" in r.method


def test_unsupported_function_is_skipped():
    r = check_derivative(sp.gamma(x), sp.gamma(x) * sp.polygamma(0, x), x)
    assert r.status == "skipped" and "gamma" in r.message
    r = check_derivative(x * y, y, x, symbols=[x])
    assert r.status == "skipped" and "free symbol y" in r.message


# ---------------------------------------------------------------- deep DAGs

@pytest.mark.parametrize("n", [40, 160])
def test_deep_composition_verifies_in_dag_time(n):
    t0 = time.perf_counter()
    f, df = deep(n)
    t1 = time.perf_counter()
    r = check_derivative(f, df, x)
    t2 = time.perf_counter()
    assert r.status == "passed", r.message
    assert r.points >= 20
    assert t2 - t1 < 10, f"verification took {t2 - t1:.2f}s"  # real figure: bench/
    assert t2 - t0 < 20


def test_deep_composition_planted_error_is_caught():
    f, df = deep(160)
    off = sp.Mul(df, sp.Float(1 + 1e-5), evaluate=False)        # 1e-5 relative
    assert check_derivative(f, off, x).status == "failed"
    g, dg = deep(159)                                            # drop 2 f' f at the top
    f2 = sp.Add(sp.sin(g, evaluate=False), sp.Pow(g, 2, evaluate=False), evaluate=False)
    assert check_derivative(f2, sp.Mul(sp.cos(g, evaluate=False), dg, evaluate=False),
                            x).status == "failed"


# ---------------------------------------------------------------- reproducibility

def test_same_seed_same_result():
    f, df = sp.sin(x) * sp.exp(x), sp.exp(x) * (sp.sin(x) + sp.cos(x))
    a, b = check_derivative(f, df, x, seed=5), check_derivative(f, df, x, seed=5)
    assert a == b
    c = check_derivative(f, df, x, seed=6)
    assert c.status == "passed" and c.max_abs_error != a.max_abs_error


def test_wrt_absent_from_function():
    r = check_derivative(y**2, sp.Integer(0), x)
    assert r.status == "passed"
    assert check_derivative(y**2, sp.Integer(1), x).status == "failed"


def test_points_option():
    r = check_derivative(sp.sin(x), sp.cos(x), x, points=50)
    assert r.points == 50 and "50 random points" in r.method
    assert isinstance(r, Verification)


def test_text_is_never_sympified(tmp_path, monkeypatch):
    """Public helpers take SymPy objects or numbers; text would reach eval inside sympify."""
    from matcalc.codegen.numpy import to_numpy
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError):
        check_derivative("__import__('os').system('touch pwned')", x, x)
    with pytest.raises(TypeError):
        to_numpy("__import__('os').system('touch pwned')")
    assert not (tmp_path / "pwned").exists()
    assert to_numpy(3) == "3"
