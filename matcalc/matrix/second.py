"""Hessians of scalar functions of a vector or a matrix by the second differential
(Magnus and Neudecker, ch. 10):

1. the first differential, brought to d f = tr(G^T dX) (the gradient G,
   :func:`matcalc.matrix.derive.gradient_steps`);
2. the second differential d^2f = d(d f) with dX held constant (d(dX) = 0):
   d^2f = tr(dX^T dG), so it is the differential dG of the gradient, rule by rule;
3. dG linear in dX is brought to J dx (a vector x: the Jacobian of g) or, for a matrix X
   (n x k), to vec(dG) = J vec(dX) by vec(A dX B) = (B^T kron A) vec(dX)
   (:mod:`matcalc.matrix.kron`), vec column-major;
4. d^2f = dx^T J dx (or vec(dX)^T J vec(dX)) for every dx: a quadratic form sees only the
   symmetric part, so H = (J + J^T)/2; when J^T = J structurally, H = J and the step says
   so.

Convention: for a matrix X the Hessian is the nk x nk matrix
H[(j-1)n + i, (l-1)n + k'] = d^2f/dX_ij dX_k'l over vec(X) = [X_11, X_21, ..., X_nk]
(columns stacked), as in Magnus and Neudecker (docs/conventions.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy import MatrixSymbol

from ..engine.step import Differential, Step, Words
from ..errors import InputError
from ..options import Options
from . import algebra as al
from .algebra import fmt_shape, is_matrix
from .differential import Differentiator
from .parse import Shape, parse_matrix_expression, shape_table
from .readoff import jacobian_form

class SecondDifferential(sp.Symbol):
    """d^2 f, the second differential, as a member of a step's equation."""

    def _latex(self, printer) -> str:
        return r"\mathrm{d}^{2} f"


#: The name of the second differential in the steps: d^2 f.
D2 = SecondDifferential("d^2f")


@dataclass(frozen=True)
class ShapedHessian:
    """A Hessian over declared shapes: the expression, its shapes, the one variable."""

    text: str
    f: sp.Basic
    shapes: dict[str, Shape]
    variables: tuple[sp.Basic, ...]
    dims: dict[str, int] | None
    options: Options


def read_shaped(text: Any, wrt: Any, shapes: Any, dims: Any, opts: Options) -> ShapedHessian:
    from ..kinds.request import as_dims, shape_args
    from .derive import _resolve_wrt
    if not isinstance(text, str):
        raise InputError("with declared shapes, the expression must be given as text")
    table = shape_table(shape_args(shapes))
    f = parse_matrix_expression(text, table, opts.limits)
    if is_matrix(f):
        raise InputError(f"hessian needs a scalar objective, but the expression has shape "
                         f"{fmt_shape(al.shape(f))}: reduce it (sum, norm, dot)")
    variables = _resolve_wrt(wrt, f, table)
    if len(variables) == 1 and not is_matrix(variables[0]):
        raise InputError(f"'{variables[0]}' is a scalar: for its second derivative use "
                         f"`matcalc derive ... --order 2`")
    if len(variables) != 1:
        raise InputError("with declared shapes, a Hessian is taken with respect to one "
                         "variable at a time (--wrt x)")
    return ShapedHessian(text, f, table, tuple(variables), as_dims(dims), opts)


def symmetric(e: sp.Basic) -> bool:
    """J^T = J structurally (transposes pushed to the leaves: A + A^T, B^T B, diag(s)...)."""
    from .kron import transpose
    if not is_matrix(e):
        return True
    try:
        t = transpose(e)
        if t == e:
            return True
        terms = lambda m: sorted(map(sp.srepr, al.terms_of(m)))  # noqa: E731
        return terms(t) == terms(e)
    except Exception:          # pragma: no cover - an unknown node: not known symmetric
        return False


