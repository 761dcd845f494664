"""The chain rule of a linear inner function (issue 11, item 3): one ``linear_chain`` step
under the default detail, the whole chain under ``detail="full"``; the same answer both
ways, equal to sympy.diff and verified."""
from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import Options, derive, gradient
from matcalc.cli import main
from matcalc.parse import make_symbol, parse
from matcalc.render.json import render_json
from matcalc.render.latex import render_latex
from matcalc.render.markdown import render_markdown
from matcalc.render.text import render_text
from matcalc.rules import RULES

from .oracle import assert_same_function, oracle_diff

X = make_symbol("x")

#: (input, the linear_chain step's expression, its a): one step each under the default.
CASES = [
    ("sin(3*x)", "sin(3*x)", 3),
    ("e^(-x)", "exp(-x)", -1),
    ("(2x+1)^5", "(2*x + 1)^5", 2),
    ("ln(1-x)", "ln(1 - x)", -1),
    ("1/(1+e^-x)", "exp(-x)", -1),          # the linear chain is d/dx e^(-x), inside the sum
]


def _linear(d):
    return [s for top in d.steps for s in top.walk() if s.rule == "linear_chain"]


def _chains(d):
    return [s for top in d.steps for s in top.walk() if s.rule == "chain"]


@pytest.mark.parametrize("text,inner_expr,a", CASES)
def test_one_step_by_default_full_chain_with_detail_full(text: str, inner_expr: str,
                                                         a: int) -> None:
    normal, full = derive(text), derive(text, detail="full")
    oracle = oracle_diff(parse(text), X)
    for d in (normal, full):
        assert_same_function(d.result, oracle, [X])
        assert d.verification.status == "passed"
    [step] = _linear(normal)
    assert step.expr == parse(inner_expr)
    assert step.children == ()                       # one step, no nested sub-steps
    from matcalc.engine.step import Slope
    [slope] = [p for p in step.parts if isinstance(p, Slope)]
    assert slope.a == a
    assert step.description.endswith(f"= {a}.")
    # the same step's value under full detail is a chain with its five sub-steps
    assert not _linear(full)
    same = [s for s in _chains(full) if s.expr == step.expr]
    assert len(same) == 1 and len(same[0].children) == 5
    assert sp.simplify(same[0].result - step.result) == 0
    # the shown rule says what a is
    assert f"a = {a}]" in render_text(normal)


def test_sigmoid_no_longer_nests_four_levels() -> None:
    """1/(1+e^-x): the deepest shown step was 1.2.1.5 (four levels); now 1.2.1."""
    text = render_text(derive("1/(1+e^-x)"))
    assert "1.2.1  d/dx exp(-x) = -exp(-x)" in text
    assert "1.2.1.1" not in text
    assert "1.2.1.1" in render_text(derive("1/(1+e^-x)", detail="full"))


def test_only_one_outer_function_of_a_linear_inner_function() -> None:
    # not linear: x^2 inside; two outer functions: sin(3x)^2 keeps the chain
    for text in ("sin(x^2)", "sin(3x)^2", "ln(sin(3x))"):
        d = derive(text, verify=False)
        assert not _linear(d) and _chains(d), text
    # max/min keep their kink convention visible as a chain
    assert not _linear(derive("max(0, 2x)", verify=False))


def test_other_outer_functions_and_variables() -> None:
    # an exponential a^u, an unknown function, sqrt, and a partial derivative (a = y)
    for text, a in (("2^(3x)", 3), ("f(2x)", 2), ("sqrt(1-2x)", -2)):
        [step] = _linear(derive(text, verify=False))
        assert step.description.endswith(f"= {a}.")
    g = gradient("sin(x*y)", "x,y")
    assert [s.parts[0].a for s in _linear(g)] == [make_symbol("y"), X]
    assert ["a = d/dx (x*y) = y." in s.description for s in _linear(g)] == [True, False]
    assert g.verification.status == "passed"


