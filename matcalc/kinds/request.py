"""The one resolver of a derivation's inputs: expressions, variables, intermediates,
shapes, dimensions, layout and options, checked the same way for every kind.

A kind's ``read`` turns a :class:`Request` into its problem with these functions; no
kind parses its arguments in a way of its own. Nothing here differentiates.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence, Union

import sympy as sp

from ..engine.dag import free_symbols
from ..engine.step import by_name
from ..errors import InputError
from ..options import DEFAULT_OPTIONS, Options

#: Named intermediates: "g1 = x^2; g2 = 3x", a mapping name -> expression, or (name, expr) pairs.
Where = Union[str, Mapping[Union[str, sp.Symbol], Union[str, sp.Basic]],
              Sequence[tuple[Union[str, sp.Symbol], Union[str, sp.Basic]]]]
#: Declared shapes: ["x:n", "W:m,n"] (as given to --shape) or {"x": ("n",), "W": ("m", "n")}.
Shapes = Union[Sequence[str], Mapping[str, Sequence[Union[int, str, sp.Expr]]]]
#: Concrete sizes for --dim: {"n": 3} or ["n=3"].
Dims = Union[Mapping[str, int], Sequence[str]]
#: Several expressions: "[f1, f2]" or a list of texts / SymPy expressions.
Exprs = Union[str, Sequence[Union[str, sp.Basic]]]
#: Variables: "x,y", a list of names or symbols, or None (every free variable).
Variables = Union[str, Sequence[Union[str, sp.Symbol]], sp.Symbol, None]


@dataclass(frozen=True)
class Request:
    """What a user asked for, before any reading: the kind's name, its subject (an
    expression, a list of them, or a program) and its own arguments (``wrt``, ``where``,
    ``shapes``, ``dims``, ``at``, ``name`` ...), plus the frozen Options."""

    kind: str
    subject: Any
    args: Mapping[str, Any] = field(default_factory=dict)
    options: Options = DEFAULT_OPTIONS

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)


def read_prefix(request: "Request", several: bool) -> tuple[Any, Any]:
    """(subject, wrt) after a leading ``d/dx`` / ``\\frac{\\partial}{\\partial x}`` /
    ``d/d(x, y)`` prefix (parse/prefix.py): the prefix names the variable(s)."""
    from ..parse.prefix import prefixed
    try:
        return prefixed(request.subject, request.get("wrt"), several)
    except ValueError as exc:
        raise InputError(str(exc)) from None


# ----------------------------------------------------------------------------- options

def as_options(options: Options | None, overrides: Mapping[str, Any]) -> Options:
    """``options`` (or the defaults) with keyword overrides, e.g. ``verify=False``."""
    base = options or DEFAULT_OPTIONS
    try:
        return replace(base, **overrides) if overrides else base
    except TypeError as exc:
        raise InputError(f"unknown option: {exc}") from None


def with_layout(layout: str | None, opts: Options) -> Options:
    """``opts`` with the Jacobian layout set (checked)."""
    if layout is None:
        return opts
    if layout not in ("numerator", "denominator"):
        raise InputError(f"layout must be 'numerator' or 'denominator', got {layout!r}")
    return replace(opts, layout=layout)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- expressions

def describe(expr: sp.Basic) -> str:
    """How an expression given as a SymPy object is named in headings (short)."""
    from ..engine.solver import short
    return short(expr, limit=200)


def check_assumptions(options: Options, functions: Sequence[sp.Basic]) -> None:
    """Without declared shapes only ``x > 0`` applies, to a symbol of the input."""
    if not options.assumptions:
        return
    from ..assume import check_names
    check_names(options.assumptions, {},
                [s.name for s in free_symbols(sp.Tuple(*functions))])


def as_typed(text: Any, options: Options, parsed: sp.Basic) -> dict[str, sp.Basic]:
    """``{"typed": the expression as the user wrote it}`` (parsed structure, SymPy's
    evaluation off: exp(-x^2/2)/sqrt(2*pi), 1/x^2), for the task line; empty when the
    input was not text or reads the same either way."""
    if not isinstance(text, str):
        return {}
    from ..parse.point import parse_structure
    try:
        typed = parse_structure(text, options.limits)
        with sp.evaluate(False):     # 1/(1 + e^-x) is read as 1 * (1 + e^-x)^-1: drop the 1
            typed = typed.replace(
                lambda n: isinstance(n, sp.Mul) and sp.S.One in n.args,
                lambda n: sp.Mul(*[a for a in n.args if a != 1] or [sp.S.One]))
    except Exception:  # noqa: BLE001 - the task line then shows the parsed form
        return {}
    if typed == parsed or not isinstance(typed, sp.Expr) or typed.free_symbols != \
            parsed.free_symbols and parsed.free_symbols:      # x^0 reads as 1: kept as typed
        return {}
    return {"typed": typed}


def as_expr(expr: str | sp.Basic, options: Options) -> tuple[sp.Basic, str]:
    """Parse text safely (never with eval/sympify), or accept a SymPy expression as is."""
    if isinstance(expr, str):
        from ..parse import parse
        return parse(expr, options.limits), expr
    if isinstance(expr, sp.Basic):
        return expr, describe(expr)
    raise InputError(f"expected an expression as text or a SymPy expression, got {type(expr).__name__}")


def as_exprs(exprs: Exprs, opts: Options) -> tuple[list[sp.Basic], str]:
    """``"[f1, f2]"`` (or one plain expression), or a list of texts / SymPy expressions."""
    if isinstance(exprs, str):
        from ..parse import parse_list
        return parse_list(exprs, opts.limits), exprs
    if isinstance(exprs, sp.MatrixBase):
        exprs = list(exprs)
    if not isinstance(exprs, (list, tuple)) or not exprs:
        raise InputError("expected a list of expressions, e.g. \"[3x^2(2y+7), 4x + y^2]\"")
    parsed = [as_expr(e, opts) for e in exprs]
    return [f for f, _ in parsed], "[" + ", ".join(t for _, t in parsed) + "]"


# ----------------------------------------------------------------------------- variables

def as_symbol(name: str | sp.Symbol, what: str) -> sp.Symbol:
    """A variable name (checked) as a Symbol."""
    if isinstance(name, sp.Symbol):
        return name
    if not isinstance(name, str) or not name.strip().isidentifier():
        raise InputError(f"{what} expects a variable name, got {name!r}")
    from ..parse import make_symbol
    return make_symbol(name.strip())


def as_var(wrt: str | sp.Symbol | None, expr: sp.Basic) -> sp.Symbol:
    """The variable to differentiate by; left out, it must be the expression's only one."""
    symbols = sorted(free_symbols(expr), key=by_name)
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
        if not isinstance(wrt, str) or not wrt.strip().isidentifier():
            raise InputError(f"--wrt expects a variable name, got {wrt!r}")
        from ..parse import parse_symbol_list
        from ..options import Options
        (checked,) = parse_symbol_list(wrt.strip(), Options().limits)  # no sin, pi, __x
        name = checked.name
        # The expression's own symbol of that name (a SymPy-built input may carry assumptions).
        var = next((s for s in symbols if s.name == name), None) or checked
    # a variable that does not occur is allowed: its derivative is 0 (the step says why)
    return var


