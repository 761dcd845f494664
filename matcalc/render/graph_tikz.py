r"""The computation graph as a TikZ picture (tikz only: no graph-drawing library).

The layout: layers left (inputs) to right (output) from ``graph_common.layered`` (long
edges bent through slots of their own), then explicit geometry, so that a test can check
it (``picture`` returns every box and every segment):

* every edge *enters* its node horizontally, at a port of its own (a node used by
  several edges is as tall as its ports need), and its labels sit on that horizontal
  run, right before the arrow: d(to)/d(from) = local [= value] above it, the backward
  value dJ/d(to) * d(to)/d(from) (red) below it;
* between two columns, a routing zone holds the only slanted segments, and no labels;
  beside each column, its label zone holds only horizontal runs, each with its own
  labels. So no edge crosses a label and no edge crosses a node it does not join;
* every node shows its operation, its forward value (blue) and dJ/dn (red).

Text is never smaller than 8 pt (``\footnotesize`` in a 10 pt document) and never scaled
down: a picture wider than the line is split into parts of whole layers (``bands``),
each part repeating, dashed, the nodes of the layer before it that it continues from;
only a single layer too wide even for a landscape page is scaled, to that page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import sympy as sp

from .graph_common import GraphView, approx, layered, printable, view
from .latex import tex
from .latex import plain_width as width


if TYPE_CHECKING:
    from ..derivation import Derivation

#: the width of text in cm, per size (\small, 9 pt: nodes; \footnotesize, 8 pt: edge
#: labels): per character (``latex.width``, function names counted by their letters),
#: per relation (=, <-), per binary operator, plus a constant; measured with pdflatex
#: on the gallery's graphs and rounded up (never below the real width by 0.1 cm)
WIDTH_MODEL = {"small": (0.15, 0.4, 0.25, 0.1), "footnotesize": (0.15, 0.31, 0.1, 0.12)}
#: heights, cm: one line of node text; one edge label (a fraction makes it taller)
NODE_LINE = 0.45
LABEL_LINE = 0.42
LABEL_FRAC = 0.9
#: padding, cm: inside a node (both sides together); between a label and its node
NODE_PAD = 0.2
LABEL_GAP = 0.12
#: vertical room between two items of a column, cm
ITEM_GAP = 0.3
#: the shortest routing zone between two columns, cm; slanted runs rise at most this
#: much per unit of run (longer zones for steep edges)
MIN_RUN = 0.6
MAX_SLOPE = 4.0
#: symbolic dJ/dn wider than this (characters) is left out of the picture (see the table)
MAX_SYMBOLIC = 12
#: the smallest font a picture may use, pt (the document's \footnotesize at 10 pt)
MIN_FONT_PT = 8.0
#: a landscape page of the handouts (article, 10 pt, letter paper, 6.3 in text width):
#: its width (the portrait text height, 550 pt) and height for a picture, cm
LANDSCAPE_CM = 19.0
LANDSCAPE_HEIGHT_CM = 14.5

TIKZ_STYLES = r"""\tikzset{
  mcinput/.style={draw, rounded corners=2pt, fill=black!6, inner sep=2pt, align=center, font=\small},
  mcop/.style={draw, rounded corners=6pt, fill=blue!4, inner sep=2pt, align=center, font=\small},
  mcout/.style={mcop, very thick},
  mcghost/.style={draw, dashed, rounded corners=2pt, inner sep=2pt, align=center, font=\small, text=black!70},
  mcedge/.style={->, >=stealth, thick, blue!60!black, rounded corners=2pt},
  mcstub/.style={->, >=stealth, thick, dashed, blue!60!black},
  mclabel/.style={font=\footnotesize, inner sep=1pt, text=black},
  mcback/.style={font=\footnotesize, inner sep=1pt, text=red!75!black},
}"""

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """An axis-parallel box: ``x0 <= x <= x1``, ``y0 <= y <= y1`` (cm, y up)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, p: Point, slack: float = 0.0) -> bool:
        return (self.x0 + slack < p[0] < self.x1 - slack
                and self.y0 + slack < p[1] < self.y1 - slack)


