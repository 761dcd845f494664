"""vec and Kronecker forms: differentials of matrix-valued functions as matrices.

Column-major vec (Magnus and Neudecker): vec(X) stacks the columns of X (n x k) into an
nk x 1 vector, vec(X)[(j-1)n + i] = X_ij. The one identity:

    vec(A dX B) = (B^T kron A) vec(dX)
    vec(A dX^T B) = (B^T kron A) K vec(dX)      (K = K_{n,k}: K vec(X) = vec(X^T))
    vec(A o dX) = diag(vec(A)) vec(dX)
    vec(c N) with c = tr(S^T dX) a scalar: vec(N) vec(S)^T vec(dX)

``vec_form(dF, var, dv)`` writes a differential linear in dV as J vec(dV), term by term.

Nodes: ``Kron(A, B)`` (SymPy's KroneckerProduct, printed kron(A, B) / np.kron),
``Vec(A)`` and ``Commutation(n, k)``; each prints itself in the three printers (matcalc
syntax, LaTeX, NumPy) through SymPy's print-method hooks. :func:`transpose` knows
(A kron B)^T = A^T kron B^T and K_{n,k}^T = K_{k,n}.
"""
from __future__ import annotations

import sympy as sp
from sympy import HadamardProduct, Identity, KroneckerProduct, MatAdd, MatMul, Transpose
from sympy.matrices.expressions import MatrixExpr

from ..engine.step import Step
from ..errors import NoRuleError
from . import algebra as al
from .nodes import Diag


def _numpy(printer) -> bool:
    """Is ``printer`` the NumPy text printer (the StrPrinters share one hook)?"""
    return "NumPy" in type(printer).__name__


class Kron(KroneckerProduct):
    """A kron B: the block matrix [a_ij B]."""

    printed_as_call = True       # kron(A, B) / np.kron(A, B) need no brackets as a factor

    def _sympystr(self, printer) -> str:
        a, b = (printer._print(x) for x in self.args)
        return f"np.kron({a}, {b})" if _numpy(printer) else f"kron({a}, {b})"

    def _latex(self, printer) -> str:
        return r" \otimes ".join(printer.parenthesize(a, 45) if isinstance(a, MatAdd)
                                 else printer._print(a) for a in self.args)


class Vec(MatrixExpr):
    """vec(A): the columns of A stacked (column-major), an (rows*cols) x 1 vector."""

    def __new__(cls, arg: sp.Basic) -> "Vec":
        return sp.Expr.__new__(cls, arg)

    @property
    def arg(self) -> sp.Basic:
        return self.args[0]

    @property
    def shape(self):
        r, c = self.arg.shape
        return (r * c, sp.S.One)

    def _sympystr(self, printer) -> str:
        a = printer._print(self.arg)
        return f"({a}).reshape(-1, 1, order='F')" if _numpy(printer) else f"vec({a})"

    def _latex(self, printer) -> str:
        return r"\operatorname{vec}(%s)" % printer._print(self.arg)


class Commutation(MatrixExpr):
    """K_{n,k} (nk x nk): K vec(X) = vec(X^T) for X n x k."""

    def __new__(cls, n: sp.Basic, k: sp.Basic) -> "Commutation":
        return sp.Expr.__new__(cls, sp.sympify(n), sp.sympify(k))

    @property
    def shape(self):
        n, k = self.args
        return (n * k, n * k)

    def _sympystr(self, printer) -> str:
        n, k = (printer._print(a) for a in self.args)
        if _numpy(printer):
            return (f"np.eye(({n})*({k}))[np.arange(({n})*({k})).reshape(({k}), ({n}))"
                    ".ravel(order='F')]")
        return f"commutation({n}, {k})"

    def _latex(self, printer) -> str:
        n, k = (printer._print(a) for a in self.args)
        return r"K_{%s,%s}" % (n, k)


