"""Kind ``check`` (issue 13): answers and hand derivations checked line by line.

The corpus (tests/check_corpus.py) holds student derivations with their first wrong line
and diagnosis written by hand; the perturbation corpus takes sympy.diff (the oracle, not
matcalc) of random expressions, perturbs it, and asserts that the checker never accepts
the perturbed answer.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import matcalc
from matcalc.cli import main
from matcalc.kinds.check import parse_line
from matcalc.parse import parse
from matcalc.rules.mistakes import MISTAKES
from matcalc.syntax import to_syntax

from .check_corpus import RIGHT, WRONG, check_case
from .exprgen import X, Y, expressions_in
from .oracle import NUMPY_EXTRAS, oracle_diff


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["check", *args], input=input)


def report(*args, **kw):
    return matcalc.check(*args, **kw).attachments["check"]


# ----------------------------------------------------------------------------- the issue

def test_issue_answer_example() -> None:
    r = cli("sin(x^2)", "--answer", "cos(x^2)")
    assert r.exit_code == 1, r.output
    assert "missing the inner derivative: the chain rule multiplies by d/dx (x^2) = 2*x" \
        in " ".join(r.output.split())
    assert "The correct derivation:" in r.output and "[chain rule]" in r.output
    ok = cli("sin(x^2)", "--answer", "2x cos(x^2)")
    assert ok.exit_code == 0, ok.output
    assert "right" in ok.output


def test_equivalent_answer_says_how_it_relates() -> None:
    r = report("(x^2 + 1)/(x - 1)", "(x^2 - 2x - 1)/(x - 1)^2")
    assert r.correct and "matcalc's" in r.lines[0].relation
    assert report("sin(x)^2", "sin(2x)").correct


def test_issue_derivation_example() -> None:
    text = ("d/dx (x^2 + 1)/(x - 1)\n= (2x (x - 1) + (x^2 + 1)) / (x - 1)^2\n"
            "= (3x^2 - 2x + 1)/(x - 1)^2\n")
    r = cli("--derivation", "-", input=text)
    assert r.exit_code == 1
    assert "quotient rule: the sign of f g' should be minus" in " ".join(r.output.split())
    assert "follows from line 2" in r.output
    data = json.loads(cli("--derivation", "-", "--format", "json", input=text).output)
    assert data["kind"] == "check" and data["correct"] is False
    assert data["first_wrong_line"] == 2
    assert [(l["line"], l["status"]) for l in data["lines"]] == [(2, "wrong"), (3, "follows")]
    assert data["lines"][0]["diagnosis"]["rule"] == "quotient_rule_sign"
    assert parse(data["lines"][0]["expected"]) is not None
    for key in ("matcalc", "input", "wrt", "results", "steps", "verification"):
        assert key in data
    assert data["verification"]["status"] == "passed"


def test_matrix_issue_example() -> None:
    r = cli("x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt", "x",
            "--answer", "2*A @ x")
    assert r.exit_code == 1
    assert "right only if A is symmetric" in r.output
    r = cli("x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt", "x",
            "--answer", "(A + A.T) @ x")
    assert r.exit_code == 0, r.output


def test_backward_pass_equation_by_equation(tmp_path) -> None:
    from .check_corpus import MLP, RIGHT_BACKWARD
    prog = tmp_path / "mlp.mc"
    prog.write_text(MLP)
    r = cli("--program", str(prog), "--derivation", "-", input=RIGHT_BACKWARD)
    assert r.exit_code == 0, r.output
    wrong = RIGHT_BACKWARD.replace("dZ2 = A2 - Y", "dZ2 = Y - A2")
    data = json.loads(cli("--program", str(prog), "--derivation", "-", "--format", "json",
                          input=wrong).output)
    assert data["first_wrong_line"] == 1
    # dW2 = dZ2 @ A1.T / m is right given the student's dZ2: a carried error
    assert data["lines"][1]["status"] == "follows" and data["lines"][1]["follows"] == 1


def test_api_returns_the_json_data() -> None:
    d = matcalc.check("x^3", "3x^2")
    data = d.to_dict()
    assert data["correct"] is True and data["first_wrong_line"] is None
    assert data["lines"][0]["status"] == "right" and data["lines"][0]["diagnosis"] is None


# ----------------------------------------------------------------------------- catalogue

@pytest.mark.parametrize("m", MISTAKES, ids=lambda m: m.name)
def test_every_mistake_of_the_catalogue_is_named_by_its_example(m) -> None:
    f, wrong = m.example
    kw = {"shapes": list(m.shapes), "wrt": m.wrt} if m.shapes else {}
    if m.name == "algebra_slip":
        r = report(derivation=f"d/dx {f}\n= 2x + 2\n= {wrong}\n")
        line = r.lines[2]
    else:
        if m.name in ("constant_as_variable", "variable_as_constant"):
            kw["wrt"] = "x"
        r = report(f, wrong, **kw)
        line = r.lines[0]
    assert line.status == "wrong" and line.diagnosis.rule == m.name, line


def test_constant_factor_is_reported_with_the_factor() -> None:
    assert "3" in report("x^3", "x^2").lines[0].diagnosis.message
    assert "-1" in report("cos(x)", "sin(x)").lines[0].diagnosis.message


def test_shape_mismatch_names_both_shapes() -> None:
    msg = report("sum(W @ x)", "x", shapes=["W:m,n", "x:n"], wrt="W").lines[0].diagnosis.message
    assert "(n, 1)" in msg and "(m, n)" in msg


def test_catalogue_is_in_the_rules_page() -> None:
    from matcalc.render.catalogue import catalogue_markdown
    page = catalogue_markdown()
    for m in MISTAKES:
        assert f"`{m.name}`" in page


# ----------------------------------------------------------------------------- corpus

FAST = {"sin_x2", "quotient_issue", "x2y", "xtax_2ax", "bp_dw2_mean", "trig_slip"}


@pytest.mark.parametrize("case", [c for c in WRONG if c[0] in FAST], ids=lambda c: c[0])
def test_wrong_sample(case) -> None:
    name, text, shapes, program, line, rule = case
    r = check_case(text, shapes, program)
    assert r.first_wrong_line == line
    assert next(l for l in r.lines if l.line == line).diagnosis.rule == rule


@pytest.mark.slow
@pytest.mark.parametrize("case", WRONG, ids=lambda c: c[0])
def test_wrong_corpus(case) -> None:
    name, text, shapes, program, line, rule = case
    r = check_case(text, shapes, program)
    assert not r.correct
    assert r.first_wrong_line == line
    assert next(l for l in r.lines if l.line == line).diagnosis.rule == rule


@pytest.mark.slow
@pytest.mark.parametrize("case", RIGHT, ids=lambda c: c[0])
def test_right_corpus(case) -> None:
    name, text, shapes, program = case
    r = check_case(text, shapes, program)
    assert r.correct, [(l.line, l.status, l.diagnosis) for l in r.lines]


def test_corpus_size() -> None:
    assert len(WRONG) >= 60 and len(RIGHT) >= 60
    kinds = {("backprop" if c[3] else "matrix" if c[2] else "scalar") for c in WRONG}
    assert kinds == {"scalar", "matrix", "backprop"}


# ----------------------------------------------------------------------------- never a false accept

PERTURB = [
    lambda d: d + 1, lambda d: d - sp.Rational(1, 1000), lambda d: 2 * d, lambda d: -d,
    lambda d: d * sp.Rational(1001, 1000), lambda d: d + X, lambda d: d * X,
    lambda d: d.xreplace({X: X + sp.Rational(1, 3)}), lambda d: d + sp.sin(X) / 100,
    lambda d: sp.Add(*sp.Add.make_args(sp.expand(d))[1:]),
    lambda d: d * (1 + sp.Rational(1, 10**10)), lambda d: d + sp.Rational(1, 10**12),
]


@pytest.mark.parametrize("answer", ["exp(x)*(1 + 1e-10)", "exp(x) + 1e-12", "exp(x)*1.0000001"])
def test_differences_below_float_precision_are_wrong(answer) -> None:
    line = report("exp(x)", answer).lines[0]
    assert line.status == "wrong" and line.diagnosis.rule == "not_equal"


def _differs(a: sp.Expr, b: sp.Expr) -> bool:
    """The oracle: a != b at some random point (lambdify, independent of matcalc)."""
    syms = sorted((a - b).free_symbols | {X}, key=lambda s: s.name)
    fn = sp.lambdify(syms, a - b, modules=[NUMPY_EXTRAS, "numpy"])
    rng = np.random.default_rng(5)
    try:
        with np.errstate(all="ignore"):
            vals = np.asarray(fn(*[rng.uniform(0.2, 1.5, 50) for _ in syms]), dtype=float)
    except Exception:             # the oracle cannot evaluate it: not a usable case
        return False
    return bool(np.any(np.abs(vals[np.isfinite(vals)]) > 1e-6))


@settings(max_examples=int(os.environ.get("CHECK_PERTURB_EXAMPLES", "25")), deadline=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.filter_too_much])
@given(expressions_in([X, Y], max_leaves=5, smooth=True).filter(lambda e: X in e.free_symbols),
       st.sampled_from(range(len(PERTURB))))
def test_perturbed_derivative_is_never_accepted(f, k) -> None:
    true = oracle_diff(f, X)
    true = true.xreplace({s: sp.Symbol(s.name) for s in true.free_symbols})
    wrong = PERTURB[k](true)
    assume(wrong.free_symbols <= f.free_symbols | {X} and _differs(wrong, true))
    try:
        text = to_syntax(wrong)
    except Exception:
        assume(False)
    try:
        r = report(to_syntax(f), text, wrt="x", verify=False)
    except matcalc.errors.MatcalcError:
        assume(False)            # no usable point, an answer outside the language
    assert not r.correct, (to_syntax(f), text)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("text, where", [
    ("d/dx x^2\n= 2x +\n", "line 2"),
    ("d/dx x^2\n2x\n", "line 2: not an equality"),
    ("x^2\n= 2x\n", "line 1: the first line must be the derivative"),
    ("d/dx sin(x\n= cos(x)\n", "line 1"),
    ("d/dx x^2\n", "no line after line 1"),
])
def test_bad_derivations_exit_2(text, where) -> None:
    r = cli("--derivation", "-", input=text)
    assert r.exit_code == 2, r.output
    assert where in r.output and "Traceback" not in r.output
    if "column" in r.output:
        assert "^" in r.output


def test_bad_line_names_the_column() -> None:
    r = cli("--derivation", "-", input="d/dx x^2\n= 2x + )\n")
    assert r.exit_code == 2 and "line 2" in r.output and "(column 8)" in r.output


def test_parse_line_strips_equalities() -> None:
    read = lambda t: parse(t)  # noqa: E731
    assert parse_line("&= 2x \\\\", 3, read) == (parse("2x"), None)
    assert parse_line("dy/dx = 2x", 2, read) == (parse("2x"), None)
    assert parse_line("d/dx x^2", 1, read, first=True) == (parse("x^2"), "x")
    assert parse_line("\\frac{d}{dx} x^2", 1, read, first=True) == (parse("x^2"), "x")


def test_answer_options_are_checked() -> None:
    assert cli("x^2").exit_code == 2
    assert cli("x^2", "--answer", "2x", "--derivation", "-", input="").exit_code == 2
    assert cli("--answer", "2x").exit_code == 2


# ----------------------------------------------------------------------------- notes

NOTES = '''title = "Exercises"
[[section]]
title = "Chain rule"
[[section.derivation]]
kind = "derive"
expr = "sin(x^2)"
[[section.derivation]]
kind = "derive"
expr = "ln(sin(x^3)^2)"
exercise = true
[[section.derivation]]
kind = "check"
expr = "x^3"
answer = "3x^2"
'''


def test_notes_exercise_solution_in_an_appendix_or_a_separate_document(tmp_path) -> None:
    from matcalc.notes import build, parse_notes, render_solutions
    notes = parse_notes(NOTES)
    tex, outcomes = build(notes)
    body, appendix = tex.split(r"\section*{Solutions}")
    assert r"\textbf{Exercise~\thederivation}" in body and "pageref{solution-1.2}" in body
    assert "chain rule" not in body.split("Exercise~")[1].split("Derivation~")[0]
    assert "Solution to Exercise" in appendix and "chain rule" in appendix
    tex, outcomes = build(notes, separate_solutions=True)
    assert r"\section*{Solutions}" not in tex and "solutions document" in tex
    sol = render_solutions(notes, outcomes)
    assert "Solution to Exercise~1.2" in sol and sol.rstrip().endswith(r"\end{document}")


def test_notes_exercise_must_be_a_boolean() -> None:
    from matcalc.notes import parse_notes
    from matcalc.notes.model import NotesError
    with pytest.raises(NotesError, match="'exercise' must be true or false"):
        parse_notes(NOTES.replace("exercise = true", 'exercise = "yes"'))


def test_a_line_whose_shapes_do_not_fit_is_a_named_mistake() -> None:
    r = report(derivation="d/dW sum(W @ x)\n= x @ W\n= ones(m, 1) @ x.T\n",
               shapes=["W:m,n", "x:n"])
    assert [l.status for l in r.lines[1:]] == ["wrong", "right"]
    msg = r.lines[1].diagnosis.message
    assert r.lines[1].diagnosis.rule == "shape_mismatch" and "(n, 1)" in msg and "(m, n)" in msg


def test_too_many_lines_are_refused() -> None:
    r = cli("--derivation", "-", input="d/dx x^2\n" + "= 2x\n" * 201)
    assert r.exit_code == 2 and "at most 200" in r.output


# ------------------------------------------------------------------ --detail, --timeout

def _rules(steps: list) -> list[str]:
    out = []
    for s in steps:
        out.append(s["rule"])
        out.extend(_rules(s.get("children") or []))
    return out


def test_check_detail_is_derives_detail() -> None:
    """--detail sets how many steps matcalc's own derivation has, exactly as for derive;
    the verdict is the same under both."""
    for detail in ("normal", "full"):
        r = cli("sin(3x)", "--answer", "cos(3x)", "--detail", detail, "--format", "json")
        assert r.exit_code == 1, r.output
        got = json.loads(r.output)
        d = CliRunner().invoke(main, ["derive", "sin(3x)", "--detail", detail,
                                      "--format", "json"])
        assert _rules(got["steps"]) == _rules(json.loads(d.output)["steps"])
        assert got["correct"] is False and got["lines"][0]["status"] == "wrong"
    normal = cli("sin(3x)", "--answer", "cos(3x)")
    full = cli("sin(3x)", "--answer", "cos(3x)", "--detail", "full")
    assert "linear inner function" in normal.output and "[chain rule]" in full.output
    assert "[introduce intermediate variables]" in full.output
    assert "introduce intermediate" not in normal.output


def test_check_detail_and_timeout_are_checked_like_derives() -> None:
    for args in (["--detail", "brief"], ["--timeout", "0"], ["--timeout", "nan"],
                 ["--timeout", "601"]):
        r = cli("sin(x)", "--answer", "cos(x)", *args)
        d = CliRunner().invoke(main, ["derive", "sin(x)", *args])
        assert r.exit_code == 2 and "Traceback" not in r.output
        assert r.output.splitlines()[-1] == d.output.splitlines()[-1]
    r = cli("sin(x)", "--answer", "cos(x)", "--timeout", "0.5")
    assert r.exit_code == 0, r.output


def test_check_timeout_is_the_simplify_budget(monkeypatch) -> None:
    """--timeout reaches the simplify budget of matcalc's own derivation (as derive's)."""
    import matcalc.engine.simplify as simplify
    seen = []
    real = simplify.simplify_budget

    def spy(seconds):
        seen.append(seconds)
        return real(seconds)
    monkeypatch.setattr(simplify, "simplify_budget", spy)
    assert cli("sin(x)", "--answer", "cos(x)", "--timeout", "2.5").exit_code == 0
    assert seen == [2.5]