@dataclass
class Picture:
    """The geometry of one drawing (cm): node boxes by node index, each edge's polyline
    (from the source node's right side to the arrow at the target's left side), each
    edge's label boxes (above: the local derivative; below: the backward value), and the
    layer of every column's centre ``xs``."""

    nodes: dict[int, Box]
    edges: dict[int, list[Point]]
    labels: dict[int, list[Box]]
    label_text: dict[int, tuple[str, str]]
    node_text: dict[int, list[str]]
    anchors: dict[int, Point]
    ports: dict[int, Point]
    layer: dict[int, int]
    xs: list[float]
    left: list[float]
    right: list[float]
    slots: dict[int, list[tuple[int, float]]] = field(default_factory=dict)

    @property
    def width(self) -> float:
        return self.right[-1] - self.left[0]

    @property
    def height(self) -> float:
        boxes = [*self.nodes.values(), *(b for bs in self.labels.values() for b in bs)]
        return max(b.y1 for b in boxes) - min(b.y0 for b in boxes)


def _d(num: sp.Symbol, den: sp.Symbol) -> str:
    return r"\partial %s/\partial %s" % (tex(num), tex(den))


def _value(v: sp.Basic) -> str:
    """A value in a picture: exact when a short rational, else 4 significant digits."""
    return tex(v) if v.is_Rational and len(str(v)) <= 7 else approx(v)


def node_lines(d: "Derivation", g: GraphView, k: int) -> list[str]:
    """The node's text, one math line each: operation, value, dJ/dn."""
    n = d.nodes[k]
    out = g.output
    lines = [tex(n.name) if n.is_input else f"{tex(n.name)} = {tex(n.expr)}"]
    if g.values is not None:
        lines.append(r"\color{blue!60!black}= %s" % _value(g.values[n.name]))
        lines.append(r"\color{red!75!black}%s = %s" % (_d(out, n.name),
                                                         _value(g.adjoint_value(n.name))))
    elif n.name != out:
        s = g.shown(n.name)
        if printable(s) and width(tex(s)) <= MAX_SYMBOLIC:
            lines.append(r"\color{red!75!black}%s = %s" % (_d(out, n.name), tex(s)))
    return [_full_size(t) for t in lines]


def edge_texts(d: "Derivation", g: GraphView, i: int) -> tuple[str, str]:
    """(the label above the edge: its local derivative d(to)/d(from) [= its value], the
    red label below: the backward value dJ/d(to) * local), as math. The edge's head and
    tail say which derivative it is (``LEGEND`` says so under the picture)."""
    e = d.edges[i]
    dst = d.nodes[e.dst].name
    above = tex(e.local)
    below = ""
    if i in g.local_values:
        v = g.local_values[i]
        if not e.local.is_Number:
            above += f" = {_value(v)}"
        below = r"\gets " + _value(g.adjoint_value(dst) * v)
    return _full_size(above), _full_size(below)


def _full_size(latex: str) -> str:
    r"""Fractions at the text's own size (``\dfrac``): an inline ``\frac`` would set its
    numerator and denominator two sizes smaller, below 8 pt in a picture."""
    return latex.replace(r"\frac{", r"\dfrac{")


def legend(d: "Derivation", g: GraphView) -> str:
    """The sentence under a picture that says what its labels are (LaTeX text)."""
    out = tex(g.output)
    words = (r"Each node: its operation" + (r", its value (blue)" if g.values is not None else "")
             + r" and $\partial %s/\partial n$ (red). Each edge $n \to m$: the local "
             r"derivative $\partial m/\partial n$" % out)
    if g.values is not None:
        words += (r" and its value; below it, in red, what the backward pass sends back "
                  r"along the edge, $\partial %s/\partial m \cdot \partial m/\partial n$" % out)
    return words + "."


def _plain(t: str) -> str:
    return t.replace(r"\color{blue!60!black}", "").replace(r"\color{red!75!black}", "")


def _label_height(latex: str) -> float:
    return LABEL_FRAC if r"\dfrac" in latex else LABEL_LINE


_NAMES = re.compile(r"\\(operatorname\{([^}]*)\}|ln|log|sin|cos|tan|sec|csc|cot|exp|tanh|sinh|"
                    r"cosh|max|min|arcsin|arccos|arctan|operatorname)(?![A-Za-z])")


