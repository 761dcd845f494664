"""Step 1 of the matrix-differential method: take the differential d f, rule by rule.

``Differentiator(var).d(expr)`` returns the Step for d(expr): its ``result`` is an
expression linear in dV (``dV`` a MatrixSymbol of V's shape named ``d<V>``, or the scalar
symbol ``d<v>``). The rules (Magnus and Neudecker):

    d(A + B) = dA + dB                 d(AB) = dA B + A dB
    d(A^T) = (dA)^T                    d(A^{-1}) = -A^{-1} dA A^{-1}
    d tr A = tr dA                     d det A = det A tr(A^{-1} dA)
    d log det A = tr(A^{-1} dA)        d(A o B) = dA o B + A o dB
    d f(A) = f'(A) o dA  (f applied entry by entry; f' from the scalar rule catalogue)
    d ||X|| = tr(X^T dX) / ||X||       d phi(s) = phi'(s) ds  (s scalar)
    d diag(X) = diag(dX)               d max(X) = <maxmask(X), dX>
    d ||X||_1 = <sign(X), dX>          d logsumexp(x) = softmax(x)^T dx
    d max(X, Y) = step(X - Y, 1/2) o dX + step(Y - X, 1/2) o dY

A sub-expression used several times is differentiated once (later uses get ``reuse``).
Anything else raises NoRuleError naming the sub-expression (exit 3): never a silently
wrong result.
"""
from __future__ import annotations

import sympy as sp
from sympy import (Determinant, HadamardProduct, Inverse, MatAdd, MatMul, MatPow,
                   MatrixSymbol, Trace, Transpose)
from sympy.matrices.expressions import MatrixExpr

from ..engine.solver import current_detail
from ..engine.step import Differential, Step
from ..errors import NoRuleError
from . import algebra as al
from .algebra import is_matrix, shape
from .nodes import (Diag, DiagOf, Elementwise, LogDet, LogSoftmax, LogSumExp, MaxEntries,
                    MaxMask, Maximum, Norm, Norm1, ScalarOf, Softmax, T,
                    DifferentialMatrix, differential_symbol)
from .printing import matrix_syntax, reduction

#: A differential rule's Step is an ordinary "derivative" step (the variable varies) whose
#: equation is d(expr) = result (see engine/step.py).
KIND = "derivative"

__all__ = ["Differentiator", "differential_symbol"]


