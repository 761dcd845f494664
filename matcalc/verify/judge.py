"""The one pass test of the verifier, for every kind.

Each comparison pairs a claimed value d (the derivative, a directional derivative <G, V>,
or one component of J v, as evaluated from the printed NumPy text) with a Richardson
central difference r whose own error is estimated as e (truncation + rounding). It passes
when

    |d - r| <= rtol * max(|d|, |r|) + atol * S + e

where S is the typical size of the derivative: the median of |r| over the comparisons
with r != 0 (1 if there are none). So rtol governs wherever the derivative is not ~0,
atol is relative to the function's own scale (a derivative of size 1e-12 everywhere is
not "equal to anything within 1e-8"), and e only admits what the finite difference cannot
resolve. A claimed value that is not finite fails. Reported: max |d - r| and
max |d - r| / max(|d|, |r|).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .result import Verification


def tolerance(claimed: np.ndarray, fd: np.ndarray, fd_error: np.ndarray, rtol: float,
              atol: float) -> np.ndarray:
    """The allowed |d - r| per comparison (see the module docstring)."""
    mag = np.maximum(np.abs(claimed), np.abs(fd))
    nonzero = np.abs(fd)[fd != 0]
    scale = _median(nonzero) if nonzero.size else 1.0
    return rtol * mag + atol * scale + fd_error


def judge(claimed: np.ndarray, fd: np.ndarray, fd_error: np.ndarray, *, rtol: float,
          atol: float, method: str, points: int, rejected: int = 0,
          where: Callable[[int], str] = lambda i: f"comparison {i + 1}") -> Verification:
    """"passed" when every comparison passes, else "failed" naming the worst one
    (``where(i)`` says where comparison i was made, e.g. "at x=0.5")."""
    claimed, fd, fd_error = (np.asarray(a, dtype=float).ravel() for a in (claimed, fd, fd_error))
    with np.errstate(all="ignore"):
        diff = np.abs(claimed - fd)
        mag = np.maximum(np.abs(claimed), np.abs(fd))
        tol = tolerance(claimed, fd, fd_error, rtol, atol)
        rel = np.divide(diff, mag, out=np.zeros_like(diff), where=mag > 0)
    diff = np.where(np.isfinite(diff), diff, np.inf)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    common = dict(method=method, points=points,
                  max_abs_error=float(diff.max()) if diff.size else 0.0,
                  max_rel_error=float(rel.max()) if rel.size else 0.0,
                  tolerance=rtol, rejected=rejected)
    bad = np.flatnonzero(~(diff <= tol))
    if bad.size:
        with np.errstate(all="ignore"):
            excess = np.where(np.isfinite(diff[bad]), (diff[bad] - tol[bad]) / tol[bad], np.inf)
        i = int(bad[np.argmax(excess)])
        return Verification(
            "failed", message=(f"{where(i)}: derivative {claimed[i]:.10g}, finite difference "
                               f"{fd[i]:.10g} (off by {diff[i]:.3g}; {bad.size} of "
                               f"{diff.size} comparisons fail)"), **common)
    return Verification("passed", **common)


def _median(a: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-D array, without its NaN check, which imports
    numpy.ma (10-20 ms of every run): the same value, NaN included."""
    s = np.sort(a)                      # NaN sorts last
    if np.isnan(s[-1]):
        return float("nan")
    lo, hi = (s.size - 1) // 2, s.size // 2
    return float(s[lo] if lo == hi else (s[lo] + s[hi]) / 2)
