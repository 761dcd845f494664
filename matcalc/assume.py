"""Declared facts about the inputs (``--assume``): what a derivation may use, and what the
verifier's samples must satisfy.

The forms (spaces free; NAME is a declared variable):

==========================  =====================================================
``symmetric(S)``            S = S^T (a square matrix)
``spd(S)``                  S symmetric positive definite: S = S^T, det S > 0
``sum(y) = 1``              the entries of y sum to 1 (a probability or one-hot vector)
``sum(Y, axis=0) = 1``      every column of Y sums to 1 (one example per column)
``x > 0``                   a positive scalar
==========================  =====================================================

The text is matched by a small grammar here (never ``eval``); a step that uses an
assumption names it (``S = S^T, so ...``), and without the assumption the general form
stays: nothing is assumed silently.
"""
from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator

from .errors import ParseError

KINDS = ("symmetric", "spd", "sums_to_one", "positive")

_NAME = r"([A-Za-z][A-Za-z0-9_]*)"
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("symmetric", re.compile(rf"symmetric\({_NAME}\)")),
    ("spd", re.compile(rf"spd\({_NAME}\)")),
    ("sums_to_one", re.compile(rf"sum\({_NAME}(?:,axis=(0))?\)=1")),
    ("positive", re.compile(rf"{_NAME}>0")),
)


@dataclass(frozen=True)
class Assumption:
    """One declared fact: ``kind`` (one of KINDS) about the variable ``name``; ``axis`` 0
    for column sums of a matrix (sum(Y, axis=0) = 1)."""

    kind: str
    name: str
    axis: int | None = None

    @property
    def text(self) -> str:
        """The fact as a lecturer writes it in a step."""
        n = self.name
        return {"symmetric": f"{n} = {n}^T",
                "spd": f"{n} is symmetric positive definite ({n} = {n}^T)",
                "sums_to_one": (f"every column of {n} sums to 1" if self.axis == 0
                                else f"sum({n}) = 1"),
                "positive": f"{n} > 0"}[self.kind]

    @property
    def symmetric(self) -> bool:
        return self.kind in ("symmetric", "spd")

    def source(self) -> str:
        """The fact in the ``--assume`` syntax (parses back to itself)."""
        n = self.name
        return {"symmetric": f"symmetric({n})", "spd": f"spd({n})",
                "sums_to_one": (f"sum({n}, axis=0) = 1" if self.axis == 0 else f"sum({n}) = 1"),
                "positive": f"{n} > 0"}[self.kind]


def parse_assumption(text: str) -> Assumption:
    """One ``--assume`` text as an Assumption; a ParseError (exit 2, caret) otherwise."""
    if not isinstance(text, str):
        raise ParseError("an assumption must be text such as 'symmetric(S)'")
    compact = "".join(text.split())
    for kind, pattern in _FORMS:
        m = pattern.fullmatch(compact)
        if m:
            axis = 0 if kind == "sums_to_one" and m.group(2) else None
            return Assumption(kind, m.group(1), axis)
    column = len(text) - len(text.lstrip())
    raise ParseError("unknown assumption: expected symmetric(S), spd(S), sum(y) = 1, "
                     "sum(Y, axis=0) = 1 or x > 0", text, column if text.strip() else None)


def parse_assumptions(texts: Iterable[str] | str | None) -> tuple[Assumption, ...]:
    """Every ``--assume`` text (one string, or several), in order, duplicates dropped."""
    if texts is None:
        return ()
    if isinstance(texts, str):
        texts = [texts]
    out: list[Assumption] = []
    for t in texts:
        a = parse_assumption(t)
        if a not in out:
            out.append(a)
    return tuple(out)


def check_names(assumptions: Iterable[Assumption], shapes: dict[str, tuple] | None,
                scalars: Iterable[str] = ()) -> None:
    """Each assumption names a variable of the right kind: a square matrix for symmetric and
    spd, a vector (or, with axis=0, a matrix) for the sums, a scalar for x > 0."""
    from .errors import InputError
    shapes = shapes or {}
    known = set(scalars)
    for a in assumptions:
        s = shapes.get(a.name)
        if s is None and a.name not in known:
            raise InputError(f"--assume {a.source()}: '{a.name}' is not a variable of the "
                             "input")
        if a.symmetric and (s is None or str(s[0]) != str(s[1])):
            raise InputError(f"--assume {a.source()}: '{a.name}' must be a square matrix")
        if a.kind == "sums_to_one" and s is None:
            raise InputError(f"--assume {a.source()}: '{a.name}' must be a vector or matrix")
        if a.kind == "sums_to_one" and a.axis is None and str(s[1]) != "1":
            raise InputError(f"--assume {a.source()}: '{a.name}' is a matrix: write "
                             f"sum({a.name}, axis=0) = 1 for columns that sum to 1")
        if a.kind == "positive" and s is not None:
            raise InputError(f"--assume {a.source()}: '{a.name}' must be a scalar")


#: The facts in force for the derivation being run (pipeline.run sets them for its stages:
#: the simplify steps use them, the verifier's draws respect them).
_IN_FORCE: contextvars.ContextVar[tuple[Assumption, ...]] = \
    contextvars.ContextVar("matcalc_assumptions", default=())


def in_force() -> tuple[Assumption, ...]:
    """The assumptions of the derivation being run (none outside pipeline.run)."""
    return _IN_FORCE.get()


@contextmanager
def assuming(assumptions: tuple[Assumption, ...]) -> Iterator[None]:
    """Every stage inside the block may use ``assumptions`` (and only those)."""
    token = _IN_FORCE.set(tuple(assumptions))
    try:
        yield
    finally:
        _IN_FORCE.reset(token)


def about(name: str, *kinds: str) -> Assumption | None:
    """The assumption in force of one of ``kinds`` about ``name``, or None."""
    return next((a for a in in_force() if a.name == name and a.kind in kinds), None)