def short(expr: sp.Basic, limit: int = 70) -> str:
    try:
        text = matrix_syntax(expr)
    except Exception:                      # pragma: no cover - printing must not hide errors
        text = type(expr).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Differentiator:
    """Differentials with respect to one variable, memoized per distinct sub-expression."""

    def __init__(self, var: sp.Basic) -> None:
        self.var = var
        self.dvar = differential_symbol(var)
        self.memo: dict[sp.Basic, Step] = {}
        self._depends: dict[sp.Basic, bool] = {}
        self.fold = current_detail() == "normal"

    # ----------------------------------------------------------------- helpers
    def depends(self, expr: sp.Basic) -> bool:
        hit = self._depends.get(expr)
        if hit is None:
            if expr == self.var:
                hit = True
            elif isinstance(expr, (MatrixSymbol, sp.Symbol)) or not expr.args:
                hit = False
            elif isinstance(expr, Elementwise):
                hit = self.depends(expr.arg)
            else:
                hit = any(self.depends(a) for a in expr.args)
            self._depends[expr] = hit
        return hit

    def step(self, rule: str, expr: sp.Basic, result: sp.Basic, description: str,
             children: tuple[Step, ...] = ()) -> Step:
        return Step(rule, KIND, expr, result, description, self.var, children,
                    equation=(Differential(expr), result))

    # ----------------------------------------------------------------- dispatch
    def d(self, expr: sp.Basic) -> Step:
        """The Step d(expr)."""
        if not self.depends(expr):
            return self.step("d_constant", expr, al.zero(shape(expr)),
                             f"{short(expr)} does not depend on {self.var.name}: its "
                             "differential is 0.")
        if expr == self.var:
            return self.step("d_variable", expr, self.dvar,
                             f"The differential of the variable {self.var.name} is "
                             f"{self.dvar.name}.")
        seen = self.memo.get(expr)
        if seen is not None:
            return Step("reuse", "reuse", expr, seen.result,
                        f"Already derived: {short(expr)} occurs more than once.", self.var,
                        same_as=seen, equation=(Differential(expr), seen.result))
        method = _DISPATCH.get(type(expr))
        if method is None:
            for cls, m in _DISPATCH.items():
                if isinstance(expr, cls):
                    method = m
                    break
        if method is None:
            if not is_matrix(expr):
                method = Differentiator._scalar
            else:
                raise NoRuleError(f"no matrix rule applies to {type(expr).__name__}: "
                                  f"{short(expr)}", expr)
        result = method(self, expr)
        if self.fold and (result.rule in _LINEAR_RULES or result.rule == "d_hadamard"):
            result = self._linear(expr, result)
        self.memo[expr] = result
        return result

    def _linear(self, expr: sp.Basic, built: Step) -> Step:
        """Under the default detail, the linear rules (sum rule, constant factors,
        transpose, trace, sum of the entries) met in a row are one step "linearity":
        d(W A + b) = dW A when only W varies, instead of a sum rule over a constant-factor
        rule over the variable; d(y - relu(u)) = -d relu(u), with the step for d relu(u)
        below it. The steps it stands for are forgotten, so a later use of one of them is
        derived again, not referred to a step that is not shown."""
        frontier: list[Step] = []
        linear = _through(built, frontier)
        if len(linear) < 2:
            return built
        gone = {id(s) for s in linear}
        for key in [k for k, v in self.memo.items() if id(v) in gone]:
            del self.memo[key]
        text = (f"Linearity: d({short(expr, 50)}) = {short(built.result, 50)} by the sum "
                "rule and constant factors at once")
        if not frontier:
            held = [x for x in _free(expr) if x != self.var]
            if held:
                text += (f"; {_names(held)} {'does' if len(held) == 1 else 'do'} not depend "
                         f"on {self.var.name}")
        return self.step("d_linear", expr, built.result, text + ".", tuple(frontier))

    # ----------------------------------------------------------------- matrix rules
    def _matadd(self, expr: MatAdd) -> Step:
        kids = tuple(self.d(t) for t in expr.args)
        return self.step("d_sum", expr, al.madd(*[k.result for k in kids], like=shape(expr)),
                         "Sum rule: d(A + B) = dA + dB.", kids)

    def _matmul(self, expr: MatMul) -> Step:
        coeff, mats = al.coeff_and_factors(expr)
        factors: list[sp.Basic] = ([coeff] if coeff != 1 else []) + list(mats)
        kids: list[Step] = []
        terms: list[sp.Basic] = []
        for i, f in enumerate(factors):
            if not self.depends(f):
                continue
            k = self.d(f)
            kids.append(k)
            terms.append(al.mmul(*factors[:i], k.result, *factors[i + 1:]))
        result = al.madd(*terms, like=shape(expr))
        if len(terms) > 1:
            return self.step("d_product", expr, result,
                             "Product rule: d(AB) = dA B + A dB, one term per factor that "
                             f"depends on {self.var.name}.", tuple(kids))
        return self.step("d_constant_factor", expr, result,
                         f"Only one factor depends on {self.var.name}; the constant factors "
                         "stay: d(A X B) = A dX B (linearity).", tuple(kids))

    def _transpose(self, expr: Transpose) -> Step:
        k = self.d(expr.arg)
        return self.step("d_transpose", expr, al.mT(k.result) if _is_leafy(k.result)
                         else Transpose(k.result),
                         "Transpose rule: d(A^T) = (dA)^T.", (k,))

    def _inverse(self, expr: Inverse) -> Step:
        k = self.d(expr.arg)
        result = al.mmul(-1, expr, k.result, expr)
        return self.step("d_inverse", expr, result,
                         "Inverse rule: d(A^{-1}) = -A^{-1} dA A^{-1}.", (k,))

    def _matpow(self, expr: MatPow) -> Step:
        base, k = expr.base, int(expr.exp)
        kid = self.d(base)
        terms = [al.mmul(_power(base, i), kid.result, _power(base, k - 1 - i)) for i in range(k)]
        return self.step("d_matrix_power", expr, al.madd(*terms, like=shape(expr)),
                         f"Power of a matrix: d(A^{k}) = sum over i of A^i dA A^({k - 1}-i) "
                         "(the product rule; A and dA do not commute).", (kid,))

    def _hadamard(self, expr: HadamardProduct) -> Step:
        args = list(expr.args)
        kids, terms = [], []
        for i, f in enumerate(args):
            if not self.depends(f):
                continue
            k = self.d(f)
            kids.append(k)
            terms.append(al.hadamard(*args[:i], k.result, *args[i + 1:]))
        return self.step("d_hadamard", expr, al.madd(*terms, like=shape(expr)),
                         "Element-wise product rule: d(A o B) = dA o B + A o dB.", tuple(kids))

    def _elementwise(self, expr: Elementwise) -> Step:
        from ..rules import derive_steps
        if self.fold and isinstance(expr.arg, Softmax) and expr.body() == sp.log(T):
            # log(softmax(z)) is log_softmax(z): its differential dz - 1 (s^T dz) at once,
            # not ds / s with s o dz / s left to cancel (--detail full keeps that chain)
            inner = self._log_softmax(LogSoftmax(expr.arg.arg, expr.arg.axis))
            return self.step("d_log_softmax", expr, inner.result,
                             "log(softmax(z)) = log_softmax(z) = z - log(sum(exp(z))), so "
                             "d log softmax(z) = dz - 1 (s^T dz) with s = softmax(z), for "
                             "each column.", inner.children)
        inner = self.d(expr.arg)
        t = sp.Symbol("t")
        local = derive_steps(expr.body().xreplace({T: t}), t)
        body = local.result.xreplace({t: T})
        if body.free_symbols.isdisjoint({T}):    # f' constant (0 for step, sign): c dA
            result = al.zero(shape(expr)) if body == 0 else al.mmul(body, inner.result)
        else:
            result = al.hadamard(al.elementwise(body, expr.arg), inner.result)
        description = ("Element-wise function: d f(A) = f'(A) o dA, with "
                       f"f'(t) = {short(local.result)} ({local.rule} rule); its Jacobian "
                       "is diagonal, so the full matrix is never needed.")
        merged = _cancelled(result) if self.fold else None
        if merged is None:
            return self.step("d_elementwise", expr, result, description, (inner,))
        # d log(sigmoid(u)) = sigmoid'(u) o du / sigmoid(u) = (1 - sigmoid(u)) o du
        return Step("d_elementwise", KIND, expr, merged,
                    description + " Entry by entry the factors before the differential "
                    f"simplify to {short(merged)}.", self.var, (inner,),
                    equation=(Differential(expr), result, merged))

    def _diag(self, expr: Diag) -> Step:
        k = self.d(expr.arg)
        return self.step("d_diag", expr, Diag(k.result), "d diag(x) = diag(dx).", (k,))

    def _diag_of(self, expr: DiagOf) -> Step:
        k = self.d(expr.arg)
        return self.step("d_diag_of", expr, DiagOf(k.result),
                         "Diagonal of a matrix: d diag(X) = diag(dX) (linear in X).", (k,))

    def _maximum(self, expr: Maximum) -> Step:
        a, b = expr.args
        both = self.depends(a) and self.depends(b)
        # the scalar max rule's convention (rules/catalogue.py): a tie of two varying
        # arguments splits evenly (step(., 1/2)); against a constant, relu's (0 at the tie)
        at_tie = sp.S.Half if both else sp.S.Zero
        kids, terms = [], []
        for this, other in ((a, b), (b, a)):
            if not self.depends(this):
                continue
            k = self.d(this)
            kids.append(k)
            mask = al.elementwise(sp.Heaviside(T, at_tie), al.madd(this, al.mmul(-1, other)))
            terms.append(al.hadamard(mask, k.result))
        return self.step("d_maximum", expr, al.madd(*terms, like=shape(expr)),
                         "Element-wise maximum: d max(A, B) = [A > B] o dA + [B > A] o dB. "
                         + ("At a tie A_ij = B_ij the derivative splits evenly, 1/2 to each "
                            "argument (torch.maximum, jnp.maximum): step(A - B, 1/2)." if both
                            else "Against an argument that does not vary, a tie takes relu's "
                            "convention: 0 (step(A - B) at 0)."), tuple(kids))

    def _max_entries(self, expr: MaxEntries) -> Step:
        k = self.d(expr.arg)
        return self.step("d_max_entries", expr, _pairing(MaxMask(expr.arg), k.result),
                         "Maximum of the entries: d max(X) = <m, dX> with m = maxmask(X), 1 "
                         "at the largest entry and 0 elsewhere. At a tie of k largest entries "
                         "m is 1/k at each of them (the subgradient torch.amax and jnp.max "
                         "use).", (k,))

    def _norm1(self, expr: Norm1) -> Step:
        k = self.d(expr.arg)
        sign = al.elementwise(sp.sign(T), expr.arg)
        return self.step("d_norm1", expr, _pairing(sign, k.result),
                         "1-norm: d ||X||_1 = d sum(|X|) = <sign(X), dX>, since d|t| = "
                         "sign(t) dt. At an entry X_ij = 0 the convention of PyTorch and JAX "
                         "is taken: sign(0) = 0.", (k,))

    def _max_mask(self, expr: MaxMask) -> Step:
        return self.step("d_maxmask", expr, al.zero(shape(expr)),
                         "maxmask(X) is piecewise constant: its differential is 0 wherever the "
                         "largest entry is unique (a tie is where it jumps).")

    def _logsumexp(self, expr: LogSumExp) -> Step:
        k = self.d(expr.arg)
        s = Softmax(expr.arg, 0)
        return self.step("d_logsumexp", expr, _pairing(s, k.result),
                         "Log-sum-exp: d log(sum(exp(x))) = exp(x)^T dx / sum(exp(x)) = "
                         "softmax(x)^T dx.", (k,))

    def _softmax(self, expr: Softmax) -> Step:
        k = self.d(expr.arg)
        s, dz = expr, k.result
        inner = al.hadamard(s, dz)
        along = _along_vector(s, dz, expr.axis) if self.fold else None
        if along is not None:             # a vector: s o dz - s (s^T dz), as on the board
            result = al.madd(inner, al.mmul(-1, *along))
        else:                             # per column (row) of a matrix: 1 1^T sums it
            result = al.madd(inner, al.mmul(-1, al.hadamard(s, _spread(inner, expr.axis))))
        return self.step("d_softmax", expr, result,
                         "Softmax: with s = softmax(z), ds = s o dz - s (s^T dz), for each "
                         "column (the Jacobian diag(s) - s s^T).", (k,))

    def _log_softmax(self, expr: LogSoftmax) -> Step:
        k = self.d(expr.arg)
        s = Softmax(expr.arg, expr.axis)
        along = _along_vector(s, k.result, expr.axis) if self.fold else None
        if along is not None:             # a vector: dz - 1 (s^T dz)
            r, c = shape(s)
            one = al.ones(r, 1) if expr.axis == 0 else al.ones(1, c)
            spread = al.mmul(one, *along[1:]) if expr.axis == 0 else al.mmul(*along[:2], one)
        else:
            spread = _spread(al.hadamard(s, k.result), expr.axis)
        result = al.madd(k.result, al.mmul(-1, spread))
        return self.step("d_log_softmax", expr, result,
                         "Log-softmax: d log softmax(z) = dz - 1 (s^T dz) with s = softmax(z), "
                         "for each column.", (k,))

    # ----------------------------------------------------------------- scalar-valued
    def _trace(self, expr: Trace) -> Step:
        k = self.d(expr.arg)
        return self.step("d_trace", expr, al.trace(k.result), "Trace rule: d tr(A) = tr(dA).",
                         (k,))

    def _det(self, expr: Determinant) -> Step:
        k = self.d(expr.arg)
        result = expr * al.trace(al.mmul(al.inv(expr.arg), k.result))
        return self.step("d_det", expr, result,
                         "Determinant (Jacobi's formula): d det A = det A tr(A^{-1} dA).", (k,))

    def _logdet(self, expr: LogDet) -> Step:
        k = self.d(expr.arg)
        return self.step("d_logdet", expr, al.trace(al.mmul(al.inv(expr.arg), k.result)),
                         "Log-determinant: d log det A = tr(A^{-1} dA).", (k,))

    def _norm(self, expr: Norm) -> Step:
        x = expr.arg
        k = self.d(x)
        inner = al.mmul(al.mT(x), k.result)
        inner = al.as_scalar(inner) if x.shape[1] == 1 else al.trace(inner)
        return self.step("d_norm", expr, inner / expr,
                         "Norm: d||x|| = x^T dx / ||x|| (Frobenius: tr(X^T dX)/||X||), from "
                         "||x||^2 = x^T x.", (k,))

    def _scalar_of(self, expr: ScalarOf) -> Step:
        k = self.d(expr.arg)
        red = reduction(expr.arg)
        if red is not None:
            # a 1 x 1 sum of entries: sum(X) = 1^T X 1 (X 1 for a row), linear in X
            return self.step("d_sum_entries", expr, al.as_scalar(k.result),
                             "Sum of the entries: d sum(X) = sum(dX) = 1^T dX 1.",
                             k.children if k.rule in ("d_product", "d_constant_factor")
                             else (k,))
        rule = "d_scalar_product" if k.rule == "d_product" else "d_scalar_of"
        desc = ("Product rule for the 1 x 1 product (a scalar): d(a^T B c) = da^T B c + "
                "a^T dB c + a^T B dc, one term per factor that varies."
                if rule == "d_scalar_product" else
                "A 1 x 1 product is a scalar: its differential is that of the product.")
        return self.step(rule, expr, al.as_scalar(k.result), desc,
                         k.children if k.rule in ("d_product", "d_constant_factor") else (k,))

    def _scalar(self, expr: sp.Expr) -> Step:
        """d phi(s1, s2, ...) = sum of dphi/ds_i ds_i for a scalar node (sum, product, power,
        function) whose operands may involve matrices: the scalar chain rule."""
        from ..rules import derive_steps
        args = list(expr.args)
        kids: list[Step] = []
        terms: list[sp.Expr] = []
        names = [sp.Dummy(f"s{i}") for i in range(len(args))]
        local_expr = expr.func(*names) if not isinstance(expr, (sp.Add, sp.Mul)) else None
        for i, a in enumerate(args):
            if not self.depends(a):
                continue
            k = self.d(a)
            kids.append(k)
            if isinstance(expr, sp.Add):
                partial = sp.S.One
            elif isinstance(expr, sp.Mul):
                partial = sp.Mul(*args[:i], *args[i + 1:])
            else:
                u = sp.Symbol("u")
                local = derive_steps(local_expr.xreplace({names[i]: u}), u)
                partial = local.result.xreplace({u: a, **dict(zip(names, args))})
            terms.append(partial * k.result)
        rule = {sp.Add: "d_scalar_sum", sp.Mul: "d_scalar_product"}.get(type(expr),
                                                                         "d_scalar_chain")
        if rule == "d_scalar_product" and len(kids) == 1:
            rule = "d_constant_multiple"       # c s with c constant: d(c s) = c ds
        desc = {"d_scalar_sum": "Sum rule: d(a + b) = da + db.",
                "d_scalar_product": "Product rule: d(ab) = da b + a db.",
                "d_constant_multiple": "Constant multiple rule: d(c s) = c ds (linearity).",
                }.get(rule, f"Chain rule: d phi(s) = phi'(s) ds for phi = {type(expr).__name__.lower()}.")
        return self.step(rule, expr, sp.Add(*terms), desc, tuple(kids))


