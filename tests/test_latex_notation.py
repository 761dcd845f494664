"""LaTeX quality and the lecturers' notation: golden files (reviewed by eye once, then
pinned), a LaTeX-aware well-formedness check of every gallery example in every notation,
and each notation choice doing what it says.

Refresh the golden files after a deliberate change with
``MATCALC_UPDATE_GOLDEN=1 python -m pytest tests/test_latex_notation.py``, then look at
the diff (and at the PDF) before committing them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from matcalc import derive, jacobian
from matcalc.gallery import derive_example, examples, find
from matcalc.render.latex import render_latex, unsize
from matcalc.render.notation import Notation

from .latexcheck import check_latex
from .measured import difference

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("MATCALC_UPDATE_GOLDEN"))

CASES = {
    "ln_sin_cube_squared": ("ln_sin_cube_squared", Notation()),
    "ln_sin_cube_squared_brief": ("ln_sin_cube_squared", Notation(detail="brief")),
    "jacobian_f_g": ("jacobian_f_g", Notation()),
    "vector_chain_rule_u_bold_partial": ("vector_chain_rule_ln_sin",
                                         Notation(naming="u", bold_vectors=True, partial=True)),
    "activation_brief_operatorname": ("activation_jacobian",
                                      Notation(detail="brief", sigmoid="operatorname")),
}
NOTATIONS = [Notation(), Notation(detail="brief"), Notation(partial=True, bold_vectors=True),
             Notation(naming="u", sigmoid="operatorname")]
#: The step-by-step examples (graphs and backward passes have LaTeX renderers of their own)
EXAMPLES = [e for e in examples() if e.kind in ("derive", "grad", "jacobian")]


@pytest.fixture(scope="module")
def derived() -> dict:
    return {e.name: derive_example(e) for e in EXAMPLES}


@pytest.mark.parametrize("golden", list(CASES))
def test_golden_latex(golden: str, derived) -> None:
    name, notation = CASES[golden]
    got = render_latex(derived[name], standalone=True, notation=notation)
    path = GOLDEN / f"{golden}.tex"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run with MATCALC_UPDATE_GOLDEN=1"
    why = difference(got, path.read_text(encoding="utf-8"))   # but for measured figures
    assert not why, (
        f"the LaTeX of {golden} changed ({why}); if on purpose, refresh with MATCALC_UPDATE_GOLDEN=1 "
        "and review the diff")


@pytest.mark.parametrize("notation", NOTATIONS, ids=lambda n: "-".join(
    f"{k}={v}" for k, v in vars(n).items() if v != getattr(Notation(), k)) or "default")
def test_every_example_is_well_formed_latex(notation: Notation, derived) -> None:
    for e in EXAMPLES:
        d = derived[e.name]
        for text in (render_latex(d, notation=notation),
                     render_latex(d, standalone=True, notation=notation),
                     render_latex(d, display=True, notation=notation)):
            problems = check_latex(text)
            assert problems == [], f"{e.name}: {problems}"


@pytest.mark.latex
@pytest.mark.parametrize("notation", NOTATIONS[1:], ids=["brief", "partial-bold", "u-operatorname"])
def test_every_example_compiles_in_every_notation(notation: Notation, derived, pdflatex) -> None:
    """One document with every example (the default notation is compiled per example by
    tests/test_worked_*.py): no errors, no overfull box wider than 20pt."""
    bodies = []
    for e in EXAMPLES:
        doc = render_latex(derived[e.name], standalone=True, notation=notation)
        bodies.append(doc.split(r"\begin{document}", 1)[1].split(r"\end{document}", 1)[0])
    head = render_latex(derived[EXAMPLES[-1].name], standalone=True, notation=notation)
    head = head.split(r"\begin{document}", 1)[0]
    if r"\usepackage{bm}" not in head:
        head = head.replace(r"\usepackage{amssymb}", "\\usepackage{amssymb}\n\\usepackage{bm}")
    if "MaxMatrixCols" not in head:
        head += "\\setcounter{MaxMatrixCols}{40}\n"
    log = pdflatex(head + "\\begin{document}\n" + "\n\\clearpage\n".join(bodies)
                   + "\\end{document}\n", "all")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), widths


# ----------------------------------------------------------------- each choice
def test_partial_for_one_variable() -> None:
    d = derive("sin(x^2)")
    assert r"\frac{d}{dx}" in d.to_latex() and r"\partial" not in d.to_latex()
    latex = d.to_latex(notation=Notation(partial=True))
    assert r"\frac{\partial}{\partial x}" in latex and r"\frac{d}{dx}" not in latex


def test_bold_vectors() -> None:
    d = derive_example(find("dot_product_vector_chain_rule"))
    plain = d.to_latex(standalone=True)
    bold = d.to_latex(standalone=True, notation=Notation(bold_vectors=True))
    assert r"\bm" not in plain and r"\usepackage{bm}" not in plain
    assert r"\frac{\partial \bm{u}}{\partial \bm{w}}" in bold and r"\usepackage{bm}" in bold
    assert r"\bm{f}(w_{1}" in bold


def test_sigmoid_symbol() -> None:
    d = derive("sigmoid(2x)")
    assert r"\sigma(2 x)" in d.to_latex()
    latex = d.to_latex(notation=Notation(sigmoid="operatorname"))
    assert r"\operatorname{sigmoid}(2 x)" in latex and r"\sigma" not in latex


def test_brief_keeps_key_steps_renumbered() -> None:
    d = derive("ln(sin(x^3)^2)")
    full, brief = d.to_latex(), d.to_latex(notation=Notation(detail="brief"))
    assert "power rule" in full and "power rule" not in brief
    assert "multiply the local derivatives" in brief and "introduce intermediate" in brief
    tags = re.findall(r"\\tag\*\{\(([\d.]+)\)", brief)
    assert tags == ["1", "1.1", "1.2", "1.3"]


def test_naming_u_renames_the_users_intermediates() -> None:
    d = jacobian("[ln(g1), sin(g2)]", "x", where="g1 = x^2; g2 = 3x")
    assert "g_{1}" in d.to_latex()
    latex = d.to_latex(notation=Notation(naming="u"))
    assert "g_{1}" not in latex and r"u_{1} &= x^{2}" in latex and r"\sin(u_{2})" in latex


def test_naming_u_skips_names_in_use() -> None:
    d = derive("u1*g", "u1", where="g = u1^2")
    assert "u_{2} &= u_{1}^{2}" in d.to_latex(notation=Notation(naming="u"))


def test_notation_is_checked() -> None:
    from matcalc.errors import InputError
    with pytest.raises(InputError, match="detail must be"):
        Notation(detail="short")
    with pytest.raises(InputError, match="unknown setting"):
        Notation().updated({"bold": True})


# ----------------------------------------------------------------- typography
def test_unsize_keeps_tall_and_unmatched_delimiters() -> None:
    assert unsize(r"\sin{\left(x^{3} \right)}") == r"\sin(x^{3})"
    assert unsize(r"\frac{\left(x\right)}{2}") == r"\frac{(x)}{2}"
    assert unsize(r"\left(\frac{1}{x}\right)") == r"\left(\frac{1}{x}\right)"
    assert unsize(r"\left(1 + \left(\frac{1}{x}\right)\right)") == \
        r"\left(1 + \left(\frac{1}{x}\right)\right)"
    assert unsize(r"\left.\frac{a}{b}\right|_{x}") == r"\left.\frac{a}{b}\right|_{x}"
    assert unsize(r"\left[x > 0\right]") == "[x > 0]"


def test_no_sized_parentheses_for_nothing() -> None:
    latex = derive("ln(sin(x^3)^2)").to_latex()
    assert r"\left(" not in latex


def test_a_number_after_a_factor_gets_a_dot() -> None:
    latex = derive("x*u2", "x", where="u1 = x^2; u2 = exp(u1)").to_latex()
    assert not re.search(r"[a-z}] 2 x", latex), latex


def test_no_op_simplify_is_not_shown_in_latex() -> None:
    d = derive("sin(x^2)")
    assert "simplify" in d.to_text()
    assert "simplify" not in d.to_latex()


def test_a_convention_is_stated_once() -> None:
    d = derived_relu = find("relu_broadcast")
    latex = derive_example(derived_relu).to_latex()
    assert latex.count("kink takes") == 1, d.name


LONG = ["sin(x)^2 cos(x)^3 exp(x^2) ln(x^2+1) (x^3 + 2x^2 + 7x + 1)^4",
        "(x^2+3x+1)/(x^4 + 5x^3 + sin(x)^2 + 1) + tanh(x^3 + x) sqrt(x^2+1)"]


# simplify=False: these test the rendering; a heavy simplify on a loaded machine only costs time
def test_a_wide_quotient_breaks_inside_its_numerator() -> None:
    latex = derive(LONG[1], simplify=False).to_latex()
    assert r"\frac{1}{(x^{4} + 5 x^{3} + \sin^{2}(x) + 1)^{2}} \Bigl(" in latex
    assert check_latex(latex) == []


@pytest.mark.latex
@pytest.mark.parametrize("text", LONG)
def test_long_expressions_break_across_lines(text: str, pdflatex) -> None:
    log = pdflatex(derive(text, simplify=False).to_latex(standalone=True), "long")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), widths


def test_a_wide_product_breaks_inside_its_sum() -> None:
    from matcalc.parse import parse
    from matcalc.render.latex import _pieces
    from matcalc.render.naming import Value
    expr = parse("(x^3 + 2x^2 + 7x + 1)^3 e^(x^2) sin(x) (x sin(2x) + 2(3x^2 + 4x + 7) sin(2x)"
                 " - 3(x^3 + 2x^2 + 7x + 1) sin(x)^2 + 2(x^3 + 2x^2 + 7x + 1) cos(x)^2)/(x^2 + 1)")
    pieces = _pieces(Value(expr), 40)
    assert len(pieces) >= 3
    assert r"\Bigl(" in pieces[0] and pieces[-1].endswith(r"\Bigr)")
    assert pieces[0].startswith(r"\frac{") and "x^{2} + 1}" in pieces[0]
