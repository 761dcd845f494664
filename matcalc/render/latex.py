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

from .naming import (convention, shows_layout, times, Differential, Entry, Grid, Heading, Jacobian, Leibniz, Nabla, Operator,
                     Part, Plan, Product, Sum, Value, Words, declared_shapes, matrix_printing,
                     as_typed, objective, plan, printing_for)
from .latex_printer import MatcalcLatexPrinter
from .notation import Notation, current, memo, renamed, using

if TYPE_CHECKING:
    from ..derivation import Derivation

#: Rows longer than this (estimated typeset characters) are split.
ROW_LIMIT = 60

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
_ESCAPES = str.maketrans(_SPECIAL)


@lru_cache(maxsize=1)
def matrix_printer() -> type:
    r"""The LaTeX printer for derivations with declared shapes: the matrix printer
    (X^{T}, \operatorname{tr}, \odot) with the notation in force (bold vectors) and the
    differentials dX, dz typeset with an upright d, like the d of d(expr)."""
    from sympy import MatrixSymbol

    from ..matrix.nodes import DifferentialMatrix, DifferentialSymbol
    from ..matrix.printing import MatrixLatexPrinter

    class ShapedLatexPrinter(MatrixLatexPrinter):
        def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
            if isinstance(expr, DifferentialMatrix):
                return r"\mathrm{d}" + self._print(MatrixSymbol(expr.name[1:], *expr.shape))
            text = self._print(sp.Symbol(expr.name))
            if self._notation.bold_vectors and expr.shape[1] == 1 and expr.shape[0] != 1:
                return r"\bm{%s}" % text
            return text

        def _print_MatMul(self, expr: sp.MatMul) -> str:
            # a thin space before a differential: X^{T} A\, \mathrm{d}X
            return _dot_before_ones(_thin_before_d(super()._print_MatMul(expr)))

        def _print_Mul(self, expr: sp.Mul) -> str:
            return _dot_before_ones(super()._print_Mul(expr))

        def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
            if isinstance(expr, DifferentialSymbol):
                return r"\mathrm{d}" + super()._print_Symbol(sp.Symbol(expr.name[1:]))
            return super()._print_Symbol(expr, style=style)

    return ShapedLatexPrinter


def _dot_before_ones(latex: str) -> str:
    r"""A number before the ones vector gets a dot, ``2 \cdot \mathbf{1}_N^{T}``: written
    side by side, 2 and a bold 1 read as 21."""
    return re.sub(r"(\d)\s*(\\mathbf\{1\})", r"\1 \\cdot \2", latex)


def _thin_before_d(latex: str) -> str:
    r"""A thin space between a factor and a differential, ``A\, \mathrm{d}X`` (not after
    an operator such as ``\odot`` or ``+``, nor twice)."""
    def fix(m: re.Match) -> str:
        before = latex[:m.start()]
        if re.search(r"(\\[A-Za-z]+|\\,|[-+=(&{])$", before) or not before:
            return m.group(0)
        return r"\, \mathrm{d}"
    return re.sub(r" \\mathrm\{d\}", fix, latex)


def _printer() -> LatexPrinter:
    return matrix_printer()() if matrix_printing() else MatcalcLatexPrinter()


def tex(expr: sp.Basic) -> str:
    """An (already shrunk) expression in LaTeX (printed once per rendering)."""
    cache = memo()
    if cache is None:
        return _printer().doprint(expr)
    key = (expr, matrix_printing())
    try:
        return cache[key]
    except KeyError:
        text = cache[key] = _printer().doprint(expr)
        return text
    except TypeError:                     # unhashable (a mutable matrix)
        return _printer().doprint(expr)


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


#: Phrases of rule titles that are math, and their LaTeX (a tag is set in text mode).
_TITLE_MATH = [
    (re.compile(r"tr\(G\^T d(\w+)\)"), r"$\\operatorname{tr}(G^{T}\\,\\mathrm{d}\1)$"),
    (re.compile(r"\bJ d(\w+)\b"), r"$J\\,\\mathrm{d}\1$"),
    (re.compile(r"\bJ = c L\b"), r"$J = c\\,L$"),
    (re.compile(r"\b1 x 1\b"), r"$1 \\times 1$"),
    (re.compile(r"\b([a-z]\w*) = (\d+)\b"), r"$\1 = \2$"),        # components at n = 3
]


