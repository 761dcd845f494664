r"""LaTeX rendering: ``align*`` fragments, a complete document, or MathJax for Jupyter.

Each shown step is a row ``lhs &= rhs && \text{(1.2) power rule}``; the further members of
a chain of equalities go on rows of their own (``&= ...``), and a long sum is split after
its terms. ``\frac{\partial}{\partial x}`` is used when the function has several free
symbols, ``\frac{d}{dx}`` otherwise (and always for the intermediate variables u_k).
Expressions are printed by SymPy's LaTeX printer (after the Namer has replaced large
shared sub-expressions by names), with ``\ln`` and an Iverson bracket for the unit step.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..functions import sigmoid
from .naming import (Entry, Grid, Heading, Jacobian, Leibniz, Nabla, Operator, Part, Plan,
                     Product, Sum, Value, plan)
from .notation import Notation, current, memo, renamed, using

if TYPE_CHECKING:
    from ..derivation import Derivation

#: Rows longer than this (estimated typeset characters) are split.
ROW_LIMIT = 60

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
_ESCAPES = str.maketrans(_SPECIAL)


class MatcalcLatexPrinter(LatexPrinter):
    r"""SymPy's LaTeX printer with ``\ln`` and the unit step as an Iverson bracket [u > 0];
    it follows the notation in force (sigmoid's name, bold vectors, renamed symbols)."""

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__({"ln_notation": True, "mat_str": "bmatrix", "mat_delim": "",
                          **(settings or {})})
        self._notation = current()
        self._rename = renamed()
        self._memo = memo()

    def _print(self, expr: object, **kwargs: object) -> str:
        cache = self._memo if not kwargs and isinstance(expr, sp.Basic) else None
        if cache is not None:
            try:
                return cache[expr]            # a sub-expression printed before, this rendering
            except (KeyError, TypeError):
                pass
        if self._notation.sigmoid == "operatorname" and isinstance(expr, sigmoid):
            text = r"\operatorname{sigmoid}\left(%s\right)" % self._print(expr.args[0])
        else:
            text = super()._print(expr, **kwargs)
        if cache is not None:
            try:
                cache[expr] = text
            except TypeError:                 # unhashable (a mutable matrix)
                pass
        return text

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        name = self._rename.get(expr.name)
        return name if name is not None else super()._print_Symbol(expr, style=style)

    def _print_matrix_contents(self, expr: sp.MatrixBase) -> str:
        # SymPy's own slices the matrix row by row, which costs more than printing it
        if self._settings["mat_str"] != "bmatrix":
            return super()._print_matrix_contents(expr)
        rows = [" & ".join(self._print(e) for e in row) for row in expr.tolist()]
        return r"\begin{bmatrix}%s\end{bmatrix}" % r"\\".join(rows)

    def _print_MatrixSymbol(self, expr: sp.MatrixSymbol) -> str:
        text = super()._print_MatrixSymbol(expr)
        if self._notation.bold_vectors and 1 in expr.shape:
            return r"\bm{%s}" % text
        return text

    def _print_Mul(self, expr: sp.Mul) -> str:
        try:
            text = super()._print_Mul(expr)
        except ValueError:   # SymPy's fraction() puts 0 for z: max(exp(1/0), 2) raises
            return r" \cdot ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)
        # an unevaluated product x*(2*x*e^u) must not read "x 2 x e^u": dot before a number
        if not expr.is_commutative or not re.search(r"[\w})] \d", text):
            return text
        return r" \cdot ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_Heaviside(self, expr: sp.Expr, exp: object = None) -> str:
        at_zero = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        if at_zero == 0:
            body = r"\left[%s > 0\right]" % self._print(expr.args[0])
        else:  # the value at 0 matters (ties of max/min split evenly): say it
            body = r"\operatorname{step}\left(%s, %s\right)" % (self._print(expr.args[0]),
                                                                 self._print(at_zero))
        return body if exp is None else r"%s^{%s}" % (body, exp)


def tex(expr: sp.Basic) -> str:
    """An (already shrunk) expression in LaTeX (printed once per rendering)."""
    cache = memo()
    if cache is None:
        return MatcalcLatexPrinter().doprint(expr)
    try:
        return cache[expr]
    except KeyError:
        text = cache[expr] = MatcalcLatexPrinter().doprint(expr)
        return text
    except TypeError:                     # unhashable (a mutable matrix)
        return MatcalcLatexPrinter().doprint(expr)


_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)


