"""Check a claimed derivative against finite differences of the function (scalar kinds).

The points and differences come from :mod:`matcalc.verify.sampling` (a pass needs
``points`` *resolved* points: the difference fixes f' to a tenth of the tolerance there),
the pass test is :func:`matcalc.verify.judge.judge`, shared with the matrix checks. When
float64 resolves too few points (f = sin(x) + 10^20, sin(10^16 + x), 1e-400 x, x^10000),
the check is made in extended precision (mpmath, :mod:`matcalc.verify.extended`) and the
method says so; when that does not resolve enough points either, the result is "Not
verified" ("skipped") with the reason, never "Verified".
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from matcalc.engine.dag import as_basic, postorder
from matcalc.verify.kernel import UnsupportedNode, compile_kernel, kinks
from matcalc.verify.judge import judge, judge_relative, tolerance
from matcalc.verify.printed import Printed, PrintedError, compile_numpy, eval_numpy, scalar_texts
from matcalc.verify.result import Verification
from matcalc.verify.sampling import REASONS, Sample, find_points, find_points_mp


def _symbols_of(exprs: Sequence[sp.Expr]) -> list[sp.Symbol]:
    """Free symbols of ``exprs`` (DAG walk), sorted by name for reproducibility."""
    found = {n for n in postorder(exprs) if isinstance(n, sp.Symbol)}
    return sorted(found, key=lambda s: s.name)


def _method(points: int, flat: int = 0) -> str:
    more = f" (and {flat} where f is flat)" if flat else ""
    return f"central differences (Richardson), {points} random points{more}"


def _of(k: int, n: int) -> str:
    """'the points' (k = n) or 'k of the n points'."""
    return "the points" if k == n else f"{k} of the {n} points"


def _fmt_point(symbols: Sequence[sp.Symbol], row: np.ndarray) -> str:
    return ", ".join(f"{s.name}={v:.6g}" for s, v in zip(symbols, row))


def check_derivative(f: sp.Expr, df: sp.Expr, wrt: sp.Symbol,
                     symbols: Sequence[sp.Symbol] | None = None, *, points: int = 20,
                     rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0,
                     printed: Printed | None = None) -> Verification:
    """Compare ``df`` with a central difference of ``f`` in ``wrt`` (other symbols fixed).

    What is compared is what the user receives (:mod:`matcalc.verify.printed`): the value
    of the printed NumPy text of ``df`` at the points, and the printed syntax must parse
    back to ``df``; ``printed`` defaults to the JSON's texts (``scalar_texts(df)``).
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
        return Verification.skipped(_method(points), f"no numeric evaluation for {exc.name}",
                                    rtol=rtol)
    constant = wrt not in _symbols_of([f])
    sample = find_points(kernel, syms, syms.index(wrt), points, seed, rtol, constant=constant)
    texts = printed if printed is not None else scalar_texts(df)
    if sample.resolved < points or REASONS[3] in sample.reasons:
        return _check_mp(f, df, wrt, syms, points, seed, rtol, atol, texts, sample, kernel)
    n = len(sample.fd)
    common = dict(rtol=rtol, atol=atol, method=_method(points, n - sample.resolved),
                  points=points, rejected=sample.rejected)
    try:
        claimed = _printed_values(texts.numpy, syms, sample)
    except PrintedError as exc:
        return Verification("failed", message=f"d/d{wrt.name}: {exc} (text: "
                            f"{_clip(texts.numpy)})", **_stats(common))
    bad = _round_trip(texts.syntax, df, syms, sample, rtol, atol, f)
    if bad:
        return Verification("failed", message=f"d/d{wrt.name}: {bad}", **_stats(common))
    return judge(claimed, sample.fd, sample.fd_error,
                 where=lambda i: f"at {_fmt_point(syms, sample.points[i])}", **common)


