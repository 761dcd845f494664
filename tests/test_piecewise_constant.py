"""Piecewise-constant derivatives (issue 12's leftover): step, sign, x^0.

Between its jumps a locally constant f has f' = 0 exactly; the 60-digit difference is
then exactly 0 while f's values change between the points, and that is evidence (the
method line says "f is locally constant ... 0 checked exactly"). An f that is flat only
because a large constant swamps it is never evidence: a wrong claimed 0 must not pass
(tests/test_planted_errors.py keeps the suite-wide figure; here, the named cases).
Oracles: the hand-known derivatives (0 between jumps), sympy.diff for x^0.
"""
from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import api
from matcalc.cli import main
from matcalc.parse import parse
from matcalc.verify import check_derivative

x = sp.Symbol("x")


def _cli(*args: str) -> dict:
    r = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


@pytest.mark.parametrize("f", ["step(x)", "sign(x)", "3*step(x - 1) - sign(x + 2)",
                               "1e20*step(x)", "1e-12*sign(x)", "step(x) + step(x - 1/2)"])
def test_locally_constant_zero_is_verified(f: str) -> None:
    v = check_derivative(parse(f), sp.S.Zero, x)
    assert v.status == "passed", v.message
    assert "locally constant" in v.method and "0 checked exactly" in v.method


@pytest.mark.parametrize("f,claim", [
    ("x + 1e20", "0"),                 # the example: swamped in float64 only
    ("5*x + 1e20", "0"),
    ("(x + 1e20)*step(x)", "0"),       # right at x < 0, wrong at x > 0
    ("step(x) + 1e-30*x", "0"),        # a tiny slope is not 0
    ("1 + 1e-12*x", "0"),
    ("3*step(x)", "3"),                # a non-zero claim for a locally constant f
    ("sign(x)", "1e-9"),
])
def test_wrong_claim_never_passes(f: str, claim: str) -> None:
    v = check_derivative(parse(f), parse(claim), x)
    assert v.status == "failed", (v.status, v.method)


@pytest.mark.parametrize("f", ["x + 1e50", "(x + 1e50)*step(x)", "x + 1e70"])
def test_swamped_even_in_60_digits_is_not_verified(f: str) -> None:
    """c x + 10^50 rounds x away in 60 digits too: a claimed 0 is "Not verified" with the
    reason, not passed (and not failed: no difference says otherwise)."""
    v = check_derivative(parse(f), sp.S.Zero, x)
    assert v.status == "skipped" and "not enough evidence" in v.message, v


def test_one_value_everywhere_is_not_evidence() -> None:
    """sign(x)^2 is 1 at every random point: no change of f shows it is resolved."""
    v = check_derivative(parse("sign(x)^2"), sp.S.Zero, x)
    assert v.status == "skipped"
    assert "f takes one value at every candidate" in v.message


def test_jacobian_of_step_and_sign_is_verified() -> None:
    doc = _cli("jacobian", "[step(x), sign(y)]", "--wrt", "x,y")
    assert doc["verification"]["status"] == "passed", doc["verification"]
    assert "locally constant" in doc["verification"]["method"]
    assert doc["results"]["jacobian"]["result"] == "[[0, 0], [0, 0]]"


@pytest.mark.parametrize("expr", ["sign(x)", "step(x)", "relu(x) + 2*step(x - 1)"])
def test_derive_piecewise(expr: str) -> None:
    d = api.derive(expr)
    assert d.verification.status == "passed", d.verification.message


def test_x_to_the_zero_as_typed() -> None:
    """derive "x^0": x was typed, so it is the variable; x^0 = 1 for x != 0 is a step,
    the derivative is 0 (sympy.diff(x**0, x) = 0)."""
    r = CliRunner().invoke(main, ["derive", "x^0"])
    assert r.exit_code == 0, r.output
    assert "f(x) = x^0" in r.output
    assert "x^0 = 1 for x != 0" in r.output
    doc = _cli("derive", "x^0")
    assert doc["results"]["x"]["result"] == str(sp.diff(x ** 0, x))
    assert doc["steps"][0]["rule"] == "constant_as_typed"
    assert doc["verification"]["status"] == "passed"


def test_cancelling_terms_as_typed() -> None:
    doc = _cli("derive", "x - x")
    assert doc["results"]["x"]["result"] == "0"
    assert doc["steps"][0]["rule"] == "constant_as_typed"


def test_constant_typed_with_two_variables_asks_for_wrt() -> None:
    r = CliRunner().invoke(main, ["derive", "x^0 + y^0"])
    assert r.exit_code == 2
    assert "--wrt" in r.output and "x, y" in r.output and "Traceback" not in r.output
    doc = _cli("derive", "x^0 + y^0", "--wrt", "y")
    assert doc["results"]["y"]["result"] == "0"


def test_no_variable_at_all_is_still_one_line() -> None:
    r = CliRunner().invoke(main, ["derive", "2^3"])
    assert r.exit_code == 2 and "no variable" in r.output


# ------------------------------------------------------------- over declared shapes
def _matrix_check(f: str, claim: str):
    from matcalc.matrix.parse import parse_matrix_expression
    from matcalc.options import Options
    from matcalc.verify.matrix import check_derivation
    shapes = {"x": (5, 1)}
    xs = sp.MatrixSymbol("x", 5, 1)
    claim = claim.replace("(n, n)", "(5, 5)").replace("(n)", "(5)")
    return check_derivation(parse_matrix_expression(f, shapes), "jacobian", "numerator", [xs],
                            {"jacobian": parse_matrix_expression(claim, shapes)}, shapes,
                            set(), Options())


@pytest.mark.parametrize("f, result", [("step(x)", "zeros(n, n)"), ("sign(x)", "zeros(n, n)"),
                                       ("step(x) + x", "eye(n)"),
                                       ("3*step(x - 1) - sign(x + 2)", "zeros(n, n)")])
def test_element_wise_piecewise_constant_jacobians_are_verified(f: str, result: str) -> None:
    """Between its jumps step(x) is exactly the same at all five stencil points, and the
    rounding bound 4 eps |f| / h is tiny: evidence that the derivative along the move is 0.
    (Before: "Not verified", and step(x) + x printed the unparseable diag(0) + eye(n).)"""
    d = api.jacobian(f, "x", shapes=["x:n"])
    assert d.verification.status == "passed", d.verification.message
    assert json.loads(d.to_json())["results"]["jacobian"]["result"] == result


@pytest.mark.parametrize("f, claim", [("step(x)", "eye(n)"),            # a non-zero claim
                                      ("1e20*step(x) + x", "zeros(n, n)"),  # swamped
                                      ("(x + 1e20)*step(x)", "zeros(n, n)"),
                                      ("step(x) + 1e-3*x", "zeros(n, n)")])
def test_a_wrong_claim_over_declared_shapes_never_passes(f: str, claim: str) -> None:
    """Flat in float64 only because a large |f| swamps the move is not evidence (its
    rounding bound is large): a claimed 0 there is never passed."""
    v = _matrix_check(f, claim)
    assert v.status != "passed", (v.status, v.method)
