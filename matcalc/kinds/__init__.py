"""The kinds of derivation, one registry row each: what the API, lecture notes and the
gallery can ask for.

A kind is a name (``derive``, ``grad``, ``jacobian`` ...), the API function that computes
it (a ``module:function`` path, imported on first use), its plug-in (a
:class:`matcalc.pipeline.Plugin`: read, build, simplify, check; a ``module:NAME`` path),
the key holding its input and the options it accepts, with their types. The notes loader
validates entries against this table and the gallery runs its examples through it, so a
new kind is one module in this package plus one more row::

    Kind("hessian", "matcalc.api:hessian", "expr",
         {"wrt": _VARS, "where": (str, dict), **_SHAPES},
         summary="the Hessian: every second partial derivative (vectors and matrices: by "
                 "the second differential)", plugin="matcalc.kinds.hessian:PLUGIN"),
    Kind("graph", "matcalc.api:graph", "expr", {"at": (str, dict)}, packages=("tikz",),
         plugin="matcalc.kinds.graph:PLUGIN"),

``shapes`` is the plug-in that ``derive``, ``grad`` and ``jacobian`` use when shapes are
declared (matrix calculus); it has no row of its own.

Options every kind accepts (they set :class:`matcalc.options.Options` fields) are in
``COMMON_OPTIONS``; ``Kind.common`` names the ones its command offers (``matcalc KIND
--help``; the web page and ``/api/<kind>`` take exactly those). ``FIELDS`` holds the values
an option may take (choices, ranges, defaults): the CLI's click types and the web's checks
are made from it, so both refuse the same values with the same message.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import InputError

#: Value types of an option: a type or a tuple of types (TOML gives str, int, float, bool,
#: list, dict).
Types = type | tuple[type, ...]


#: Request fields every kind may take (the CLI's long option names), each setting an
#: Options field: verify, simplify and steps are --verify/--no-verify ..., assume is
#: repeatable, timeout the simplify seconds.
ALL_COMMON = ("verify", "simplify", "steps", "points", "seed", "timeout", "assume", "from",
              "detail")


@dataclass(frozen=True)
class Kind:
    """One kind of derivation: ``call(subject, **options) -> Derivation``."""

    name: str
    target: str                              # "module:function", imported on first use
    subject: str                             # the key holding the input ("expr", "program")
    options: Mapping[str, Types] = field(default_factory=dict)  # keyword options and types
    subject_types: Types = str               # jacobian also takes a list of expressions
    packages: tuple[str, ...] = ()           # LaTeX packages its rendering needs
    summary: str = ""
    plugin: str = ""                         # "module:NAME" of its pipeline Plugin
    common: tuple[str, ...] = ALL_COMMON     # the common fields its command offers
    subject_optional: bool = False           # check: a derivation file carries the expr

    @property
    def function(self) -> Callable[..., Any]:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def call(self, subject: Any, own: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """Run the derivation: ``own`` are this kind's own options (``wrt`` ...), ``kw``
        API keywords such as ``options=Options(...)``. A common option in ``own`` (a gallery
        example's ``detail="full"``) sets its Options field over ``options``."""
        own = dict(own or {})
        unknown = sorted(set(own) - set(self.options) - set(COMMON_OPTIONS))
        if unknown:
            raise InputError(f"{self.name}: unknown option '{unknown[0]}'")
        common = {COMMON_OPTIONS[k][0]: own.pop(k) for k in list(own)
                  if k in COMMON_OPTIONS and k not in self.options}
        return self.function(subject, **own, **common, **kw)


#: Options every kind accepts: notes key -> (Options field, value types).
COMMON_OPTIONS: dict[str, tuple[str, Types]] = {
    "verify": ("verify", bool),
    "simplify": ("simplify", bool),
    "points": ("points", int),
    "seed": ("seed", int),
    "timeout": ("simplify_timeout", (int, float)),
    "assume": ("assume", (list, str)),          # ["spd(S)", "sum(y) = 1"] (matcalc/assume.py)
    "from": ("from_", str),                     # "latex", "plain" or "auto" (as --from)
    "detail": ("detail", str),                  # "normal" or "full" (Options.detail)
}

@dataclass(frozen=True)
class Field:
    """The values one option may take, as ``matcalc KIND --help`` shows them: ``choices``,
    or a number in [low, high] (``integer``: whole numbers); its default and CLI flag."""

    flag: str
    default: Any = None
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def check(self, value: Any) -> Any:
        """``value`` if it is allowed, else an InputError worded as click words it for the
        CLI flag (``Invalid value for '--from': 'foo' is not one of 'auto', 'plain',
        'latex'.``)."""
        import math
        bad = f"Invalid value for '{self.flag}': "
        if self.choices:
            if value not in self.choices:
                shown = ", ".join(repr(c) for c in self.choices)
                raise InputError(f"{bad}{value!r} is not one of {shown}.")
            return value
        if self.low is not None and self.high is not None:
            if not self.integer and not math.isfinite(value):
                raise InputError(f"{bad}{str(value)!r} is not a finite number.")
            number = int(value) if self.integer else float(value)
            if not self.low <= number <= self.high:
                raise InputError(f"{bad}{number} is not in the range "
                                 f"{self.low}<=x<={self.high}.")
            return number
        return value


#: option (CLI long name, request field) -> its values; the CLI's click types use these.
FIELDS: dict[str, Field] = {
    "from": Field("--from", "auto", choices=("auto", "plain", "latex")),
    "detail": Field("--detail", "normal", choices=("normal", "full")),
    "layout": Field("--layout", "numerator", choices=("numerator", "denominator")),
    "form": Field("--form", "kron", choices=("kron", "vjp")),
    "order": Field("--order", None, low=0, high=12, integer=True),
    "points": Field("--points", 20, low=1, high=500, integer=True),
    "seed": Field("--seed", 0, low=0, high=2 ** 32 - 1, integer=True),
    "timeout": Field("--timeout", 10.0, low=0.1, high=600),
}

_VARS = (str, list)

#: Declared shapes of vectors and matrices, as ``--shape``/``--dim`` take them:
#: ``shapes = ["x:n", "W:m,n"]`` (or a table ``{ x = "n", W = "m,n" }``), ``dims = { n = 3 }``.
_SHAPES = {"shapes": (list, dict), "dims": (list, dict)}

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("derive", "matcalc.api:derive", "expr",
         {"wrt": str, "where": (str, dict), "order": int, **_SHAPES},
         summary="d expr / d wrt, step by step", plugin="matcalc.kinds.derivative:PLUGIN"),
    Kind("grad", "matcalc.api:gradient", "expr",
         {"wrt": _VARS, "where": (str, dict), **_SHAPES},
         summary="the gradient: every partial derivative", plugin="matcalc.kinds.multi:GRADIENT"),
    Kind("jacobian", "matcalc.api:jacobian", "expr",
         {"wrt": _VARS, "where": (str, dict), "layout": str, "form": str, **_SHAPES},
         subject_types=(str, list), summary="the Jacobian of [f1, f2, ...], entry by entry",
         plugin="matcalc.kinds.multi:JACOBIAN"),
    Kind("hessian", "matcalc.api:hessian", "expr",
         {"wrt": _VARS, "where": (str, dict), **_SHAPES},
         summary="the Hessian: every second partial derivative (vectors and matrices: by "
                 "the second differential)", plugin="matcalc.kinds.hessian:PLUGIN"),
    Kind("graph", "matcalc.api:graph", "expr",
         {"at": (str, dict), "where": (str, dict), "name": str}, packages=("graphicx", "tikz", "pdflscape"),
         summary="a computation graph: forward values, backward pass, paths",
         plugin="matcalc.kinds.graph:PLUGIN",
         common=tuple(c for c in ALL_COMMON if c != "detail")),
    Kind("backprop", "matcalc.api:backprop", "program", {"wrt": _VARS},
         summary="the backward-pass equations of a forward program",
         plugin="matcalc.kinds.backprop:PLUGIN",
         common=("verify", "steps", "points", "seed", "assume")),
    Kind("check", "matcalc.api:check", "expr",
         {"answer": str, "derivation": str, "program": str, "wrt": str,
          "shapes": (list, dict)},
         summary="check an answer or a hand derivation line by line, naming the mistake",
         plugin="matcalc.kinds.check:PLUGIN", common=("seed", "from", "detail", "timeout"),
         subject_optional=True),
)}

#: Plug-ins without a row of their own: name -> "module:NAME".
EXTRA_PLUGINS: dict[str, str] = {"shapes": "matcalc.kinds.shapes:PLUGIN"}


def plugin(name: str) -> Any:
    """The pipeline Plugin of a kind (or of ``shapes``), imported on first use."""
    target = EXTRA_PLUGINS.get(name) or get_kind(name).plugin
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def get_kind(name: str) -> Kind:
    """The kind called ``name``; an unknown name is an InputError listing the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise InputError(f"unknown kind '{name}' (known: {', '.join(KINDS)})") from None
