"""The Python API for several variables: gradients, Jacobians, named intermediates.

Pure functions (no I/O), on the same engine, Step model and renderers as ``derive``:

* ``gradient(f, "x,y")``: one partial derivation per variable (the others held
  constant), then ``assemble_gradient``: grad f = [df/dx, df/dy].
* ``jacobian("[f1, f2]", "x,y")``: one derivation per entry, row by row, then
  ``assemble_jacobian``: J[i, j] = df_i/dx_j (numerator layout), and for
  ``layout="denominator"`` the named step ``transpose_layout`` (J^T).
* ``where="g1 = x^2; g2 = 3x"``: the derivation goes through the intermediates, by the
  total-derivative chain rule for a scalar function (``derive``, ``gradient``) and by the
  vector chain rule df/dx = (df/dg)(dg/dx) for a vector function (``jacobian``); then the
  intermediates are substituted back.

Every entry is verified numerically (central differences per entry at the same random
points); with intermediates, against the fully substituted function.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import sympy as sp

from .api import Where, _as_expr, _options, _others, _partial
from .derivation import Derivation
from .engine.dag import free_symbols
from .engine.intermediates import Intermediates, order_intermediates
from .engine.multi import (assemble_gradient, assemble_jacobian, row_names, simplify_matrix,
                           transpose_layout, vector_chain_rule)
from .engine.simplify import simplify_step
from .engine.solver import Solver
from .engine.step import Step
from .engine.total import TotalDerivatives
from .errors import InputError
from .options import Options

Exprs = str | Sequence[str | sp.Basic]
Variables = str | Sequence[str | sp.Symbol] | None


# ----------------------------------------------------------------------------- inputs

def _as_exprs(exprs: Exprs, opts: Options) -> tuple[list[sp.Basic], str]:
    """``"[f1, f2]"`` (or one plain expression), or a list of texts / SymPy expressions."""
    if isinstance(exprs, str):
        from .parse import parse_list
        return parse_list(exprs, opts.limits), exprs
    if isinstance(exprs, sp.MatrixBase):
        exprs = list(exprs)
    if not isinstance(exprs, (list, tuple)) or not exprs:
        raise InputError("expected a list of expressions, e.g. \"[3x^2(2y+7), 4x + y^2]\"")
    parsed = [_as_expr(e, opts) for e in exprs]
    return [f for f, _ in parsed], "[" + ", ".join(t for _, t in parsed) + "]"


def _symbol(name: str | sp.Symbol, what: str) -> sp.Symbol:
    if isinstance(name, sp.Symbol):
        return name
    if not isinstance(name, str) or not name.strip().isidentifier():
        raise InputError(f"{what} expects a variable name, got {name!r}")
    from .parse import make_symbol
    return make_symbol(name.strip())


def _explicit_vars(wrt: Variables, opts: Options) -> list[sp.Symbol] | None:
    """The variables as given (``"x,y"`` or a list), or None when left out."""
    if wrt is None:
        return None
    if isinstance(wrt, sp.Symbol):
        return [wrt]
    if isinstance(wrt, str):
        from .parse import parse_symbol_list
        return parse_symbol_list(wrt, opts.limits)
    variables = [_symbol(w, "--wrt") for w in wrt]
    if len(set(variables)) != len(variables):
        raise InputError("--wrt lists a variable twice")
    if not variables:
        raise InputError("--wrt: empty list of variables")
    return variables


def _as_vars(explicit: list[sp.Symbol] | None, functions: Sequence[sp.Basic]) -> tuple[sp.Symbol, ...]:
    """The variables: as given (each must occur), or every free symbol sorted by name."""
    symbols = sorted(free_symbols(sp.Tuple(*functions)), key=lambda s: s.name)
    names = ", ".join(s.name for s in symbols)
    if explicit is None:
        if not symbols:
            raise InputError("the expression has no variable: name one with --wrt")
        return tuple(symbols)
    for var in explicit:
        if var not in symbols:
            raise InputError(f"variable '{var}' does not occur in the expression "
                             f"(its variables: {names or 'none'})")
    return tuple(explicit)


def _as_where(where: Where, opts: Options) -> list[tuple[sp.Symbol, sp.Basic]]:
    """``"g1 = x^2; g2 = 3x"``, a mapping, or (name, expression) pairs."""
    if isinstance(where, str):
        from .parse import parse_assignments
        return parse_assignments(where, opts.limits)
    pairs = list(where.items()) if isinstance(where, Mapping) else list(where)
    out: list[tuple[sp.Symbol, sp.Basic]] = []
    for item in pairs:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InputError("where: expected name = expression pairs")
        name, value = item
        g = _symbol(name, "where")
        if any(g == h for h, _ in out):
            raise InputError(f"where: '{g}' is assigned twice")
        out.append((g, _as_expr(value, opts)[0]))
    if not out:
        raise InputError("where: no assignments")
    return out


def _layout(layout: str | None, opts: Options) -> Options:
    if layout is None:
        return opts
    if layout not in ("numerator", "denominator"):
        raise InputError(f"layout must be 'numerator' or 'denominator', got {layout!r}")
    return replace(opts, layout=layout)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- shared pieces

def _finish_entry(root: Step, var: sp.Symbol | None, opts: Options, always: bool) -> list[Step]:
    """A derivation's root, then its simplify step (``always``, or only when it helps)."""
    if not opts.simplify:
        return [root]
    simp = simplify_step(root.result, var, opts.simplify_timeout, opts.simplify_max_size)
    return [root, simp] if always or simp.result != root.result else [root]


