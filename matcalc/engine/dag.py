"""DAG-aware helpers over SymPy trees.

SymPy's own walkers (``free_symbols``, ``has``, ``xreplace``, ``str``) treat a shared
sub-expression once per *path*, which is exponential for deep compositions such as
f_n = sin(f_{n-1}) + f_{n-1}^2. These helpers visit each distinct node once.
"""
from __future__ import annotations

from typing import Callable, Iterable

import sympy as sp

from ..functions import ConstantMemo, as_typed, is_constant


def as_basic(value: object) -> sp.Basic:
    """A SymPy object from a SymPy object or a Python number, never from text.

    (``sympify`` would hand a string to Python's eval; matcalc never does that.)
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a SymPy expression or a number, got {type(value).__name__}")
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value)


def postorder(roots: Iterable[sp.Basic]) -> list[sp.Basic]:
    """Distinct nodes reachable from ``roots``, children before parents (iterative, no recursion)."""
    seen: set[int] = set()
    order: list[sp.Basic] = []
    for root in roots:
        if id(root) in seen:
            continue
        stack: list[tuple[sp.Basic, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for a in reversed(node.args):
                if id(a) not in seen:
                    stack.append((a, False))
    return order


def tree_size(expr: sp.Basic, memo: dict[int, int] | None = None) -> int:
    """Number of nodes of ``expr`` as a *tree* (what printing it in full costs), in DAG time."""
    memo = {} if memo is None else memo
    for node in postorder([expr]):
        if id(node) not in memo:
            memo[id(node)] = 1 + sum(memo[id(a)] for a in node.args)
    return memo[id(expr)]


def dag_size(expr: sp.Basic) -> int:
    """Number of distinct nodes of ``expr``."""
    return len(postorder([expr]))


def free_symbols(expr: sp.Basic) -> set[sp.Symbol]:
    """The free symbols of ``expr``, visiting each distinct node once."""
    return {n for n in postorder([expr]) if isinstance(n, sp.Symbol)}


def rebuild(expr: sp.Basic, leaf: Callable[[sp.Basic], sp.Basic | None],
            memo: dict[int, sp.Basic] | None = None,
            build: Callable[[sp.Basic, tuple], sp.Basic] | None = None,
            constants: ConstantMemo | None = None) -> sp.Basic:
    """Rebuild ``expr`` bottom-up, replacing any node for which ``leaf`` returns non-None.

    The DAG-aware counterpart of ``xreplace``: each distinct node is rebuilt once.
    ``build(node, new_args)`` makes a changed node (default: ``node.func(*new_args)``,
    with SymPy's evaluation for sums, products and powers, and a function application
    kept as typed, ``functions.as_typed``: substituting atan(t) for u in cos(u) gives
    cos(atan(t)), not 1/sqrt(t^2 + 1)). ``memo`` and ``constants`` (the answers of
    ``is_constant``) may be shared by calls with the same ``leaf``.
    """
    memo = {} if memo is None else memo
    constants = {} if constants is None else constants
    for node in postorder([expr]):
        if id(node) in memo:
            continue
        repl = leaf(node)
        if repl is not None:
            memo[id(node)] = repl
        elif not node.args:
            memo[id(node)] = node
        else:
            new_args = tuple(memo[id(a)] for a in node.args)
            if all(n is o for n, o in zip(new_args, node.args)):
                memo[id(node)] = node
            else:
                memo[id(node)] = _rebuilt(node, new_args, constants) if build is None \
                    else build(node, new_args)
    return memo[id(expr)]


def _rebuilt(node: sp.Basic, args: tuple, constants: dict) -> sp.Basic:
    """``node`` with new ``args``: a function application as typed, anything else as
    SymPy evaluates it.

    Products and powers of symbolic operands are built the way SymPy's evaluation would
    build them, minus its walks of the whole operand: Pow asks ``base.is_number`` (a
    recursion without cache) and a power of a sum asks whether each term is infinite,
    so substituting into a deep chain such as 1 - tanh(cos(...))^2 was quadratic."""
    if isinstance(node, (sp.Function, sp.Max, sp.Min)):
        return as_typed(node.func, args, constants)
    if isinstance(node, sp.Pow):
        base, exp = args
        if exp.is_Rational and exp not in (0, 1) and not base.is_Number \
                and not is_constant(base, constants):
            # Pow.__new__ for a symbolic base and a rational exponent: base._eval_power,
            # which for a sum acts only on numbers and literal infinities
            obj = None if isinstance(base, sp.Add) else base._eval_power(exp)
            return sp.Pow(base, exp, evaluate=False) if obj is None else obj
    if isinstance(node, sp.Mul):
        return product(args, constants)
    return node.func(*args)


def substitute(expr: sp.Basic, mapping: dict[sp.Basic, sp.Basic]) -> sp.Basic:
    """Replace sub-expressions by the mapping (exact matches), DAG-aware."""
    return substitute_all([expr], mapping)[0]


def substitute_all(exprs: Iterable[sp.Basic], mapping: dict[sp.Basic, sp.Basic]) -> list[sp.Basic]:
    """``substitute`` of each of ``exprs``, sharing one memo: a node common to several
    is rebuilt once (the chain rule's local derivatives share the whole nested argument)."""
    exprs = list(exprs)
    if not mapping:
        return exprs
    memo: dict[int, sp.Basic] = {}
    constants: ConstantMemo = {}
    return [rebuild(e, lambda n: mapping.get(n), memo, None, constants) for e in exprs]


#: Nesting depth up to which :func:`product` sorts its factors as SymPy does.
SORT_DEPTH = 40


def deeper_than(exprs: Iterable[sp.Basic], limit: int) -> bool:
    """True when some path from ``exprs`` down to an atom has more than ``limit`` nodes
    (a depth-first search that stops there: a deep chain costs ``limit`` steps)."""
    best: dict[int, int] = {}
    stack = [(e, 1) for e in exprs]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return True
        if best.get(id(node), 0) >= level:
            continue
        best[id(node)] = level
        stack.extend((a, level + 1) for a in node.args)
    return False


def product(factors: Iterable[sp.Basic], constants: dict | None = None) -> sp.Basic:
    """``sp.Mul(*factors)``, the same tree, without SymPy's assumption queries when the
    factors have distinct bases.

    SymPy's Mul rebuilds every power factor (``Pow(b, e)``), and building
    (1 + tanh(cos(...))^2)^-1 asks whether each term is infinite, which walks the whole
    nested argument (quadratic for the chain rule of a deep composition). When no two
    factors share a base, no factor is a number to a power and the product is not
    c*(a + b), SymPy's flatten only multiplies the numbers and sorts the rest: this does
    exactly that. Anything else goes to ``sp.Mul``. Factors nested deeper than
    ``SORT_DEPTH`` keep the order given (SymPy's canonical sort compares nested arguments
    level by level, quadratic for a deep chain); the product is the same."""
    factors = list(factors)
    coeff: sp.Basic = sp.S.One
    parts: list[sp.Basic] = []
    bases: set[sp.Basic] = set()
    for factor in factors:
        for a in sp.Mul.make_args(factor):
            if a.is_Number:
                coeff = coeff * a
                continue
            base = a.as_base_exp()[0]
            if base in bases or base.is_Number or not a.is_commutative \
                    or a in (sp.S.ComplexInfinity, sp.S.NaN):
                return sp.Mul(*factors)
            bases.add(base)
            parts.append(a)
    if not coeff.is_finite:
        return sp.Mul(*factors)
    if coeff.is_zero:
        return sp.S.Zero
    if not parts:
        return coeff
    if len(parts) == 1 and (coeff is sp.S.One or parts[0].is_Add):
        return sp.Mul(coeff, *parts)      # 2*(a + b) distributes
    if not deeper_than(parts, SORT_DEPTH):
        from sympy.core.mul import _mulsort
        _mulsort(parts)
    if coeff is not sp.S.One:
        parts.insert(0, coeff)
    return sp.Mul._from_args(parts)