#: The rules of linear maps: an expression built from the variable by these alone is
#: linear (affine) in it, and its differential is one step under the default detail.
_LINEAR_RULES = frozenset({"d_sum", "d_constant_factor", "d_transpose", "d_scalar_sum",
                           "d_sum_entries", "d_trace", "d_scalar_of",
                           "d_constant_multiple"})
_LEAVES = frozenset({"d_variable", "d_constant"})


def _through(step: Step, frontier: list[Step]) -> list[Step]:
    """The linear-rule steps of ``step``'s tree met before any other rule (``step``
    included); the first other steps below them are appended to ``frontier``."""
    if step.rule in _LEAVES:
        return []
    one_factor = step.rule == "d_hadamard" and len(step.children) == 1  # a o dX, a constant
    if step.rule not in _LINEAR_RULES and step.rule != "d_linear" and not one_factor:
        frontier.append(step)
        return []
    out = [step]
    for c in step.children:
        out += _through(c, frontier)
    return out


def _free(expr: sp.Basic) -> list[sp.Basic]:
    """The matrix and scalar symbols of ``expr`` in order of first appearance (not the
    dimensions inside a MatrixSymbol)."""
    seen: dict[sp.Basic, None] = {}

    def visit(e: sp.Basic) -> None:
        if isinstance(e, (MatrixSymbol, sp.Symbol)):
            seen.setdefault(e, None)
        elif not isinstance(e, sp.OneMatrix):
            for a in e.args:
                visit(a)
    visit(expr)
    return list(seen)


