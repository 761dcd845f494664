"""Matrix expressions as matcalc syntax (parses back), LaTeX, and NumPy code.

The three printers extend the scalar ones (``matcalc.syntax.SyntaxPrinter``,
``render.latex.MatcalcLatexPrinter``, ``codegen.numpy.NumPyTextPrinter``), so a scalar
expression containing traces, determinants or norms prints the same way as any other.
Products with ones are printed as what they mean: 1^T X 1 is sum(X), X 1 is
sum(X, axis=1) (keepdims) and 1^T X is sum(X, axis=0); a column b 1^T stretched across the
columns of a sum is just b (NumPy broadcasting).
"""
from __future__ import annotations

import re

import sympy as sp
from sympy import (Determinant, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   MatrixSymbol, OneMatrix, Trace, Transpose, ZeroMatrix)
from sympy.printing.precedence import PRECEDENCE

from ..codegen.numpy import NumPyTextPrinter
from ..render.latex_printer import MatcalcLatexPrinter
from ..syntax import SyntaxPrinter
from .algebra import coeff_and_factors, is_matrix, mT
from .nodes import (Diag, DiagOf, Elementwise, LogDet, LogSoftmax, LogSumExp, MaxEntries,
                    MaxMask, Maximum, Norm, Norm1, ScalarOf, Softmax, T)

ATOM = PRECEDENCE["Atom"]
MUL = PRECEDENCE["Mul"]
ADD = PRECEDENCE["Add"]
POW = PRECEDENCE["Pow"]


def reduction(expr: sp.Basic) -> tuple[sp.Basic, int | None] | None:
    """(X, axis) when ``expr`` is a sum over entries written with ones: 1^T X 1 -> (X, None),
    1^T X -> (X, 0), X 1 -> (X, 1); None otherwise."""
    if not isinstance(expr, MatMul):
        return None
    coeff, mats = coeff_and_factors(expr)
    if len(mats) < 2:
        return None
    first = isinstance(mats[0], OneMatrix) and mats[0].shape[0] == 1
    last = isinstance(mats[-1], OneMatrix) and mats[-1].shape[1] == 1
    if first and last and len(mats) >= 3:
        return _inner(mats[1:-1]), None
    if first and not last:
        return _inner(mats[1:]), 0
    if last and not first:
        return _inner(mats[:-1]), 1
    return None


def _vector_total(piece: list) -> sp.Basic | None:
    """v when the 1 x 1 run ``piece`` is 1^T v or v^T 1 (the sum of a column v), else None."""
    red = reduction(MatMul(*piece)) if len(piece) >= 2 else None
    if red is None or red[1] is None or red[0].atoms(OneMatrix):
        return None
    return mT(red[0]) if red[1] == 1 else red[0]      # v^T 1 is the sum of v


def _inner(mats: list) -> sp.Basic:
    return mats[0] if len(mats) == 1 else MatMul(*mats)


def stretched(expr: sp.Basic) -> sp.Basic | None:
    """b when ``expr`` is b 1^T (a column across columns) or 1 b (a row across rows)."""
    if not isinstance(expr, MatMul) and not isinstance(expr, OneMatrix):
        return None
    coeff, mats = coeff_and_factors(expr)
    if len(mats) == 1 and isinstance(mats[0], OneMatrix):
        return coeff
    if len(mats) == 2 and isinstance(mats[1], OneMatrix) and mats[1].shape[0] == 1 \
            and not isinstance(mats[0], OneMatrix):
        return sp.Mul(coeff, 1, evaluate=False) * mats[0] if coeff != 1 else mats[0]
    if len(mats) == 2 and isinstance(mats[0], OneMatrix) and mats[0].shape[1] == 1 \
            and not isinstance(mats[1], OneMatrix):
        return MatMul(coeff, mats[1]) if coeff != 1 else mats[1]
    return None


