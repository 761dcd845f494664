r"""LaTeX and Markdown for a computation graph.

LaTeX: the TikZ picture of the graph (forward values in blue, dJ/dn in red, every edge
with its local derivative and the value it sends back), then ``align*`` blocks: the
intermediate variables, the forward pass, the backward pass (one row per node, the rule
in the tag, each local derivative on a row under it), the paths and the results; all of
it read off the Steps (``graph_common.view``). The forward pass puts each operand's value
where its name stands (``plugged_tex``).
``standalone`` gives a complete article (amsmath, amssymb, tikz, graphicx: all in
TeX Live's base, recommended and pictures collections) on a page as large as the
picture; the fragment (handouts: a 6.3 in line) needs ``\usepackage{amsmath,graphicx,
tikz}`` and, when its first line says so, ``pdflscape``: a picture is never scaled down,
it is drawn whole when it fits the line, on a landscape page when it fits that, else in
parts of whole layers (``graph_tikz.render_tikz_parts``); a graph too large even for that
is named in a sentence instead. Markdown has the same sections with ``$...$`` math and no
picture (use ``--format dot`` or ``-o graph.svg`` for one).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy as sp

from ..rules.catalogue import RULES
from .graph_common import GraphView, number, plugged_value, printable, put_values, view
from .graph_tikz import (TIKZ_STYLES, fit_landscape, legend, part_heights, picture,
                         render_tikz, render_tikz_parts)
from .latex import MatcalcLatexPrinter, escape, operand, tex
from .latex import plain_width as width


if TYPE_CHECKING:
    from ..derivation import Derivation

#: estimated characters per row of an align* before its members go on rows of their own
ROW_LIMIT = 62
#: a picture wider than this (cm: the handouts' line, 6.3 in) is drawn in parts
LINE_CM = 16.0
#: a picture in more parts than this, or with a part taller than this (cm: the handouts'
#: text height, less room for the header), is not drawn in a fragment: a sentence says so
MAX_PARTS = 6
PAGE_CM = 18.0
#: between the parts of a picture drawn in parts
CONTINUED = (r"\noindent{\small The graph continues below; dashed, on the left of each "
             r"part: the nodes (and the edges passing through) that it continues from.}")


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


def plugged_tex(g: GraphView, name: sp.Symbol) -> str:
    r"""The operation with its operands' values in place of their names, products with a
    dot (3 \cdot 2 for u = bc), the numbers in the order of the symbols."""
    expr = g.operations[name]
    operands = [s for s in g.values if s in expr.free_symbols] if g.values else []
    dotted = MatcalcLatexPrinter({"mul_symbol": "dot"}).doprint(expr)
    return put_values(dotted, {s: tex(s) for s in operands},
                      {s: tex(plugged_value(g.values[s])) for s in operands}, latex=True)


def backward_rows(g: GraphView) -> list[str]:
    out = g.output
    rows: list[str] = []
    count = 0
    for n in g.order:
        step, part = g.adjoints[n]
        if part.is_output:
            continue
        count += 1
        terms_ = part.terms
        if len(terms_) == 1 and terms_[0].consumer == out:
            t = terms_[0]
            members = [_d(out, n), _op(n, t.operation), tex(t.local)]
            if part.value is not None and not t.local.is_Number:
                members.append(_val(part.value))
            rows += _rows(members, f"({count}) {_title(t.rule)}")
            continue
        formula = " + ".join(_d(out, t.consumer) + _d(t.consumer, n)
                             if t.consumer != out else _op(n, t.operation) for t in terms_)
        terms = " + ".join((_factor(tex(g.shown(t.consumer))) + r" \cdot " if t.consumer != out
                            else "") + _factor(tex(t.local)) for t in terms_)
        members = [_d(out, n), formula, terms, tex(g.shown(n))]
        if part.value is not None:
            at = " + ".join((_factor(_approx(g.adjoint_value(t.consumer))) + r" \cdot "
                             if t.consumer != out else "") + _factor(_approx(t.local_value))
                            for t in terms_)
            if at != terms:
                members += [at, _val(part.value)]
        tag = (f"({count}) chain rule" if len(terms_) == 1 else
               f"({count}) total derivative: {len(terms_)} paths")
        rows += _rows(members, tag)
        for t in terms_:
            local = [_op(n, t.operation), tex(t.local)]
            if t.consumer != out:
                local.insert(0, _d(t.consumer, n))
            if t.local_value is not None and not t.local.is_Number:
                local.append(_val(t.local_value))
            local = _dedupe(local)
            rows.append(r"&\qquad %s \tag*{%s}" % (" = ".join(local), escape(_title(t.rule))))
    return rows


def path_rows(g: GraphView) -> list[str]:
    out = g.output
    rows: list[str] = []
    for x in g.inputs:
        step, p = g.paths[x]
        products = []
        for path in p.paths:
            route = r" \to ".join(tex(s) for s in path.route)
            prod = r" \cdot ".join(_factor(tex(f)) for f in path.factors)
            products.append((route, prod))
        note = "" if p.complete else f" (first {len(p.paths)} of {p.count} paths listed)"
        total = tex(step.result) if printable(step.result) else ""
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


def _header(d: "Derivation", g: GraphView) -> str:
    if printable(g.written):
        head = r"Computation graph of $%s = %s$" % (tex(g.output), tex(g.written))
    else:             # a DAG whose tree is too large to print: its operations say it
        head = (r"Computation graph of $%s$ (%d operations, below; written out, the "
                r"expression is too large to print)" % (tex(g.output), len(g.operations)))
    if g.point is not None:
        head += " at " + ", ".join(f"${tex(s)} = {_val(v)}$" for s, v in g.point.items())
    return head + "."


def _sections(d: "Derivation", g: GraphView) -> list[tuple[str, list[str]]]:
    out = g.output
    parts: list[tuple[str, list[str]]] = []
    parts.append(("Intermediate variables, one elementary operation each:",
                  [f"{tex(name)} &= {tex(expr)}" for name, expr in g.operations.items()]))
    if g.values is not None:
        rows = []
        for name, expr in g.operations.items():
            value = _val(g.values[name])
            put = plugged_tex(g, name)
            rows.append(" = ".join(_dedupe([f"{tex(name)} &= {tex(expr)}"]
                                           + ([put] if put != value.split(r" \approx")[0]
                                              else []) + [value])))
        parts.append(("Forward pass:", rows))
    if getattr(d.options, "steps", True):       # --no-steps: nodes, values and results
        parts.append((f"Backward pass, from ${tex(out)}$ back to the inputs "
                      f"(${_d(out, out)} = 1$):", backward_rows(g)))
        parts.append((f"Paths from ${tex(out)}$ to each input (multiply the local "
                      "derivatives along each path, add the paths):", path_rows(g)))
    results = []
    for x, (name, expr) in zip(g.inputs, d.results.items()):
        members = [_d(out, x)]
        form = g.shown(x)
        if form != expr and printable(form):
            members.append(tex(form))
        members.append(tex(expr) if printable(expr) else r"\text{(large: see --format json)}")
        if g.values is not None:
            members.append(_val(g.adjoint_value(x)))
        results += _rows(members, "")
    parts.append(("Result:", results))
    return parts


def render_graph_latex(d: "Derivation", standalone: bool = False, display: bool = False) -> str:
    g = view(d)
    if display:       # Jupyter's MathJax: no TikZ; the results only
        rows = []
        for x, (name, expr) in zip(g.inputs, d.results.items()):
            rows.append(r"%s &= %s" % (_d(g.output, x), tex(expr)))
        return "$$\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}$$"
    packages = ["amsmath", "graphicx", "tikz"]
    caption = r"\par\nopagebreak\smallskip{\small %s}" % legend(d, g)
    if standalone:    # a page wide and tall enough for the picture at its natural size
        drawn = picture(d, g)
        wide, high = drawn.width, drawn.height
        pictures = [r"\begin{center}", render_tikz(d), caption, r"\end{center}"]
    else:             # a fragment: parts that fit the line, never scaled down
        pictures = []
        parts = render_tikz_parts(d, LINE_CM)
        if len(parts) > MAX_PARTS or any(h > PAGE_CM for h in part_heights(d, LINE_CM)):
            parts, caption = [], ""
            pictures = [r"\noindent{\small (The graph has %d nodes: too many to draw "
                        r"legibly on a page; \texttt{matcalc graph --format dot} or "
                        r"\texttt{--standalone} draws it whole.)}" % len(d.nodes)]
        for n, (tikz, wide) in enumerate(parts):
            if n:
                pictures += ["", CONTINUED, r"\nopagebreak", ""]
            last = caption if n == len(parts) - 1 else ""
            if wide <= LINE_CM:
                pictures += [r"\begin{center}", tikz, last, r"\end{center}"]
            else:
                pictures.append(fit_landscape(tikz + "\n" + last, wide))
                packages.append("pdflscape")
    body = [r"\noindent " + _header(d, g), "", *pictures]
    for heading, rows in _sections(d, g):
        body += ["", r"\noindent " + heading, _align(rows)]
    if d.verification is not None:
        body += ["", r"\noindent " + escape(d.verification.summary())]
    if not standalone:
        return (f"% needs \\usepackage{{{','.join(packages)}}}\n" + TIKZ_STYLES + "\n"
                + "\n".join(body) + "\n")
    paper = max(21.0, wide + 4.0)
    tall = max(29.7, high + 12.0)
    doc = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage{amssymb}",
           r"\usepackage{graphicx}", r"\usepackage{tikz}",
           r"\usepackage[paperwidth=%.1fcm, paperheight=%.1fcm, hmargin=2cm, vmargin=2.5cm]"
           r"{geometry}" % (paper, tall), r"\allowdisplaybreaks", TIKZ_STYLES,
           r"\begin{document}", *body, r"\end{document}", ""]
    return "\n".join(doc)


# ----------------------------------------------------------------------------- Markdown

def render_graph_markdown(d: "Derivation") -> str:
    g = view(d)
    out = ["### " + _header(d, g), ""]
    for heading, rows in _sections(d, g):
        rows = [re.sub(r" \\tag\*\{(.*)\}$", r" && \\text{\1}", r) for r in rows]
        out += [heading, "", "$$\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}$$", ""]
    if d.verification is not None:
        out += [d.verification.summary().replace("*", r"\*"), ""]
    return "\n".join(out)


def render_latex(d: "Derivation", standalone: bool = False, display: bool = False,
                 notation: object = None) -> str:
    """The format table's LaTeX of a graph: :func:`render_graph_latex` with the finishing
    passes (a graph keeps matcalc's notation: ``notation`` is accepted and not used)."""
    from .latex import finish
    return finish(render_graph_latex(d, standalone=standalone, display=display))


def render_jupyter(d: "Derivation") -> str:
    """Jupyter's display of a graph: its results as one MathJax block."""
    return render_latex(d, display=True)
