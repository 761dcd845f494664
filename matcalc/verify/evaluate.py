"""Evaluating matrix expressions: on NumPy arrays (the verifier), on stacks of NumPy
arrays (the verifier, every sample point and stencil offset in one pass), or on explicit
SymPy matrices (``--dim n=3`` shows the components). One walk over the tree, three
backends.

No eval/exec: each node type maps to a NumPy (or SymPy) operation applied to its
evaluated children, memoized per distinct sub-expression.

Stacks (:class:`BatchBackend`, :func:`evaluate_batch`): a value that depends on the
inputs has a leading batch axis, B points at once - a matrix is a (B, r, c) array, a
scalar a (B,) array; a constant (I, 1 1^T, a number) has none and broadcasts. So the
number of dimensions says what a value is: 0 a constant scalar, 1 a stack of scalars,
2 a constant matrix, 3 a stack of matrices. Products of stacks are ``np.matmul`` (it
broadcasts over the leading axis); transposes, traces, determinants, inverses, norms and
sums act on the last two axes. Slice i of every result is the value at point i, the
same as :class:`NumPyBackend` gives for that point alone (up to rounding).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
from sympy import (Determinant, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   MatrixSymbol, OneMatrix, Trace, Transpose, ZeroMatrix)

from ..errors import NoRuleError
from .kernel import OPS, _lookup
from ..matrix.nodes import (Diag, DiagOf, Elementwise, LogDet, LogSoftmax, LogSumExp, MaxEntries,
                            MaxMask, Maximum, Norm, Norm1, ScalarOf, Softmax, T)


def _dim(d: sp.Expr, dims: Mapping[sp.Symbol, int]) -> int:
    value = d.xreplace(dims) if isinstance(d, sp.Expr) else d
    return int(value)


#: Condition number above which a matrix counts as singular for the verifier: the inverse
#: of such a matrix (and any result built from it) has no reliable digits left.
MAX_CONDITION = 1e10


class Singular(np.linalg.LinAlgError):
    """A matrix to be inverted is singular or too ill-conditioned to trust (cond > MAX_CONDITION)."""


def _inverse(a: np.ndarray) -> np.ndarray:
    """A^{-1}, refusing (``Singular``) when cond(A) > MAX_CONDITION."""
    if not np.all(np.isfinite(a)):
        return np.full_like(a, np.nan)   # outside the domain already: not a verdict on A
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise Singular("singular or ill-conditioned matrix") from None
    # the 1-norm condition number from the inverse: O(n^2) more, not an SVD's O(n^3)
    if not np.all(np.isfinite(inv)) or \
            np.linalg.norm(a, 1) * np.linalg.norm(inv, 1) > MAX_CONDITION:
        raise Singular("singular or ill-conditioned matrix")
    return inv


class NumPyBackend:
    """Arrays: matrices are 2-D float arrays, scalars floats. Inverting a (nearly)
    singular matrix raises ``Singular``, so that the verifier draws another point."""

    def symbol(self, name: str, value: Any) -> Any:
        return value

    matmul = staticmethod(lambda a, b: a @ b)
    transpose = staticmethod(lambda a: a.T)
    inverse = staticmethod(_inverse)
    det = staticmethod(np.linalg.det)
    trace = staticmethod(np.trace)
    @staticmethod
    def logdet(a: np.ndarray) -> float:
        sign, value = np.linalg.slogdet(a)
        return value if sign > 0 else np.nan
    norm = staticmethod(np.linalg.norm)
    hadamard = staticmethod(lambda a, b: a * b)
    ones = staticmethod(lambda r, c: np.ones((r, c)))
    zeros = staticmethod(lambda r, c: np.zeros((r, c)))
    eye = staticmethod(np.eye)
    diag = staticmethod(np.diagflat)
    scalar = staticmethod(lambda a: a[0, 0])
    matpow = staticmethod(np.linalg.matrix_power)
    diag_of = staticmethod(lambda a: np.diag(a).reshape(-1, 1).copy())
    maximum = staticmethod(np.maximum)
    max_entries = staticmethod(np.max)
    norm1 = staticmethod(lambda a: np.abs(a).sum())

    @staticmethod
    def max_mask(a: np.ndarray) -> np.ndarray:
        hit = (a == a.max()).astype(float)
        return hit / hit.sum()

    @staticmethod
    def logsumexp(a: np.ndarray) -> float:
        shift = a.max()
        return shift + np.log(np.exp(a - shift).sum())

    @staticmethod
    def softmax(a: np.ndarray, axis: int, log: bool) -> np.ndarray:
        shift = a.max(axis=axis, keepdims=True)
        lse = shift + np.log(np.exp(a - shift).sum(axis=axis, keepdims=True))
        return a - lse if log else np.exp(a - lse)

    @staticmethod
    def apply(body: sp.Expr, a: np.ndarray) -> np.ndarray:
        # a constant body (x^0 = 1 entry by entry) still has the argument's shape
        return np.broadcast_to(_scalar_eval(body, {T: a}, NumPyBackend()), np.shape(a)).copy()

    @staticmethod
    def scalar_op(node: sp.Basic, args: list) -> Any:
        return _lookup(node)(*args)

    @staticmethod
    def constant(node: sp.Basic) -> Any:
        return float(node)


def _times(a: Any, b: Any) -> Any:
    """a * b where one factor may be a stack of scalars (B,) and the other a stack of
    matrices (B, r, c): the scalar of point i scales the matrix of point i."""
    if isinstance(a, np.ndarray) and a.ndim == 1 and np.ndim(b) >= 2:
        a = a[:, None, None]
    elif isinstance(b, np.ndarray) and b.ndim == 1 and np.ndim(a) >= 2:
        b = b[:, None, None]
    return a * b


_LAST2 = (-2, -1)


class BatchBackend(NumPyBackend):
    """Stacks of B points (see the module docstring). A (nearly) singular matrix to invert
    does not stop the stack: its inverse is NaN at that point and ``singular[i]`` records
    it (the verifier draws another point there), as ``Singular`` does for one point."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.singular = np.zeros(size, dtype=bool)

    transpose = staticmethod(lambda a: np.swapaxes(a, -1, -2))
    trace = staticmethod(lambda a: np.trace(a, axis1=-2, axis2=-1))
    norm = staticmethod(lambda a: np.sqrt(np.sum(np.square(a), axis=_LAST2)))
    hadamard = staticmethod(_times)
    scalar = staticmethod(lambda a: a[..., 0, 0])
    diag_of = staticmethod(lambda a: np.diagonal(a, axis1=-2, axis2=-1)[..., None].copy())
    max_entries = staticmethod(lambda a: np.max(a, axis=_LAST2))
    norm1 = staticmethod(lambda a: np.abs(a).sum(axis=_LAST2))

    @staticmethod
    def logdet(a: np.ndarray) -> Any:
        sign, value = np.linalg.slogdet(a)
        return np.where(sign > 0, value, np.nan)

    @staticmethod
    def diag(a: np.ndarray) -> np.ndarray:
        v = a.reshape(a.shape[:-2] + (-1,))              # the vector's entries, per point
        return v[..., :, None] * np.eye(v.shape[-1])

    def inverse(self, a: np.ndarray) -> np.ndarray:
        """A^{-1} per point; NaN (and ``singular``) where cond_1(A) > MAX_CONDITION."""
        a = np.asarray(a, dtype=float)
        if a.ndim == 2:                 # a constant: singular at every point or at none
            return _inverse(a)
        finite = np.all(np.isfinite(a), axis=_LAST2)
        safe = np.where(finite[:, None, None], a, np.eye(a.shape[-1]))
        try:
            inv = np.linalg.inv(safe)
        except np.linalg.LinAlgError:   # an exactly singular point: the others one by one
            inv = np.empty_like(safe)
            for i, m in enumerate(safe):
                try:
                    inv[i] = np.linalg.inv(m)
                except np.linalg.LinAlgError:
                    inv[i] = np.nan
        with np.errstate(all="ignore"):
            cond = np.abs(safe).sum(axis=-2).max(axis=-1) * \
                np.abs(inv).sum(axis=-2).max(axis=-1)
        bad = ~(np.all(np.isfinite(inv), axis=_LAST2) & (cond <= MAX_CONDITION))
        self.singular |= bad & finite
        inv[bad | ~finite] = np.nan     # outside the domain already: not a verdict on A
        return inv

    def matpow(self, a: np.ndarray, k: int) -> np.ndarray:
        if k < 0:
            a, k = self.inverse(a), -k
        return np.linalg.matrix_power(a, k)

    @staticmethod
    def max_mask(a: np.ndarray) -> np.ndarray:
        hit = (a == a.max(axis=_LAST2, keepdims=True)).astype(float)
        return hit / hit.sum(axis=_LAST2, keepdims=True)

    @staticmethod
    def logsumexp(a: np.ndarray) -> Any:
        shift = a.max(axis=_LAST2, keepdims=True)
        return (shift + np.log(np.exp(a - shift).sum(axis=_LAST2, keepdims=True)))[..., 0, 0]

    @staticmethod
    def softmax(a: np.ndarray, axis: int, log: bool) -> np.ndarray:
        ax = axis - 2                   # axis 0 (columns) / 1 (rows) of each matrix
        shift = a.max(axis=ax, keepdims=True)
        lse = shift + np.log(np.exp(a - shift).sum(axis=ax, keepdims=True))
        return a - lse if log else np.exp(a - lse)


