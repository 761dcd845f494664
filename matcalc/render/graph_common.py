"""What every computation-graph renderer needs: the graph read off its Steps, numbers at
the point, size guards, and the layered layout of the picture.

Renderers of kind "graph" (text, Markdown, LaTeX, JSON, DOT, TikZ) read the Steps that
``matcalc.graph`` wrote (``view`` collects them once: the computation_graph step's
definitions, the forward pass's values, each backward step's ``AdjointPart``, each
input's ``PathSumPart``) and, for pictures only, the structure in ``Derivation.nodes`` /
``Derivation.edges``. Nothing here differentiates or simplifies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import sympy as sp

from ..engine.dag import tree_size
from ..engine.graph import AdjointPart, Edge, Node, PathSumPart
from ..engine.step import Step

if TYPE_CHECKING:
    from ..derivation import Derivation

#: Expressions whose tree is larger than this are not printed in full (DAGs of big graphs).
PRINT_MAX = 400


@dataclass
class GraphView:
    """A computation graph as its Steps state it, indexed by node name.

    ``operations``: name -> operation in the operands' names, in evaluation order;
    ``inputs`` sorted by name (``Derivation.wrt``); ``point``: input -> value, in the
    order given (None without a point); ``values``: every node's forward value;
    ``order``: the backward pass's nodes; ``adjoints``: name -> (its Step, its part);
    ``paths``: input -> (the path_sum Step, its part); ``local_values``: edge index ->
    the local derivative's value at the point (from the backward steps' terms).
    """

    output: sp.Symbol
    written: sp.Basic
    operations: dict[sp.Symbol, sp.Basic]
    inputs: tuple[sp.Symbol, ...]
    point: dict[sp.Symbol, sp.Basic] | None
    values: dict[sp.Symbol, sp.Basic] | None
    order: list[sp.Symbol]
    adjoints: dict[sp.Symbol, tuple[Step, AdjointPart]]
    paths: dict[sp.Symbol, tuple[Step, PathSumPart]]
    local_values: dict[int, sp.Basic] = field(default_factory=dict)

    def adjoint_value(self, n: sp.Symbol) -> sp.Basic | None:
        """dJ/dn at the point (None without one)."""
        return self.adjoints[n][1].value

    def shown(self, n: sp.Symbol) -> sp.Basic:
        """dJ/dn as the renderers print it: the step's tidied result for small graphs,
        else the raw sum (whose large parts are names dJ_du of earlier adjoints), so
        printing stays linear."""
        step, part = self.adjoints[n]
        if not part.tidy:
            return part.raw
        return step.result if printable(step.result) else part.raw


def view(d: "Derivation") -> GraphView:
    """Read a graph Derivation's Steps once (a ValueError when it is not one)."""
    graph_step = forward_step = backward_step = None
    path_steps: list[Step] = []
    for s in d.steps:
        if s.rule == "computation_graph":
            graph_step = s
        elif s.rule == "forward_pass":
            forward_step = s
        elif s.rule == "backward_pass":
            backward_step = s
        elif s.rule == "path_sum":
            path_steps.append(s)
    if graph_step is None or backward_step is None:
        raise ValueError("not a computation graph (use matcalc.graph)")
    inputs = tuple(d.wrt)
    point = values = None
    if forward_step is not None:
        values = dict(forward_step.definitions)
        point = {s: v for s, v in forward_step.definitions if s in set(inputs)}
    adjoints: dict[sp.Symbol, tuple[Step, AdjointPart]] = {}
    local_values: dict[int, sp.Basic] = {}
    for s in backward_step.children:
        part = next(p for p in s.parts if isinstance(p, AdjointPart))
        adjoints[part.node] = (s, part)
        for t in part.terms:
            if t.local_value is not None:
                local_values[t.edge] = t.local_value
    paths = {}
    for s in path_steps:
        part = next(p for p in s.parts if isinstance(p, PathSumPart))
        paths[part.input] = (s, part)
    return GraphView(graph_step.result, graph_step.expr, dict(graph_step.definitions),
                     inputs, point, values, list(adjoints), adjoints, paths, local_values)


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


def plugged_value(v: sp.Basic) -> sp.Basic:
    """A value as it is put into an operation: rationals as they are, anything else as a
    6-digit decimal (ln(sigma(1)) would not help)."""
    return v if v.is_Rational else sp.Float(float(v.evalf(15)), 6)


def put_values(printed: str, names: dict[sp.Symbol, str], values: dict[sp.Symbol, str],
               latex: bool = False) -> str:
    """The printed operation ``printed`` with each operand's printed name replaced by its
    printed value where it stands, so the numbers come in the order of the symbols
    (v = b + u - y = -4 + 1 - (-6)). ``names``: operand -> its printed name; ``values``:
    operand -> its printed value. A value goes in parentheses when it would otherwise
    read differently: a negative value anywhere but at the start, or as the base of a
    power; a fraction (or a number with an exponent) as a base or after a product,
    division or power sign (1.28403*(1/2))."""
    if not names:
        return printed
    by_text = {text: sym for sym, text in names.items()}
    pattern = re.compile("|".join(r"(?<![\\A-Za-z0-9_])" + re.escape(t) + r"(?![A-Za-z0-9_])"
                                  for t in sorted(by_text, key=len, reverse=True)))

    def replace(m: re.Match) -> str:
        text = values[by_text[m.group(0)]]
        before = printed[:m.start()].rstrip()
        after = printed[m.end():].lstrip()
        base = after.startswith("^") or after.startswith("**")
        negative = text.startswith("-")
        compound = any(c in text for c in ("/", "e", "^", "frac", "cdot"))
        if (negative and (before or base)) or (
                compound and (base or before.endswith(("/", "*", "^")))):
            if latex and any(c in text for c in ("frac", "^")):
                return r"\left(" + text + r"\right)"
            return "(" + text + ")"
        return text
    return pattern.sub(replace, printed)


def edge_label(g_nodes: Sequence[Node], e: Edge) -> tuple[sp.Symbol, sp.Symbol]:
    """(consumer, operand) names: the edge's local derivative is d consumer / d operand."""
    return g_nodes[e.dst].name, g_nodes[e.src].name


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


class _Structure:
    """Nodes and edges with each node's edge lists (in and out), for the layout."""

    def __init__(self, nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
        self.nodes = list(nodes)
        self.edges = list(edges)
        self.out_edges: list[list[int]] = [[] for _ in self.nodes]
        self.in_edges: list[list[int]] = [[] for _ in self.nodes]
        for i, e in enumerate(self.edges):
            self.out_edges[e.src].append(i)
            self.in_edges[e.dst].append(i)


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


def layered(nodes: Sequence[Node], edges: Sequence[Edge], sweeps: int = 8) -> Layout:
    """A left-to-right layered layout (Sugiyama style): every operation one layer right
    of its furthest operand (longest path); an input one layer left of its first user;
    a long edge bent through a slot of its own in each layer it crosses; rows ordered by
    the barycentre of the neighbours (sweeps both ways), so that edges rarely cross.
    ``nodes`` in evaluation order (``Derivation.nodes``), ``edges`` by index."""
    g = _Structure(nodes, edges)
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
