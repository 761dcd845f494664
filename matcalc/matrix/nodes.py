"""The matrix-expression nodes matcalc adds to SymPy's (MatrixSymbol, MatMul, MatAdd,
Transpose, Inverse, Trace, Determinant, HadamardProduct, Identity, OneMatrix, ZeroMatrix).

* ``Elementwise(Lambda(t, f(t)), X)``: f applied to every entry of X (tanh(X), X^2, 1/X ...).
* ``Diag(x)``: the diagonal matrix with the vector x on its diagonal.
* ``Softmax(X, axis)`` and ``LogSoftmax(X, axis)``: normalised over each column (axis 0,
  also a vector's entries) or each row (axis 1).
* ``DiagOf(X)``: the diagonal of a square n x n X as an n x 1 vector (diag(X)).
* ``Maximum(X, Y)``: the element-wise maximum of two matrices of one shape (max(x, y)).
* ``MaxMask(X)``: [X_ij = max X] / (number of entries that tie for the maximum), the
  gradient of max(X): one-hot at the largest entry, split evenly at ties.
* Scalar-valued: ``MaxEntries(X)`` = max over the entries, ``Norm1(X)`` = sum of |X_ij|,
  ``LogSumExp(x)`` = log(sum(exp(x))) of a vector;
  ``ScalarOf(M)`` (a 1 x 1 product such as x^T A x used as a scalar),
  ``LogDet(X)`` = log det X, ``Norm(X)`` (2-norm of a vector, Frobenius norm of a matrix).

Sums over entries are products with ones: sum(X) = 1^T X 1, sum(X, axis=1) = X 1, and a
bias b broadcast across k columns is b 1_k^T, so their derivatives need no rule of their own.
"""
from __future__ import annotations

import sympy as sp
from sympy import Expr, Integer, Lambda, MatrixSymbol
from sympy.matrices.expressions import MatrixExpr

#: The bound variable of every Elementwise lambda.
T = sp.Dummy("t")


class Elementwise(MatrixExpr):
    """f(X) entry by entry: ``Elementwise(Lambda(t, f(t)), X)``."""

    def __new__(cls, function: Lambda, arg: MatrixExpr) -> "Elementwise":
        return Expr.__new__(cls, function, arg)

    @property
    def function(self) -> Lambda:
        return self.args[0]

    @property
    def arg(self) -> MatrixExpr:
        return self.args[1]

    @property
    def shape(self):
        return self.arg.shape

    def body(self) -> Expr:
        """f(t), in the shared dummy variable ``T``."""
        lam = self.function
        return lam.expr.xreplace({lam.variables[0]: T})

    def _entry(self, i, j, **kwargs):
        return self.function(self.arg._entry(i, j, **kwargs))


class _MatrixOfOne(MatrixExpr):
    """A matrix-valued function of one matrix argument (its shape is the subclass's)."""

    def __new__(cls, arg: MatrixExpr) -> "_MatrixOfOne":
        return Expr.__new__(cls, arg)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]


class Diag(_MatrixOfOne):
    """diag(x): the n x n matrix with the entries of the n x 1 vector x on its diagonal."""

    @property
    def shape(self):
        n = self.arg.shape[0]
        return (n, n)

    def _entry(self, i, j, **kwargs):
        return sp.KroneckerDelta(i, j) * self.arg._entry(i, 0, **kwargs)


class DiagOf(_MatrixOfOne):
    """diag(X) of a square n x n X: the n x 1 vector (X_11, ..., X_nn)."""

    @property
    def shape(self):
        return (self.arg.shape[0], Integer(1))

    def _entry(self, i, j, **kwargs):
        return self.arg._entry(i, i, **kwargs)