def title_tex(text: str) -> str:
    r"""A rule's title (or any tag) as LaTeX text: escaped, with its math in ``$...$``
    (``into the form tr(G^T dX)`` -> ``into the form $\operatorname{tr}(G^{T}\,\mathrm{d}X)$``)."""
    pieces: list[tuple[int, int, str]] = []
    for pattern, repl in _TITLE_MATH:
        for m in pattern.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b, _ in pieces):
                pieces.append((m.start(), m.end(), m.expand(repl)))
    out, pos = [], 0
    for a, b, math in sorted(pieces):
        out += [escape(text[pos:a]), math]
        pos = b
    return "".join(out) + escape(text[pos:])


def escape(text: str) -> str:
    """Plain text made safe for LaTeX (inside ``\\text{}`` or a paragraph)."""
    return text.translate(_ESCAPES)


@lru_cache(maxsize=8192)
def width(latex: str, operators: bool = True) -> int:
    """A rough typeset width of a LaTeX string, in characters (a fraction counts as the
    wider of its numerator and denominator); with ``operators`` a binary operator counts
    with the space around it (three characters), as a row of a derivation is set. The
    graph pictures measure operators themselves (``operators=False``)."""
    s = re.sub(r"\\begin\{[bp]?matrix\}(.*?)\\end\{[bp]?matrix\}",
               lambda m: "x" * (2 + max(sum(width(c, operators) + 1 for c in row.split("&"))
                                        for row in re.split(r"\\\\(?:\[[^]]*\])?", m.group(1)))),
               latex.replace(r"\dfrac", r"\frac"), flags=re.S)
    # a binary operator is typeset with space on both sides: about three characters
    if operators:
        s = re.sub(r"\\(odot|otimes|cdot|times)|(?<=[\w)}\]]) *[-+=] *", "xxx", s)
    s = re.sub(r"\\(left|right|,|;|quad|qquad)", " ", s)
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


def plain_width(latex: str) -> int:
    """``width`` without the spacing of binary operators: the graph pictures' measure
    (they count operators themselves)."""
    return width(latex, operators=False)


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
    if matrix_printing() and (isinstance(expr, sp.MatrixSymbol) or _is_call_tex(latex)):
        return latex                      # tr(...), tanh(W x), a matrix's name: bare
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
        if part.first is not None:
            return r"\frac{\partial^{2} %s}{\partial %s \, \partial %s}" % (
                tex(part.num), tex(part.den), tex(part.first))
        if part.order == 0:
            return tex(part.num)
        if part.order != 1:
            d = r"\partial" if part.partial or current().partial else "d"
            return r"\frac{%s^{%d} %s}{%s %s^{%d}}" % (d, part.order, tex(part.num), d,
                                                      tex(part.den), part.order)
        return _d(part.den, part.partial, tex(part.num))
    if isinstance(part, Operator):
        return "%s %s" % (_d(part.wrt, part.partial), operand(part.expr))
    if isinstance(part, Value):
        return tex(part.expr)
    if isinstance(part, Jacobian) and part.name:      # J^{T} like the matrix printer's
        return part.name + ((r"^{T}" if matrix_printing() else r"^{\top}") if part.transposed
                            else "")
    if isinstance(part, Jacobian):
        body = r"\frac{\partial %s}{\partial %s}" % (_tuple(part.num), _tuple(part.den))
        if part.held:
            body = r"\left.%s\right|_{%s}" % (body, ", ".join(tex(h) for h in part.held))
        return r"\left(%s\right)^{\top}" % body if part.transposed else body
    if isinstance(part, Nabla):
        return r"\nabla %s" % tex(part.function)
    if isinstance(part, Differential):
        return differential_tex(part.expr)
    if isinstance(part, Words):
        return words_tex(part)
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


_CALL = re.compile(r"\\(?:log\\det|log\\operatorname\{\w+\}|operatorname\{\w+\}|[A-Za-z]+)(?:\^\{[^{}]*\})?\{?(?:\\left)?\(")


def _is_call_tex(latex: str) -> bool:
    r"""Whether ``latex`` is one function applied to its argument: \tanh{\left(W x\right)},
    \operatorname{tr}(...), \det(...), a norm (so that d and d/dX need no brackets)."""
    if latex.startswith(r"\left\lVert") and latex.endswith(("rVert", "rVert_F")):
        return True
    m = _CALL.match(latex)
    if not m:
        return False
    depth = 0                               # the call's own parenthesis closes at the end
    for i in range(m.end() - 1, len(latex)):
        depth += {"(": 1, ")": -1}.get(latex[i], 0)
        if depth == 0:
            return latex[i + 1:] in ("", "}")
    return False


