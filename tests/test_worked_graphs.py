"""Every computation graph of the seeds: matcalc's nodes, forward values, backward values and
final derivatives are the notes' (corrected where a note says so), the derivation verifies,
its LaTeX (with the TikZ picture) compiles, and its DOT source draws."""
from __future__ import annotations

import re
import subprocess

import pytest
import sympy as sp

from matcalc import graph
from matcalc.engine.dag import substitute
from matcalc.render.graph_common import view
from matcalc.parse import make_symbol, parse, parse_assignments
from worked_examples.graphs import GRAPH_EXAMPLES

from .oracle import assert_same_function

IDS = [e.name for e in GRAPH_EXAMPLES]


def _build(example):
    return graph(example.input, example.at, where=example.where)


def _close(got: sp.Basic, want: str) -> None:
    assert abs(float(got.evalf(30)) - float(parse(want).evalf(30))) < 1e-12, (got, want)


@pytest.mark.parametrize("example", GRAPH_EXAMPLES, ids=IDS)
def test_matches_the_seed(example) -> None:
    d = _build(example)
    a = view(d)                                   # what the Steps say
    by_name = {n.name.name: n for n in d.nodes}
    for name, expr in example.nodes.items():
        assert name in by_name, f"no node {name}: {sorted(by_name)}"
        assert by_name[name].expr == parse(expr), (name, by_name[name].expr)
    for name, value in example.values.items():
        got = a.values[by_name[name].name]
        _close(got, value)
        if parse(value).is_Rational:
            assert got == parse(value)          # exact: rationals stay rationals
    for name, value in example.gradients.items():
        k = by_name[name].name
        if a.values is not None:
            _close(a.adjoint_value(k), value)
        else:                                     # symbolic, in the graph's names
            free = sorted(parse(value).free_symbols | a.shown(k).free_symbols,
                          key=lambda s: s.name)
            assert_same_function(a.shown(k), parse(value), free)
    defs = dict(parse_assignments(example.where)) if example.where else {}
    expand: dict = {}
    for g, e in defs.items():
        expand[g] = substitute(e, expand)
    inputs = list(d.wrt)
    for name, answer in example.answers.items():
        want = substitute(parse(answer), expand)
        assert_same_function(d.results[name], want, inputs)
    for name, count in example.paths.items():
        assert a.paths[by_name[name].name][1].count == count
    assert d.verification is not None and d.verification.status == "passed"
    assert d.verification.points >= 20


@pytest.mark.latex
@pytest.mark.parametrize("example", GRAPH_EXAMPLES, ids=IDS)
def test_latex_with_tikz_compiles(example, pdflatex) -> None:
    d = _build(example)
    source = d.to_latex(standalone=True)
    assert r"\begin{tikzpicture}" in source
    log = pdflatex(source, example.name)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), f"overfull boxes: {widths}"


@pytest.mark.parametrize("example", GRAPH_EXAMPLES, ids=IDS)
def test_dot_draws(example, dot_program, tmp_path) -> None:
    d = _build(example)
    proc = subprocess.run([dot_program, "-Tsvg"], input=d.to_dot(), text=True,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "<svg" in proc.stdout
    for n in d.nodes:
        assert f">{n.name.name}" in proc.stdout or n.name.name in proc.stdout


def test_the_notes_numbers_for_j() -> None:
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    text = d.to_text()
    for line in ("u = b*c = 3*2 = 6", "v = a + u = 5 + 6 = 11", "J = 3*v = 3*11 = 33",
                 "dJ/dv = d/dv (3*v) = 3", "dJ/db = dJ/du * du/db = 3 * c = 3*c = 3 * 2 = 6",
                 "dJ/dc = dJ/du * du/dc = 3 * b = 3*b = 3 * 3 = 9"):
        assert line in text, line
    assert d.results == {"a": 3, "b": 3 * make_symbol("c"), "c": 3 * make_symbol("b")}
