"""Computation graphs: decomposition, forward values, backward pass, paths, the API, the
CLI (exit statuses, bad input), the JSON contract, the DOT and TikZ pictures, and - on
random expressions - the backward pass agrees with ``derive`` and with sympy.diff."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from matcalc.rules import find_rule

from matcalc import Derivation, derive, graph
from matcalc.cli import main
from matcalc.engine.graph import MAX_PATHS, build_graph, forward
from matcalc.render.graph_common import view
from matcalc.errors import InputError, ParseError
from matcalc.parse import make_symbol, parse, parse_matrix
from matcalc.parse.point import parse_point, parse_structure

from .dags import deep
from .exprgen import X, expressions, expressions_in
from .oracle import assert_same_function, oracle_diff

a, b, c, x, y = (make_symbol(n) for n in "abcxy")


def names(d: Derivation) -> dict[str, object]:
    return {n.name.name: n for n in d.nodes}


# ----------------------------------------------------------------------------- engine

def test_decomposition_keeps_the_written_operations() -> None:
    g = build_graph(parse_structure("3*(a + b*c)"), rules=find_rule)
    ops = [(n.name.name, n.op, n.expr) for n in g.nodes if not n.is_input]
    assert ops == [("u", "multiply", b * c), ("v", "add", a + sp.Symbol("u")),
                   ("J", "multiply", 3 * sp.Symbol("v"))]
    assert [g.nodes[k].name.name for k in g.inputs] == ["a", "b", "c"]


def test_subtraction_division_and_negation_are_one_node_each() -> None:
    g = build_graph(parse_structure("(x - y)/(x + 1) - 2"), rules=find_rule)
    ops = {n.op for n in g.nodes if not n.is_input}
    assert "divide" in ops and "subtract" in ops
    assert "negate" not in ops and "reciprocal" not in ops
    assert len([n for n in g.nodes if not n.is_input]) == 4   # x - y, x + 1, ratio, - 2


def test_shared_subexpression_is_one_node_with_fan_out() -> None:
    g = build_graph(parse_structure("sin(x^2) + x^2"), rules=find_rule)
    squares = [n for n in g.nodes if n.expr == x ** 2]
    assert len(squares) == 1
    assert len(g.out_edges[squares[0].index]) == 2


def test_local_derivatives_name_their_rule_and_use_node_names() -> None:
    g = build_graph(parse_structure("x*exp(x^2)"), rules=find_rule)
    by = {(g.nodes[e.src].name.name, g.nodes[e.dst].name.name): e for e in g.edges}
    assert by[("u", "v")].local == sp.Symbol("v") and by[("u", "v")].rule == "exp"
    assert by[("x", "u")].rule == "power" and by[("x", "u")].local == 2 * x
    assert by[("x", "y")].rule == "constant_multiple"


def test_forward_is_exact_for_exact_inputs_and_float_for_floats() -> None:
    g = build_graph(parse_structure("3*(a + b*c)"), rules=find_rule)
    exact = forward(g, {a: sp.Integer(5), b: sp.Rational(1, 3), c: sp.Integer(2)})
    assert exact[g.output] == sp.Integer(17) and all(v.is_Rational for v in exact)
    floats = forward(g, {a: sp.Float(5.0), b: sp.Float(0.5), c: sp.Integer(2)})
    assert floats[g.output].is_Float and float(floats[g.output]) == 18.0


def test_backward_order_and_values_are_the_notes() -> None:
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    g = view(d)
    assert [s.name for s in g.order] == ["J", "v", "a", "u", "b", "c"]
    got = {k: g.adjoint_value(sp.Symbol(k)) for k in ("v", "u", "a", "b", "c")}
    assert got == {"v": 3, "u": 3, "a": 3, "b": 6, "c": 9}
    assert [g.values[sp.Symbol(k)] for k in ("u", "v", "J")] == [6, 11, 33]


def test_fan_out_sums_over_the_paths() -> None:
    d = graph("x*exp(x^2)")
    step = next(s for s in d.steps if s.rule == "backward_pass")
    dx = next(s for s in step.children if s.wrt == x)
    assert dx.rule == "total_derivative" and len(dx.children) == 2
    assert "sum over the 2 edges" in dx.description
    p = view(d).paths[x][1]
    assert p.count == 2 and p.complete
    assert sp.simplify(d.result - sp.exp(x ** 2) * (2 * x ** 2 + 1)) == 0


def test_logistic_regression_gives_a_minus_y() -> None:
    d = graph("-(y*log(a) + (1-y)*log(1-a))", where="z = w1*x1 + w2*x2 + b; a = sigmoid(z)")
    n = names(d)
    A, Y, X1 = sp.Symbol("a"), sp.Symbol("y"), sp.Symbol("x1")
    g = view(d)
    assert g.shown(n["z"].name) == A - Y
    assert g.shown(n["w1"].name) == X1 * (A - Y)
    edge = next(e for e in d.edges if d.nodes[e.dst].name == A)
    assert edge.local == A * (1 - A) and edge.rule == "sigmoid"
    assert d.verification.status == "passed"


def test_paths_are_capped_but_counted() -> None:
    # g_k = sin(g_{k-1}) + cos(g_{k-1}): 2^k paths from the output to x
    f: sp.Expr = x
    for _ in range(12):
        f = sp.sin(f) + sp.cos(f)
    d = graph(f, verify=False, simplify=False)
    p = view(d).paths[x][1]
    assert p.count == 2 ** 12 and len(p.paths) == MAX_PATHS and not p.complete
    step = next(s for s in d.steps if s.rule == "path_sum")
    assert f"the first {MAX_PATHS} of {2 ** 12} paths are listed" in step.description


def test_deep_shared_dag_is_linear_and_verifies() -> None:
    f, _ = deep(40)          # f_k = sin(f_{k-1}) + f_{k-1}^2: a DAG of 3 * 40 operations
    d = graph(f, simplify=False)
    assert len(d.nodes) == 1 + 3 * 40
    assert len(d.edges) == 4 * 40
    assert d.verification.status == "passed"
    assert len(d.to_text()) < 200_000 and len(d.to_json()) < 400_000


# ----------------------------------------------------------------------------- API

from .graph_cases import GRAPH_CASES  # noqa: E402


@pytest.mark.parametrize("expr,at,where,rules", GRAPH_CASES)
def test_graph_case_uses_its_rules(expr, at, where, rules) -> None:
    d = graph(expr, at, where=where)
    used = {s.rule for top in d.steps for s in top.walk()}
    assert set(rules) <= used, used
    assert d.verification.status == "passed"


def test_graph_returns_a_derivation_with_nodes_edges_and_dot() -> None:
    d = graph("3*(a + b*c)", {"a": 5, "b": 3, "c": 2})
    assert isinstance(d, Derivation) and d.kind == "graph"
    assert len(d.nodes) == 6 and len(d.edges) == 5
    assert d.to_dot().startswith("// J = 3*(a + b*c)")
    assert d.result == sp.ImmutableMatrix([[3, 3 * c, 3 * b]])
    assert graph("3a").result == 3


def test_output_name_can_be_chosen() -> None:
    assert view(graph("3*(a + b*c)", name="cost")).output.name == "cost"
    with pytest.raises(InputError, match="already a variable"):
        graph("3*(a + b*c)", name="a")


@pytest.mark.parametrize("at,message", [
    ("a=5,b=3", "no value for c"),
    ("a=5,b=3,c=2,d=1", "'d' is not a variable"),
    ("a=5,b=x,c=2", "must be a number"),
    ("a=5,a=3,c=2", "given twice"),
    ("a=5;b=3 c=2", "must be a number, not an expression in c"),
    ("a=5,b=3,c=(2", "missing"),
    ("a=5,b=3,c=2=1", "'=' is not allowed"),
])
def test_bad_points(at: str, message: str) -> None:
    with pytest.raises((InputError, ParseError), match=message):
        graph("3*(a + b*c)", at)


def test_point_parser_reads_exact_values() -> None:
    assert parse_point("a=1/2, b=-3; c=0.25, d=pi/4") == [
        (a, sp.Rational(1, 2)), (b, -3), (c, sp.Rational(1, 4)), (make_symbol("d"), sp.pi / 4)]


def test_undefined_forward_value_is_bad_input() -> None:
    with pytest.raises(InputError, match="forward pass is undefined"):
        graph("ln(x)", "x=0")


def test_intermediate_in_point_is_refused() -> None:
    with pytest.raises(InputError, match="intermediate variable"):
        graph("3*v", "v=1,a=1,u=1", where="u = b*c; v = a + u")


# ----------------------------------------------------------------------------- same as derive

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(expressions)
def test_backward_pass_equals_derive_and_sympy(expr) -> None:
    if expr.is_Symbol:                 # a lone variable has no operation to draw
        return
    d = graph(expr, verify=False, simplify=False)
    got = d.results["x"]
    assert_same_function(got, oracle_diff(expr, X), [X], rtol=1e-6, min_points=1)
    assert_same_function(got, derive(expr, X, verify=False, simplify=False).result, [X],
                         rtol=1e-6, min_points=1)


Y_, Z_ = sp.Symbol("y"), sp.Symbol("z")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions_in([X, Y_, Z_], smooth=True))
def test_every_input_matches_the_oracle(expr) -> None:
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    if not syms or expr.is_Symbol:
        return
    d = graph(expr, verify=False, simplify=False)
    for s in syms:
        assert_same_function(d.results[s.name], oracle_diff(expr, s), syms, rtol=1e-6,
                             min_points=1)


# ----------------------------------------------------------------------------- CLI

def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_graph_prints_forward_backward_paths_and_table() -> None:
    r = run("graph", "3*(a + b*c)", "--at", "a=5,b=3,c=2")
    assert r.exit_code == 0, r.output
    for text in ("u = b*c", "Forward pass:", "J = 3*v = 3*11 = 33", "[chain rule]",
                 "[constant multiple rule]", "J -> v -> u -> b", "dJ/dc = 3*b",
                 "Verified numerically"):
        assert text in r.output, text


@pytest.mark.parametrize("expr,at,where", [
    ("3*(a + b*c)", "a=5,b=3,c=2", None),
    ("x*exp(x^2)", "x=1", None),
    ("-(y*log(a) + (1-y)*log(1-a))", "w1=1,x1=2,w2=-1,x2=1,b=0,y=1",
     "z = w1*x1 + w2*x2 + b; a = sigmoid(z)"),
    ("sin(x1*x2*x3*x4 + exp(x1 + x2 + x3) - log(1 + x4^2))/(1 + x1^2 + x2^2)", None, None),
])
def test_text_fits_80_columns(expr, at, where) -> None:
    text = graph(expr, at, where=where).to_text()
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, too_long[:3]


def test_cli_expression_may_start_with_minus() -> None:
    r = run("graph", "-(y*log(a) + (1-y)*log(1-a))", "--where",
            "z = w1*x1 + w2*x2 + b; a = sigmoid(z)")
    assert r.exit_code == 0, r.output
    assert "dL/dz = dL/da * da/dz" in r.output and "= a - y" in r.output
    assert "dL/dw1 = x1*(a - y)" in r.output


@pytest.mark.parametrize("args,message", [
    (["3*(a + b*c)", "--at", "a=5,b=3"], "no value for c"),
    (["3*(a + b*c)", "--at", "a=5,b=3,q=1,c=2"], "'q' is not a variable"),
    (["3*(a + b*c)", "--at", "a=5,,b=3"], "error:"),
    (["3*(a + b*c", "--at", "a=5"], "missing ')'"),
    (["x"], "single variable"),
    (["7"], "constant"),
    (["3*(a + b*c)", "--format", "latex", "-o", "g.svg"], "draws the graph"),
])
def test_cli_bad_input_exits_2_with_one_line(args, message) -> None:
    r = CliRunner(mix_stderr=False).invoke(main, ["graph", *args]) \
        if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else run("graph", *args)
    assert r.exit_code == 2, r.output
    err = getattr(r, "stderr", r.output) or r.output
    assert message in err
    assert "Traceback" not in r.output


def test_cli_json_contract() -> None:
    r = run("graph", "3*(a + b*c)", "--at", "a=5,b=3,c=2", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["kind"] == "graph" and doc["wrt"] == ["a", "b", "c"]
    assert set(doc) >= {"matcalc", "kind", "input", "wrt", "shapes", "layout", "results",
                        "steps", "verification", "nodes", "edges"}
    node = {n["name"]: n for n in doc["nodes"]}
    assert node["u"]["expression"] == "b*c" and node["u"]["value"] == "6"
    assert node["J"]["value"] == "33" and node["b"]["gradient_value"] == "6"
    edge = next(e for e in doc["edges"] if e["from"] == "b")
    assert edge == {**edge, "to": "u", "local_derivative": "c", "value": "2", "backward": "6",
                    "rule": "constant_multiple"}
    for name, res in doc["results"].items():
        assert parse(res["result"]) == parse(res["graph_form"]) or name in "abc"
        got = eval(res["numpy"], {"np": np}, {"a": 5.0, "b": 3.0, "c": 2.0})  # noqa: S307
        assert float(got) == float(res["value"])
    assert [s["rule"] for s in doc["steps"]][:3] == ["computation_graph", "forward_pass",
                                                     "backward_pass"]
    assert doc["verification"]["status"] == "passed"


def test_json_results_parse_back() -> None:
    d = graph("-(y*log(a) + (1-y)*log(1-a))", where="z = w1*x1 + w2*x2 + b; a = sigmoid(z)")
    doc = json.loads(d.to_json())
    for name, res in doc["results"].items():
        assert parse(res["result"]) == d.results[name]
    assert parse_matrix(doc["steps"][1]["result"]).shape == (1, 6)


def test_cli_dot_format_parses(dot_program) -> None:
    r = run("graph", "x*exp(x^2)", "--at", "x=1", "--format", "dot")
    assert r.exit_code == 0, r.output
    proc = subprocess.run([dot_program, "-Tsvg"], input=r.output, text=True,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_dot_source_is_well_formed_without_graphviz() -> None:
    text = graph("3*(a + b*c)", "a=5,b=3,c=2").to_dot()
    assert text.count("{") == text.count("}") and "digraph computation_graph {" in text
    assert '"b" -> "u"' in text and "du/db = c = 2" in text and "back: 6" in text


@pytest.mark.parametrize("ext", ["svg", "png", "pdf"])
def test_cli_draws_pictures_with_dot(ext, dot_program, tmp_path) -> None:
    out = tmp_path / f"graph.{ext}"
    r = run("graph", "3*(a + b*c)", "--at", "a=5,b=3,c=2", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.exists() and out.stat().st_size > 500


def test_cli_without_dot_exits_2(tmp_path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}        # no dot on this PATH
    proc = subprocess.run([sys.executable, "-m", "matcalc", "graph", "3a", "-o",
                           str(tmp_path / "g.svg")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "needs Graphviz's 'dot' program" in proc.stderr
    assert proc.stderr.count("\n") == 1


@pytest.mark.latex
def test_tikz_fragment_and_standalone_compile(pdflatex) -> None:
    d = graph("x*exp(x^2)", "x=1")
    fragment = d.to_latex()
    assert r"\begin{tikzpicture}" in fragment and r"\documentclass" not in fragment
    doc = ("\\documentclass{article}\n\\usepackage{amsmath,graphicx,tikz}\n\\begin{document}\n"
           + fragment + "\\end{document}\n")
    pdflatex(doc, "fragment")
    pdflatex(d.to_latex(standalone=True), "standalone")
    pdflatex(graph("3*(a + b*c)").to_latex(standalone=True), "symbolic")


def test_markdown_and_display_latex() -> None:
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    md = d.to_markdown()
    assert md.startswith("### Computation graph of") and "\\tag" not in md
    assert d._repr_latex_().startswith("$$\\begin{aligned}")


def test_no_steps_keeps_nodes_values_and_results() -> None:
    r = run("graph", "3*(a + b*c)", "--at", "a=5,b=3,c=2", "--no-steps")
    assert r.exit_code == 0, r.output
    assert "J = 3*v = 3*11 = 33" in r.output and "dJ/db = 3*c   (= 6 at the point)" in r.output
    assert "Backward pass" not in r.output and "Paths from" not in r.output


def test_other_kinds_are_unchanged() -> None:
    d = derive("x*exp(x^2)")
    assert d.nodes == () and d.edges == () and not hasattr(d, "graph")


def test_every_command_takes_an_expression_starting_with_minus(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run("derive", "-(x*log(x))")           # click once read this as -( -x ... -o g(x))
    assert r.exit_code == 0, r.output
    assert "-ln(x) - 1" in r.output
    assert list(tmp_path.iterdir()) == []
    r = run("grad", "-x^2*y", "--wrt", "x,y")
    assert r.exit_code == 0, r.output
