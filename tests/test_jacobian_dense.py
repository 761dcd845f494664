"""Dense Jacobians (issue 17 item 2): an entry's steps are proportional to the terms of
f_i that contain its variable, the terms free of it are grouped into one step (or one
sentence), and every entry equals sympy.diff's (the oracle)."""
from __future__ import annotations

import pickle
import random

import sympy as sp

from matcalc import derive, jacobian
from matcalc.engine.step import Deferred
from matcalc.rules import new_solver
from matcalc.rules.structural import MAX_SHOWN_FREE


def _linear(n: int, seed: int = 5) -> tuple[list, tuple]:
    rng = random.Random(seed)
    xs = sp.symbols(f"x1:{n + 1}")
    return [sp.Add(*[rng.randint(1, 9) * x for x in xs]) for _ in range(n)], xs


def _entries(d) -> list:
    """The top-level entry derivations of a Jacobian, row-major (no simplify steps)."""
    return [s for s in d.steps if s.rule != "assemble_jacobian"]


def _count(step) -> int:
    return sum(1 for _ in step.walk())


def test_dense_entry_steps_do_not_grow_with_the_sum() -> None:
    """d/dx_j sum_k a_ik x_k: the sum rule, the one term a_ij x_j (constant multiple,
    variable; 1 x_j: the variable rule alone), and no step per absent term: the same
    2-3 steps at n = 6 and at n = 30."""
    for n in (6, 30):
        fs, xs = _linear(n)
        d = jacobian(fs, list(xs), verify=False, simplify=False)
        entries = _entries(d)
        assert len(entries) == n * n
        counts = {_count(e) for e in entries}
        assert counts <= {2, 3}, (n, counts)
        assert {e.rule for e in entries} == {"sum"}
        assert all(len(e.children) == 1 for e in entries)


def test_steps_proportional_to_the_terms_holding_the_variable() -> None:
    """f = x1*(x2 + ... ) + x1^2 + x2 x3 + ...: d/dx1 differentiates the two terms holding
    x1, whatever the number of other terms."""
    for n in (5, 40):
        xs = sp.symbols(f"x1:{n + 1}")
        f = xs[0] ** 2 + 3 * xs[0] + sp.Add(*[xs[k] * xs[k + 1] for k in range(1, n - 1)])
        step = derive(f, xs[0], verify=False, simplify=False).steps[0]
        assert step.rule == "sum"
        shown = [c for c in step.children if c.rule != "free_terms"]
        assert len(shown) == 2
        assert _count(step) <= 6
        assert f"the other {len(f.args) - 2} terms do not contain x1" in step.description


def test_dense_entries_equal_sympy_diff() -> None:
    """Linear, product and softmax-like coupling at n = 7: every entry against sympy.diff."""
    n = 7
    xs = sp.symbols(f"x1:{n + 1}")
    s, e = sp.Add(*xs), sp.Add(*[sp.exp(x) for x in xs])
    families = {"linear": _linear(n)[0], "product": [x * s for x in xs],
                "softmax": [sp.exp(x) / e for x in xs],
                "mixed": [sp.sin(xs[i]) * s + xs[(i + 1) % n] ** 2 for i in range(n)]}
    for name, fs in families.items():
        d = jacobian(fs, list(xs), verify=False, simplify=False)
        J = d.results["jacobian"]
        for i in range(n):
            for j in range(n):
                gap = sp.expand(sp.together(J[i, j] - sp.diff(fs[i], xs[j])))
                assert gap == 0 or sp.simplify(gap) == 0, (name, i, j)


def test_small_sum_reads_as_before() -> None:
    """x^2 + 3x + 5: the power and constant-multiple steps; the number 5 is dropped with
    the sum rule's words, no step of its own."""
    step = derive("x^2 + 3x + 5", "x", verify=False).steps[0]
    assert step.rule == "sum"
    assert [c.rule for c in step.children] == ["power", "constant_multiple"]
    assert "1 constant term contributes 0" in step.description
    assert sp.simplify(step.result - sp.diff(sp.Symbol("x") ** 2 + 3 * sp.Symbol("x"),
                                             sp.Symbol("x"))) == 0


def test_free_terms_grouped_into_one_step() -> None:
    """d/dy (3x + 2y + 5z + 1): 2y by its rule, 3x + 5z as ONE free_terms step = 0, and
    the sum rule says the other 3 terms do not contain y."""
    x, y, z = sp.symbols("x y z")
    d = jacobian([3 * x + 2 * y + 5 * z + 1], [x, y, z], verify=False, simplify=False)
    dy = _entries(d)[1]
    assert dy.wrt == y and dy.rule == "sum"
    free = [c for c in dy.children if c.rule == "free_terms"]
    assert len(free) == 1
    assert free[0].result == 0 and set(free[0].expr.args) == {3 * x, 5 * z}
    assert "the other 3 terms do not contain y" in dy.description
    assert "3*x + 5*z" in free[0].description


def test_many_free_terms_are_one_sentence_not_one_held_expression() -> None:
    """Above MAX_SHOWN_FREE terms free of x, no step holds them (a dense f_i would put its
    n terms in each of n^2 entries): the sum rule's sentence counts them."""
    n = MAX_SHOWN_FREE + 5
    xs = sp.symbols(f"x1:{n + 1}")
    step = derive(sp.Add(*[x ** 2 for x in xs]), xs[2], verify=False, simplify=False).steps[0]
    assert [c.rule for c in step.children] == ["power"]
    assert f"the other {n - 1} terms do not contain x3: their derivative is 0" \
        in step.description


def test_dependent_args_in_order() -> None:
    xs = sp.symbols("x1:9")
    f = sp.Add(*[xs[k] * xs[(k + 1) % 8] for k in range(8)]) + 7
    solver = new_solver([f])
    for x in xs:
        expected = tuple(a for a in f.args if x in a.free_symbols)
        assert solver.dependent_args(f, x) == expected
        assert solver.depends(f, x)
    assert solver.dependent_args(f, sp.Symbol("y")) == ()
    assert not solver.depends(f, sp.Symbol("y"))


def test_deferred_description_reads_as_text() -> None:
    x = sp.Symbol("x")
    step = derive("3 sin(x)", "x", verify=False, simplify=False).steps[0]
    assert step.rule == "constant_multiple"
    assert step.description == ("Constant multiple rule: 3 does not depend on x, so it "
                                "stays as a factor.")
    note = Deferred(lambda e: f"about {e}", x)
    assert str(note) == "about x"
    assert str(pickle.loads(pickle.dumps(Deferred(str.upper, "abc")))) == "ABC"
