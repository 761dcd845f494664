"""Print SymPy expressions in matcalc's input language, so that parse(to_syntax(e)) == e.

This is the ``result`` string of the JSON output (CONTRACTS.md): ``^`` for powers, ``e`` for
Euler's number, ``log(x)`` for the natural log and ``log(x, 2)`` for a base-2 log,
``abs``/``sign``/``step``/``max``/``min`` in lower case, rationals as ``1/2`` (in
parentheses where precedence needs them) and ``sqrt(x)`` for ``x^(1/2)``.
"""
from __future__ import annotations

import sympy as sp
from sympy import S
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from . import ops

#: Integers longer than this many digits are written in chunks, ``(a*10^40 + b)``, so that
#: they stay under the parser's literal-digit limit (and Python's int-to-str limit).
CHUNK_DIGITS = 40


def integer_text(n: int) -> str:
    """``n`` in decimal, chunked as ``(a*10^80 + b*10^40 + c)`` when it is long."""
    unit = 10 ** CHUNK_DIGITS
    if -unit < n < unit:
        return str(n)
    rest, parts, k = abs(n), [], 0
    while rest:
        rest, chunk = divmod(rest, unit)
        if chunk:
            parts.append(f"{chunk}*10^{CHUNK_DIGITS * k}" if k else str(chunk))
        k += 1
    return ("-" if n < 0 else "") + "(" + " + ".join(reversed(parts)) + ")"


def positive_first(terms: list) -> list:
    """The terms of a sum with a positive one first, as a lecturer writes it
    (sigmoid(z) - y, not -y + sigmoid(z)); unchanged when the first is positive or all are
    negative."""
    if terms and terms[0].could_extract_minus_sign():
        for i, t in enumerate(terms):
            if not t.could_extract_minus_sign():
                return [t, *terms[:i], *terms[i + 1:]]
    return terms


class SyntaxPrinter(StrPrinter):
    """A StrPrinter that writes what matcalc's parser reads (see the module docstring)."""

    def _as_ordered_terms(self, expr, order=None):
        return positive_first(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exponent = expr.base, expr.exp
        if exponent is S.Half and not rational:
            return f"sqrt({self._print(base)})"
        if exponent == -S.Half and not rational:
            return f"1/sqrt({self._print(base)})"
        prec = precedence(expr)
        if exponent is S.NegativeOne:
            return "1/" + self.parenthesize(base, prec, strict=False)
        if exponent.is_Integer and exponent < 0 and not base.is_Number:     # 1/x^2, not x^(-2)
            return "1/" + self._print(sp.Pow(base, -exponent, evaluate=False))
        return "%s^%s" % (self.parenthesize(base, prec, strict=False),
                          self.parenthesize(exponent, prec, strict=False))

    def _print_Mul(self, expr: sp.Mul) -> str:
        """``-3*x*y^2/(z + 1)``: sign, numerator, then denominators (factors with a negative
        rational exponent). Laid out so that parsing rebuilds the same tree: a rational
        coefficient next to a single sum in the denominator is written ``1/(x + 1)/2``,
        since SymPy would distribute the 2 in ``1/(2*(x + 1))``."""
        coeff, rest = expr.as_coeff_Mul()
        if not expr.is_commutative or not coeff.is_Rational:
            return super()._print_Mul(expr)
        sign = "-" if coeff < 0 else ""
        coeff = abs(coeff)
        above: list[sp.Expr] = [] if coeff.p == 1 else [sp.Integer(coeff.p)]
        below: list[sp.Expr] = []
        for factor in rest.as_ordered_factors():
            if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative \
                    and (not factor.base.is_Number or factor.exp is S.NegativeOne):
                # (x^2*2^-1 occurs only unevaluated, as typed: x^2/2)
                below.append(factor.base if factor.exp is S.NegativeOne
                             else sp.Pow(factor.base, -factor.exp, evaluate=False))
            else:
                above.append(factor)
        prec = precedence(expr)
        text = "*".join(self.parenthesize(f, prec, strict=False) for f in above) or "1"
        if coeff.q != 1 and len(below) == 1 and below[0].is_Add:
            return f"{sign}{text}/{self.parenthesize(below[0], prec)}/{coeff.q}"
        if coeff.q != 1:
            below.insert(0, sp.Integer(coeff.q))
        if len(below) == 1:
            text += "/" + self.parenthesize(below[0], prec, strict=False)
        elif below:
            text += "/(%s)" % "*".join(self.parenthesize(f, prec, strict=False) for f in below)
        return sign + text

    def _print_Integer(self, expr: sp.Integer) -> str:
        return integer_text(expr.p)

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return integer_text(expr.p)
        return f"{integer_text(expr.p)}/{integer_text(expr.q)}"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "e"

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "pi"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        if len(expr.args) == 2 and expr.args[1] == 0:
            return f"step({self._print(expr.args[0])})"
        h0 = expr.args[1] if len(expr.args) == 2 else sp.S.Half
        return f"step({self._print(expr.args[0])}, {self._print(h0)})"

    def _print_Unequality(self, expr: sp.Ne) -> str:
        """x != 0 (a condition a step states; not part of the input language)."""
        return f"{self._print(expr.lhs)} != {self._print(expr.rhs)}"

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(%s)" % self.stringify(expr.args, ", ")

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(%s)" % self.stringify(expr.args, ", ")

    def _print_Function(self, expr: sp.Function) -> str:
        """A function under SymPy's name when the parser reads that name (``sin``, ``log``),
        else under the first name its row in the operator table gives it."""
        op = ops.lookup(type(expr))
        if type(expr).__name__ not in ops.BY_NAME and op is not None and op.names:
            return "%s(%s)" % (op.names[0], self.stringify(expr.args, ", "))
        return super()._print_Function(expr)

    def _print_logb(self, expr: sp.Expr) -> str:
        return "log(%s, %s)" % (self._print(expr.args[0]), self._print(expr.args[1]))

    def _print_MatrixBase(self, expr: sp.MatrixBase) -> str:
        """A row ``[a, b]``, any other matrix ``[[a, b], [c, d]]`` (one list per row):
        what ``parse_matrix`` reads."""
        rows = ["[" + ", ".join(self._print(e) for e in expr.row(i)) + "]"
                for i in range(expr.rows)]
        return rows[0] if expr.rows == 1 else "[" + ", ".join(rows) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        return " @ ".join(self._print(a) for a in expr.args)

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        return " + ".join(self._print(a) for a in expr.args)


_PRINTER = SyntaxPrinter()


def to_syntax(expr: sp.Basic) -> str:
    """``expr`` in matcalc's input language, e.g. ``x^2*exp(x) + log(x, 2)``."""
    return _PRINTER.doprint(expr)
