"""Step 2 of the matrix-differential method: bring d f to the form tr(G^T dX) and read off G.

For a scalar f, d f is linear in dX. It is first expanded into terms that each contain dX
once (``linear_terms``); each term is then moved into the form tr(G_i^T dX) by three
identities (``trace_form``):

* cyclic property: tr(A B C) = tr(C A B), so tr(S^T L dX R) = tr((L^T S R^T)^T dX);
* a scalar is its own transpose (and its own trace): dx^T a = a^T dx;
* element-wise products: tr(S^T (A o dX)) = tr((S o A)^T dX).

Then d f = tr(G^T dX) with G = sum of the G_i, and G is the gradient (it has X's shape).
For a vector function f of a vector x the same moves give d f = J dx (``jacobian_form``):
A dx -> A, a o dx -> diag(a) dx, x (a^T dx) -> (x a^T) dx.
"""
from __future__ import annotations

import sympy as sp
from sympy import HadamardProduct, Identity, MatAdd, MatMul, MatrixSymbol, Trace, Transpose
from sympy.matrices.expressions import MatrixExpr

from ..engine.step import Step
from ..errors import NoRuleError
from . import algebra as al
from .algebra import is_matrix, shape
from .nodes import Diag, DiagOf, ScalarOf
from .printing import matrix_syntax, stretched


