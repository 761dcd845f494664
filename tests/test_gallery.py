"""`matcalc examples`: the gallery ships with the package, runs, renders."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcalc.cli import main
from matcalc.gallery import GALLERY, agrees, examples, find, run
from matcalc.kinds import COMMON_OPTIONS, KINDS

from .latexcheck import check_latex


def cli(*args: str):
    return CliRunner().invoke(main, ["examples", *args])


def test_gallery_is_a_table_keyed_by_registered_kinds() -> None:
    assert set(GALLERY) <= set(KINDS)
    names = [e.name for e in examples()]
    assert len(names) == len(set(names)) >= 30
    for e in examples():
        assert set(e.options) <= set(KINDS[e.kind].options) | set(COMMON_OPTIONS), e.name


def test_list() -> None:
    r = cli("list")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert len(lines) == len(examples())
    assert lines[0].split()[:2] == ["ln_sin_cube_squared", "derive"]


def test_run_all_verifies_and_agrees_with_the_notes() -> None:
    r = cli("run")
    assert r.exit_code == 0, r.output
    header, *rows, total = r.output.splitlines()
    assert header.split() == ["name", "kind", "verified", "notes", "time"]
    assert len(rows) == len(examples())
    assert all(row.split()[2] == "passed" and row.split()[3] in ("yes", "-")
               and row.endswith(" ms") for row in rows)
    compared = sum(row.split()[3] == "yes" for row in rows)
    assert compared >= 30
    assert total.startswith(f"{len(rows)} of {len(rows)} verified; {compared} of {compared} "
                            "agree with the notes' own answer")


def test_run_one_and_an_unknown_name() -> None:
    r = cli("run", "sin_x_squared")
    assert r.exit_code == 0 and len(r.output.splitlines()) == 3
    r = cli("run", "sin_x_squard")
    assert r.exit_code == 2
    assert r.output.startswith("error: no worked example named 'sin_x_squard' "
                               "(did you mean sin_x_squared")


def test_a_wrong_answer_is_caught() -> None:
    d = find("sin_x_squared")
    from matcalc.gallery import derive_example
    result = derive_example(d).result
    assert agrees(result, "2x cos(x^2)") and not agrees(result, "x cos(x^2)")
    assert run(["jacobian_f_g"])[0].seed == "yes"


@pytest.mark.parametrize("fmt", ["latex", "text", "markdown", "json", "numpy"])
def test_render_formats(fmt: str) -> None:
    r = cli("render", "jacobian_f_g", "--format", fmt)
    assert r.exit_code == 0, r.output
    if fmt == "latex":
        assert r"\begin{align*}" in r.output and check_latex(r.output) == []


def test_render_standalone_to_files(tmp_path: Path) -> None:
    out = tmp_path / "j.tex"
    r = cli("render", "vector_chain_rule_ln_sin", "--standalone", "-o", str(out))
    assert r.exit_code == 0 and out.read_text().startswith(r"\documentclass")
    if shutil.which("pdflatex"):
        pdf = tmp_path / "j.pdf"
        r = cli("render", "vector_chain_rule_ln_sin", "-o", str(pdf))
        assert r.exit_code == 0, r.output
        assert pdf.read_bytes().startswith(b"%PDF")


def test_handout(tmp_path: Path) -> None:
    r = cli("handout")
    assert r.exit_code == 0 and r.output.startswith("# A sample handout")
    r = cli("handout", "-o", str(tmp_path / "h.toml"))
    assert r.exit_code == 0 and (tmp_path / "h.toml").read_text() == cli("handout").output


def test_package_data_declares_the_handout() -> None:
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"gallery/*.toml"' in text


def test_render_with_notation() -> None:
    r = cli("render", "activation_jacobian", "--notation", "sigmoid=operatorname",
            "--notation", "detail=brief")
    assert r.exit_code == 0, r.output
    assert r"\operatorname{sigmoid}" in r.output and "constant rule" not in r.output
    r = cli("render", "sin_x_squared", "--notation", "partial=yes")
    assert r.exit_code == 2 and "partial must be true or false" in r.output


def test_backprop_programs_are_the_worked_examples_programs() -> None:
    from matcalc.gallery.data import LOGISTIC_REGRESSION, MLP_2LAYER
    programs = Path(__file__).resolve().parents[1] / "worked_examples" / "programs"
    assert MLP_2LAYER == (programs / "mlp_2layer.mc").read_text()
    assert LOGISTIC_REGRESSION == (programs / "logistic_regression.mc").read_text()


def test_every_kind_has_examples() -> None:
    assert set(GALLERY) == set(KINDS)
