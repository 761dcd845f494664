"""Start-up stays cheap (issue 10, item 7).

* ``matcalc --version``, ``matcalc --help`` and every command's ``--help`` import neither
  SymPy nor NumPy.
* A whole ``matcalc derive "x^2"`` never loads ``sympy.physics`` (SymPy's simplify imports
  sympy.physics.units, 0.1-0.3 s, only to ask whether the expression holds a unit).
* The public names of ``matcalc`` are still there (loaded on first use).

Each check runs in a fresh interpreter: this process has long since imported everything.
The time figure itself is measured by bench/bench_startup.py, never by a test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: runs ``main(ARGS)`` in a fresh interpreter, then prints what was loaded, as JSON
PROBE = """
import contextlib, io, json, sys
from matcalc.cli import main
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        main(json.loads(sys.argv[1]), prog_name="matcalc")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"sympy", "numpy", "mpmath"})
physics = sorted(m for m in sys.modules if m.startswith("sympy.physics"))
print(json.dumps({"code": code, "loaded": loaded, "physics": physics, "out": out.getvalue()}))
"""


def probe(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _commands() -> list[str]:
    from matcalc.cli import main
    return sorted(main.commands)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("derive", "--help")],
                         ids=" ".join)
def test_version_and_help_import_neither_sympy_nor_numpy(args: tuple[str, ...]) -> None:
    got = probe(*args)
    assert got["code"] in (0, None)
    assert got["out"].strip()
    assert got["loaded"] == [], f"matcalc {' '.join(args)} imported {got['loaded']}"


def test_every_command_help_imports_neither_sympy_nor_numpy() -> None:
    for name in _commands():
        got = probe(name, "--help")
        assert "Usage: matcalc " + name in got["out"]
        assert got["loaded"] == [], f"matcalc {name} --help imported {got['loaded']}"


def test_derive_never_loads_sympy_physics() -> None:
    got = probe("derive", "x^2")
    assert got["code"] == 0 and "2*x" in got["out"] and "Verified" in got["out"]
    assert "sympy" in got["loaded"]
    assert got["physics"] == [], f"a derivation loaded {got['physics']}"


@pytest.mark.parametrize("args", [
    ("grad", "3x^2(2y+7)", "--wrt", "x,y"),
    ("derive", "x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt", "x"),
    ("graph", "3*(a + b*c)", "--at", "a=5,b=3,c=2"),
    ("backprop", "worked_examples/programs/mlp_2layer.mc", "--wrt", "W1,b1,W2,b2"),
], ids=lambda a: a[0] + " " + a[1])
def test_other_kinds_never_load_sympy_physics(args: tuple[str, ...]) -> None:
    got = probe(*args)
    assert got["code"] == 0, got["out"]
    assert got["physics"] == [], f"matcalc {' '.join(args)} loaded {got['physics']}"


def test_public_names_load_on_first_use() -> None:
    import matcalc
    from matcalc import (Derivation, Limits, Options, backprop, derive, gradient, graph,
                         jacobian)
    assert set(matcalc.__all__) <= set(dir(matcalc))
    assert isinstance(derive("x^3"), Derivation)
    assert callable(gradient) and callable(jacobian) and callable(graph)
    assert callable(backprop) and Options().verify in (True, False) and Limits()
    with pytest.raises(AttributeError):
        matcalc.no_such_name  # noqa: B018


UNITS = """
import sys
import sympy as sp
from matcalc.engine.simplify import without_units
x = sp.Symbol("x")
with without_units():
    assert sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2) == 1
    assert "sympy.physics" not in sys.modules
    from sympy.physics.units import meter         # asked for: the real package loads
assert sys.modules["sympy.physics.units"].meter is meter
from sympy.physics.units import Quantity
assert isinstance(meter, Quantity)
with without_units():                             # loaded now: used as it is
    assert sp.simplify(2 * meter + meter) == 3 * meter
print("ok")
"""


def test_simplify_without_units_never_hides_the_real_package() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", UNITS], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_the_command_leaves_the_process_as_it_found_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner runs commands in this process: the collector and the environment are
    restored after each (matcalc/startup.py)."""
    import gc

    from click.testing import CliRunner

    from matcalc.cli import main
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    frozen = gc.get_freeze_count()
    for args in (["derive", "x^2"], ["derive", "sinn(x)"], ["rules"], ["--version"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 2), result.output
        assert gc.isenabled(), args
        assert gc.get_freeze_count() == frozen, args
        assert "OPENBLAS_NUM_THREADS" not in os.environ, args
    gc.disable()
    try:                                   # a caller's choice is kept
        CliRunner().invoke(main, ["derive", "x^2"])
        assert not gc.isenabled()
    finally:
        gc.enable()


BLAS = """
import os, click
from matcalc import startup
ctx = click.Context(click.Command("x"))
startup.begin(ctx)
during = os.environ.get("OPENBLAS_NUM_THREADS")
ctx.close()
print(during, os.environ.get("OPENBLAS_NUM_THREADS"))
"""


@pytest.mark.parametrize("chosen, expected", [({}, "1 None"),
                                              ({"OMP_NUM_THREADS": "2"}, "None None"),
                                              ({"OPENBLAS_NUM_THREADS": "2"}, "2 2")])
def test_one_blas_thread_unless_the_user_chose(chosen: dict, expected: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(chosen, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", BLAS], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == expected.split()
