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
table dJ/d(input) (symbolic, and at the point) and the numeric check. Reads the Steps
only (through ``graph_common.view``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..engine.graph import LocalTerm
from ..rules.catalogue import RULES
from .graph_common import GraphView, number, plugged_value, printable, put_values, view
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


def point_text(g: GraphView) -> str:
    if g.point is None:
        return ""
    return ", ".join(f"{s} = {value_text(v)}" for s, v in g.point.items())


def plugged_text(g: GraphView, name: sp.Symbol) -> str:
    """The operation with its operands' values in place of their names: 3*2 for u = b*c."""
    expr = g.operations[name]
    operands = [s for s in g.values if s in expr.free_symbols] if g.values else []
    return put_values(show(expr), {s: show(s) for s in operands},
                      {s: show(plugged_value(g.values[s])) for s in operands})


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


def local_line(g: GraphView, t: LocalTerm, indent: str) -> list[str]:
    """du/db = d/db (b*c) = c   [constant multiple rule]"""
    members = [f"d/d{t.operand} {operand(t.operation)}", show(t.local)]
    if t.consumer != g.output:   # into the output, dJ/dx would read as the total derivative
        members.insert(0, d(t.consumer, t.operand))
    if t.local_value is not None and not t.local.is_Number:
        members.append(value_text(t.local_value))
    return equation_lines(_dedupe(members), indent, title(t.rule))


def backward_lines(g: GraphView, width: int = WIDTH) -> list[str]:
    out_name = g.output
    lines: list[str] = []
    number_ = 0
    for n in g.order:
        step, part = g.adjoints[n]
        if part.is_output:
            continue
        number_ += 1
        prefix = f"{number_}.  "
        terms_ = part.terms
        if len(terms_) == 1 and terms_[0].consumer == out_name:
            t = terms_[0]
            members = [d(out_name, n), f"d/d{n} {operand(t.operation)}", show(t.local)]
            if part.value is not None and not t.local.is_Number:
                members.append(value_text(part.value))
            lines.extend(equation_lines(_dedupe(members), prefix, title(t.rule), width))
            continue
        formula = " + ".join(f"{d(out_name, t.consumer)} * {d(t.consumer, n)}"
                             if t.consumer != out_name else f"d/d{n} {operand(t.operation)}"
                             for t in terms_)
        terms = " + ".join((f"{factor(show(g.shown(t.consumer)))} * "
                            if t.consumer != out_name else "")
                           + factor(show(t.local)) for t in terms_)
        members = [d(out_name, n), formula, terms, show(g.shown(n))]
        if part.value is not None:
            at = " + ".join((f"{factor(approx_text(g.adjoint_value(t.consumer)))} * "
                             if t.consumer != out_name else "")
                            + factor(approx_text(t.local_value)) for t in terms_)
            if at != terms:
                members += [at, value_text(part.value)]
        tag = ("chain rule" if len(terms_) == 1 else
               f"{title('total_derivative')}: sum over the {len(terms_)} edges out of {n}")
        lines.extend(equation_lines(_dedupe(members), prefix, tag, width))
        for t in terms_:
            lines.extend(local_line(g, t, " " * (len(prefix) + 2)))
    return lines


def path_lines(g: GraphView, width: int = WIDTH) -> list[str]:
    out_name = g.output
    lines: list[str] = []
    for x in g.inputs:
        step, p = g.paths[x]
        rows = []
        for path in p.paths:
            route = " -> ".join(str(s) for s in path.route)
            product = " * ".join(factor(show(f)) for f in path.factors)
            value = ""
            if path.value is not None and any(not f.is_Number for f in path.factors):
                value = value_text(path.value)
            rows.append((route, product, value))
        total = show(step.result) if printable(step.result) else ""
        at = (f"   (= {value_text(g.adjoint_value(x))} at the point)"
              if g.values is not None else "")
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
    """The whole graph derivation as text (see the module docstring)."""
    g = view(d_)
    out_name = g.output
    head = [f"Computation graph of {out_name} = {d_.input}"]
    if g.point is not None:
        head[-1] += f" at {point_text(g)}."
    else:
        head[-1] += "."
    out = wrap_phrases(sentence_phrases(head[0]), width, "", "    ")
    out += ["", "Intermediate variables, one elementary operation each:"]
    for name, expr in g.operations.items():
        out.extend(wrap(f"{name} = {show(expr)}", width, "  ", "      "))
    inputs = ", ".join(str(x) for x in g.inputs)
    out.append(f"  (inputs: {inputs})")
    if g.values is not None:
        out += ["", "Forward pass:"]
        for name, expr in g.operations.items():
            value = value_text(g.values[name])
            put = plugged_text(g, name)
            members = [str(name), show(expr)] + ([put] if put != value.split(" ≈ ")[0]
                                                 else []) + [value]
            out.extend(wrap(" = ".join(_dedupe(members)), width, "  ", "      "))
    if getattr(d_.options, "steps", True):      # --no-steps: nodes, values and results
        out.append("")
        out += wrap_phrases(sentence_phrases(
            f"Backward pass, from {out_name} back to the inputs "
            f"({d(out_name, out_name)} = 1):"), width, "", "  ")
        out += backward_lines(g, width)
        out.append("")
        out += wrap_phrases(sentence_phrases(
            f"Paths from {out_name} to each input (multiply the local derivatives along each "
            "path, add the paths):"), width, "", "  ")
        out += path_lines(g, width)
    out += ["", "Result:"]
    results = list(d_.results.items())
    namer = Namer([e for _, e in results])
    rows = []
    for x, (name, expr) in zip(g.inputs, results):
        members = [d(out_name, x)]
        graph_form = g.shown(x)
        if graph_form != expr and printable(graph_form):
            members.append(show(graph_form))
        members.append(show(namer.shrink(expr)))
        line = " = ".join(_dedupe(members))
        if g.values is not None:
            line += f"   (= {value_text(g.adjoint_value(x))} at the point)"
        rows.append(line)
    for line in rows:
        out.extend(wrap(line, width, "  ", "      "))
    if namer.active:
        out.append("where")
        for name, expr in namer.where():
            out.extend(wrap(f"{name} = {show(expr)}", width, "  ", "      "))
    if d_.verification is not None:
        out.extend(wrap_phrases(sentence_phrases(d_.verification.summary()), width, "", "  "))
    return "\n".join(out) + "\n"