def _elementwise_prec(e: Elementwise) -> int:
    """How tightly f(X) binds as printed: 1/X and X^-2 print as divisions (MUL), X^2 as
    a power, sums and products at their own level, calls as atoms."""
    body = e.body()
    if isinstance(body, sp.Pow):
        return MUL if body.exp.is_negative else POW
    if isinstance(body, sp.Mul):
        return MUL
    if isinstance(body, sp.Add):
        return ADD
    return ATOM


# Precedences for the new nodes (SymPy's precedence() reads a ``precedence`` attribute).
ScalarOf.precedence = property(
    lambda self: ATOM if reduction(self.arg) is not None
    and coeff_and_factors(self.arg)[0] == 1 else MUL)  # type: ignore[attr-defined]
Elementwise.precedence = property(_elementwise_prec)  # type: ignore[attr-defined]


class _Common:
    """What the three printers share: the matrix-product layout."""

    hadamard_power = False
    matmul_sep = " @ "
    calls_delimit = True         # text and NumPy print kron(A, B) as a call; LaTeX A \otimes B

    def _factor(self, m: sp.Basic) -> str:
        if self.calls_delimit and getattr(m, "printed_as_call", False):
            return self._print(m)                    # kron(A, B): a call delimits itself
        return self.parenthesize(m, MUL + 1 if not isinstance(m, MatMul) else MUL, strict=True)

    def _product(self, coeff: sp.Expr, mats: list) -> str:
        body = self.matmul_sep.join(self._factor(m) for m in mats)
        if coeff == 1:
            return body
        if coeff == -1:
            if len(mats) == 1 and isinstance(mats[0], HadamardProduct):
                return "-" + self._print(mats[0])    # -Y/A, not -(Y/A): a product
            return "-" + body
        if coeff.could_extract_minus_sign():
            return "-" + self._coefficient(-coeff) + self.coeff_sep + body
        return self._coefficient(coeff) + self.coeff_sep + body

    def _coefficient(self, c: sp.Expr) -> str:
        return self.parenthesize(c, MUL, strict=False)

    def _sum_terms(self, expr: MatAdd) -> list[sp.Basic]:
        """The terms, a stretched column b 1^T written b (broadcast, as W @ X + b), except
        beside an identity: I - 1 s^T stays itself, never the broadcast eye(n) - s.T."""
        terms = list(expr.args)
        if any(isinstance(m, Identity) for t in terms for m in coeff_and_factors(t)[1]):
            return terms
        out = []
        for t in terms:
            b = stretched(t)
            out.append(b if b is not None else t)
        return out

    def _print_MatAdd(self, expr: MatAdd) -> str:
        """The terms joined with + and -, in their order, except that a constant term
        goes first when the sum would start with a minus: 1 - sigmoid(z), never
        -sigmoid(z) + 1 (the order of other terms is the derivation's: the notes'
        dA = -Y/A + (1 - Y)/(1 - A) stays)."""
        terms = self._sum_terms(expr)
        texts = [self._print(t) for t in terms]
        if texts and texts[0].startswith("-"):
            k = next((i for i, (t, x) in enumerate(zip(terms, texts)) if not x.startswith("-")
                      and all(isinstance(m, OneMatrix) for m in coeff_and_factors(t)[1])), 0)
            texts.insert(0, texts.pop(k))
        parts: list[str] = []
        for i, text in enumerate(texts):
            if i and text.startswith("-"):
                parts.append(" - " + text[1:])
            elif i:
                parts.append(" + " + text)
            else:
                parts.append(text)
        return "".join(parts)


