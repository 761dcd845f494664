"""Plain-text rendering for an 80-column terminal (the CLI's default output).

::

    Differentiate f(x) = ln(sin(x^3)^2) with respect to x.

    1.  d/dx ln(sin(x^3)^2) = 6*x^2*cos(x^3)/sin(x^3)          [chain rule]
      1.1  Name the nested functions:          [introduce intermediate variables]
             u1 = x^3
      ...

Steps are numbered (1., 1.2, 1.2.3), indented two columns a level, and end with the rule's
title in brackets. Long lines wrap with an indented continuation; no line exceeds the width.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy as sp

from ..syntax import SyntaxPrinter
from .naming import (convention, shows_layout, times, Differential, Entry, Grid, Heading, Jacobian, Leibniz, Nabla, Operator,
                     Part, Plan, Product, Sum, Value, Words, declared_shapes, matrix_printing,
                     as_typed, objective, plan, printing_for)

if TYPE_CHECKING:
    from ..derivation import Derivation

WIDTH = 80
#: Column at which rule tags are aligned when the line leaves room.
TAG_COLUMN = 52
#: Deeper steps are not indented further (the number still shows the depth).
MAX_INDENT_LEVEL = 10


class TextPrinter(SyntaxPrinter):
    """The input-syntax printer (``^`` powers, ``e``, ``sqrt``, matcalc's function names,
    matrices on one line), with ``ln`` for the natural logarithm and ``lhs = rhs``."""

    def _print_log(self, expr: sp.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Equality(self, expr: sp.Eq) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"


def show(expr: sp.Basic) -> str:
    """An (already shrunk) expression in the text style (with declared shapes: matcalc's
    matrix syntax, ``X.T @ A @ dX``)."""
    if matrix_printing():
        from ..matrix.printing import matrix_syntax
        return matrix_syntax(expr)
    return TextPrinter().doprint(expr)


def _needs_parens(text: str) -> bool:
    """Whether ``text`` has an operator outside parentheses (so it needs them as a factor)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and (ch in " +*/" or (ch == "-" and i > 0)):
            return True
    return text.startswith("-")