def hessian_steps(f: sp.Basic, var: sp.Basic) -> tuple[Step, sp.Basic]:
    """The Steps of the second-differential method and the Hessian H."""
    from .derive import gradient_steps
    from .kron import vec_form, transpose
    first, g = gradient_steps(f, var)
    from dataclasses import replace
    from .simplify import simplify_step
    tidy_g = simplify_step(g, var)         # G in its lecturer's form before d(G)
    if tidy_g is not None:
        g = tidy_g.result
        first = replace(first, result=g, children=(*first.children, tidy_g))
    D = Differentiator(var)
    dg = D.d(g)
    dv = D.dvar
    matrix = is_matrix(var) and var.shape[1] != 1
    if matrix:
        second = al.trace(al.mmul(al.mT(dv), dg.result))
        read_what = f"d^2f = vec(d{var.name})^T J vec(d{var.name})"
    else:
        second = al.as_scalar(al.mmul(al.mT(dv), dg.result))
        read_what = f"d^2f = d{var.name}^T J d{var.name}"
    from .derive import _stand_in
    from .nodes import differential_symbol
    letter = _stand_in(f, var, ("G", "Q") if matrix else ("g", "q"))
    dG = differential_symbol(letter)
    short = (al.trace(al.mmul(al.mT(dv), dG)) if matrix
             else al.as_scalar(al.mmul(al.mT(dv), dG)))
    d2 = Step("second_differential", "derivative", f, second,
              f"Second differential: d^2f = d(d f) with d{var.name} held constant "
              f"(d(d{var.name}) = 0), so d^2f = " +
              (f"tr(d{var.name}^T dG): the differential of the gradient G."
               if matrix else f"d{var.name}^T dg: the differential of the gradient g."),
              var, (dg,), equation=(D2, short))
    if matrix:
        moves, J = vec_form(dg.result, var, dv)
    else:
        moves, J = jacobian_form(dg.result, var, dv)
    if symmetric(J):
        H = J
        why = "J is symmetric, so H = J"
    else:
        H = al.mmul(sp.Rational(1, 2), al.madd(J, transpose(J)))
        why = "so H is its symmetric part, (J + J transposed)/2"
    n = var.shape[0] * var.shape[1] if is_matrix(var) else 1
    conv = (f" (the {n} x {n} matrix over vec({var.name}), columns stacked)" if matrix else "")
    read = Step("read_off_hessian", "rewrite", J, H,
                f"{read_what} for every d{var.name}: a quadratic form sees only the symmetric "
                f"part of J, {why}{conv}.", var,
                equation=_read_equation(J, H, dv, matrix, var, why == "J is symmetric, so H = J"))
    named = name_softmax(H)
    tidy: tuple[Step, ...] = ()
    if named != H:
        tidy = (Step("name_softmax", "rewrite", H, named,
                     "Name the softmax: s = exp(x)/sum(exp(x)) = softmax(x), one factor "
                     "1/sum(exp(x)) for each exp(x).", var,
                     equation=(sp.Symbol("H"), H, named)),)
        H = named
    simp = simplify_step(H, var)               # the lecturer's form (identities as data)
    if simp is not None:
        tidy = (*tidy, replace(simp, equation=(sp.Symbol("H"), H, simp.result)))
        H = simp.result
    named_part = _name_repeated(f, var, H)
    if named_part is not None:
        tidy = (*tidy, named_part)
    top = Step("hessian_second_differential", "derivative", f, H,
               f"Hessian of f by the second differential (Magnus and Neudecker): d f = "
               f"tr(G^T d{var.name}), then d^2f = d(d f) with d{var.name} constant, brought "
               f"to {read_what}, H read off symmetrised.", var,
               (first, d2, *moves, read, *tidy), equation=(sp.Symbol("H"), H))
    return top, H


def _name_repeated(f: sp.Basic, var: sp.Basic, H: sp.Basic) -> Step | None:
    """The Hessian written as a lecturer shortens it: an entry-wise function of the
    variable that is printed more than once in H - sigma(-y o (X w)) twice in the
    logistic Hessian's (1 - sigma(u)) o sigma(u) - named by a letter of its own, s =
    sigma(-y o (X w)), so that H = X^T diag(s o (1 - s) o y o y) X fits one line. A
    presentation step (the result keeps the full expression); None when nothing repeats."""
    from sympy import preorder_traversal
    from .nodes import Elementwise, T
    for node in preorder_traversal(H):
        if not (isinstance(node, Elementwise) and node.has(var)):
            continue
        body = node.body()
        calls = [c for c in preorder_traversal(body)
                 if isinstance(c, sp.Function) and c.args == (T,)]
        twice = sorted({c for c in calls if calls.count(c) > 1}, key=str)
        if not twice:
            continue
        g = twice[0]
        part = al.elementwise(g, node.arg)
        from .derive import _stand_in
        letter = _stand_in(f, var, ("s", "u", "v"))
        name = MatrixSymbol(letter.name, *node.arg.shape)
        short = H.xreplace({node: al.elementwise(body.xreplace({g: T}), name)})
        Hn = MatrixSymbol("H", *H.shape)
        return Step("intermediate_variables", "rewrite", H, H,
                    f"Name the part that repeats, {letter.name}, to write H in one short "
                    "line.", var, equation=(Hn, short, Words((", where",)), name, part))
    return None


