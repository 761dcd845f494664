"""Check a claimed derivative against finite differences of the function.

At each accepted point (see :mod:`matcalc.verify.sampling`) with claimed derivative d and
Richardson finite difference r, whose own error is estimated as e (truncation + rounding),
the point passes when

    |d - r| <= rtol * max(|d|, |r|) + atol * S + e

where S is the typical size of the derivative: the median of |r| over the points with
r != 0 (1 if there are none). So rtol governs wherever the derivative is not ~0, atol is
relative to the function's own scale (a derivative of size 1e-12 everywhere is not
"equal to anything within 1e-8"), and e only admits what the finite difference
cannot resolve (points where e exceeds 0.1 * rtol in relative terms are never used).
Reported: max |d - r| and max |d - r| / max(|d|, |r|).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from matcalc.engine.dag import as_basic, postorder
from matcalc.verify.kernel import UnsupportedNode, compile_kernel, kinks
from matcalc.verify.result import Verification
from matcalc.verify.sampling import Sample, find_points


def _symbols_of(exprs: Sequence[sp.Expr]) -> list[sp.Symbol]:
    """Free symbols of ``exprs`` (DAG walk), sorted by name for reproducibility."""
    found = {n for n in postorder(exprs) if isinstance(n, sp.Symbol)}
    return sorted(found, key=lambda s: s.name)


def _method(points: int) -> str:
    return f"central differences (Richardson), {points} random points"


def _fmt_point(symbols: Sequence[sp.Symbol], row: np.ndarray) -> str:
    return ", ".join(f"{s.name}={v:.6g}" for s, v in zip(symbols, row))


def check_derivative(f: sp.Expr, df: sp.Expr, wrt: sp.Symbol,
                     symbols: Sequence[sp.Symbol] | None = None, *, points: int = 20,
                     rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0) -> Verification:
    """Compare ``df`` with a central difference of ``f`` in ``wrt`` (other symbols fixed).

    Uses at least ``points`` accepted random points; "skipped" if they cannot be found in
    the sampling budget (empty or tiny domain) or a node cannot be evaluated numerically.
    """
    f, df = as_basic(f), as_basic(df)
    syms = list(symbols) if symbols is not None else _symbols_of([f, df])
    if wrt not in syms:
        syms.append(wrt)
    try:
        kernel = compile_kernel([f, df, *kinks(f), *kinks(df)], syms)
    except UnsupportedNode as exc:
        return Verification("skipped", _method(points), tolerance=rtol,
                            message=f"no numeric evaluation for {exc.name}")
    sample = find_points(kernel, syms, syms.index(wrt), points, seed, rtol)
    return _judge(sample, syms, wrt, points, rtol, atol)


def _median(a: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-D array, without its NaN check, which imports
    numpy.ma (10-20 ms of every run): the same value, NaN included."""
    s = np.sort(a)                      # NaN sorts last
    if np.isnan(s[-1]):
        return float("nan")
    lo, hi = (s.size - 1) // 2, s.size // 2
    return float(s[lo] if lo == hi else (s[lo] + s[hi]) / 2)


def _judge(s: Sample, syms: Sequence[sp.Symbol], wrt: sp.Symbol, points: int,
           rtol: float, atol: float) -> Verification:
    n = len(s.fd)
    if n < points:
        why = "; ".join(f"{c} {r}" for r, c in s.reasons.items()) or "none drawn"
        return Verification(
            "skipped", _method(n), points=n, tolerance=rtol, rejected=s.rejected,
            message=(f"only {n} of {points} usable points for d/d{wrt.name} in "
                     f"{s.drawn} random candidates (rejected: {why})"))
    diff = np.abs(s.df - s.fd)
    mag = np.maximum(np.abs(s.df), np.abs(s.fd))
    nonzero = np.abs(s.fd)[s.fd != 0]
    scale = _median(nonzero) if nonzero.size else 1.0
    tol = rtol * mag + atol * scale + s.fd_error
    rel = np.divide(diff, mag, out=np.zeros_like(diff), where=mag > 0)
    common = dict(method=_method(n), points=n, max_abs_error=float(diff.max()),
                  max_rel_error=float(rel.max()), tolerance=rtol, rejected=s.rejected)
    bad = np.flatnonzero(diff > tol)
    if bad.size:
        i = bad[np.argmax((diff - tol)[bad] / tol[bad])]
        return Verification(
            "failed", message=(f"at {_fmt_point(syms, s.points[i])}: derivative "
                               f"{s.df[i]:.10g}, finite difference {s.fd[i]:.10g} "
                               f"(off by {diff[i]:.3g}; {bad.size} of {n} points fail)"),
            **common)
    return Verification("passed", **common)


def check_entries(entries: Sequence[tuple[str, sp.Expr, sp.Expr, sp.Symbol]],
                  symbols: Sequence[sp.Symbol] | None = None, *, points: int = 20,
                  rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0,
                  unit: str = "entry") -> Verification:
    """Check several derivatives, ``(label, f, claimed df/dvar, var)`` each - the partials
    of a gradient, the entries of a Jacobian - at the same random points (one symbol list
    and one seed for all, so the same candidates are drawn); the result is the worst.

    "failed" if any fails (the message names its label), else "skipped" if any is skipped,
    else "passed" with the fewest points used and the largest errors over all entries.
    """
    syms = list(symbols) if symbols is not None else _symbols_of(
        [e for _, f, d, _ in entries for e in (f, d)])
    results = [(label, check_derivative(f, d, v, syms, points=points, rtol=rtol, atol=atol,
                                        seed=seed)) for label, f, d, v in entries]
    for status in ("failed", "skipped"):
        for label, r in results:
            if r.status == status:
                return Verification(status, r.method, r.points, r.max_abs_error,
                                    r.max_rel_error, rtol, r.rejected, f"{label}: {r.message}")
    rs = [r for _, r in results]
    n = min((r.points for r in rs), default=0)
    plural = {"entry": "entries", "variable": "variables"}.get(unit, unit + "s")
    return Verification("passed", f"central differences (Richardson) per {unit} "
                        f"({len(rs)} {plural if len(rs) != 1 else unit}), {n} random points",
                        points=n, max_abs_error=max((r.max_abs_error for r in rs), default=0.0),
                        max_rel_error=max((r.max_rel_error for r in rs), default=0.0),
                        tolerance=rtol, rejected=sum(r.rejected for r in rs))


def check_partials(f: sp.Expr, dfs: Mapping[sp.Symbol, sp.Expr],
                   symbols: Sequence[sp.Symbol] | None = None, *, points: int = 20,
                   rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0) -> Verification:
    """Check every partial derivative in ``dfs``; the result is the worst of them
    (see ``check_entries``; a failure's message starts with ``d/d<var>``)."""
    syms = list(symbols) if symbols is not None else _symbols_of([f, *dfs.values()])
    return check_entries([(f"d/d{v.name}", f, d, v) for v, d in dfs.items()], syms,
                         points=points, rtol=rtol, atol=atol, seed=seed, unit="variable")
