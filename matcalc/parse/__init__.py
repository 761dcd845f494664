"""The safe parser: text in matcalc's input language -> SymPy objects.

Nothing here calls eval, exec, sympify or parse_expr: a hand-written lexer and
recursive-descent parser (``lexer.py``, ``grammar.py``) build SymPy objects directly.

The language (CONTRACTS.md, "Input language"):

* ``^`` and ``**`` are powers, right-associative; ``-x^2`` is ``-(x^2)``; ``2^-x`` is allowed.
* Implicit multiplication (``3x^2(2y+7)``, ``2x y``, ``(x+1)(x-1)``) has the precedence of
  ``*`` and groups left to right: ``1/2x`` is ``(1/2)*x``.
* Names are whole: ``xy`` is one symbol, ``w1``, ``theta_1`` and ``sigma`` are symbols.
  ``e`` is Euler's number, ``pi`` is pi.
* Decimals are read exactly: ``0.5`` is ``Rational(1, 2)``, ``1e-3`` is ``Rational(1, 1000)``.
* A name followed by ``(`` is a call when it is a known function (see
  ``grammar.FUNCTIONS``), a product when it is one letter optionally followed by digits
  (``x(y+1)``, ``w1(x+1)``) or a constant, and otherwise the error "unknown function".

Every failure is a ParseError (with the 0-based position) or, for an over-long input or
one too costly for SymPy to build, a LimitError; both exit with status 2. Symbols come
from ``make_symbol`` only, so equal names are equal symbols.
"""
from __future__ import annotations

import sympy as sp

from ..options import Limits
from .grammar import (CONSTANTS, FUNCTIONS, is_reserved, make_symbol, parse_assignment_list,
                      parse_expression, parse_expression_list, parse_expression_matrix,
                      parse_symbols)

__all__ = ["parse", "parse_list", "parse_matrix", "parse_assignments", "parse_symbol_list",
           "make_symbol",
           "is_reserved", "FUNCTIONS", "CONSTANTS"]


def parse(text: str, limits: Limits = Limits()) -> sp.Expr:
    """Parse one scalar expression, e.g. ``parse("3x^2(2y+7)")``."""
    return parse_expression(text, limits)


def parse_list(text: str, limits: Limits = Limits()) -> list[sp.Expr]:
    """Parse ``"[f1, f2, ...]"``; a plain expression gives a one-element list."""
    return parse_expression_list(text, limits)


def parse_matrix(text: str, limits: Limits = Limits()) -> sp.ImmutableMatrix:
    """Parse ``"[[a, b], [c, d]]"`` (one list per row) or a row ``"[a, b]"`` into an
    ImmutableMatrix: the ``result`` text of a Jacobian or gradient in the JSON output."""
    return sp.ImmutableMatrix(parse_expression_matrix(text, limits))


def parse_assignments(text: str, limits: Limits = Limits()) -> list[tuple[sp.Symbol, sp.Expr]]:
    """Parse ``"g1 = x^2; g2 = 3x"`` (statements separated by ';' or line breaks) into
    ``[(g1, x**2), (g2, 3*x)]`` in order. A name assigned twice, a target that is not a
    name, or a function/constant name as target is a ParseError."""
    return parse_assignment_list(text, limits)


def parse_symbol_list(text: str, limits: Limits = Limits()) -> list[sp.Symbol]:
    """Parse a ``--wrt`` value such as ``"x,y"`` or ``"W1, b1"`` into symbols, in order."""
    return parse_symbols(text, limits)
