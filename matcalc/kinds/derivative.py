"""Kind ``derive``: d f / dx of a scalar expression, step by step.

read: the expression (text or SymPy), the variable (left out: the only one) and, with
``where``, the named intermediates. build: the engine's Step tree for d f/dx (the other
symbols held constant: a partial derivative); through intermediates, the total-derivative
chain rule dy/dx = dy/dx|direct + sum_i dy/dg_i dg_i/dx, then substitution back.
simplify: the named, time-boxed simplify step. check: central differences of f at random
points against the result (through intermediates: of the fully substituted f).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..engine.dag import free_symbols
from ..engine.intermediates import Intermediates, order_intermediates
from ..engine.simplify import simplify_step
from ..engine.solver import Solver, partial_step
from ..rules import new_solver
from ..engine.step import Step, hold_constant
from ..engine.total import TotalDerivatives, define_step, finish_entry, substitute_step
from ..errors import InputError
from ..options import Options
from ..pipeline import Built, Plugin, with_step
from .request import Request, as_expr, as_var, as_where, explicit_vars, as_vars, others


@dataclass(frozen=True)
class Problem:
    f: sp.Basic                      # the expression as given (in the intermediates)
    full: sp.Basic                   # ... with every intermediate substituted
    text: str
    var: sp.Symbol
    inter: Intermediates | None
    options: Options


def read(request: Request) -> Problem:
    opts = request.options
    f, text = as_expr(request.subject, opts)
    where = request.get("where")
    if where is None:
        return Problem(f, f, text, as_var(request.get("wrt"), f), None, opts)
    explicit = explicit_vars(request.get("wrt"), opts)
    if explicit is not None and len(explicit) != 1:
        raise InputError("derive takes one variable; use grad for several")
    inter = order_intermediates(as_where(where, opts), [f], explicit or ())
    full = inter.expand(f)
    if explicit is None:
        symbols = sorted(free_symbols(full), key=lambda s: s.name)
        if len(symbols) != 1:
            names = ", ".join(s.name for s in symbols)
            raise InputError("the expression has no variable: name one with --wrt" if not symbols
                             else f"the expression has several variables ({names}): choose "
                                  "one with --wrt")
    return Problem(f, full, text, as_vars(explicit, [full])[0], inter, opts)


def total_steps(expr: sp.Basic, full: sp.Basic, var: sp.Symbol, inter: Intermediates,
                solver: Solver, opts: Options, always_simplify: bool) -> list[Step]:
    """dy/dx through the intermediates: total derivative, substitute back, simplify."""
    partial = lambda f, v: partial_step(f, v, others(free_symbols(f), v), solver)  # noqa: E731
    root = TotalDerivatives(inter, partial, var).of(expr)
    held = others(free_symbols(full), var)
    if held:
        root = hold_constant(root, held)
    back = substitute_step(root.result, inter, var, (var,))
    return [root, *finish_entry(back, var, opts.simplify, opts.simplify_timeout,
                                opts.simplify_max_size, always_simplify)]


def build(p: Problem) -> Built:
    var = p.var
    if p.inter is None:
        steps = [partial_step(p.f, var, others(free_symbols(p.f), var), new_solver([p.f, var]))]
    else:
        inter = p.inter
        solver = new_solver([p.f, p.full, *inter.expanded.values(),
                         *(e for _, e in inter.definitions), var])
        steps = [define_step(p.full, p.f, inter, var),
                 *total_steps(p.f, p.full, var, inter, solver, p.options, always_simplify=True)]
    result = steps[-1].result
    return Built("derivative", p.text, p.full, (var,), tuple(steps), {var.name: result}, result)


def simplify(p: Problem, built: Built) -> Built:
    """The named simplify step after the derivation (through intermediates it is part of
    the build, after the substitution back)."""
    if p.inter is not None:
        return built
    o = p.options
    step = simplify_step(built.result, p.var, o.simplify_timeout, o.simplify_max_size)
    return with_step(built, step, p.var.name)


def check(p: Problem, built: Built):
    from ..verify import check_derivative
    o = p.options
    return check_derivative(p.full, built.result, p.var, points=o.points, rtol=o.rtol,
                            atol=o.atol, seed=o.seed)


PLUGIN = Plugin("derive", read, build, check, simplify)