class SymPyBackend:
    """Explicit SymPy matrices of symbols x1, x2 ... (W11, W12 ...) for ``--dim``."""

    @staticmethod
    def symbol(name: str, value: Any) -> Any:
        return value

    matmul = staticmethod(lambda a, b: a * b)
    transpose = staticmethod(lambda a: a.T)
    inverse = staticmethod(lambda a: a.inv())
    det = staticmethod(lambda a: a.det())
    trace = staticmethod(lambda a: a.trace())
    logdet = staticmethod(lambda a: sp.log(a.det()))
    norm = staticmethod(lambda a: sp.sqrt(sum(e**2 for e in a)))
    hadamard = staticmethod(lambda a, b: a.multiply_elementwise(b))
    ones = staticmethod(lambda r, c: sp.ones(r, c))
    zeros = staticmethod(lambda r, c: sp.zeros(r, c))
    eye = staticmethod(sp.eye)
    diag = staticmethod(lambda v: sp.diag(*list(v)))
    scalar = staticmethod(lambda a: a[0, 0])
    matpow = staticmethod(lambda a, k: a**k)
    diag_of = staticmethod(lambda a: sp.Matrix([a[i, i] for i in range(a.rows)]))
    maximum = staticmethod(lambda a, b: sp.Matrix(a.rows, a.cols,
                                                  lambda i, j: sp.Max(a[i, j], b[i, j])))
    max_entries = staticmethod(lambda a: sp.Max(*a))
    norm1 = staticmethod(lambda a: sp.Add(*[sp.Abs(e) for e in a]))
    logsumexp = staticmethod(lambda a: sp.log(sp.Add(*[sp.exp(e) for e in a])))

    @staticmethod
    def max_mask(a: sp.Matrix) -> sp.Matrix:
        top = sp.Max(*a)
        return a.applyfunc(lambda e: sp.Piecewise((1, sp.Eq(e, top)), (0, True)))

    @staticmethod
    def softmax(a: sp.Matrix, axis: int, log: bool) -> sp.Matrix:
        out = sp.zeros(*a.shape)
        for i in range(a.rows):
            for j in range(a.cols):
                group = a[:, j] if axis == 0 else a[i, :]
                lse = sp.log(sum(sp.exp(e) for e in group))
                out[i, j] = a[i, j] - lse if log else sp.exp(a[i, j]) / sp.exp(lse)
        return out

    @staticmethod
    def apply(body: sp.Expr, a: sp.Matrix) -> sp.Matrix:
        return a.applyfunc(lambda e: body.xreplace({T: e}))

    @staticmethod
    def scalar_op(node: sp.Basic, args: list) -> Any:
        return node.func(*args)

    @staticmethod
    def constant(node: sp.Basic) -> Any:
        return node