def kron(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a kron b, scalar coefficients in front: (cA) kron (dB) = cd (A kron B);
    I_m kron I_n = I_mn."""
    ca, ma = al.coeff_and_factors(a)
    cb, mb = al.coeff_and_factors(b)
    a, b = al.mmul(*ma) if ma else a, al.mmul(*mb) if mb else b
    c = ca * cb
    if isinstance(a, Identity) and isinstance(b, Identity):
        return al.mmul(c, Identity(a.shape[0] * b.shape[0]))
    return al.mmul(c, Kron(a, b)) if c != 1 else Kron(a, b)


def transpose(e: sp.Basic) -> sp.Basic:
    """e^T with the transpose pushed down, through Kronecker products and K."""
    if isinstance(e, Kron):
        return kron(*(transpose(a) for a in e.args))
    if isinstance(e, Commutation):
        n, k = e.args
        return Commutation(k, n)
    if isinstance(e, MatAdd):
        return al.madd(*(transpose(t) for t in e.args))
    if isinstance(e, MatMul) and any(isinstance(a, (Kron, Commutation, Vec)) for a in e.args):
        c, mats = al.coeff_and_factors(e)
        return al.mmul(c, *(transpose(m) for m in reversed(mats)))
    if isinstance(e, Diag):
        return e
    return al.mT(e)


def _term_matrix(t: sp.Basic, dv: sp.Basic, lin) -> sp.Basic:
    """M with vec(t) = M vec(dV), for one term t containing dV once."""
    n, k = dv.shape
    if t == dv:
        return Identity(n * k)
    if isinstance(t, MatMul):
        c, mats = al.coeff_and_factors(t)
        if lin.has(c):                                   # (tr(S^T dX)) N
            S = lin.scalar_gradient(c)
            N = al.mmul(*mats)
            return al.mmul(Vec(N), al.mT(Vec(S)))
        hits = [i for i, m in enumerate(mats) if lin.has(m)]
        if len(hits) == 1:
            i = hits[0]
            m = mats[i]
            left = al.mmul(c, *mats[:i]) if (mats[:i] or c != 1) else None
            right = al.mmul(*mats[i + 1:]) if mats[i + 1:] else None
            if m == dv:
                L = left if left is not None else Identity(n)
                R = right if right is not None else Identity(k)
                L = L if al.is_matrix(L) else al.mmul(L, Identity(n))
                return kron(al.mT(R), L)
            if m == al.mT(dv) or m == Transpose(dv):
                L = left if left is not None else Identity(k)
                R = right if right is not None else Identity(n)
                L = L if al.is_matrix(L) else al.mmul(L, Identity(k))
                return al.mmul(kron(al.mT(R), L), Commutation(n, k))
    if isinstance(t, HadamardProduct):
        args = list(t.args)
        i = next(j for j, a in enumerate(args) if lin.has(a))
        others = args[:i] + args[i + 1:]
        a = others[0] if len(others) == 1 else al.hadamard(*others)
        return al.mmul(Diag(Vec(a)), _term_matrix(args[i], dv, lin))
    if isinstance(t, Transpose) and t.arg == dv:
        return Commutation(n, k)
    from .printing import matrix_syntax
    raise NoRuleError(f"cannot write vec({matrix_syntax(t)}) as J vec(d{str(dv)[1:]})", t)


def vec_form(dF: sp.Basic, var: sp.Basic, dv: sp.Basic) -> tuple[list[Step], sp.Basic]:
    """Steps writing vec(dF) = J vec(dV) term by term (vec_kronecker), and J."""
    from .readoff import _Linear
    lin = _Linear(dv)
    lin.moves = set()
    terms = lin.terms(dF)
    n, k = dv.shape
    rows = dF.shape[0] * dF.shape[1] if al.is_matrix(dF) else 1
    if not terms:
        return [], al.zero((rows, n * k))
    parts = [_term_matrix(t, dv, lin) for t in terms]
    J = al.madd(*parts) if len(parts) > 1 else parts[0]
    step = Step("vec_kronecker", "rewrite", dF, al.mmul(J, Vec(dv)),
                f"Vectorise, column-major: vec(A d{var.name} B) = (B^T kron A) "
                f"vec(d{var.name}) for each term"
                + (f", and vec(A d{var.name}^T B) = (B^T kron A) K vec(d{var.name}) with K "
                   "the commutation matrix" if any(t.has(Commutation) for t in parts) else "")
                + ".", var)
    return [step], J


# ---------------------------------------------------------------------- Jacobians in vec form
def needs_vec(f: sp.Basic, var: sp.Basic) -> bool:
    """Is d f/d var beyond J dx of a vector by a vector (a matrix function, a row, a
    matrix variable, or a matrix function of a scalar)?"""
    mat_f = al.is_matrix(f) and f.shape[1] != 1
    mat_v = al.is_matrix(var) and var.shape[1] != 1
    return mat_f or mat_v or (al.is_matrix(f) and not al.is_matrix(var))


def is_zero_matrix(e: sp.Basic) -> bool:
    """0, a zero matrix, diag(0) or 0 o A: identically zero."""
    from sympy import ZeroMatrix
    if isinstance(e, ZeroMatrix) or e == 0:
        return True
    if isinstance(e, Diag):
        return is_zero_matrix(e.arg) or e.arg == 0
    from .nodes import Elementwise
    if isinstance(e, Elementwise):
        return e.body() == 0
    if isinstance(e, HadamardProduct):
        return any(is_zero_matrix(a) for a in e.args)
    if isinstance(e, MatMul):
        c, mats = al.coeff_and_factors(e)
        return c == 0 or any(is_zero_matrix(m) for m in mats)
    if isinstance(e, MatAdd):
        return all(is_zero_matrix(a) for a in e.args)
    return False


def zero_step(var: sp.Basic, r: sp.Basic, shape: tuple) -> Step:
    """The derivative is identically zero: 0 of the right shape, as a named rewrite."""
    from sympy import ZeroMatrix
    zero = ZeroMatrix(*shape) if shape != (1, 1) or al.is_matrix(r) else sp.S.Zero
    return Step("collect_terms", "rewrite", r, zero,
                "Every term is zero: the derivative is identically 0 (of its shape).", var)


def vec_jacobian_steps(f: sp.Basic, var: sp.Basic) -> tuple[Step, sp.Basic]:
    """d vec(F)/d vec(X) (numerator layout, column-major vec) by vec(A dX B) =
    (B^T kron A) vec(dX); for a scalar variable t, dF/dt has F's shape (dF = F' dt)."""
    from ..engine.step import Differential, Ratio, Words
    from .differential import Differentiator
    from .nodes import differential_symbol
    D = Differentiator(var)
    d = D.d(f)
    dv = D.dvar
    if not al.is_matrix(var):                       # dF = F' dt
        fprime = d.result.xreplace({dv: sp.S.One})
        fprime = al.madd(*al.terms_of(fprime), like=f.shape) if al.is_matrix(fprime) else fprime
        if is_zero_matrix(fprime):
            fprime = al.zero(al.shape(f))
        read = Step("read_off_jacobian", "rewrite", d.result, fprime,
                    f"dF = F' d{var.name} with {var.name} a scalar, so dF/d{var.name} = F' "
                    "has the shape of F (entry by entry, the derivative of each entry).",
                    var, equation=(Differential(f), al.mmul(fprime, dv) if al.is_matrix(fprime)
                                   else fprime * dv, Words((f"for every d{var.name}, so",)),
                                   Ratio(var), fprime))
        top = Step("matrix_differential", "derivative", f, fprime,
                   f"Matrix-differential method for dF/d{var.name}: take the differential, "
                   f"write it as F' d{var.name}, read off F'.", var, (d, read))
        return top, fprime
    moves, J = vec_form(d.result if al.is_matrix(d.result) else al.mmul(d.result, Identity(1)),
                        var, dv)
    rows = f.shape[0] * f.shape[1] if al.is_matrix(f) else 1
    cols = var.shape[0] * var.shape[1]
    if is_zero_matrix(J):
        from sympy import ZeroMatrix
        J = ZeroMatrix(rows, cols)
    J = _simplify_commutation(J)
    read = Step("read_off_jacobian", "rewrite", al.mmul(J, Vec(dv)), J,
                f"vec(dF) = J vec(d{var.name}) for every d{var.name}, so the Jacobian is "
                f"J = d vec(F)/d vec({var.name}), {rows} x {cols} (numerator layout, vec "
                "column-major: columns stacked).", var,
                equation=(Vec(differential_symbol(sp.MatrixSymbol("F", *f.shape))
                              if al.is_matrix(f) else Identity(1)),
                          al.mmul(J, Vec(dv)), Words((f"for every d{var.name}, so J =",)), J))
    top = Step("matrix_differential", "derivative", f, J,
               f"Matrix-differential method for d vec(F)/d vec({var.name}): take the "
               f"differential, vectorise it by vec(A d{var.name} B) = (B^T kron A) "
               f"vec(d{var.name}), read off J.", var, (d, *moves, read))
    return top, J


def _simplify_commutation(e: sp.Basic) -> sp.Basic:
    """K_{n,1} = K_{1,n} = I (vec of a vector is the vector itself)."""
    def fix(node):
        if isinstance(node, Commutation) and (node.args[0] == 1 or node.args[1] == 1):
            return Identity(node.shape[0])
        return None
    if not e.has(Commutation):
        return e
    out = e.replace(lambda n: fix(n) is not None, fix)
    if isinstance(out, MatMul):
        c, mats = al.coeff_and_factors(out)
        return al.mmul(c, *mats)
    return out