def differential_tex(expr: sp.Basic) -> str:
    r"""\mathrm{d}f, \mathrm{d}\operatorname{tr}(...), \mathrm{d}(X^{T} A): the upright d."""
    body = tex(expr)
    if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
        return r"\mathrm{d}" + body
    if _is_call_tex(body):
        return r"\mathrm{d}\," + body               # d tr(...), d tanh(...): a call
    return r"\mathrm{d}" + _wrap(body)


def words_tex(part: Words) -> str:
    r"""Words between two equations: text in ``\text``, expressions as math."""
    out = []
    for p in part.pieces:
        out.append(r"\text{%s}" % escape(p) if isinstance(p, str) else tex(p))
    lead = "" if isinstance(part.pieces[0], str) and part.pieces[0].startswith(",") else r"\quad "
    return lead + "".join(out)


def equation(parts: tuple[Part, ...]) -> str:
    """The members joined by ``=`` on one line (for JSON and Markdown); words between two
    equations (``Words``) stand as they are."""
    out = ""
    for k, p in enumerate(parts):
        t = part_tex(p)
        if k and not isinstance(p, Words) and not isinstance(parts[k - 1], Words):
            out += " = "
        elif k and isinstance(parts[k - 1], Words):
            out += r"\quad "
        out += t
    return out


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
    tag = title_tex(f"({e.number}) {e.tag}")
    if e.step.rule == "linear_chain":          # the identity is long for a tag: a in math
        from ..engine.step import Slope
        slope = next((p for p in e.step.parts if isinstance(p, Slope)), None)
        if slope is not None:
            tag = f"({e.number}) chain rule, linear inner function, $a = {tex(slope.a)}$"
    if any(isinstance(p, Words) for p in e.parts):
        return _worded_rows(e, column, first_column, tag)
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


def _worded_rows(e: Entry, column: bool, first_column: int | None, tag: str) -> list[str]:
    r"""An entry of several equations joined by words (``df = tr(G^T dX)``, for every dX,
    where, ``G = ...``, so, ``df/dX = G``): one aligned row group per equation, the words
    at the end of the row before; the rule's tag on the first row."""
    chains: list[list[Part]] = [[]]
    words: list[Words] = []
    for p in e.parts:
        if isinstance(p, Words):
            words.append(p)
            chains.append([])
        else:
            chains[-1].append(p)
    rows: list[str] = []
    for k, chain in enumerate(chains):
        if not chain:
            continue
        sub = replace(e, parts=tuple(chain), note="", definitions=())
        got = entry_rows(sub, column, first_column)
        got[0] = re.sub(r" (\\tag\*|&& \\text)\{.*\}$", "", got[0])   # the tag goes once
        if k < len(words):
            got[-1] += " " + words_tex(words[k])
        rows.extend(got)
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
    if kind == "derivative" and times(d):
        return f"Differentiate {times(d)}:", wrt, list(p.held.get(wrt[0], ()))
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
    return r"%s\left(%s\right) = %s" % (name, args, tex(p.namer.shrink(as_typed(d))))


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


def _convention_tex(d: "Derivation") -> str:
    """The vec convention (see :func:`matcalc.render.naming.convention`) in LaTeX."""
    kind, _, name = str(d.attachments.get("convention", "")).partition(":")
    X = tex(sp.Symbol(name))
    if kind == "hessian":
        return (r"$H$ is over $\operatorname{vec}(%s)$, the columns of $%s$ stacked "
                r"(column-major): $H_{(j-1)n+i,\,(l-1)n+m} = \partial^{2} f / "
                r"\partial %s_{ij} \, \partial %s_{ml}$" % (X, X, X, X))
    return (r"$J = \partial \operatorname{vec}(F) / \partial \operatorname{vec}(%s)$, "
            r"numerator layout, the columns stacked (column-major)" % X)


