r"""Notation choices lecturers differ on, for the LaTeX renderer.

A ``Notation`` is a small frozen record; ``render_latex(d, notation=...)`` (and the notes
assembler, per document or per derivation) pass one in. The defaults reproduce matcalc's
usual output, so nothing changes unless asked.

* ``partial``: write ``\partial`` even for a function of one variable (default: ``d``
  there, ``\partial`` when the function has several variables).
* ``bold_vectors``: vectors in bold (``\bm{f}`` for the functions f1 ... fm of a Jacobian,
  ``\bm{w}`` for w1, w2, w3 in a Jacobian's denominator, vector-shaped matrix symbols).
* ``sigmoid``: ``"sigma"`` prints ``\sigma(z)``, ``"operatorname"`` ``\operatorname{sigmoid}(z)``.
* ``detail``: ``"full"`` shows every rule; ``"brief"`` the key steps only (chain-rule
  definitions and products, product/total-derivative lines, assembled results), dropping
  table look-ups whose values already appear in their parent's line. This chooses among
  the steps that were built; which steps are built is ``Options.detail`` (``"normal"``:
  the chain rule of a linear inner function is one ``linear_chain`` step; ``"full"``: every
  sub-step), which every format follows.
* ``naming``: ``"user"`` keeps the names given to intermediate variables (``--where``);
  ``"u"`` writes every intermediate as u_1, u_2, ... in order of introduction.

The renderer reads the notation in force through ``current()``; ``using(notation)`` sets it
for the duration of one rendering (a context variable: thread- and task-safe, never global
mutable state).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any, Iterator, Literal, Mapping


@dataclass(frozen=True)
class Notation:
    """How a derivation is written in LaTeX (see the module docstring)."""

    partial: bool = False
    bold_vectors: bool = False
    sigmoid: Literal["sigma", "operatorname"] = "sigma"
    detail: Literal["full", "brief"] = "full"
    naming: Literal["user", "u"] = "user"

    def __post_init__(self) -> None:
        from ..errors import InputError
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed or (isinstance(allowed[0], bool) and not isinstance(value, bool)):
                shown = " or ".join(repr(a).lower() if isinstance(a, bool) else repr(a)
                                    for a in allowed)
                raise InputError(f"notation: {name} must be {shown}, got {value!r}")

    def updated(self, changes: Mapping[str, Any]) -> "Notation":
        """A copy with ``changes`` applied; an unknown field is an InputError."""
        from ..errors import InputError
        unknown = sorted(set(changes) - set(CHOICES))
        if unknown:
            raise InputError(f"notation: unknown setting '{unknown[0]}' (known: "
                             f"{', '.join(CHOICES)})")
        return replace(self, **dict(changes))


#: Allowed values of every field, in declaration order (the first is the default).
CHOICES: dict[str, tuple] = {
    "partial": (False, True),
    "bold_vectors": (False, True),
    "sigmoid": ("sigma", "operatorname"),
    "detail": ("full", "brief"),
    "naming": ("user", "u"),
}
assert list(CHOICES) == [f.name for f in fields(Notation)]

DEFAULT_NOTATION = Notation()

_CURRENT: ContextVar[Notation] = ContextVar("matcalc_notation", default=DEFAULT_NOTATION)
_RENAME: ContextVar[dict] = ContextVar("matcalc_rename", default={})
_MEMO: ContextVar["dict | None"] = ContextVar("matcalc_tex_memo", default=None)


def current() -> Notation:
    """The notation of the rendering in progress (the default outside one)."""
    return _CURRENT.get()


def renamed() -> dict:
    """Symbol names to print differently in the rendering in progress (``naming="u"``)."""
    return _RENAME.get()


def memo() -> "dict | None":
    """The printed-expression cache of the rendering in progress (None outside one): the
    same expression is printed many times (a step's result is the next step's input)."""
    return _MEMO.get()


@contextmanager
def using(notation: Notation | None, rename: Mapping[str, str] | None = None,
          cache: "dict | None" = None) -> Iterator[Notation]:
    """Render with ``notation`` (and symbol renames) until the block ends. ``cache``: a
    printed-expression cache to share between renderings with the same notation and no
    renames (a document of many derivations); by default a fresh one."""
    token = _CURRENT.set(notation or DEFAULT_NOTATION)
    token2 = _RENAME.set(dict(rename or {}))
    token3 = _MEMO.set(cache if cache is not None and not rename else {})
    try:
        yield _CURRENT.get()
    finally:
        _MEMO.reset(token3)
        _RENAME.reset(token2)
        _CURRENT.reset(token)
