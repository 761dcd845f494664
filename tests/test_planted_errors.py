"""Planted errors (issue 18): for every kind, a correct result must pass (or be "Not
verified" with a reason), and the same result multiplied by 3, negated, transposed (or
with its partials swapped) or with a term dropped must fail - at magnitudes from 1e-12 to
1e20. The oracle is the hand-derived closed form of each example (not matcalc's output).

``python -m pytest tests/test_planted_errors.py -q`` runs the whole suite; the figures
(suite size, false passes, false failures) are printed by ``test_suite_figures``.
"""
from __future__ import annotations

import functools
from dataclasses import replace

import pytest
import sympy as sp

from matcalc.matrix.backprop import backward
from matcalc.matrix.parse import parse_matrix_expression
from matcalc.matrix.program import parse_program
from matcalc.parse import parse
from matcalc.verify import check_derivative, check_entries, check_partials
from matcalc.verify.matrix import Claim, check_backprop, check_matrix

MAGNITUDES = ("1e-12", "1e-6", "1", "1e6", "1e20")
WRONG = ("times3", "negated", "transposed", "dropped")
x, y = sp.Symbol("x"), sp.Symbol("y")


def _scalar_case(c: str, variant: str, offset: str = "0"):
    """f = c (sin(x) x^2 + e^(x/2)) + offset; f' = c (2x sin x + x^2 cos x + e^(x/2)/2)."""
    f = parse(f"{c} * (sin(x) * x^2 + exp(x/2)) + {offset}")
    right = f"{c} * (2*x*sin(x) + x^2*cos(x) + exp(x/2)/2)"
    claim = {"correct": right, "times3": f"3 * {right}", "negated": f"-{right}",
             # a scalar has no transpose: the derivative of the other factor order
             "transposed": f"{c} * (2*x*cos(x) - x^2*sin(x) + exp(x/2)/2)",
             "dropped": f"{c} * (2*x*sin(x) + exp(x/2)/2)"}[variant]
    return check_derivative(f, parse(claim), x)


def _partials(c: str, variant: str):
    """f = c (x^2 y + sin(x y)); df/dx = c (2xy + y cos xy), df/dy = c (x^2 + x cos xy)."""
    f = parse(f"{c} * (x^2 * y + sin(x*y))")
    dx, dy = f"{c} * (2*x*y + y*cos(x*y))", f"{c} * (x^2 + x*cos(x*y))"
    dx, dy = {"correct": (dx, dy), "times3": (f"3*{dx}", dy), "negated": (dx, f"-{dy}"),
              "transposed": (dy, dx), "dropped": (f"{c} * 2*x*y", dy)}[variant]
    return f, {x: parse(dx), y: parse(dy)}


def _grad_case(c: str, variant: str):
    f, dfs = _partials(c, variant)
    return check_partials(f, dfs)


def _graph_case(c: str, variant: str):
    """The graph kind's check: one entry per input, labelled as the graph labels them."""
    f, dfs = _partials(c, variant)
    return check_entries([(f"dJ/d{v.name}", f, d, v) for v, d in dfs.items()], [x, y],
                         unit="input")


def _jacobian_case(c: str, variant: str):
    """F = c [x y + sin x, x^2 + e^y]: J = c [[y + cos x, x], [2x, e^y]]."""
    F = [parse(f"{c} * (x*y + sin(x))"), parse(f"{c} * (x^2 + exp(y))")]
    J = [[f"{c}*(y + cos(x))", f"{c}*x"], [f"{c}*2*x", f"{c}*exp(y)"]]
    if variant == "times3":
        J = [[f"3*{e}" for e in row] for row in J]
    elif variant == "negated":
        J = [[f"-{e}" for e in row] for row in J]
    elif variant == "transposed":
        J = [[J[0][0], J[1][0]], [J[0][1], J[1][1]]]
    elif variant == "dropped":
        J[0][0] = f"{c}*y"
    entries = [(f"J[{i},{j}]", F[i], parse(J[i][j]), v) for i in range(2)
               for j, v in enumerate((x, y))]
    return check_entries(entries, [x, y])


