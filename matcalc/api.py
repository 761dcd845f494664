"""The Python API: pure functions from text (or a SymPy expression) to a Derivation.

No I/O and no click here; the CLI is a thin layer over these functions.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from .derivation import Derivation
from .engine.dag import free_symbols
from .engine.simplify import simplify_step
from .engine.solver import derive_steps
from .errors import InputError
from .options import DEFAULT_OPTIONS, Options


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
        var = make_symbol(name)
    if symbols and var not in symbols:
        raise InputError(f"variable '{var}' does not occur in the expression (its variables: {names})")
    return var


def _options(options: Options | None, overrides: dict[str, Any]) -> Options:
    base = options or DEFAULT_OPTIONS
    try:
        return replace(base, **overrides) if overrides else base
    except TypeError as exc:
        raise InputError(f"unknown option: {exc}") from None


def derive(expr: str | sp.Basic, wrt: str | sp.Symbol | None = None, *,
           options: Options | None = None, **overrides: Any) -> Derivation:
    """d expr / d wrt, step by step, simplified (time-boxed) and verified numerically.

    ``expr`` is text in matcalc's input language or a SymPy expression; ``wrt`` may be left
    out when the expression has one variable. Keyword overrides set Options fields, e.g.
    ``derive("x^x", verify=False)``.
    """
    opts = _options(options, overrides)
    f, text = _as_expr(expr, opts)
    var = _as_var(wrt, f)
    others = tuple(sorted((s for s in free_symbols(f) if s != var), key=lambda s: s.name))
    root = derive_steps(f, var)
    if others:
        held = ", ".join(s.name for s in others)
        root = replace(root, held_constant=others,
                       description=f"{root.description} (partial derivative: {held} held constant)")
    steps = [root]
    if opts.simplify:
        steps.append(simplify_step(root.result, var, opts.simplify_timeout, opts.simplify_max_size))
    result = steps[-1].result
    verification = None
    if opts.verify:
        from .verify import check_derivative
        verification = check_derivative(f, result, var, points=opts.points, rtol=opts.rtol,
                                        atol=opts.atol, seed=opts.seed)
    return Derivation(kind="derivative", input=text, expr=f, wrt=(var,), steps=tuple(steps),
                      results={var.name: result}, verification=verification, options=opts)