class _Linear:
    """Expansion and read-off for expressions linear in one differential ``dv``."""

    def __init__(self, dv: sp.Basic) -> None:
        self.dv = dv
        self._has: dict[sp.Basic, bool] = {}
        self.moves: set[str] = set()

    def has(self, e: sp.Basic) -> bool:
        hit = self._has.get(e)
        if hit is None:
            hit = e == self.dv or (bool(e.args) and not isinstance(e, MatrixSymbol)
                                   and any(self.has(a) for a in e.args))
            self._has[e] = hit
        return hit

    # ------------------------------------------------------------------ expansion
    def terms(self, e: sp.Basic) -> list[sp.Basic]:
        """``e`` as a sum of terms, each containing dv exactly once (distributing only
        along the path to dv)."""
        if not self.has(e):
            return []
        if e == self.dv:
            return [e]
        if isinstance(e, (MatAdd, sp.Add)):
            return [t for a in e.args for t in self.terms(a)]
        if isinstance(e, (MatMul, sp.Mul)):
            if isinstance(e, MatMul):
                coeff, mats = al.coeff_and_factors(e)
                factors = ([coeff] if coeff != 1 else []) + list(mats)
                build = al.mmul
            else:
                factors = list(e.args)
                build = sp.Mul
            hits = [i for i, f in enumerate(factors) if self.has(f)]
            if len(hits) != 1:
                # a scalar coefficient that is itself a product
                if isinstance(e, MatMul) and len(hits) > 1 and hits[0] == 0:
                    inner = [t for t in self.terms(factors[0])]
                    return [build(t, *factors[1:]) for t in inner]
                raise NoRuleError(f"the differential is not linear in {self.dv}: "
                                  f"{matrix_syntax(e)}", e)
            i = hits[0]
            return [build(*factors[:i], t, *factors[i + 1:]) for t in self.terms(factors[i])]
        if isinstance(e, HadamardProduct):
            args = list(e.args)
            i = next(k for k, a in enumerate(args) if self.has(a))
            return [al.hadamard(*args[:i], t, *args[i + 1:]) for t in self.terms(args[i])]
        if isinstance(e, Transpose):
            return [al.mT(t) for t in self.terms(e.arg)]
        if isinstance(e, Trace):
            return [al.trace(t) for t in self.terms(e.arg)]
        if isinstance(e, ScalarOf):
            return [al.as_scalar(t) for t in self.terms(e.arg)]
        if isinstance(e, Diag):
            return [Diag(t) for t in self.terms(e.arg)]
        if isinstance(e, DiagOf):
            return [DiagOf(t) for t in self.terms(e.arg)]
        raise NoRuleError(f"cannot read off a derivative through {type(e).__name__}: "
                          f"{matrix_syntax(e)}", e)

    # ------------------------------------------------------------------ gradients
    def scalar_gradient(self, s: sp.Expr, c: sp.Expr = sp.S.One) -> sp.Basic:
        """G with c * s = tr(G^T dV) (s a scalar term containing dv once)."""
        if s == self.dv:
            return c
        if isinstance(s, sp.Mul):
            rest = [a for a in s.args if not self.has(a)]
            inner = [a for a in s.args if self.has(a)]
            return self.scalar_gradient(inner[0], c * sp.Mul(*rest))
        if isinstance(s, Trace):
            self.moves.add("trace")
            return self.pair(s.arg, al.mmul(c, Identity(s.arg.shape[0])))
        if isinstance(s, ScalarOf):
            return self.pair(s.arg, c)
        raise NoRuleError(f"cannot bring {matrix_syntax(s)} to the form tr(G^T d"
                          f"{str(self.dv)[1:]})", s)

    def pair(self, m: sp.Basic, S: sp.Basic) -> sp.Basic:
        """G with <S, m> = tr(S^T m) = tr(G^T dV); S has m's shape (a scalar when 1 x 1)."""
        if m == self.dv:
            return S
        if isinstance(m, Transpose):
            self.moves.add("transpose")
            return self.pair(m.arg, al.mT(S))
        if isinstance(m, MatMul):
            coeff, mats = al.coeff_and_factors(m)
            if self.has(coeff):
                # <S, c N> = c <S, N>: c is a scalar linear in dV
                return self.scalar_gradient(coeff, _inner(S, al.mmul(*mats)))
            i = next(k for k, f in enumerate(mats) if self.has(f))
            c_left, left = _scalar_runs(mats[:i])
            c_right, right = _scalar_runs(mats[i + 1:])
            if right:
                self.moves.add("cyclic")
            inner = al.mmul(coeff * c_left * c_right, *[al.mT(f) for f in reversed(left)], S,
                            *[al.mT(f) for f in reversed(right)])
            if al.is_one_by_one(inner) and not al.is_one_by_one(mats[i]):
                inner = al.as_scalar(inner)
            return self.pair(mats[i], inner)
        if isinstance(m, HadamardProduct):
            self.moves.add("hadamard")
            args = list(m.args)
            i = next(k for k, a in enumerate(args) if self.has(a))
            others = args[:i] + args[i + 1:]
            S_mat = S if is_matrix(S) else al.mmul(S, al.ones(*m.shape))
            return self.pair(args[i], al.hadamard(S_mat, *others))
        if isinstance(m, ScalarOf):
            return self.pair(m.arg, S)
        if isinstance(m, DiagOf):
            # <s, diag(M)> = sum_i s_i M_ii = tr(diag(s)^T M)
            self.moves.add("diag_of")
            n = m.arg.shape[0]
            if not is_matrix(S):
                return self.pair(m.arg, al.mmul(S, Identity(n)))
            if isinstance(S, sp.OneMatrix):
                return self.pair(m.arg, Identity(n))
            return self.pair(m.arg, Diag(S))
        if isinstance(m, Diag):
            # <S, diag(u)> = sum_i S_ii u_i = diag(S)^T u
            self.moves.add("diag_pair")
            n = m.arg.shape[0]
            if not is_matrix(S) or isinstance(S, sp.OneMatrix):
                return self.pair(m.arg, al.mmul(S if not is_matrix(S) else 1, al.ones(n, 1)))
            # diag(M^T) = diag(M): tr(A diag(dx)) = diag(A)^T dx, not diag(A^T)^T dx
            return self.pair(m.arg, DiagOf(_fewer_transposes(S)))
        raise NoRuleError(f"cannot bring {matrix_syntax(m)} to the form tr(G^T d"
                          f"{str(self.dv)[1:]})", m)

    # ------------------------------------------------------------------ Jacobians
    def jacobian(self, t: sp.Basic) -> sp.Basic:
        """J with t = J dv (t a vector term containing dv once; dv a vector or scalar)."""
        if t == self.dv:
            return Identity(t.shape[0]) if is_matrix(t) else sp.S.One
        if isinstance(t, MatMul):
            coeff, mats = al.coeff_and_factors(t)
            if self.has(coeff):
                g = self.scalar_gradient(coeff)               # coeff = g^T dv
                return al.mmul(*mats, al.mT(g)) if is_matrix(g) else al.mmul(*mats, g)
            i = next(k for k, f in enumerate(mats) if self.has(f))
            right = mats[i + 1:]
            if isinstance(mats[i], Diag) and len(right) == 1 and right[0].shape[1] == 1:
                # diag(u) v = u o v
                return al.mmul(coeff, *mats[:i], self.jacobian(al.hadamard(mats[i].arg, right[0])))
            if right and not all(al.is_one_by_one(r) for r in right):
                rest = al.mmul(*right)
                if mats[i] == self.dv and al.is_one_by_one(rest):
                    # L dx s with s = (a 1 x 1 product) a scalar: s L dx
                    return al.mmul(coeff, al.as_scalar(rest), *mats[:i],
                                   Identity(self.dv.shape[0]))
                if mats[i] == al.mT(self.dv) and al.is_matrix(rest) and \
                        tuple(rest.shape) == (self.dv.shape[0], 1):
                    # L dx^T r = L (r^T dx): a scalar is its own transpose
                    self.moves.add("transpose")
                    return al.mmul(coeff, *mats[:i], al.mT(rest))
                raise NoRuleError(f"cannot write {matrix_syntax(t)} as J d{str(self.dv)[1:]}", t)
            scal = sp.Mul(*[ScalarOf(r) for r in right])
            return al.mmul(coeff, scal, *mats[:i], self.jacobian(mats[i]))
        if isinstance(t, HadamardProduct):
            self.moves.add("diag")
            args = list(t.args)
            i = next(k for k, a in enumerate(args) if self.has(a))
            others = args[:i] + args[i + 1:]
            d = others[0] if len(others) == 1 else al.hadamard(*others)
            return al.mmul(al.diag(d), self.jacobian(args[i]))
        if isinstance(t, DiagOf):
            inner = _diagonal(t.arg)
            if inner is not None:
                self.moves.add("diagonal")
                return self.jacobian(inner)
        if not is_matrix(t):
            g = self.scalar_gradient(t)
            return al.mT(g) if is_matrix(g) else g
        raise NoRuleError(f"cannot write {matrix_syntax(t)} as J d{str(self.dv)[1:]}", t)


