"""Kind ``derive``: d f / dx of a scalar expression, step by step.

read: the expression (text or SymPy), the variable (left out: the only one) and, with
``where``, the named intermediates. build: the engine's Step tree for d f/dx (the other
symbols held constant: a partial derivative); through intermediates, the total-derivative
chain rule dy/dx = dy/dx|direct + sum_i dy/dg_i dg_i/dx, then substitution back.
simplify: the named, time-boxed simplify step. check: central differences of f at random
points against the result (through intermediates: of the fully substituted f).

``order`` n (``--order N``, n >= 0): the n-th derivative, each order derived from the
previous one with the same engine, each intermediate order simplified (a simplify step
labelled d^k y/dx^k); order 0 is the function itself. The check is then central
differences of the order-(n-1) derivative (the kernel the last order was derived from)
against the n-th; ``attachments["order"]`` is n, read by the renderers' labels and JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..engine.dag import free_symbols
from ..engine.intermediates import Intermediates, order_intermediates
from ..engine.simplify import simplify_step
from ..engine.solver import Solver, partial_step
from ..rules import new_solver
from ..engine.step import Ratio, Step, by_name, hold_constant
from ..engine.total import TotalDerivatives, define_step, finish_entry, substitute_step
from ..errors import InputError
from ..options import Options
from ..pipeline import Built, Plugin, with_step
from .request import (Request, read_prefix, mark_absent, as_expr, as_typed, as_var, as_where, check_assumptions,
                      explicit_vars,
                      as_vars, others)


@dataclass(frozen=True)
class Problem:
    f: sp.Basic                      # the expression as given (in the intermediates)
    full: sp.Basic                   # ... with every intermediate substituted
    text: str
    var: sp.Symbol
    inter: Intermediates | None
    options: Options
    order: int = 1


#: The largest --order accepted (each order re-derives and simplifies the previous one).
MAX_ORDER = 12


def as_order(order: object) -> int:
    """The order of the derivative: an integer 0 <= n <= MAX_ORDER (checked)."""
    if order is None:
        return 1
    if isinstance(order, bool) or not isinstance(order, int):
        raise InputError(f"--order expects a whole number >= 0, got {order!r}")
    if not 0 <= order <= MAX_ORDER:
        raise InputError(f"--order {order}: orders from 0 to {MAX_ORDER} can be derived")
    return order


def read(request: Request) -> Problem:
    opts = request.options
    subject, wrt = read_prefix(request, several=False)   # d/dx x^2 names the variable
    f, text = as_expr(subject, opts)
    text = request.subject if isinstance(request.subject, str) else text
    where = request.get("where")
    order = as_order(request.get("order"))
    if where is None:
        check_assumptions(opts, [f])
        typed = _typed_variable(text, opts, f) if wrt is None and order != 0 else None
        var = (typed if typed is not None else as_var(wrt, f) if order != 0 or wrt is not None
               or len(free_symbols(f)) == 1 else _any_var(f))
        return Problem(f, f, text, var, None, opts, order)
    if order != 1:
        raise InputError("--order is not supported together with --where yet")
    explicit = explicit_vars(wrt, opts)
    if explicit is not None and len(explicit) != 1:
        raise InputError("derive takes one variable; use grad for several")
    inter = order_intermediates(as_where(where, opts), [f], explicit or ())
    full = inter.expand(f)
    if explicit is None:
        symbols = sorted(free_symbols(full), key=by_name)
        if len(symbols) != 1:
            names = ", ".join(s.name for s in symbols)
            raise InputError("the expression has no variable: name one with --wrt" if not symbols
                             else f"the expression has several variables ({names}): choose "
                                  "one with --wrt")
    check_assumptions(opts, [full])
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


def _typed_variable(text: object, opts: Options, f: sp.Basic) -> sp.Symbol | None:
    """The variable of an input that reads as a constant but was typed with one (x^0,
    x - x, x/x): the typed expression's only symbol; None when there is none (the usual
    "no variable" message follows); with several, one line asking for --wrt."""
    if free_symbols(f) or not isinstance(text, str):
        return None
    typed = as_typed(text, opts, f).get("typed")
    symbols = sorted(free_symbols(typed), key=by_name) if typed is not None else []
    if len(symbols) > 1:
        from ..syntax import to_syntax
        raise InputError(f"as typed the expression has the variables "
                         f"{', '.join(s.name for s in symbols)}, but it is the constant "
                         f"{to_syntax(f)} (a zero power, or terms that cancel): choose one "
                         "with --wrt (its derivative is 0)")
    return symbols[0] if symbols else None


def constant_as_typed(typed: sp.Basic, f: sp.Basic, var: sp.Symbol) -> Step:
    """The step typed = f for an input typed with ``var`` that is the constant f, with
    the condition it holds under: x^0 = 1 for x != 0, x/x = 1 for x != 0 (the bases of
    zero and negative powers are not 0), x - x = 0 always."""
    from ..engine.step import Words
    from ..syntax import to_syntax
    bases = sorted({p.base for p in typed.atoms(sp.Pow)
                    if p.base.free_symbols and (p.exp == 0 or p.exp.is_negative)}, key=str)
    zero = any(p.exp == 0 for p in typed.atoms(sp.Pow) if p.base.free_symbols)
    conditions = [sp.Ne(b, 0, evaluate=False) for b in bases]
    words = []
    for i, c in enumerate(conditions):
        words += ["for " if i == 0 else ", ", c]
    description = ((f"A zero power is 1: x^0 = 1 for x != 0 (0^0 is taken as 1 too), so as "
                    if zero else "As ") +
                   f"typed f is the constant {to_syntax(f)}; its derivative is 0.")
    return Step("constant_as_typed", "rewrite", typed, f, description, var,
                equation=(typed, f, *((Words(tuple(words)),) if words else ())))


def _any_var(f: sp.Basic) -> sp.Symbol:
    """Order 0 needs no variable: the first one by name (or x for a constant)."""
    symbols = sorted(free_symbols(f), key=by_name)
    if not symbols:
        from ..parse import make_symbol
        return make_symbol("x")
    return as_var(None, f) if len(symbols) == 1 else symbols[0]


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")


def _order_label(step: Step, var: sp.Symbol, k: int) -> Step:
    """A simplify step of order k, labelled d^k y/dx^k = (simplified) (order 1: as usual)."""
    if k == 1:
        return step
    return replace(step, equation=(Ratio(var, None, order=k), step.result),
                   description=f"The {_ordinal(k)} derivative, simplified: "
                               f"{step.description[0].lower()}{step.description[1:]}")


def build_orders(p: Problem) -> Built:
    """d^n f/dx^n: order k is derived from order k-1 (its simplified form) by the same
    rules; the last order's simplify step is the pipeline's (``simplify``)."""
    var, o = p.var, p.options
    if p.order == 0:
        step = Step("derivative_order_zero", "rewrite", p.f, p.f,
                    "The derivative of order 0 is the function itself.", var,
                    equation=(Ratio(var, None, order=0), p.f))
        return Built("derivative", p.text, p.f, (var,), (step,), {var.name: p.f}, p.f,
                     attachments={"order": 0, "previous": p.f})
    steps: list[Step] = []
    current = p.f
    previous = p.f
    for k in range(1, p.order + 1):
        solver = new_solver([current, var])
        root = partial_step(current, var, others(free_symbols(current), var), solver)
        if k > 1:
            root = replace(root, description=f"Order {k}: differentiate the order-{k - 1} "
                                             f"derivative. {root.description}")
        steps.append(root)
        previous, current = current, root.result
        if k < p.order and o.simplify:
            simp = simplify_step(current, var, o.simplify_timeout, o.simplify_max_size)
            steps.append(_order_label(simp, var, k))
            current = simp.result
    return Built("derivative", p.text, p.f, (var,), tuple(steps), {var.name: current}, current,
                 attachments={"order": p.order, "previous": previous})


def build(p: Problem) -> Built:
    var = p.var
    if p.order != 1:
        return build_orders(p)
    if p.inter is None:
        root = partial_step(p.f, var, others(free_symbols(p.f), var), new_solver([p.f, var]))
        steps = [mark_absent(root, var, [p.f])]
        typed = as_typed(p.text, p.options, p.f).get("typed")
        if typed is not None and not free_symbols(p.f) and var in free_symbols(typed):
            steps.insert(0, constant_as_typed(typed, p.f, var))
    else:
        inter = p.inter
        solver = new_solver([p.f, p.full, *inter.expanded.values(),
                         *(e for _, e in inter.definitions), var])
        steps = [define_step(p.full, p.f, inter, var),
                 *total_steps(p.f, p.full, var, inter, solver, p.options, always_simplify=True)]
    result = steps[-1].result
    typed = as_typed(p.text, p.options, p.f) if p.inter is None else {}
    return Built("derivative", p.text, p.full, (var,), tuple(steps), {var.name: result}, result,
                 attachments=typed)


def simplify(p: Problem, built: Built) -> Built:
    """The named simplify step after the derivation (through intermediates it is part of
    the build, after the substitution back)."""
    if p.inter is not None:
        return built
    if p.order == 0:
        return built
    o = p.options
    step = simplify_step(built.result, p.var, o.simplify_timeout, o.simplify_max_size)
    if p.order != 1:
        step = _order_label(step, p.var, p.order)
    return with_step(built, step, p.var.name)


def check(p: Problem, built: Built):
    from ..verify import check_derivative
    o = p.options
    if p.order == 0:
        return None                 # the function itself: nothing was differentiated
    kernel = built.attachments.get("previous", p.full) if p.order != 1 else p.full

    def run(f: sp.Basic, df: sp.Basic):
        return check_derivative(f, df, p.var, points=o.points, rtol=o.rtol, atol=o.atol,
                                seed=o.seed)

    from ..verify.abstract import check_with_functions, unknown_functions
    if unknown_functions([kernel, built.result]):    # f(x): random smooth functions
        return check_with_functions(run, kernel, built.result, o.seed)
    return run(kernel, built.result)


PLUGIN = Plugin("derive", read, build, check, simplify)