def text_cm(latex: str, size: str) -> float:
    """The estimated width in cm of inline math ``latex`` set at ``size`` (see
    ``WIDTH_MODEL``)."""
    if not latex:
        return 0.0
    plain = _NAMES.sub(lambda m: "@" * (len(m.group(2) or m.group(1)) + 1), _plain(latex))
    while True:
        # sub- and superscripts: about three quarters of a character each (x_{10}); braces
        # that only group (sin{(u)}), not a fraction's, go
        shorter = re.sub(r"[_^]\{([^{}\\]*)\}",
                         lambda m: "x" * max(1, round(len(m.group(1)) * 0.75)), plain)
        shorter = re.sub(r"(?<![A-Za-z_^}])\{([^{}]*)\}", r"\1", shorter)
        if shorter == plain:
            break
        plain = shorter
    per_char, per_rel, per_bin, const = WIDTH_MODEL[size]
    rel = len(re.findall(r"=|\\gets|\\approx", plain))
    binop = len(re.findall(r"[\w})]\s*(?:[+-]|\\cdot)\s*(?=[\w\\({])", plain))
    return 1.05 * (width(plain) * per_char + rel * per_rel + binop * per_bin) + const


def _label_width(latex: str) -> float:
    return text_cm(latex, "footnotesize") + 0.05 if latex else 0.0