SHAPES = {"X": (sp.Symbol("n"), sp.Symbol("n")), "A": (sp.Symbol("n"), sp.Symbol("n")),
          "B": (sp.Symbol("n"), sp.Symbol("n"))}


def _matrix_case(c: str, variant: str):
    """f = c (tr(A X B) + sum(X * X)): df/dX = c (A^T B^T + 2 X) (X, A, B n x n)."""
    f = parse_matrix_expression(f"{c} * (tr(A @ X @ B) + sum(X * X))", SHAPES)
    g = {"correct": f"{c} * (A.T @ B.T + 2*X)", "times3": f"3 * {c} * (A.T @ B.T + 2*X)",
         "negated": f"-{c} * (A.T @ B.T + 2*X)", "transposed": f"{c} * (B @ A + 2*X)",
         "dropped": f"{c} * (A.T @ B.T)"}[variant]
    X = sp.MatrixSymbol("X", *SHAPES["X"])
    claim = Claim(X, parse_matrix_expression(g, SHAPES))
    return check_matrix(f, [claim], {sp.Symbol("n")}, "gradient", shapes=SHAPES)


def _backprop_case(c: str, variant: str):
    """Z = W X + b, A = tanh(Z), J = c sum(A * A) / m; the equations derived by matcalc are
    checked against the hand-written dW = (2c/m) (A o (1 - A^2)) X^T first (oracle), then
    planted: dW times 3, negated, transposed (W is square), or dZ without tanh' (dropped)."""
    import numpy as np
    prog = parse_program(f"X: n, m\nW: n, n\nb: n\nZ = W @ X + b\nA = tanh(Z)\n"
                         f"J = {c} * sum(A * A) / m\n")
    W, b = sp.MatrixSymbol("W", *prog.shapes["W"]), sp.MatrixSymbol("b", *prog.shapes["b"])
    bp = backward(prog, [W, b])
    eq = dict(bp.equations)
    if variant == "times3":
        eq["dW"] = 3 * eq["dW"]
    elif variant == "negated":
        eq["dW"] = -eq["dW"]
    elif variant == "transposed":
        eq["dW"] = eq["dW"].T
    elif variant == "dropped":
        eq["dZ"] = eq["dA"]
    return check_backprop(prog, replace(bp, equations=eq))


KINDS = {"derive": _scalar_case, "grad": _grad_case, "graph": _graph_case,
         "jacobian": _jacobian_case, "shapes": _matrix_case, "backprop": _backprop_case}
CASES = [(k, c, v) for k in KINDS for c in MAGNITUDES for v in ("correct", *WRONG)]
# additive offsets that swamp float64 (sin(x) + 10^20): the scalar check goes to 60 digits
OFFSETS = [(c, v, off) for c in ("1e-12", "1") for off in ("1e20", "1e-400*x")
           for v in ("correct", *WRONG)]


@functools.cache
def _planted(kind: str, c: str, variant: str):
    """The verification of one planted case, computed once per test session (the
    parametrised tests and ``test_suite_figures`` judge the same objects)."""
    return KINDS[kind](c, variant)


@functools.cache
def _offset(c: str, variant: str, offset: str):
    """The verification of one case with a swamping offset, computed once."""
    return _scalar_case(c, variant, offset)


@functools.cache
def _piecewise_case(c: str, variant: str):
    """f = c (step(x) + sign(x - 1/2)) is locally constant: f' = 0 between its jumps
    (issue 12's leftover: the 60-digit difference is exactly 0 while f's values change).
    Planted: a claim of c instead of 0; a claim of 0 with a term c x dropped; a claim of 0
    for c x swamped by 10^20 and by 10^50 (float64, and for 10^50 also 60 digits, round
    c x away: these must fail or be "Not verified", never pass)."""
    jumps = f"{c} * (step(x) + sign(x - 1/2))"
    f, claim = {"correct": (jumps, "0"), "times3": (jumps, c),
                "negated": (jumps, f"-{c}"),
                "transposed": (f"{jumps} + {c} * x", "0"),
                "dropped": (f"{c} * x + 1e20", "0"),
                "swamped": (f"{c} * x + 1e50", "0")}[variant]
    return check_derivative(parse(f), parse(claim), x)


