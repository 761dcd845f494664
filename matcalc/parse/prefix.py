"""Derivative prefixes: ``d/dx x^2``, ``∂/∂x (x y)``, ``\\frac{d}{dx} x^2``,
``\\frac{\\partial}{\\partial x} x y`` name the variable and leave the expression.

:func:`split_prefix` is the one place that reads them (the ``derive`` kind uses it, and
so can any kind that takes an expression to differentiate). The prefix is blanked out of
the text rather than cut, so that an error in the expression still points at its column
in the text as typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: d/dx, ∂/∂x, d / d x (spaces allowed); the variable a name with optional _index.
_NAME = r"([A-Za-z](?:[A-Za-z0-9]*)(?:_\{?[A-Za-z0-9]+\}?)?|\\[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?)"
_PLAIN = re.compile(r"\s*(d|\u2202)\s*/\s*(?:d|\u2202)\s*" + _NAME + r"(?![A-Za-z0-9_])")
_LATEX = re.compile(r"\s*\\[dt]?frac\s*\{\s*(d|\\partial)\s*\}\s*\{\s*(?:d|\\partial)\s*"
                    + _NAME + r"\s*\}")


@dataclass(frozen=True)
class Prefix:
    """``var``: the variable the prefix names (None: no prefix); ``body``: the text with
    the prefix blanked (same length, so columns stay); ``end``: where the body starts;
    ``partial``: written with ∂."""

    var: str | None
    body: str
    end: int = 0
    partial: bool = False


def split_prefix(text: str) -> Prefix:
    """Read a leading derivative prefix, if any (see the module docstring)."""
    m = _LATEX.match(text) or _PLAIN.match(text)
    if m is None:
        return Prefix(None, text)
    name = m.group(2)
    if name.startswith("\\"):
        name = name[1:]
    name = re.sub(r"_\{?([A-Za-z0-9]+)\}?", r"_\1", name)
    body = " " * m.end() + text[m.end():]
    return Prefix(name, body, m.end(), m.group(1) in ("\u2202", "\\partial"))
