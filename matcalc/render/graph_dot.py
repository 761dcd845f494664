"""Graphviz DOT source for a computation graph (``--format dot``, ``Derivation.to_dot()``).

Left to right, inputs first. A node shows its operation (``u = b*c``), its forward value
and dJ/dn; an edge, d(to)/d(from) (its value at the point) and, in red, what the backward
pass sends along it: dJ/d(to) * d(to)/d(from). ``dot -Tsvg`` or ``-Tpng`` draws it
(``matcalc graph ... -o graph.svg`` runs it when Graphviz is installed).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from .graph_common import approx, printable, view
from .text import show

if TYPE_CHECKING:
    from ..derivation import Derivation

#: symbolic dJ/dn longer than this (characters) is left out of a node's label
MAX_SYMBOLIC = 24


def quote(text: str) -> str:
    """A DOT string literal (double quotes, backslashes and newlines escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _value(v: sp.Basic) -> str:
    return show(v) if v.is_Rational and len(str(v)) <= 9 else approx(v)


def render_dot(d: "Derivation") -> str:
    g = view(d)
    out_name = g.output
    lines = [f"// {out_name} = {d.input}",
             "digraph computation_graph {",
             "  rankdir=LR;",
             "  nodesep=0.5; ranksep=1.1;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
             'fontname="Helvetica", fontsize=12];',
             '  edge [color="#1f4e8c", fontname="Helvetica", fontsize=10, arrowsize=0.8];']
    for n in d.nodes:
        rows = [_html(str(n.name) if n.is_input else f"{n.name} = {show(n.expr)}")]
        if g.values is not None:
            rows.append(f'<font color="#1f4e8c">= {_html(_value(g.values[n.name]))}</font>')
        if n.name != out_name:
            grad = None
            if g.values is not None:
                grad = _value(g.adjoint_value(n.name))
            else:
                s = g.shown(n.name)
                if printable(s) and len(show(s)) <= MAX_SYMBOLIC:
                    grad = show(s)
            if grad is not None:
                rows.append(f'<font color="#b22222">d{out_name}/d{n.name} = {_html(grad)}</font>')
        label = "<" + "<br/>".join(rows) + ">"
        attrs = [f"label={label}"]
        if n.is_input:
            attrs.append('fillcolor="#f2f2f2"')
        if n.name == out_name:
            attrs.append("penwidth=2")
        lines.append(f"  {quote(str(n.name))} [{', '.join(attrs)}];")
    for i, e in enumerate(d.edges):
        dst, src = d.nodes[e.dst].name, d.nodes[e.src].name
        text = f"d{dst}/d{src} = {show(e.local)}"
        rows = [_html(text)]
        if i in g.local_values:
            if not e.local.is_Number:
                rows[0] += " = " + _html(_value(g.local_values[i]))
            back = g.adjoint_value(dst) * g.local_values[i]
            rows.append(f'<font color="#b22222">back: {_html(_value(back))}</font>')
        lines.append(f"  {quote(str(src))} -> {quote(str(dst))} "
                     f"[label=<{'<br/>'.join(rows)}>];")
    lines.append("}")
    return "\n".join(lines) + "\n"