def picture(d: "Derivation", g: GraphView | None = None) -> Picture:
    """The whole graph's geometry (see the module docstring)."""
    g = g if g is not None else view(d)
    nodes, edges = d.nodes, d.edges
    lay = layered(nodes, edges)
    text = {k: node_lines(d, g, k) for k in range(len(nodes))}
    labels = {i: edge_texts(d, g, i) for i in range(len(edges))}
    two = any(b for _, b in labels.values())
    # a port: the label above the run and (with a point) the one below it
    port_h = {i: _label_height(a) + (_label_height(b) if two else 0.0) + 0.08
              for i, (a, b) in labels.items()}
    incoming: dict[int, list[int]] = {k: [] for k in range(len(nodes))}
    for i, e in enumerate(edges):
        incoming[e.dst].append(i)

    node_w = {k: max(text_cm(t, "small") for t in ls) + NODE_PAD
              for k, ls in text.items()}
    node_h = {k: sum(NODE_LINE + (0.5 if r"\dfrac" in t else 0.0) for t in ls) + 0.15
              for k, ls in text.items()}

    def span(k: int) -> tuple[float, float]:
        """(room above, room below) the node's centre: its box, or its ports' labels."""
        ports = sum(port_h[i] for i in incoming[k])
        half = max(node_h[k] / 2, ports / 2)
        return half, half

    # columns: the items (nodes and bend slots) of each layer, top to bottom
    columns: list[list[tuple[str, int, float]]] = [[] for _ in range(lay.layers)]
    for k in range(len(nodes)):
        columns[lay.layer[k]].append(("n", k, lay.rows[k]))
    for i, bends in lay.bends.items():
        for lyr, row in bends:
            columns[lyr].append(("e", i, row))
    ys_node: dict[int, float] = {}
    ys_slot: dict[tuple[int, int], float] = {}
    spans = sorted(sum(span(k)) for k in range(len(nodes)))
    base = spans[len(spans) // 2] + ITEM_GAP      # a typical node; taller ones push down
    for lyr, col in enumerate(columns):
        col.sort(key=lambda it: it[2])
        prev_y = prev_below = None
        for kind, idx, row in col:
            above, below = span(idx) if kind == "n" else (0.1, 0.1)
            y = -row * base
            if prev_y is not None:
                y = min(y, prev_y - prev_below - above - ITEM_GAP)
            if kind == "n":
                ys_node[idx] = y
            else:
                ys_slot[(idx, lyr)] = y
            prev_y, prev_below = y, below
    slots: dict[int, list[tuple[int, float]]] = {
        i: [(lyr, ys_slot[(i, lyr)]) for lyr, _ in bends] for i, bends in lay.bends.items()}

    def before_port(i: int) -> float:
        """The y an edge comes from into its last routing zone."""
        return slots[i][-1][1] if slots[i] else ys_node[edges[i].src]

    # ports: the incoming edges of a node, ordered by where they come from (top first)
    port_y: dict[int, float] = {}
    for k, ins in incoming.items():
        ordered = sorted(ins, key=lambda i: -before_port(i))
        total = sum(port_h[i] for i in ordered)
        top = ys_node[k] + total / 2
        for i in ordered:
            # the run lies below the label above it
            port_y[i] = top - (_label_height(labels[i][0]) + 0.04)
            top -= port_h[i]

    # horizontal extents of every column, from its centre
    col_w = [0.6] * lay.layers
    for k in range(len(nodes)):
        col_w[lay.layer[k]] = max(col_w[lay.layer[k]], node_w[k])
    left_ext = [w / 2 for w in col_w]
    for i, e in enumerate(edges):
        lyr = lay.layer[e.dst]
        need = node_w[e.dst] / 2 + LABEL_GAP + max(_label_width(t) for t in labels[i]) + 0.2
        left_ext[lyr] = max(left_ext[lyr], need)
    # routing zones: long enough for the steepest slanted run between two columns
    rise = [0.0] * max(lay.layers - 1, 1)
    for i, e in enumerate(edges):
        points = [(lay.layer[e.src], ys_node[e.src])] + slots[i] + [(lay.layer[e.dst], port_y[i])]
        for (l0, y0), (_, y1) in zip(points, points[1:]):
            rise[l0] = max(rise[l0], abs(y1 - y0))
    xs = [0.0] * lay.layers
    xs[0] = left_ext[0]
    for lyr in range(1, lay.layers):
        run = max(MIN_RUN, rise[lyr - 1] / MAX_SLOPE)
        xs[lyr] = xs[lyr - 1] + col_w[lyr - 1] / 2 + run + left_ext[lyr]
    left = [x - e for x, e in zip(xs, left_ext)]
    right = [x + w / 2 for x, w in zip(xs, col_w)]

    boxes: dict[int, Box] = {}
    for k in range(len(nodes)):
        x, y = xs[lay.layer[k]], ys_node[k]
        half = node_h[k] / 2
        runs = [port_y[i] for i in incoming[k]]
        if runs:          # tall enough for every arrow to end on its side
            half = max(half, max(abs(r - y) for r in runs) + 0.15)
        boxes[k] = Box(x - node_w[k] / 2, y - half, x + node_w[k] / 2, y + half)
    paths: dict[int, list[Point]] = {}
    label_boxes: dict[int, list[Box]] = {}
    ports: dict[int, Point] = {}
    for i, e in enumerate(edges):
        src_l, dst_l = lay.layer[e.src], lay.layer[e.dst]
        pts: list[Point] = [(boxes[e.src].x1, ys_node[e.src])]
        if right[src_l] > boxes[e.src].x1 + 1e-9:
            pts.append((right[src_l], ys_node[e.src]))
        for lyr, y in slots[i]:
            pts += [(left[lyr], y), (right[lyr], y)]
        end = (boxes[e.dst].x0, port_y[i])
        pts += [(left[dst_l], port_y[i]), end]
        paths[i] = pts
        ports[i] = end
        above, below = labels[i]
        xr = boxes[e.dst].x0 - LABEL_GAP
        found = [Box(xr - _label_width(above), port_y[i] + 0.04, xr,
                     port_y[i] + 0.04 + _label_height(above))]
        if below:
            found.append(Box(xr - _label_width(below), port_y[i] - 0.04 - _label_height(below),
                             xr, port_y[i] - 0.04))
        label_boxes[i] = found
    anchors = {k: (xs[lay.layer[k]], ys_node[k]) for k in range(len(nodes))}
    return Picture(boxes, paths, label_boxes, labels, text, anchors, ports, dict(lay.layer),
                   xs, left, right, slots)


# ----------------------------------------------------------------------------- checks

def _segment_hits_box(p: Point, q: Point, b: Box, slack: float = 0.01) -> bool:
    """Whether the segment p-q passes through the inside of box ``b`` (Liang-Barsky)."""
    x0, y0 = p
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for pe, qe in ((-dx, x0 - (b.x0 + slack)), (dx, (b.x1 - slack) - x0),
                   (-dy, y0 - (b.y0 + slack)), (dy, (b.y1 - slack) - y0)):
        if pe == 0:
            if qe < 0:
                return False
            continue
        t = qe / pe
        if pe < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return t1 - t0 > 1e-9


def crossings(pic: Picture, d: "Derivation") -> list[str]:
    """Every defect of a picture, as sentences: a segment through a label (its own or
    another edge's), a segment through a node it does not join, overlapping labels, a
    label overlapping a node. Empty for a legible picture."""
    out: list[str] = []
    name = lambda k: d.nodes[k].name.name  # noqa: E731
    all_labels = [(i, b) for i, bs in pic.labels.items() for b in bs]
    for i, pts in pic.edges.items():
        e = d.edges[i]
        for p, q in zip(pts, pts[1:]):
            for j, b in all_labels:
                if _segment_hits_box(p, q, b):
                    out.append(f"edge {name(e.src)}->{name(e.dst)} crosses the label of edge "
                               f"{name(d.edges[j].src)}->{name(d.edges[j].dst)}")
            for k, b in pic.nodes.items():
                if k not in (e.src, e.dst) and _segment_hits_box(p, q, b):
                    out.append(f"edge {name(e.src)}->{name(e.dst)} crosses node {name(k)}")

    def overlap(a: Box, b: Box) -> bool:
        return a.x0 < b.x1 - 0.01 and b.x0 < a.x1 - 0.01 and a.y0 < b.y1 - 0.01 and b.y0 < a.y1 - 0.01

    for n, (i, a) in enumerate(all_labels):
        for j, b in all_labels[n + 1:]:
            if overlap(a, b):
                out.append(f"labels of edges {i} and {j} overlap")
        for k, b in pic.nodes.items():
            if overlap(a, b):
                out.append(f"the label of edge {i} overlaps node {name(k)}")
    return out


# ----------------------------------------------------------------------------- bands

def bands(pic: Picture, available: float) -> list[tuple[int, int]]:
    """Consecutive layers ``(first, last)`` per part, each part (with the dashed copy of
    the layer before it) at most ``available`` cm wide; one part when the whole fits.
    As few parts as the line allows, of widths as even as possible (no part of one
    node at the end)."""
    def greedy(limit: float) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        first = 0
        while first < len(pic.xs):
            last = first
            while last + 1 < len(pic.xs) and _band_width(pic, first, last + 1) <= limit:
                last += 1
            out.append((first, last))
            first = last + 1
        return out

    best = greedy(available)
    low, high = 0.0, available
    for _ in range(30):                 # the narrowest limit that needs no more parts
        mid = (low + high) / 2
        if len(greedy(mid)) <= len(best):
            high = mid
        else:
            low = mid
    return greedy(high)


def _band_left(pic: Picture, first: int) -> float:
    """Where a part starts: its first column's label zone, or the copy of the layer
    before it (only its boxes: nothing enters a copy)."""
    if first == 0:
        return pic.left[0]
    prev = first - 1
    return pic.xs[prev] - (pic.right[prev] - pic.xs[prev])


def _band_width(pic: Picture, first: int, last: int) -> float:
    return pic.right[last] - _band_left(pic, first) + (0.8 if last + 1 < len(pic.xs) else 0.0)


def band_widths(d: "Derivation", available: float) -> list[float]:
    """The widths (cm) of the parts ``render_tikz`` draws for a line of ``available`` cm."""
    pic = picture(d)
    return [_band_width(pic, a, b) for a, b in bands(pic, available)]


# ----------------------------------------------------------------------------- TikZ

def _draw_band(d: "Derivation", g: GraphView, pic: Picture, first: int, last: int) -> str:
    """Layers ``first`` to ``last`` of the picture (all of it for ``(0, last layer)``);
    a part after the first starts with dashed copies of what it continues from."""
    out_name = g.output
    x_shift = -_band_left(pic, first)
    nodes = d.nodes
    eps = 1e-9

    def xy(p: Point) -> str:
        return "(%.2f,%.2f)" % (p[0] + x_shift, p[1])

    out = [r"\begin{tikzpicture}"]
    ghosts = {e.src for e in d.edges
              if first > 0 and pic.layer[e.src] == first - 1 and pic.layer[e.dst] >= first}
    for k, n in enumerate(nodes):
        box = pic.nodes[k]
        style = "mcinput" if n.is_input else ("mcout" if n.name == out_name else "mcop")
        if first <= pic.layer[k] <= last:
            body = r" \\ ".join(f"${t}$" for t in pic.node_text[k])
        elif k in ghosts:
            style, body = "mcghost", r"$%s$" % pic.node_text[k][0]
            if g.values is not None:
                body += r" \\ $%s$" % _plain(pic.node_text[k][1])
        else:
            continue
        out.append(r"  \node[%s, minimum width=%.2fcm, minimum height=%.2fcm] (n%d) at %s {%s};"
                   % (style, box.x1 - box.x0, box.y1 - box.y0, k, xy(pic.anchors[k]), body))
    texts = []
    for i, e in enumerate(d.edges):
        ls, ld = pic.layer[e.src], pic.layer[e.dst]
        if ld < first or ls > last:
            continue
        pts = list(pic.edges[i])
        if ls < first - 1:            # a long edge: from its slot in the layer before
            y = dict(pic.slots[i])[first - 1]
            name = tex(nodes[e.src].name)
            half = text_cm(name, "small") / 2 + 0.2
            out.append(r"  \node[mcghost, inner sep=3pt] at %s {$%s$};"
                       % (xy((pic.xs[first - 1], y)), name))
            pts = [(pic.xs[first - 1] + half, y)] + [p for p in pts
                                                     if p[0] >= pic.right[first - 1] - eps]
        if ld > last:                 # leaves this part: a dashed stub to the next one
            pts = [p for p in pts if p[0] <= pic.right[last] + eps]
            if len(pts) > 1:
                out.append(r"  \draw[mcedge, -] %s;" % " -- ".join(xy(p) for p in pts))
            out.append(r"  \draw[mcstub] %s -- %s;"
                       % (xy(pts[-1]), xy((pic.right[last] + 0.7, pts[-1][1]))))
            continue
        out.append(r"  \draw[mcedge] %s;" % " -- ".join(xy(p) for p in pts))
        above, below = pic.label_text[i]
        boxes = pic.labels[i]
        texts.append(r"  \node[mclabel, anchor=south east] at %s {$%s$};"
                     % (xy((boxes[0].x1, boxes[0].y0)), above))
        if below:
            texts.append(r"  \node[mcback, anchor=north east] at %s {$%s$};"
                         % (xy((boxes[1].x1, boxes[1].y1)), below))
    out += texts
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def render_tikz(d: "Derivation") -> str:
    """The whole tikzpicture at its natural size (after TIKZ_STYLES, which the document
    must contain once)."""
    g = view(d)
    pic = picture(d, g)
    return _draw_band(d, g, pic, 0, len(pic.xs) - 1)


def render_tikz_parts(d: "Derivation", available: float) -> list[tuple[str, float]]:
    """The picture for a line of ``available`` cm: ``[(tikzpicture, width in cm)]``. One
    part when it fits the line, or a landscape page (a width above ``available``: the
    caller puts it on a page of its own, see ``fit_landscape``); else the parts of
    ``bands``, each within the line (a single layer wider than the line is the one case
    of a part wider than ``available``)."""
    g = view(d)
    pic = picture(d, g)
    if pic.width <= available or (pic.width <= LANDSCAPE_CM
                                  and pic.height <= LANDSCAPE_HEIGHT_CM):
        return [(_draw_band(d, g, pic, 0, len(pic.xs) - 1), pic.width)]
    return [(_draw_band(d, g, pic, a, b), _band_width(pic, a, b))
            for a, b in bands(pic, available)]


def part_heights(d: "Derivation", available: float) -> list[float]:
    """The heights (cm) of the parts ``render_tikz_parts`` draws (a part's boxes only)."""
    pic = picture(d)
    if pic.width <= available or (pic.width <= LANDSCAPE_CM
                                  and pic.height <= LANDSCAPE_HEIGHT_CM):
        return [pic.height]
    out = []
    for a, b in bands(pic, available):
        boxes = [box for k, box in pic.nodes.items() if a - 1 <= pic.layer[k] <= b]
        boxes += [box for i, bs in pic.labels.items() if a <= pic.layer[d.edges[i].dst] <= b
                  for box in bs]
        ys = [y for slots in pic.slots.values() for lyr, y in slots if a - 1 <= lyr <= b]
        top = max([x.y1 for x in boxes] + ys)
        out.append(top - min([x.y0 for x in boxes] + ys))
    return out


def fit_landscape(body: str, wide: float) -> str:
    """A part too wide for the line: on a landscape page of its own (pdflscape), scaled
    only when it is wider than that page too (the scale is written out as
    ``\\scalebox{s}``, so that the smallest font can be computed)."""
    if wide > LANDSCAPE_CM:
        picture, _, rest = body.partition("\\end{tikzpicture}")
        body = ("\\scalebox{%.3f}{%%\n%s\\end{tikzpicture}%%\n}%s"
                % (LANDSCAPE_CM / wide, picture, rest))
    return "\\begin{landscape}\n\\centering\n" + body + "\n\\end{landscape}"


def picture_width(d: "Derivation") -> float:
    """The picture's width in cm, drawn whole."""
    return picture(d).width
