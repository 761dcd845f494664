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
                          capture_output=True, text=True, env=env, timeout=120)
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
