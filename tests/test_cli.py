"""The CLI: a thin layer over the API, with the exit statuses of CONTRACTS.md."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc.cli import main

from .bad_inputs import BAD_INPUTS


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_derive_prints_numbered_chain_rule_and_verification() -> None:
    r = run("derive", "ln(sin(x**3)**2)")
    assert r.exit_code == 0, r.output
    out = r.output
    for text in ("u1 = x^3", "u2 = sin(u1)", "u3 = u2^2", "chain rule", "power rule"):
        assert text in out, text
    assert "6*x^2*cos(x^3)/sin(x^3)" in out
    assert "Verified numerically" in out and "20 random points" in out


def test_partial_derivative_wrt_y() -> None:
    r = run("derive", "3x^2(2y+7)", "--wrt", "y")
    assert r.exit_code == 0, r.output
    assert "6*x^2" in r.output
    assert "holding x constant" in r.output


def test_json_follows_the_contract() -> None:
    r = run("derive", "x e^(x^2)", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["kind"] == "derivative" and doc["wrt"] == ["x"]
    assert set(doc) >= {"matcalc", "kind", "input", "wrt", "shapes", "layout", "results",
                        "steps", "verification"}
    res = doc["results"]["x"]
    import numpy as np
    xs = np.linspace(-1.5, 1.5, 7)
    got = eval(res["numpy"], {"np": np}, {"x": xs})  # noqa: S307 - the contract's own use
    assert np.allclose(got, np.exp(xs ** 2) * (2 * xs ** 2 + 1))
    assert doc["verification"]["status"] == "passed"
    assert doc["steps"][0]["rule"] == "product"


@pytest.mark.parametrize("fmt,marker", [("latex", r"\begin{align*}"), ("markdown", "$$"),
                                        ("numpy", "np.cos")])
def test_formats(fmt: str, marker: str) -> None:
    r = run("derive", "sin(x^2)", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert marker in r.output


def test_no_steps_prints_just_the_result() -> None:
    full, brief = run("derive", "sin(x^2)"), run("derive", "sin(x^2)", "--no-steps")
    assert brief.exit_code == 0
    assert len(brief.output.splitlines()) < len(full.output.splitlines())
    assert "2*x*cos(x^2)" in brief.output


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "d.tex"
    r = run("derive", "x^x", "--format", "latex", "--standalone", "-o", str(target))
    assert r.exit_code == 0, r.output
    assert target.read_text().startswith(r"\documentclass")


def test_several_variables_need_wrt() -> None:
    r = run("derive", "x*y")
    assert r.exit_code == 2
    assert "several variables" in r.output and "Traceback" not in r.output


def test_absent_variable_gives_zero_with_a_note() -> None:
    """Issue 12: a variable that does not occur gives 0, and the step says why."""
    r = run("derive", "x^2", "--wrt", "z")
    assert r.exit_code == 0, r.output
    assert "Result:  dy/dz = 0" in r.output and "does not occur" in r.output
    r = run("grad", "x*y", "--wrt", "x,z")
    assert r.exit_code == 0 and "df/dz = 0" in r.output


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_exits_2_with_one_clear_message(text: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    r = run("derive", text)
    assert time.perf_counter() - start < 2.0
    assert r.exit_code == 2, (text, r.output)
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("error: ") and len(lines) <= 3, r.output
    assert not list(tmp_path.iterdir()), "no side effects"


def test_no_rule_exits_3_naming_the_subexpression(monkeypatch: pytest.MonkeyPatch) -> None:
    import matcalc.parse as parse_mod
    x = sp.Symbol("x")
    monkeypatch.setattr(parse_mod, "parse", lambda text, limits=None: sp.gamma(x) + x)
    r = run("derive", "anything")
    assert r.exit_code == 3
    assert "gamma" in r.output and "no rule" in r.output


def test_failed_check_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted wrong derivative: the result is still printed, the status is 1."""
    import matcalc.engine.solver as api      # partial_step looks it up here
    real = api.derive_steps

    def wrong(expr, var, *args):
        step = real(expr, var, *args)
        from dataclasses import replace
        return replace(step, result=2 * step.result)

    monkeypatch.setattr(api, "derive_steps", wrong)
    r = run("derive", "sin(x^2)")
    assert r.exit_code == 1
    assert "FAILED" in r.output


def test_help_and_version() -> None:
    assert run("--help").exit_code == 0
    assert "derive" in run("--help").output
    assert run("--version").output.strip().endswith("0.1.0")


@pytest.mark.skipif(shutil.which("matcalc") is None, reason="matcalc is not installed")
def test_installed_command_runs_as_a_process(tmp_path: Path) -> None:
    proc = subprocess.run(["matcalc", "derive", "ln(sin(x**3)**2)"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Verified numerically" in proc.stdout
    bad = subprocess.run(["matcalc", "derive", "__import__('os').system('touch pwned')"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert "Traceback" not in bad.stderr and bad.stderr.startswith("error: ")
    assert not (tmp_path / "pwned").exists()


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "matcalc", "derive", "sin(x^2)", "--no-verify"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    assert "2*x*cos(x^2)" in proc.stdout


@pytest.mark.parametrize("changes,phrase", [({"points": 0}, "points"), ({"rtol": 0.0}, "rtol"),
                                            ({"simplify_timeout": 0}, "simplify_timeout"),
                                            ({"layout": "diagonal"}, "layout")])
def test_options_are_validated(changes: dict, phrase: str) -> None:
    from matcalc import Options
    from matcalc.errors import InputError
    with pytest.raises(InputError, match=phrase):
        Options(**changes)


def test_tie_convention_is_visible_in_text_and_latex() -> None:
    """max(f, g) splits a tie evenly: the printed step must say step(u, 1/2), not step(u)."""
    r = run("derive", "max(x, x^2)", "--no-verify")
    assert "step(x^2 - x, 1/2)" in r.output
    latex = run("derive", "max(x, x^2)", "--no-verify", "--format", "latex").output
    assert r"\operatorname{step}" in latex and r"\frac{1}{2}" in latex


def test_wrt_by_name_finds_a_sympy_symbol_with_assumptions() -> None:
    from matcalc import derive
    x = sp.Symbol("x", positive=True)
    d = derive(sp.log(x ** 2), "x")
    assert d.wrt == (x,) and sp.simplify(d.result - 2 / x) == 0