def _read_equation(J: sp.Basic, H: sp.Basic, dv: sp.Basic, matrix: bool, var: sp.Basic,
                   same: bool) -> tuple:
    """d^2f = dx^T J dx for every dx, where J = ...; symmetrised: H = ... (short rows: the
    matrices are named J and H in the quadratic form)."""
    n = J.shape[0]
    Jn, Hn = MatrixSymbol("J", n, n), MatrixSymbol("H", n, n)
    every = f"for every d{var.name}, where"
    if same:
        return (D2, _quadratic(Hn, dv, matrix), Words((every + " H = J is symmetric:",)),
                Hn, H)
    return (D2, _quadratic(Jn, dv, matrix), Words((every,)), Jn, J,
            Words(("; only the symmetric part counts:",)), Hn,
            al.mmul(sp.Rational(1, 2), al.madd(Jn, al.mT(Jn))), H)


def _quadratic(J: sp.Basic, dv: sp.Basic, matrix: bool) -> sp.Basic:
    """dx^T J dx (or vec(dX)^T J vec(dX)) as an expression."""
    from .kron import Vec
    if matrix:
        v = Vec(dv)
        return al.as_scalar(al.mmul(al.mT(v), J, v))
    return al.as_scalar(al.mmul(al.mT(dv), J, dv))


def build_shaped(p: ShapedHessian):
    from ..pipeline import Built
    var = p.variables[0]
    top, H = hessian_steps(p.f, var)
    steps = [top]
    results = {"hessian": H}
    if p.dims:
        from ..limits import DIM_SECONDS, budget
        from .derive import _expand
        with budget("--dim expansion", DIM_SECONDS):
            steps.extend(_expand(results, p.shapes, p.dims))
    return Built("hessian", p.text, p.f, p.variables, tuple(steps), results, H,
                 shapes=dict(p.shapes),
                 attachments={"gradient": top.children[0].result, "convention":
                              f"hessian:{var.name}" if is_matrix(var) and var.shape[1] != 1
                              else ""})


# ---------------------------------------------------------------------- naming the softmax
def _exp_of(e: sp.Basic) -> sp.Basic | None:
    """x when e is exp(x) entry by entry (x a column), else None."""
    from .nodes import Elementwise, T
    if isinstance(e, Elementwise) and e.body() == sp.exp(T) and is_matrix(e.arg) \
            and e.arg.shape[1] == 1:
        return e.arg
    return None


def _sum_exp(c: sp.Basic) -> tuple[sp.Basic, sp.Basic, int] | None:
    """(S, x, k) when the coefficient c has the factor S^-k with S = sum(exp(x))."""
    from .nodes import ScalarOf
    for factor in sp.Mul.make_args(c):
        base, exp = factor.as_base_exp()
        if isinstance(base, ScalarOf) and exp.is_Integer and exp < 0:
            inner = base.arg
            if isinstance(inner, sp.MatMul) and len(inner.args) == 2 and \
                    isinstance(inner.args[0], sp.OneMatrix):
                x = _exp_of(inner.args[1])
                if x is not None:
                    return base, x, int(-exp)
    return None


def name_softmax(H: sp.Basic) -> sp.Basic:
    """exp(x)/sum(exp(x)) = softmax(x) in every term where the powers of 1/sum(exp(x))
    match the factors exp(x), exp(x).T, diag(exp(x)) one for one; H unchanged otherwise."""
    from .nodes import Diag, Elementwise, Softmax, T
    out = []
    changed = False
    for t in al.terms_of(H):
        c, mats = al.coeff_and_factors(t)
        found = _sum_exp(c)
        if found is None:
            out.append(t)
            continue
        S, x, k = found
        s = Softmax(x, 0)
        new, hits = [], 0
        for m in mats:
            if _exp_of(m) == x:
                new.append(s)
                hits += 1
            elif isinstance(m, sp.Transpose) and _exp_of(m.arg) == x:
                new.append(al.mT(s))
                hits += 1
            elif isinstance(m, Diag) and _exp_of(m.arg) == x:
                new.append(Diag(s))
                hits += 1
            elif isinstance(m, Elementwise) and m.body() == sp.exp(T) and m.arg == al.mT(x):
                new.append(al.mT(s))                     # exp(x.T) = exp(x).T
                hits += 1
            else:
                new.append(m)
        if hits != k:
            out.append(t)
            continue
        changed = True
        out.append(al.mmul(c * S ** k, *new))
    if not changed:
        return H
    return al.madd(*out)
