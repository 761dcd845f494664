"""Matrix derivations: the API's entry point when shapes are declared.

derive (scalar f): d f (differential rules) -> expand -> tr(G^T dX) per term -> read off
G -> collect common factors. jacobian (vector f): d f -> J dx per term -> read off J (in
the stated layout). A vector or matrix function of a matrix has a 3-D Jacobian, which is
never formed: the steps show the vector-Jacobian product for an upstream gradient G_f.
"""
from __future__ import annotations

from typing import Any, Iterable

import sympy as sp
from sympy import MatrixSymbol

from ..derivation import Derivation
from ..engine.step import Step
from ..errors import InputError
from ..options import Options
from . import algebra as al
from .algebra import fmt_shape, is_matrix, shape
from .differential import Differentiator
from .parse import Shape, parse_matrix_expression, shape_table
from .readoff import _inner, collect, jacobian_form, trace_form, tr_form


def _variables(f: sp.Basic, shapes: dict[str, Shape]) -> list[sp.Basic]:
    dims = _dims(shapes)
    found = {s.name: s for s in f.atoms(MatrixSymbol)}
    for s in f.atoms(sp.Symbol):
        if s not in dims and not isinstance(s, sp.Dummy):
            found.setdefault(s.name, s)
    return [found[k] for k in sorted(found)]


def _dims(shapes: dict[str, Shape]) -> set[sp.Symbol]:
    return {d for s in shapes.values() for d in s if isinstance(d, sp.Symbol)}


def _resolve_wrt(wrt: Any, f: sp.Basic, shapes: dict[str, Shape]) -> list[sp.Basic]:
    variables = _variables(f, shapes)
    by_name = {v.name: v for v in variables}
    if wrt is None or wrt == "":
        if len(variables) == 1:
            return variables
        names = ", ".join(by_name) or "none"
        raise InputError(f"--wrt is needed: the expression has several variables ({names})")
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    else:
        names = [getattr(w, "name", str(w)) for w in (wrt if isinstance(wrt, (list, tuple)) else [wrt])]
    out = []
    for name in names:
        if name in by_name:
            out.append(by_name[name])
        elif name in shapes:
            out.append(MatrixSymbol(name, *shapes[name]))   # declared, not used: gradient 0
        elif sp.Symbol(name) in _dims(shapes):
            raise InputError(f"'{name}' is a dimension, not a variable")
        else:
            raise InputError(f"'{name}' does not occur in the expression "
                             f"(variables: {', '.join(by_name) or 'none'})")
    return out


def _readoff_step(var: sp.Basic, dv: sp.Basic, g: sp.Basic) -> Step:
    what = "gradient" if is_matrix(var) else "derivative"
    return Step("read_off_gradient", "rewrite", tr_form(g, dv), g,
                f"d f = tr(G^T d{var.name}) for every d{var.name}, so the {what} is "
                f"df/d{var.name} = G (it has the shape of {var.name}).", var)


def _tidy(var: sp.Basic, g: sp.Basic) -> list[Step]:
    tidy = collect(g)
    if tidy == g:
        return []
    return [Step("collect_terms", "rewrite", g, tidy, "Collect the common factor.", var)]


def gradient_steps(f: sp.Basic, var: sp.Basic) -> tuple[Step, sp.Basic]:
    """One Step (children: the differential, the trace-form moves, the read-off) and G."""
    D = Differentiator(var)
    d = D.d(f)
    moves, g = trace_form(d.result, var, D.dvar)
    read = _readoff_step(var, D.dvar, g)
    tidy = _tidy(var, g)
    result = tidy[-1].result if tidy else g
    children = (d, *moves, read, *tidy)
    top = Step("matrix_differential", "derivative", f, result,
               f"Matrix-differential method for df/d{var.name}: take the differential, "
               f"bring it to the form tr(G^T d{var.name}), read off G.", var, children)
    return top, result


def jacobian_steps(f: sp.Basic, var: sp.Basic) -> tuple[Step, sp.Basic]:
    """The Jacobian J (numerator layout) of a vector function, with its steps."""
    D = Differentiator(var)
    d = D.d(f)
    if is_matrix(var) and var.shape[1] != 1 or is_matrix(f) and f.shape[1] != 1:
        return _vjp_steps(f, var, D, d)
    if not is_matrix(f):
        top, g = gradient_steps(f, var)
        j = al.mT(g) if is_matrix(g) else g
        step = Step("gradient_as_jacobian", "rewrite", g, j,
                    "A scalar function: its Jacobian is the gradient transposed (a row).", var)
        return Step(top.rule, top.kind, f, j, top.description, var,
                    (*top.children, step)), j
    moves, j = jacobian_form(d.result, var, D.dvar)
    read = Step("read_off_jacobian", "rewrite", al.mmul(j, D.dvar) if is_matrix(var) else
                al.mmul(j, D.dvar), j,
                f"d f = J d{var.name}, so the Jacobian is J = df/d{var.name} "
                "(J[i, j] = df_i/dx_j, numerator layout).", var)
    tidy = _tidy(var, j)
    result = tidy[-1].result if tidy else j
    top = Step("matrix_differential", "derivative", f, result,
               f"Matrix-differential method for df/d{var.name}: take the differential, "
               f"write it as J d{var.name}, read off J.", var, (d, *moves, read, *tidy))
    return top, result