def _define(full: sp.Basic, expr: sp.Basic, inter: Intermediates, var: sp.Symbol | None) -> Step:
    names = ", ".join(g.name for g in inter.names)
    return Step("intermediate_variables", "define", full, expr,
                f"Introduce the intermediate variables {names} as given.", var,
                definitions=inter.definitions)


def _substitute(raw: sp.Basic, inter: Intermediates, var: sp.Symbol | None,
                variables: Sequence[sp.Symbol]) -> Step:
    names = ", ".join(g.name for g in inter.names)
    return Step("substitute", "rewrite", raw, inter.expand(raw),
                f"Substitute back {names} in terms of {', '.join(v.name for v in variables)}.",
                var)


def _verify(entries: list[tuple[str, sp.Basic, sp.Basic, sp.Symbol]],
            symbols: Sequence[sp.Symbol], opts: Options):
    if not opts.verify:
        return None
    from .verify.check import check_entries
    return check_entries(entries, symbols, points=opts.points, rtol=opts.rtol, atol=opts.atol,
                         seed=opts.seed)


def _all_symbols(functions: Sequence[sp.Basic], variables: Sequence[sp.Symbol]) -> list[sp.Symbol]:
    return sorted(free_symbols(sp.Tuple(*functions)) | set(variables), key=lambda s: s.name)


def _total_steps(expr: sp.Basic, full: sp.Basic, var: sp.Symbol, inter: Intermediates,
                 solver: Solver, opts: Options, always_simplify: bool) -> list[Step]:
    """dy/dx through the intermediates: total derivative, substitute back, simplify."""
    partial = lambda f, v: _partial(f, v, _others(free_symbols(f), v), solver)  # noqa: E731
    root = TotalDerivatives(inter, partial, var).of(expr)
    held = _others(free_symbols(full), var)
    if held:
        names = ", ".join(s.name for s in held)
        root = replace(root, held_constant=held,
                       description=f"{root.description} (partial derivative: {names} held constant)")
    back = _substitute(root.result, inter, var, (var,))
    return [root, *_finish_entry(back, var, opts, always_simplify)]


# ----------------------------------------------------------------------------- derive

def derive_through(f: sp.Basic, text: str, wrt: str | sp.Symbol | None, where: Where,
                   opts: Options) -> Derivation:
    """``derive(..., where=...)``: dy/dx by the total-derivative chain rule (see derive)."""
    explicit = _explicit_vars(wrt, opts)
    if explicit is not None and len(explicit) != 1:
        raise InputError("derive takes one variable; use grad for several")
    inter = order_intermediates(_as_where(where, opts), [f], explicit or ())
    full = inter.expand(f)
    if explicit is None:
        symbols = sorted(free_symbols(full), key=lambda s: s.name)
        if len(symbols) != 1:
            names = ", ".join(s.name for s in symbols)
            raise InputError("the expression has no variable: name one with --wrt" if not symbols
                             else f"the expression has several variables ({names}): choose "
                                  "one with --wrt")
    var = _as_vars(explicit, [full])[0]
    solver = Solver([f, full, *inter.expanded.values(), *(e for _, e in inter.definitions), var])
    steps = [_define(full, f, inter, var),
             *_total_steps(f, full, var, inter, solver, opts, always_simplify=True)]
    result = steps[-1].result
    verification = None
    if opts.verify:                      # as derive: against the fully substituted function
        from .verify import check_derivative
        verification = check_derivative(full, result, var, points=opts.points, rtol=opts.rtol,
                                        atol=opts.atol, seed=opts.seed)
    return Derivation(kind="derivative", input=text, expr=full, wrt=(var,), steps=tuple(steps),
                      results={var.name: result}, verification=verification, options=opts)


# ----------------------------------------------------------------------------- gradient

