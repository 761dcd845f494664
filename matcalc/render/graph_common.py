"""What every computation-graph renderer needs: numbers at the point, size guards, layers.

Renderers of kind "graph" (text, Markdown, LaTeX, JSON, DOT, TikZ) read the ``Analysis``
that ``matcalc.graph`` stored on the Derivation; nothing here differentiates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import sympy as sp

from ..engine.dag import tree_size
from ..engine.graph import Analysis, Edge

if TYPE_CHECKING:
    from ..derivation import Derivation

#: Expressions whose tree is larger than this are not printed in full (DAGs of big graphs).
PRINT_MAX = 400


def analysis(d: "Derivation") -> Analysis:
    if d.graph is None:
        raise ValueError("not a computation graph (use matcalc.graph)")
    return d.graph


def printable(expr: sp.Basic) -> bool:
    return tree_size(expr) <= PRINT_MAX


def number(v: sp.Basic, exact: Callable[[sp.Basic], str]) -> str:
    """A value at the point: exact rationals as they are, floats with 6 significant
    digits, other exact numbers (e^4) exactly with their decimal value."""
    if v.is_Rational:
        return exact(v)
    if v.is_Float:
        return f"{float(v):.6g}"
    try:
        approx = f"{float(v.evalf(15)):.6g}"
    except (TypeError, ValueError):
        return exact(v)
    if not printable(v) or len(exact(v)) > 30:
        return approx
    return f"{exact(v)} ≈ {approx}"


def approx(v: sp.Basic) -> str:
    """Only the decimal value (pictures, where space is short)."""
    if v.is_Integer:
        return str(v)
    if v.is_Rational and len(str(v)) <= 7:
        return str(v)
    try:
        return f"{float(v.evalf(15)):.4g}"
    except (TypeError, ValueError):
        return str(v)


def plugged(a: Analysis, k: int) -> sp.Basic:
    """Node k's operation with its operands' values put in, unevaluated: 3*2 for u = b*c.
    Values that are not rational go in as 6-digit decimals (ln(sigma(1)) would not help)."""
    g = a.graph
    n = g.nodes[k]
    values = {}
    for j in n.operands:
        v = a.values[j]  # type: ignore[index]
        values[g.nodes[j].name] = v if v.is_Rational else sp.Float(float(v.evalf(15)), 6)
    with sp.evaluate(False):
        return n.expr.xreplace(values)


def shown(a: Analysis, k: int) -> sp.Basic:
    """dJ/dn as the renderers print it: tidied for small graphs, else the raw sum (whose
    large parts are names dJ_du of earlier adjoints), so printing stays linear."""
    if not a.tidy:
        return a.adjoints[k].raw
    e = a.shown[k]
    return e if printable(e) else a.adjoints[k].raw


def edge_label(a: Analysis, e: Edge) -> tuple[sp.Symbol, sp.Symbol]:
    """(consumer, operand) names: the edge's local derivative is d consumer / d operand."""
    return a.graph.nodes[e.dst].name, a.graph.nodes[e.src].name


# ----------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class Layout:
    """Layers left (inputs) to right (output); ``rows[k]`` is node k's row (0 at the top);
    ``bends[e]`` the (layer, row) points a long edge passes through."""

    layers: int
    layer: dict[int, int]
    rows: dict[int, float]
    bends: dict[int, list[tuple[int, float]]]
    height: int


#: Layouts with at most this many slots get the crossing-reducing swaps (quadratic).
TRANSPOSE_MAX = 300