def _scalar_runs(mats: list[sp.Basic]) -> tuple[sp.Expr, list[sp.Basic]]:
    """(c, rest): the runs of adjacent factors whose product is 1 x 1 (u^T v inside a
    longer product) taken out as the scalar c, the other factors kept in order. A scalar
    commutes with every factor, so s^T dz (y^T 1) = sum(y) s^T dz: G = sum(y) s, not the
    s 1^T y that moving y^T 1 through the transposes would give."""
    c: sp.Expr = sp.S.One
    rest: list[sp.Basic] = []
    i = 0
    while i < len(mats):
        if shape(mats[i])[0] == 1:
            j = next((k for k in range(i + 1, len(mats)) if shape(mats[k])[1] == 1), None)
            if j is not None and j - i + 1 < len(mats) + len(rest) - i:   # not all of them
                c *= al.as_scalar(_fewer_transposes(al.mmul(*mats[i:j + 1])))
                i = j + 1
                continue
        rest.append(mats[i])
        i += 1
    return c, rest


def _fewer_transposes(m: sp.Basic) -> sp.Basic:
    """m or m^T, whichever is written with fewer transposes (their diagonals are equal)."""
    t = al.mT(m)
    return t if len(t.atoms(Transpose)) < len(m.atoms(Transpose)) else m


