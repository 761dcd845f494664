"""Every rule: a data-driven case (input, expected derivative, rule names used), plus sympy.diff."""
from __future__ import annotations

import pytest
import sympy as sp

from matcalc import derive
from matcalc.parse import make_symbol, parse
from matcalc.rules import RULES

from .oracle import assert_same_function, oracle_diff
from .rule_cases import ABSTRACT_CASES, RULE_CASES, sympy_cases

IDS = [f"{i:02d}-{case[0]}-d{case[1]}" for i, case in enumerate(RULE_CASES)]


def _used(*derivations) -> set[str]:
    return {s.rule for d in derivations for top in d.steps for s in top.walk()}


@pytest.mark.parametrize("text,wrt,expected,rules", RULE_CASES, ids=IDS)
def test_rule_case(text: str, wrt: str, expected: str, rules: list[str]) -> None:
    """A case's rules are used at some detail: many table functions' cases are f(2x), whose
    table rule is a step of its own only under detail="full" (the default shows that chain
    as one linear_chain step); both details give the same answer."""
    d = derive(text, wrt, verify=False)
    full = derive(text, wrt, verify=False, detail="full")
    var = make_symbol(wrt)
    used = _used(d, full)
    missing = set(rules) - used
    assert not missing, f"rules {missing} not used; used {sorted(used)}"
    for result in (d.result, full.result):
        # The answer read off the steps equals the hand-written expected derivative ...
        assert_same_function(result, parse(expected), [var])
        # ... and the oracle, sympy.diff.
        assert_same_function(result, oracle_diff(parse(text), var), [var])


@pytest.mark.parametrize("expr,var,expected,rules", sympy_cases())
def test_sympy_built_case(expr, var, expected, rules) -> None:
    d = derive(expr, var)
    full = derive(expr, var, detail="full")        # re(x), conjugate(x): linear inner functions
    assert set(rules) <= _used(d, full), _used(d, full)
    for one in (d, full):
        assert_same_function(one.result, expected, [var])
        assert one.verification.status == "passed"


@pytest.mark.parametrize("text,wrt,expected,rules", ABSTRACT_CASES)
def test_abstract_case(text: str, wrt: str, expected: str, rules: list[str]) -> None:
    """With unknown functions: the expected form exactly, the rules used, and the check
    (random smooth functions substituted) passes."""
    d = derive(text, wrt)
    assert sp.expand(d.result - parse(expected)) == 0
    assert set(rules) <= {s.rule for top in d.steps for s in top.walk()}
    assert d.verification.status == "passed"


def test_every_rule_has_a_case() -> None:
    from matcalc import gradient, jacobian

    from .multi_cases import GRADIENT_CASES, JACOBIAN_CASES, TOTAL_CASES

    used: set[str] = set()
    derivations = [derive(text, wrt, verify=False, detail=detail)
                   for text, wrt, _, _ in RULE_CASES for detail in ("normal", "full")]
    derivations += [derive(text, wrt, verify=False) for text, wrt, _, _ in ABSTRACT_CASES]
    derivations += [gradient(t, w, where=g, verify=False) for t, w, g, _, _ in GRADIENT_CASES]
    derivations += [jacobian(t, w, layout=lay, where=g, verify=False)
                    for t, w, lay, g, _, _ in JACOBIAN_CASES]
    derivations += [derive(t, w, where=g, verify=False) for t, w, g, _, _ in TOTAL_CASES]
    from matcalc import graph

    from .graph_cases import GRAPH_CASES
    derivations += [graph(t, at, where=g, verify=False) for t, at, g, _ in GRAPH_CASES]
    for d in derivations:
        used |= {s.rule for top in d.steps for s in top.walk()}
    for expr, var, _, _ in sympy_cases():
        used |= _used(derive(expr, var, verify=False), derive(expr, var, verify=False,
                                                               detail="full"))
    from .matrix_rule_cases import matrix_rule_examples
    used |= {name for name, _ in matrix_rule_examples()}   # checked by the test below
    from matcalc import hessian
    second = [derive("x^3", "x", order=0, verify=False), derive("x^2", "z", verify=False),
              derive("x^0", verify=False),
              hessian("x^2 y + y^3", "x,y", verify=False),
              hessian("log(sum(exp(x)))", "x", shapes=["x:n"], verify=False),
              hessian("trace(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"], verify=False)]
    used |= {s.rule for d in second for top in d.steps for s in top.walk()}
    assert set(RULES) - used == set(), "every catalogue rule needs a data-driven case"


def test_answer_is_read_off_the_steps() -> None:
    d = derive("ln(sin(x^3)^2)", verify=False)
    assert d.result is d.steps[-1].result
    assert d.steps[-1].expr is d.steps[0].result


def test_chain_steps_follow_the_notes() -> None:
    d = derive("ln(sin(x^3)^2)", verify=False)
    chain = d.steps[0]
    assert chain.rule == "chain"
    x = make_symbol("x")
    defs = dict(chain.definitions)
    u1, u2, u3 = list(defs)
    assert defs[u1] == x ** 3
    assert defs[u2] == sp.sin(u1)
    assert defs[u3] == u2 ** 2
    local = [c for c in chain.children if c.kind == "derivative"]
    assert [c.rule for c in local] == ["power", "sin", "power", "ln"]
    assert local[-1].result == 1 / u3


def test_partial_names_held_constant() -> None:
    d = derive("3x^2(2y+7)", "x", verify=False)
    assert [s.name for s in d.steps[0].held_constant] == ["y"]
    assert "y held constant" in d.steps[0].description


def test_dag_is_differentiated_once_per_node() -> None:
    x = sp.Symbol("x")
    f = x
    for _ in range(30):
        f = sp.sin(f) + f ** 2
    d = derive(f, "x", verify=False, simplify=False)
    n_steps = sum(1 for _ in d.steps[0].walk())
    assert n_steps < 30 * 20, n_steps  # linear in n, not 2^n
    assert any(s.rule == "reuse" for s in d.steps[0].walk())


def _rules_in(steps: list[dict]) -> set[str]:
    out: set[str] = set()
    for s in steps:
        out.add(s["rule"])
        out |= _rules_in(s["children"])
    return out


def test_every_matrix_rule_is_used_by_its_own_example() -> None:
    """Each matrix rule's catalogue example runs, verifies, and applies that very rule."""
    import json

    from click.testing import CliRunner

    from matcalc.cli import main

    from .matrix_rule_cases import matrix_rule_examples

    examples = matrix_rule_examples()
    assert len(examples) >= 25
    for name, args in examples:
        res = CliRunner().invoke(main, args + ["--format", "json"])
        assert res.exit_code == 0, (name, res.output)
        d = json.loads(res.output)
        assert name in _rules_in(d["steps"]), name
        assert d["verification"]["status"] in ("passed", "skipped"), name