def _crossings(left: list, right_pos: dict, pos: dict, right_of) -> int:
    """Edge crossings between one column and the next (segments as position pairs)."""
    segs = [(pos[s], right_pos[t]) for s in left for t in right_of(s)]
    return sum(1 for i in range(len(segs)) for j in range(i + 1, len(segs))
               if (segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0)


def _transpose(columns: list[list], pos: dict, right_of, rounds: int = 8) -> None:
    """Swap neighbours in a column while that lowers the crossings on both sides of it."""
    def around(lyr: int) -> int:
        total = 0
        if lyr > 0:
            total += _crossings(columns[lyr - 1], pos, pos, right_of)
        if lyr + 1 < len(columns):
            total += _crossings(columns[lyr], pos, pos, right_of)
        return total

    for _ in range(rounds):
        improved = False
        for lyr, col in enumerate(columns):
            for j in range(len(col) - 1):
                before = around(lyr)
                col[j], col[j + 1] = col[j + 1], col[j]
                pos[col[j]], pos[col[j + 1]] = float(j), float(j + 1)
                if around(lyr) < before:
                    improved = True
                else:
                    col[j], col[j + 1] = col[j + 1], col[j]
                    pos[col[j]], pos[col[j + 1]] = float(j), float(j + 1)
        if not improved:
            return


def layered(a: Analysis, sweeps: int = 8) -> Layout:
    """A left-to-right layered layout (Sugiyama style): every operation one layer right
    of its furthest operand (longest path); an input one layer left of its first user;
    a long edge bent through a slot of its own in each layer it crosses; rows ordered by
    the barycentre of the neighbours (sweeps both ways), so that edges rarely cross."""
    g = a.graph
    layer: dict[int, int] = {}
    for n in g.nodes:
        layer[n.index] = 0 if n.is_input else 1 + max(layer[k] for k in n.operands)
    for n in g.nodes:
        if n.is_input:
            users = [layer[g.edges[e].dst] for e in g.out_edges[n.index]]
            layer[n.index] = max(0, min(users) - 1) if users else 0
    count = 1 + max(layer.values())
    Key = tuple
    columns: list[list[Key]] = [[] for _ in range(count)]
    for n in g.nodes:
        columns[layer[n.index]].append(("n", n.index))
    for i, e in enumerate(g.edges):
        for lyr in range(layer[e.src] + 1, layer[e.dst]):
            columns[lyr].append(("e", i, lyr))

    def left_of(s: Key) -> list[Key]:
        if s[0] == "n":
            out = []
            for ei in g.in_edges[s[1]]:
                e = g.edges[ei]
                out.append(("n", e.src) if layer[e.dst] - layer[e.src] == 1
                           else ("e", ei, layer[e.dst] - 1))
            return out
        _, i, lyr = s
        e = g.edges[i]
        return [("n", e.src) if lyr - 1 == layer[e.src] else ("e", i, lyr - 1)]

    def right_of(s: Key) -> list[Key]:
        if s[0] == "n":
            out = []
            for ei in g.out_edges[s[1]]:
                e = g.edges[ei]
                out.append(("n", e.dst) if layer[e.dst] - layer[e.src] == 1
                           else ("e", ei, layer[e.src] + 1))
            return out
        _, i, lyr = s
        e = g.edges[i]
        return [("n", e.dst) if lyr + 1 == layer[e.dst] else ("e", i, lyr + 1)]

    pos: dict[Key, float] = {}
    for col in columns:
        for j, s in enumerate(col):
            pos[s] = float(j)
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        for lyr in (range(1, count) if forward else range(count - 2, -1, -1)):
            col = columns[lyr]
            bary: dict[Key, float] = {}
            for s in col:
                nb = [pos[x] for x in (left_of(s) if forward else right_of(s))]
                bary[s] = sum(nb) / len(nb) if nb else pos[s]
            col.sort(key=lambda s: (bary[s], pos[s]))
            for j, s in enumerate(col):
                pos[s] = float(j)
    if sum(len(c) for c in columns) <= TRANSPOSE_MAX:
        _transpose(columns, pos, right_of)
    height = max(len(c) for c in columns)
    rows: dict[int, float] = {}
    bends: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(g.edges))}
    for lyr, col in enumerate(columns):
        offset = (height - len(col)) / 2
        for j, s in enumerate(col):
            if s[0] == "n":
                rows[s[1]] = j + offset
            else:
                bends[s[1]].append((lyr, j + offset))
    for i in bends:
        bends[i].sort()
    return Layout(count, layer, rows, bends, height)
