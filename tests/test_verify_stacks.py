"""The batched verifier (issue 17 item 1): matrix expressions evaluated on stacks of points
(``evaluate.BatchBackend``), programs run over a stack with a per-point fallback, the
directional differences of many moves as one stack (``verify/stacks.py``), batched draws
that respect --assume at every point, and the method line's wording.

Oracles: the per-point evaluator (``evaluate`` with the NumPy backend, itself checked
against closed forms in test_matrix_*), closed-form gradients written here, and NumPy's
own linear algebra."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matcalc import backprop, derive
from matcalc.assume import assuming, parse_assumptions
from matcalc.matrix.parse import parse_matrix_expression
from matcalc.verify import stacks
from matcalc.verify.evaluate import BatchBackend, evaluate, evaluate_batch
from matcalc.verify.matrix import _Points, draw_batch

n = sp.Symbol("n")
SHAPES = {"X": (n, n), "A": (n, n), "x": (n, 1), "y": (n, 1)}   # c: a scalar
SIZES = {n: 4}
B = 6

EXPRESSIONS = [
    "tr(A @ X @ A.T)", "x.T @ inv(X) @ y", "det(X) * tr(X)", "logdet(X @ X.T + eye(n))",
    "norm(A @ x - y)^2", "sum(tanh(A @ x))", "tr(X) * X @ x", "diag(x) @ A @ x",
    "diag(X)", "softmax(A @ x)", "logsumexp(x)", "max(A @ x)", "norm1(X)",
    "X^2 @ x", "inv(X)^2", "sigmoid(X) * X", "c * A @ X", "sum(exp(c * x))",
    "max(x, y)", "softmax(X, axis=1)", "ones(n, n) @ X / n", "sum(X, axis=0)",
]


def _stack() -> dict:
    rng = np.random.default_rng(7)
    return {"X": np.eye(4) + 0.3 * rng.standard_normal((B, 4, 4)),
            "A": rng.standard_normal((B, 4, 4)), "x": rng.standard_normal((B, 4, 1)),
            "y": rng.standard_normal((B, 4, 1)), "c": rng.uniform(0.5, 2.0, B)}


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_stack_is_the_points_one_by_one(text: str) -> None:
    """Slice i of the batched value is the value at point i alone."""
    expr = parse_matrix_expression(text, SHAPES)
    stack = _stack()
    got = evaluate_batch(expr, stack, SIZES, B)
    assert got.shape[0] == B
    for i in range(B):
        point = {k: (v[i] if v.ndim > 1 else float(v[i])) for k, v in stack.items()}
        want = np.asarray(evaluate(expr, point, SIZES), dtype=float)
        np.testing.assert_allclose(got[i], want.reshape(got[i].shape), rtol=1e-10,
                                   atol=1e-12)


def test_a_singular_point_is_nan_there_only() -> None:
    expr = parse_matrix_expression("x.T @ inv(X) @ y", SHAPES)
    stack = _stack()
    stack["X"][2] = np.ones((4, 4))                      # rank 1
    stack["X"][4] = np.diag([1.0, 1.0, 1.0, 1e-13])      # cond 1e13 > MAX_CONDITION
    be = BatchBackend(B)
    got = evaluate_batch(expr, stack, SIZES, B, be)
    assert list(be.singular) == [False, False, True, False, True, False]
    assert np.isnan(got[[2, 4]]).all() and np.isfinite(got[[0, 1, 3, 5]]).all()
    for i in (0, 1, 3, 5):
        want = stack["x"][i].T @ np.linalg.solve(stack["X"][i], stack["y"][i])
        np.testing.assert_allclose(got[i], want.ravel(), rtol=1e-10)


def test_run_falls_back_to_one_point_at_a_time(monkeypatch) -> None:
    """When the stack as a whole raises, each point is evaluated alone: the points that
    raise are marked, the others keep their values."""
    real = BatchBackend.det

    def det(a):
        if np.any(a[..., 0, 0] < 0):
            raise np.linalg.LinAlgError("planted")
        return real(a)
    monkeypatch.setattr(BatchBackend, "det", staticmethod(det))
    stack = _stack()
    stack["X"][:, 0, 0] = [1.0, -1.0, 2.0, -3.0, 1.5, 0.5]
    program = [("d", parse_matrix_expression("det(X)", SHAPES)),
               ("e", parse_matrix_expression("d * tr(X)", SHAPES))]
    env, status = stacks.run(program, stack, SIZES, B)
    assert list(status) == [stacks.OK, stacks.SINGULAR, stacks.OK, stacks.SINGULAR,
                            stacks.OK, stacks.OK]
    for i in (0, 2, 4, 5):
        d = np.linalg.det(stack["X"][i])
        np.testing.assert_allclose(env["d"][i], d, rtol=1e-12)
        np.testing.assert_allclose(env["e"][i], d * np.trace(stack["X"][i]), rtol=1e-12)
    assert np.isnan(env["d"][[1, 3]]).all()


def _objective(expr):
    def f(rows, k):
        return stacks.run([("f", expr)], rows, SIZES, k)[0]["f"].reshape(k, -1)
    return f


def test_directional_differences_of_many_moves() -> None:
    """f = sum(X * X) + x^T A x: <2X, V> and <(A + A^T) x, v> for moves of two variables at
    several points, every stencil offset in one stack."""
    expr = parse_matrix_expression("sum(X * X) + x.T @ A @ x", SHAPES)
    stack = _stack()
    rng = np.random.default_rng(3)
    points = np.array([0, 0, 3, 5])
    moves = [stacks.Moves("X", points, rng.standard_normal((4, 4, 4))),
             stacks.Moves("x", points[:3], rng.standard_normal((3, 4, 1)))]
    dx, dv = stacks.directional(_objective(expr), stack, moves, 1e-6)
    want_x = [np.sum(2 * stack["X"][p] * v) for p, v in zip(points, moves[0].directions)]
    want_v = [float(((stack["A"][p] + stack["A"][p].T) @ stack["x"][p]).ravel() @ v.ravel())
              for p, v in zip(points[:3], moves[1].directions)]
    assert dx.fd.shape == (4, 1) and dv.fd.shape == (3, 1)
    assert dx.sharp.all() and dv.sharp.all()
    np.testing.assert_allclose(dx.fd[:, 0], want_x, rtol=1e-8)
    np.testing.assert_allclose(dv.fd[:, 0], want_v, rtol=1e-8)
    assert np.all(dx.err[:, 0] <= 1e-7 * np.abs(dx.fd[:, 0]))


def test_a_fast_varying_direction_is_retried_at_a_smaller_step() -> None:
    """sum(sin(1000 x)): the first step leaves a truncation error too large; the retry at
    h/16 (as one more stack) resolves it, and the estimate is 1000 cos(1000 x) . v."""
    expr = parse_matrix_expression("sum(sin(1000 * x))", SHAPES)
    stack = _stack()
    v = np.random.default_rng(5).standard_normal((B, 4, 1))
    moves = [stacks.Moves("x", np.arange(B), v)]
    (d,) = stacks.directional(_objective(expr), stack, moves, 1e-6)
    want = [float((1000 * np.cos(1000 * stack["x"][i])).ravel() @ v[i].ravel())
            for i in range(B)]
    assert d.sharp.sum() >= B - 1
    np.testing.assert_allclose(d.fd[d.sharp], np.array(want)[d.sharp[:, 0]], rtol=1e-6)


def test_batched_draws_respect_the_assumptions_at_every_point() -> None:
    S, y, Y = (sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("y", n, 1),
               sp.MatrixSymbol("Y", 3, n))
    P, c = sp.MatrixSymbol("P", n, n), sp.Symbol("c")
    facts = parse_assumptions(["symmetric(S)", "spd(P)", "sum(y) = 1",
                               "sum(Y, axis=0) = 1", "c > 0"])
    with assuming(facts):
        got = draw_batch([S, P, y, Y, c], {n: 5}, np.random.default_rng(0), set(), 8)
    assert got["S"].shape == (8, 5, 5) and got["c"].shape == (8,)
    np.testing.assert_allclose(got["S"], np.swapaxes(got["S"], 1, 2))
    assert np.all(np.linalg.eigvalsh(got["P"]) >= 0.5 - 1e-12)
    np.testing.assert_allclose(got["y"].sum(axis=(1, 2)), 1.0)
    assert np.all(got["y"] > 0)
    assert np.all(got["Y"].sum(axis=1) == 1.0) and set(np.unique(got["Y"])) <= {0.0, 1.0}
    assert np.all(got["c"] > 0)
    assert len({got["S"][i].tobytes() for i in range(8)}) == 8   # distinct points


def test_points_alternate_between_the_two_size_assignments() -> None:
    draws = _Points({n, sp.Symbol("m")}, 0)
    first = draws.plan(20, 0)
    assert [q for _, q, _ in first] == [10, 10] and [c for _, _, c in first] == [10, 10]
    first[0][0].accepted, first[1][0].accepted = 10, 7
    first[1][0].failures = 3
    assert [(q, c) for _, q, c in draws.plan(20, 17)] == [(3, 7)]   # failed: draw more
    draws.active.remove(first[0][0])
    assert [q for _, q, _ in draws.plan(20, 17)] == [3]


def test_method_line_at_declared_sizes() -> None:
    """Numeric sizes checked as declared: "at the declared sizes"; checked smaller: the
    note names the sizes, and the method line does not also claim the declared ones."""
    d = derive("x.T @ A @ x", "x", shapes=["x:5", "A:5,5"])
    assert d.verification.status == "passed"
    assert "at the declared sizes" in d.verification.method
    assert "sizes the declared" not in d.verification.method
    prog = ("X: 60, 60\nW1: 60, 60\nb1: 60\nW2: 1, 60\nb2: 1\nY: 1, 60\n"
            "Z1 = W1 @ X + b1\nA1 = sigmoid(Z1)\nZ2 = W2 @ A1 + b2\nA2 = sigmoid(Z2)\n"
            "J = -sum(Y * log(A2) + (1 - Y) * log(1 - A2)) / 60\n")
    v = backprop(prog, "W1,b1,W2,b2").verification
    assert v.status == "passed", v
    assert "at the declared sizes" not in v.method and "60 -> 7" in v.method
