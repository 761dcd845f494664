"""Kinds ``grad`` and ``jacobian``: several variables, on the same engine and Steps.

* ``gradient(f, "x,y")``: one partial derivation per variable (the others held
  constant), then ``assemble_gradient``: grad f = [df/dx, df/dy].
* ``jacobian("[f1, f2]", "x,y")``: one derivation per entry, row by row, then
  ``assemble_jacobian``: J[i, j] = df_i/dx_j (numerator layout), and for
  ``layout="denominator"`` the named step ``transpose_layout`` (J^T).
* ``where="g1 = x^2; g2 = 3x"``: the derivation goes through the intermediates, by the
  total-derivative chain rule for a scalar function (``grad``) and by the vector chain
  rule df/dx = (df/dg)(dg/dx) for a vector function (``jacobian``); then the
  intermediates are substituted back.

check: central differences per entry at the same random points; with intermediates,
against the fully substituted function.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import sympy as sp

from ..engine.dag import free_symbols
from ..engine.intermediates import Intermediates, order_intermediates
from ..engine.multi import (assemble_gradient, assemble_jacobian, row_names, simplify_matrix,
                            transpose_layout, vector_chain_rule)
from ..engine.solver import partial_step
from ..rules import new_solver
from ..engine.step import HeldSet, Step
from ..engine.total import define_step, finish_entry, substitute_step
from ..options import Options
from ..pipeline import Built, Plugin
from .derivative import total_steps
from .request import (Request, read_prefix, all_symbols, mark_absent, as_expr, as_exprs, as_typed, as_vars,
                      as_where, check_assumptions, explicit_vars, others)


@dataclass(frozen=True)
class Problem:
    fs: tuple[sp.Basic, ...]            # the functions as given (one for a gradient)
    full: tuple[sp.Basic, ...]          # ... with the intermediates substituted
    text: str
    variables: tuple[sp.Symbol, ...]
    inter: Intermediates | None
    options: Options


def _read(request: Request, several: bool) -> Problem:
    opts = request.options
    subject, wrt = read_prefix(request, several=True)    # d/d(x, y) names the variables
    if several:
        fs, text = as_exprs(subject, opts)
    else:
        f, text = as_expr(subject, opts)
        fs = [f]
    text = request.subject if isinstance(request.subject, str) else text
    explicit = explicit_vars(wrt, opts)
    where = request.get("where")
    inter = (order_intermediates(as_where(where, opts), fs, explicit or ())
             if where is not None else None)
    full = [inter.expand(f) for f in fs] if inter is not None else list(fs)
    check_assumptions(opts, full)
    return Problem(tuple(fs), tuple(full), text, as_vars(explicit, full), inter, opts)


def _check(p: Problem, entries: list[tuple[str, sp.Basic, sp.Basic, sp.Symbol]]):
    from ..verify.check import check_entries
    o = p.options
    return check_entries(entries, all_symbols(p.full, p.variables), points=o.points,
                         rtol=o.rtol, atol=o.atol, seed=o.seed)


# ----------------------------------------------------------------------------- gradient

def read_gradient(request: Request) -> Problem:
    return _read(request, several=False)


def build_gradient(p: Problem) -> Built:
    """grad f = [df/dx_1, ..., df/dx_n]: each partial (the other variables held constant),
    simplified when that helps, then assembled."""
    f, full, inter, opts = p.fs[0], p.full[0], p.inter, p.options
    variables = p.variables
    solver = new_solver([f, full, *variables,
                     *((e for _, e in inter.definitions) if inter is not None else ())])
    steps: list[Step] = [define_step(full, f, inter, None)] if inter is not None else []
    partials: list[sp.Basic] = []
    held = HeldSet(free_symbols(f))          # one record; each partial holds all but its own
    for var in variables:
        if inter is not None:
            block = total_steps(f, full, var, inter, solver, opts, always_simplify=False)
        else:
            root = mark_absent(partial_step(f, var, held.without(var), solver), var, [full])
            block = finish_entry(root, var, opts.simplify, opts.simplify_timeout,
                                 opts.simplify_max_size, always=False)
        steps += block
        partials.append(block[-1].result)
    steps.append(assemble_gradient(full, variables, partials))
    return Built("gradient", p.text, full, variables, tuple(steps),
                 {v.name: q for v, q in zip(variables, partials)},
                 sp.ImmutableMatrix([partials]),
                 attachments=as_typed(p.text, opts, full) if p.inter is None else {})


def check_gradient(p: Problem, built: Built):
    full = p.full[0]
    return _check(p, [(f"d/d{v}", full, built.results[v.name], v) for v in p.variables])


GRADIENT = Plugin("grad", read_gradient, build_gradient, check_gradient)


# ----------------------------------------------------------------------------- jacobian

def read_jacobian(request: Request) -> Problem:
    return _read(request, several=True)


def _row_names(p: Problem) -> list[sp.Symbol]:
    taken = {s.name for s in free_symbols(sp.Tuple(*p.fs, *p.full))}
    if p.inter is not None:
        taken |= {g.name for g in p.inter.names}
    return row_names(len(p.fs), taken)


def build_jacobian(p: Problem) -> Built:
    """J[i, j] = df_i/dx_j entry by entry (or by the vector chain rule through the
    intermediates), in the numerator layout; the denominator layout is its named transpose."""
    fs, full, inter, opts, variables = list(p.fs), list(p.full), p.inter, p.options, p.variables
    names = _row_names(p)
    roots = [*fs, *full, *variables, *((e for _, e in inter.definitions) if inter else ())]
    solver = new_solver(roots)
    steps: list[Step] = []
    if inter is None:
        # every entry holds all the symbols but its column's constant: one shared record
        occurring = free_symbols(sp.Tuple(*full))
        held = HeldSet(occurring | set(variables))
        rows = []
        for f in fs:
            row = []
            for var in variables:
                root = partial_step(f, var, held.without(var), solver)
                if var not in occurring:             # (once per variable, not per entry)
                    root = mark_absent(root, var, [sp.Tuple(*full)])
                block = finish_entry(root, var, opts.simplify, opts.simplify_timeout,
                                     opts.simplify_max_size, always=False)
                steps += block
                row.append(block[-1].result)
            rows.append(row)
        steps.append(assemble_jacobian(fs, names, variables, rows))
    else:
        partial = lambda f, v: partial_step(f, v, others(free_symbols(f), v), solver)  # noqa: E731
        steps.append(define_step(sp.ImmutableMatrix(full), sp.ImmutableMatrix(fs), inter, None))
        chain = vector_chain_rule(fs, names, inter, variables, partial)
        back = substitute_step(chain.result, inter, None, variables)
        steps.append(chain)
        if back.result != chain.result:          # no line that says nothing
            steps.append(back)
        if opts.simplify:
            tidy = simplify_matrix(back.result, opts.simplify_timeout, opts.simplify_max_size)
            if tidy.result != back.result:
                steps.append(tidy)
    if opts.layout == "denominator":
        steps.append(transpose_layout(steps[-1].result))
    matrix = steps[-1].result
    return Built("jacobian", p.text, sp.ImmutableMatrix(full), variables, tuple(steps),
                 {"jacobian": matrix}, matrix, layout=opts.layout)


def check_jacobian(p: Problem, built: Built):
    """Every entry against finite differences, through the texts the user receives (the
    whole matrix's NumPy text, indexed in the layout shown)."""
    from ..verify.check import jacobian_texts
    names = _row_names(p)
    shown, flip = built.result, p.options.layout == "denominator"
    matrix = shown.T if flip else shown
    return _check(p, [(f"d{names[i]}/d{v}", p.full[i], matrix[i, j], v,
                       jacobian_texts(shown, j, i) if flip else jacobian_texts(shown, i, j))
                      for i in range(len(p.fs)) for j, v in enumerate(p.variables)])


JACOBIAN = Plugin("jacobian", read_jacobian, build_jacobian, check_jacobian)
