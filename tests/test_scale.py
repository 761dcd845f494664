"""Issue 17: Jacobian memory linear in its entries, simplification that does not depend on
the clock, SymPy's units package never loaded by simplify.

Properties, not timings: a tracemalloc peak ratio between two sizes, and the same outputs
whatever the wall clock does.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import sympy as sp

import matcalc
from matcalc.engine import simplify as simp
from matcalc.engine.step import HeldSet, Step, hold_constant

ROOT = Path(__file__).resolve().parents[1]


def _diagonal_peak(n: int) -> int:
    xs = sp.symbols(f"x1:{n + 1}")
    fs = [sp.sin(x) * x ** 2 + sp.tanh(x) for x in xs]
    tracemalloc.start()
    try:
        d = matcalc.jacobian(fs, list(xs), verify=False, simplify=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert d.result[n - 1, n - 1] == sp.diff(fs[-1], xs[-1])      # the real Jacobian
    assert d.result[0, n - 1] == 0
    return peak


def test_diagonal_jacobian_memory_is_linear_in_its_entries() -> None:
    """n^2 entries: doubling n may at most quadruple the memory (n^3, as when every entry
    listed its n - 1 held-constant symbols and named them in its description, tends to
    8x), and each entry costs a bounded number of bytes (before: about 2,000 at n = 60)."""
    _diagonal_peak(5)                                   # imports and caches out of the way
    small, large = _diagonal_peak(40), _diagonal_peak(80)
    assert large / small < 4.5, f"peak {small / 2**20:.1f} -> {large / 2**20:.1f} MiB"
    assert large / 80 ** 2 < 1_000, f"{large / 80 ** 2:.0f} bytes per entry"


def test_entries_refer_to_one_held_constant_record() -> None:
    x, y, z = sp.symbols("x y z")
    d = matcalc.jacobian([x * y, y * z, z * x], [x, y, z], verify=False, simplify=False)
    entries = [s for s in d.steps if s.held_constant]
    records = {id(s.held_constant.record) for s in entries}      # type: ignore[attr-defined]
    assert len(entries) == 9 and len(records) == 1
    by_var = {s.wrt: s for s in entries}
    assert by_var[x].held_constant == (y, z) and tuple(by_var[y].held_constant) == (x, z)
    assert by_var[z].description.endswith("(partial derivative: x, y held constant)")


def test_a_held_view_reads_as_the_tuple_it_stands_for() -> None:
    a, b, c = sp.symbols("a b c")
    held = HeldSet([c, a, b]).without(b)
    assert held == (a, c) and len(held) == 2 and list(held) == [a, c] and held[1] == c
    assert bool(HeldSet([a]).without(a)) is False
    step = hold_constant(Step("power", "derivative", b ** 2, 2 * b, "Power rule.", b), held)
    assert step.description == "Power rule. (partial derivative: a, c held constant)"
    assert isinstance(step.description, str)


# --------------------------------------------------------------------- deterministic simplify

X, Y = sp.symbols("x y")
#: Results on both sides of FULL_WORK and one for the light pass only.
RESULTS = [
    sp.sin(X) ** 2 + sp.cos(X) ** 2 + X,
    (X ** 2 - 1) / (X - 1) + sp.exp(X) * sp.exp(2 * X),
    sp.Max(X, sp.tan(sp.tanh(sp.Rational(1, 2)))) * sp.Abs(X - 1) * sp.sin(Y) * X
    + sp.Max(X, sp.tan(sp.tanh(sp.Rational(1, 2)))) * sp.Abs(X - 1) * X ** 2,
]


def _outputs(results, timeout: float = 10.0) -> list[tuple[str, str]]:
    out = []
    for r in results:
        step = simp.simplify_step(r, X, timeout=timeout)
        out.append((str(step.result), step.description))
    return out


def test_the_work_budget_decides_and_the_clock_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine slowed down (every SymPy simplify 0.3 s late) or a different safety net
    gives the same steps; the light pass is what the third result gets, on work alone."""
    works = [simp.work(r) for r in RESULTS]
    assert works[0] <= simp.FULL_WORK < works[2] <= simp.LIGHT_WORK, works
    idle = _outputs(RESULTS)
    assert _outputs(RESULTS, timeout=60.0) == idle
    real_simplify, real_light = sp.simplify, simp._light

    def slow(fn):
        def wrapper(*args, **kwargs):
            time.sleep(0.3)
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(simp.sp, "simplify", slow(real_simplify))
    monkeypatch.setattr(simp, "_light", slow(real_light))
    assert _outputs(RESULTS) == idle
    assert idle[0][0] == str(X + 1) and "Take out common factors" in idle[2][1]
    assert all(" s " not in text and "second" not in text for _, text in idle)


def test_a_high_power_weighs_its_degree() -> None:
    """SymPy's powsimp and polynomial algebra on x^1000 run for minutes (a single call
    the budget cannot interrupt): u^k with |k| > 12 weighs |k|, so d tanh(x^1000)/dx is
    kept as derived, while textbook powers weigh as before."""
    big = 1000 * X ** 999 * (1 - sp.tanh(X ** 1000) ** 2)
    assert simp.work(big) > simp.LIGHT_WORK
    step = simp.simplify_step(big, X)
    assert step.result == big and "kept as derived" in step.description
    assert simp.work(X ** 12) == simp.work(X ** 2) and simp.work(X ** 13) == 13 + 2


def test_a_command_shares_a_work_budget_not_a_time_budget() -> None:
    """Past the shared work, steps get the light pass, whatever the time: the same
    steps with the shared budget spent fast or slowly."""
    def run(delay: float) -> list[str]:
        with simp.simplify_budget(60.0, shared_work=2 * simp.work(RESULTS[1])):
            out = []
            for r in [RESULTS[1]] * 3:
                time.sleep(delay)
                out.append(simp.simplify_step(r, X).description)
        return out

    fast = run(0.0)
    assert fast[:2] == ["Simplify (collect, cancel, factor)."] * 2
    assert "budget of this command is spent" in fast[2]
    assert run(0.2) == fast


def test_simplify_never_loads_the_units_package() -> None:
    code = ("import sys, matcalc\n"
            "matcalc.derive('sin(x)^2 + cos(x)^2', 'x')\n"
            "matcalc.derive('x*relu(x)*abs(x - 1)*max(x, tan(tanh(1/2)))*sin(x)^3', 'x')\n"
            "matcalc.jacobian('[x*y, sin(x) + y]', 'x,y')\n"
            "print(sorted(m for m in sys.modules if m.startswith('sympy.physics')))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