PIECEWISE = [(c, v) for c in MAGNITUDES for v in ("correct", *WRONG, "swamped")]


def _judge(v, variant: str) -> str:
    """"ok", "false pass" or "false failure" for one verification."""
    if variant == "correct":
        if v.status == "passed":
            assert v.max_rel_error <= v.tolerance, v   # Verified means within tolerance
            return "ok"
        return "ok" if v.status == "skipped" and v.message else "false failure"
    return "ok" if v.status == "failed" else "false pass"


@pytest.mark.parametrize("kind,c,variant", CASES)
def test_planted(kind: str, c: str, variant: str) -> None:
    v = _planted(kind, c, variant)
    assert _judge(v, variant) == "ok", (kind, c, variant, v.status, v.message)
    if variant == "correct":      # these examples are resolvable: they must really pass
        assert v.status == "passed", (kind, c, v.message)


@pytest.mark.parametrize("c,variant", PIECEWISE)
def test_planted_piecewise_constant(c: str, variant: str) -> None:
    v = _piecewise_case(c, variant)
    if variant == "swamped":       # c x + 1e50: never a pass
        assert v.status != "passed", (c, v.method)
        return
    assert _judge(v, variant) == "ok", (c, variant, v.status, v.message)
    if variant == "correct":
        assert v.status == "passed", (c, v.message)
        assert "locally constant" in v.method and "0 checked exactly" in v.method


@pytest.mark.parametrize("c,variant,offset", OFFSETS)
def test_planted_with_swamping_offset(c: str, variant: str, offset: str) -> None:
    v = _offset(c, variant, offset)
    assert _judge(v, variant) == "ok", (c, variant, offset, v.status, v.message)


def test_backprop_oracle() -> None:
    """The correct equations of the backprop example equal the hand-written backward pass
    (so "correct" above is correct by an independent oracle)."""
    import numpy as np
    from matcalc.verify.evaluate import evaluate
    prog = parse_program("X: 3, 5\nW: 3, 3\nb: 3\nZ = W @ X + b\nA = tanh(Z)\n"
                         "J = 2 * sum(A * A) / 5\n")
    W, b = sp.MatrixSymbol("W", 3, 3), sp.MatrixSymbol("b", 3, 1)
    bp = backward(prog, [W, b])
    rng = np.random.default_rng(1)
    env = {"X": rng.standard_normal((3, 5)), "W": rng.standard_normal((3, 3)),
           "b": rng.standard_normal((3, 1))}
    for t, val in prog.assignments:
        env[t.name] = evaluate(val, env, {})
    for v in bp.order:
        name = f"d{v.name}"
        env[name] = evaluate(bp.equations[name], env, {})
    A = np.tanh(env["W"] @ env["X"] + env["b"])
    dZ = 2 * 2 * A * (1 - A ** 2) / 5
    np.testing.assert_allclose(env["dW"], dZ @ env["X"].T, rtol=1e-12)
    np.testing.assert_allclose(np.ravel(env["db"]), dZ.sum(axis=1), rtol=1e-12)


@pytest.mark.slow
def test_suite_figures(capsys) -> None:
    """The issue's figures: suite size, false passes (must be 0), false failures."""
    tally = {"ok": 0, "false pass": 0, "false failure": 0}
    for kind, c, variant in CASES:             # computed once: the tests above ran them
        tally[_judge(_planted(kind, c, variant), variant)] += 1
    for c, variant, off in OFFSETS:
        tally[_judge(_offset(c, variant, off), variant)] += 1
    for c, variant in PIECEWISE:
        v = _piecewise_case(c, variant)
        tally[_judge(v, variant) if variant != "swamped" else
              ("false pass" if v.status == "passed" else "ok")] += 1
    with capsys.disabled():
        print(f"\nplanted-error suite: {len(CASES) + len(OFFSETS) + len(PIECEWISE)} checks, "
              f"{tally['false pass']} false passes, {tally['false failure']} false failures")
    assert tally["false pass"] == 0 and tally["false failure"] == 0
