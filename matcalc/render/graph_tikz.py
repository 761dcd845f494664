r"""The computation graph as a TikZ picture (tikz only: no graph-drawing library).

The layout is computed here (``graph_common.layered``): inputs on the left, the output on
the right, one column per layer, long edges bent through slots of their own. Columns are
spaced so that every edge label fits between them (its width is estimated from the
LaTeX), rows so that labels of neighbouring edges stay apart. Each node shows its
operation, its forward value (blue) and dJ/dn (red); each edge d(to)/d(from) with its
value and, in red below it, what it sends back: dJ/d(to) * d(to)/d(from).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from .graph_common import GraphView, approx, layered, printable, view
from .latex import tex, width

if TYPE_CHECKING:
    from ..derivation import Derivation

#: cm per estimated character: node text (\small) and edge labels (\scriptsize)
NODE_CHAR = 0.21
LABEL_CHAR = 0.17
#: vertical distance between rows, cm
ROW_HEIGHT = 2.3
#: smallest gap between two columns, cm
MIN_GAP = 1.4
#: symbolic dJ/dn wider than this (characters) is left out of the picture (see the table)
MAX_SYMBOLIC = 16

TIKZ_STYLES = r"""\tikzset{
  mcinput/.style={draw, rounded corners=2pt, fill=black!6, inner sep=3pt, align=center, font=\small},
  mcop/.style={draw, rounded corners=6pt, fill=blue!4, inner sep=3pt, align=center, font=\small},
  mcout/.style={mcop, very thick},
  mcedge/.style={->, >=stealth, thick, blue!60!black, rounded corners=8pt},
  mclabel/.style={font=\scriptsize, inner sep=1pt, text=black, fill=white, fill opacity=0.85, text opacity=1},
  mcback/.style={font=\scriptsize, inner sep=1pt, text=red!75!black, fill=white, fill opacity=0.85, text opacity=1},
}"""


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
    return lines


def edge_texts(d: "Derivation", g: GraphView, i: int) -> tuple[str, str]:
    """(the label above the edge: d(to)/d(from) = local [= value], the red label below:
    the backward value dJ/d(to) * local), as math."""
    e = d.edges[i]
    dst, src = d.nodes[e.dst].name, d.nodes[e.src].name
    above = f"{_d(dst, src)} = {tex(e.local)}"
    below = ""
    if i in g.local_values:
        v = g.local_values[i]
        if not e.local.is_Number:
            above += f" = {_value(v)}"
        below = r"\leftarrow " + _value(g.adjoint_value(dst) * v)
    return above, below


def _w(latex: str, per_char: float) -> float:
    return width(latex) * per_char


def _geometry(d: "Derivation", gv: GraphView):
    g = d
    lay = layered(d.nodes, d.edges)
    lines = {k: node_lines(d, gv, k) for k in range(len(g.nodes))}
    plain = lambda t: t.replace(r"\color{blue!60!black}", "").replace(r"\color{red!75!black}", "")  # noqa: E731
    node_w = {k: max(_w(plain(t), NODE_CHAR) for t in ls) + 0.3 for k, ls in lines.items()}
    col_w = [0.6] * lay.layers
    for k, lyr in lay.layer.items():
        col_w[lyr] = max(col_w[lyr], node_w[k])
    labels = {i: edge_texts(d, gv, i) for i in range(len(g.edges))}
    gap = [MIN_GAP] * max(lay.layers - 1, 1)
    for i, e in enumerate(g.edges):
        lyr = lay.layer[e.src]
        need = max(_w(labels[i][0], LABEL_CHAR), _w(labels[i][1], LABEL_CHAR)) + 0.5
        # a steep edge needs a longer run to keep its label clear of the nodes
        first = lay.bends[i][0] if lay.bends[i] else (lay.layer[e.dst], lay.rows[e.dst])
        rise = abs(first[1] - lay.rows[e.src]) * ROW_HEIGHT
        need = max(need, need * 0.5 + rise * 0.35)
        gap[lyr] = max(gap[lyr], need)
    xs = [0.0] * lay.layers
    for lyr in range(1, lay.layers):
        xs[lyr] = xs[lyr - 1] + col_w[lyr - 1] / 2 + gap[lyr - 1] + col_w[lyr] / 2
    return lay, lines, labels, xs, col_w


def render_tikz(d: "Derivation") -> str:
    """The tikzpicture (after TIKZ_STYLES, which the document must contain once)."""
    g = d
    gv = view(d)
    lay, lines, labels, xs, _ = _geometry(d, gv)
    out = [r"\begin{tikzpicture}"]
    for n in g.nodes:
        style = "mcinput" if n.is_input else ("mcout" if n.name == gv.output else "mcop")
        body = r" \\ ".join(f"${t}$" for t in lines[n.index])
        out.append(r"  \node[%s] (n%d) at (%.2f,%.2f) {%s};"
                   % (style, n.index, xs[lay.layer[n.index]], -lay.rows[n.index] * ROW_HEIGHT, body))
    # lines first, labels after them: a label is never crossed by a later line
    texts = []
    for i, e in enumerate(g.edges):
        above, below = labels[i]
        label = r"node[mclabel, above, sloped] {$%s$}" % above
        if below:
            label += r" node[mcback, below, sloped] {$%s$}" % below
        points = [r"(%.2f,%.2f)" % (xs[lyr], -row * ROW_HEIGHT) for lyr, row in lay.bends[i]]
        route = "".join(" -- " + p for p in points)
        out.append(r"  \draw[mcedge] (n%d)%s -- (n%d);" % (e.src, route, e.dst))
        first = points[0] if points else "(n%d)" % e.dst
        texts.append(r"  \path (n%d) -- %s %s;" % (e.src, label, first))
    out += texts
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def picture_width(d: "Derivation") -> float:
    """The picture's estimated width in cm (the document scales it to the line when wider)."""
    lay, _, _, xs, col_w = _geometry(d, view(d))
    return xs[-1] + col_w[0] / 2 + col_w[-1] / 2