def _vjp_steps(f, var, D, d) -> tuple[Step, sp.Basic]:
    """A 3-D Jacobian is never formed: the vector-Jacobian product G_f -> dL/dvar."""
    upstream = MatrixSymbol("G", *f.shape) if is_matrix(f) else sp.Symbol("G")
    inner = _inner(upstream, d.result)
    moves, g = trace_form(inner, var, D.dvar)
    tidy = _tidy(var, g)
    result = tidy[-1].result if tidy else g
    step = Step("vector_jacobian_product", "rewrite", inner, result,
                f"df/d{var.name} would be a 3-D array (one matrix per entry of f), so it is "
                f"never formed. For a scalar L with upstream gradient G = dL/df, "
                f"dL = tr(G^T df), and dL/d{var.name} is read off as usual: this is what "
                "backpropagation computes.", var)
    return Step("matrix_differential", "derivative", f, result,
                f"Vector-Jacobian product for d/d{var.name}.", var,
                (d, *moves, step, *tidy)), result


def matrix_derivation(kind: str, text: str, shapes_in: Any, wrt: Any, opts: Options,
                      layout: str = "numerator", dims: dict[str, int] | None = None) -> Derivation:
    """The Derivation for ``derive``/``gradient``/``jacobian`` with declared shapes."""
    shapes = shape_table(shapes_in)
    f = parse_matrix_expression(text, shapes, opts.limits)
    variables = _resolve_wrt(wrt, f, shapes)
    if kind in ("derivative", "gradient") and is_matrix(f):
        raise InputError(f"{'derive' if kind == 'derivative' else 'grad'} needs a scalar "
                         f"objective, but the expression has shape {fmt_shape(shape(f))}: "
                         "use `matcalc jacobian` for a vector function, or reduce it (sum, "
                         "norm, dot)")
    if kind == "jacobian" and len(variables) > 1:
        raise InputError("with declared shapes, a Jacobian is taken with respect to one "
                         "variable at a time (--wrt x)")
    steps: list[Step] = []
    results: dict[str, sp.Basic] = {}
    for var in variables:
        if kind == "jacobian":
            top, r = jacobian_steps(f, var)
            if layout == "denominator" and is_matrix(r):
                t = al.mT(r)
                top = Step(top.rule, top.kind, f, t, top.description, var, (*top.children, Step(
                    "transpose_layout", "rewrite", r, t,
                    "Denominator layout: the transpose of the numerator-layout Jacobian.",
                    var)))
                r = t
        else:
            top, r = gradient_steps(f, var)
        steps.append(top)
        results["jacobian" if kind == "jacobian" else var.name] = r
    if dims:
        from ..limits import DIM_SECONDS, budget
        with budget("--dim expansion", DIM_SECONDS):
            steps.extend(_expand(results, shapes, dims))
    verification = None
    if opts.verify:
        from .check import check_matrix
        kind_check = "gradient" if not is_matrix(f) and kind != "jacobian" else "jacobian"
        check_results = results
        if kind == "jacobian" and layout == "denominator":
            check_results = {k: al.mT(v) for k, v in results.items()}
        if kind == "jacobian":
            check_results = {variables[0].name: check_results["jacobian"]}
        if kind == "jacobian" and not is_matrix(f):
            check_results = {k: al.mT(v) for k, v in check_results.items()}
            kind_check = "gradient"
        if any(is_matrix(f) and (is_matrix(v) and v.shape[1] != 1 or f.shape[1] != 1)
               for v in variables):
            from ..verify.result import Verification
            verification = Verification("skipped", "finite differences",
                                        message="vector-Jacobian products are checked in "
                                        "backprop, not here")
        else:
            verification = check_matrix(f, check_results, variables, _dims(shapes),
                                        kind_check, seed=opts.seed, rtol=opts.rtol,
                                        atol=opts.atol)
    shown = {k: v for k, v in shapes.items()}
    return Derivation(kind=kind if kind != "derivative" else "derivative", input=text, expr=f,
                      wrt=tuple(variables), steps=tuple(steps), results=results,
                      verification=verification, options=opts, shapes=shown, layout=layout)


def _expand(results: dict[str, sp.Basic], shapes: dict[str, Shape],
            dims: dict[str, int]) -> list[Step]:
    """``--dim n=3``: every result as the explicit matrix of its components."""
    from ..limits import check_explicit_size
    from .evaluate import SymPyBackend, evaluate
    assignment = {sp.Symbol(k): v for k, v in dims.items()}
    check_explicit_size(results.values(), assignment)         # n! terms: refused first
    values: dict[str, Any] = {}
    for name, (r, c) in shapes.items():
        rows, cols = (int(sp.Integer(d) if isinstance(d, int) else d.xreplace(assignment))
                      for d in (r, c))
        if cols == 1:
            values[name] = sp.Matrix(rows, 1, [sp.Symbol(f"{name}{i + 1}") for i in range(rows)])
        else:
            values[name] = sp.Matrix(rows, cols, [sp.Symbol(f"{name}{i + 1}{j + 1}")
                                                  for i in range(rows) for j in range(cols)])
    for r in results.values():                     # scalars stay symbols (z, b)
        for sym in r.atoms(sp.Symbol):
            if not isinstance(sym, sp.Dummy) and sym not in assignment:
                values.setdefault(sym.name, sym)
    steps = []
    for name, r in results.items():
        explicit = evaluate(r, values, assignment, SymPyBackend())
        if isinstance(explicit, sp.MatrixBase):
            explicit = sp.ImmutableMatrix(explicit)
        steps.append(Step("expand_dimensions", "rewrite", r, explicit,
                          "With " + ", ".join(f"{k} = {v}" for k, v in dims.items()) +
                          ": the components.", sp.Symbol(name)))
    return steps
