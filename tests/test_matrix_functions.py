"""The matrix functions of issue 14: max(X) over the entries, element-wise max(X, Y),
norm1, diag(X) of a square matrix (the diagonal as a vector; diag(v) of a vector stays the
diagonal matrix) and logsumexp. Each derived result is evaluated at random points and
compared with NumPy central differences of a NumPy forward function written here (not
matcalc's evaluator), and with the closed form where one is known (softmax, eye, sign)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matcalc import api
from matcalc.errors import MatcalcError
from matcalc.matrix.nodes import DiagOf, Diag, Elementwise, LogSumExp, MaxEntries, Maximum, Norm1
from matcalc.matrix.parse import parse_matrix_expression, shape_table
from matcalc.matrix.printing import matrix_latex, matrix_numpy, matrix_syntax
from matcalc.verify.evaluate import evaluate

N, M = 5, 3
RNG = np.random.default_rng(1414)


def _fd_gradient(f, values: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f(values) in every entry of values[wrt]."""
    x = values[wrt]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = dict(values), dict(values)
        plus[wrt] = x.copy()
        minus[wrt] = x.copy()
        plus[wrt][idx] += h
        minus[wrt][idx] -= h
        g[idx] = (f(plus) - f(minus)) / (2 * h)
    return g


def _fd_jacobian(f, values: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    x = values[wrt]
    cols = []
    for k in range(x.shape[0]):
        plus, minus = dict(values), dict(values)
        plus[wrt] = x.copy()
        minus[wrt] = x.copy()
        plus[wrt][k, 0] += h
        minus[wrt][k, 0] -= h
        cols.append(((f(plus) - f(minus)) / (2 * h)).ravel())
    return np.array(cols).T


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


# (expression, shapes, wrt, NumPy forward function, closed form of the gradient or None)
GRADIENTS = [
    ("logsumexp(x)", ["x:n"], "x", lambda v: np.log(np.sum(np.exp(v["x"]))),
     lambda v: _softmax(v["x"])),
    ("max(x)", ["x:n"], "x", lambda v: np.max(v["x"]),
     lambda v: (v["x"] == v["x"].max()).astype(float)),
    ("max(X)", ["X:m,n"], "X", lambda v: np.max(v["X"]),
     lambda v: (v["X"] == v["X"].max()).astype(float)),
    ("sum(max(x, y))", ["x:n", "y:n"], "x", lambda v: np.sum(np.maximum(v["x"], v["y"])),
     lambda v: (v["x"] > v["y"]).astype(float)),
    ("sum(max(x, y))", ["x:n", "y:n"], "y", lambda v: np.sum(np.maximum(v["x"], v["y"])),
     lambda v: (v["y"] > v["x"]).astype(float)),
    ("norm1(x)", ["x:n"], "x", lambda v: np.sum(np.abs(v["x"])), lambda v: np.sign(v["x"])),
    ("norm1(A @ x - b)", ["A:m,n", "x:n", "b:m"], "x",
     lambda v: np.sum(np.abs(v["A"] @ v["x"] - v["b"])),
     lambda v: v["A"].T @ np.sign(v["A"] @ v["x"] - v["b"])),
    ("norm1(X)", ["X:m,n"], "X", lambda v: np.sum(np.abs(v["X"])), lambda v: np.sign(v["X"])),
    ("sum(diag(X))", ["X:n,n"], "X", lambda v: np.trace(v["X"]), lambda v: np.eye(N)),
    ("a.T @ diag(X @ X)", ["a:n", "X:n,n"], "X",
     lambda v: float(v["a"].ravel() @ np.diag(v["X"] @ v["X"])), None),
    ("logsumexp(W @ x) - max(W @ x)", ["W:m,n", "x:n"], "W",
     lambda v: np.log(np.sum(np.exp(v["W"] @ v["x"]))) - np.max(v["W"] @ v["x"]), None),
    ("sum(max(W @ x, b)) + norm1(diag(A))", ["W:n,n", "x:n", "b:n", "A:n,n"], "W",
     lambda v: np.sum(np.maximum(v["W"] @ v["x"], v["b"])) + np.sum(np.abs(np.diag(v["A"]))),
     None),
]


def _values(shapes: list[str]) -> tuple[dict, dict]:
    dims = {sp.Symbol("n"): N, sp.Symbol("m"): M}
    values = {}
    for name, (r, c) in shape_table(shapes).items():
        values[name] = RNG.standard_normal((int(r.xreplace(dims)), int(c.xreplace(dims))))
    return values, dims


@pytest.mark.parametrize("expr, shapes, wrt, forward, closed", GRADIENTS,
                         ids=[f"{c[0]} wrt {c[2]}" for c in GRADIENTS])
def test_gradient_against_numpy_differences(expr, shapes, wrt, forward, closed):
    d = api.derive(expr, wrt, shapes=shapes)
    assert d.verification.status == "passed", d.verification
    for _ in range(3):
        values, dims = _values(shapes)
        got = np.asarray(evaluate(d.result, values, dims), dtype=float)
        got = np.broadcast_to(got, values[wrt].shape) if got.ndim == 0 else got
        assert got.shape == values[wrt].shape
        np.testing.assert_allclose(got, _fd_gradient(forward, values, wrt), atol=1e-5)
        if closed is not None:
            np.testing.assert_allclose(got, closed(values), atol=1e-12)
        # the NumPy text of the result computes the same numbers
        env = {"np": np, **values, "n": N, "m": M}
        text = matrix_numpy(d.result)
        emitted = np.asarray(eval(compile(text, "<numpy>", "eval"), env), dtype=float)  # noqa: S307 - our own output
        np.testing.assert_allclose(np.broadcast_to(emitted, got.shape), got, atol=1e-12)


def test_logsumexp_gradient_is_softmax_node():
    d = api.derive("logsumexp(x)", "x", shapes=["x:n"])
    assert matrix_syntax(d.result) == "softmax(x)"
    assert "[log-sum-exp rule]" in d.to_text()


def test_sum_diag_is_identity():
    d = api.derive("sum(diag(X))", "X", shapes=["X:n,n"])
    assert d.result == sp.Identity(sp.Symbol("n"))


def test_jacobian_of_elementwise_max():
    d = api.jacobian("max(x, y)", "x", shapes=["x:n", "y:n"])
    values, dims = _values(["x:n", "y:n"])
    got = np.asarray(evaluate(d.result, values, dims), dtype=float)
    fd = _fd_jacobian(lambda v: np.maximum(v["x"], v["y"]), values, "x")
    np.testing.assert_allclose(got, fd, atol=1e-5)


@pytest.mark.parametrize("text, node", [("max(x)", MaxEntries), ("max(x, y)", Maximum),
                                        ("norm1(x)", Norm1), ("logsumexp(x)", LogSumExp),
                                        ("diag(X)", DiagOf), ("diag(x)", Diag)])
def test_parsed_node_and_round_trip(text, node):
    shapes = shape_table(["x:n", "y:n", "X:n,n"])
    e = parse_matrix_expression(text, shapes)
    assert isinstance(e, node)
    assert parse_matrix_expression(matrix_syntax(e), shapes) == e
    assert parse_matrix_expression(matrix_latex(e), shapes) == e      # LaTeX round trip


def test_latex_input_of_the_one_norm():
    shapes = shape_table(["A:m,n", "x:n", "b:m"])
    e = parse_matrix_expression(r"\|A x - b\|_1", shapes)
    assert e == parse_matrix_expression("norm1(A @ x - b)", shapes)
    assert parse_matrix_expression(r"\|A x - b\|_2", shapes) == \
        parse_matrix_expression("norm(A @ x - b)", shapes)


def test_scalar_max_of_a_vector_and_a_constant_stays_elementwise():
    shapes = shape_table(["x:n"])
    e = parse_matrix_expression("max(x, 0)", shapes)
    assert not isinstance(e, Maximum) and e.shape == (sp.Symbol("n"), 1)


@pytest.mark.parametrize("text", ["diag(W)", "logsumexp(X)", "max(x, z)", "max(x, 1, y)"])
def test_bad_shapes_are_one_line_errors(text):
    shapes = shape_table(["x:n", "z:m", "W:m,n", "X:n,n", "y:n"])
    with pytest.raises(MatcalcError) as err:
        parse_matrix_expression(text, shapes)
    assert "column 1" in err.value.format() and err.value.format().count("\n") == 2


def test_maximum_tie_convention_matches_the_scalar_max():
    # y does not vary: relu's convention, 0 at a tie; both vary: 1/2 each
    d = api.derive("sum(max(x, y))", "x", shapes=["x:n", "y:n"])
    assert d.result.function.expr.args[1] == 0
    scalar = api.derive("max(x, y)", "x")
    assert scalar.result.args[1] == 0
    d = api.derive("sum(max(x, 2*x))", "x", shapes=["x:n"])
    halves = [e.function.expr.args[1] for e in sp.preorder_traversal(d.result)
              if isinstance(e, Elementwise)]
    assert halves and all(h == sp.S.Half for h in halves)


def test_tie_conventions_are_stated():
    text = api.derive("sum(max(x, y))", "x", shapes=["x:n", "y:n"]).to_text()
    assert "splits evenly" in text and "1/2" in text
    assert "1/k" in api.derive("max(x)", "x", shapes=["x:n"]).to_text()
    assert "sign(0) = 0" in api.derive("norm1(x)", "x", shapes=["x:n"]).to_text()


@pytest.mark.parametrize("expr", ["max(x)", "norm1(x)", "sum(relu(x))"])
def test_hessians_of_piecewise_linear_functions_are_zero(expr):
    # exit 4 before: the NumPy text of a constant element-wise function lost the shape
    d = api.hessian(expr, "x", shapes=["x:n"])
    values, dims = _values(["x:n"])
    H = np.asarray(evaluate(d.result, values, dims), dtype=float)
    assert H.shape == (N, N) and not H.any()
    assert d.verification.status == "passed"


def test_hessian_of_logsumexp_is_the_softmax_jacobian():
    d = api.hessian("logsumexp(x)", "x", shapes=["x:n"])
    values, dims = _values(["x:n"])
    s = _softmax(values["x"])
    np.testing.assert_allclose(np.asarray(evaluate(d.result, values, dims), dtype=float),
                               np.diagflat(s) - s @ s.T, atol=1e-12)