def _scalar_eval(body: sp.Expr, env: dict, backend: Any) -> Any:
    memo: dict[sp.Basic, Any] = {}

    def walk(node: sp.Basic) -> Any:
        if node in env:
            return env[node]
        if node in memo:
            return memo[node]
        if isinstance(node, (sp.Number, sp.NumberSymbol)):
            out = backend.constant(node)
        else:
            out = backend.scalar_op(node, [walk(a) for a in node.args])
        memo[node] = out
        return out

    return walk(body)


#: Nodes f(X) of one matrix and the backend method that computes them, in match order.
_ONE_ARGUMENT: tuple[tuple[type, str], ...] = (
    (Transpose, "transpose"), (Inverse, "inverse"), (Trace, "trace"),
    (Determinant, "det"), (LogDet, "logdet"), (Norm, "norm"), (ScalarOf, "scalar"),
    (Diag, "diag"), (DiagOf, "diag_of"), (MaxMask, "max_mask"),
    (MaxEntries, "max_entries"), (Norm1, "norm1"), (LogSumExp, "logsumexp"))


def evaluate(expr: sp.Basic, values: Mapping[str, Any], dims: Mapping[sp.Symbol, int],
             backend: Any = None) -> Any:
    """The value of ``expr`` given the variables' values by name and the dimensions."""
    be = backend or NumPyBackend()
    memo: dict[sp.Basic, Any] = {}

    def walk(e: sp.Basic) -> Any:
        hit = memo.get(e)
        if hit is not None:
            return hit
        out = _node(e)
        memo[e] = out
        return out

    def _node(e: sp.Basic) -> Any:
        if isinstance(e, MatrixSymbol):
            return values[e.name]
        if isinstance(e, sp.Symbol):
            if e.name in values:
                return values[e.name]
            if e in dims:
                return be.constant(sp.Integer(dims[e]))
            raise KeyError(e.name)
        if isinstance(e, (sp.Number, sp.NumberSymbol)):
            return be.constant(e)
        if isinstance(e, (Identity, OneMatrix, ZeroMatrix)):
            r, c = (_dim(d, dims) for d in e.shape)
            return be.eye(r) if isinstance(e, Identity) else \
                be.ones(r, c) if isinstance(e, OneMatrix) else be.zeros(r, c)
        if isinstance(e, MatMul):
            out = None
            for a in e.args:
                v = walk(a)
                if out is None:
                    out = v
                elif isinstance(a, sp.matrices.expressions.MatrixExpr) and \
                        getattr(out, "shape", None) not in (None, ()) and \
                        not isinstance(out, (float, int)) and _is_matrix_value(out):
                    out = be.matmul(out, v)
                else:
                    out = _times(out, v)
            return out
        if isinstance(e, MatAdd):
            vals = [walk(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = out + v
            return out
        if isinstance(e, HadamardProduct):
            vals = [walk(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = be.hadamard(out, v)
            return out
        for node, method in _ONE_ARGUMENT:          # f(X) of one matrix: the backend's f
            if isinstance(e, node):
                return getattr(be, method)(walk(e.arg))
        if isinstance(e, MatPow):
            return be.matpow(walk(e.base), int(e.exp))
        if isinstance(e, Elementwise):
            return be.apply(e.body(), walk(e.arg))
        if isinstance(e, Maximum):
            return be.maximum(walk(e.args[0]), walk(e.args[1]))
        if isinstance(e, (Softmax, LogSoftmax)):
            return be.softmax(walk(e.arg), e.axis, isinstance(e, LogSoftmax))
        if e.args and type(e) in OPS or any(c in OPS for c in type(e).__mro__):
            return be.scalar_op(e, [walk(a) for a in e.args])
        raise NoRuleError(f"cannot evaluate {type(e).__name__}", e)

    return walk(expr)


def _is_matrix_value(v: Any) -> bool:
    """A matrix (2-D), a stack of matrices (3-D), or a SymPy matrix - not a scalar."""
    return isinstance(v, np.ndarray) and v.ndim >= 2 or isinstance(v, sp.MatrixBase)


def evaluate_batch(expr: sp.Basic, values: Mapping[str, Any], dims: Mapping[sp.Symbol, int],
                   size: int, backend: BatchBackend | None = None) -> np.ndarray:
    """The value of ``expr`` at ``size`` points at once: ``values`` holds a stack per
    variable ((size, r, c) or (size,)); the result has the leading axis ``size`` (a value
    that does not depend on the inputs is repeated). Points where a matrix to invert is
    singular are NaN and marked in ``backend.singular`` (pass one backend to share it
    between several calls)."""
    be = backend if backend is not None else BatchBackend(size)
    with np.errstate(all="ignore"):
        out = np.asarray(evaluate(expr, values, dims, be), dtype=float)
    if out.ndim in (0, 2):              # a constant: the same at every point
        out = np.broadcast_to(out, (size, *out.shape))
    return out
