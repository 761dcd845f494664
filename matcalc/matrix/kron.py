"""vec and Kronecker forms: differentials of matrix-valued functions as matrices.

Column-major vec (Magnus and Neudecker): vec(X) stacks the columns of X (n x k) into an
nk x 1 vector, vec(X)[(j-1)n + i] = X_ij. The one identity:

    vec(A dX B) = (B^T kron A) vec(dX)
    vec(A dX^T B) = (B^T kron A) K vec(dX)      (K = K_{n,k}: K vec(X) = vec(X^T))
    vec(A o dX) = diag(vec(A)) vec(dX)
    vec(c N) with c = tr(S^T dX) a scalar: vec(N) vec(S)^T vec(dX)
    vec(diag(dX)) = S_n vec(dX)                  (X n x n, diag(X) its diagonal)
    vec(diag(dx)) = S_n^T dx                     (x n x 1, diag(x) the diagonal matrix)
    vec(dM^T) = K vec(dM), vec(L dM R) = (R^T kron L) vec(dM)  (dM itself linear in dX)

S_n is the n x n^2 diagonal-selection matrix: row i is e_k^T with k = (i-1)n + i, the
position of X_ii in vec(X) (0-based: k = i(n + 1)), so S_n vec(X) = diag(X) and S_n^T x =
vec(diag(x)).

``vec_form(dF, var, dv)`` writes a differential linear in dV as J vec(dV), term by term.

Nodes: ``Kron(A, B)`` (SymPy's KroneckerProduct, printed kron(A, B) / np.kron),
``Vec(A)``, ``Commutation(n, k)`` and ``DiagSelect(n)`` (S_n); each prints itself in the three printers (matcalc
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
from .nodes import Diag, DiagOf


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


class DiagSelect(MatrixExpr):
    """S_n (n x n^2): S_n vec(X) = diag(X), the diagonal of an n x n X as a vector; row i
    (0-based) is e_{i(n+1)}^T. Its transpose places a vector on a diagonal: S_n^T x =
    vec(diag(x))."""

    def __new__(cls, n: sp.Basic) -> "DiagSelect":
        return sp.Expr.__new__(cls, sp.sympify(n))

    @property
    def n(self) -> sp.Basic:
        return self.args[0]

    @property
    def shape(self):
        return (self.n, self.n * self.n)

    def _entry(self, i, j, **kwargs):
        return sp.KroneckerDelta(j, i * (self.n + 1))

    def _sympystr(self, printer) -> str:
        n = printer._print(self.n)
        if _numpy(printer):
            m = n if (self.n.is_Atom) else f"({n})"
            return f"np.eye({m}*{m})[::{m}+1]"
        return f"diagsel({n})"

    def _latex(self, printer) -> str:
        return r"S_{%s}" % printer._print(self.n)


def kron(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a kron b, scalar coefficients in front: (cA) kron (dB) = cd (A kron B);
    I_m kron I_n = I_mn."""
    ca, ma = al.coeff_and_factors(a)
    cb, mb = al.coeff_and_factors(b)
    a, b = al.mmul(*ma) if ma else a, al.mmul(*mb) if mb else b
    c = ca * cb
    if isinstance(a, Identity) and isinstance(b, Identity):
        return al.mmul(c, Identity(a.shape[0] * b.shape[0]))
    if a.shape == (1, 1) and isinstance(a, Identity) or b.shape == (1, 1) and isinstance(b, Identity):
        kept = b if isinstance(a, Identity) else a   # I_1 kron B = B kron I_1 = B
        return al.mmul(c, kept) if c != 1 else kept
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
    if isinstance(e, Transpose) and isinstance(e.arg, (DiagSelect, Commutation)):
        return e.arg if isinstance(e.arg, DiagSelect) else transpose(e.arg)
    return al.mT(e)


