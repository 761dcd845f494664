"""Backprop programs (CONTRACTS.md): shape declarations and assignments, one a line.

    X: nx, m          # a declaration, as with --shape
    Z1 = W1 @ X + b1  # assignments in forward order; the last is the scalar objective

Each assigned name then stands for its value in later lines (as a matrix symbol of the
inferred shape). Errors name the line and point at the column (exit 2).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp
from sympy import MatrixSymbol

from ..errors import ParseError
from ..options import Limits
from ..parse.grammar import is_reserved, usable_name
from .algebra import Shape, fmt_shape, is_matrix, shape
from .parse import MatrixParser, parse_dims

_DECL = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*:(.*)$")
_ASSIGN = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=(?!=)(.*)$")


@dataclass
class Program:
    """A parsed program: declared shapes, assignments in order, the objective's name."""

    text: str
    shapes: dict[str, Shape]
    assignments: list[tuple[sp.Basic, sp.Basic]] = field(default_factory=list)

    @property
    def objective(self) -> sp.Basic:
        return self.assignments[-1][0]

    @property
    def definitions(self) -> dict[sp.Basic, sp.Basic]:
        return dict(self.assignments)

    def dims(self) -> set[sp.Symbol]:
        return {d for s in self.shapes.values() for d in s if isinstance(d, sp.Symbol)}


def _line_error(exc: ParseError, lineno: int, line: str, offset: int) -> ParseError:
    pos = None if exc.position is None else exc.position + offset
    return ParseError(f"line {lineno}: {exc.message}", line, pos)


def _adjoint_clash(name: str, known: dict[str, int], lineno: int, raw: str, col: int) -> None:
    """Exit 2 when ``name`` and an earlier name are X and dX: dX is the name of X's adjoint
    dL/dX in the backward pass (CONTRACTS: the adjoints are written d<name>), so a user
    variable of that name would be confused with it (and overwritten in --emit numpy)."""
    for other, first in known.items():
        if name == "d" + other or other == "d" + name:
            adj, base = (name, other) if name == "d" + other else (other, name)
            raise ParseError(f"line {lineno}: '{adj}' is reserved for the adjoint of "
                             f"'{base}' (line {first}) in the backward pass; rename "
                             f"'{name}'", raw, col)


def parse_program(text: str, limits: Limits = Limits()) -> Program:
    """Parse a program (see the module docstring); the last assignment must be a scalar."""
    if len(text) > limits.max_input_length * 10:
        raise ParseError(f"program is {len(text)} characters long (the limit is "
                         f"{limits.max_input_length * 10})")
    prog = Program(text, {})
    env: dict[str, sp.Basic] = {}
    scalars_used: dict[str, int] = {}      # undeclared names read as scalars, first line
    last_line = 0
    names_at: dict[str, int] = {}          # every declared or assigned name, its line
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        last_line = lineno
        m = _ASSIGN.match(line)
        d = _DECL.match(line) if m is None else None
        if d is not None:
            name = d.group(1)
            if is_reserved(name) or not usable_name(name):
                raise ParseError(f"line {lineno}: '{name}' cannot be a variable name", raw,
                                 d.start(1))
            if name in prog.shapes or name in env:
                raise ParseError(f"line {lineno}: '{name}' is declared twice", raw, d.start(1))
            _adjoint_clash(name, names_at, lineno, raw, d.start(1))
            names_at[name] = lineno
            try:
                prog.shapes[name] = parse_dims(d.group(2), name)
            except ParseError as exc:
                raise ParseError(f"line {lineno}: {exc.message}", raw, d.start(2)) from None
            continue
        if m is None:
            raise ParseError(f"line {lineno}: expected 'NAME: dims' or 'NAME = expression'",
                             raw, len(line) - len(line.lstrip()))
        name, expr_text = m.group(1), m.group(2)
        if is_reserved(name) or not usable_name(name):
            raise ParseError(f"line {lineno}: cannot assign to '{name}'", raw, m.start(1))
        if name in prog.shapes or name in env:
            raise ParseError(f"line {lineno}: '{name}' is already defined", raw, m.start(1))
        dims = {str(x) for s in prog.shapes.values() for x in s}
        if name in dims:
            raise ParseError(f"line {lineno}: '{name}' is a dimension", raw, m.start(1))
        _adjoint_clash(name, names_at, lineno, raw, m.start(1))
        names_at[name] = lineno
        parser = MatrixParser(expr_text, limits, prog.shapes, dict(env))
        try:
            if not expr_text.strip():
                parser.fail("expected an expression after '='", 0)
            value = parser.expression()
            parser.expect_end()
        except ParseError as exc:
            raise _line_error(exc, lineno, raw, m.start(2)) from None
        inputs_used = {x.name for x in value.free_symbols if isinstance(x, sp.Symbol)}
        if name in inputs_used or name in scalars_used:
            first = lineno if name in inputs_used else scalars_used[name]
            raise ParseError(f"line {lineno}: '{name}' is used as an input on line {first} "
                             "before it is assigned here (assign it first)", raw, m.start(1))
        for x in inputs_used:
            scalars_used.setdefault(x, lineno)
        symbol = MatrixSymbol(name, *value.shape) if is_matrix(value) else sp.Symbol(name)
        env[name] = symbol
        prog.assignments.append((symbol, value))
    if not prog.assignments:
        raise ParseError("the program has no assignments (the last one is the objective)")
    target, value = prog.assignments[-1]
    if is_matrix(value):
        raise ParseError(f"line {last_line}: the last assignment is the objective and must be "
                         f"a scalar, but {target.name} has shape {fmt_shape(shape(value))} "
                         "(reduce it with sum or mean)")
    return prog