def display_matrices(latex: str) -> str:
    r"""Fractions in a matrix at display size (``\dfrac``), its rows spaced to fit them: a
    matrix's entries are otherwise set as small as inline text."""
    def fix(m: re.Match) -> str:
        body = m.group(1)
        if r"\frac" not in body:
            return m.group(0)
        body = body.replace(r"\frac", r"\dfrac")
        body = re.sub(r"\\\\(?!\[)", r"\\\\[1.5ex]", body)
        return r"\begin{bmatrix}%s\end{bmatrix}" % body
    return _MATRIX.sub(fix, latex) if r"\begin{bmatrix}" in latex else latex


#: Content that needs delimiters sized by ``\left`` ``\right``; anything else gets plain ones.
_TALL = re.compile(r"\\(d?frac|sum|prod|int|begin|binom)\b")
_FUNCTION_BRACE = re.compile(r"\\(?:a?(?:sin|cos|tan|cot|sec|csc)h?|arc(?:sin|cos|tan)|ln|log|exp"
                             r"|max|min|det|operatorname\{[A-Za-z]+\})(?:\^\{[^{}]*\})?\{$")
_DELIM = re.compile(r"\\(left|right)(\\[{}|]|\\[A-Za-z]+|[()\[\].|/])")


def unsize(latex: str) -> str:
    r"""Drop ``\left( \right)`` (and ``[ ]``) pairs around content that is not tall: sized
    delimiters around ``x^{3}`` only add space and height a hand-written page would not have.
    Pairs around fractions, sums, matrices (or around a pair that stays sized) stay."""
    if r"\left" not in latex:
        return latex
    out: list[str] = []
    stack: list[tuple[int, str, bool]] = []    # (index in out of the \left, delim, tall inside)
    pos = 0
    for m in _DELIM.finditer(latex):
        out.append(latex[pos:m.start()])
        pos = m.end()
        side, delim = m.group(1), m.group(2)
        if side == "left":
            stack.append((len(out), delim, False))
            out.append(m.group(0))
            continue
        if not stack:                 # unbalanced input: leave it as it is
            out.append(m.group(0))
            continue
        start, open_, tall = stack.pop()
        inner = "".join(out[start + 1:])
        tall = tall or bool(_TALL.search(inner))
        if not tall and open_ in "([" and delim in ")]":
            out[start] = open_
            out[-1] = out[-1].rstrip(" ")      # SymPy writes "\left(x \right)"
            out.append(delim)
            # \sin{(x)} reads "sin (x)" (an operator, then a group): write \sin(x)
            if open_ == "(" and latex.startswith("}", pos) and _FUNCTION_BRACE.search(out[start - 1]):
                out[start - 1] = out[start - 1][:-1]
                pos += 1
        else:
            out.append(m.group(0))
            tall = True
        if stack:                     # a sized pair inside makes the enclosing pair tall
            s0, d0, t0 = stack[-1]
            stack[-1] = (s0, d0, t0 or tall)
    out.append(latex[pos:])
    return "".join(out)


def escape(text: str) -> str:
    """Plain text made safe for LaTeX (inside ``\\text{}`` or a paragraph)."""
    return text.translate(_ESCAPES)