def _diagonal(m: sp.Basic) -> sp.Basic | None:
    """diag(m) of a square m as a vector expression without diag(), where one identity
    gives it: diag(diag(u)) = u, diag(u v^T) = u o v (an outer product), diag(M^T) =
    diag(M), diag(A o B) = diag(A) o diag(B), diag(L diag(u)) = diag(L) o u and
    diag(diag(u) R) = u o diag(R), diag(L diag(u) R) = (L o R^T) u; None otherwise."""
    if isinstance(m, Diag):
        return m.arg
    if isinstance(m, Transpose):
        return DiagOf(m.arg)
    if isinstance(m, HadamardProduct):
        return al.hadamard(*(DiagOf(a) for a in m.args))
    if isinstance(m, MatMul):
        coeff, mats = al.coeff_and_factors(m)
        c = (lambda e: al.mmul(coeff, e)) if coeff != 1 else (lambda e: e)
        if len(mats) > 1 and isinstance(mats[-1], Diag):     # diag(L diag(u)) = diag(L) o u
            return c(al.hadamard(DiagOf(al.mmul(*mats[:-1])), mats[-1].arg))
        if len(mats) > 1 and isinstance(mats[0], Diag):      # diag(diag(u) R) = u o diag(R)
            return c(al.hadamard(mats[0].arg, DiagOf(al.mmul(*mats[1:]))))
        middle = [i for i in range(1, len(mats) - 1) if isinstance(mats[i], Diag)]
        if middle:                                  # diag(L diag(u) R) = (L o R^T) u
            i = middle[0]
            return c(al.mmul(al.hadamard(al.mmul(*mats[:i]), al.mT(al.mmul(*mats[i + 1:]))),
                             mats[i].arg))
        for i in range(1, len(mats)):
            left, right = al.mmul(*mats[:i]), al.mmul(*mats[i:])
            if is_matrix(left) and left.shape[1] == 1 and is_matrix(right) \
                    and right.shape[0] == 1:
                return c(al.hadamard(left, al.mT(right)))
    return None


def _inner(S: sp.Basic, N: sp.Basic) -> sp.Expr:
    """<S, N> = tr(S^T N) as a scalar expression."""
    if not is_matrix(S):
        return S * al.as_scalar(N)
    prod = al.mmul(al.mT(S), N)
    return al.as_scalar(prod) if al.is_one_by_one(prod) else al.trace(prod)


MOVE_TEXT = {
    "cyclic": "cyclic property tr(ABC) = tr(CAB)",
    "transpose": "a scalar equals its transpose",
    "hadamard": "tr(A^T (B o C)) = tr((A o B)^T C)",
    "trace": "tr(A) = tr(I^T A)",
    "diag": "a o dx = diag(a) dx",
    "diag_of": "s^T diag(M) = tr(diag(s)^T M)",
    "diag_pair": "tr(S^T diag(u)) = diag(S)^T u",
    "diagonal": "diag(u v^T) = u o v, diag(L diag(u) R) = (L o R^T) u, diag(M^T) = diag(M)",
}


def trace_form(df: sp.Basic, var: sp.Basic, dv: sp.Basic) -> tuple[list[Step], sp.Basic]:
    """Steps bringing the differential ``df`` of a scalar to tr(G^T dV), and G."""
    lin = _Linear(dv)
    terms = lin.terms(df)
    steps: list[Step] = []
    expanded = sp.Add(*terms) if not any(is_matrix(t) for t in terms) else al.madd(*terms)
    if terms and expanded != df and matrix_syntax(expanded) != matrix_syntax(df):
        steps.append(Step("expand_differential", "rewrite", df, expanded,
                          f"Expand d f into terms that each contain d{var.name} once.", var))
    grads = []
    for t in terms:
        lin.moves = set()
        g = lin.scalar_gradient(t)
        if not is_matrix(g) and is_matrix(var):
            g = al.mmul(g, al.ones(*var.shape)) if var.shape != (1, 1) else g
        grads.append(g)
        used = ", ".join(MOVE_TEXT[m] for m in ("transpose", "cyclic", "hadamard", "diag_of", "diag_pair")
                         if m in lin.moves)
        form = tr_form(g, dv)
        if form == t or matrix_syntax(form) == matrix_syntax(t):
            continue                    # already of this form: no step that says nothing
        steps.append(Step("trace_form", "rewrite", t, form,
                          f"Into the form tr(G^T d{var.name}): {used or 'rearranged'}.", var))
    if not terms:
        return steps, al.zero(shape(var))
    total = al.madd(*grads) if any(is_matrix(g) for g in grads) else sp.Add(*grads)
    return steps, total


