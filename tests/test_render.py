"""The renderers: text (80 columns, numbered steps, rule names), LaTeX (balanced, compiles),
Markdown, JSON (the CONTRACTS.md schema) and the naming of shared sub-expressions that
keeps the output of DAG-huge derivations linear in size."""
from __future__ import annotations

import json
import re

import numpy
import pytest
import sympy as sp

from matcalc import derive
from matcalc.derivation import Derivation
from matcalc.rules import derive_steps
from matcalc.engine.step import Step
from matcalc.options import DEFAULT_OPTIONS
from matcalc.parse import make_symbol, parse
from matcalc.render.json import render_json, to_dict
from matcalc.render.latex import render_latex
from matcalc.render.markdown import render_markdown
from matcalc.render.naming import Namer, layout
from matcalc.render.text import render_text, show, wrap

SEEDS = [("ln(sin(x^3)^2)", None), ("x*exp(x^2)", None), ("3x^2(2y+7)", "x"),
         ("3x^2(2y+7)", "y"), ("x^x", None), ("(3x+2)^5", None), ("sin(x^2)", None)]
MORE = [("sin(x^2) + x^2 sin(x^2)", None), ("(x + 1)/(x - 1)", None), ("relu(3x - 1)", None),
        ("sigmoid(2x + 1)", None), ("log(x, x + 1)", None), ("max(0, x)", None),
        ("abs(x^2 - 1)", None), ("2^x", None), ("sqrt(x)", None), ("7 + x", None)]
NUMBERED = re.compile(r"^\s*\d+(\.\d+)*\.?  \S")


@pytest.fixture(scope="module")
def chain() -> Derivation:
    return derive("ln(sin(x^3)^2)")


def _cases(cases):
    return [pytest.param(t, w, id=f"{t} wrt {w or 'auto'}") for t, w in cases]


# ----------------------------------------------------------------------------- text

