"""Matrix derivations: the API's entry point when shapes are declared.

derive (scalar f): d f (differential rules) -> expand -> tr(G^T dX) per term -> read off
G -> collect common factors. jacobian (vector f): d f -> J dx per term -> read off J (in
the stated layout). A vector or matrix function of a matrix has a 3-D Jacobian, which is
never formed: the steps show the vector-Jacobian product for an upstream gradient G_f.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

import sympy as sp
from sympy import MatrixSymbol

from ..engine.step import Differential, Ratio, Step, Words
from ..errors import InputError
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


def _stand_in(f: sp.Basic, var: sp.Basic, letters: tuple[str, ...]) -> sp.Basic:
    """A name for the unknown of the read-off (G for a matrix, g for a vector or scalar),
    shaped like ``var``, and not a name of ``f``."""
    taken = {s.name for s in f.atoms(MatrixSymbol, sp.Symbol)} | {var.name}
    name = next((x for x in letters if x not in taken), letters[0] + "_0")
    return MatrixSymbol(name, *var.shape) if is_matrix(var) else sp.Symbol(name)


def _readoff_step(f: sp.Basic, var: sp.Basic, dv: sp.Basic, g: sp.Basic) -> Step:
    """d f = tr(G^T dX) for every dX, where G = g, so df/dX = G (the shape of X)."""
    what = "gradient" if is_matrix(var) else "derivative"
    vector = is_matrix(var) and var.shape[1] == 1
    G = _stand_in(f, var, ("g", "q") if vector or not is_matrix(var) else ("G", "Q"))
    every = Words(("for every ", dv, ", where"))
    if is_matrix(var):
        equation = (Differential(f), tr_form(G, dv), every, G, g, Words((", so",)), Ratio(var), G)
    else:
        equation = (Differential(f), tr_form(g, dv), Words(("for every ", dv, ", so")),
                    Ratio(var), g)
    return Step("read_off_gradient", "rewrite", tr_form(g, dv), g,
                f"d f = tr(G^T d{var.name}) for every d{var.name}, so the {what} is "
                f"df/d{var.name} = G (it has the shape of {var.name}).", var,
                equation=equation)


def _of_f(moves: list[Step], f: sp.Basic) -> list[Step]:
    """The expansion of d f states what it expands: d f = (d f as derived) = (expanded)."""
    return [replace(m, equation=(Differential(f), m.expr, m.result))
            if m.rule == "expand_differential" else m for m in moves]


def _tidy(var: sp.Basic, g: sp.Basic) -> list[Step]:
    tidy = collect(g)
    if tidy == g:
        return []
    return [Step("collect_terms", "rewrite", g, tidy, "Collect the common factor.", var,
                 equation=(Ratio(var), g, tidy))]


def gradient_steps(f: sp.Basic, var: sp.Basic) -> tuple[Step, sp.Basic]:
    """One Step (children: the differential, the trace-form moves, the read-off) and G."""
    D = Differentiator(var)
    d = D.d(f)
    moves, g = trace_form(d.result, var, D.dvar)
    moves = _of_f(moves, f)
    read = _readoff_step(f, var, D.dvar, g)
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
    moves = _of_f(moves, f)
    J = _stand_in(f, var, ("J", "K"))
    J = MatrixSymbol(J.name, f.shape[0], var.shape[0] if is_matrix(var) else 1)
    read = Step("read_off_jacobian", "rewrite", al.mmul(j, D.dvar), j,
                f"d f = J d{var.name}, so the Jacobian is J = df/d{var.name} "
                "(J[i, j] = df_i/dx_j, numerator layout).", var,
                equation=(Differential(f), al.mmul(J, D.dvar),
                          Words(("for every ", D.dvar, ", where")), J, j, Words((", so",)),
                          Ratio(var), J))
    tidy = _tidy(var, j)
    result = tidy[-1].result if tidy else j
    top = Step("matrix_differential", "derivative", f, result,
               f"Matrix-differential method for df/d{var.name}: take the differential, "
               f"write it as J d{var.name}, read off J.", var, (d, *moves, read, *tidy))
    return top, result


def denominator_layout(top: Step, f: sp.Basic, var: sp.Basic, r: sp.Basic
                       ) -> tuple[Step, sp.Basic]:
    """``top`` with the step J^T = (the numerator-layout J) transposed appended, and J^T."""
    t = al.mT(r)
    J = MatrixSymbol("J", *r.shape)
    step = Step("transpose_layout", "rewrite", r, t,
                "Denominator layout: the transpose of the numerator-layout Jacobian.", var,
                equation=(al.mT(J), t))
    return Step(top.rule, top.kind, f, t, top.description, var, (*top.children, step)), t


def _vjp_steps(f, var, D, d) -> tuple[Step, sp.Basic]:
    """A 3-D Jacobian is never formed: the vector-Jacobian product G_f -> dL/dvar."""
    upstream = MatrixSymbol("G", *f.shape) if is_matrix(f) else sp.Symbol("G")
    inner = _inner(upstream, d.result)
    moves, g = trace_form(inner, var, D.dvar)
    tidy = _tidy(var, g)
    result = tidy[-1].result if tidy else g
    L = sp.Symbol("L")
    step = Step("vector_jacobian_product", "rewrite", inner, result,
                f"df/d{var.name} would be a 3-D array (one matrix per entry of f), so it is "
                f"never formed. For a scalar L with upstream gradient G = dL/df, "
                f"dL = tr(G^T df), and dL/d{var.name} is read off as usual: this is what "
                "backpropagation computes.", var,
                equation=(Differential(L), inner,
                          Words(("for every ", D.dvar, ", with G = dL/df, so",)),
                          Ratio(var, L), result))
    return Step("matrix_differential", "derivative", f, result,
                f"Vector-Jacobian product for d/d{var.name}.", var,
                (d, *moves, step, *tidy), equation=(Ratio(var, L), result)), result




def _expand(results: dict[str, sp.Basic], shapes: dict[str, Shape],
            dims: dict[str, int]) -> list[Step]:
    """``--dim n=3``: every result as the explicit matrix of its components."""
    from ..verify.evaluate import SymPyBackend, evaluate
    assignment = {sp.Symbol(k): v for k, v in dims.items()}
    missing = sorted({d.name for shape in shapes.values() for d in shape
                      if isinstance(d, sp.Symbol) and d not in assignment})
    if missing:
        raise InputError(f"--dim needs a size for every dimension: {', '.join(missing)} "
                         f"missing (e.g. --dim {missing[0]}=2)")
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
        lhs = sp.Symbol("J") if name == "jacobian" else Ratio(sp.Symbol(name))
        steps.append(Step("expand_dimensions", "rewrite", r, explicit,
                          "With " + ", ".join(f"{k} = {v}" for k, v in dims.items()) +
                          ": the components.", sp.Symbol(name),
                          equation=(lhs, r, explicit)))
    return steps
