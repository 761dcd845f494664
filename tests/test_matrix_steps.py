"""Every named step of every case is true, checked numerically and independently of the
final answer:

* a differential step d(E) = R: R at a random direction dV equals the central difference
  of E along dV (R is linear in dV);
* a rewrite (expand_differential, trace_form, jacobian_form, collect_terms): both sides
  have the same value at a random point (and random dV);
* read_off_gradient tr(G^T dV) -> G: <G, dV> equals the trace form; read_off_jacobian
  J dV -> J: J dV equals it;
* the top step's result is the derivation's result.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import sympy as sp
from sympy import MatrixSymbol

from matcalc import derive, jacobian
from matcalc.engine.step import Step
from matcalc.verify.evaluate import evaluate
from matcalc.matrix.printing import matrix_syntax

from .matrix_cases import CASES, SIZES, Case, draw, sizes_for

SAME = {"expand_differential", "trace_form", "jacobian_form", "collect_terms",
        # the matrix simplify step and its identities (none of these needs an assumption)
        "matrix_simplify", "cancel_quotient", "sum_broadcast", "outer_product", "distribute",
        "positive_first"}
H = 1e-5


@cache
def derivation(case: Case):
    call = jacobian if case.kind == "jacobian" else derive
    return call(case.expr, case.wrt, shapes=list(case.shapes), verify=False)


def _walk(step: Step):
    yield step
    for child in step.children:
        yield from _walk(child)


def _values(case: Case, step_exprs, sizes: dict[str, int], rng) -> dict:
    """The case's variables, plus random values for dV (and any other symbol in the steps)."""
    values = draw(case, sizes, point=0)
    dims = {sp.Symbol(k): v for k, v in sizes.items()}
    for e in step_exprs:
        if not isinstance(e, sp.Basic):
            continue
        for s in e.atoms(MatrixSymbol):
            if s.name not in values:
                r, c = (int(sp.sympify(d).xreplace(dims)) for d in s.shape)
                values[s.name] = rng.standard_normal((r, c))
        for s in e.atoms(sp.Symbol):
            if s.name not in values and s not in dims and not isinstance(s, sp.Dummy):
                values[s.name] = float(rng.standard_normal())
    return values


def _value(e, values, dims):
    with np.errstate(all="ignore"):
        return np.asarray(evaluate(e, values, dims), dtype=float)


def _close(a, b, what: str, rtol: float = 1e-8) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 1 and b.size == 1:       # a 1 x 1 matrix and its scalar are the same here
        a, b = a.reshape(()), b.reshape(())
    assert a.shape == b.shape, (what, a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    assert np.allclose(a, b, rtol=rtol, atol=rtol * scale), (what, a, b)


PARAMS = [pytest.param(c, s, id=f"{c.id}-sizes{k}") for c in CASES for k, s in enumerate(SIZES)]


@pytest.mark.parametrize("case,all_sizes", PARAMS)
def test_every_step_holds_numerically(case: Case, all_sizes: dict[str, int]) -> None:
    d = derivation(case)
    sizes = sizes_for(case, all_sizes)
    dims = {sp.Symbol(k): v for k, v in sizes.items()}
    steps = [s for top in d.steps for s in _walk(top)]
    rng = np.random.default_rng(17)
    values = _values(case, [e for s in steps for e in (s.expr, s.result)], sizes, rng)
    var = case.wrt
    dvar = f"d{var}"
    checked = set()
    for s in steps:
        what = f"[{s.rule}] {matrix_syntax(s.expr)} -> {matrix_syntax(s.result)}"
        if s.kind in ("differential", "reuse"):
            if dvar not in values:          # the variable does not occur in this step
                continue

            def f(h, e=s.expr):
                return _value(e, {**values, var: values[var] + h * values[dvar]}, dims)
            fd = (f(H) - f(-H)) / (2 * H)
            _close(_value(s.result, values, dims), fd, what, rtol=1e-5)
        elif s.rule in SAME:
            _close(_value(s.result, values, dims), _value(s.expr, values, dims), what)
        elif s.rule == "read_off_gradient":
            g = _value(s.result, values, dims)
            _close(np.sum(g * values[dvar]), _value(s.expr, values, dims), what)
        elif s.rule == "read_off_jacobian":
            j = _value(s.result, values, dims)
            dv = np.asarray(values[dvar], dtype=float)
            _close(j @ dv if j.ndim == 2 and dv.ndim == 2 else j * dv,
                   _value(s.expr, values, dims), what)
        else:
            continue
        checked.add(s.rule)
    assert checked & {"read_off_gradient", "read_off_jacobian"}, sorted(checked)
    top = d.steps[0]
    assert top.rule == "matrix_differential"
    last = d.steps[-1]                        # the matrix simplify step, when it applies
    assert last.result == d.results[case.result_key]
    assert last is top or (last.rule == "matrix_simplify" and last.expr == top.result)
