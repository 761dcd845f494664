"""Second and higher derivatives (issue 12): --order N, the hessian kind, Hessians over
declared shapes by the second differential.

Oracles only: sympy.diff / sympy.hessian for scalars, NumPy finite differences of
gradients written out by hand here for the matrix identities (all entries, two sizes),
and closed forms from Magnus and Neudecker.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from matcalc import api
from matcalc.cli import main
from matcalc.errors import InputError

from .exprgen import X, expressions
from .oracle import assert_same_function, oracle_diff

x, y, z = sp.symbols("x y z")


# ----------------------------------------------------------------------------- --order

# SymPy's test_diff higher-order cases (sympy/core/tests/test_diff.py), translated:
# (expression, order, the n-th derivative as SymPy states it)
SYMPY_ORDER_CASES = [
    ("sin(x)", 0, "sin(x)"),
    ("sin(x)", 1, "cos(x)"),
    ("sin(x)", 2, "-sin(x)"),
    ("sin(x)", 3, "-cos(x)"),
    ("sin(x)", 4, "sin(x)"),
    ("x^3", 3, "6"),
    ("x^3", 4, "0"),
    ("x^3 sin(x)", 2, None),
    ("exp(2x)", 3, "8 exp(2x)"),
    ("ln(x)", 2, "-1/x^2"),
    ("tan(x)", 2, None),
    ("x^x", 2, None),
    ("sqrt(x)", 3, None),
    ("1/(1 + x^2)", 2, None),
    ("sigmoid(x)", 2, None),
    ("atan(x)", 3, None),
]


@pytest.mark.parametrize("text,order,expected", SYMPY_ORDER_CASES)
def test_order_matches_sympy(text: str, order: int, expected: str | None) -> None:
    d = api.derive(text, "x", order=order)
    from matcalc.parse import parse
    f = parse(text)
    oracle = f
    for _ in range(order):
        oracle = oracle_diff(oracle, x)
    assert_same_function(d.answer, oracle, [x], rtol=1e-7, min_points=5)
    if expected is not None:
        assert_same_function(d.answer, parse(expected), [x], rtol=1e-7, min_points=5)
    if order >= 1:
        assert d.verification.status == "passed"


def test_order_steps_and_labels() -> None:
    d = api.derive("x^3 sin(x)", order=2)
    text = d.to_text()
    assert "twice with respect to x" in text
    assert "d^2y/dx^2 = " in text                  # the last order's label
    assert "dy/dx = " in text                        # order 1, simplified, in between
    # order 2 is derived from the simplified order 1 (a step whose expr is dy/dx)
    first_simplified = [s for s in d.steps if s.rule == "simplify"][0].result
    assert any(s.kind == "derivative" and s.expr == first_simplified for s in d.steps)
    assert r"\frac{d^{2} y}{d x^{2}}" in d.to_latex()


def test_order_json_one_results_entry() -> None:
    r = CliRunner().invoke(main, ["derive", "x^3 sin(x)", "--order", "2", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert list(doc["results"]) == ["x"] and doc["results"]["x"]["order"] == 2
    assert doc["verification"]["status"] == "passed"


def test_order_zero_is_the_function() -> None:
    r = CliRunner().invoke(main, ["derive", "x^3 sin(x)", "--order", "0"])
    assert r.exit_code == 0, r.output
    assert "Result:  y = x^3*sin(x)" in r.output


@pytest.mark.parametrize("args", [["--order", "-1"], ["--order", "13"], ["--order", "two"]])
def test_bad_order_is_exit_2(args: list[str]) -> None:
    r = CliRunner().invoke(main, ["derive", "x^2", *args])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_order_api_checks_type() -> None:
    with pytest.raises(InputError):
        api.derive("x^2", order=2.5)
    with pytest.raises(InputError):
        api.derive("x.T @ x", "x", order=2, shapes=["x:n"])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions)
def test_order_two_equals_sympy_diff_twice(expr) -> None:
    d = api.derive(expr, X, order=2, verify=False, simplify=False)
    assert_same_function(d.answer, oracle_diff(oracle_diff(expr, X), X), [X], rtol=1e-6,
                         min_points=1)


# ----------------------------------------------------------------------------- scalar Hessians

SCALAR_HESSIANS = [
    ("x^2 y + y^3", "x,y"),
    ("exp(x y)", "x,y"),
    ("sin(x) cos(y) + x z^2", "x,y,z"),
    ("ln(x^2 + y^2)", "x,y"),
    ("x^y", "x,y"),
    ("sigmoid(w1 x1 + w2 x2)", "w1,w2"),
    ("(x - 1)^2 + 100 (y - x^2)^2", "x,y"),            # Rosenbrock
]


@pytest.mark.parametrize("text,wrt", SCALAR_HESSIANS)
def test_scalar_hessian_matches_sympy_hessian(text: str, wrt: str) -> None:
    from matcalc.parse import parse, parse_symbol_list
    d = api.hessian(text, wrt)
    variables = parse_symbol_list(wrt)
    f = parse(text)
    oracle = sp.hessian(f, variables)
    H = d.result if hasattr(d, "result") else d.answer
    for i in range(len(variables)):
        for j in range(len(variables)):
            assert_same_function(d.answer[i, j], oracle[i, j], variables, rtol=1e-7,
                                 min_points=5)
    assert d.answer == d.answer.T
    assert d.verification.status == "passed"
    mixed = [s for s in d.steps if s.rule == "mixed_partial_symmetry"]
    n = len(variables)
    assert len(mixed) == n * (n - 1) // 2
    # the mixed partials are derived once: n first partials, n(n+1)/2 second partials
    roots = [s for s in d.steps if s.kind == "derivative"]
    assert len(roots) == n + n * (n + 1) // 2


def test_hessian_cli_text() -> None:
    r = CliRunner().invoke(main, ["hessian", "x^2 y + y^3", "--wrt", "x,y"])
    assert r.exit_code == 0, r.output
    assert "d^2f/dx^2 = d/dx (2*x*y) = 2*y" in r.output
    assert "d^2f/dxdy = d^2f/dydx = 2*x" in r.output
    assert "Result:  H = [[2*y, 2*x]," in r.output
    assert all(len(line) <= 80 for line in r.output.splitlines())


def test_hessian_bad_variable_exit_2() -> None:
    r = CliRunner().invoke(main, ["hessian", "x^2 +", "--wrt", "x"])
    assert r.exit_code == 2 and "Traceback" not in r.output and "^" in r.output
    r = CliRunner().invoke(main, ["hessian", "x^2", "--wrt", "x,,y"])
    assert r.exit_code == 2 and "Traceback" not in r.output


# ----------------------------------------------------------------------------- shaped Hessians

def _fd_jacobian(grad, x0: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a gradient (given as a NumPy function) over vec(x0),
    column-major: column c is d vec(grad)/d vec(x)[c]."""
    flat = x0.reshape(-1, order="F")
    cols = []
    for c in range(flat.size):
        e = np.zeros_like(flat)
        e[c] = h
        plus = grad((flat + e).reshape(x0.shape, order="F")).reshape(-1, order="F")
        minus = grad((flat - e).reshape(x0.shape, order="F")).reshape(-1, order="F")
        cols.append((plus - minus) / (2 * h))
    return np.stack(cols, axis=1)


