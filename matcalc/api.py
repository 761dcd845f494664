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


#: Declared shapes: ["x:n", "W:m,n"] (as given to --shape) or {"x": ("n",), "W": ("m", "n")}.
Shapes = Union[Sequence[str], Mapping[str, Sequence[Union[int, str, sp.Expr]]]]
#: Concrete sizes for --dim: {"n": 3} or ["n=3"].
Dims = Union[Mapping[str, int], Sequence[str]]


def _as_dims(dims: Dims | None) -> dict[str, int] | None:
    """``["n=3"]`` or ``{"n": 3}`` -> {"n": 3}, checked (1 <= size <= 12)."""
    if not dims:
        return None
    pairs = dims.items() if isinstance(dims, Mapping) else [
        tuple(t.split("=", 1)) if "=" in t else (t, "") for t in dims]
    out: dict[str, int] = {}
    for name, value in pairs:
        name = str(name).strip()
        try:
            if not str(value).strip().isascii():      # int() would read Arabic-Indic digits
                raise ValueError(value)
            size = int(str(value).strip())
        except ValueError:
            raise InputError(f"bad --dim '{name}={value}': write NAME=SIZE, e.g. n=3") from None
        if not 1 <= size <= 12:
            raise InputError(f"--dim {name}={size}: sizes from 1 to 12 can be shown")
        out[name] = size
    return out


def matrix_call(kind: str, expr: Any, wrt: Any, shapes: Shapes, dims: Dims | None,
                where: Any, opts: Options, layout: str = "numerator") -> Derivation:
    """A derivation over declared shapes (the matrix-differential method)."""
    if where is not None:
        raise InputError("--where is not supported together with --shape yet")
    if not isinstance(expr, str):
        raise InputError("with declared shapes, the expression must be given as text")
    from .matrix.derive import matrix_derivation
    # a mapping {"W": ("m", "n")} goes through the same checked --shape reader
    shape_arg = list(shapes) if not isinstance(shapes, Mapping) else [
        f"{k}:{','.join(str(d) for d in (v if isinstance(v, (tuple, list)) else (v,)))}"
        for k, v in shapes.items()]
    dim_values = _as_dims(dims)
    if dim_values:
        from .matrix.parse import shape_table
        known = {str(d) for s in shape_table(shape_arg).values() for d in s}
        unknown = sorted(set(dim_values) - known)
        if unknown:
            raise InputError(f"--dim {unknown[0]}: no declared shape uses the dimension "
                             f"'{unknown[0]}'")
    return matrix_derivation(kind, expr, shape_arg, wrt, opts, layout, dim_values)


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
           shapes: Shapes | None = None, dims: Dims | None = None,
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
    if shapes:
        return matrix_call("derivative", expr, wrt, shapes, dims, where, opts)
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