class Maximum(MatrixExpr):
    """max(X, Y) entry by entry, X and Y of one shape (np.maximum)."""

    def __new__(cls, a: MatrixExpr, b: MatrixExpr) -> "Maximum":
        return Expr.__new__(cls, a, b)

    @property
    def shape(self):
        return self.args[0].shape

    def _entry(self, i, j, **kwargs):
        return sp.Max(self.args[0]._entry(i, j, **kwargs), self.args[1]._entry(i, j, **kwargs))


class MaxMask(MatrixExpr):
    """maxmask(X): 1/k at each of the k entries equal to max(X), 0 elsewhere (so a single
    largest entry gives the one-hot matrix); the gradient of max(X), ties split evenly as
    torch.amax and jnp.max do."""

    def __new__(cls, matrix: MatrixExpr) -> "MaxMask":
        return Expr.__new__(cls, matrix)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def shape(self):
        return self.arg.shape


class _Normalised(MatrixExpr):
    def __new__(cls, arg: MatrixExpr, axis: int = 0) -> "_Normalised":
        return Expr.__new__(cls, arg, Integer(axis))

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def axis(self) -> int:
        return int(self.args[1])

    @property
    def shape(self):
        return self.arg.shape


class Softmax(_Normalised):
    """softmax(X): exp(X) divided by the sum of exp over each column (axis 0) or row (axis 1)."""


class LogSoftmax(_Normalised):
    """log_softmax(X) = X - log(sum of exp(X)) over each column (axis 0) or row (axis 1)."""


class ScalarOf(Expr):
    """A 1 x 1 matrix expression (x^T A x, w^T x, 1^T X 1) used as a scalar."""

    is_commutative = True

    def __new__(cls, matrix: MatrixExpr) -> "ScalarOf":
        return Expr.__new__(cls, matrix)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]


class LogDet(Expr):
    """log det X, for a square X with positive determinant."""

    is_commutative = True

    def __new__(cls, matrix: MatrixExpr) -> "LogDet":
        return Expr.__new__(cls, matrix)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]


class _ScalarOfOne(Expr):
    """A scalar function of one matrix (kept whole: no power of it is evaluated)."""

    is_commutative = True

    def __new__(cls, matrix: MatrixExpr) -> "_ScalarOfOne":
        return Expr.__new__(cls, matrix)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    def _eval_power(self, exponent):
        return None


class Norm(_ScalarOfOne):
    """||X||: the 2-norm of a vector, the Frobenius norm of a matrix (sqrt(tr(X^T X)))."""


class MaxEntries(_ScalarOfOne):
    """max(X): the largest entry of X."""


class Norm1(_ScalarOfOne):
    """norm1(X) = ||X||_1 = sum of |X_ij| (the entry-wise 1-norm; for a vector its 1-norm)."""


class LogSumExp(_ScalarOfOne):
    """logsumexp(x) = log(sum_i exp(x_i)) of a column vector x."""


#: Scalar-valued nodes whose argument is a matrix.
SCALAR_OF_MATRIX = (ScalarOf, LogDet, Norm, MaxEntries, Norm1, LogSumExp, sp.Trace,
                    sp.Determinant)


class DifferentialMatrix(MatrixSymbol):
    """dX, the differential of a matrix variable X: a MatrixSymbol of X's shape named
    ``dX`` that printers typeset as d X (upright d in LaTeX), like the d of d(expr)."""


class DifferentialSymbol(sp.Symbol):
    """dz, the differential of a scalar variable z (see :class:`DifferentialMatrix`)."""


def differential_symbol(var: sp.Basic) -> sp.Basic:
    """dV for a matrix V (named 'dV', V's shape), dz for a scalar z."""
    if isinstance(var, MatrixSymbol):
        return DifferentialMatrix(f"d{var.name}", *var.shape)
    return DifferentialSymbol(f"d{var.name}")


def differentiated(d: sp.Basic) -> str | None:
    """The name of the variable whose differential ``d`` is (X for dX), else None."""
    if isinstance(d, (DifferentialMatrix, DifferentialSymbol)):
        return d.name[1:]
    return None