def _softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def _sig(t):
    return 1 / (1 + np.exp(-t))


# (expression, shapes, wrt, inputs(rng, n) -> dict, gradient(values) as a function of the
#  variable, closed-form Hessian(values))
MATRIX_CASES = {
    "quadratic form": ("x.T @ A @ x", ["x:n", "A:n,n"], "x",
                       lambda r, n: {"A": r.standard_normal((n, n)), "x": r.standard_normal((n, 1))},
                       lambda v: lambda x: (v["A"] + v["A"].T) @ x,
                       lambda v: v["A"] + v["A"].T),
    "least squares": ("norm(A @ x - b)^2", ["x:n", "A:m,n", "b:m"], "x",
                      lambda r, n: {"A": r.standard_normal((n + 1, n)), "x": r.standard_normal((n, 1)),
                                    "b": r.standard_normal((n + 1, 1))},
                      lambda v: lambda x: 2 * v["A"].T @ (v["A"] @ x - v["b"]),
                      lambda v: 2 * v["A"].T @ v["A"]),
    "log-sum-exp": ("log(sum(exp(x)))", ["x:n"], "x",
                    lambda r, n: {"x": r.standard_normal((n, 1))},
                    lambda v: lambda x: _softmax(x),
                    lambda v: np.diagflat(_softmax(v["x"])) - _softmax(v["x"]) @ _softmax(v["x"]).T),
    "logistic loss": ("sum(log(1 + exp(-y * (X @ w))))", ["X:m,n", "w:n", "y:m"], "w",
                      lambda r, n: {"X": r.standard_normal((n + 2, n)), "w": r.standard_normal((n, 1)),
                                    "y": r.choice([-1.0, 1.0], (n + 2, 1))},
                      lambda v: lambda w: -v["X"].T @ (v["y"] * _sig(-v["y"] * (v["X"] @ w))),
                      lambda v: v["X"].T @ np.diagflat(_sig(v["X"] @ v["w"]) * (1 - _sig(v["X"] @ v["w"]))) @ v["X"]),
    "ridge": ("norm(X @ w - y)^2 + lam * norm(w)^2", ["X:m,n", "w:n", "y:m"], "w",
              lambda r, n: {"X": r.standard_normal((n + 2, n)), "w": r.standard_normal((n, 1)),
                            "y": r.standard_normal((n + 2, 1)), "lam": 0.7},
              lambda v: lambda w: 2 * v["X"].T @ (v["X"] @ w - v["y"]) + 2 * v["lam"] * w,
              lambda v: 2 * v["X"].T @ v["X"] + 2 * v["lam"] * np.eye(v["w"].shape[0])),
    "cross-entropy": ("-sum(y * log_softmax(z))", ["z:n", "y:n"], "z",
                      lambda r, n: {"z": r.standard_normal((n, 1)), "y": r.uniform(0.1, 1, (n, 1))},
                      lambda v: lambda z: _softmax(z) * v["y"].sum() - v["y"],
                      lambda v: v["y"].sum() * (np.diagflat(_softmax(v["z"]))
                                                - _softmax(v["z"]) @ _softmax(v["z"]).T)),
    "Gaussian mean": ("-(x - mu).T @ inv(S) @ (x - mu) / 2", ["x:n", "mu:n", "S:n,n"], "mu",
                      lambda r, n: {"x": r.standard_normal((n, 1)), "mu": r.standard_normal((n, 1)),
                                    "S": (lambda B: B @ B.T + n * np.eye(n))(r.standard_normal((n, n)))},
                      lambda v: lambda mu: np.linalg.inv(v["S"]) @ (v["x"] - mu),
                      lambda v: -np.linalg.inv(v["S"])),
    "matrix trace form": ("trace(X.T @ A @ X)", ["X:n,k", "A:n,n"], "X",
                          lambda r, n: {"X": r.standard_normal((n, n - 1)), "A": r.standard_normal((n, n))},
                          lambda v: lambda X: (v["A"] + v["A"].T) @ X,
                          lambda v: np.kron(np.eye(v["X"].shape[1]), v["A"] + v["A"].T)),
    "matrix least squares": ("norm(X @ B - C)^2", ["X:n,k", "B:k,m", "C:n,m"], "X",
                             lambda r, n: {"X": r.standard_normal((n, n - 1)), "B": r.standard_normal((n - 1, 3)),
                                           "C": r.standard_normal((n, 3))},
                             lambda v: lambda X: 2 * (X @ v["B"] - v["C"]) @ v["B"].T,
                             lambda v: 2 * np.kron(v["B"] @ v["B"].T, np.eye(v["X"].shape[0]))),
    "commutation": ("trace(X @ X)", ["X:n,n"], "X",
                    lambda r, n: {"X": r.standard_normal((n, n))},
                    lambda v: lambda X: 2 * X.T,
                    lambda v: 2 * np.eye(v["X"].size)[
                        [j * v["X"].shape[0] + i for i in range(v["X"].shape[0])
                         for j in range(v["X"].shape[0])]]),
}

