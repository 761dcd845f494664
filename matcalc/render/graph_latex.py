r"""LaTeX and Markdown for a computation graph.

LaTeX: the TikZ picture of the graph (forward values in blue, dJ/dn in red, every edge
with its local derivative and the value it sends back), then ``align*`` blocks: the
intermediate variables, the forward pass, the backward pass (one row per node, the rule
in the tag, each local derivative on a row under it), the paths and the results.
``standalone`` gives a complete article (amsmath, amssymb, tikz, graphicx: all in
TeX Live's base, recommended and pictures collections); the fragment needs
``\usepackage{amsmath,tikz}`` in the document. Markdown has the same sections with
``$...$`` math and no picture (use ``--format dot`` or ``-o graph.svg`` for one).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy as sp

from ..engine.graph import Analysis
from ..rules.catalogue import RULES
from .graph_common import analysis, number, plugged, printable, shown
from .graph_tikz import TIKZ_STYLES, picture_width, render_tikz
from .latex import escape, operand, tex, width

if TYPE_CHECKING:
    from ..derivation import Derivation

#: estimated characters per row of an align* before its members go on rows of their own
ROW_LIMIT = 62
#: a picture wider than this (cm) is scaled to the line width
LINE_CM = 16.0


def _title(rule: str) -> str:
    r = RULES.get(rule)
    return r.title if r else rule.replace("_", " ")


def _d(num: sp.Symbol, den: sp.Symbol) -> str:
    return r"\frac{\partial %s}{\partial %s}" % (tex(num), tex(den))


def _op(den: sp.Symbol, expr: sp.Basic) -> str:
    return r"\frac{\partial}{\partial %s} %s" % (tex(den), operand(expr))


def _val(v: sp.Basic) -> str:
    return number(v, tex).replace("≈", r"\approx")


def _factor(latex: str) -> str:
    bare = latex.replace(r"\frac", "").replace(r"\left(", "").replace(r"\right)", "")
    if any(op in bare for op in ("+", " - ")) or latex.startswith("-"):
        return r"\left(%s\right)" % latex
    return latex


def _approx(v: sp.Basic) -> str:
    return tex(v) if v.is_Rational else _val(v).split(r"\approx")[-1].strip()


def _dedupe(members: list[str]) -> list[str]:
    out: list[str] = []
    for m in members:
        if not out or out[-1] != m:
            out.append(m)
    return out


def _rows(members: list[str], tag: str, raw_tag: str = "") -> list[str]:
    """``m0 &= m1 = m2`` on one row when short, else ``&= m_i`` rows; the tag on the first
    (``raw_tag``: already LaTeX)."""
    members = _dedupe(members)
    t = r" \tag*{%s}" % (raw_tag or escape(tag)) if (tag or raw_tag) else ""
    if sum(width(m) + 3 for m in members) <= ROW_LIMIT or len(members) < 2:
        return [f"{members[0]} &= " + " = ".join(members[1:]) + t]
    rows = [f"{members[0]} &= {members[1]}{t}"]
    rows += [f"&= {m}" for m in members[2:]]
    return rows


def _align(rows: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def backward_rows(a: Analysis) -> list[str]:
    g = a.graph
    out = a.output.name
    rows: list[str] = []
    count = 0
    for k in a.order:
        if k == g.output:
            continue
        count += 1
        n = g.nodes[k].name
        edges = [(i, g.edges[i]) for i in a.adjoints[k].edges]
        if len(edges) == 1 and edges[0][1].dst == g.output:
            i, e = edges[0]
            members = [_d(out, n), _op(n, g.nodes[e.dst].expr), tex(e.local)]
            if a.values is not None and not e.local.is_Number:
                members.append(_val(a.adjoints[k].value))
            rows += _rows(members, f"({count}) {_title(e.rule)}")
            continue
        formula = " + ".join(_d(out, g.nodes[e.dst].name) + _d(g.nodes[e.dst].name, n)
                             if e.dst != g.output else _op(n, g.nodes[e.dst].expr)
                             for _, e in edges)
        terms = " + ".join((_factor(tex(shown(a, e.dst))) + r" \cdot " if e.dst != g.output
                            else "") + _factor(tex(e.local)) for _, e in edges)
        members = [_d(out, n), formula, terms, tex(shown(a, k))]
        if a.values is not None:
            at = " + ".join((_factor(_approx(a.adjoints[e.dst].value)) + r" \cdot "
                             if e.dst != g.output else "") + _factor(_approx(a.local_values[i]))
                            for i, e in edges)
            if at != terms:
                members += [at, _val(a.adjoints[k].value)]
        tag = (f"({count}) chain rule" if len(edges) == 1 else
               f"({count}) total derivative: {len(edges)} paths")
        rows += _rows(members, tag)
        for i, e in edges:
            local = [_op(n, g.nodes[e.dst].expr), tex(e.local)]
            if e.dst != g.output:
                local.insert(0, _d(g.nodes[e.dst].name, n))
            if a.local_values is not None and not e.local.is_Number:
                local.append(_val(a.local_values[i]))
            local = _dedupe(local)
            rows.append(r"&\qquad %s \tag*{%s}" % (" = ".join(local), escape(_title(e.rule))))
    return rows


def path_rows(a: Analysis) -> list[str]:
    from ..engine.graph import route_names
    g = a.graph
    out = a.output.name
    rows: list[str] = []
    for k in g.inputs:
        x = g.nodes[k].name
        p = a.paths[k]
        products = []
        for path in p.paths:
            route = r" \to ".join(tex(s) for s in route_names(a, path))
            prod = r" \cdot ".join(_factor(tex(g.edges[e].local)) for e in path)
            products.append((route, prod))
        note = "" if p.complete else f" (first {len(p.paths)} of {p.count} paths listed)"
        total = tex(a.path_sums[k]) if printable(a.path_sums[k]) else ""
        if p.count == 1:
            route, prod = products[0]
            rows += _rows(_dedupe([_d(out, x), prod] + ([total] if total else [])), "",
                          raw_tag=r"one path: $%s$" % route)
            continue
        rows.append(r"%s &= \sum_{\text{%d paths}}%s" % (_d(out, x), p.count, escape(note)))
        for route, prod in products:
            rows.append(r"&\qquad %s:\ %s" % (route, prod))
        if total:
            rows.append(f"&= {total}")
    return rows


def _header(d: "Derivation", a: Analysis, math: bool = False) -> str:
    expr = a.written if a.written is not None else d.expr
    head = r"Computation graph of $%s = %s$" % (tex(a.output.name), tex(expr))
    if a.point is not None:
        head += " at " + ", ".join(f"${tex(s)} = {_val(v)}$" for s, v in a.point.items())
    return head + "."


def _sections(d: "Derivation", a: Analysis) -> list[tuple[str, list[str]]]:
    g = a.graph
    out = a.output.name
    parts: list[tuple[str, list[str]]] = []
    parts.append(("Intermediate variables, one elementary operation each:",
                  [f"{tex(n.name)} &= {tex(n.expr)}" for n in g.nodes if not n.is_input]))
    if a.values is not None:
        rows = []
        for n in g.nodes:
            if n.is_input:
                continue
            value = _val(a.values[n.index])
            put = tex(plugged(a, n.index))
            rows.append(" = ".join(_dedupe([f"{tex(n.name)} &= {tex(n.expr)}"]
                                           + ([put] if put != value.split(r" \approx")[0]
                                              else []) + [value])))
        parts.append(("Forward pass:", rows))
    if getattr(d.options, "steps", True):       # --no-steps: nodes, values and results
        parts.append((f"Backward pass, from ${tex(out)}$ back to the inputs "
                      f"(${_d(out, out)} = 1$):", backward_rows(a)))
        parts.append((f"Paths from ${tex(out)}$ to each input (multiply the local "
                      "derivatives along each path, add the paths):", path_rows(a)))
    results = []
    for k, (name, expr) in zip(g.inputs, d.results.items()):
        x = g.nodes[k].name
        members = [_d(out, x)]
        form = shown(a, k)
        if form != expr and printable(form):
            members.append(tex(form))
        members.append(tex(expr) if printable(expr) else r"\text{(large: see --format json)}")
        if a.values is not None:
            members.append(_val(a.adjoints[k].value))
        results += _rows(members, "")
    parts.append(("Result:", results))
    return parts


def render_graph_latex(d: "Derivation", standalone: bool = False, display: bool = False) -> str:
    a = analysis(d)
    if display:       # Jupyter's MathJax: no TikZ; the results only
        rows = []
        for k, (name, expr) in zip(a.graph.inputs, d.results.items()):
            rows.append(r"%s &= %s" % (_d(a.output.name, a.graph.nodes[k].name), tex(expr)))
        return "$$\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}$$"
    picture = render_tikz(d)
    wide = picture_width(d)
    if wide > LINE_CM and not standalone:     # a fragment: fit the line
        picture = "\\resizebox{\\linewidth}{!}{%\n" + picture + "%\n}"
    body = [r"\noindent " + _header(d, a), "", r"\begin{center}", picture, r"\end{center}"]
    for heading, rows in _sections(d, a):
        body += ["", r"\noindent " + heading, _align(rows)]
    if d.verification is not None:
        body += ["", r"\noindent " + escape(d.verification.summary())]
    if not standalone:
        return ("% needs \\usepackage{amsmath,graphicx,tikz}\n" + TIKZ_STYLES + "\n"
                + "\n".join(body) + "\n")
    # a complete document gets a page wide enough for the picture at its natural size
    paper = max(21.0, wide + 4.0)
    doc = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage{amssymb}",
           r"\usepackage{graphicx}", r"\usepackage{tikz}",
           r"\usepackage[paperwidth=%.1fcm, paperheight=29.7cm, hmargin=2cm, vmargin=2.5cm]"
           r"{geometry}" % paper, r"\allowdisplaybreaks", TIKZ_STYLES,
           r"\begin{document}", *body, r"\end{document}", ""]
    return "\n".join(doc)


# ----------------------------------------------------------------------------- Markdown

def render_graph_markdown(d: "Derivation") -> str:
    a = analysis(d)
    out = ["### " + _header(d, a), ""]
    for heading, rows in _sections(d, a):
        rows = [re.sub(r" \\tag\*\{(.*)\}$", r" && \\text{\1}", r) for r in rows]
        out += [heading, "", "$$\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}$$", ""]
    if d.verification is not None:
        out += [d.verification.summary().replace("*", r"\*"), ""]
    return "\n".join(out)
