"""The one pass test of the verifier, for every kind.

Each comparison pairs a claimed value d (the derivative, a directional derivative <G, V>,
or one component of J v, as evaluated from the printed NumPy text) with a Richardson
central difference r whose own error is estimated as e. Only *resolved* differences are
compared (e <= 0.1 rtol |r|, see :mod:`matcalc.verify.sampling`), plus flat ones (r = 0
exactly). A comparison passes when

    |d - r| <= rtol * D,   D = max(|d|, |r|, (atol / rtol) * S)   (and D >= e / rtol
                                                                    where r = 0)

where S is the typical size of the derivative: the median of |r| over the comparisons
with r != 0 (1 if there are none). So rtol governs wherever the derivative is not ~0;
atol is relative to the derivative's own scale (a derivative of size 1e-12 everywhere is
not "equal to anything within 1e-8"), and e never widens the test (it is at most a tenth
of it). Reported: max |d - r| and max |d - r| / D, which is at most rtol whenever the
check passes: the error printed beside "Verified" is always within the tolerance printed.
A claimed value that is not finite fails.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .result import Verification


def _scale(claimed: np.ndarray, fd: np.ndarray, fd_error: np.ndarray, rtol: float,
           atol: float) -> np.ndarray:
    """D per comparison (see the module docstring)."""
    with np.errstate(all="ignore"):
        mag = np.maximum(np.abs(claimed), np.abs(fd))
        nonzero = np.abs(fd)[(fd != 0) & np.isfinite(fd)]
        typical = _median(nonzero) if nonzero.size else 1.0
        scale = np.maximum(mag, (atol / rtol) * typical)
        return np.where(fd == 0, np.maximum(scale, fd_error / rtol), scale)


def tolerance(claimed: np.ndarray, fd: np.ndarray, fd_error: np.ndarray, rtol: float,
              atol: float) -> np.ndarray:
    """The allowed |d - r| per comparison, rtol * D (see the module docstring)."""
    return rtol * _scale(claimed, fd, fd_error, rtol, atol)


def judge(claimed: np.ndarray, fd: np.ndarray, fd_error: np.ndarray, *, rtol: float,
          atol: float, method: str, points: int, rejected: int = 0,
          where: Callable[[int], str] = lambda i: f"comparison {i + 1}") -> Verification:
    """"passed" when every comparison passes, else "failed" naming the worst one
    (``where(i)`` says where comparison i was made, e.g. "at x=0.5")."""
    claimed, fd, fd_error = (np.asarray(a, dtype=float).ravel() for a in (claimed, fd, fd_error))
    with np.errstate(all="ignore"):
        diff = np.abs(claimed - fd)
        scale = _scale(claimed, fd, fd_error, rtol, atol)
        tol = rtol * scale
        rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    diff = np.where(np.isfinite(diff), diff, np.inf)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    common = dict(method=method, points=points,
                  max_abs_error=float(diff.max()) if diff.size else 0.0,
                  max_rel_error=float(rel.max()) if rel.size else 0.0,
                  tolerance=rtol, rejected=rejected)
    bad = np.flatnonzero(~(diff <= tol))
    if bad.size:
        i = int(bad[np.argmax(rel[bad])])
        return Verification(
            "failed", message=(f"{where(i)}: derivative {claimed[i]:.10g}, finite difference "
                               f"{fd[i]:.10g} (off by {diff[i]:.3g}; {bad.size} of "
                               f"{diff.size} comparisons fail)"), **common)
    return Verification("passed", **common)


def judge_relative(rel: np.ndarray, absolute: np.ndarray, claimed: np.ndarray,
                   fd: np.ndarray, *, rtol: float, method: str, points: int,
                   rejected: int = 0,
                   where: Callable[[int], str] = lambda i: f"comparison {i + 1}",
                   texts: tuple[list[str], list[str]] | None = None) -> Verification:
    """The pass test on relative errors computed elsewhere (in extended precision, where
    the values themselves may not fit a float): each comparison passes when
    |d - r| <= rtol max(|d|, |r|)."""
    rel = np.where(np.isfinite(rel), rel, np.inf)
    common = dict(method=method, points=points,
                  max_abs_error=float(np.max(absolute)) if absolute.size else 0.0,
                  max_rel_error=float(np.max(rel)) if rel.size else 0.0,
                  tolerance=rtol, rejected=rejected)
    bad = np.flatnonzero(~(rel <= rtol))
    if bad.size:
        i = int(bad[np.argmax(rel[bad])])
        d, r = (texts[0][i], texts[1][i]) if texts else (f"{claimed[i]:.10g}", f"{fd[i]:.10g}")
        return Verification(
            "failed", message=(f"{where(i)}: derivative {d}, finite difference "
                               f"{r} (relative error {rel[i]:.3g}; {bad.size} of "
                               f"{rel.size} comparisons fail)"), **common)
    return Verification("passed", **common)


def _median(a: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-D array, without its NaN check, which imports
    numpy.ma (10-20 ms of every run): the same value, NaN included."""
    s = np.sort(a)                      # NaN sorts last
    if np.isnan(s[-1]):
        return float("nan")
    lo, hi = (s.size - 1) // 2, s.size // 2
    return float(s[lo] if lo == hi else (s[lo] + s[hi]) / 2)
