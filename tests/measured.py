"""Comparing an output with its reviewed snapshot, but for the measured error figures.

A verification line reports what finite differences measured, e.g. ``max relative error
1.8e-10, max absolute error 1.0e-11``: rounding noise, whose last digits move with the
machine's BLAS kernels and libm (CI and a laptop differ) and with any change to the order
of floating-point operations. A snapshot (a golden file, a console example pasted in the
docs) must not break on that, and must still catch a real change: so outputs are compared
with every such figure masked, and the figures themselves must agree within
``FACTOR`` (or both be below ``FLOOR``, where an exact 0 and a 1e-11 are the same noise): an error figure that grows from 1e-10 to 1e-6
is a change in the derivative or the check, and fails.
"""
from __future__ import annotations

import re

#: a measured error figure: its label (text, LaTeX, Markdown or JSON) and its number
FIGURE = re.compile(r'((?:relative|absolute)\s+error\s+|"max_(?:rel|abs)_error":\s*)'
                    r'(\d+(?:\.\d+)?(?:e[+-]?\d+)?)')
FACTOR = 100.0
FLOOR = 1e-8      # far below every tolerance (1e-6): noise either way


def masked(text: str) -> tuple[str, list[float]]:
    """The text with every measured error figure replaced by ``<measured>``, and the
    figures in order."""
    figures: list[float] = []

    def keep(m: re.Match) -> str:
        figures.append(float(m.group(2)))
        return m.group(1) + "<measured>"
    return FIGURE.sub(keep, text), figures


def _agree(a: float, b: float) -> bool:
    if max(a, b) < FLOOR:
        return True
    lo, hi = sorted((a, b))
    return lo > 0 and hi / lo <= FACTOR


def difference(got: str, expected: str) -> str:
    """'' when ``got`` equals ``expected`` but for measured error figures that agree;
    else what differs (for the assertion message)."""
    g, gf = masked(got)
    e, ef = masked(expected)
    if g != e:
        return "the output differs (measured error figures aside)"
    bad = [(x, y) for x, y in zip(gf, ef) if not _agree(x, y)]
    if bad:
        return f"measured error figures moved by more than {FACTOR:g}x: " + ", ".join(
            f"{y:.2g} -> {x:.2g}" for x, y in bad)
    return ""
