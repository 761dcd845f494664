"""Derivative prefixes: ``d/dx x^2``, ``∂/∂x (x y)``, ``\\frac{d}{dx} x^2``,
``\\frac{\\partial}{\\partial x} x y`` name the variable and leave the expression;
``∂/∂(x, y) f`` and ``\\frac{\\partial}{\\partial (x, y)} f`` name several (for grad,
jacobian and hessian: the variables in that order, as ``--wrt x,y``).

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
_ONE = _NAME[1:-1]                     # the same name, not captured
_LIST = r"\(\s*((?:" + _ONE + r")(?:\s*,\s*(?:" + _ONE + r"))*)\s*\)"
_VARS = r"(?:" + _LIST + "|" + _NAME + ")"
_PLAIN = re.compile(r"\s*(d|\u2202)\s*/\s*(?:d|\u2202)\s*" + _VARS + r"(?![A-Za-z0-9_])")
_LATEX = re.compile(r"\s*\\[dt]?frac\s*\{\s*(d|\\partial)\s*\}\s*\{\s*(?:d|\\partial)\s*"
                    + _VARS + r"\s*\}")


@dataclass(frozen=True)
class Prefix:
    """``var``: the variable the prefix names, or ``"x,y"`` for several (None: no
    prefix); ``body``: the text with the prefix blanked (same length, so columns stay); ``end``: where the body starts;
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
    names = m.group(2).split(",") if m.group(2) is not None else [m.group(3)]
    clean = []
    for name in (n.strip() for n in names):
        if name.startswith("\\"):
            name = name[1:]
        clean.append(re.sub(r"_\{?([A-Za-z0-9]+)\}?", r"_\1", name))
    body = " " * m.end() + text[m.end():]
    return Prefix(",".join(clean), body, m.end(), m.group(1) in ("\u2202", "\\partial"))


def prefixed(subject: object, wrt: object, several: bool) -> tuple[object, object]:
    """(subject, wrt) with a leading prefix read off the text: the body (prefix blanked)
    and the variables it names. A ``wrt`` given as well must name the same variables;
    ``several=False`` (derive) refuses a prefix naming more than one. Raises ValueError
    with the message to show (the kinds turn it into an InputError)."""
    if not isinstance(subject, str):
        return subject, wrt
    prefix = split_prefix(subject)
    if prefix.var is None:
        return subject, wrt
    named = prefix.var.split(",")
    if not several and len(named) > 1:
        raise ValueError(f"the expression says d/d({prefix.var.replace(',', ', ')}): derive "
                         "takes one variable; use grad or jacobian for several")
    if wrt is not None:
        given = [str(w).strip() for w in (wrt.split(",") if isinstance(wrt, str) else
                                           wrt if isinstance(wrt, (list, tuple)) else [wrt])]
        if given != named:
            raise ValueError(f"the expression says d/d{prefix.var} but --wrt is "
                             f"{','.join(given)}")
    return prefix.body, prefix.var