def _check_mp(f: sp.Basic, df: sp.Basic, wrt: sp.Symbol, syms: list[sp.Symbol], points: int,
              seed: int, rtol: float, atol: float, texts: Printed, sample: Sample,
              kernel: Any) -> Verification:
    """The check in extended precision, when float64 resolved fewer than ``points``
    points (see :mod:`matcalc.verify.extended`): the result evaluated in 60 digits
    against differences in 60 digits; the printed NumPy text, evaluated in float64 at
    the same points, must agree with it up to float64's own error there (that of the
    result's float64 kernel)."""
    from .extended import DPS, compile_mp
    method = (f"central differences (Richardson) in {DPS}-digit arithmetic (mpmath; "
              f"float64 resolved {sample.resolved} of {points} points)")
    try:
        mp_fn = compile_mp([f, df, *kinks(f), *kinks(df)], syms)
    except UnsupportedNode as exc:
        return _not_enough(wrt, sample, points, f"no extended-precision evaluation for "
                           f"{exc.name}", method, rtol)
    mp = find_points_mp(mp_fn, syms, syms.index(wrt), points, seed, rtol,
                        constant=wrt not in _symbols_of([f]), atol=atol)
    if len(mp.points) < points:
        why = "; ".join(f"{c} {r}" for r, c in mp.reasons.items()) or "none drawn"
        return _not_enough(wrt, sample, points, f"in {DPS}-digit arithmetic {len(mp.points)} "
                           f"of {mp.drawn} candidates were resolved (rejected: {why})",
                           method, rtol)
    method = f"{method}, {points} random points"
    if mp.constant_rows:
        method += (f"; f is locally constant at {_of(mp.constant_rows, points)} (the "
                   f"difference is exactly 0 while f's values change between points): "
                   f"0 checked exactly there")
    common = dict(method=method, points=points, tolerance=rtol, rejected=mp.rejected)
    where = lambda i: f"at {_fmt_point(syms, mp.points[i])}"  # noqa: E731
    verdict = judge_relative(mp.rel, mp.abs, mp.claimed, mp.fd, rtol=rtol, method=method,
                             points=points, rejected=mp.rejected, where=where,
                             texts=(mp.claimed_text, mp.fd_text))
    if verdict.status != "passed":
        return verdict
    cols = [mp.points[:, j] for j in range(len(syms))]
    f64 = kernel(*cols)[1]
    fake = Sample(mp.points, mp.fd, np.zeros_like(mp.fd), f64, 0, 0, {})
    try:
        shown = _printed_values(texts.numpy, syms, fake)
    except PrintedError as exc:
        return Verification("failed", message=f"d/d{wrt.name}: {exc} (text: "
                            f"{_clip(texts.numpy)})", **common)
    with np.errstate(all="ignore"):
        own = np.abs(f64 - mp.claimed)            # float64's error on the result itself
        ok = ~np.isfinite(f64) | (np.abs(shown - mp.claimed)
                                  <= rtol * np.abs(mp.claimed) + 4 * own + 1e-300)
    if not np.all(ok):
        i = int(np.flatnonzero(~ok)[0])
        return Verification("failed", message=(
            f"d/d{wrt.name}: the printed NumPy text gives {shown[i]:.10g} at "
            f"{_fmt_point(syms, mp.points[i])}, the result {mp.claimed[i]:.10g}"), **common)
    keep = np.isfinite(f64)
    if keep.any():
        sub = Sample(mp.points[keep], mp.fd[keep], np.zeros(int(keep.sum())), f64[keep], 0, 0,
                     {})
        bad = _round_trip(texts.syntax, df, syms, sub, rtol, atol, f)
        if bad:
            return Verification("failed", message=f"d/d{wrt.name}: {bad}", **common)
    return verdict


def _not_enough(wrt: sp.Symbol, sample: Sample, points: int, extra: str, method: str,
                rtol: float) -> Verification:
    """"Not verified": too few resolved points, in float64 and in extended precision."""
    why = "; ".join(f"{c} {r}" for r, c in sample.reasons.items()) or "none drawn"
    return Verification.skipped(
        method, f"not enough evidence for d/d{wrt.name}: only {sample.resolved} of {points} "
        f"points resolved in float64 among {sample.drawn} random candidates (rejected: "
        f"{why}); {extra}", points=sample.resolved, rtol=rtol, rejected=sample.rejected)


def _stats(common: dict) -> dict:
    """The fields of a Verification from ``judge``'s keyword arguments."""
    return dict(method=common["method"], points=common["points"], tolerance=common["rtol"],
                rejected=common["rejected"])


def _clip(text: str | None, width: int = 120) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 3] + "..."


def jacobian_texts(matrix: sp.MatrixBase, i: int, j: int, limit: int = 64) -> Printed:
    """The texts of entry J[i, j] of a Jacobian as the user receives it: its syntax, and the
    NumPy text of the whole matrix (``results["jacobian"].numpy``) indexed, ``(...)[i, j]``
    - so the assembly and the layout are checked too (for at most ``limit`` entries; a
    larger matrix's entries are checked one by one)."""
    from ..codegen.numpy import to_numpy
    texts = scalar_texts(matrix[i, j])
    if len(matrix) > limit:
        return texts
    try:
        whole = to_numpy(matrix)
    except (NotImplementedError, ValueError, TypeError):
        return texts
    return Printed(texts.syntax, f"({whole})[{i}, {j}]")