class MatrixSyntaxPrinter(_Common, SyntaxPrinter):
    """matcalc input syntax: what ``matrix.parse`` reads back."""

    coeff_sep = "*"

    def _coefficient(self, c: sp.Expr) -> str:
        """A product coefficient needs brackets only with a quotient in it: 2*det(A)*X
        reads (2 det(A)) X, -(2/N)*X.T keeps them."""
        quotient = isinstance(c, sp.Mul) and any(
            isinstance(f, sp.Pow) and f.exp.is_negative for f in c.args)
        return self.parenthesize(c, MUL, strict=not quotient)

    def _product(self, coeff: sp.Expr, mats: list) -> str:
        """The parser turns a 1 x 1 product into a scalar, after which ``@`` is refused: so
        a 1 x 1 factor that is not a declared matrix, and a 1 x 1 leading run of factors
        followed by more, are written as scalar factors with ``*``: ``c*(c.T @ y)`` for
        c (c^T y), ``(x.T @ a)*a.T`` for x^T a a^T."""
        pieces: list[list] = []
        run: list = []
        rows = None
        for m in mats:
            shape_m = m.shape if is_matrix(m) else (1, 1)
            if tuple(shape_m) == (1, 1) and not isinstance(m, MatrixSymbol):
                if run:
                    pieces.append(run)
                    run = []
                pieces.append([m])
                continue
            if run and (rows, run[-1].shape[1]) == (1, 1):
                pieces.append(run)
                run = []
            if not run:
                rows = shape_m[0]
            run.append(m)
        if run:
            pieces.append(run)
        if len(pieces) <= 1:
            return super()._product(coeff, mats)
        texts = []
        for piece in pieces:
            if len(piece) == 1:
                texts.append(self.parenthesize(piece[0], MUL, strict=False))
            else:
                total = _vector_total(piece)
                texts.append(f"sum({self._print(total)})" if total is not None else
                             "(" + " @ ".join(self._factor(m) for m in piece) + ")")
        return super()._product(coeff, []) if not texts else _scaled(
            self, coeff, "*".join(texts), "*")

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return expr.name

    def _print_MatMul(self, expr: MatMul) -> str:
        red = reduction(expr)
        coeff, mats = coeff_and_factors(expr)
        if red is not None:
            x, axis = red
            text = f"sum({self._print(x)})" if axis is None else \
                f"sum({self._print(x)}, axis={axis})"
            return _scaled(self, coeff, text, "*")
        return self._product(coeff, mats)

    def _print_Transpose(self, expr: Transpose) -> str:
        return _transposed(self, expr.arg)

    def _print_Inverse(self, expr: Inverse) -> str:
        return f"inv({self._print(expr.arg)})"

    def _print_MatPow(self, expr: MatPow) -> str:
        return f"{self.parenthesize(expr.base, ATOM, strict=True)}^{self._print(expr.exp)}"

    def _print_Trace(self, expr: Trace) -> str:
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr: Determinant) -> str:
        return f"det({self._print(expr.arg)})"

    def _print_LogDet(self, expr: LogDet) -> str:
        return f"logdet({self._print(expr.arg)})"

    def _print_Norm(self, expr: Norm) -> str:
        return f"norm({self._print(expr.arg)})"

    def _print_ScalarOf(self, expr: ScalarOf) -> str:
        red = reduction(expr.arg)
        if red is not None:                       # a 1 x 1 sum: the sum of all entries
            return _scaled(self, coeff_and_factors(expr.arg)[0],
                           f"sum({self._print(red[0])})", "*")
        return self._print(expr.arg)

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        return _hadamard_text(self, expr, "*", "/")

    def _print_Identity(self, expr: Identity) -> str:
        return f"eye({self._print(expr.shape[0])})"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return f"ones({self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        return f"zeros({self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _print_Diag(self, expr: Diag) -> str:
        return f"diag({self._print(expr.arg)})"

    def _print_DiagOf(self, expr: DiagOf) -> str:
        return f"diag({self._print(expr.arg)})"

    def _print_Maximum(self, expr: Maximum) -> str:
        return f"max({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_MaxMask(self, expr: MaxMask) -> str:
        return f"maxmask({self._print(expr.arg)})"

    def _print_MaxEntries(self, expr: MaxEntries) -> str:
        return f"max({self._print(expr.arg)})"

    def _print_Norm1(self, expr: Norm1) -> str:
        return f"norm1({self._print(expr.arg)})"

    def _print_LogSumExp(self, expr: LogSumExp) -> str:
        return f"logsumexp({self._print(expr.arg)})"

    def _print_Softmax(self, expr: Softmax) -> str:
        axis = ", axis=1" if expr.axis == 1 else ""
        return f"softmax({self._print(expr.arg)}{axis})"

    def _print_LogSoftmax(self, expr: LogSoftmax) -> str:
        axis = ", axis=1" if expr.axis == 1 else ""
        return f"log_softmax({self._print(expr.arg)}{axis})"

    def _print_Elementwise(self, expr: Elementwise) -> str:
        r, c = expr.arg.shape
        outer = getattr(self, "_square", False)
        # X^k of a square X reads back as the matrix power: entry-wise powers of a
        # square argument are written as products instead (see _print_Pow)
        self._square = r == c and r != 1
        try:
            return _with_arg(self, expr)
        finally:
            self._square = outer

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        """u^k inside an element-wise function of a square matrix: (u*u*...*u), or
        1/(u*...*u) for k < 0 - ``^`` would read back as the matrix power."""
        k = expr.exp
        if getattr(self, "_square", False) and k.is_Integer and abs(int(k)) >= 2 \
                and abs(int(k)) <= MAX_SPELLED_POWER and _PLACEHOLDER in expr.base.free_symbols:
            u = self.parenthesize(expr.base, MUL, strict=False)
            product = "(" + "*".join([u] * abs(int(k))) + ")"
            return product if k > 0 else "(1/" + product + ")"
        return super()._print_Pow(expr, rational)


#: Entry-wise integer powers of a square matrix up to this are written as products.
MAX_SPELLED_POWER = 12
_PLACEHOLDER = sp.Symbol("_ARG_")


def _reciprocal(e: sp.Basic) -> sp.Basic | None:
    """B when ``e`` is 1/B entry by entry."""
    if isinstance(e, Elementwise) and e.body() == 1 / T:
        return e.arg
    return None


def _hadamard_text(printer, expr: HadamardProduct, times: str, over: str) -> str:
    """a*b/c for a o b o (1/c): element-wise division written as such."""
    above = [a for a in expr.args if _reciprocal(a) is None]
    below = [_reciprocal(a) for a in expr.args if _reciprocal(a) is not None]
    # a*b*c (a o b o c) is one associative product, so an element-wise factor printed as
    # a product or a quotient needs no brackets ((1 - s)*s*dZ); a matrix product keeps
    # them (y*(A @ x))
    text = times.join(printer.parenthesize(
        a, MUL, strict=isinstance(a, (Elementwise, HadamardProduct)))
        for a in above) or "1"
    for b in below:
        # a divisor at the level of * and @ needs its parentheses: x/A @ B is (x/A) @ B
        text += over + printer.parenthesize(b, MUL, strict=False)
    return text


def _scaled(printer, coeff: sp.Expr, text: str, sep: str) -> str:
    """``coeff`` times an already printed factor."""
    if coeff == 1:
        return text
    if coeff == -1:
        return "-" + text
    if coeff.could_extract_minus_sign():
        return "-" + printer._coefficient(-coeff) + sep + text
    return printer._coefficient(coeff) + sep + text


_NAME_OR_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(\(.*\))?(\.T)*")


def _transposed(printer, arg: sp.Basic) -> str:
    """``arg.T``, with ``arg`` in parentheses unless its text is a name, a call or already
    a transpose (a call's parentheses are checked to enclose the whole text)."""
    text = printer._print(arg)
    if _NAME_OR_CALL.fullmatch(text) and _balanced_call(text):
        return text + ".T"
    return f"({text}).T"


def _balanced_call(text: str) -> bool:
    """True when the first "(" of ``text`` closes at its last ")" (f(a) + g(b) is not one
    call), or there is none."""
    start = text.find("(")
    if start < 0:
        return True
    depth = 0
    for i, ch in enumerate(text[start:], start):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return text[i + 1:].replace(".T", "") == ""
    return False


def _with_arg(printer, expr: Elementwise) -> str:
    """Print f(X) by printing f(t) with t standing for X's text (parenthesised)."""
    arg = printer._print(expr.arg)
    body = expr.body()
    called = not any(isinstance(n, (sp.Add, sp.Mul, sp.Pow)) and T in n.args
                     for n in sp.preorder_traversal(body))
    simple = isinstance(expr.arg, (MatrixSymbol, Diag, Softmax, LogSoftmax)) or (
        isinstance(expr.arg, Elementwise) and _elementwise_prec(expr.arg) == ATOM)
    if not called and not simple:
        arg = printer.paren_open + arg + printer.paren_close
    if printer.hadamard_power and isinstance(body, sp.Pow) and body.base == T \
            and body.exp.is_Integer and body.exp > 0:
        return "%s^{\\circ %s}" % (arg, body.exp)
    placeholder = _PLACEHOLDER
    text = printer._print(expr.body().xreplace({T: placeholder}))
    return text.replace(printer._print(placeholder), arg)


MatrixSyntaxPrinter.paren_open, MatrixSyntaxPrinter.paren_close = "(", ")"


class MatrixLatexPrinter(_Common, MatcalcLatexPrinter):
    r"""LaTeX: X^{T}, X^{-1}, \operatorname{tr}, \odot, \mathbf{1} for ones."""

    calls_delimit = False

    matmul_sep = " "
    coeff_sep = " "
    hadamard_power = True
    paren_open, paren_close = r"\left(", r"\right)"

    def _coefficient(self, c: sp.Expr) -> str:
        """Fractions and products are self-delimiting in LaTeX; only sums need brackets."""
        return self.parenthesize(c, ADD + 1, strict=False) if isinstance(c, sp.Add) \
            else self._print(c)

    def parenthesize(self, item, level, *args, **kwargs) -> str:
        """\\frac{1}{X} (an element-wise reciprocal) delimits itself: no brackets."""
        if isinstance(item, Elementwise) and _reciprocal(item) is not None:
            return self._print(item)
        return super().parenthesize(item, level, *args, **kwargs)

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return self._print(sp.Symbol(expr.name))

    def _print_MatMul(self, expr: MatMul) -> str:
        coeff, mats = coeff_and_factors(expr)
        return self._product(coeff, mats)

    def _print_Transpose(self, expr: Transpose) -> str:
        if isinstance(expr.arg, Inverse):
            return "%s^{-T}" % self.parenthesize(expr.arg.arg, ATOM, strict=True)
        return "%s^{T}" % self.parenthesize(expr.arg, ATOM, strict=True)

    def _print_Inverse(self, expr: Inverse) -> str:
        return "%s^{-1}" % self.parenthesize(expr.arg, ATOM, strict=True)

    def _print_MatPow(self, expr: MatPow) -> str:
        return "%s^{%s}" % (self.parenthesize(expr.base, ATOM, strict=True),
                            self._print(expr.exp))

    def _print_Trace(self, expr: Trace, exp=None) -> str:
        body = r"\operatorname{tr}\left(%s\right)" % self._print(expr.arg)
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _print_Determinant(self, expr: Determinant, exp=None) -> str:
        body = r"\det\left(%s\right)" % self._print(expr.arg)
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _print_LogDet(self, expr: LogDet, exp=None) -> str:
        body = r"\log\det\left(%s\right)" % self._print(expr.arg)
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def _print_Norm(self, expr: Norm, exp=None) -> str:
        body = r"\left\lVert %s\right\rVert" % self._print(expr.arg)
        if not (expr.arg.shape[1] == 1):
            body += "_F"
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _print_ScalarOf(self, expr: ScalarOf) -> str:
        return self._print(expr.arg)

    def _print_HadamardPower(self, expr) -> str:
        """A o-power of e^{...} is braced: {e^{-z}}^{o 2}, never a double superscript."""
        base = self._print(expr.base)
        if "^" in base and not base.endswith(r"\right)"):
            base = "{%s}" % base
        return r"%s^{\circ {%s}}" % (base, self._print(expr.exp))

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        # one associative product: an element-wise factor printed with \odot needs no
        # brackets ((1 - \sigma(Z)) \odot \sigma(Z) \odot dZ)
        return r" \odot ".join(self.parenthesize(
            a, MUL, strict=isinstance(a, (Elementwise, HadamardProduct))) for a in expr.args)

    def _print_Identity(self, expr: Identity) -> str:
        return r"I_{%s}" % self._print(expr.shape[0])

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        r, c = expr.shape
        if c == 1:
            return r"\mathbf{1}_{%s}" % self._print(r)
        if r == 1:
            return r"\mathbf{1}_{%s}^{T}" % self._print(c)
        return r"\mathbf{1}_{%s \times %s}" % (self._print(r), self._print(c))

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        return r"\mathbf{0}"

    def _print_Diag(self, expr: Diag) -> str:
        return r"\operatorname{diag}\left(%s\right)" % self._print(expr.arg)

    def _print_DiagOf(self, expr: DiagOf) -> str:
        return r"\operatorname{diag}\left(%s\right)" % self._print(expr.arg)

    def _print_Maximum(self, expr: Maximum) -> str:
        return r"\max\left(%s, %s\right)" % (self._print(expr.args[0]),
                                             self._print(expr.args[1]))

    def _print_MaxMask(self, expr: MaxMask) -> str:
        return r"\operatorname{maxmask}\left(%s\right)" % self._print(expr.arg)

    def _print_MaxEntries(self, expr: MaxEntries, exp=None) -> str:
        body = r"\max\left(%s\right)" % self._print(expr.arg)
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def _print_Norm1(self, expr: Norm1, exp=None) -> str:
        body = r"\left\lVert %s\right\rVert_1" % self._print(expr.arg)
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _print_LogSumExp(self, expr: LogSumExp, exp=None) -> str:
        body = r"\operatorname{logsumexp}\left(%s\right)" % self._print(expr.arg)
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def _print_Softmax(self, expr: Softmax) -> str:
        return r"\operatorname{softmax}\left(%s\right)" % self._print(expr.arg)

    def _print_LogSoftmax(self, expr: LogSoftmax) -> str:
        return r"\log\operatorname{softmax}\left(%s\right)" % self._print(expr.arg)

    def _print_Elementwise(self, expr: Elementwise) -> str:
        if _reciprocal(expr) is not None:      # the fraction bar delimits: no brackets
            return r"\frac{1}{%s}" % self._print(expr.arg)
        self._elementwise = getattr(self, "_elementwise", 0) + 1
        try:
            return _with_arg(self, expr)
        finally:
            self._elementwise -= 1

    def _print_Mul(self, expr: sp.Mul) -> str:
        """Inside an element-wise function, a product of entries is the Hadamard product."""
        coeff, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        if not getattr(self, "_elementwise", 0) or len(factors) < 2 or any(
                f.is_Pow and f.exp.is_negative for f in factors):
            return super()._print_Mul(expr)
        body = r" \odot ".join(self.parenthesize(f, MUL, strict=False) for f in factors)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return self._print(coeff) + " " + body


class MatrixNumPyPrinter(_Common, NumPyTextPrinter):
    """NumPy code over the variables' arrays (and dimension names, as integers)."""

    coeff_sep = " * "
    paren_open, paren_close = "(", ")"

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return expr.name

    def _print_MatMul(self, expr: MatMul) -> str:
        red = reduction(expr)
        coeff, mats = coeff_and_factors(expr)
        if red is not None:
            x, axis = red
            inner = self._print(x)
            text = f"np.sum({inner})" if axis is None else \
                f"np.sum({inner}, axis={axis}, keepdims=True)"
            return _scaled(self, coeff, text, " * ")
        return self._product(coeff, mats)

    def _factor(self, m: sp.Basic) -> str:
        return self.parenthesize(m, POW, strict=True)

    def _coefficient(self, c: sp.Expr) -> str:
        return self.parenthesize(c, MUL, strict=False)

    def _product(self, coeff, mats) -> str:
        body = " @ ".join(self._factor(m) for m in mats)
        if coeff == 1:
            return body
        if len(mats) > 1:
            body = f"({body})"
        if coeff == -1:
            return "-" + body
        if coeff.could_extract_minus_sign():
            return "-" + self._coefficient(-coeff) + " * " + body
        return self._coefficient(coeff) + " * " + body

    def _print_Transpose(self, expr: Transpose) -> str:
        # ".T" binds tighter than "**": x**2.T is not Python; anything but a name or a
        # call is parenthesised
        return _transposed(self, expr.arg)

    def _print_Inverse(self, expr: Inverse) -> str:
        return f"np.linalg.inv({self._print(expr.arg)})"

    def _print_MatPow(self, expr: MatPow) -> str:
        return f"np.linalg.matrix_power({self._print(expr.base)}, {int(expr.exp)})"

    def _print_Trace(self, expr: Trace) -> str:
        return f"np.trace({self._print(expr.arg)})"

    def _print_Determinant(self, expr: Determinant) -> str:
        return f"np.linalg.det({self._print(expr.arg)})"

    def _print_LogDet(self, expr: LogDet) -> str:
        return f"np.linalg.slogdet({self._print(expr.arg)})[1]"

    def _print_Norm(self, expr: Norm) -> str:
        return f"np.linalg.norm({self._print(expr.arg)})"

    def _print_ScalarOf(self, expr: ScalarOf) -> str:
        red = reduction(expr.arg)
        if red is not None:                       # a 1 x 1 sum: the sum of all entries
            return _scaled(self, coeff_and_factors(expr.arg)[0],
                           f"np.sum({self._print(red[0])})", " * ")
        return f"({self._print(expr.arg)})[0, 0]"

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        return _hadamard_text(self, expr, " * ", " / ")

    def _print_Identity(self, expr: Identity) -> str:
        return f"np.eye({self._print(expr.shape[0])})"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return f"np.ones(({self._print(expr.shape[0])}, {self._print(expr.shape[1])}))"

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        return f"np.zeros(({self._print(expr.shape[0])}, {self._print(expr.shape[1])}))"

    def _print_Diag(self, expr: Diag) -> str:
        return f"np.diagflat({self._print(expr.arg)})"

    def _print_DiagOf(self, expr: DiagOf) -> str:
        return f"np.diag({self._print(expr.arg)}).reshape(-1, 1)"

    def _print_Maximum(self, expr: Maximum) -> str:
        return f"np.maximum({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_MaxMask(self, expr: MaxMask) -> str:
        x = self._print(expr.arg)
        return f"(np.equal({x}, np.max({x})) / np.sum(np.equal({x}, np.max({x}))))"

    def _print_MaxEntries(self, expr: MaxEntries) -> str:
        return f"np.max({self._print(expr.arg)})"

    def _print_Norm1(self, expr: Norm1) -> str:
        return f"np.sum(np.abs({self._print(expr.arg)}))"

    def _print_LogSumExp(self, expr: LogSumExp) -> str:
        x = self._print(expr.arg)
        return f"(np.max({x}) + np.log(np.sum(np.exp(({x}) - np.max({x})))))"

    def _print_Softmax(self, expr: Softmax) -> str:
        x = self._print(expr.arg)
        return f"np.exp({x} - np.log(np.sum(np.exp({x}), axis={expr.axis}, keepdims=True)))"

    def _print_LogSoftmax(self, expr: LogSoftmax) -> str:
        x = self._print(expr.arg)
        return f"({x} - np.log(np.sum(np.exp({x}), axis={expr.axis}, keepdims=True)))"

    def _print_Elementwise(self, expr: Elementwise) -> str:
        if T not in expr.body().free_symbols:      # a constant f (relu'' = 0): keep X's shape
            return (f"np.full(np.shape({self._print(expr.arg)}), "
                    f"{self._print(expr.body())}, dtype=float)")
        return _with_arg(self, expr)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return expr.name


def matrix_syntax(expr: sp.Basic) -> str:
    """``expr`` in matcalc's input language (parses back with the same shapes)."""
    return MatrixSyntaxPrinter().doprint(expr)


def matrix_latex(expr: sp.Basic) -> str:
    return MatrixLatexPrinter().doprint(expr)


def matrix_numpy(expr: sp.Basic) -> str:
    """A Python expression over np.* and the variables' (and dimensions') names."""
    return MatrixNumPyPrinter().doprint(expr)
