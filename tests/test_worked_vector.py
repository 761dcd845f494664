"""Every gradient, Jacobian and vector-chain-rule derivation of seed 001 (worked_examples/
vector.py): the command's answer equals the seed's, it verifies, and its LaTeX compiles."""
from __future__ import annotations

import json
import re

import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc.cli import main
from matcalc.parse import parse, parse_matrix
from worked_examples.vector import VECTOR_EXAMPLES

from .oracle import assert_same_function

IDS = [e.name for e in VECTOR_EXAMPLES]


def run(example, *extra: str):
    return CliRunner().invoke(main, [*example.command, *extra])


def answer(doc: dict) -> sp.ImmutableMatrix:
    """The command's answer as a matrix (a derivative is 1 x 1, a gradient a row)."""
    if doc["kind"] == "jacobian":
        return parse_matrix(doc["results"]["jacobian"]["result"])
    return sp.ImmutableMatrix([[parse(doc["results"][v]["result"]) for v in doc["wrt"]]])


def seed(example) -> sp.ImmutableMatrix:
    if example.command[0] == "derive":
        return sp.ImmutableMatrix([[parse(example.seed_answer)]])
    return parse_matrix(example.seed_answer)


@pytest.mark.parametrize("example", VECTOR_EXAMPLES, ids=IDS)
def test_matches_the_seed(example) -> None:
    r = run(example, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    got, want = answer(doc), seed(example)
    assert got.shape == want.shape, (got, want)
    symbols = sorted(got.free_symbols | want.free_symbols, key=lambda s: s.name) or [sp.Symbol("x")]
    for a, b in zip(got, want):
        assert_same_function(a, b, symbols)
    assert doc["verification"]["status"] == "passed"
    assert doc["verification"]["points"] >= 20
    if "--layout" in example.command:
        assert doc["layout"] == example.command[example.command.index("--layout") + 1]


@pytest.mark.latex
@pytest.mark.parametrize("example", VECTOR_EXAMPLES, ids=IDS)
def test_latex_compiles(example, pdflatex) -> None:
    r = run(example, "--format", "latex", "--standalone")
    assert r.exit_code == 0, r.output
    log = pdflatex(r.output, example.name)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), f"overfull boxes: {widths}"


def test_every_seed_kind_is_covered() -> None:
    commands = {e.command[0] for e in VECTOR_EXAMPLES}
    assert commands == {"grad", "jacobian", "derive"}
    assert any("--where" in e.command and e.command[0] == "jacobian" for e in VECTOR_EXAMPLES)
    assert any("denominator" in e.command for e in VECTOR_EXAMPLES)