def _printed_values(text: str | None, syms: Sequence[sp.Symbol], s: Sample) -> np.ndarray:
    """The printed NumPy text evaluated at the accepted points (one array per symbol);
    the internal values when there is no NumPy text (the JSON then has ``numpy: null``)."""
    if text is None:
        return s.df
    code = compile_numpy(text)
    env = {sym.name: s.points[:, j] for j, sym in enumerate(syms)}
    value = eval_numpy(code, env)
    try:
        out = np.broadcast_to(np.asarray(value, dtype=float), s.df.shape)
    except (TypeError, ValueError) as exc:
        raise PrintedError(f"the printed NumPy text gives {type(value).__name__} of shape "
                           f"{np.shape(value)}, not one number per point ({exc})") from None
    return out


def _round_trip(syntax: str | None, df: sp.Basic, syms: Sequence[sp.Symbol], s: Sample,
                rtol: float, atol: float, f: sp.Basic | None = None) -> str:
    """"" when the printed syntax parses back to ``df`` (the same tree, or the same values
    at the sample points); else what went wrong. A SymPy-built function outside the input
    language (re, im, conjugate ...: ``f`` itself does not read back) is not held to it."""
    if syntax is None:
        return ""
    from ..errors import MatcalcError
    from ..parse import parse
    from ..syntax import to_syntax
    try:
        back = parse(syntax)
    except (MatcalcError, RecursionError) as exc:
        try:
            if f is not None:
                parse(to_syntax(f))
        except (MatcalcError, RecursionError):
            return ""                     # the input is not in the language either
        return f"the printed result does not parse back ({exc}): {_clip(syntax)}"
    if back == df:
        return ""
    by_name = {sym.name: sym for sym in syms}
    back = back.xreplace({b: by_name[b.name] for b in back.free_symbols
                          if isinstance(b, sp.Symbol) and b.name in by_name})
    if back == df:
        return ""
    if not back.free_symbols <= set(syms):
        return f"the printed result {_clip(syntax)} has other variables than the result"
    try:
        values = compile_kernel([back], syms)(*(s.points[:, j] for j in range(len(syms))))[0]
    except UnsupportedNode:
        return ""                         # no evaluation: the NumPy text was checked anyway
    values = np.broadcast_to(np.asarray(values, dtype=float), s.df.shape)
    tol = tolerance(values, s.df, np.zeros_like(s.df), rtol, atol)
    with np.errstate(all="ignore"):
        off = np.abs(values - s.df)
    wrong = np.flatnonzero(~(off <= tol))
    if wrong.size:
        i = int(wrong[0])
        return (f"the printed result {_clip(syntax)} parses back to another expression "
                f"(at {_fmt_point(syms, s.points[i])}: {values[i]:.10g} instead of "
                f"{s.df[i]:.10g})")
    return ""


def check_entries(entries: Sequence[tuple],
                  symbols: Sequence[sp.Symbol] | None = None, *, points: int = 20,
                  rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0,
                  unit: str = "entry") -> Verification:
    """Check several derivatives, ``(label, f, claimed df/dvar, var)`` each - the partials
    of a gradient, the entries of a Jacobian - at the same random points (one symbol list
    and one seed for all, so the same candidates are drawn); the result is the worst.
    A fifth element, a ``Printed``, gives the texts the user receives for that entry
    (for a Jacobian: the whole matrix's NumPy text, indexed).

    "failed" if any fails (the message names its label), else "skipped" if any is skipped,
    else "passed" with the fewest points used and the largest errors over all entries.
    """
    syms = list(symbols) if symbols is not None else _symbols_of(
        [e for entry in entries for e in entry[1:3]])
    results = [(entry[0], check_derivative(entry[1], entry[2], entry[3], syms, points=points,
                                           rtol=rtol, atol=atol, seed=seed,
                                           printed=entry[4] if len(entry) > 4 else None))
               for entry in entries]
    for status in ("failed", "skipped"):
        for label, r in results:
            if r.status == status:
                return Verification(status, r.method, r.points, r.max_abs_error,
                                    r.max_rel_error, rtol, r.rejected, f"{label}: {r.message}")
    rs = [r for _, r in results]
    n = min((r.points for r in rs), default=0)
    plural = {"entry": "entries", "variable": "variables"}.get(unit, unit + "s")
    level = [label for label, r in results if "locally constant" in r.method]
    exact = (f"; {', '.join(level)}: f is locally constant at the points (the difference "
             "is exactly 0 while f's values change between points), 0 checked exactly"
             if level else "")
    return Verification("passed", f"central differences (Richardson) per {unit} "
                        f"({len(rs)} {plural if len(rs) != 1 else unit}), {n} random points"
                        + exact,
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