def test_text_chain_rule_reads_like_the_notes(chain: Derivation) -> None:
    text = render_text(chain)
    lines = text.splitlines()
    assert lines[0] == "Differentiate f(x) = ln(sin(x^3)^2) with respect to x."
    for definition in ("u1 = x^3", "u2 = sin(u1)", "u3 = u2^2", "y = ln(u3)"):
        assert any(line.strip() == definition for line in lines), definition
    for title in ("[power rule]", "[sine]", "[natural logarithm]", "[chain rule]",
                  "[introduce intermediate variables]", "[multiply the local derivatives]",
                  "[substitute back]", "[simplify]"):
        assert title in text, title
    assert "du1/dx = d/dx (x^3) = 3*x^2" in text
    assert "du2/du1 = d/du1 sin(u1) = cos(u1)" in text
    assert "du3/du2 = d/du2 (u2^2) = 2*u2" in text
    assert "dy/du3 = d/du3 ln(u3) = 1/u3" in text
    assert "dy/dx = dy/du3 * du3/du2 * du2/du1 * du1/dx" in text
    assert "= (1/u3) * (2*u2) * cos(u1) * (3*x^2)" in text
    assert "dy/dx = 6*x^2*cos(x^3)/sin(x^3)" in text          # substituted back
    numbers = [m.group(0).split()[0] for m in map(NUMBERED.match, lines) if m]
    assert numbers[:9] == ["1.", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2."]
    assert [l for l in lines if l.startswith("  1.3")]             # children indented 2
    result = [l for l in lines if l.startswith("Result:")]
    assert result == [f"Result:  dy/dx = {show(chain.result)}"]
    assert chain.verification is not None and chain.verification.status == "passed"
    assert "Verified numerically" in text and f"{chain.verification.points} random points" in text
    assert "**" not in text


@pytest.mark.parametrize("text_in, wrt", _cases(SEEDS + MORE))
def test_text_fits_80_columns_and_numbers_every_step(text_in: str, wrt: str | None) -> None:
    d = derive(text_in, wrt)
    text = render_text(d)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "Result:" in text and "**" not in text
    rules = {s.rule for root in d.steps for s in root.walk()} - {"constant", "variable"}
    from matcalc.rules.catalogue import RULES
    for rule in rules - {"reuse"}:
        assert f"[{RULES[rule].title}" in text, rule            # every non-trivial rule shown
    assert sum(1 for line in text.splitlines() if NUMBERED.match(line)) >= len(d.steps)
    assert d.to_text() == text


@pytest.mark.parametrize("wrt, held", [("x", "y"), ("y", "x")])
def test_partial_derivative_says_what_is_held_constant(wrt: str, held: str) -> None:
    d = derive("3x^2(2y+7)", wrt)
    text = render_text(d)
    assert text.startswith("Partial derivative of f(x, y) = 3*x^2*(2*y + 7)")
    assert f"holding {held} constant" in text                 # phrases are never split
    latex = render_latex(d)
    assert r"\frac{\partial}{\partial %s}" % wrt in latex
    assert r"\frac{\partial f}{\partial %s}" % wrt in latex     # y is a variable: f names it
    assert "holding" in render_markdown(d)


def test_reuse_points_at_the_first_derivation() -> None:
    d = derive("sin(x^2) + x^2 sin(x^2)")
    text = render_text(d)
    refs = re.findall(r"already derived in step ([\d.]+)", text)
    assert refs
    for ref in refs:                      # the referenced step is shown, with that number
        assert re.search(rf"^\s*{re.escape(ref)}\.?  ", text, re.M), ref


def test_nested_chain_uses_its_own_letter() -> None:
    text = render_text(derive("x*exp(x^2)"))
    assert "[product rule]" in text
    assert "g = exp(u1)" in text and "dg/du1 = d/du1 exp(u1) = exp(u1)" in text
    assert "Result:  dy/dx =" in text


def test_no_verification_and_no_steps() -> None:
    d = derive("x^2", verify=False, steps=False)
    text = render_text(d)
    assert "Verified" not in text and not any(NUMBERED.match(l) for l in text.splitlines())
    assert "Result:  dy/dx = 2*x" in text
    assert to_dict(d)["verification"]["status"] == "skipped"
    assert to_dict(d)["steps"] == []


def test_wrap_never_exceeds_the_width() -> None:
    long = "*".join(f"sin(x{i})" for i in range(60)) + " + " + "y" * 200
    for line in wrap(long, 80, "Result:  ", "    "):
        assert len(line) <= 80


def test_renderers_never_differentiate_or_simplify(request: pytest.FixtureRequest,
                                                   chain: Derivation) -> None:
    request.getfixturevalue("no_computing")      # SymPy's diff/simplify raise
    for render in (render_text, render_latex, render_markdown, render_json):
        assert render(chain)


# ----------------------------------------------------------------------------- JSON

def test_json_has_every_contract_field(chain: Derivation) -> None:
    text = render_json(chain)
    data = json.loads(text)
    assert set(data) >= {"matcalc", "kind", "input", "wrt", "shapes", "layout", "results",
                         "steps", "verification"}
    from matcalc._version import __version__
    assert data["matcalc"] == __version__
    assert data["kind"] == "derivative" and data["input"] == "ln(sin(x^3)^2)"
    assert data["wrt"] == ["x"] and data["layout"] == "numerator" and data["shapes"] == {}
    assert data["definitions"] == []                        # nothing is named for a seed
    res = data["results"]["x"]
    assert set(res) >= {"result", "latex", "numpy"}
    # result parses back to the same function; numpy evaluates to it
    x = make_symbol("x")
    back = parse(res["result"])
    for v in (0.3, 0.7, 1.1):
        expected = float(chain.result.subs(x, v))
        assert float(back.subs(x, v)) == pytest.approx(expected, rel=1e-12)
        assert float(eval(res["numpy"], {"np": numpy}, {"x": numpy.float64(v)})) == \
            pytest.approx(expected, rel=1e-12)
    assert data["verification"]["status"] == "passed"
    assert set(data["verification"]) >= {"status", "method", "points", "max_abs_error",
                                         "max_rel_error", "tolerance"}

    def walk(steps):
        for s in steps:
            assert set(s) >= {"rule", "description", "expr", "result", "latex", "children",
                              "kind", "wrt", "definitions", "held_constant"}
            yield s
            yield from walk(s["children"])
    steps = list(walk(data["steps"]))
    assert [s["rule"] for s in data["steps"]] == ["chain", "simplify"]
    define = next(s for s in steps if s["kind"] == "define")
    assert define["definitions"] == [["u1", "x^3"], ["u2", "sin(u1)"], ["u3", "u2^2"]]
    assert json.loads(json.dumps(data)) == data
    assert json.loads(chain.to_json(indent=None)) == data


def test_json_reuse_and_partial() -> None:
    d = derive("sin(x^2) + x^2 sin(x^2)")
    data = to_dict(d)
    reuse = [s for s in _all(data["steps"]) if s["kind"] == "reuse"]
    numbers = {s["number"] for s in _all(data["steps"])}
    assert reuse and all(s["same_as"] in numbers for s in reuse)
    p = to_dict(derive("3x^2(2y+7)", "x"))
    assert p["steps"][0]["held_constant"] == ["y"]


def _all(steps):
    for s in steps:
        yield s
        yield from _all(s["children"])


# ----------------------------------------------------------------------------- LaTeX

def _balanced(latex: str) -> None:
    body = re.sub(r"\\[{}]", "", latex)
    depth = 0
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "unbalanced }"
    assert depth == 0, "unbalanced {"
    assert body.count(r"\left") == body.count(r"\right")
    envs: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", latex):
        if kind == "begin":
            envs.append(name)
        else:
            assert envs and envs.pop() == name, name
    assert not envs


@pytest.mark.parametrize("text_in, wrt", _cases(SEEDS + MORE))
def test_latex_is_balanced(text_in: str, wrt: str | None) -> None:
    d = derive(text_in, wrt)
    fragment = render_latex(d)
    _balanced(fragment)
    assert fragment.lstrip().startswith(r"\begin{align*}")
    assert r"\text{" in fragment or r"\tag*{" in fragment
    partial = wrt is not None
    assert (r"\partial" in fragment) == partial
    display = render_latex(d, display=True)
    _balanced(display)
    assert display.startswith(r"$$\begin{aligned}") and display.endswith(r"\end{aligned}$$")
    assert r"&& \text{(1) " in display
    assert d._repr_latex_() == display
    _balanced(render_latex(d, standalone=True))


def test_latex_chain_rule(chain: Derivation) -> None:
    latex = render_latex(chain)
    assert r"u_{1} &= x^{3}" in latex and r"y &= \ln(u_{3})" in latex
    assert r"\frac{du_{1}}{dx} &= \frac{d}{dx} x^{3} = 3 x^{2}" in latex
    assert r"\frac{dy}{du_{3}} \frac{du_{3}}{du_{2}} \frac{du_{2}}{du_{1}} \frac{du_{1}}{dx}" in latex
    assert r"\tag*{(1.2) power rule}" in latex
    doc = render_latex(chain, standalone=True)
    assert doc.startswith(r"\documentclass{article}") and doc.rstrip().endswith(r"\end{document}")
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", doc)
    assert sorted(packages) == ["amsmath", "amssymb"]
    assert "Verified numerically" in doc


@pytest.mark.latex
@pytest.mark.parametrize("text_in, wrt", _cases(SEEDS + [("relu(3x - 1)", None),
                                                         ("sin(x^2) + x^2 sin(x^2)", None)]))
def test_standalone_compiles(pdflatex, text_in: str, wrt: str | None) -> None:
    log = pdflatex(render_latex(derive(text_in, wrt), standalone=True))
    assert "Overfull" not in log


@pytest.mark.latex
def test_standalone_compiles_for_a_dag(pdflatex) -> None:
    pdflatex(render_latex(deep_derivation(12), standalone=True))


# ----------------------------------------------------------------------------- Markdown

def test_markdown(chain: Derivation) -> None:
    md = render_markdown(chain)
    assert md.startswith("### Differentiate $")
    assert "$$" in md and "**Result:**" in md
    assert re.search(r"^1\. \*\*chain rule\*\*: \$", md, re.M)
    assert re.search(r"^   1\. \*\*introduce intermediate variables\*\*: \$u_\{1\} = x\^\{3\}\$", md, re.M)
    assert re.search(r"^   2\. \*\*power rule\*\*", md, re.M)
    assert "Verified numerically" in md
    from matcalc.render.markdown import fit_markdown
    assert chain.to_markdown() == fit_markdown(md)      # the same, in 80 columns


# ----------------------------------------------------------------------------- DAGs

def deep_derivation(n: int) -> Derivation:
    """The steps the engine makes for f_k = sin(f_{k-1}) + f_{k-1}^2 (f_0 = x), built with
    unevaluated SymPy nodes so that building them is linear (the trees are exponential)."""
    x = make_symbol("x")
    add = lambda *a: sp.Add(*a, evaluate=False)          # noqa: E731
    mul = lambda *a: sp.Mul(*a, evaluate=False)          # noqa: E731
    s0 = Step("sin", "derivative", sp.sin(x), sp.cos(x), "Sine.", x)
    p0 = Step("power", "derivative", sp.Pow(x, 2, evaluate=False), 2 * x, "Power rule.", x)
    f, df = add(s0.expr, p0.expr), add(s0.result, p0.result)
    step = Step("sum", "derivative", f, df, "Sum rule.", x, (s0, p0))
    for k in range(1, n):
        u1, u2 = sp.Symbol(f"u{2 * k - 1}"), sp.Symbol(f"u{2 * k}")
        sin_f, sq_f = sp.sin(f, evaluate=False), sp.Pow(f, 2, evaluate=False)
        d_sin, d_sq = mul(sp.cos(f, evaluate=False), df), mul(2, f, df)
        chain_sin = Step("chain", "derivative", sin_f, d_sin, "Chain rule.", x, (
            Step("intermediate_variables", "define", sin_f, sp.sin(u1), "Name.", x,
                 definitions=((u1, f),)),
            step,
            Step("sin", "derivative", sp.sin(u1), sp.cos(u1), "Sine.", u1),
            Step("chain_product", "rewrite", mul(sp.cos(u1), df), mul(sp.cos(u1), df), "Multiply.", x),
            Step("substitute", "rewrite", mul(sp.cos(u1), df), d_sin, "Substitute.", x)),
            definitions=((u1, f),))
        chain_sq = Step("chain", "derivative", sq_f, d_sq, "Chain rule.", x, (
            Step("intermediate_variables", "define", sq_f, u2**2, "Name.", x, definitions=((u2, f),)),
            Step("reuse", "reuse", f, df, "Already derived.", x, same_as=step),
            Step("power", "derivative", u2**2, 2 * u2, "Power rule.", u2),
            Step("chain_product", "rewrite", mul(2 * u2, df), mul(2, u2, df), "Multiply.", x),
            Step("substitute", "rewrite", mul(2, u2, df), d_sq, "Substitute.", x)),
            definitions=((u2, f),))
        f, df = add(sin_f, sq_f), add(d_sin, d_sq)
        step = Step("sum", "derivative", f, df, "Sum rule.", x, (chain_sin, chain_sq))
    return Derivation(kind="derivative", input=f"f_{n}", expr=f, wrt=(x,), steps=(step,),
                      results={"x": df}, options=DEFAULT_OPTIONS.with_(verify=False))


@pytest.fixture(scope="module")
def deep() -> dict[int, Derivation]:
    return {n: deep_derivation(n) for n in (40, 160)}


def test_dag_text_is_fast_linear_and_named(deep: dict[int, Derivation]) -> None:
    sizes = {}
    for n, d in deep.items():
        text = render_text(d)    # speed is measured in bench/; pytest-timeout catches a hang
        sizes[n] = len(text)
        lines = text.splitlines()
        assert all(len(line) <= 80 for line in lines)
        assert "where" in lines and re.search(r"^  v1 = ", text, re.M)
        assert re.search(r"^Result:  dy/dx = \S", text, re.M)
        assert len(re.findall(r"^  v\d+ = ", text, re.M)) < 4 * n   # names linear in n
    assert sizes[160] < 4 * sizes[40] * 1.25                     # linear, not 2^n


@pytest.mark.parametrize("render", [render_latex, render_markdown, render_json],
                         ids=["latex", "markdown", "json"])
def test_dag_other_formats_are_fast_and_linear(deep: dict[int, Derivation], render) -> None:
    sizes = {}
    for n, d in deep.items():
        out = render(d)          # speed is measured in bench/; pytest-timeout catches a hang
        sizes[n] = len(out)
    assert sizes[160] < 4 * sizes[40] * 1.25
    if render is render_json:
        data = json.loads(out)
        assert data["definitions"] and data["definitions"][0][0] == "v1"
        assert len(data["results"]["x"]["result"]) < 200
    if render is render_latex:
        _balanced(out)


def test_dag_from_the_real_engine() -> None:
    x = make_symbol("x")
    f = x
    for _ in range(12):
        f = sp.Add(sp.sin(f, evaluate=False), sp.Pow(f, 2, evaluate=False), evaluate=False)
    root = derive_steps(f, x)
    d = Derivation(kind="derivative", input="f_12", expr=f, wrt=(x,), steps=(root,),
                   results={"x": root.result})
    text = render_text(d)
    assert "where" in text.splitlines() and len(text) < 60_000
    assert all(len(line) <= 80 for line in text.splitlines())


def test_namer_leaves_small_expressions_alone_and_names_shared_large_ones() -> None:
    x = sp.Symbol("x")
    small = sp.sin(x**3) ** 2
    assert not Namer([small, small.diff(x)]).active
    big = sum(sp.sin(x + i) for i in range(30))            # tree size > 40
    e = sp.Mul(big, sp.cos(big), evaluate=False)
    namer = Namer([e])
    assert namer.active and [str(s) for s, _ in namer.definitions] == ["v1"]
    assert str(namer.shrink(e)) == "v1*cos(v1)"
    assert namer.where()[0][1] == big
    # the prefix avoids the expression's own symbols
    v1 = sp.Symbol("v1")
    assert str(Namer([sp.Mul(big + v1, sp.cos(big + v1), evaluate=False)]).definitions[0][0]) == "w1"


def test_deep_trees_continue_in_blocks_of_their_own(deep: dict[int, Derivation]) -> None:
    slots = layout(deep[40].steps)
    assert max(s.depth for s in slots) <= 5
    assert any(s.see for s in slots)
    numbers = [s.number for s in slots if s.depth == 0]
    assert numbers == [str(i + 1) for i in range(len(numbers))]
    text = render_text(deep[40])
    first = re.search(r"continued in step (\d+)\]", text)
    assert first and re.search(rf"^{first.group(1)}\.  ", text, re.M)


# ------------------------------------------------------------------ Markdown in 80 columns

def _md_words(text: str) -> list[str]:
    return text.replace("\n", " ").split()


@pytest.mark.parametrize("text_in, kw", [
    ("ln(sin(x^3)^2)", {}), ("3x^2(2y+7)", {"wrt": "y"}),
    ("sigmoid(w1*x1 + w2*x2 + w3*x3 + b)*tanh(w1*x1 - w2*x2)", {"wrt": "w1"})])
def test_markdown_fits_80_columns_and_keeps_every_word(text_in: str, kw: dict) -> None:
    from matcalc.render.markdown import _render_markdown, fit_markdown
    from matcalc.render.naming import printing_for
    d = derive(text_in, **kw)
    with printing_for(d):
        raw = _render_markdown(d)
    out = d.to_markdown()
    assert out == fit_markdown(out)                       # idempotent
    assert all(len(line) <= 80 for line in out.splitlines()), out

    def body(t: str) -> list[str]:         # from the first step on (a heading may move)
        return _md_words(t[t.index("\n1. "):])
    assert body(out) == body(raw)


def test_markdown_breaks_never_start_a_block() -> None:
    """A continuation line never begins with a list marker, a quote or a heading mark, and
    a list item's continuation is indented under its text."""
    from matcalc.render.markdown import fit_markdown
    item = "1. **rule**: $" + " + ".join(f"x_{{{i}}} - 1" for i in range(40)) + "$"
    out = fit_markdown(item).splitlines()
    assert len(out) > 2 and all(len(line) <= 80 for line in out)
    assert all(line.startswith("   ") and not re.match(r"\s*([-+*>#]|\d+[.)])(\s|$)", line)
               for line in out[1:])
    assert " ".join(line.strip() for line in out) == item
    para = "text " * 10 + "- 2 " + "y " * 40
    assert not any(re.match(r"[-+*]\s", line) for line in fit_markdown(para).splitlines())
    code = "```\n" + "x" * 100 + "\n```"
    assert fit_markdown(code) == code
    wide = "| a | b |\n|---|---|\n| 1 | " + "w " * 60 + "|"
    listed = fit_markdown(wide).splitlines()
    assert listed[0].startswith("- **a 1**: b: w w") and all(len(x) <= 80 for x in listed)


def test_a_long_heading_keeps_its_definition_under_it() -> None:
    from matcalc.render.markdown import fit_markdown
    head = r"### Differentiate $f\left(x\right) = " + " + ".join(["x^{2}"] * 30) + \
           "$ with respect to $x$"
    out = fit_markdown(head).splitlines()
    assert out[0] == r"### Differentiate $f\left(x\right)$ with respect to $x$"
    assert out[2].startswith(r"$$f\left(x\right) = x^{2}") and out[-1].endswith("$$")
    assert all(len(line) <= 80 for line in out)