def _is_call(text: str) -> bool:
    """``name(...)`` whose first parenthesis closes at the very end."""
    m = re.match(r"[A-Za-z_][A-Za-z_0-9]*\(", text)
    if not m or not text.endswith(")"):
        return False
    depth = 0
    for i in range(m.end() - 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def operand(expr: sp.Basic) -> str:
    """How ``expr`` reads after d/dx: bare for symbols, numbers and calls, else in parentheses."""
    text = show(expr)
    if _is_call(text) or (isinstance(expr, sp.Atom) and not _needs_parens(text)):
        return text
    return f"({text})"


def differential_text(expr: sp.Basic) -> str:
    """d f, d tr(X.T @ X), d(X.T @ A): the d of a differential before its operand."""
    text = show(expr)
    if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
        return "d" + text
    return ("d " + text) if _is_call(text) else f"d({text})"


def _tuple(symbols: tuple[sp.Symbol, ...]) -> str:
    return symbols[0].name if len(symbols) == 1 else "(" + ", ".join(s.name for s in symbols) + ")"


def part_text(part: Part) -> str:
    """One side of an equation (a matrix on one line; see ``part_block`` for several)."""
    if isinstance(part, Leibniz):
        if part.first is not None:
            return f"d^2{part.num}/d{part.den}d{part.first}"
        if part.order == 0:
            return str(part.num)
        if part.order != 1:
            return f"d^{part.order}{part.num}/d{part.den}^{part.order}"
        return f"d{part.num}/d{part.den}"
    if isinstance(part, Operator):
        return f"d/d{part.wrt} {operand(part.expr)}"
    if isinstance(part, Value):
        return show(part.expr)
    if isinstance(part, Jacobian) and part.name:      # J.T with the matrix syntax
        return part.name + ((".T" if matrix_printing() else "^T") if part.transposed else "")
    if isinstance(part, Jacobian):
        text = f"d{_tuple(part.num)}/d{_tuple(part.den)}"
        if part.held:
            text += f"|{_tuple(part.held)}"
        return f"[{text}]^T" if part.transposed else text
    if isinstance(part, Nabla):
        return f"grad {part.function}"
    if isinstance(part, Differential):
        return differential_text(part.expr)
    if isinstance(part, Words):
        return "".join(p if isinstance(p, str) else show(p) for p in part.pieces)
    if isinstance(part, Grid):
        rows = ["[" + ", ".join(part_text(c) for c in row) + "]" for row in part.rows]
        return rows[0] if len(rows) == 1 else "[" + ", ".join(rows) + "]"
    if isinstance(part, Sum):
        return " + ".join(part_text(t) for t in part.terms)
    pieces = []
    for f in part.factors:
        t = part_text(f)
        pieces.append(f"({t})" if isinstance(f, Value) and _needs_parens(t) else t)
    return " * ".join(pieces)


def join(parts: tuple[Part, ...], texts: list[str]) -> str:
    """The members of an entry in one line: ``=`` between them, but words (``Words``)
    between two equations stand as they are ("... for every dX, so ...")."""
    out = texts[0] if texts else ""
    for k in range(1, len(texts)):
        if isinstance(parts[k], Words):
            sep = "" if texts[k].startswith((",", ";", ".")) else " "
        elif isinstance(parts[k - 1], Words):
            sep = " "
        else:
            sep = " = "
        out += sep + texts[k]
    return out


def phrases(parts: tuple[Part, ...], texts: list[str]) -> list[str]:
    """:func:`join`'s line cut into phrases after each run of words, so that a long entry
    breaks where a lecturer would ("df = g^T dx for every dx, where" / "g = ..., so" /
    "df/dx = g"), not inside an expression."""
    out: list[str] = []
    start = 0
    for k in range(1, len(parts) + 1):
        if k == len(parts) or (isinstance(parts[k - 1], Words) and not isinstance(parts[k], Words)):
            out.append(join(parts[start:k], texts[start:k]))
            start = k
    return [p for p in out if p]


def wrap(text: str, width: int = WIDTH, first: str = "", cont: str = "") -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns: the first starts with
    ``first``, the others with ``cont``. Breaks before a space, else after ``*``, ``/`` or
    ``,``, else anywhere."""
    lines: list[str] = []
    prefix = first
    rest = text
    while True:
        room = max(width - len(prefix), 20)
        if len(rest) <= room:
            lines.append(prefix + rest)
            return lines
        cut = _break_at(rest, room)
        end, start = cut if cut is not None else (room, room)
        line, rest = rest[:end], rest[start:]
        lines.append(prefix + line.rstrip())
        prefix = cont


def _break_at(text: str, room: int) -> tuple[int, int] | None:
    """Where to break ``text`` within ``room`` columns, as (end of this line, start of the
    next): at a space, else after ``*``, ``/`` or ``,``, else after ``(``; outside
    parentheses where possible, before an operator where possible, as late as possible,
    never leaving less than a quarter of the room on the line. None: no such place."""
    depth, spaces, ops, opens = 0, {}, {}, {}
    for i, ch in enumerate(text[:room]):
        if ch == "(":
            depth += 1
            opens.setdefault(depth - 1, []).append(i + 1)
        elif ch == ")":
            depth -= 1
        elif ch == " " and i >= room // 4:
            spaces.setdefault(depth, []).append(i)
        elif ch in "*/," and i + 1 >= room // 4:
            ops.setdefault(depth, []).append(i + 1)
    for level in sorted(set(spaces) | set(ops)):
        if level in spaces:
            before_op = [i for i in spaces[level] if text[i + 1:i + 2] in ("+", "-", "=")]
            i = (before_op or spaces[level])[-1]
            if not before_op or i >= room // 2:
                return i, i + 1
            return spaces[level][-1], spaces[level][-1] + 1
        i = ops[level][-1]
        return i, i
    late = [i for level in sorted(opens) for i in opens[level] if i >= room // 4]
    return (late[-1], late[-1]) if late else None


def wrap_phrases(phrases: list[str], width: int = WIDTH, first: str = "",
                 cont: str = "    ") -> list[str]:
    """Prose made of phrases that are never split unless one alone is too long for a line
    (then it is wrapped like an expression): headers, the verification sentence."""
    lines: list[str] = []
    current = first
    for phrase in phrases:
        sep = "" if current in (first, cont) else " "
        if len(current) + len(sep) + len(phrase) <= width:
            current += sep + phrase
            continue
        if len(cont) + len(phrase) > width:      # too long for any line: wrap it from here
            pieces = wrap(phrase, width, current + sep, cont)
            lines.extend(pieces[:-1])
            current = pieces[-1]
            continue
        if current not in (first, cont):
            lines.append(current)
            current = cont
        if len(current) + len(phrase) <= width:
            current += phrase
        else:
            pieces = wrap(phrase, width, current, cont)
            lines.extend(pieces[:-1])
            current = pieces[-1]
    lines.append(current)
    return lines


def sentence_phrases(text: str) -> list[str]:
    """A sentence cut after its commas and colons (outside parentheses too)."""
    return [p for p in re.split(r"(?<=[,:]) ", text) if p]


def _place_tag(lines: list[str], tag: str, width: int) -> list[str]:
    """Append ``[tag]`` to the first line with room, aligned at TAG_COLUMN when possible,
    else flush right (as a tag on a line of its own is)."""
    label = f"[{tag}]"
    for i, line in enumerate(lines):
        if len(line) + 2 + len(label) <= width:
            pad = max(2, TAG_COLUMN - len(line))
            if len(line) + pad + len(label) > width:
                pad = width - len(line) - len(label)
            lines[i] = line + " " * pad + label
            return lines
    return lines + [" " * max(0, width - len(label)) + label]


def matrix_lines(cells: list[list[str]]) -> list[str]:
    """A matrix with its rows on separate lines and its columns aligned::

        [[6*x*(2*y + 7), 6*x^2],
         [4,             2*y]]

    (a single row stays on one line: [6*x*(2*y + 7), 6*x^2])."""
    if len(cells) == 1:
        return ["[" + ", ".join(cells[0]) + "]"]
    n = len(cells[0])
    widths = [max(len(row[j]) for row in cells) for j in range(n)]
    lines = []
    for i, row in enumerate(cells):
        body = "".join((c + ",").ljust(widths[j] + 2) if j < n - 1 else c
                       for j, c in enumerate(row))
        lines.append(("[[" if i == 0 else " [") + body + ("]]" if i == len(cells) - 1 else "],"))
    return lines


def part_block(part: Part) -> list[str]:
    """A member of an equation as lines: a matrix (or a product or sum with one) takes
    one line per row; everything else is one line."""
    if isinstance(part, Value) and isinstance(part.expr, sp.MatrixBase):
        m = part.expr
        return matrix_lines([[show(e) for e in m.row(i)] for i in range(m.rows)])
    if isinstance(part, Grid):
        return matrix_lines([[part_text(c) for c in row] for row in part.rows])
    if isinstance(part, (Product, Sum)) and any(len(part_block(f)) > 1 for f in _members(part)):
        sep = " * " if isinstance(part, Product) else " + "
        return beside([part_block(f) for f in _members(part)], sep)
    return [part_text(part)]


def _members(part: Part) -> tuple[Part, ...]:
    return part.factors if isinstance(part, Product) else part.terms  # type: ignore[union-attr]


def beside(blocks: list[list[str]], sep: str) -> list[str]:
    """Blocks of lines side by side, top-aligned, ``sep`` between them on the first line."""
    height = max(len(b) for b in blocks)
    widths = [max(len(line) for line in b) for b in blocks]
    lines = []
    for k in range(height):
        pieces = [(b[k] if k < len(b) else "").ljust(w) for b, w in zip(blocks, widths)]
        lines.append((sep if k == 0 else " " * len(sep)).join(pieces).rstrip())
    return lines


def _block_entry(prefix: str, blocks: list[list[str]], width: int) -> list[str]:
    """Members with matrices: side by side when they fit, else one under the other."""
    body = " " * len(prefix)
    together = beside(blocks, " = ")
    if all(len(prefix) + len(line) <= width for line in together):
        return [(prefix if k == 0 else body) + line for k, line in enumerate(together)]
    lines: list[str] = []
    for i, block in enumerate(blocks):
        lead = prefix if i == 0 else body + "= "
        cont = " " * len(lead)
        for k, line in enumerate(block):
            lines.extend(wrap(line, width, lead if k == 0 else cont, cont + "  "))
    return lines


def heading_text(h: Heading) -> str:
    """A heading's pieces as text."""
    out = []
    for piece in h:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, sp.Basic):
            out.append(show(piece))
        else:
            out.append(part_text(piece))
    return "".join(out)


def entry_lines(e: Entry, width: int = WIDTH) -> list[str]:
    """The lines of one step."""
    indent = "  " * min(e.depth, MAX_INDENT_LEVEL)
    prefix = f"{indent}{e.number}{'.' if e.depth == 0 else ''}  "
    body = " " * len(prefix)
    lines: list[str] = []
    if e.heading:
        lines.append(prefix + e.heading)
    blocks = [part_block(p) for p in e.parts]
    texts = [part_text(p) for p in e.parts]
    if any(len(b) > 1 for b in blocks):
        lines.extend(_block_entry(prefix, blocks, width))
    elif any(isinstance(p, Words) for p in e.parts):
        lines.extend(wrap_phrases(phrases(e.parts, texts), width, prefix, body + "  "))
    elif texts:
        one = prefix + " = ".join(texts)
        if len(one) + 2 + len(e.tag) + 2 <= width or (len(one) <= width and len(texts) < 3):
            lines.append(one)
        else:
            head = f"{texts[0]} = "
            eq_col = len(prefix) + len(head) - 2
            if eq_col > width // 2 or any(len(t) + eq_col + 2 > width for t in texts[1:]):
                # long members: the left side alone, then "= ..." rows under it
                eq_col = len(body) + 2
                lines.extend(wrap(texts[0], width, prefix, " " * (eq_col + 2)))
                rest = texts[1:]
            else:
                lines.extend(wrap(head + texts[1], width, prefix, " " * (eq_col + 2)))
                rest = texts[2:]
            for t in rest:
                lines.extend(wrap("= " + t, width, " " * eq_col, " " * (eq_col + 2)))
    lines = _place_tag(lines, e.tag, width)
    for name, expr in e.definitions:
        lines.extend(wrap(f"{name} = {show(expr)}", width, body + "  ", body + "      "))
    if e.note:
        lines.extend(wrap(f"Note: {e.note}", width, body, body + "  "))
    return lines


def header(d: "Derivation", p: Plan) -> list[str]:
    """'Differentiate f(x) = ... with respect to x.' (or the partial / gradient wording), as
    phrases for ``wrap_phrases``."""
    args = ", ".join(s.name for s in p.variables) or "x"
    expr = p.namer.shrink(as_typed(d))
    if isinstance(expr, sp.MatrixBase):       # the functions of a Jacobian, as a list
        f = f"{p.function}({args}) = [" + ", ".join(show(e) for e in expr) + "]"
    else:
        f = f"{p.function}({args}) = {show(expr)}"
    wrt = ", ".join(str(w) for w in d.wrt)
    kind = getattr(d, "kind", "derivative")
    if getattr(d, "shapes", None):
        return _with_shapes(d, _plain_header(d, p, f, wrt, kind))
    return _plain_header(d, p, f, wrt, kind)


def _with_shapes(d: "Derivation", phrases: list[str]) -> list[str]:
    """The header's phrases, then 'where X is n x k and A is n x n.'"""
    shapes = [f"{name} is {show(r)} x {show(c)}" for name, r, c in declared_shapes(d)]
    if not shapes:
        return phrases
    phrases = phrases[:-1] + [phrases[-1].rstrip(".") + ","]
    items = [s + "," for s in shapes[:-2]] + ([shapes[-2] + " and"] if len(shapes) > 1 else [])
    return phrases + ["where"] + items + [shapes[-1] + "."]


def _plain_header(d: "Derivation", p: Plan, f: str, wrt: str, kind: str) -> list[str]:
    if kind == "backprop":
        goal = objective(d)
        what = f"{show(goal[0])} = {show(goal[1])}" if goal else f
        return ["Backward pass of", what, f"for {wrt}."]
    often = times(d)
    often = often + " " if often else ""
    if kind == "derivative" and p.partial:
        held = p.held.get(d.wrt[0], ())
        word = "Differentiate" if often else "Partial derivative of"
        if held:
            return [word, f, f"{often}with respect to {wrt},",
                    f"holding {_names(held)} constant."]
        return [word, f, f"{often}with respect to {wrt}."]
    if kind == "derivative" and often == "0 times ":
        return ["Order 0 (the function itself) of", f, f"in {wrt}."]
    if kind == "derivative":
        return ["Differentiate", f, f"{often}with respect to {wrt}."]
    word = {"gradient": "Gradient", "jacobian": "Jacobian"}.get(kind, kind.capitalize())
    if kind == "jacobian":
        return [f"{word} of", f, f"with respect to {wrt}", f"({d.layout} layout)."]
    return [f"{word} of", f, f"with respect to {wrt}."]


def layout_text(d: "Derivation") -> str:
    """Which layout a Jacobian is in, e.g. 'numerator layout: J[i, j] = df_i/dx_j'; over
    vec(X), the vec convention."""
    if convention(d):
        return convention(d)
    if getattr(d, "layout", "numerator") == "denominator":
        return ("denominator layout: J^T[j, i] = df_i/dx_j, one column per function "
                "(the numerator-layout Jacobian transposed)")
    return "numerator layout: J[i, j] = df_i/dx_j, one row per function"


def _names(symbols: tuple[sp.Symbol, ...]) -> str:
    names = [str(s) for s in symbols]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def render_text(d: "Derivation", width: int = WIDTH) -> str:
    """The whole derivation as text: header, numbered steps, where-block, result, check."""
    with printing_for(d):
        return _render_text(d, width)


def _render_text(d: "Derivation", width: int) -> str:
    p = plan(d)
    out = wrap_phrases(header(d, p), width, "", "    ")
    if p.entries:
        out.append("")
    for i, e in enumerate(p.entries):
        heading = p.sections.get(e.step) if e.depth == 0 else None
        if heading:
            if i:
                out.append("")
            out.extend(wrap_phrases(sentence_phrases(heading_text(heading)), width, "", "    "))
        out.extend(entry_lines(e, width))
    if p.namer.active:
        out.append("")
        out.append("where")
        for name, expr in p.namer.where():
            out.extend(wrap(f"{name} = {show(expr)}", width, "  ", "      "))
    out.append("")
    for i, (lhs, expr) in enumerate(p.shown_results(d)):
        label = "Result:  " if i == 0 else "         "
        if isinstance(expr, sp.MatrixBase) and expr.rows > 1:
            out.extend(_block_entry(label, [[part_text(lhs)], part_block(Value(expr))], width))
        else:
            out.extend(wrap(f"{part_text(lhs)} = {show(expr)}", width, label, " " * 13))
    if shows_layout(d):
        out.extend(wrap_phrases(sentence_phrases(f"({layout_text(d)})"), width, " " * 9,
                                " " * 10))
    verification = getattr(d, "verification", None)
    if verification is not None:
        out.extend(wrap_phrases(sentence_phrases(verification.summary()), width, "", "  "))
    return "\n".join(out) + "\n"
