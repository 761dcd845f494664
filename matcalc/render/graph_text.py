"""Plain text for a computation graph (``matcalc graph``, the default format)::

    Computation graph of J = 3*(a + b*c) at a = 5, b = 3, c = 2.

    Intermediate variables, one elementary operation each:
      u = b*c
      v = a + u
      J = 3*v

    Forward pass:
      u = b*c = 3*2 = 6
      ...

    Backward pass, from J back to the inputs (dJ/dJ = 1):
    1.  dJ/dv = d/dv (3*v) = 3                        [constant multiple rule]
    ...
    5.  dJ/db = dJ/du * du/db = 3 * c = 3*c = 3 * 2 = 6           [chain rule]
          du/db = d/db (b*c) = c                      [constant multiple rule]

Then the paths from the output to every input with their products and sums, the result
table dJ/d(input) (symbolic, and at the point) and the numeric check. Reads the Analysis
only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..engine.graph import Analysis
from ..rules.catalogue import RULES
from .graph_common import analysis, number, plugged, printable, shown
from .naming import Namer
from .text import (WIDTH, _needs_parens, _place_tag, operand, sentence_phrases, show, wrap,
                   wrap_phrases)

if TYPE_CHECKING:
    from ..derivation import Derivation


def title(rule: str) -> str:
    r = RULES.get(rule)
    return r.title if r else rule.replace("_", " ")


def factor(text: str) -> str:
    """``text`` as a factor of a product: in parentheses when it has an operator."""
    return f"({text})" if _needs_parens(text) else text


def value_text(v: sp.Basic) -> str:
    return number(v, show)


def approx_text(v: sp.Basic) -> str:
    """A value inside a product: exact when rational, else its decimal value only."""
    return show(v) if v.is_Rational else number(v, show).split(" ≈ ")[-1]


def point_text(a: Analysis) -> str:
    if a.point is None:
        return ""
    return ", ".join(f"{s} = {value_text(v)}" for s, v in a.point.items())


def d(num: sp.Symbol, den: sp.Symbol) -> str:
    return f"d{num}/d{den}"


def equation_lines(members: list[str], prefix: str, tag: str, width: int = WIDTH) -> list[str]:
    """``m0 = m1 = m2 ...`` on one line when it fits with its tag, else one member a line
    under the first, aligned on '='."""
    one = prefix + " = ".join(members)
    if len(one) + 2 + len(tag) + 2 <= width:
        return _place_tag([one], tag, width)
    lines = wrap(members[0] + (" = " + members[1] if len(members) > 1 else ""), width,
                 prefix, " " * (len(prefix) + len(members[0]) + 3))
    col = len(prefix) + len(members[0]) + 1
    if col > width // 2:
        col = len(prefix) + 2
    for m in members[2:]:
        lines.extend(wrap("= " + m, width, " " * col, " " * (col + 2)))
    return _place_tag(lines, tag, width)


def _dedupe(members: list[str]) -> list[str]:
    out: list[str] = []
    for m in members:
        if not out or out[-1] != m:
            out.append(m)
    return out


def local_line(a: Analysis, i: int, indent: str) -> list[str]:
    """du/db = d/db (b*c) = c   [constant multiple rule]"""
    g = a.graph
    e = g.edges[i]
    dst, src = g.nodes[e.dst], g.nodes[e.src]
    members = [f"d/d{src.name} {operand(dst.expr)}", show(e.local)]
    if e.dst != g.output:       # into the output, dJ/dx would read as the total derivative
        members.insert(0, d(dst.name, src.name))
    if a.local_values is not None and not e.local.is_Number:
        members.append(value_text(a.local_values[i]))
    return equation_lines(_dedupe(members), indent, title(e.rule))


def backward_lines(a: Analysis, width: int = WIDTH) -> list[str]:
    g = a.graph
    out_name = a.output.name
    lines: list[str] = []
    number_ = 0
    for k in a.order:
        if k == g.output:
            continue
        number_ += 1
        n = g.nodes[k].name
        prefix = f"{number_}.  "
        edges = [g.edges[i] for i in a.adjoints[k].edges]
        if len(edges) == 1 and edges[0].dst == g.output:
            e = edges[0]
            members = [d(out_name, n), f"d/d{n} {operand(g.nodes[e.dst].expr)}", show(e.local)]
            if a.values is not None and not e.local.is_Number:
                members.append(value_text(a.adjoints[k].value))
            lines.extend(equation_lines(_dedupe(members), prefix, title(e.rule), width))
            continue
        formula = " + ".join(f"{d(out_name, g.nodes[e.dst].name)} * {d(g.nodes[e.dst].name, n)}"
                             if e.dst != g.output else f"d/d{n} {operand(g.nodes[e.dst].expr)}"
                             for e in edges)
        terms = " + ".join((f"{factor(show(shown(a, e.dst)))} * " if e.dst != g.output else "")
                           + factor(show(e.local)) for e in edges)
        members = [d(out_name, n), formula, terms, show(shown(a, k))]
        if a.values is not None:
            idx = a.adjoints[k].edges
            at = " + ".join((f"{factor(approx_text(a.adjoints[e.dst].value))} * "
                             if e.dst != g.output else "")
                            + factor(approx_text(a.local_values[i])) for i, e in zip(idx, edges))
            if at != terms:
                members += [at, value_text(a.adjoints[k].value)]
        tag = ("chain rule" if len(edges) == 1 else
               f"{title('total_derivative')}: sum over the {len(edges)} edges out of {n}")
        lines.extend(equation_lines(_dedupe(members), prefix, tag, width))
        for i in a.adjoints[k].edges:
            lines.extend(local_line(a, i, " " * (len(prefix) + 2)))
    return lines


def path_lines(a: Analysis, width: int = WIDTH) -> list[str]:
    g = a.graph
    out_name = a.output.name
    lines: list[str] = []
    from ..engine.graph import route_names
    for k in g.inputs:
        x = g.nodes[k].name
        p = a.paths[k]
        rows = []
        for path in p.paths:
            route = " -> ".join(str(s) for s in route_names(a, path))
            product = " * ".join(factor(show(g.edges[e].local)) for e in path)
            value = ""
            if a.local_values is not None and any(not g.edges[e].local.is_Number for e in path):
                v = sp.S.One
                for e in path:
                    v = v * a.local_values[e]
                value = value_text(v)
            rows.append((route, product, value))
        total = show(a.path_sums[k]) if printable(a.path_sums[k]) else ""
        at = (f"   (= {value_text(a.adjoints[k].value)} at the point)"
              if a.values is not None else "")
        if p.count == 1:
            route, product, _ = rows[0]
            members = _dedupe([d(out_name, x), product] + ([total] if total else []))
            lines.extend(wrap(f"{route}:  " + " = ".join(members) + at, width, "  ", "      "))
            continue
        head = f"{d(out_name, x)} = sum over {p.count} paths"
        if not p.complete:
            head += (f" (the first {len(p.paths)} are listed; the backward pass adds all "
                     "of them)")
        lines.extend(wrap(head + ":", width, "  ", "      "))
        for route, product, value in rows:
            lines.extend(wrap(f"{route}:", width, "    ", "        "))
            lines.extend(wrap(product + (f"   (= {value})" if value else ""), width,
                              "        ", "          "))
        if total:
            lines.extend(wrap("= " + total + at, width, "    ", "      "))
    return lines


def render_graph_text(d_: "Derivation", width: int = WIDTH) -> str:
    a = analysis(d_)
    g = a.graph
    out_name = a.output.name
    where = [s for s in d_.steps if s.rule == "computation_graph"]
    head = [f"Computation graph of {out_name} = {d_.input}"]
    if a.point is not None:
        head[-1] += f" at {point_text(a)}."
    else:
        head[-1] += "."
    out = wrap_phrases(sentence_phrases(head[0]), width, "", "    ")
    out += ["", "Intermediate variables, one elementary operation each:"]
    for n in g.nodes:
        if not n.is_input:
            out.extend(wrap(f"{n.name} = {show(n.expr)}", width, "  ", "      "))
    inputs = ", ".join(str(g.nodes[k].name) for k in g.inputs)
    out.append(f"  (inputs: {inputs})")
    if a.values is not None:
        out += ["", "Forward pass:"]
        for n in g.nodes:
            if n.is_input:
                continue
            value = value_text(a.values[n.index])
            put = show(plugged(a, n.index))
            members = [str(n.name), show(n.expr)] + ([put] if put != value.split(" ≈ ")[0]
                                                      else []) + [value]
            out.extend(wrap(" = ".join(_dedupe(members)), width, "  ", "      "))
    if getattr(d_.options, "steps", True):      # --no-steps: nodes, values and results
        out.append("")
        out += wrap_phrases(sentence_phrases(
            f"Backward pass, from {out_name} back to the inputs "
            f"({d(out_name, out_name)} = 1):"), width, "", "  ")
        out += backward_lines(a, width)
        out.append("")
        out += wrap_phrases(sentence_phrases(
            f"Paths from {out_name} to each input (multiply the local derivatives along each "
            "path, add the paths):"), width, "", "  ")
        out += path_lines(a, width)
    out += ["", "Result:"]
    results = list(d_.results.items())
    namer = Namer([e for _, e in results])
    rows = []
    for k, (name, expr) in zip(g.inputs, results):
        x = g.nodes[k].name
        members = [d(out_name, x)]
        graph_form = shown(a, k)
        if graph_form != expr and printable(graph_form):
            members.append(show(graph_form))
        members.append(show(namer.shrink(expr)))
        line = " = ".join(_dedupe(members))
        if a.values is not None:
            line += f"   (= {value_text(a.adjoints[k].value)} at the point)"
        rows.append(line)
    for line in rows:
        out.extend(wrap(line, width, "  ", "      "))
    if namer.active:
        out.append("where")
        for name, expr in namer.where():
            out.extend(wrap(f"{name} = {show(expr)}", width, "  ", "      "))
    if d_.verification is not None:
        out.extend(wrap_phrases(sentence_phrases(d_.verification.summary()), width, "", "  "))
    del where
    return "\n".join(out) + "\n"
