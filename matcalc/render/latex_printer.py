"""SymPy's LaTeX printer with matcalc's choices (``\\ln``, the unit step as an Iverson
bracket, the operator table's LaTeX names, the notation in force). The matrix printer
(matrix/printing.py) and the LaTeX renderer (render/latex.py) both build on it."""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .. import ops
from ..functions import sigmoid
from .notation import current, memo, renamed


class MatcalcLatexPrinter(LatexPrinter):
    r"""SymPy's LaTeX printer with ``\ln`` and the unit step as an Iverson bracket [u > 0];
    it follows the notation in force (sigmoid's name, bold vectors, renamed symbols)."""

    def _hprint_Function(self, func: str) -> str:
        r"""An unknown function's derivative f' (f'' ...) is written with primes, like f;
        other names as SymPy writes them (\operatorname for several letters)."""
        base = func.rstrip("'")
        if base != func and len(base) == 1:
            return func
        return super()._hprint_Function(func)

    def _as_ordered_terms(self, expr, order=None):
        from ..syntax import positive_first
        return positive_first(list(super()._as_ordered_terms(expr, order=order)))

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

    def _print_Function(self, expr: sp.Function, exp: object = None) -> str:
        """A function whose row in the operator table names its LaTeX (``latex_name``)
        prints as that name applied to its arguments; others as SymPy prints them."""
        op = ops.lookup(type(expr))
        if op is None or not op.latex_name:
            return super()._print_Function(expr, exp)
        body = r"%s\left(%s\right)" % (op.latex_name,
                                        ", ".join(self._print(a) for a in expr.args))
        return body if exp is None else r"%s^{%s}" % (body, exp)

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