@lru_cache(maxsize=8192)
def width(latex: str) -> int:
    """A rough typeset width of a LaTeX string, in characters (a fraction counts as the
    wider of its numerator and denominator)."""
    s = re.sub(r"\\begin\{[bp]?matrix\}(.*?)\\end\{[bp]?matrix\}",
               lambda m: "x" * (2 + max(sum(width(c) + 1 for c in row.split("&"))
                                        for row in re.split(r"\\\\(?:\[[^]]*\])?", m.group(1)))),
               latex.replace(r"\dfrac", r"\frac"), flags=re.S)
    s = re.sub(r"\\(left|right|,|;|quad|qquad|cdot)", " ", s)
    s = re.sub(r"\\(?!frac)[A-Za-z]+", "x", s)
    s = re.sub(r"[_^]\{([^{}]*)\}", lambda m: "x" * max(1, len(m.group(1)) * 2 // 3), s)
    frac = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
    inner = re.compile(r"\{([^{}]*)\}")
    while True:
        t = frac.sub(lambda m: "x" * max(len(m.group(1)), len(m.group(2))), s)
        t = inner.sub(lambda m: m.group(1), t) if t == s else t
        if t == s:
            break
        s = t
    return len(re.sub(r"[{}^_ ]", "", s))


def _d(wrt: sp.Symbol, partial: bool, num: str = "") -> str:
    r"""``\frac{d num}{d wrt}`` (or with ``\partial``); without ``num`` the operator d/d wrt."""
    w = tex(wrt)
    if partial or current().partial:
        return r"\frac{\partial %s}{\partial %s}" % (num, w) if num else r"\frac{\partial}{\partial %s}" % w
    return r"\frac{d%s}{d%s}" % (num, w)


def _wrap(latex: str) -> str:
    """In parentheses: sized ``\\left( \\right)`` only around tall content."""
    tall = any(t in latex for t in (r"\frac", r"\sqrt", r"\left", "^{"))
    return r"\left(%s\right)" % latex if tall else "(%s)" % latex


def operand(expr: sp.Basic) -> str:
    """The argument of d/dx: bare for symbols, numbers, calls and powers of them."""
    latex = tex(expr)
    if isinstance(expr, (sp.Atom, sp.Function, sp.Max, sp.Min)) or (isinstance(expr, sp.Pow) and (
            expr.exp.is_positive or isinstance(expr.base, sp.Atom))):
        return latex
    return _wrap(latex)


def _tuple(symbols: tuple[sp.Symbol, ...]) -> str:
    stem = _vector_stem(symbols) if current().bold_vectors else None
    if stem:
        return r"\bm{%s}" % stem
    inner = ", ".join(tex(s) for s in symbols)
    return inner if len(symbols) == 1 else r"\left(%s\right)" % inner


def _vector_stem(symbols: tuple[sp.Symbol, ...]) -> str | None:
    """'w' when ``symbols`` are w1, w2, ..., wk in order (k > 1): the entries of a vector w."""
    if len(symbols) < 2:
        return None
    names = [renamed().get(s.name, s.name).replace("{", "").replace("}", "") for s in symbols]
    m = [re.fullmatch(r"([A-Za-z]+)_?(\d+)", n) for n in names]
    if not all(m) or len({x.group(1) for x in m}) != 1:
        return None
    if [int(x.group(2)) for x in m] != list(range(1, len(symbols) + 1)):
        return None
    return m[0].group(1)


def part_tex(part: Part) -> str:
    """One member of an equation in LaTeX."""
    if isinstance(part, Leibniz):
        return _d(part.den, part.partial, tex(part.num))
    if isinstance(part, Operator):
        return "%s %s" % (_d(part.wrt, part.partial), operand(part.expr))
    if isinstance(part, Value):
        return tex(part.expr)
    if isinstance(part, Jacobian) and part.name:
        return part.name + (r"^{\top}" if part.transposed else "")
    if isinstance(part, Jacobian):
        body = r"\frac{\partial %s}{\partial %s}" % (_tuple(part.num), _tuple(part.den))
        if part.held:
            body = r"\left.%s\right|_{%s}" % (body, ", ".join(tex(h) for h in part.held))
        return r"\left(%s\right)^{\top}" % body if part.transposed else body
    if isinstance(part, Nabla):
        return r"\nabla %s" % tex(part.function)
    if isinstance(part, Grid):
        rows = [" & ".join(part_tex(c) for c in row) for row in part.rows]
        return r"\begin{bmatrix}%s\end{bmatrix}" % r" \\ ".join(rows)
    if isinstance(part, Sum):
        return " + ".join(part_tex(t) for t in part.terms)
    if all(isinstance(f, Leibniz) for f in part.factors):
        return " ".join(part_tex(f) for f in part.factors)
    pieces = []
    for f in part.factors:
        t = part_tex(f)
        if isinstance(f, Value) and (isinstance(f.expr, sp.Add) or t.startswith("-")):
            t = _wrap(t)
        pieces.append(t)
    return r" \cdot ".join(pieces)


def equation(parts: tuple[Part, ...]) -> str:
    """The members joined by ``=`` on one line (for JSON and Markdown)."""
    return " = ".join(part_tex(p) for p in parts)


def _terms(expr: sp.Basic, limit: int | None = None) -> list[str]:
    r"""The LaTeX of ``expr`` in pieces a row may break between: the signed terms of a sum;
    with ``limit``, a quotient wider than that whose numerator is a sum is written
    ``\frac{1}{q} \Bigl(`` term, term ... ``\Bigr)`` so that it can break too."""
    if not isinstance(expr, sp.Add):
        return _quotient(expr, "", limit) or [tex(expr)]
    pieces = []
    for i, term in enumerate(expr.as_ordered_terms()):
        negative = term.could_extract_minus_sign()
        sign = "- " if negative else ("+ " if i else "")
        t = tex(-term if negative else term)
        split = _quotient(-term if negative else term, sign, limit) if width(t) > (limit or 10**9) else None
        pieces.extend(split or [sign + t])
    return pieces


def _quotient(term: sp.Basic, sign: str, limit: int | None) -> list[str] | None:
    r"""A wide product or quotient with a sum inside as breakable pieces,
    ``\frac{rest}{q} \Bigl(`` the sum's terms ``\Bigr)``; None when there is no such sum."""
    if limit is None or not isinstance(term, sp.Mul):
        return None
    num, den = sp.fraction(term, exact=True)
    if isinstance(num, sp.Add):
        inner_sum, others = num, []
    elif isinstance(num, sp.Mul):
        sums = [a for a in num.args if isinstance(a, sp.Add)]
        if not sums:
            return None
        inner_sum = max(sums, key=lambda a: width(tex(a)))
        others = [a for a in num.args if a is not inner_sum]
    else:
        return None
    if den == 1 and not others:
        return None
    rest = (sp.Mul(*others, evaluate=False) if len(others) > 1 else others[0]) if others else sp.S.One
    head = r"\frac{%s}{%s}" % (tex(rest), tex(den)) if den != 1 else tex(rest)
    inner = _terms(inner_sum, limit)
    inner[0] = r"%s%s \Bigl(%s" % (sign, head, inner[0])
    inner[-1] += r"\Bigr)"
    return inner


def _pieces(part: Part, limit: int) -> list[str]:
    """A member of an equation in breakable pieces (only when it is too wide for a row)."""
    whole = part_tex(part)
    if width(whole) <= limit:
        return [whole]
    if isinstance(part, Value):
        return _terms(part.expr, limit)
    if isinstance(part, Operator) and isinstance(part.expr, sp.Add):
        terms = _terms(part.expr, limit)
        terms[0] = r"%s \Bigl(%s" % (_d(part.wrt, part.partial), terms[0])
        terms[-1] += r"\Bigr)"
        return terms
    if isinstance(part, Product):
        texts = [part_tex(Product((f,))) for f in part.factors]
        joiner = "" if all(isinstance(f, Leibniz) for f in part.factors) else r"\cdot "
        return [texts[0]] + [joiner + t for t in texts[1:]]
    return [whole]


def _pack(first: str, pieces: list[str], limit: int, cont: str = r"&\quad ") -> list[str]:
    """Rows: ``first`` then as many pieces as fit in ``limit`` (the second column's width:
    whatever precedes ``&`` is not counted), then continuation rows."""
    rows, current, empty = [], first, True
    for piece in pieces:
        if not empty and width(current.split("&", 1)[-1]) + width(piece) > limit:
            rows.append(current)
            current, empty = cont + piece, False
        else:
            current += ("" if empty else " ") + piece
            empty = False
    rows.append(current)
    return rows


def lhs_width(e: Entry) -> int:
    """The width an entry needs in the first (right-aligned) column."""
    if e.definitions:
        return max(width(tex(n)) for n, _ in e.definitions)
    w = width(part_tex(e.parts[0])) if e.parts else 0
    return w if w <= ROW_LIMIT // 2 else 0      # a long left side goes in the second column


def entry_rows(e: Entry, column: bool = False, first_column: int | None = None) -> list[str]:
    r"""The rows of one step. The rule goes in ``\tag*{(1.2) power rule}`` (amsmath moves
    it below a row too wide for it), or with ``column`` in a third column ``&& \text{...}``
    (MathJax's ``aligned``, which has no tags). A rule's note becomes ``\intertext``.

    ``first_column`` is the width of the environment's first column (all rows share it):
    the second column gets what is left of ``ROW_LIMIT``."""
    tag = escape(f"({e.number}) {e.tag}")
    col1 = lhs_width(e) if first_column is None else first_column
    limit = max(ROW_LIMIT - col1 - (len(tag) if column else 0), 24)
    rows: list[str] = []
    if e.definitions:
        for name, expr in e.definitions:
            rows.extend(_pack(f"{tex(name)} &= ", _pieces(Value(expr), limit), limit))
    else:
        texts = [part_tex(p) for p in e.parts]
        lhs_fits = 0 < lhs_width(e) <= col1
        if lhs_fits and sum(width(t) for t in texts[1:]) + 3 * len(texts) <= limit:
            rows.append(f"{texts[0]} &= " + " = ".join(texts[1:]))
        else:
            rest = list(e.parts[1:])
            if lhs_fits:
                rows.extend(_pack(f"{texts[0]} &= ", _pieces(rest.pop(0), limit), limit))
            else:        # a long left-hand side gets rows of its own, in the second column
                rows.extend(_pack("&", _pieces(e.parts[0], limit), limit))
            for part in rest:
                rows.extend(_pack("&= ", _pieces(part, limit), limit))
    rows[0] += (r" && \text{%s}" if column else r" \tag*{%s}") % tag
    if e.note:
        rows.append((r"&& \text{%s}" if column else r"\intertext{%s}") % escape(e.note))
    return rows


def _align(rows: list[str], env: str = "align*") -> str:
    r"""An environment with rows separated by ``\\`` (none after an ``\intertext``)."""
    body = ""
    for i, row in enumerate(rows):
        body += row
        if i < len(rows) - 1:
            body += "\n" if row.startswith(r"\intertext") else " \\\\\n"
    return "\\begin{%s}\n%s\n\\end{%s}" % (env, body, env)


def header_words(d: "Derivation", p: Plan) -> tuple[str, list[sp.Symbol], list[sp.Symbol]]:
    """('Differentiate' | 'Partial derivative of' | ..., variables, symbols held constant)."""
    kind = getattr(d, "kind", "derivative")
    wrt = list(d.wrt)
    if kind == "derivative" and p.partial:
        return "Partial derivative of", wrt, list(p.held.get(wrt[0], ()))
    if kind == "derivative":
        return "Differentiate", wrt, []
    return {"gradient": "Gradient", "jacobian": "Jacobian"}.get(kind, kind.capitalize()) + " of", wrt, []


def _header_tail(wrt: list[sp.Symbol], held: list[sp.Symbol], math: bool) -> str:
    """'with respect to x, holding y constant' as paragraph text or as math with \text."""
    if math:
        t = r"\text{with respect to } " + ", ".join(tex(w) for w in wrt)
        if held:
            t += r"\text{, holding } " + ", ".join(tex(h) for h in held) + r"\text{ constant}"
        return t
    t = "with respect to " + ", ".join(f"${tex(w)}$" for w in wrt)
    if held:
        t += ", holding " + ", ".join(f"${tex(h)}$" for h in held) + " constant"
    return t + "."


def function_tex(d: "Derivation", p: Plan) -> str:
    """f(x, y) = <expr> in LaTeX."""
    args = ", ".join(tex(s) for s in p.variables) or "x"
    name = p.function
    if current().bold_vectors and getattr(d, "kind", "") == "jacobian":
        name = r"\bm{%s}" % name                # a vector function
    return r"%s\left(%s\right) = %s" % (name, args, tex(p.namer.shrink(d.expr)))


def heading_tex(h: Heading, math: bool) -> str:
    """A heading as paragraph text with inline math, or (``math``) as math with \text."""
    out = []
    for piece in h:
        if isinstance(piece, str):
            out.append(r"\text{%s}" % escape(piece) if math else escape(piece))
        else:
            t = tex(piece) if isinstance(piece, sp.Basic) else part_tex(piece)
            out.append(t if math else f"${t}$")
    return "".join(out)


def layout_tex(d: "Derivation", math: bool = False) -> str:
    """Which layout a Jacobian is in: 'numerator layout: $J_{ij} = ...$, one row per function'."""
    if getattr(d, "layout", "numerator") == "denominator":
        words = ("denominator layout: ", r"(J^{\top})_{ji} = \partial f_i / \partial x_j",
                 ", one column per function (the numerator-layout Jacobian transposed)")
    else:
        words = ("numerator layout: ", r"J_{ij} = \partial f_i / \partial x_j",
                 ", one row per function")
    if math:
        return r"\text{(%s}%s\text{%s)}" % (words[0], words[1], words[2])
    return f"{words[0]}${words[1]}${words[2]}."


def sections(d: "Derivation", p: Plan, column: bool = False) -> dict[str, list]:
    """Rows of the step blocks (one list per top-level block) with their headings,
    where-block and results."""
    groups: list[list[Entry]] = []
    noted: set[str] = set()
    for e in shown_entries(p.entries, current().detail):
        if e.note and e.note in noted:       # a convention is stated once per derivation
            e = replace(e, note="")
        noted.add(e.note)
        if e.depth == 0 or not groups:
            groups.append([])
        groups[-1].append(e)
    blocks: list[list[str]] = []
    headings: list[Heading | None] = [p.sections.get(group[0].step) for group in groups]
    # groups up to the next heading share one align* (see _fragment): one first column
    runs: list[int] = []
    for i, heading in enumerate(headings):
        runs.append(i if heading or not runs else runs[-1])
    widths: dict[int, int] = {}
    for group, run in zip(groups, runs):
        widths[run] = max([widths.get(run, 0)] + [lhs_width(e) for e in group])
    for group, run in zip(groups, runs):
        col1 = widths[run]
        blocks.append([row for e in group for row in entry_rows(e, column, col1)])
    where = [row for name, expr in p.namer.where()
             for row in _pack(f"{tex(name)} &= ", _pieces(Value(expr), ROW_LIMIT - 6), ROW_LIMIT - 6)]
    results = []
    for lhs, expr in p.shown_results(d):
        room = ROW_LIMIT - width(part_tex(lhs))
        results.extend(_pack(f"{part_tex(lhs)} &= ", _pieces(Value(expr), room), room))
    return {"blocks": blocks, "headings": headings, "where": where, "results": results}


def shown_entries(entries: list[Entry], detail: str = "full") -> list[Entry]:
    """The entries LaTeX shows: never a simplify step that changed nothing; with
    ``detail="brief"`` only the key steps (a sub-step that is a plain table look-up, with
    no sub-steps of its own, is dropped: its value appears in its parent's line), numbered
    afresh (1, 1.1, 1.2 ...)."""
    from .naming import MULTI_RULES, TRIVIAL_RULES, visible_children
    kept = [e for e in entries if not (e.step.rule == "simplify" and e.depth == 0
                                       and len(entries) > 1 and _unchanged(e.step))]
    if detail != "brief":
        return kept
    kept = [e for e in kept if (e.depth == 0 and e.step.rule not in TRIVIAL_RULES)
            or (e.depth > 0 and (e.step.rule in MULTI_RULES or visible_children(e.step)
                                 or e.step.kind not in ("derivative", "reuse")
                                 or e.step.rule == "chain_product"))]
    renumber: dict[str, str] = {}
    counters: dict[str, int] = {}
    out = []
    for e in kept:
        parent = e.number.rpartition(".")[0] if e.depth else ""
        while parent and parent not in renumber:
            parent = parent.rpartition(".")[0]
        base = renumber.get(parent, "")
        counters[base] = counters.get(base, 0) + 1
        new = f"{base}.{counters[base]}" if base else str(counters[base])
        renumber[e.number] = new
        tag = re.sub(r"(step )([\d.]+)", lambda m: m.group(1) + renumber.get(m.group(2), m.group(2)),
                     e.tag)
        out.append(replace(e, number=new, tag=tag))
    return out


def _unchanged(step) -> bool:
    """A rewrite that left its expression as it was (the very same objects: no comparison
    of possibly huge trees)."""
    a, b = step.expr, step.result
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and a.shape == b.shape:
        return all(x is y for x, y in zip(a, b))
    return a is b


def _fragment(parts: dict, d: "Derivation") -> str:
    out = []
    merged: list[str] = []           # consecutive blocks without a heading share one align*
    for rows, heading in zip(parts["blocks"], parts["headings"]):
        if heading:
            if merged:
                out.append(_align(merged))
                merged = []
            out.append(r"\noindent %s" % heading_tex(heading, math=False))
        merged += rows
    if merged:
        out.append(_align(merged))
    if parts["where"]:
        out.append(_align([r"&\text{where}"] + parts["where"]))
    results = list(parts["results"])
    if getattr(d, "kind", "") == "jacobian":
        results.append(r"\intertext{%s}" % layout_tex(d))
    out.append(_align(results))
    return "\n".join(out)


def render_latex(d: "Derivation", standalone: bool = False, display: bool = False,
                 notation: Notation | None = None) -> str:
    """The derivation in LaTeX.

    ``standalone=False``: ``align*`` environments (steps, where-block, result) to paste into
    a document that loads amsmath. ``standalone=True``: a complete article that pdflatex
    compiles (amsmath, amssymb and bm only). ``display=True``: one ``$$\\begin{aligned}...``
    block for MathJax (Jupyter's ``_repr_latex_``). ``notation``: the lecturer's choices
    (see :mod:`matcalc.render.notation`); the default is matcalc's usual notation.
    """
    if getattr(d, "kind", "") == "graph":      # its TikZ picture: render/graph_latex.py
        from .graph_latex import render_graph_latex
        return finish(render_graph_latex(d, standalone=standalone, display=display))
    notation = notation or Notation()
    with using(notation, intermediate_names(d) if notation.naming == "u" else None):
        return finish(_render(d, standalone, display))


def finish(latex: str) -> str:
    """The last typographic passes over rendered LaTeX: plain parentheses where sized ones
    are not needed, display-size fractions in matrices."""
    return unsize(display_matrices(latex))


def intermediate_names(d: "Derivation") -> dict[str, str]:
    """``naming="u"``: the user's intermediate variables (``where``) renamed u_1, u_2 ...,
    skipping names the derivation already uses."""
    from .naming import expressions, free_names
    given = [g for s in d.steps if s.rule == "intermediate_variables" for g, _ in s.definitions]
    if not given:
        return {}
    taken = free_names(expressions(d)) - {g.name for g in given}
    names, k = {}, 0
    for g in given:
        k += 1
        while f"u{k}" in taken or f"u_{k}" in taken:
            k += 1
        names[g.name] = "u_{%d}" % k
    return names


def _render(d: "Derivation", standalone: bool, display: bool) -> str:
    p = plan(d)
    parts = sections(d, p, column=display)
    if display:
        word, wrt, held = header_words(d, p)
        rows = [r"\text{%s }\ %s && %s" % (escape(word), function_tex(d, p).replace(" = ", " &= ", 1),
                                           _header_tail(wrt, held, math=True))]
        for block, heading in zip(parts["blocks"], parts["headings"]):
            if heading:
                rows.append(r"&& %s" % heading_tex(heading, math=True))
            rows.extend(block)
        if parts["where"]:
            rows.append(r"&\text{where}")
            rows.extend(parts["where"])
        rows.extend(parts["results"])
        if getattr(d, "kind", "") == "jacobian":
            rows.append(r"&& %s" % layout_tex(d, math=True))
        summary = _summary(d)
        if summary:
            rows.append(r"&& \text{%s}" % escape(summary))
        return "$$" + _align(rows, "aligned") + "$$"
    fragment = _fragment(parts, d)
    if not standalone:
        return fragment + "\n"
    summary = _summary(d)
    sentence = _sentence(d, p)
    body = [
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{amssymb}",
        *([r"\usepackage{bm}"] if r"\bm{" in fragment + sentence else []),
        r"\setlength{\oddsidemargin}{0pt}",
        r"\setlength{\evensidemargin}{0pt}",
        r"\setlength{\textwidth}{6.3in}",
        r"\allowdisplaybreaks",
        *([r"\setcounter{MaxMatrixCols}{40}"] if getattr(d, "kind", "") in ("gradient", "jacobian")
          else []),
        r"\begin{document}",
        r"\noindent " + sentence,
        "",
        fragment,
    ]
    if summary:
        body += ["", r"\noindent " + escape(summary)]
    body += [r"\end{document}", ""]
    return "\n".join(body)


def _sentence(d: "Derivation", p: Plan) -> str:
    """'Differentiate $f(x) = ...$ with respect to $x$.' (paragraph text)."""
    word, wrt, held = header_words(d, p)
    return "%s $%s$ %s" % (escape(word), function_tex(d, p), _header_tail(wrt, held, math=False))


def render_latex_parts(d: "Derivation", notation: Notation | None = None,
                       cache: dict | None = None) -> tuple[str, str]:
    """(the sentence that states the task, the ``align*`` fragment), for a document that
    assembles many derivations (:mod:`matcalc.notes`); the plan is made once. ``cache``:
    printed expressions shared by the document's derivations of the same notation."""
    notation = notation or Notation()
    with using(notation, intermediate_names(d) if notation.naming == "u" else None, cache):
        p = plan(d)
        return finish(_sentence(d, p)), finish(_fragment(sections(d, p), d))


def _summary(d: "Derivation") -> str:
    v = getattr(d, "verification", None)
    return v.summary() if v is not None else ""
