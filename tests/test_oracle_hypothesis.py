"""On >= 500 random expression trees: the steps' answer equals sympy.diff, and nothing crashes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from matcalc.rules import derive_steps

from .exprgen import X, expressions
from .oracle import assert_same_function, oracle_diff


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions)
def test_steps_match_sympy_diff(expr) -> None:
    step = derive_steps(expr, X)
    assert_same_function(step.result, oracle_diff(expr, X), [X], rtol=1e-6, min_points=1)
