"""Gradients, Jacobians (both layouts) and named intermediates (total-derivative and vector
chain rule): data-driven cases against hand-written answers and the sympy oracle, the seed
001 results, every renderer, the JSON contract, the CLI and a planted wrong entry."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import derive, gradient, jacobian
from matcalc.cli import main
from matcalc.errors import InputError
from matcalc.parse import make_symbol, parse, parse_list, parse_matrix, parse_symbol_list
from matcalc.render.text import render_text

from .multi_cases import BAD_WHERE, GRADIENT_CASES, JACOBIAN_CASES, TOTAL_CASES
from .oracle import assert_same_function, oracle_diff, oracle_jacobian

x, y = make_symbol("x"), make_symbol("y")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rules_of(d) -> set[str]:
    return {s.rule for top in d.steps for s in top.walk()}


def _expand_where(functions: list[sp.Basic], where: str | None) -> list[sp.Basic]:
    """The functions with the intermediates substituted, by SymPy (independent of matcalc)."""
    if where is None:
        return functions
    from matcalc.parse import parse_assignments
    defs = parse_assignments(where)
    out = []
    for f in functions:
        for _ in defs:                      # enough rounds for any acyclic order
            f = f.subs(dict(defs))
        out.append(f)
    return out


# ----------------------------------------------------------------------------- data-driven

@pytest.mark.parametrize("text, wrt, where, expected, rules", GRADIENT_CASES,
                         ids=[f"{c[0]} wrt {c[1]}" for c in GRADIENT_CASES])
def test_gradient_case(text, wrt, where, expected, rules) -> None:
    d = gradient(text, wrt, where=where)
    variables = parse_symbol_list(wrt) if wrt else sorted(
        _expand_where([parse(text)], where)[0].free_symbols, key=lambda s: s.name)
    assert d.kind == "gradient" and list(d.wrt) == variables
    assert list(d.results) == [v.name for v in variables]
    full = _expand_where([parse(text)], where)[0]
    for v, want in zip(variables, expected):
        assert_same_function(d.results[v.name], parse(want), variables)
        assert_same_function(d.results[v.name], oracle_diff(full, v), variables)
    assert set(rules) <= rules_of(d), rules_of(d)
    assert d.steps[-1].rule == "assemble_gradient"
    assert list(d.result) == [d.results[v.name] for v in variables]     # read off the steps
    assert list(d.steps[-1].result) == list(d.result)
    assert d.verification is not None and d.verification.status == "passed"
    assert "per entry" in d.verification.method and d.verification.points >= 20


@pytest.mark.parametrize("text, wrt, layout, where, expected, rules", JACOBIAN_CASES,
                         ids=[f"{c[0]} wrt {c[1]} {c[2]}{' where' if c[3] else ''}"
                              for c in JACOBIAN_CASES])
def test_jacobian_case(text, wrt, layout, where, expected, rules) -> None:
    d = jacobian(text, wrt, layout=layout, where=where)
    full = _expand_where(parse_list(text), where)
    variables = parse_symbol_list(wrt) if wrt else sorted(
        set().union(*(f.free_symbols for f in full)), key=lambda s: s.name)
    want = parse_matrix(expected)
    oracle = oracle_jacobian(full, variables)
    if layout == "denominator":
        oracle = oracle.T
    assert d.kind == "jacobian" and d.layout == layout and list(d.results) == ["jacobian"]
    got = d.results["jacobian"]
    assert got.shape == want.shape == oracle.shape
    for i in range(got.rows):
        for j in range(got.cols):
            assert_same_function(got[i, j], want[i, j], variables)
            assert_same_function(got[i, j], oracle[i, j], variables)
    assert set(rules) <= rules_of(d), rules_of(d)
    assert d.result is d.steps[-1].result                  # the answer is the last step's
    assert (d.steps[-1].rule == "transpose_layout") == (layout == "denominator")
    assert d.verification is not None and d.verification.status == "passed"
    text_out = render_text(d)
    assert f"{layout} layout" in text_out
    assert ("df_i/dx_j, one row per function" in text_out) == (layout == "numerator")


@pytest.mark.parametrize("text, wrt, where, expected, rules", TOTAL_CASES,
                         ids=[f"{c[0]} where {c[2]}" for c in TOTAL_CASES])
def test_total_derivative_case(text, wrt, where, expected, rules) -> None:
    d = derive(text, wrt, where=where)
    full = _expand_where([parse(text)], where)[0]
    var = make_symbol(wrt) if wrt else next(iter(full.free_symbols - {make_symbol("a")}))
    assert d.kind == "derivative" and d.wrt == (var,)
    assert_same_function(d.result, parse(expected), [var])
    assert_same_function(d.result, oracle_diff(full, var), [var])
    assert set(rules) <= rules_of(d), rules_of(d)
    assert [s.rule for s in d.steps][:2] == ["intermediate_variables", "total_derivative"]
    assert d.steps[2].rule == "substitute" and d.result is d.steps[-1].result
    assert sp.simplify(d.expr - full) == 0         # the header shows the whole function
    assert d.verification is not None and d.verification.status == "passed"


# ----------------------------------------------------------------------------- the seed

def test_seed_gradient_text() -> None:
    d = gradient("3x^2(2y+7)", "x,y")
    assert d.results == {"x": parse("6x(2y+7)"), "y": parse("6x^2")}
    text = render_text(d)
    assert "Partial derivative with respect to x, holding y constant:" in text
    assert "Partial derivative with respect to y, holding x constant:" in text
    assert "df/dx = d/dx (3*x^2*(2*y + 7)) = 6*x*(2*y + 7)" in text
    assert "grad f = [df/dx, df/dy] = [6*x*(2*y + 7), 6*x^2]" in text
    assert "         grad f = [6*x*(2*y + 7), 6*x^2]" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    # the x block comes before the y block, the assembly last
    assert text.index("respect to x") < text.index("respect to y") < text.index("grad f =")


def test_seed_jacobian_numerator_text() -> None:
    d = jacobian("[3x^2(2y+7), 4x + y^2]", "x,y")
    assert d.result == sp.ImmutableMatrix([[parse("6x(2y+7)"), parse("6x^2")],
                                           [4, 2 * y]])
    text = render_text(d)
    lines = text.splitlines()
    assert "Row 1: f1 = 3*x^2*(2*y + 7)" in lines and "Row 2: f2 = 4*x + y^2" in lines
    assert "df2/dy = d/dy (4*x + y^2) = 2*y" in text
    # the matrix has its rows on separate lines, columns aligned
    assert "Result:  J = [[6*x*(2*y + 7), 6*x^2]," in lines
    assert "              [4,             2*y]]" in lines
    assert "(numerator layout: J[i, j] = df_i/dx_j, one row per function)" in text
    assert all(len(line) <= 80 for line in lines)


def test_seed_jacobian_denominator_is_the_transpose_and_says_so() -> None:
    num = jacobian("[3x^2(2y+7), 4x + y^2]", "x,y")
    den = jacobian("[3x^2(2y+7), 4x + y^2]", "x,y", layout="denominator")
    assert den.result == num.result.T
    last = den.steps[-1]
    assert last.rule == "transpose_layout" and last.expr == num.result
    assert "gradient = Jacobian transposed" in last.description
    text = render_text(den)
    assert "(denominator layout)" in text.splitlines()[0] + text.splitlines()[1]
    assert "Result:  J^T = [[6*x*(2*y + 7), 4]," in text
    assert "denominator layout: J^T[j, i] = df_i/dx_j" in text


def test_seed_vector_chain_rule() -> None:
    d = jacobian("[ln(g1), sin(g2)]", "x", where="g1 = x^2; g2 = 3x")
    assert d.result == sp.ImmutableMatrix([2 / x, 3 * sp.cos(3 * x)])
    define, chain, back = d.steps[:3]
    g1, g2 = make_symbol("g1"), make_symbol("g2")
    assert define.definitions == ((g1, x ** 2), (g2, 3 * x))
    a, b, product = chain.children
    assert a.result == sp.ImmutableMatrix([[1 / g1, 0], [0, sp.cos(g2)]])
    assert "diagonal" in a.description                       # df/dg is diagonal, and says so
    assert b.result == sp.ImmutableMatrix([2 * x, 3])
    assert product.rule == "jacobian_product" and isinstance(product.expr, sp.MatMul)
    assert product.result == sp.ImmutableMatrix([2 * x / g1, 3 * sp.cos(g2)])
    assert back.rule == "substitute" and back.result == d.result
    text = render_text(d)
    assert "J = d(f1, f2)/d(g1, g2) * d(g1, g2)/dx" in text
    assert "df1/dg1 = d/dg1 ln(g1) = 1/g1" in text and "dg2/dx = d/dx (3*x) = 3" in text
    assert "Result:  J = [[2/x]," in text and "[3*cos(3*x)]]" in text


def test_total_derivative_follows_the_notes() -> None:
    """y = x u2, u2 = exp(u1), u1 = x^2: dy/dx = dy/dx|direct + dy/du2 du2/dx."""
    d = derive("x*u2", where="u1 = x^2; u2 = exp(u1)")
    total = d.steps[1]
    u1, u2 = make_symbol("u1"), make_symbol("u2")
    direct, outer, inner, add = total.children
    assert (direct.wrt, direct.result) == (x, u2)             # u2 held constant
    assert (outer.wrt, outer.result) == (u2, x)
    assert inner.rule == "total_derivative" and inner.definitions == ((u2, sp.exp(u1)),)
    assert inner.result == 2 * x * sp.exp(u1)
    assert add.rule == "total_sum"
    text = render_text(d)
    assert "dy/dx = d/dx (u2*x) + dy/du2 * du2/dx" in text
    assert "du2/dx = du2/du1 * du1/dx = 2*x*exp(u1)" in text
    assert "Result:  dy/dx = (2*x^2 + 1)*exp(x^2)" in text


def test_an_intermediate_used_twice_is_derived_once() -> None:
    d = derive("g1*g2 + g1", "x", where="g1 = x^2; g2 = g1 + x")
    reuse = [s for s in d.steps[1].walk() if s.kind == "reuse"]
    assert reuse and reuse[0].same_as is not None
    assert "already derived in step" in render_text(d)


# ----------------------------------------------------------------------------- renderers

@pytest.mark.parametrize("make", [
    lambda: gradient("3x^2(2y+7)", "x,y"),
    lambda: jacobian("[3x^2(2y+7), 4x + y^2]", "x,y"),
    lambda: jacobian("[3x^2(2y+7), 4x + y^2]", "x,y", layout="denominator"),
    lambda: jacobian("[ln(g1), sin(g2)]", "x", where="g1 = x^2; g2 = 3x"),
    lambda: gradient("x*u2*y", where="u1 = x^2*y; u2 = exp(u1)"),
], ids=["grad", "jacobian", "jacobian-denominator", "vector-chain", "grad-where"])
def test_latex_and_markdown(make) -> None:
    d = make()
    latex = d.to_latex()
    assert latex.count(r"\begin{") == latex.count(r"\end{")
    assert r"\begin{bmatrix}" in latex and r"\partial" in latex
    if d.kind == "jacobian":
        assert f"{d.layout} layout" in latex
    md = d.to_markdown()
    assert "**Result:**" in md and r"\begin{bmatrix}" in md
    assert d._repr_latex_().startswith("$$")


@pytest.mark.latex
@pytest.mark.parametrize("make", [
    lambda: gradient("3x^2(2y+7)", "x,y"),
    lambda: jacobian("[3x^2(2y+7), 4x + y^2]", "x,y", layout="denominator"),
    lambda: jacobian("[x*g1, g2 + y]", "x,y", where="g1 = x*y; g2 = sin(g1)"),
], ids=["grad", "jacobian-denominator", "vector-chain-direct"])
def test_latex_compiles(make, pdflatex) -> None:
    pdflatex(make().to_latex(standalone=True), "multi")


def test_text_of_a_wide_jacobian_stays_in_80_columns() -> None:
    d = jacobian("[sin(a*x + b*y + c*z)^3, exp(x*y*z)*cos(a*b*c), ln(x^2 + y^2 + z^2 + 1)]",
                 "x,y,z", verify=False)
    assert all(len(line) <= 80 for line in render_text(d).splitlines())


# ----------------------------------------------------------------------------- JSON

CONTRACT_FIELDS = {"matcalc", "kind", "input", "wrt", "shapes", "layout", "results", "steps",
                   "verification"}
STEP_FIELDS = {"rule", "description", "expr", "result", "latex", "children"}
CHECK_FIELDS = {"status", "method", "points", "max_abs_error", "max_rel_error", "tolerance"}


def _check_steps(steps: list[dict]) -> list[str]:
    rules = []
    for s in steps:
        assert STEP_FIELDS <= set(s), set(s)
        rules.append(s["rule"])
        rules += _check_steps(s["children"])
    return rules


def test_json_gradient_contract() -> None:
    r = run("grad", "3x^2(2y+7)", "--wrt", "x,y", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert CONTRACT_FIELDS <= set(doc)
    assert doc["kind"] == "gradient" and doc["wrt"] == ["x", "y"] and doc["input"] == "3x^2(2y+7)"
    assert list(doc["results"]) == ["x", "y"]               # one entry per variable
    xs, ys = np.linspace(-2, 2, 9), np.linspace(-1, 3, 9)
    want = {"x": 6 * xs * (2 * ys + 7), "y": 6 * xs ** 2}
    for var, entry in doc["results"].items():
        assert {"result", "latex", "numpy"} <= set(entry)
        assert parse(entry["result"]) == gradient("3x^2(2y+7)", "x,y", verify=False).results[var]
        got = eval(entry["numpy"], {"np": np}, {"x": xs, "y": ys})  # noqa: S307 - the contract
        assert np.allclose(got, want[var])
    rules = _check_steps(doc["steps"])
    assert rules.count("constant_multiple") >= 2 and doc["steps"][-1]["rule"] == "assemble_gradient"
    assert parse_matrix(doc["steps"][-1]["result"]) == sp.ImmutableMatrix(
        [[parse("6x(2y+7)"), parse("6x^2")]])
    assert CHECK_FIELDS <= set(doc["verification"])
    assert doc["verification"]["status"] == "passed" and doc["verification"]["points"] == 20


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_json_jacobian_contract(layout: str) -> None:
    r = run("jacobian", "[3x^2(2y+7), 4x + y^2]", "--wrt", "x,y", "--layout", layout,
            "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert CONTRACT_FIELDS <= set(doc)
    assert doc["kind"] == "jacobian" and doc["layout"] == layout and doc["wrt"] == ["x", "y"]
    assert list(doc["results"]) == ["jacobian"]
    entry = doc["results"]["jacobian"]
    numerator = sp.ImmutableMatrix([[parse("6x(2y+7)"), parse("6x^2")], [4, 2 * y]])
    expected = numerator if layout == "numerator" else numerator.T
    assert parse_matrix(entry["result"]) == expected        # parses back to the same matrix
    assert entry["latex"].startswith(r"\begin{bmatrix}")
    f = sp.lambdify([x, y], expected, "numpy")
    for xv, yv in [(1.5, -0.5), (-2.0, 3.0)]:                 # scalars: the whole matrix
        got = eval(entry["numpy"], {"np": np}, {"x": xv, "y": yv})  # noqa: S307
        assert got.shape == (2, 2) and np.allclose(got, np.array(f(xv, yv), dtype=float))
    xs, ys = np.array([1.0, 2.0, -1.0]), np.array([0.5, -1.0, 2.0])  # arrays: J[i, j, ...]
    got = eval(entry["numpy"], {"np": np}, {"x": xs, "y": ys})  # noqa: S307
    assert got.shape == (2, 2, 3)
    assert np.allclose(got[:, :, 1], np.array(f(2.0, -1.0), dtype=float))
    rules = _check_steps(doc["steps"])
    assert ("transpose_layout" in rules) == (layout == "denominator")
    assert doc["verification"]["status"] == "passed"
    assert "per entry" in doc["verification"]["method"]


def test_json_vector_chain_rule_steps_parse_back() -> None:
    d = jacobian("[ln(g1), sin(g2)]", "x", where="g1 = x^2; g2 = 3x")
    doc = d.to_dict()
    chain = doc["steps"][1]
    assert chain["rule"] == "vector_chain_rule"
    product = chain["children"][-1]
    assert product["rule"] == "jacobian_product" and " @ " in product["expr"]
    assert parse_matrix(product["result"]) == chain_result(d)
    assert parse_matrix(doc["results"]["jacobian"]["result"]) == d.result


def chain_result(d):
    return d.steps[1].result


# ----------------------------------------------------------------------------- CLI

def test_cli_grad_and_jacobian() -> None:
    r = run("grad", "3x^2(2y+7)", "--wrt", "x,y")
    assert r.exit_code == 0, r.output
    assert "grad f = [6*x*(2*y + 7), 6*x^2]" in r.output and "Verified numerically" in r.output
    r = run("jacobian", "[ln(g1), sin(g2)]", "--where", "g1 = x^2; g2 = 3x", "--wrt", "x")
    assert r.exit_code == 0, r.output
    assert "[3*cos(3*x)]]" in r.output and "vector chain rule" in r.output
    r = run("derive", "x*u2", "--where", "u1 = x^2; u2 = exp(u1)")
    assert r.exit_code == 0 and "dy/dx = (2*x^2 + 1)*exp(x^2)" in r.output


def test_cli_wrt_defaults_to_every_variable_sorted() -> None:
    r = run("grad", "z*y + x", "--format", "json", "--no-verify")
    assert json.loads(r.output)["wrt"] == ["x", "y", "z"]
    r = run("jacobian", "[b*a, c]", "--format", "json", "--no-verify")
    assert json.loads(r.output)["wrt"] == ["a", "b", "c"]


def test_cli_expression_may_start_with_a_minus() -> None:
    r = run("grad", "-x*y", "--no-steps")
    assert r.exit_code == 0, r.output
    assert "grad f = [-y, -x]" in r.output
    r = run("jacobian", "-x*y", "--no-verify")
    assert r.exit_code == 0, r.output


def test_cli_numpy_and_output_file(tmp_path: Path) -> None:
    r = run("jacobian", "[x*y, x + y]", "--format", "numpy")
    got = eval(r.output, {"np": np}, {"x": 2.0, "y": 3.0})  # noqa: S307
    assert np.allclose(got, [[3.0, 2.0], [1.0, 1.0]])
    r = run("grad", "x*y^2", "--format", "numpy")
    assert np.allclose(eval(r.output, {"np": np}, {"x": 2.0, "y": 3.0}), [9.0, 12.0])  # noqa: S307
    target = tmp_path / "j.tex"
    r = run("jacobian", "[x*y, x + y]", "--format", "latex", "--standalone", "-o", str(target))
    assert r.exit_code == 0 and target.read_text().startswith(r"\documentclass")


@pytest.mark.parametrize("args, phrase", BAD_WHERE, ids=[" ".join(a) for a, _ in BAD_WHERE])
def test_bad_where_exits_2_with_one_line(args: list[str], phrase: str) -> None:
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("error: ") and phrase in lines[0], r.output
    assert len(lines) <= 3                         # a parse error adds the caret lines


def test_api_rejects_a_bad_layout_and_bad_where_pairs() -> None:
    with pytest.raises(InputError):
        jacobian("[x, y]", layout="sideways")
    with pytest.raises(InputError, match="cycle"):
        gradient("a + x", "x", where={"a": "b*x", "b": "a"})
    d = gradient("g*y", "x,y", where=[("g", "x^2")])
    assert d.results == {"x": 2 * x * y, "y": x ** 2}


# ----------------------------------------------------------------------------- planted error

def test_planted_wrong_entry_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """One wrong Jacobian entry (d/dy doubled): the check fails, naming the entry; the CLI
    still prints the result and exits 1."""
    import matcalc.engine.solver as api      # partial_step looks it up here
    real = api.derive_steps

    def wrong(expr, var, *args):
        step = real(expr, var, *args)
        return replace(step, result=2 * step.result) if var == y and expr.has(x) else step

    monkeypatch.setattr(api, "derive_steps", wrong)
    d = jacobian("[3x^2(2y+7), 4x + y^2]", "x,y")
    assert d.verification is not None and d.verification.status == "failed"
    assert d.verification.message.startswith("df1/dy")
    g = gradient("3x^2(2y+7)", "x,y")
    assert g.verification.status == "failed" and g.verification.message.startswith("d/dy")
    r = run("jacobian", "[3x^2(2y+7), 4x + y^2]", "--wrt", "x,y")
    assert r.exit_code == 1 and "FAILED" in r.output and "J = [[" in r.output


def test_planted_wrong_intermediate_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """With intermediates the check is against the fully substituted function: a wrong
    local derivative (d/du1 of exp(u1) off by a factor 2) is caught."""
    import matcalc.engine.solver as api      # partial_step looks it up here
    real = api.derive_steps
    u1 = make_symbol("u1")

    def wrong(expr, var, *args):
        step = real(expr, var, *args)
        return replace(step, result=2 * step.result) if var == u1 else step

    monkeypatch.setattr(api, "derive_steps", wrong)
    d = derive("x*u2", where="u1 = x^2; u2 = exp(u1)")
    assert d.verification.status == "failed"
    r = run("derive", "x*u2", "--where", "u1 = x^2; u2 = exp(u1)")
    assert r.exit_code == 1 and "FAILED" in r.output


def test_variables_left_out_come_in_natural_order() -> None:
    """x1, x2, ..., x12 (a digit run compares as a number), not x1, x10, x11, x12, x2:
    in the variables, the header and the columns of the Jacobian (entry (i, j) is
    df_i/dx_j with x_j the j-th in that order, checked against sympy.diff)."""
    import sympy as sp

    from matcalc import jacobian
    from matcalc.engine.step import by_name
    n = 12
    text = "[" + ", ".join(f"x{i}*x{i % n + 1}" for i in range(1, n + 1)) + "]"
    d = jacobian(text, verify=False)
    names = [str(v) for v in d.wrt]
    assert names == [f"x{i}" for i in range(1, n + 1)]
    assert "with respect to x1, x2, x3" in d.render("text")
    xs = sp.symbols(f"x1:{n + 1}")
    fs = [xs[i] * xs[(i + 1) % n] for i in range(n)]
    J = d.results["jacobian"]
    assert all(sp.simplify(J[i, j] - sp.diff(fs[i], xs[j])) == 0
               for i in range(n) for j in range(n))
    assert sorted(sp.symbols("b a x10 x2 x y2 y12"), key=by_name) == \
        list(sp.symbols("a b x x2 x10 y2 y12"))