def gradient(expr: str | sp.Basic, wrt: Variables = None, *, options: Options | None = None,
             where: Where | None = None, shapes: Any = None, dims: Any = None,
             **overrides: Any) -> Derivation:
    """grad f = [df/dx_1, ..., df/dx_n], each partial step by step, verified numerically.

    ``wrt``: ``"x,y"`` or a list; left out, every free variable, sorted by name. ``where``
    names intermediate variables (see ``derive``). ``results`` has one entry per variable;
    ``result`` is the assembled 1 x n gradient.
    """
    opts = _options(options, overrides)
    if shapes:
        from .api import matrix_call
        return matrix_call("gradient", expr, wrt, shapes, dims, where, opts)
    f, text = _as_expr(expr, opts)
    explicit = _explicit_vars(wrt, opts)
    inter = (order_intermediates(_as_where(where, opts), [f], explicit or ())
             if where is not None else None)
    full = inter.expand(f) if inter is not None else f
    variables = _as_vars(explicit, [full])
    solver = Solver([f, full, *variables,
                     *((e for _, e in inter.definitions) if inter is not None else ())])
    steps: list[Step] = [_define(full, f, inter, None)] if inter is not None else []
    partials: list[sp.Basic] = []
    for var in variables:
        if inter is not None:
            block = _total_steps(f, full, var, inter, solver, opts, always_simplify=False)
        else:
            root = _partial(f, var, _others(free_symbols(f), var), solver)
            block = _finish_entry(root, var, opts, always=False)
        steps += block
        partials.append(block[-1].result)
    steps.append(assemble_gradient(full, variables, partials))
    entries = [(f"d/d{v}", full, p, v) for v, p in zip(variables, partials)]
    return Derivation(kind="gradient", input=text, expr=full, wrt=variables, steps=tuple(steps),
                      results={v.name: p for v, p in zip(variables, partials)},
                      verification=_verify(entries, _all_symbols([full], variables), opts),
                      options=opts)


# ----------------------------------------------------------------------------- jacobian

def jacobian(exprs: Exprs, wrt: Variables = None, *, layout: str | None = None,
             options: Options | None = None, where: Where | None = None,
             shapes: Any = None, dims: Any = None, **overrides: Any) -> Derivation:
    """The Jacobian of [f_1, ..., f_m] with respect to x_1, ..., x_n, entry by entry.

    Numerator layout by default, J[i, j] = df_i/dx_j; ``layout="denominator"`` adds the
    named step ``transpose_layout`` and returns J^T. ``exprs``: ``"[f1, f2]"`` or a list.
    ``wrt``: ``"x,y"`` or a list; left out, every free variable sorted by name. ``where``
    names intermediates; the derivation then uses the vector chain rule
    df/dx = (df/dg)(dg/dx). ``results`` has the single key ``"jacobian"``.
    """
    opts = _layout(layout, _options(options, overrides))
    if shapes:
        from .api import matrix_call
        return matrix_call("jacobian", exprs, wrt, shapes, dims, where, opts, opts.layout)
    fs, text = _as_exprs(exprs, opts)
    explicit = _explicit_vars(wrt, opts)
    inter = (order_intermediates(_as_where(where, opts), fs, explicit or ())
             if where is not None else None)
    full = [inter.expand(f) for f in fs] if inter is not None else list(fs)
    variables = _as_vars(explicit, full)
    taken = {s.name for s in free_symbols(sp.Tuple(*fs, *full))}
    if inter is not None:
        taken |= {g.name for g in inter.names}
    names = row_names(len(fs), taken)
    roots = [*fs, *full, *variables, *((e for _, e in inter.definitions) if inter else ())]
    solver = Solver(roots)
    symbols = free_symbols(sp.Tuple(*full))
    steps: list[Step] = []
    if inter is None:
        rows = []
        for f in fs:
            row = []
            for var in variables:
                root = _partial(f, var, _others(symbols | set(variables), var), solver)
                block = _finish_entry(root, var, opts, always=False)
                steps += block
                row.append(block[-1].result)
            rows.append(row)
        steps.append(assemble_jacobian(fs, names, variables, rows))
    else:
        partial = lambda f, v: _partial(f, v, _others(free_symbols(f), v), solver)  # noqa: E731
        steps.append(_define(sp.ImmutableMatrix(full), sp.ImmutableMatrix(fs), inter, None))
        chain = vector_chain_rule(fs, names, inter, variables, partial)
        back = _substitute(chain.result, inter, None, variables)
        steps += [chain, back]
        if opts.simplify:
            steps.append(simplify_matrix(back.result, opts.simplify_timeout,
                                         opts.simplify_max_size))
    matrix = steps[-1].result
    if opts.layout == "denominator":
        steps.append(transpose_layout(matrix))
    entries = []
    if opts.verify:
        from .verify.check import jacobian_texts   # the JSON's text of the matrix, indexed
        shown, flip = steps[-1].result, opts.layout == "denominator"
        entries = [(f"d{names[i]}/d{v}", full[i], matrix[i, j], v,
                    jacobian_texts(shown, j, i) if flip else jacobian_texts(shown, i, j))
                   for i in range(len(fs)) for j, v in enumerate(variables)]
    return Derivation(kind="jacobian", input=text, expr=sp.ImmutableMatrix(full), wrt=variables,
                      steps=tuple(steps), results={"jacobian": steps[-1].result},
                      verification=_verify(entries, _all_symbols(full, variables), opts),
                      options=opts, layout=opts.layout)
