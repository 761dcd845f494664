"""Points and structure for computation graphs (``matcalc graph``).

* ``parse_point("a=5, b=3, c=2")``: the values of ``--at``, each a constant expression
  (``1/2``, ``-3``, ``0.25``, ``pi/4``, ``sqrt(2)``) read by the safe parser, exactly.
* ``parse_structure(text)``: an expression as written, not as SymPy normalizes it. SymPy
  distributes 3*(a + b*c) into 3*a + 3*b*c and -(p + q) into -p - q; a computation graph
  must keep the operations the user wrote (u = bc, v = a + u, J = 3v), so the same parser
  runs with SymPy's evaluation switched off.

Nothing here calls eval, exec, sympify or parse_expr.
"""
from __future__ import annotations

import sympy as sp

from ..errors import ParseError
from ..options import Limits
from .grammar import (END, NAME, Parser, _check_blank, _finish, _guarded, is_reserved,
                      make_symbol, parse_assignment_list, parse_expression)


def parse_point(text: str, limits: Limits = Limits()) -> list[tuple[sp.Symbol, sp.Expr]]:
    """``"a=5, b=3, c=2"`` (',' or ';' between) -> ``[(a, 5), (b, 3), (c, 2)]``, in order.
    Each value must be a number (no variables); a name given twice is an error."""
    parser = Parser(text, limits)
    _check_blank(text, "--at is empty (write e.g. --at a=5,b=3)")

    def run() -> list[tuple[sp.Symbol, sp.Expr]]:
        out: list[tuple[sp.Symbol, sp.Expr]] = []
        seen: set[str] = set()
        while True:
            target = parser.peek()
            if target.kind != NAME:
                parser.unexpected(target, "a variable name (--at name=value, ...)")
            if is_reserved(target.text):
                parser.fail(f"'{target.text}' is a function or constant, not a variable",
                            target.pos)
            if target.text in seen:
                parser.fail(f"'{target.text}' is given twice", target.pos)
            seen.add(target.text)
            parser.advance()
            if not parser.peek().is_op("="):
                parser.unexpected(parser.peek(), f"'=' after '{target.text}' (name=value)")
            parser.advance()
            start = parser.peek().pos
            value = _finish(parser, parser.expression())
            if value.free_symbols:
                names = ", ".join(sorted(s.name for s in value.free_symbols))
                parser.fail(f"the value of '{target.text}' must be a number, not an "
                            f"expression in {names}", start)
            out.append((make_symbol(target.text), value))
            token = parser.peek()
            if token.kind == END:
                return out
            if not token.is_op(",", ";"):
                parser.unexpected(token, "',' between values (--at a=5,b=3)")
            parser.advance()

    return _guarded(run, text)  # type: ignore[return-value]


def parse_structure(text: str, limits: Limits = Limits()) -> sp.Expr:
    """``text`` parsed with SymPy's automatic evaluation off: the operations as written.

    Call it after ``parse`` accepted the text (that is where domain errors are reported).
    """
    with sp.evaluate(False):
        return parse_expression(text, limits)


def parse_structure_assignments(text: str,
                                limits: Limits = Limits()) -> list[tuple[sp.Symbol, sp.Expr]]:
    """``parse_assignments`` with the operations as written (see ``parse_structure``)."""
    with sp.evaluate(False):
        return parse_assignment_list(text, limits)


__all__ = ["parse_point", "parse_structure", "parse_structure_assignments", "ParseError"]