_CLOSED = {"commutation": "2*commutation(n, n)",
           "log-sum-exp": "diag(softmax(x)) - softmax(x) @ softmax(x).T", "quadratic form": "A + A.T", "least squares": "2*A.T @ A",
           "matrix trace form": "kron(eye(k), A + A.T)", "ridge": "2*X.T @ X + 2*lam*eye(n)"}


def _received(d, values: dict) -> np.ndarray:
    """The Hessian's NumPy text as the JSON gives it, evaluated with these values."""
    text = json.loads(d.to_json())["results"]["hessian"]["numpy"]
    return np.asarray(eval(text, {"np": np, **values}), dtype=float)  # noqa: S307 - our output


@pytest.mark.parametrize("name", list(MATRIX_CASES))
@pytest.mark.parametrize("n", [3, 5])
def test_matrix_hessian_against_fd_of_gradient(name: str, n: int) -> None:
    expr, shapes, wrt, inputs, grad, closed = MATRIX_CASES[name]
    d = api.hessian(expr, wrt, shapes=shapes)
    assert d.verification.status == "passed", d.verification.message
    rng = np.random.default_rng(n)
    values = inputs(rng, n)
    dims = {"n": n, "k": values.get("X", np.zeros((n, 1))).shape[1], "m": None}
    H = _received(d, {**values, **{k: v for k, v in dims.items() if v is not None},
                      "m": (values.get("A", values.get("X", np.zeros((n, 1)))).shape[0]
                            if "m" not in values else values["m"])})
    fd = _fd_jacobian(grad(values), values[wrt])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, closed(values), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    # Hessian-vector products in random directions
    for _ in range(3):
        v = rng.standard_normal((H.shape[0], 1))
        np.testing.assert_allclose(H @ v, fd @ v, rtol=1e-5, atol=1e-6)
    if name in _CLOSED:
        assert json.loads(d.to_json())["results"]["hessian"]["result"] == _CLOSED[name]


