"""The Python API: pure functions from text (or a SymPy expression) to a Derivation.

No I/O and no click here; the CLI is a thin layer over these functions.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence, Union

import sympy as sp

from .derivation import Derivation
from .engine.dag import free_symbols
from .engine.simplify import simplify_step
from .engine.solver import Solver, derive_steps
from .engine.step import Step
from .errors import InputError
from .options import DEFAULT_OPTIONS, Options


#: Named intermediates: "g1 = x^2; g2 = 3x", a mapping name -> expression, or (name, expr) pairs.
Where = Union[str, Mapping[Union[str, sp.Symbol], Union[str, sp.Basic]],
              Sequence[tuple[Union[str, sp.Symbol], Union[str, sp.Basic]]]]


def _as_expr(expr: str | sp.Basic, options: Options) -> tuple[sp.Basic, str]:
    """Parse text safely (never with eval/sympify), or accept a SymPy expression as is."""
    if isinstance(expr, str):
        from .parse import parse
        return parse(expr, options.limits), expr
    if isinstance(expr, sp.Basic):
        return expr, _describe(expr)
    raise InputError(f"expected an expression as text or a SymPy expression, got {type(expr).__name__}")


def _describe(expr: sp.Basic) -> str:
    from .engine.solver import short
    return short(expr, limit=200)


def _as_var(wrt: str | sp.Symbol | None, expr: sp.Basic) -> sp.Symbol:
    """The variable to differentiate by; left out, it must be the expression's only one."""
    symbols = sorted(free_symbols(expr), key=lambda s: s.name)
    names = ", ".join(s.name for s in symbols)
    if wrt is None:
        if len(symbols) == 1:
            return symbols[0]
        if not symbols:
            raise InputError("the expression has no variable: name one with --wrt")
        raise InputError(f"the expression has several variables ({names}): choose one with --wrt")
    if isinstance(wrt, sp.Symbol):
        var = wrt
    else:
        from .parse import make_symbol
        name = wrt.strip()
        if not name.isidentifier():
            raise InputError(f"--wrt expects a variable name, got {wrt!r}")
        # The expression's own symbol of that name (a SymPy-built input may carry assumptions).
        var = next((s for s in symbols if s.name == name), None) or make_symbol(name)
    if symbols and var not in symbols:
        raise InputError(f"variable '{var}' does not occur in the expression (its variables: {names})")
    return var


def _options(options: Options | None, overrides: dict[str, Any]) -> Options:
    base = options or DEFAULT_OPTIONS
    try:
        return replace(base, **overrides) if overrides else base
    except TypeError as exc:
        raise InputError(f"unknown option: {exc}") from None


def _others(symbols: Iterable[sp.Symbol], var: sp.Symbol) -> tuple[sp.Symbol, ...]:
    """The symbols other than ``var``, sorted by name: what a partial derivative holds constant."""
    return tuple(sorted((s for s in symbols if s != var), key=lambda s: s.name))


def _partial(f: sp.Basic, var: sp.Symbol, held: tuple[sp.Symbol, ...],
             solver: Solver | None = None) -> Step:
    """d f / d var by the engine; ``held`` (the symbols held constant) is named on the step."""
    root = derive_steps(f, var) if solver is None else derive_steps(f, var, solver)
    if held:
        names = ", ".join(s.name for s in held)
        first = root
        root = replace(root, held_constant=held,
                       description=f"{root.description} (partial derivative: {names} held constant)")
        if solver is not None and solver.memo.get((f, var)) is first:
            solver.memo[(f, var)] = root      # a later reuse points at the step shown
    return root


def derive(expr: str | sp.Basic, wrt: str | sp.Symbol | None = None, *,
           options: Options | None = None, where: Where | None = None,
           **overrides: Any) -> Derivation:
    """d expr / d wrt, step by step, simplified (time-boxed) and verified numerically.

    ``expr`` is text in matcalc's input language or a SymPy expression; ``wrt`` may be left
    out when the expression has one variable. Keyword overrides set Options fields, e.g.
    ``derive("x^x", verify=False)``. ``where`` names intermediate variables
    (``"g1 = x^2; g2 = 3x"``, or name -> expression pairs): the derivation then goes through
    them by the total-derivative chain rule, dy/dx = dy/dx|direct + sum_i dy/dg_i dg_i/dx,
    and substitutes back.
    """
    opts = _options(options, overrides)
    f, text = _as_expr(expr, opts)
    if where is not None:
        from .api_multi import derive_through
        return derive_through(f, text, wrt, where, opts)
    var = _as_var(wrt, f)
    steps = [_partial(f, var, _others(free_symbols(f), var))]
    if opts.simplify:
        steps.append(simplify_step(steps[0].result, var, opts.simplify_timeout,
                                   opts.simplify_max_size))
    result = steps[-1].result
    verification = None
    if opts.verify:
        from .verify import check_derivative
        verification = check_derivative(f, result, var, points=opts.points, rtol=opts.rtol,
                                        atol=opts.atol, seed=opts.seed)
    return Derivation(kind="derivative", input=text, expr=f, wrt=(var,), steps=tuple(steps),
                      results={var.name: result}, verification=verification, options=opts)
