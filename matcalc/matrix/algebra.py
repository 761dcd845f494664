"""Shape-checked constructors for matrix expressions, and the light canonical forms the
engine relies on (flattened products with the scalar coefficient in front, sums with like
terms combined, transposes pushed down to the leaves).

Every matrix expression matcalc builds goes through these functions, never through
SymPy's ``doit``: the trees stay exactly as derived, so each step shows what it did.
Scalars are ordinary SymPy expressions (possibly containing Trace, Determinant, ScalarOf,
LogDet, Norm); ``shape(e)`` is None for them.
"""
from __future__ import annotations

from typing import Iterable

import sympy as sp
from sympy import (Determinant, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   MatrixSymbol, OneMatrix, Trace, Transpose, ZeroMatrix)
from sympy.matrices.expressions import MatrixExpr

from ..errors import InputError
from .nodes import Diag, Elementwise, LogSoftmax, ScalarOf, Softmax, T

Shape = tuple[sp.Expr, sp.Expr]


class ShapeMismatch(InputError):
    """Two operands whose shapes do not fit; the message names both shapes (exit 2)."""


def shape(e: sp.Basic) -> Shape | None:
    """(rows, cols) of a matrix expression, None for a scalar."""
    return tuple(e.shape) if isinstance(e, MatrixExpr) else None  # type: ignore[return-value]


def is_matrix(e: sp.Basic) -> bool:
    return isinstance(e, MatrixExpr)


def fmt_shape(s: Shape | None) -> str:
    return "scalar" if s is None else f"({s[0]}, {s[1]})"


def is_one_by_one(e: sp.Basic) -> bool:
    return is_matrix(e) and e.shape[0] == 1 and e.shape[1] == 1


def zero(s: Shape | None) -> sp.Basic:
    return sp.S.Zero if s is None else ZeroMatrix(*s)


def is_zero(e: sp.Basic) -> bool:
    return isinstance(e, ZeroMatrix) or e == 0


def ones(rows: sp.Expr, cols: sp.Expr) -> MatrixExpr:
    return OneMatrix(rows, cols)


def as_scalar(e: sp.Basic) -> sp.Expr:
    """A 1 x 1 matrix as a scalar (ScalarOf), a scalar unchanged."""
    if not is_matrix(e):
        return e
    if isinstance(e, ZeroMatrix):
        return sp.S.Zero
    if not is_one_by_one(e):
        raise ShapeMismatch(f"expected a scalar, got a matrix of shape {fmt_shape(shape(e))}")
    c, mats = _split([e])
    # (-2 x^T y) is -2 (x^T y), ((s^T dz) 1^T y) is (s^T dz) sum(y); a size factor stays
    # inside: (-(2/N) v^T x), printed -(2/N)*v.T @ x
    if c != 1 and mats and (c.is_Number or not c.is_rational_function()):
        return c * ScalarOf(mmul(*mats))
    return ScalarOf(e)


def as_matrix(e: sp.Basic) -> sp.Basic:
    """Undo ScalarOf (for a product that continues as a matrix product)."""
    return e.arg if isinstance(e, ScalarOf) else e


# --------------------------------------------------------------------------- products
def _split(factors: Iterable[sp.Basic]) -> tuple[sp.Expr, list[MatrixExpr]]:
    coeff: sp.Expr = sp.S.One
    mats: list[MatrixExpr] = []
    for f in factors:
        if isinstance(f, MatMul):
            c, inner = _split(f.args)
            coeff *= c
            mats.extend(inner)
        elif is_matrix(f):
            mats.append(f)
        else:
            coeff *= f
    return coeff, mats


def mmul(*factors: sp.Basic) -> sp.Basic:
    """The product of scalars and matrices (in order), flattened, scalar coefficient first,
    identities dropped; a zero factor gives the zero matrix of the product's shape."""
    coeff, mats = _split(factors)
    if not mats:
        return coeff
    s = (mats[0].shape[0], mats[-1].shape[1])
    if coeff == 0 or any(isinstance(m, ZeroMatrix) for m in mats):
        return ZeroMatrix(*s)
    kept: list[MatrixExpr] = []
    for m in mats:
        if isinstance(m, Identity) or (isinstance(m, OneMatrix) and m.shape == (1, 1)):
            continue
        kept.append(m)
        while len(kept) >= 2:
            merged = _pair(kept[-2], kept[-1])
            if merged is None:
                break
            del kept[-2:]
            if isinstance(merged, MatrixExpr) and not isinstance(merged, Identity):
                kept.append(merged)
    if not kept:
        kept = [Identity(s[0])]
    if coeff == 1:
        return kept[0] if len(kept) == 1 else MatMul(*kept)
    return MatMul(coeff, *kept)


