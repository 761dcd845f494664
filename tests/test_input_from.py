"""--from auto|plain|latex (CLI, API from_=, notes from = "...") and derivative prefixes
for grad, jacobian and hessian (issue 14, items 2 and 3). Expected results are written
out by hand or taken from sympy.diff on the plain-syntax expression."""
from __future__ import annotations

import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import api
from matcalc.cli import main
from matcalc.errors import MatcalcError
from matcalc.parse.prefix import prefixed, split_prefix

x, y = sp.symbols("x y")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("text, latex_reading", [
    ("x^2", x**2),                      # the same in both syntaxes
    ("sin x", sp.Symbol("s") * sp.Symbol("i") * sp.Symbol("n") * x),  # LaTeX: letters
    (r"\frac{x}{2}", x / 2),
])
def test_from_latex_forces_the_latex_reader(text, latex_reading):
    d = api.derive(text, "x", from_="latex", verify=False)
    assert sp.simplify(d.result - sp.diff(latex_reading, x)) == 0


def test_from_plain_reads_sin_x_as_the_function():
    assert api.derive("sin x", "x", from_="plain", verify=False).result == sp.cos(x)


def test_from_plain_refuses_a_backslash_at_its_column():
    with pytest.raises(MatcalcError) as err:
        api.derive(r"x + \sin x", "x", from_="plain")
    text = err.value.format()
    assert "--from latex" in text and "column 5" in text


def test_auto_reads_a_backslash_as_latex():
    assert api.derive(r"x^{3} \cdot \ln x", "x", verify=False).result.equals(
        sp.diff(x**3 * sp.log(x), x))


def test_bad_from_value():
    with pytest.raises(MatcalcError):
        api.derive("x", "x", from_="tex")


@pytest.mark.parametrize("command", [
    ["derive", r"\frac{1}{x}", "--from", "latex"],
    ["grad", r"\frac{x}{y}", "--from", "latex", "--wrt", "x,y"],
    ["jacobian", r"[x y, \sin x]", "--from", "latex", "--wrt", "x,y"],
    ["hessian", r"x^{3} y", "--from", "latex", "--wrt", "x,y"],
    ["check", r"\sin(x^{2})", "--answer", r"2x \cos(x^{2})", "--from", "latex"],
])
def test_every_command_takes_from_latex(command):
    r = run(*command, "--no-steps") if command[0] != "check" else run(*command)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("command", [
    ["derive", r"\frac{1}{x}", "--from", "plain"],
    ["grad", r"\frac{x}{y}", "--from", "plain"],
    ["check", r"\sin(x)", "--answer", "cos(x)", "--from", "plain"],
])
def test_from_plain_is_one_line_exit_2(command):
    r = run(*command)
    assert r.exit_code == 2
    assert r.output.startswith("error: ") and "Traceback" not in r.output
    assert "column 1" in r.output


def test_latex_error_points_at_the_latex_column():
    r = run("derive", r"\frac{x}{ + 1", "--from", "latex")
    assert r.exit_code == 2
    assert "column" in r.output


def test_check_derivation_in_latex():
    text = "\\frac{d}{dx} \\sin(x^2)\n= \\cos(x^{2}) \\cdot 2x\n"
    d = api.check(derivation=text)
    assert d.attachments["check"].correct


def test_notes_entry_from_latex(tmp_path):
    from matcalc.notes import load_notes
    path = tmp_path / "n.toml"
    path.write_text('title = "t"\n[[section]]\ntitle = "S"\n[[section.derivation]]\n'
                    'kind = "derive"\nfrom = "plain"\nexpr = "sin x"\nwrt = "x"\n')
    notes = load_notes(str(path))
    entry = notes.sections[0].entries[0]
    assert entry.overrides["from_"] == "plain"
    from matcalc.notes import derive_all
    (outcome,) = derive_all(notes)
    assert outcome.derivation.result == sp.cos(x)      # plain: sin x is sin(x)
    path.write_text(path.read_text().replace('from = "plain"', 'from = "latex"'))
    (outcome,) = derive_all(load_notes(str(path)))
    assert outcome.derivation.result == sp.Symbol("s") * sp.Symbol("i") * sp.Symbol("n")
    path.write_text(path.read_text().replace('from = "latex"', 'from = "plain"'))
    path.write_text(path.read_text().replace('from = "plain"', 'from = "tex"'))
    with pytest.raises(MatcalcError):
        load_notes(str(path))


# ------------------------------------------------------------------ prefixes
@pytest.mark.parametrize("text, names", [
    ("d/dx x^2", "x"), (r"\frac{\partial}{\partial x} x y", "x"),
    ("d/d(x, y) x y", "x,y"), (r"\frac{\partial}{\partial (w_1, b)} w_1 b", "w_1,b"),
    ("\u2202/\u2202(x,y) x y", "x,y"), ("d/d(x+1) x", None),
])
def test_prefix_names(text, names):
    p = split_prefix(text)
    assert p.var == names
    if names is not None:
        assert len(p.body) == len(text) and p.body[p.end:] == text[p.end:]


def test_grad_prefix_names_the_variables():
    d = api.gradient(r"\frac{\partial}{\partial (x, y)} x^2 y", verify=False)
    assert d.results == {"x": 2 * x * y, "y": x**2}
    assert [str(v) for v in d.wrt] == ["x", "y"]
    d = api.gradient("d/dy x^2 y", verify=False)
    assert [str(v) for v in d.wrt] == ["y"]


def test_jacobian_prefix_names_the_column_order():
    d = api.jacobian("d/d(y, x) [x y^2, x]", verify=False)
    assert [str(v) for v in d.wrt] == ["y", "x"]
    assert sp.Matrix(d.result) == sp.Matrix([[2 * x * y, y**2], [0, 1]])


def test_hessian_and_shaped_prefixes():
    d = api.hessian("d/d(x, y) x^3 y", verify=False)
    assert sp.Matrix(d.result) == sp.Matrix([[6 * x * y, 3 * x**2], [3 * x**2, 0]])
    d = api.derive("d/dx x.T @ A @ x", shapes=["x:n", "A:n,n"], verify=False)
    assert [str(v) for v in d.wrt] == ["x"]


@pytest.mark.parametrize("subject, wrt, several", [
    ("d/d(x, y) x y", None, False), ("d/dx x y", "y", True), ("d/d(x,y) x y", "y,x", True)])
def test_prefix_conflicts(subject, wrt, several):
    with pytest.raises(ValueError):
        prefixed(subject, wrt, several)


def test_prefix_conflict_is_exit_2():
    r = run("grad", "d/dx x y", "--wrt", "y")
    assert r.exit_code == 2 and "--wrt is y" in r.output
