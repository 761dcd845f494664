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


class FiniteFloat(click.ParamType):
    """A finite number in [min, max]: nan and inf are refused (click's FloatRange lets nan
    through, since every comparison with nan is false)."""

    name = "float"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float) and math.isfinite(value):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{number:g} is not in the range {self.low:g} to {self.high:g}",
                      param, ctx)
        return number

    def __repr__(self) -> str:
        return f"FiniteFloat({self.low:g}, {self.high:g})"

    def get_metavar(self, param: click.Parameter, *args: Any) -> str:
        return f"FLOAT {self.low:g}-{self.high:g}"


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