def test_matrix_hessian_steps_say_symmetrised_and_vec() -> None:
    d = api.hessian("trace(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"])
    text = d.to_text()
    assert "vec" in text and "kron" in text
    rules = d.steps[0].rules_used()
    assert {"second_differential", "vec_kronecker", "read_off_hessian"} <= set(rules)
    read = next(s for s in d.steps[0].walk() if s.rule == "read_off_hessian")
    assert "symmetric" in read.description and "columns stacked" in read.description


def test_shaped_hessian_bad_input() -> None:
    r = CliRunner().invoke(main, ["hessian", "A @ x", "--shape", "x:n", "--shape", "A:n,n",
                                  "--wrt", "x"])
    assert r.exit_code == 2 and "scalar objective" in r.output


# ------------------------------------------------ the cross-entropy Hessian, lecturer form

def _softmax_np(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("expr", ["-sum(y * log_softmax(z))", "-sum(y * log(softmax(z)))"])
@pytest.mark.parametrize("assume,form", [
    (None, "sum(y)*(diag(softmax(z)) - softmax(z) @ softmax(z).T)"),
    ("sum(y) = 1", "diag(softmax(z)) - softmax(z) @ softmax(z).T"),
])
def test_cross_entropy_hessian_lecturer_form(expr: str, assume, form: str) -> None:
    """H = (1^T y)(diag(s) - s s^T), s = softmax(z); diag(s) - s s^T when sum(y) = 1.
    Oracle: that closed form in NumPy, and central differences of the NumPy gradient
    (1^T y) s - y."""
    kw = {"assume": [assume]} if assume else {}
    d = api.hessian(expr, "z", shapes=["z:n", "y:n"], **kw)
    assert d.verification.status == "passed", d.verification.message
    doc = json.loads(d.to_json())["results"]["hessian"]
    assert doc["result"] == form
    assert any(s.rule == "matrix_simplify" for s in d.steps[0].walk())
    rng = np.random.default_rng(3)
    z = rng.standard_normal((5, 1))
    y = rng.random((5, 1))
    if assume:
        y /= y.sum()
    H = np.asarray(eval(doc["numpy"], {"np": np, "z": z, "y": y, "n": 5}), dtype=float)  # noqa: S307
    s = _softmax_np(z)
    np.testing.assert_allclose(H, y.sum() * (np.diagflat(s) - s @ s.T), rtol=1e-10, atol=1e-12)
    grad = lambda v: y.sum() * _softmax_np(v) - y  # noqa: E731
    h = 1e-6
    fd = np.hstack([(grad(z + h * e) - grad(z - h * e)) / (2 * h)
                    for e in np.eye(5)[:, :, None]])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)
