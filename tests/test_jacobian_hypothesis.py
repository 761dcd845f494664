"""On >= 100 random vector functions of 2-4 variables: matcalc's Jacobian, read off its
steps, equals sympy.Matrix(fs).jacobian(vars) entry by entry (numerically, away from
kinks), in both layouts, with the columns in the order asked for."""
from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matcalc import jacobian

from .exprgen import W, X, Y, Z, expressions_in
from .oracle import assert_same_function, oracle_jacobian

VARIABLES = (X, Y, Z, W)


@st.composite
def vector_functions(draw) -> tuple[list[sp.Basic], list[sp.Symbol]]:
    """(functions, variables): 1-3 functions of k = 2-4 variables, each variable used by
    some function (a missing one is mixed in as variable * expression), the variables
    listed in a random order."""
    k = draw(st.integers(2, 4))
    m = draw(st.integers(1, 3))
    variables = VARIABLES[:k]
    fs = draw(st.lists(expressions_in(variables), min_size=m, max_size=m))
    for v in variables:
        if not any(v in f.free_symbols for f in fs):
            i = draw(st.integers(0, m - 1))
            fs[i] = fs[i] + v * draw(expressions_in(variables, max_leaves=4))
    occurring = [v for v in variables if any(v in f.free_symbols for f in fs)]
    assume(len(occurring) >= 2)      # v * expression may cancel (rarely)
    return fs, draw(st.permutations(occurring))


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(vector_functions())
def test_jacobian_matches_sympy(case) -> None:
    fs, variables = case
    d = jacobian(fs, variables, verify=False, simplify=False)
    got = d.result
    oracle = oracle_jacobian(fs, variables)
    assert d.layout == "numerator" and got.shape == (len(fs), len(variables))
    assert d.steps[-1].rule == "assemble_jacobian" and got is d.steps[-1].result
    for i in range(got.rows):
        for j in range(got.cols):
            assert_same_function(got[i, j], oracle[i, j], variables, rtol=1e-6, min_points=1)
    den = jacobian(fs, variables, layout="denominator", verify=False, simplify=False)
    assert den.steps[-1].rule == "transpose_layout" and den.result == got.T


G1, G2 = sp.Symbol("g1"), sp.Symbol("g2")


@st.composite
def intermediates(draw) -> tuple[sp.Basic, sp.Basic, sp.Basic]:
    """(e1, e2, e3): g1 = e1(x, y), g2 = e2(x, g1) using g1, f = e3(x, g1, g2) using g2;
    without kinks (see the test)."""
    e1 = draw(expressions_in([X, Y], 5, smooth=True))
    e2 = draw(expressions_in([X, G1], 5, smooth=True))
    e3 = draw(expressions_in([X, G1, G2], 6, smooth=True))
    if G1 not in e2.free_symbols:
        e2 = e2 + G1
    if G2 not in e3.free_symbols:
        e3 = e3 * G2
    return e1, e2, e3


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(intermediates())
def test_chain_rules_through_intermediates_match_sympy(case) -> None:
    """g1 = e1(x, y), g2 = e2(x, g1), f = e3(x, g1, g2): the total derivative (grad) and
    the vector chain rule (jacobian of [f, g2]) equal sympy on the substituted functions.

    Functions with kinks are left out: where a composite lies on a kink everywhere
    (g2 = max(g1, x) with g1 = x) the partials' kink convention makes the chain rule's
    sum differ from the derivative - the numeric check reports that case as failed."""
    from matcalc import gradient
    e1, e2, e3 = case
    g2 = e2.subs(G1, e1)
    full = e3.subs(G2, e2).subs(G1, e1)
    assume(X in full.free_symbols)
    where = [("g1", e1), ("g2", e2)]
    d = gradient(e3, "x", where=where, verify=False, simplify=False)
    assert d.steps[0].rule == "intermediate_variables"
    assert_same_function(d.results["x"], oracle_jacobian([full], [X])[0], [X, Y], rtol=1e-6,
                         min_points=0)
    j = jacobian([e3, e2], "x", where=where, verify=False, simplify=False)
    assert j.steps[1].rule == "vector_chain_rule"
    for got, want in zip(j.result, oracle_jacobian([full, g2], [X])):
        assert_same_function(got, want, [X, Y], rtol=1e-6, min_points=0)
