"""Named intermediate variables (``--where "g1 = x^2; g2 = 3x"``): checked and ordered.

A set of definitions g_i = G_i(x, g_1, ...) is usable when it has no cycle (g1 = g2 + x;
g2 = g1^2 is bad input) and every name is needed by the function (directly or through
other intermediates). The definitions are put in topological order - each after the ones
it uses, otherwise in the order given - and each can be *expanded* into the variables
alone, which is what substituting back and the numeric check use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import sympy as sp

from ..errors import InputError
from .dag import free_symbols, substitute
from .step import by_name


@dataclass(frozen=True)
class Intermediates:
    """Definitions in topological order; ``expanded[g]`` is g in the variables alone and
    ``reaches[g]`` the variables it depends on (directly or through other intermediates)."""

    definitions: tuple[tuple[sp.Symbol, sp.Expr], ...]
    expanded: dict[sp.Symbol, sp.Expr]
    reaches: dict[sp.Symbol, frozenset[sp.Symbol]]

    @property
    def names(self) -> tuple[sp.Symbol, ...]:
        return tuple(g for g, _ in self.definitions)

    def definition(self, g: sp.Symbol) -> sp.Expr:
        return dict(self.definitions)[g]

    def used_by(self, expr: sp.Basic) -> list[sp.Symbol]:
        """The intermediates ``expr`` uses directly, in topological order."""
        symbols = free_symbols(expr)
        return [g for g in self.names if g in symbols]

    def depends(self, expr: sp.Basic, var: sp.Symbol) -> bool:
        """Whether ``expr`` depends on ``var`` directly or through intermediates."""
        symbols = free_symbols(expr)
        return var in symbols or any(var in self.reaches[g] for g in self.names if g in symbols)

    def expand(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every intermediate replaced by its expansion in the variables."""
        return substitute(expr, dict(self.expanded))


def _names(symbols: Iterable[sp.Symbol]) -> str:
    return ", ".join(s.name for s in symbols)


def _cycle(graph: dict[sp.Symbol, list[sp.Symbol]]) -> list[sp.Symbol] | None:
    """A cycle g -> ... -> g of the 'uses' graph, or None (iterative depth-first search)."""
    state: dict[sp.Symbol, int] = {}          # 1 on the current path, 2 finished
    for start in graph:
        if state.get(start):
            continue
        path: list[sp.Symbol] = []
        stack: list[tuple[sp.Symbol, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            uses = graph[node]
            if i < len(uses):
                stack.append((node, i + 1))
                nxt = uses[i]
                if state.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return None


def _undefined(defined: Sequence[sp.Symbol], symbols: Iterable[sp.Symbol],
               variables: Iterable[sp.Symbol]) -> list[sp.Symbol]:
    """Names that look like missing intermediates: letters + digits with the letters of a
    defined name (g2 when only g1 is defined), and not declared variables."""
    stems = {m.group(1) for g in defined if (m := re.fullmatch(r"([A-Za-z_]+?)_?\d+", g.name))}
    known = set(defined) | set(variables)
    out = []
    for s in sorted(symbols, key=by_name):
        m = re.fullmatch(r"([A-Za-z_]+?)_?\d+", s.name)
        if s not in known and m and m.group(1) in stems:
            out.append(s)
    return out


def order_intermediates(definitions: Sequence[tuple[sp.Symbol, sp.Expr]],
                        functions: Sequence[sp.Basic],
                        variables: Sequence[sp.Symbol] = ()) -> Intermediates:
    """Check ``definitions`` against the ``functions`` that use them and order them.

    Bad input (InputError, exit status 2): a cycle; a name defined but not used; a name
    that looks like an intermediate (g2 beside a defined g1) but is not defined and is
    not one of the declared ``variables``; a declared variable that is also defined.
    """
    defs = dict(definitions)
    names = list(defs)
    for v in variables:
        if v in defs:
            raise InputError(f"'{v.name}' is an intermediate variable (defined in --where); "
                             "differentiate with respect to the variables it depends on")
    graph = {g: [h for h in names if h in free_symbols(defs[g])] for g in names}
    cycle = _cycle(graph)
    if cycle is not None:
        raise InputError("the intermediate variables form a cycle: "
                         + " -> ".join(g.name for g in cycle))
    everything = free_symbols(sp.Tuple(*functions, *defs.values()))
    missing = _undefined(names, everything, variables)
    if missing:
        raise InputError(f"'{missing[0].name}' is used but not defined in --where "
                         f"(defined there: {_names(names)})")
    reached: set[sp.Symbol] = set()
    frontier = [g for g in names if g in free_symbols(sp.Tuple(*functions))]
    while frontier:
        g = frontier.pop()
        if g not in reached:
            reached.add(g)
            frontier.extend(graph[g])
    unused = [g for g in names if g not in reached]
    if unused:
        raise InputError(f"'{unused[0].name}' is defined in --where but the expression never "
                         "uses it")
    ordered: list[sp.Symbol] = []
    placed: set[sp.Symbol] = set()
    while len(ordered) < len(names):          # the first unplaced name whose uses are placed
        g = next(g for g in names if g not in placed and all(h in placed for h in graph[g]))
        ordered.append(g)
        placed.add(g)
    expanded: dict[sp.Symbol, sp.Expr] = {}
    reaches: dict[sp.Symbol, frozenset[sp.Symbol]] = {}
    for g in ordered:
        expanded[g] = substitute(defs[g], dict(expanded))
        own = free_symbols(defs[g])
        reaches[g] = frozenset(own - set(names)).union(*(reaches[h] for h in graph[g]))
    return Intermediates(tuple((g, defs[g]) for g in ordered), expanded, reaches)
