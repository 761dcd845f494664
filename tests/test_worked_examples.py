"""Every scalar derivation of the seeds: matcalc's answer equals the seed's (corrected where the
seed's arithmetic is wrong, as the example's note says), it verifies, and its LaTeX compiles."""
from __future__ import annotations

import re

import pytest

from matcalc import derive
from matcalc.parse import make_symbol, parse
from worked_examples.scalar import SCALAR_EXAMPLES

from .oracle import assert_same_function, oracle_diff

IDS = [e.name for e in SCALAR_EXAMPLES]


@pytest.mark.parametrize("example", SCALAR_EXAMPLES, ids=IDS)
def test_matches_the_seed(example) -> None:
    d = derive(example.input, example.wrt)
    var = make_symbol(example.wrt)
    assert_same_function(d.result, parse(example.seed_answer), [var])
    assert_same_function(d.result, oracle_diff(parse(example.input), var), [var])
    assert d.verification is not None and d.verification.status == "passed"
    assert d.verification.points >= 20


@pytest.mark.latex
@pytest.mark.parametrize("example", SCALAR_EXAMPLES, ids=IDS)
def test_latex_compiles(example, pdflatex) -> None:
    d = derive(example.input, example.wrt)
    log = pdflatex(d.to_latex(standalone=True), example.name)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), f"overfull boxes: {widths}"


def test_seed_answer_for_ln_sin_is_the_simplified_form() -> None:
    d = derive("ln(sin(x^3)^2)")
    assert str(d.result) == "6*x**2*cos(x**3)/sin(x**3)"
