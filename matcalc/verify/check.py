"""Check a claimed derivative against finite differences of the function (scalar kinds).

The pass test is :func:`matcalc.verify.judge.judge`, shared with the matrix checks. At
each accepted point (see :mod:`matcalc.verify.sampling`) with claimed derivative d and
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
from matcalc.verify.judge import judge, tolerance
from matcalc.verify.printed import Printed, PrintedError, compile_numpy, eval_numpy, scalar_texts
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
    sample = find_points(kernel, syms, syms.index(wrt), points, seed, rtol)
    n = len(sample.fd)
    if n < points:
        why = "; ".join(f"{c} {r}" for r, c in sample.reasons.items()) or "none drawn"
        return Verification.skipped(
            _method(n), f"only {n} of {points} usable points for d/d{wrt.name} in "
            f"{sample.drawn} random candidates (rejected: {why})", points=n, rtol=rtol,
            rejected=sample.rejected)
    texts = printed if printed is not None else scalar_texts(df)
    common = dict(rtol=rtol, atol=atol, method=_method(n), points=n, rejected=sample.rejected)
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
