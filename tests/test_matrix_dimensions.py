"""A derivation does not depend on the dimensions: declaring x:300 instead of x:n gives the
same result, with 300 in place of n (nothing is expanded into components).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from matcalc import derive, jacobian
from matcalc.verify.evaluate import evaluate
from matcalc.matrix.printing import matrix_syntax

from .matrix_cases import CASES, Case, dims_of, draw

NUMERIC = {"n": 300, "m": 200, "p": 70, "q": 40, "k": 50}


def _numeric_shapes(case: Case) -> list[str]:
    out = []
    for decl in case.shapes:
        name, dims = decl.split(":", 1)
        out.append(f"{name}:" + ",".join(str(NUMERIC.get(d.strip(), d.strip()))
                                         for d in dims.split(",")))
    return out


def _numeric_expr(case: Case) -> str:
    """The expression with dimension names used as scalars (1/m) replaced by the sizes:
    with numeric shapes, m would be an ordinary scalar variable."""
    text = case.expr
    for k in dims_of(case):
        text = re.sub(rf"\b{k}\b", str(NUMERIC[k]), text)
    return text


def _derive(case: Case, expr: str, shapes: list[str]):
    call = jacobian if case.kind == "jacobian" else derive
    return call(expr, case.wrt, shapes=shapes, verify=False)


def _uses_dimension_as_scalar(case: Case, text: str) -> bool:
    """A dimension as a number (1/m, from the input or from mean()) prints differently once
    it is a literal (2/m -> 1/100); in eye(n), ones(m, 1), zeros(...) it does not."""
    outside = re.sub(r"\b(?:eye|ones|zeros)\([^()]*\)", "", text)
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", outside + " " + case.expr))
    return bool(names & dims_of(case))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_numeric_dimensions_give_the_same_result(case: Case) -> None:
    symbolic = _derive(case, case.expr, list(case.shapes)).results[case.result_key]
    numeric = _derive(case, _numeric_expr(case), _numeric_shapes(case)).results[case.result_key]
    assignment = {sp.Symbol(k): sp.Integer(v) for k, v in NUMERIC.items()}
    # the same tree once the dimension symbols are replaced by the sizes
    assert symbolic.xreplace(assignment) == numeric, (matrix_syntax(symbolic),
                                                      matrix_syntax(numeric))
    text = matrix_syntax(symbolic)
    if not _uses_dimension_as_scalar(case, text):   # compare the printed texts too
        for k, v in NUMERIC.items():
            text = re.sub(rf"\b{k}\b", str(v), text)
        assert text == matrix_syntax(numeric)


def test_numeric_result_is_right_at_size_300() -> None:
    """The 300-dimensional result evaluates to the closed form (A + A^T) x."""
    d = derive("x.T @ A @ x", "x", shapes=["x:300", "A:300,300"])
    assert d.verification.status == "passed"
    rng = np.random.default_rng(11)
    A, x = rng.standard_normal((300, 300)), rng.standard_normal((300, 1))
    got = evaluate(d.results["x"], {"A": A, "x": x}, {})
    assert got.shape == (300, 1) and np.allclose(got, (A + A.T) @ x, rtol=1e-10)


def test_draw_helper_is_used_consistently() -> None:
    """Sanity check of the test data: draw() follows the declared shapes."""
    case = next(c for c in CASES if c.id == "trAXBC2")
    values = draw(case, {"n": 3, "m": 4, "p": 2, "q": 5})
    assert values["A"].shape == (2, 4) and values["X"].shape == (4, 3)
    assert values["B"].shape == (3, 5) and values["C"].shape == (2, 5)
