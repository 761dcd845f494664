"""Click types for option values, each with a clear range (issue 16, docs/limits.md).

A bad value is a usage error: exit 2 with one line naming the option and the range.
"""
from __future__ import annotations

import math
from typing import Any

import click

from .errors import MatcalcError

#: --seed: NumPy's generators take any non-negative integer; this is a clear range.
MAX_SEED = 2 ** 32 - 1
SEED = click.IntRange(0, MAX_SEED)


class FiniteFloat(click.FloatRange):
    """A finite number in [low, high]: nan and inf are refused first (click's FloatRange
    alone lets nan through, since every comparison with nan is false)."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            number = float(value if isinstance(value, (int, float)) else str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


#: --timeout: seconds for the simplify step
TIMEOUT = FiniteFloat(0.1, 600)


class _Checked(click.ParamType):
    """A string checked by a function of matcalc.edge (its InputError is the message)."""

    def __init__(self, name: str, check: str) -> None:
        self.name = name
        self._check = check

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from . import edge
        try:
            return getattr(edge, self._check)(str(value))
        except MatcalcError as exc:
            self.fail(str(exc), param, ctx)


#: --name: the rules of variable names
NAME = _Checked("name", "check_name")
#: -o/--output: not empty, not a directory, in a folder that exists
OUTPUT = _Checked("file", "check_output_path")