def _term_matrix(t: sp.Basic, dv: sp.Basic, lin) -> sp.Basic:
    """M with vec(t) = M vec(dV), for one term t containing dV once (the identities of the
    module docstring, applied from the outside in: vec(L dM R) = (R^T kron L) vec(dM) and
    so on down to dM = dV)."""
    n, k = dv.shape
    if t == dv:
        return Identity(n * k)
    if isinstance(t, MatMul):
        c, mats = al.coeff_and_factors(t)
        if lin.has(c):                                   # (tr(S^T dX)) N
            S = lin.scalar_gradient(c)
            N = al.mmul(*mats)
            if N == Identity(1):                         # a scalar F: vec(S)^T
                return al.mT(Vec(S))
            return al.mmul(Vec(N), al.mT(Vec(S)))
        hits = [i for i, m in enumerate(mats) if lin.has(m)]
        if len(hits) == 1:
            i = hits[0]
            m = mats[i]
            left = al.mmul(c, *mats[:i]) if (mats[:i] or c != 1) else None
            right = al.mmul(*mats[i + 1:]) if mats[i + 1:] else None
            transposed = m == al.mT(dv) or m == Transpose(dv)
            inner = dv if transposed else m
            r, q = (k, n) if transposed else inner.shape
            L = left if left is not None else Identity(r)
            R = right if right is not None else Identity(q)
            L = L if al.is_matrix(L) else al.mmul(L, Identity(r))
            outer = kron(al.mT(R), L)
            if transposed:
                return al.mmul(outer, Commutation(n, k))
            return _times(outer, _term_matrix(m, dv, lin))
    if isinstance(t, HadamardProduct):
        args = list(t.args)
        i = next(j for j, a in enumerate(args) if lin.has(a))
        others = args[:i] + args[i + 1:]
        a = others[0] if len(others) == 1 else al.hadamard(*others)
        return al.mmul(Diag(Vec(a)), _term_matrix(args[i], dv, lin))
    if isinstance(t, Transpose):
        r, q = t.arg.shape
        return _times(Commutation(r, q), _term_matrix(t.arg, dv, lin))
    if isinstance(t, DiagOf):                       # vec(diag(dM)) = S_n vec(dM)
        return _times(DiagSelect(t.arg.shape[0]), _term_matrix(t.arg, dv, lin))
    if isinstance(t, Diag):                         # vec(diag(dm)) = S_n^T dm
        return _times(Transpose(DiagSelect(t.arg.shape[0])), _term_matrix(t.arg, dv, lin))
    from .printing import matrix_syntax
    raise NoRuleError(f"cannot write vec({matrix_syntax(t)}) as J vec(d{str(dv)[1:]})", t)


def _defined(parts: list[sp.Basic]) -> tuple:
    """Equation members defining the special matrices the terms use, for the step: "where
    K_{n,k} is the commutation matrix: K vec(M) = vec(M^T)", "S_n picks the diagonal:
    S_n vec(M) = diag(M)" (M any matrix of the size)."""
    from ..engine.step import Words
    members: list = []
    lead = "where"
    for K in sorted({c for t in parts for c in t.atoms(Commutation)}, key=str):
        M = sp.MatrixSymbol("M", *K.args)
        members += [Words((lead + " ", K, f" is the commutation matrix, for any {_size(M)} M:")),
                    al.mmul(K, Vec(M)), Vec(al.mT(M))]
        lead = "and"
    for S in sorted({d for t in parts for d in t.atoms(DiagSelect)}, key=str):
        M = sp.MatrixSymbol("M", S.n, S.n)
        members += [Words((lead + " ", S, f" picks the diagonal, for any {_size(M)} M:")),
                    al.mmul(S, Vec(M)), DiagOf(M)]
        lead = "and"
    return tuple(members)


def _size(m: sp.Basic) -> str:
    r, c = m.shape
    return f"{r} x {c}"


def _times(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a @ b, an identity factor dropped and K_{n,1} = K_{1,n} = I."""
    a, b = _simplify_commutation(a), _simplify_commutation(b)
    if isinstance(b, Identity):
        return a
    if isinstance(a, Identity):
        return b
    return al.mmul(a, b)


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
    uses_k = any(t.has(Commutation) for t in parts)
    selects = sorted({str(d.n) for t in parts for d in t.atoms(DiagSelect)})
    step = Step("vec_kronecker", "rewrite", dF, al.mmul(J, Vec(dv)),
                f"Vectorise, column-major: vec(A d{var.name} B) = (B^T kron A) "
                f"vec(d{var.name}) for each term"
                + (f", and vec(A d{var.name}^T B) = (B^T kron A) K vec(d{var.name}) with K "
                   "the commutation matrix" if uses_k else "")
                + ("; " + ", ".join(f"diagsel({m})" for m in selects)
                   + f" is the {selects[0]} x {selects[0]}^2 selection matrix S with "
                   "vec(diag(dM)) = S vec(dM) (row i picks M_ii, entry (i-1)n + i of "
                   "vec(M)) and vec(diag(dm)) = S^T dm" if selects else "")
                + ".", var, equation=(Vec(dF) if al.is_matrix(dF) else dF,
                                     al.mmul(J, Vec(dv)), *_defined(parts)))
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
                          al.mmul(J, Vec(dv)), Words((f"for every d{var.name}, so",)),
                          sp.MatrixSymbol("J", rows, cols), J))
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
