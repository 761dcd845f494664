"""The verifier's one hook for ``--assume``: samples that satisfy the declared facts.

Called where the verifier draws its inputs (``sampling.draw_candidates`` for scalars,
``matrix.draw`` for vectors and matrices), after the draw and before anything is
evaluated; without assumptions in force (:func:`matcalc.assume.in_force`) both are the
identity. The facts and the draws that satisfy them:

- ``x > 0``: |x| (a positive scalar);
- ``symmetric(S)``: (M + M^T)/2, symmetric by construction;
- ``spd(S)``: M M^T / n + I/2, every eigenvalue >= 1/2;
- ``sum(y) = 1``: |y| / sum |y| (entries positive, summing to 1);
- ``sum(Y, axis=0) = 1``: one-hot columns (labels, one example per column).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy as sp

from ..assume import in_force


def respect_points(symbols: Sequence[sp.Symbol], pts: np.ndarray) -> np.ndarray:
    """Scalar candidate points (one column per symbol) with every ``x > 0`` column made
    positive."""
    names = {a.name for a in in_force() if a.kind == "positive"}
    for j, s in enumerate(symbols):
        if s.name in names:
            pts[:, j] = np.abs(pts[:, j]) + 1e-3
    return pts


def respect(values: dict[str, Any], rng: np.random.Generator,
            stacked: bool = False) -> dict[str, Any]:
    """Drawn values (name -> number or array) changed in place to satisfy every assumption
    in force; returned for convenience. ``stacked``: every value is a stack of points (a
    leading axis: (B, r, c) matrices, (B,) scalars), each point made to satisfy them."""
    lead = 1 if stacked else 0
    for a in in_force():
        v = values.get(a.name)
        if v is None:
            continue
        if a.kind == "positive" and np.ndim(v) == lead:
            values[a.name] = np.abs(v) + 1e-3 if stacked else abs(float(v)) + 1e-3
        elif a.kind == "symmetric":
            values[a.name] = (v + np.swapaxes(v, -1, -2)) / 2
        elif a.kind == "spd":
            n = v.shape[-1]
            values[a.name] = v @ np.swapaxes(v, -1, -2) / n + np.eye(n) / 2
        elif a.kind == "sums_to_one" and a.axis == 0:
            k, m = v.shape[-2:]
            count = v.shape[0] if stacked else 1
            hot = np.zeros((count, k, m))
            hot[np.arange(count)[:, None], rng.integers(0, k, (count, m)),
                np.arange(m)[None, :]] = 1.0
            values[a.name] = hot if stacked else hot[0]
        elif a.kind == "sums_to_one":
            w = np.abs(v) + 0.05
            values[a.name] = w / w.sum(axis=(-2, -1), keepdims=True)
    return values
