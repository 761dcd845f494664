"""Kinds ``derive``, ``grad`` and ``jacobian`` over declared shapes: matrix calculus.

read: the declared shapes (``--shape x:n``), the expression in the matrix input language,
the variables (vectors, matrices or scalars) and ``--dim`` sizes. build: the
matrix-differential method of :mod:`matcalc.matrix.derive` (d f rule by rule, brought to
tr(G^T dX) or J dx, read off), the denominator layout as a named transpose, and with
``--dim`` every result written out in components. check: directional central differences
at two random size assignments (:mod:`matcalc.verify.matrix`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from ..engine.step import Step
from ..errors import InputError
from ..matrix.algebra import fmt_shape, is_matrix, shape
from ..matrix.derive import (_dims, _expand, _resolve_wrt, denominator_layout, gradient_steps,
                              jacobian_steps)
from ..matrix.parse import Shape, parse_matrix_expression, shape_table
from ..options import Options
from ..pipeline import Built, Plugin
from .request import Request, as_dims, read_prefix, shape_args

#: Request.args["task"]: what is asked of the expression.
TASKS = ("derivative", "gradient", "jacobian")


@dataclass(frozen=True)
class Problem:
    task: str
    text: str
    f: sp.Basic
    shapes: dict[str, Shape]
    variables: tuple[sp.Basic, ...]
    dims: dict[str, int] | None
    options: Options
    form: str = "kron"          # a matrix Jacobian: d vec(F)/d vec(X) ("kron") or a VJP ("vjp")


def _vec(p: "Problem", var: sp.Basic) -> bool:
    from ..matrix.kron import needs_vec
    return p.task == "jacobian" and p.form == "kron" and needs_vec(p.f, var)


def read(request: Request) -> Problem:
    task, opts = request.get("task"), request.options
    if request.get("where") is not None:
        raise InputError("--where is not supported together with --shape yet")
    text = request.subject
    if not isinstance(text, str):
        raise InputError("with declared shapes, the expression must be given as text")
    body, wrt = read_prefix(request, several=task != "derivative")  # d/dx names the variable
    shapes = shape_table(shape_args(request.get("shapes")))
    dims = as_dims(request.get("dims"))
    if dims:
        known = {str(d) for s in shapes.values() for d in s}
        unknown = sorted(set(dims) - known)
        if unknown:
            raise InputError(f"--dim {unknown[0]}: no declared shape uses the dimension "
                             f"'{unknown[0]}'")
    f = parse_matrix_expression(body, shapes, opts.limits)
    if opts.assumptions:
        from ..assume import check_names
        check_names(opts.assumptions, {k: tuple(v) for k, v in shapes.items()},
                    [str(s) for s in f.free_symbols if isinstance(s, sp.Symbol)])
    variables = _resolve_wrt(wrt, f, shapes)
    if task in ("derivative", "gradient") and is_matrix(f):
        raise InputError(f"{'derive' if task == 'derivative' else 'grad'} needs a scalar "
                         f"objective, but the expression has shape {fmt_shape(shape(f))}: "
                         "use `matcalc jacobian` for a vector function, or reduce it (sum, "
                         "norm, dot)")
    form = request.get("form") or "kron"
    if form not in ("kron", "vjp"):
        raise InputError(f"--form must be 'kron' or 'vjp', got {form!r}")
    if task == "jacobian" and len(variables) > 1:
        raise InputError("with declared shapes, a Jacobian is taken with respect to one "
                         "variable at a time (--wrt x)")
    return Problem(task, text, f, shapes, tuple(variables), dims, opts, form)


def _zero(p: Problem, var: sp.Basic, top: Step, r: sp.Basic) -> tuple[Step, sp.Basic]:
    """An identically zero result (step(x), sign(x), x^0, a variable that does not
    occur) as the zero of the right shape: the variable's for a gradient, rows x columns
    for a Jacobian, with a closing step that says so."""
    from dataclasses import replace
    from sympy import ZeroMatrix
    from ..matrix.kron import is_zero_matrix
    if not is_zero_matrix(r):
        return top, r
    from ..matrix.kron import needs_vec
    if p.task == "jacobian" and not (p.form == "vjp" and needs_vec(p.f, var)):
        rows = p.f.shape[0] if is_matrix(p.f) else 1
        cols = var.shape[0] if is_matrix(var) else 1
        if p.options.layout == "denominator":
            rows, cols = cols, rows
        if _vec(p, var):
            return top, r
        zero = ZeroMatrix(rows, cols) if (rows, cols) != (1, 1) else sp.S.Zero
    else:
        zero = ZeroMatrix(*var.shape) if is_matrix(var) else sp.S.Zero
    if zero == r:
        return top, r
    occurs = var in p.f.atoms(type(var))
    why = ("every term of the differential is zero" if occurs else
           f"{var.name} does not occur in the expression")
    step = Step("collect_terms", "rewrite", r, zero,
                f"The derivative is identically 0 ({why}): the zero of its shape.", var)
    return replace(top, result=zero, children=(*top.children, step)), zero


def build(p: Problem) -> Built:
    layout = p.options.layout
    steps: list[Step] = []
    results: dict[str, sp.Basic] = {}
    for var in p.variables:
        if _vec(p, var):
            from ..matrix.kron import vec_jacobian_steps
            top, r = vec_jacobian_steps(p.f, var)
            if layout == "denominator" and is_matrix(r):
                top, r = denominator_layout(top, p.f, var, r)
        elif p.task == "jacobian":
            top, r = jacobian_steps(p.f, var)
            if layout == "denominator" and is_matrix(r):
                top, r = denominator_layout(top, p.f, var, r)
        else:
            top, r = gradient_steps(p.f, var)
        top, r = _zero(p, var, top, r)
        steps.append(top)
        results["jacobian" if p.task == "jacobian" else var.name] = r
    if p.dims:
        from ..limits import DIM_SECONDS, budget
        with budget("--dim expansion", DIM_SECONDS):
            steps.extend(_expand(results, p.shapes, p.dims))
    first = "jacobian" if p.task == "jacobian" else p.variables[0].name
    vec = _vec(p, p.variables[0]) and is_matrix(p.variables[0])
    return Built(p.task, p.text, p.f, p.variables, tuple(steps), results, results[first],
                 shapes=dict(p.shapes), layout=layout if p.task == "jacobian" else "numerator",
                 attachments={"convention": f"jacobian:{p.variables[0].name}"} if vec else {})


def simplify(p: Problem, built: Built) -> Built:
    """After each variable's derivation, the named matrix simplification
    (:mod:`matcalc.matrix.simplify`): df/dX = G = its lecturer's form, when that differs."""
    from ..engine.dag import tree_size
    from ..matrix.simplify import simplify_step
    steps = list(built.steps)
    results = dict(built.results)
    keys = ["jacobian"] if p.task == "jacobian" else [v.name for v in p.variables]
    out: list[Step] = []
    for k, (top, var) in enumerate(zip(steps[:len(p.variables)], p.variables)):
        out.append(top)
        key = keys[min(k, len(keys) - 1)]
        if tree_size(results[key]) > p.options.simplify_max_size:
            continue
        step = simplify_step(results[key], var)
        if step is not None:
            out.append(step)
            results[key] = step.result
    out.extend(steps[len(p.variables):])
    first = keys[0]
    return replace(built, steps=tuple(out), results=results, result=results[first])


def check(p: Problem, built: Built):
    if _vec(p, p.variables[0]):
        from ..verify.hessian import check_vec_jacobian
        r = built.results["jacobian"]
        if p.options.layout == "denominator" and is_matrix(r):
            from ..matrix.kron import transpose
            r = transpose(r)
        return check_vec_jacobian(p.f, p.variables[0], r, p.shapes, p.options)
    from ..verify.matrix import check_derivation
    var = p.variables[0]
    if p.task == "jacobian" and not is_matrix(p.f) and is_matrix(var) and var.shape[1] != 1:
        # a scalar f's vector-Jacobian product G df/dX (G = dL/df a scalar): the gradient
        # of L = G f, G drawn like any other input
        return check_derivation(sp.Symbol("G") * p.f, "gradient", "numerator", [var],
                                {var.name: built.results["jacobian"]}, p.shapes,
                                _dims(p.shapes), p.options)
    return check_derivation(p.f, p.task, p.options.layout if p.task == "jacobian" else "numerator",
                            list(p.variables), built.results, p.shapes, _dims(p.shapes),
                            p.options)


PLUGIN = Plugin("shapes", read, build, check, simplify)