def _names(syms: list[sp.Basic]) -> str:
    names = [str(s) for s in syms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _cancelled(result: sp.Basic) -> sp.Basic | None:
    """K' o dU for f'(A) o dA = K o dU whose factor K (everything but the one holding the
    differential) simplifies entry by entry to a shorter K': the chain rule through two
    element-wise functions, sigmoid'(u) / sigmoid(u) = 1 - sigmoid(u); None otherwise."""
    from .entrywise import shorter_entrywise
    c, mats = al.coeff_and_factors(result) if isinstance(result, MatMul) else (sp.S.One, [result])
    if len(mats) != 1 or not isinstance(mats[0], HadamardProduct):
        return None
    holds = [a for a in mats[0].args if a.atoms(DifferentialMatrix)]
    rest = [a for a in mats[0].args if not a.atoms(DifferentialMatrix)]
    if len(holds) != 1 or len(rest) < 2:      # f'(g(U)) and g'(U): two functions met
        return None
    factor = al.mmul(c, al.hadamard(*rest) if len(rest) > 1 else rest[0])
    simpler = shorter_entrywise(factor)
    if simpler is None:
        return None
    return al.hadamard(simpler, holds[0])


def _pairing(S: MatrixExpr, dm: MatrixExpr) -> sp.Expr:
    """<S, dM> = sum of S_ij dM_ij: S^T dm for vectors, tr(S^T dM) for matrices."""
    prod = al.mmul(al.mT(S), dm)
    return al.as_scalar(prod) if al.is_one_by_one(prod) else al.trace(prod)


def _power(base: MatrixExpr, k: int) -> sp.Basic:
    if k == 0:
        return sp.S.One
    return base if k == 1 else MatPow(base, k)


def _is_leafy(e: sp.Basic) -> bool:
    return isinstance(e, (MatrixSymbol, Transpose)) or not e.args


def _along_vector(s: MatrixExpr, dz: MatrixExpr, axis: int) -> tuple | None:
    """The factors of s (s^T dz) when softmax runs along a vector (a column for axis 0,
    a row for axis 1), where s o (1 1^T (s o dz)) = s (s^T dz); None for a matrix.
    (``--detail full`` keeps the column-wise form and simplifies it step by step.)"""
    r, c = shape(s)
    if axis == 0 and c == 1:
        return (s, al.mT(s), dz)
    if axis == 1 and r == 1:
        return (dz, al.mT(s), s)
    return None


def _spread(m: MatrixExpr, axis: int) -> MatrixExpr:
    """1 1^T m (sum each column and repeat it down the column) for axis 0, m 1 1^T for axis 1."""
    r, c = m.shape
    if axis == 0:
        return al.mmul(al.ones(r, 1), al.ones(1, r), m)
    return al.mmul(m, al.ones(c, 1), al.ones(1, c))


_DISPATCH = {
    MatAdd: Differentiator._matadd, MatMul: Differentiator._matmul,
    Transpose: Differentiator._transpose, Inverse: Differentiator._inverse,
    MatPow: Differentiator._matpow, HadamardProduct: Differentiator._hadamard,
    Elementwise: Differentiator._elementwise, Diag: Differentiator._diag,
    Softmax: Differentiator._softmax, LogSoftmax: Differentiator._log_softmax,
    Trace: Differentiator._trace, Determinant: Differentiator._det,
    LogDet: Differentiator._logdet, Norm: Differentiator._norm,
    ScalarOf: Differentiator._scalar_of, DiagOf: Differentiator._diag_of,
    Maximum: Differentiator._maximum, MaxEntries: Differentiator._max_entries,
    Norm1: Differentiator._norm1, LogSumExp: Differentiator._logsumexp,
    MaxMask: Differentiator._max_mask,
}