def explicit_vars(wrt: Variables, opts: Options) -> list[sp.Symbol] | None:
    """The variables as given (``"x,y"`` or a list), or None when left out."""
    if wrt is None:
        return None
    if isinstance(wrt, sp.Symbol):
        return [wrt]
    if isinstance(wrt, str):
        from ..parse import parse_symbol_list
        return parse_symbol_list(wrt, opts.limits)
    variables = [as_symbol(w, "--wrt") for w in wrt]
    if len(set(variables)) != len(variables):
        raise InputError("--wrt lists a variable twice")
    if not variables:
        raise InputError("--wrt: empty list of variables")
    return variables


def as_vars(explicit: list[sp.Symbol] | None, functions: Sequence[sp.Basic]) -> tuple[sp.Symbol, ...]:
    """The variables: as given, or every free symbol in natural order (x2 before x10,
    :func:`by_name`). A name given is the
    expression's own symbol of that name (a SymPy-built input may carry assumptions); a
    variable that does not occur is kept: its partial derivatives are 0."""
    symbols = sorted(free_symbols(sp.Tuple(*functions)), key=by_name)
    if explicit is None:
        if not symbols:
            raise InputError("the expression has no variable: name one with --wrt")
        return tuple(symbols)
    named = {s.name: s for s in symbols}
    return tuple(var if var in symbols else named.get(var.name, var) for var in explicit)


def absent_note(var: sp.Symbol, functions: Sequence[sp.Basic]) -> str:
    """'' when ``var`` occurs, else the sentence a step states about it."""
    symbols = sorted(free_symbols(sp.Tuple(*functions)), key=by_name)
    if var in symbols or not symbols:          # a constant: the constant rule says it all
        return ""
    names = ", ".join(s.name for s in symbols) or "none"
    return (f"Note: {var} does not occur in the expression (its variables: {names}), so "
            f"the derivative with respect to {var} is 0.")


def others(symbols: Iterable[sp.Symbol], var: sp.Symbol) -> tuple[sp.Symbol, ...]:
    """The symbols other than ``var``, sorted by name: what a partial derivative holds constant."""
    return tuple(sorted((s for s in symbols if s != var), key=by_name))


def all_symbols(functions: Sequence[sp.Basic], variables: Sequence[sp.Symbol]) -> list[sp.Symbol]:
    """Every symbol of the functions and the variables, sorted by name (what is sampled)."""
    return sorted(free_symbols(sp.Tuple(*functions)) | set(variables), key=by_name)


# ----------------------------------------------------------------------------- intermediates

def as_where(where: Where, opts: Options) -> list[tuple[sp.Symbol, sp.Basic]]:
    """``"g1 = x^2; g2 = 3x"``, a mapping, or (name, expression) pairs."""
    if isinstance(where, str):
        from ..parse import parse_assignments
        return parse_assignments(where, opts.limits)
    pairs = list(where.items()) if isinstance(where, Mapping) else list(where)
    out: list[tuple[sp.Symbol, sp.Basic]] = []
    for item in pairs:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InputError("where: expected name = expression pairs")
        name, value = item
        g = as_symbol(name, "where")
        if any(g == h for h, _ in out):
            raise InputError(f"where: '{g}' is assigned twice")
        out.append((g, as_expr(value, opts)[0]))
    if not out:
        raise InputError("where: no assignments")
    return out


# ----------------------------------------------------------------------------- shapes

def shape_args(shapes: Shapes) -> list[str]:
    """Declared shapes as ``--shape`` texts (a mapping goes through the same checked reader)."""
    if not isinstance(shapes, Mapping):
        return list(shapes)
    return [f"{k}:{','.join(str(d) for d in (v if isinstance(v, (tuple, list)) else (v,)))}"
            for k, v in shapes.items()]


def as_dims(dims: Dims | None) -> dict[str, int] | None:
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


def mark_absent(step: Any, var: sp.Symbol, functions: Sequence[sp.Basic]) -> Any:
    """``step`` (d f/d var) renamed ``absent_variable`` with the note when ``var`` does not
    occur in ``functions``; otherwise unchanged."""
    note = absent_note(var, functions)
    if not note:
        return step
    return replace(step, rule="absent_variable", description=f"{step.description} {note}")