def test_reuse_never_points_at_a_hidden_step() -> None:
    """The inner derivation of a collapsed chain is not shown: a later occurrence of the
    inner function is derived where it appears, and every reuse points into the tree."""
    d = derive("sin(3x) + (3x)^2*cos(3x)", simplify=False)
    shown = {id(s) for top in d.steps for s in top.walk()}
    reuses = [s for top in d.steps for s in top.walk() if s.rule == "reuse"]
    assert all(id(r.same_as) in shown for r in reuses)
    assert d.verification.status == "passed"
    # a repeated collapsed chain is reused, pointing at the linear_chain step
    e = derive("sin(3x) + x*sin(3x)", simplify=False)
    reuse = [s for top in e.steps for s in top.walk() if s.rule == "reuse"]
    assert reuse and all(r.same_as.rule == "linear_chain" for r in reuse)


def test_names_stay_consecutive() -> None:
    """A collapsed chain gives its intermediate name back: the next chain is u1."""
    d = derive("sin(3x) + ln(x^2 + 1)", verify=False)
    [chain] = _chains(d)
    assert [u.name for u, _ in chain.definitions] == ["u1"]


def test_every_renderer_and_the_catalogue() -> None:
    assert RULES["linear_chain"].identity == "d/dx f(ax + b) = a f'(ax + b)"
    d = derive("1/(1+e^-x)")
    text = render_text(d)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "[chain rule, linear inner function: d/dx f(ax + b) = a f'(ax + b), a = -1]" in text
    latex = render_latex(d)
    assert r"chain rule, linear inner function, $a = -1$" in latex
    assert "linear inner function: d/dx f(ax + b) = a f'(ax + b), a = -1" in render_markdown(d)
    steps = json.loads(render_json(d))["steps"]

    def walk(items):
        for s in items:
            yield s
            yield from walk(s.get("children", []))

    [step] = [s for s in walk(steps) if s["rule"] == "linear_chain"]
    assert step["number"] == "1.2.1" and "a = d/dx (-x) = -1" in step["description"]


def test_options_and_cli() -> None:
    assert Options().detail == "normal"
    with pytest.raises(Exception, match="detail must be"):
        Options(detail="brief")
    runner = CliRunner()
    normal = runner.invoke(main, ["derive", "sin(3*x)", "--no-verify"])
    full = runner.invoke(main, ["derive", "sin(3*x)", "--detail", "full", "--no-verify"])
    assert normal.exit_code == 0 and full.exit_code == 0
    assert "linear inner function" in normal.output and "1.5" not in normal.output
    assert "1.5  dy/dx = 3*cos(3*x)" in full.output
    bad = runner.invoke(main, ["derive", "sin(3*x)", "--detail", "brief"])
    assert bad.exit_code == 2
    for kind in ("grad", "jacobian", "hessian"):
        out = runner.invoke(main, [kind, "--help"]).output
        assert "--detail" in out, kind
    assert "--detail" not in runner.invoke(main, ["graph", "--help"]).output


def test_a_kink_keeps_its_convention() -> None:
    """relu(3x - 1) in one step still states relu's convention at the kink, with its u."""
    d = derive("relu(3x - 1)")
    [step] = _linear(d)
    text = render_text(d)
    assert "0 at u = 0. Here u = 3*x - 1." in " ".join(text.split())
    assert d.verification.status == "passed"


def test_notes_detail_per_entry_and_document() -> None:
    from matcalc.errors import InputError
    from matcalc.notes import NotesError, build, parse_notes
    head = 'title = "T"\n[[section]]\ntitle = "One"\n'
    entry = '[[section.derivation]]\nkind = "derive"\nexpr = "sin(3x)"\n'
    tex, outcomes = build(parse_notes(head + entry + entry + 'detail = "full"\n'))
    first, second = tex.split(r"\refstepcounter{derivation}")[1:]
    assert "linear inner function" in first and "u_{1}" not in first
    assert "u_{1}" in second and "linear inner function" not in second
    assert all(o.derivation.verification.status == "passed" for o in outcomes)
    doc = 'title = "T"\n[options]\ndetail = "full"\n[[section]]\ntitle = "One"\n' + entry
    assert "u_{1}" in build(parse_notes(doc))[0]
    with pytest.raises((NotesError, InputError)):
        build(parse_notes(head + entry + 'detail = "brief"\n'))


def test_a_long_a_goes_to_the_note_and_lines_fit() -> None:
    d = derive("sin(2*pi*x*alpha*beta_1*gamma_2)", "x")
    text = render_text(d)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "Note: Here a = 2*pi*alpha*beta_1*gamma_2." in text
    assert d.verification.status == "passed"