def tr_form(g: sp.Basic, dv: sp.Basic) -> sp.Basic:
    """tr(G^T dV) (G^T dv for vectors, g dz for scalars), as an expression."""
    if not is_matrix(dv):
        return g * dv
    # G with a sum over an axis (a product with a ones vector, G = dZ 1 printed
    # sum(dZ, axis=1)) keeps G^T whole: distributing the transpose would print
    # 1^T dZ^T dV as sum(dZ.T @ dV), which hides G.
    gt = (Transpose(g) if isinstance(g, MatMul) and any(isinstance(f, sp.OneMatrix)
                                                         for f in g.args) else al.mT(g))
    prod = al.mmul(gt, dv)
    if al.is_one_by_one(prod):
        return al.as_scalar(prod)
    return Trace(prod)


def jacobian_form(df: sp.Basic, var: sp.Basic, dv: sp.Basic) -> tuple[list[Step], sp.Basic]:
    """Steps bringing the differential of a vector function to J dv, and J."""
    lin = _Linear(dv)
    terms = lin.terms(df)
    steps: list[Step] = []
    if terms and al.madd(*terms) != df and matrix_syntax(al.madd(*terms)) != matrix_syntax(df):
        steps.append(Step("expand_differential", "rewrite", df, al.madd(*terms),
                          f"Expand d f into terms that each contain d{var.name} once.", var))
    parts = []
    for t in terms:
        lin.moves = set()
        j = lin.jacobian(t)
        parts.append(j)
        used = ", ".join(MOVE_TEXT[m] for m in ("diagonal", "diag", "transpose", "cyclic")
                         if m in lin.moves) or "a matrix times the differential"
        if matrix_syntax(al.mmul(j, dv)) == matrix_syntax(t):
            continue                    # already of this form
        steps.append(Step("jacobian_form", "rewrite", t, al.mmul(j, dv),
                          f"Into the form J d{var.name}: {used}.", var))
    rows = df.shape[0] if is_matrix(df) else 1
    cols = var.shape[0] if is_matrix(var) else 1
    return steps, (al.madd(*parts, like=(rows, cols)) if parts else al.zero((rows, cols)))


# ---------------------------------------------------------------------- tidying
def collect(g: sp.Basic) -> sp.Basic:
    """Factor common outer factors of a sum: A x + A^T x -> (A + A^T) x."""
    if not isinstance(g, MatAdd):
        return g
    terms = [al.coeff_and_factors(t) for t in g.args]
    diags = [k for k, (c, mats) in enumerate(terms) if len(mats) == 1 and isinstance(mats[0], Diag)]
    if len(diags) >= 2:     # diag(a) + 2 diag(b) = diag(a + 2b)
        merged = Diag(al.madd(*[al.mmul(terms[k][0], terms[k][1][0].arg) for k in diags]))
        rest = [al.mmul(c, *m) for k, (c, m) in enumerate(terms) if k not in diags]
        return collect(al.madd(merged, *rest)) if rest else merged
    for side in (-1, 0):
        groups: dict[sp.Basic, list[int]] = {}
        for k, (c, mats) in enumerate(terms):
            if mats:
                groups.setdefault(mats[side], []).append(k)
        best = max(groups.items(), key=lambda kv: len(kv[1]), default=None)
        if best is None or len(best[1]) < 2 or all(
                len(terms[k][1]) == 1 for k in best[1]):
            continue
        factor, members = best
        rests = []
        for k in members:
            c, mats = terms[k]
            rest = mats[:-1] if side == -1 else mats[1:]
            if not rest:
                n = factor.shape[0] if side == -1 else factor.shape[1]
                rest = [Identity(n)]
            rests.append(al.mmul(c, *rest))
        if any(stretched(r) is not None for r in rests):
            continue        # (-I + s 1^T) y would print as the broadcast -eye(n) + s
        inner = al.positive_first(collect(al.madd(*rests)))
        grouped = al.mmul(inner, factor) if side == -1 else al.mmul(factor, inner)
        others = [al.mmul(c, *m) for k, (c, m) in enumerate(terms) if k not in members]
        return al.madd(grouped, *[collect(o) for o in others]) if others else grouped
    return g