def layout_tex(d: "Derivation", math: bool = False) -> str:
    """Which layout a Jacobian is in: 'numerator layout: $J_{ij} = ...$, one row per function'."""
    if convention(d):
        text = _convention_tex(d)
        return r"\text{(%s)}" % text if math else text + "."
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
    if shows_layout(d):
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
    notation = notation or Notation()
    with using(notation, intermediate_names(d) if notation.naming == "u" else None), \
            printing_for(d):
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
        if shows_layout(d):
            rows.append(r"&& %s" % layout_tex(d, math=True))
        summary = _summary(d)
        if summary:
            rows.append(r"&& \text{%s}" % escape(summary))
        return "$$" + _align(rows, "aligned") + "$$"
    fragment = _fragment(parts, d)
    if not standalone:
        return fragment + "\n"
    summary = _summary(d)
    sentence = _sentence(d, p, display=True)
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


def _sentence(d: "Derivation", p: Plan, display: bool = False) -> str:
    r"""'Differentiate $f(x) = ...$ with respect to $x$.' (paragraph text); with declared
    shapes '..., where $X \in \mathbb{R}^{n \times k}$ ...'; a backward pass: 'Backward
    pass of $J = ...$ for $W_1, b_1$, where ...'. With ``display`` (a document), a function
    with a fraction is displayed on its own line: inline, a fraction of a tall numerator
    is set in small type and crowds the line above."""
    word, wrt, held = header_words(d, p)
    goal = objective(d) if getattr(d, "kind", "") == "backprop" else None

    def shown(math: str) -> str:
        if display and _tall_fraction(math):
            return "\\[ %s \\]\n\\noindent " % math
        return "$%s$ " % math
    if goal is not None:
        text = "Backward pass of %sfor %s." % (
            shown("%s = %s" % (tex(goal[0]), tex(p.namer.shrink(goal[1])))),
            ", ".join(f"${tex(w)}$" for w in wrt))
    else:
        text = "%s %s%s" % (escape(word), shown(function_tex(d, p)),
                            _header_tail(wrt, held, math=False))
    spaces = [r"$%s \in %s$" % (tex(sp.MatrixSymbol(name, r, c)), _space(r, c))
              for name, r, c in declared_shapes(d)]        # bold vectors when asked
    if spaces:
        listed = ", ".join(spaces[:-1]) + " and " + spaces[-1] if len(spaces) > 1 else spaces[0]
        text = text[:-1] + ", where " + listed + "."
    return text


def _tall_fraction(math: str) -> bool:
    r"""Whether ``math`` has a \frac whose numerator or denominator has a superscript, a
    subscript or another fraction: set inline, it shrinks and crowds the line above
    (\frac{1}{N} and \frac{x + 1}{x - 1} read well inline)."""
    at = math.find(r"\frac{")
    while at >= 0:
        i = at + len(r"\frac")
        for _ in range(2):                       # the two brace groups
            depth, j = 0, i
            while j < len(math):
                depth += {"{": 1, "}": -1}.get(math[j], 0)
                j += 1
                if depth == 0:
                    break
            if any(c in math[i + 1:j - 1] for c in "^_") or r"\frac" in math[i:j]:
                return True
            i = j
        at = math.find(r"\frac{", at + 1)
    return False


def task_sentence(d: "Derivation", p: Plan) -> str:
    """The sentence stating the task (paragraph text with inline math): see ``_sentence``."""
    return _sentence(d, p)


def _space(r: sp.Basic, c: sp.Basic) -> str:
    r"""\mathbb{R}^{n}, \mathbb{R}^{n \times k}: the space of an n x 1 or n x k array."""
    if c == 1:
        return r"\mathbb{R}^{%s}" % tex(r)
    return r"\mathbb{R}^{%s \times %s}" % (tex(r), tex(c))


def render_latex_parts(d: "Derivation", notation: Notation | None = None,
                       cache: dict | None = None) -> tuple[str, str]:
    """(the sentence that states the task, the ``align*`` fragment), for a document that
    assembles many derivations (:mod:`matcalc.notes`); the plan is made once. ``cache``:
    printed expressions shared by the document's derivations of the same notation."""
    notation = notation or Notation()
    with using(notation, intermediate_names(d) if notation.naming == "u" else None, cache), \
            printing_for(d):
        p = plan(d)
        return finish(_sentence(d, p)), finish(_fragment(sections(d, p), d))


def _summary(d: "Derivation") -> str:
    v = getattr(d, "verification", None)
    return v.summary() if v is not None else ""
