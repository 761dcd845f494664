"""DAG-aware helpers over SymPy trees.

SymPy's own walkers (``free_symbols``, ``has``, ``xreplace``, ``str``) treat a shared
sub-expression once per *path*, which is exponential for deep compositions such as
f_n = sin(f_{n-1}) + f_{n-1}^2. These helpers visit each distinct node once.
"""
from __future__ import annotations

from typing import Callable, Iterable

import sympy as sp


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
            build: Callable[[sp.Basic, tuple], sp.Basic] | None = None) -> sp.Basic:
    """Rebuild ``expr`` bottom-up, replacing any node for which ``leaf`` returns non-None.

    The DAG-aware counterpart of ``xreplace``: each distinct node is rebuilt once.
    ``build(node, new_args)`` makes a changed node (default: ``node.func(*new_args)``,
    with SymPy's evaluation).
    """
    memo = {} if memo is None else memo
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
                memo[id(node)] = node.func(*new_args) if build is None \
                    else build(node, new_args)
    return memo[id(expr)]


def substitute(expr: sp.Basic, mapping: dict[sp.Basic, sp.Basic]) -> sp.Basic:
    """Replace sub-expressions by the mapping (exact matches), DAG-aware."""
    if not mapping:
        return expr
    return rebuild(expr, lambda n: mapping.get(n))
