"""Entry-wise algebra: a matrix expression built only from element-wise operations (sums,
Hadamard products, element-wise functions, scalar factors) on matrices of one shape is a
scalar expression applied to every entry. ``to_scalar`` writes it so, with one scalar
symbol per matrix; ``lift`` turns such a scalar expression back into a matrix expression.

This is how a backward pass states, for instance, that the sigmoid and binary
cross-entropy collapse: (-Y/A + (1 - Y)/(1 - A)) o A o (1 - A) = A - Y entry by entry.
"""
from __future__ import annotations

import sympy as sp
from sympy import HadamardProduct, MatAdd, MatMul, MatrixSymbol, OneMatrix

from . import algebra as al
from .algebra import Shape, is_matrix
from .nodes import Elementwise, T
from .printing import matrix_syntax


class NotEntrywise(Exception):
    """The expression mixes in matrix products, transposes or reductions."""


def to_scalar(expr: sp.Basic, shape: Shape) -> tuple[sp.Expr, dict[sp.Symbol, MatrixSymbol]]:
    """(scalar expression, {scalar symbol: matrix}) or NotEntrywise."""
    table: dict[sp.Basic, sp.Symbol] = {}

    def walk(e: sp.Basic) -> sp.Expr:
        if not is_matrix(e):
            if e.atoms(MatrixSymbol):
                raise NotEntrywise(e)
            return e
        if tuple(e.shape) != tuple(shape):
            raise NotEntrywise(e)
        if isinstance(e, MatrixSymbol):
            if e not in table:
                table[e] = sp.Symbol(f"_{e.name}_entry")
            return table[e]
        if not isinstance(e, (OneMatrix, MatAdd, HadamardProduct, MatMul, Elementwise)) or (
                isinstance(e, MatMul) and len(al.coeff_and_factors(e)[1]) != 1):
            if e not in table:                  # an opaque entry: W2^T dZ2, X @ w ...
                table[e] = sp.Symbol(f"_q{len(table)}_entry")
            return table[e]
        if isinstance(e, OneMatrix):
            return sp.S.One
        if isinstance(e, MatAdd):
            return sp.Add(*[walk(a) for a in e.args])
        if isinstance(e, HadamardProduct):
            return sp.Mul(*[walk(a) for a in e.args])
        if isinstance(e, MatMul):
            coeff, mats = al.coeff_and_factors(e)
            if len(mats) != 1:
                raise NotEntrywise(e)
            if coeff.atoms(MatrixSymbol):
                raise NotEntrywise(e)
            return coeff * walk(mats[0])
        if isinstance(e, Elementwise):
            return e.body().xreplace({T: walk(e.arg)})
        raise NotEntrywise(e)

    scalar = walk(expr)
    return scalar, {s: m for m, s in table.items()}  # type: ignore[misc]


def lift(scalar: sp.Expr, table: dict[sp.Symbol, MatrixSymbol], shape: Shape) -> sp.Basic:
    """The matrix expression applying ``scalar`` entry by entry (inverse of to_scalar)."""
    if scalar in table:
        return table[scalar]
    if not (scalar.free_symbols & set(table)):
        return al.mmul(scalar, OneMatrix(*shape))
    if isinstance(scalar, sp.Add):
        return al.madd(*[lift(a, table, shape) for a in scalar.args])
    if isinstance(scalar, sp.Mul):
        consts = [a for a in scalar.args if not (a.free_symbols & set(table))]
        parts = [lift(a, table, shape) for a in scalar.args if a.free_symbols & set(table)]
        core = parts[0] if len(parts) == 1 else al.hadamard(*parts)
        return al.mmul(sp.Mul(*consts), core)
    args = [a for a in scalar.args if a.free_symbols & set(table)]
    if len(args) != 1:
        raise NotEntrywise(scalar)
    inner = args[0]
    body = scalar.xreplace({inner: T})
    return al.elementwise(body, lift(inner, table, shape))


def simplify_entrywise(expr: sp.Basic, definitions: dict[MatrixSymbol, sp.Basic] | None = None
                       ) -> sp.Basic | None:
    """``expr`` simplified entry by entry (sympy.factor/cancel on the scalar form), with
    forward quantities named where their definitions appear (tanh(Z1) -> A1); None when
    ``expr`` is not entry-wise or nothing is gained."""
    if not is_matrix(expr):
        return None
    shape = tuple(expr.shape)
    try:
        scalar, table = to_scalar(expr, shape)
    except NotEntrywise:
        return None
    # name forward quantities: A = f(Z) entry-wise, so f(z) -> a
    names: dict[sp.Expr, sp.Symbol] = {}
    for name, value in (definitions or {}).items():
        try:
            s_value, s_table = to_scalar(value, shape)
        except NotEntrywise:
            continue
        rename = {}
        for sym, mat in s_table.items():
            hit = next((k for k, v in table.items() if v == mat), None)
            if hit is None:
                hit = sp.Symbol(f"_q{len(table)}_entry")
                table[hit] = mat
            rename[sym] = hit
        target = sp.Symbol(f"_{name.name}_entry")
        table[target] = name
        names[s_value.xreplace(rename)] = target
    named = scalar.xreplace(names) if names else scalar
    candidates = [named]
    for fn in (sp.cancel, sp.factor):
        try:
            candidates.append(fn(named))
        except Exception:   # pragma: no cover - sympy failures just mean no gain
            pass
    best = named
    for c in candidates[1:]:
        if sp.count_ops(c) < 0.75 * sp.count_ops(best):
            best = c
    if best == scalar:
        return None
    return lift(best, table, shape)


#: Operations (sympy.count_ops of the scalar form) above which an expression is not
#: simplified entry by entry on the way: SymPy's cancel on a large rational function
#: costs more than it gives.
ENTRYWISE_OPS = 60


def shorter_entrywise(expr: sp.Basic) -> sp.Basic | None:
    """``simplify_entrywise(expr)``, written with a positive term first, when ``expr`` is
    entry-wise, small (``ENTRYWISE_OPS``), the shared simplification budget pays for it
    (work, not time: the same input gives the same output on a busy machine) and the
    result is at most two thirds as long as ``expr`` printed; else None."""
    from ..engine.simplify import afford
    if not is_matrix(expr) or al.is_one_by_one(expr):
        return None
    try:
        scalar, _ = to_scalar(expr, tuple(expr.shape))
    except NotEntrywise:
        return None
    if sp.count_ops(scalar) > ENTRYWISE_OPS or not afford(scalar):
        return None
    got = simplify_entrywise(expr)
    if got is None:             # the scalar form may have cancelled as it was built
        scalar, table = to_scalar(expr, tuple(expr.shape))
        got = lift(scalar, table, tuple(expr.shape))
    got = al.positive_first(got)
    # clearly shorter, or it is kept as derived: -Y/A + (1 - Y)/(1 - A), the notes' dA,
    # is not traded for (Y - A)/(A^2 - A)
    return got if 3 * len(matrix_syntax(got)) <= 2 * len(matrix_syntax(expr)) else None
