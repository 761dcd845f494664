"""Matrix identities (issues 3 and 5): matcalc's gradients and Jacobians against NumPy closed
forms from the Matrix Cookbook written in tests/matrix_cases.py, at two size assignments.

For each case: the result evaluated with ``matcalc.verify.evaluate``, the JSON ``numpy``
field evaluated as CONTRACTS.md says, and ``matrix_syntax(result)`` parsed back with the
same shapes all equal the expected values; and the built-in verification passed.
"""
from __future__ import annotations

import json
import re
from functools import cache

import numpy as np
import pytest
import sympy as sp

from matcalc import derive, jacobian
from matcalc.verify.evaluate import evaluate
from matcalc.matrix.parse import parse_matrix_expression, shape_table
from matcalc.matrix.printing import matrix_syntax

from .matrix_cases import CASES, SIZES, Case, draw, sizes_for

RTOL = 1e-8
ATOL = 1e-10
POINTS = 2

#: Real bugs in matcalc/ (see the report); case id -> reason, per check.
XFAIL_ROUNDTRIP: dict[str, str] = {}
XFAIL_NUMPY: dict[str, str] = {}
XFAIL_VALUE: dict[str, str] = {}
XFAIL_VERIFY: dict[str, str] = {}


@cache
def derivation(case: Case):
    if case.kind == "jacobian":
        return jacobian(case.expr, case.wrt, shapes=list(case.shapes))
    return derive(case.expr, case.wrt, shapes=list(case.shapes))


def _params(xfails: dict[str, str], with_sizes: bool = True):
    out = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=xfails[case.id])] \
            if case.id in xfails else []
        if with_sizes:
            for k, sizes in enumerate(SIZES):
                out.append(pytest.param(case, sizes, id=f"{case.id}-sizes{k}", marks=marks))
        else:
            out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def _points(case: Case, sizes: dict[str, int]):
    dims = sizes_for(case, sizes)
    for point in range(POINTS):
        values = draw(case, dims, point)
        expected = np.asarray(case.expected({**values, **dims}), dtype=float)
        yield values, dims, expected


def _same(got, expected: np.ndarray, what: str) -> None:
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    assert np.allclose(got, expected, rtol=RTOL, atol=ATOL), \
        f"{what}: max error {np.max(np.abs(got - expected)):.3e}\n{got}\n{expected}"


@pytest.mark.parametrize("case,sizes", _params(XFAIL_VALUE))
def test_result_equals_cookbook_closed_form(case: Case, sizes: dict[str, int]) -> None:
    d = derivation(case)
    result = d.results[case.result_key]
    for values, dims, expected in _points(case, sizes):
        got = evaluate(result, values, {sp.Symbol(k): v for k, v in dims.items()})
        _same(got, expected, f"{case.expr} d/d{case.wrt} = {matrix_syntax(result)}")


@pytest.mark.parametrize("case", _params(XFAIL_VERIFY, with_sizes=False))
def test_builtin_verification_passes(case: Case) -> None:
    d = derivation(case)
    assert d.verification is not None
    assert d.verification.status == "passed", d.verification.summary()


@pytest.mark.parametrize("case,sizes", _params(XFAIL_NUMPY))
def test_json_numpy_field_evaluates_to_closed_form(case: Case, sizes: dict[str, int]) -> None:
    doc = json.loads(derivation(case).to_json())
    assert list(doc["results"]) == [case.result_key]
    entry = doc["results"][case.result_key]
    assert set(entry) >= {"result", "latex", "numpy"}
    if case.kind == "gradient" and "shape" in entry:   # the shape of the variable
        assert entry["shape"] == doc["shapes"].get(case.wrt, [])
    for values, dims, expected in _points(case, sizes):
        got = eval(entry["numpy"], {"np": np}, {**values, **dims})
        _same(got, expected, f"numpy field {entry['numpy']!r}")


@pytest.mark.parametrize("case,sizes", _params(XFAIL_ROUNDTRIP))
def test_result_syntax_parses_back_to_same_values(case: Case, sizes: dict[str, int]) -> None:
    result = derivation(case).results[case.result_key]
    text = matrix_syntax(result)
    reparsed = parse_matrix_expression(text, shape_table(list(case.shapes)))
    for values, dims, expected in _points(case, sizes):
        got = evaluate(reparsed, values, {sp.Symbol(k): v for k, v in dims.items()})
        _same(got, expected, f"reparsed {text!r}")


def test_cases_cover_the_issue_lists() -> None:
    """The table has every identity the issues list, with distinct ids."""
    exprs = {(c.expr, c.wrt, c.kind) for c in CASES}
    assert len(exprs) == len(CASES)
    must = ["a.T @ X @ b", "tr(X^3)", "det(inv(X))", "-sum(y * log_softmax(z))", "w / x",
            "max(0, dot(w, x) + b)", "exp(a.T @ x) * norm(x)^2", "sin(tr(X)) * logdet(X)"]
    assert all(any(c.expr == m for c in CASES) for m in must)


def test_denominator_layout_is_the_transpose() -> None:
    shapes = ["W:m,n", "x:n", "b:m"]
    num = jacobian("tanh(W @ x + b)", "x", shapes=shapes)
    den = jacobian("tanh(W @ x + b)", "x", shapes=shapes, layout="denominator")
    assert den.layout == "denominator" and num.layout == "numerator"
    assert any(s.rule == "transpose_layout" for top in den.steps for s in top.children)
    rng = np.random.default_rng(7)
    values = {"W": rng.standard_normal((4, 3)), "x": rng.standard_normal((3, 1)),
              "b": rng.standard_normal((4, 1))}
    dims = {sp.Symbol("m"): 4, sp.Symbol("n"): 3}
    want = ((1 - np.tanh(values["W"] @ values["x"] + values["b"]) ** 2) * values["W"]).T
    got = evaluate(den.results["jacobian"], values, dims)
    assert got.shape == (3, 4) and np.allclose(got, want, rtol=RTOL)
    assert den.verification.status == "passed"


@pytest.mark.latex
def test_every_case_renders_to_compiling_latex(pdflatex) -> None:
    """All the cases' LaTeX (steps and results; and again with the components written out
    at small sizes) in one document, compiled once."""
    bodies = []
    small = {"n": 2, "m": 3, "p": 2, "q": 3, "k": 2}
    for case in CASES:
        d = derivation(case)
        bodies.append(d.to_latex())
        standalone = d.to_latex(standalone=True)
        assert standalone.startswith("\\documentclass") and d.to_latex() in standalone
        call = jacobian if case.kind == "jacobian" else derive
        dims = [f"{k}={v}" for k, v in sizes_for(case, small).items()]
        bodies.append(call(case.expr, case.wrt, shapes=list(case.shapes), dims=dims,
                           verify=False).to_latex())
    head = standalone[:standalone.index("\\begin{document}") + len("\\begin{document}")]
    pdflatex(head + "\n" + "\n\n\\clearpage\n".join(bodies) + "\n\\end{document}\n", "cases")


@pytest.mark.parametrize("case", _params({}, with_sizes=False))
def test_every_output_format_renders(case: Case) -> None:
    d = derivation(case)
    text = d.to_text()
    # the result, possibly wrapped over several lines of at most 80 columns
    assert "Result: " in text and max(len(line) for line in text.splitlines()) <= 80
    squeeze = lambda t: re.sub(r"\s+", "", t)            # noqa: E731
    assert squeeze(matrix_syntax(d.results[case.result_key])) in squeeze(text)
    assert d.to_markdown().strip()
    assert d.to_numpy().strip() == json.loads(d.to_json())["results"][case.result_key]["numpy"]