def positive_first(e: sp.Basic) -> sp.Basic:
    """A sum written with a positive term first (softmax(z) - y, not -y + softmax(z));
    anything else, or a sum of negative terms only, unchanged."""
    if not isinstance(e, MatAdd):
        return e
    terms = list(e.args)
    if not coeff_and_factors(terms[0])[0].could_extract_minus_sign():
        return e
    for i, t in enumerate(terms):
        if not coeff_and_factors(t)[0].could_extract_minus_sign():
            return MatAdd(t, *terms[:i], *terms[i + 1:])
    return e


def _base_power(m: MatrixExpr) -> tuple[MatrixExpr, int]:
    if type(m) is MatPow and m.exp.is_Integer:
        return m.base, int(m.exp)
    return m, 1


def _pair(a: MatrixExpr, b: MatrixExpr) -> MatrixExpr | None:
    """Two adjacent factors as one, when an identity applies: A^{-1} A = I,
    diag(v) 1 = v, 1^T diag(v) = v^T, A^i A^j = A^(i+j); None when none does."""
    if (isinstance(a, Inverse) and a.arg == b) or (isinstance(b, Inverse) and b.arg == a):
        return Identity(a.shape[0])
    if isinstance(a, Transpose) and isinstance(b, Transpose) and (
            (isinstance(a.arg, Inverse) and a.arg.arg == b.arg)
            or (isinstance(b.arg, Inverse) and b.arg.arg == a.arg)):
        return Identity(a.shape[0])
    if isinstance(a, OneMatrix) and isinstance(b, OneMatrix) and a.shape[1] == 1:
        return OneMatrix(a.shape[0], b.shape[1])          # 1_r 1_c^T is the r x c ones
    if isinstance(a, Diag) and isinstance(b, OneMatrix) and b.shape[1] == 1:
        return a.arg
    if isinstance(b, Diag) and isinstance(a, OneMatrix) and a.shape[0] == 1:
        return mT(b.arg)
    (base_a, i), (base_b, j) = _base_power(a), _base_power(b)
    if base_a == base_b and base_a.shape[0] == base_a.shape[1] and base_a.shape[0] != 1 \
            and not isinstance(base_a, (OneMatrix, Diag)):
        return MatPow(base_a, i + j)
    return None


def coeff_and_factors(e: sp.Basic) -> tuple[sp.Expr, list[MatrixExpr]]:
    """``e`` as (scalar coefficient, list of matrix factors)."""
    if is_matrix(e):
        return _split([e])
    return e, []


# --------------------------------------------------------------------------- sums
def madd(*terms: sp.Basic, like: Shape | None = None) -> sp.Basic:
    """The sum of matrix terms (or of scalars), flattened, zeros dropped, like terms
    (equal matrix factors) combined; ``like`` is the shape of an empty sum."""
    order: list[tuple] = []
    coeffs: dict[tuple, sp.Expr] = {}
    scalars: list[sp.Expr] = []
    s = like
    stack = list(terms)[::-1]
    while stack:
        t = stack.pop()
        if isinstance(t, MatAdd):
            stack.extend(reversed(t.args))
            continue
        if not is_matrix(t):
            scalars.append(t)
            continue
        s = shape(t)
        if isinstance(t, ZeroMatrix):
            continue
        c, mats = _split([t])
        key = tuple(mats)
        if key not in coeffs:
            order.append(key)
            coeffs[key] = sp.S.Zero
        coeffs[key] += c
    if scalars and (order or s is not None):
        raise ShapeMismatch("cannot add a scalar and a matrix without broadcasting")
    if scalars:
        return sp.Add(*scalars)
    out = [mmul(coeffs[k], *k) for k in order if coeffs[k] != 0]
    if not out:
        return ZeroMatrix(*s) if s is not None else sp.S.Zero
    return out[0] if len(out) == 1 else MatAdd(*out)


def terms_of(e: sp.Basic) -> list[sp.Basic]:
    """The terms of a sum (matrix or scalar), a single term otherwise."""
    if isinstance(e, MatAdd):
        return list(e.args)
    if not is_matrix(e) and isinstance(e, sp.Add):
        return list(e.args)
    return [e]


