"""The one pipeline: its order, its switches and its stage budgets, with a toy plug-in."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
import sympy as sp

from matcalc.errors import LimitError
from matcalc.kinds.request import Request
from matcalc.options import Limits, Options
from matcalc.pipeline import Built, Plugin, run
from matcalc.verify.result import Verification

x = sp.Symbol("x")


def toy(calls: list[str], slow: str = "") -> Plugin:
    """A plug-in that records the stages it is asked for (and can stall in one)."""
    def stage(name, value):
        calls.append(name)
        if name == slow:
            while True:               # an endless stage: only the budget stops it
                time.sleep(0.01)
        return value

    built = Built("derivative", "x^2", x**2, (x,), (), {"x": 2 * x}, 2 * x)
    return Plugin("toy",
                  read=lambda r: stage("read", r.subject),
                  build=lambda p: stage("build", built),
                  check=lambda p, b: stage("check", Verification("passed", "toy", points=1)),
                  simplify=lambda p, b: stage("simplify", b))


def test_stages_run_in_the_one_order() -> None:
    calls: list[str] = []
    d = run(toy(calls), Request("toy", "x^2"))
    assert calls == ["read", "build", "simplify", "check"]
    assert d.result == 2 * x and d.verification.status == "passed"


def test_switches_leave_out_simplify_and_verify() -> None:
    calls: list[str] = []
    opts = replace(Options(), simplify=False, verify=False)
    d = run(toy(calls), Request("toy", "x^2", options=opts))
    assert calls == ["read", "build"] and d.verification is None


@pytest.mark.parametrize("stage, field", [("read", "read_seconds"), ("build", "build_seconds"),
                                          ("check", "verify_seconds")])
def test_a_stage_over_its_budget_is_a_limit_error_naming_it(stage: str, field: str) -> None:
    opts = replace(Options(), limits=replace(Limits(), **{field: 0.3}))
    start = time.monotonic()
    with pytest.raises(LimitError) as info:
        run(toy([], slow=stage), Request("toy", "x^2", options=opts))
    assert time.monotonic() - start < 0.3 + 1.0
    name = "verify" if stage == "check" else stage
    assert f"the {name} stage: over its time limit of 0.3 s" in str(info.value)


def test_realness_of_a_call_is_asked_only_of_constants() -> None:
    """tanh(x^1000): SymPy's realness test would expand (a + bi)^1000 (a hang before)."""
    from matcalc.parse import parse
    start = time.monotonic()
    assert parse("tanh(x^1000)") == sp.tanh(x**1000)
    assert time.monotonic() - start < 5.0         # no hang (it took minutes)
    from matcalc.errors import ParseError
    with pytest.raises(ParseError, match="not a real number"):
        parse("asin(2)")