# --------------------------------------------------------------------------- transposes
def mT(e: sp.Basic) -> sp.Basic:
    """The transpose, pushed down to the leaves: (AB)^T = B^T A^T, (A + B)^T = A^T + B^T,
    (A^T)^T = A, (X^{-1})^T stays X^{-T}; scalars are their own transpose."""
    if not is_matrix(e):
        return e
    if isinstance(e, Transpose):
        return e.arg
    if isinstance(e, MatMul):
        c, mats = _split([e])
        return mmul(c, *[mT(m) for m in reversed(mats)])
    if isinstance(e, MatAdd):
        return madd(*[mT(t) for t in e.args])
    if isinstance(e, HadamardProduct):
        return HadamardProduct(*[mT(t) for t in e.args])
    if isinstance(e, (Identity, Diag)):
        return e
    if isinstance(e, Inverse):
        return Transpose(e)
    if isinstance(e, MatPow):
        return MatPow(mT(e.base), e.exp)
    if isinstance(e, OneMatrix):
        return OneMatrix(e.shape[1], e.shape[0])
    if isinstance(e, ZeroMatrix):
        return ZeroMatrix(e.shape[1], e.shape[0])
    if isinstance(e, Elementwise):
        # f(A)^T = f(A^T), but the transpose of a function of a product stays outside:
        # sigmoid(X @ w).T, as written on the board, not sigmoid(w.T @ X.T)
        if any(len(_split([m])[1]) > 1 for m in e.arg.atoms(MatMul)):
            return Transpose(e)
        return Elementwise(e.function, mT(e.arg))
    if isinstance(e, MatrixSymbol) and e.shape[1] == 1 and e.shape[0] == 1:
        return e
    return Transpose(e)


# --------------------------------------------------------------------------- element-wise
def hadamard(*factors: MatrixExpr) -> MatrixExpr:
    """The element-wise product, flattened; a ones factor is dropped, a zero factor wins."""
    flat: list[MatrixExpr] = []
    coeff: sp.Expr = sp.S.One
    for f in factors:
        c, mats = _split([f])
        if len(mats) == 1 and isinstance(mats[0], HadamardProduct):
            flat.extend(mats[0].args)
            coeff *= c
        elif c != 1 and len(mats) >= 1:
            coeff *= c
            flat.append(mmul(*mats))
        else:
            flat.append(f)
    s = flat[0].shape
    scalars: list[MatrixExpr] = []
    for f in list(flat):
        q = _spread_scalar(f)
        if q is not None:
            coeff *= q
            flat.remove(f)
            flat.append(OneMatrix(*s))
    if coeff == 0 or any(isinstance(f, ZeroMatrix) for f in flat):
        return ZeroMatrix(*s)
    kept = [f for f in flat if not isinstance(f, OneMatrix)]
    if not kept:
        return mmul(coeff, OneMatrix(*s))
    core = kept[0] if len(kept) == 1 else HadamardProduct(*kept)
    return mmul(coeff, core)


def _spread_scalar(f: MatrixExpr) -> sp.Expr | None:
    """q when ``f`` is a 1 x 1 quantity q repeated down a column, 1 (1^T v) -> sum(v)."""
    c, mats = _split([f])
    if len(mats) >= 2 and isinstance(mats[0], OneMatrix) and mats[0].shape[1] == 1:
        rest = mmul(*mats[1:])
        if is_one_by_one(rest):
            return c * as_scalar(rest)
    return None


def diag(v: MatrixExpr) -> MatrixExpr:
    """diag(v) of a column v; diag(1) = I."""
    if isinstance(v, OneMatrix) and v.shape[1] == 1:
        return Identity(v.shape[0])
    return Diag(v)


def elementwise(body: sp.Expr, arg: MatrixExpr) -> MatrixExpr:
    """f(X) entry by entry, f given as an expression in ``nodes.T``."""
    if body == T:
        return arg
    c, rest = body.as_coeff_Mul()
    if rest == T:
        return mmul(c, arg)
    return Elementwise(sp.Lambda(T, body), arg)


def broadcast(e: sp.Basic, target: Shape) -> MatrixExpr:
    """``e`` (scalar, r x 1 column, 1 x c row, 1 x 1 or r x c) stretched to ``target`` the
    NumPy way, written with ones: b 1^T for a column, 1 r for a row, s 1 1^T for a scalar."""
    rows, cols = target
    if not is_matrix(e):
        return mmul(e, OneMatrix(rows, cols))
    r, c = e.shape
    if (r, c) == (rows, cols):
        return e
    left = [OneMatrix(rows, 1)] if r == 1 and rows != 1 else []
    right = [OneMatrix(1, cols)] if c == 1 and cols != 1 else []
    return mmul(*left, e, *right)


def broadcast_shape(a: Shape | None, b: Shape | None) -> Shape | None:
    """NumPy's broadcast of two shapes (None: scalar), or None-raising ShapeMismatch."""
    if a is None:
        return b
    if b is None:
        return a
    out = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ShapeMismatch(f"shapes do not broadcast, {fmt_shape(a)} and {fmt_shape(b)}")
    return (out[0], out[1])


# --------------------------------------------------------------------------- shortcuts
def trace(e: MatrixExpr) -> sp.Expr:
    return sp.S.Zero if isinstance(e, ZeroMatrix) else Trace(e)


def det(e: MatrixExpr) -> sp.Expr:
    return Determinant(e)


def inv(e: MatrixExpr) -> MatrixExpr:
    """A^{-1}, with (A^{-1})^{-1} = A."""
    if isinstance(e, Inverse):
        return e.arg
    if isinstance(e, Identity):
        return e
    return Inverse(e)
