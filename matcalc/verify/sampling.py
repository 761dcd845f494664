"""Domain-aware sample points and the finite-difference stencil evaluated there.

Candidates for all free symbols are drawn, reproducibly from a seed, from several scales
(``SCALES``): wide, unit, positive, half-unit and small (|x| in [1e-3, 0.1], log-uniform),
so that functions defined only for x > 0, only on (-1, 1), or finite only near 0 (deep
compositions that blow up for |x| > 1) all get points. Half the candidates use one scale
for every symbol, half an independent scale per symbol. Symbols declared positive /
negative / nonnegative / nonpositive are drawn on that side only. Every draw of the
scalar checks goes through :func:`draw_candidates` (those with shapes: ``matrix.draw``),
the one place to add other sampling (assumptions).

For the differentiation variable x, with step h = 1e-4 * max(1, |x|), f is evaluated at
x +- h and x +- h/2 (four evaluations). With D(t) = (f(x+t) - f(x-t)) / 2t
= f' + t^2 f'''/6 + ..., the Richardson estimate is R = (4 D(h/2) - D(h)) / 3; its error
is at most about e = |D(h) - D(h/2)| / 3 (the error of D(h/2), which R improves on) plus
the rounding bound 4 eps max|f| / h. A candidate is *resolved*, and is evidence, when
R != 0 and e <= 0.1 rtol |R|: the difference then fixes f' to a tenth of the tolerance,
so a correct result always passes and one off by more than the tolerance always fails.
When only the truncation part is too large (f varies fast), the four evaluations are
repeated once at h/16. A candidate where R is exactly 0 is *flat*: evidence only when f
does not depend on x at all; otherwise a comparison that is not evidence (the claim must
be within e of 0) when the claim is ~0 there, and unresolved when it is not (float64 may
round the changes of f away: sin(10^16 + x) is constant in float64). Unresolved
candidates are not used; when float64 gives too few resolved points, the check is made
in extended precision instead (:func:`find_points_mp`, :mod:`matcalc.verify.extended`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from .assume import respect_points

#: Offsets of the stencil in units of h; column 0 is the point itself.
STENCIL = np.array([0.0, 1.0, -1.0, 0.5, -0.5])
#: Relative step, and the factor of the one retry when the truncation error is too large.
H_REL = 1e-4
RETRY = 1.0 / 16
BATCH = 256
MAX_BATCHES = 8
EPS = np.finfo(float).eps


def _uniform(lo: float, hi: float) -> Callable[[np.random.Generator, int], np.ndarray]:
    return lambda rng, n: rng.uniform(lo, hi, n)


def _small(rng: np.random.Generator, n: int) -> np.ndarray:
    """|x| log-uniform in [1e-3, 0.1], either sign."""
    return rng.choice([-1.0, 1.0], n) * np.exp(rng.uniform(np.log(1e-3), np.log(0.1), n))


#: name -> sampler(rng, n). Order matters only for reproducibility.
SCALES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "wide [-3, 3]": _uniform(-3.0, 3.0),
    "unit [-1, 1]": _uniform(-1.0, 1.0),
    "positive [0.05, 3]": _uniform(0.05, 3.0),
    "half [-0.5, 0.5]": _uniform(-0.5, 0.5),
    "small |x| in [1e-3, 0.1]": _small,
}


def draw_candidates(rng: np.random.Generator, symbols: Sequence[sp.Symbol], n: int) -> np.ndarray:
    """An (n, len(symbols)) array of candidate points, respecting sign assumptions."""
    samplers = list(SCALES.values())
    k = len(samplers)
    shared = rng.integers(0, k, n)
    own = rng.integers(0, k, (n, len(symbols)))
    use_shared = rng.random(n) < 0.5
    choice = np.where(use_shared[:, None], shared[:, None], own)
    pool = np.stack([s(rng, n * max(1, len(symbols))).reshape(n, -1)[:, :len(symbols)]
                     for s in samplers]) if symbols else np.zeros((k, n, 0))
    pts = np.take_along_axis(pool, choice[None, :, :], axis=0)[0]
    for j, s in enumerate(symbols):
        if s.is_positive or s.is_nonnegative:
            pts[:, j] = np.abs(pts[:, j])
        elif s.is_negative or s.is_nonpositive:
            pts[:, j] = -np.abs(pts[:, j])
    return respect_points(symbols, pts)         # --assume x > 0


def step_size(x: np.ndarray, rel: float = H_REL) -> np.ndarray:
    """h = rel * max(1, |x|): relative for large |x|, absolute near 0."""
    return rel * np.maximum(1.0, np.abs(x))


def richardson(fs: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Richardson-extrapolated central difference from f on the stencil (rows
    f(x + s h) for s in STENCIL; row 0, the centre, is not used) and the bound
    |D(h) - D(h/2)| / 3 on its truncation error (see the module docstring)."""
    with np.errstate(all="ignore"):  # inf - inf at points outside the domain: rejected later
        d1 = (fs[1] - fs[2]) / (2 * h)
        d2 = (fs[3] - fs[4]) / h
        return (4 * d2 - d1) / 3, np.abs(d1 - d2) / 3


def rounding_error(fs: np.ndarray, h: np.ndarray) -> np.ndarray:
    """A bound on the effect of rounding in f on R: 3 eps max|f| / h, with a margin for
    the rounding inside f."""
    with np.errstate(all="ignore"):
        return 4 * EPS * np.max(np.abs(fs[1:]), axis=0) / h


def resolved(fd: np.ndarray, err: np.ndarray, rtol: float) -> np.ndarray:
    """Where the difference fixes the derivative to a tenth of the tolerance (evidence)."""
    with np.errstate(all="ignore"):
        return np.isfinite(fd) & (fd != 0) & (err <= 0.1 * rtol * np.abs(fd))


#: Why a candidate was dropped, in the order the tests are applied.
REASONS = ("outside the domain (not finite)", "at a kink", "finite differences unresolved",
           "flat in float64 where the claim is not 0")
#: Verdicts besides the indices of REASONS: evidence, and a flat comparison (not evidence).
EVIDENCE, FLAT = -1, -2


@dataclass(frozen=True)
class Sample:
    """Accepted points and what the finite differences say there.

    ``points`` is (m, nsym); ``fd`` the Richardson estimate of df/dx, ``fd_error`` its
    estimated error (truncation + rounding), ``df`` the claimed derivative, all (m,);
    ``evidence`` (m,) whether the point is resolved (else flat, see the module
    docstring). ``rejected`` counts candidates dropped, by reason (keys of ``REASONS``)
    in ``reasons``; ``drawn`` the candidates examined.
    """

    points: np.ndarray
    fd: np.ndarray
    fd_error: np.ndarray
    df: np.ndarray
    rejected: int
    drawn: int
    reasons: dict[str, int]
    evidence: np.ndarray | None = None

    @property
    def resolved(self) -> int:
        """How many points are evidence."""
        return int(np.sum(self.evidence)) if self.evidence is not None else len(self.fd)


def _kink_free(ks: list[np.ndarray]) -> np.ndarray:
    """True where no kink argument changes sign or comes within ~0 on the stencil."""
    ok = np.ones(ks[0].shape[1], dtype=bool)
    for k in ks:
        scale = np.max(np.abs(k), axis=0)
        near0 = np.min(np.abs(k), axis=0) <= 1e-9 * np.maximum(scale, 1e-300)
        sign_change = np.any(np.sign(k) != np.sign(k[:1]), axis=0)
        ok &= np.isfinite(scale) & ~near0 & ~sign_change
    return ok


def _verdict(f: np.ndarray, df: np.ndarray, ks: list[np.ndarray], fd: np.ndarray,
             err: np.ndarray, rtol: float, constant: bool) -> np.ndarray:
    """Per candidate: EVIDENCE, FLAT, or the index in REASONS of the first failed test."""
    finite = np.all(np.isfinite(f), axis=0) & np.isfinite(df[0]) & np.isfinite(fd)
    smooth = _kink_free(ks) if ks else np.ones_like(finite)
    good = resolved(fd, err, rtol)
    with np.errstate(all="ignore"):
        flat = (fd == 0) & (np.abs(df[0]) <= err)
        claim_off = (fd == 0) & ~flat
    if constant:                       # f does not depend on x: every difference is exact
        good |= fd == 0
    return np.select([~finite, ~smooth, good, flat, claim_off & ~good],
                     [0, 1, EVIDENCE, FLAT, 3], default=2)


def _stencil(evaluate: Callable[..., list[np.ndarray]], cand: np.ndarray, wrt_index: int,
             h: np.ndarray, nsym: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    nst, n = len(STENCIL), len(cand)
    grid = np.repeat(cand[None, :, :], nst, axis=0)            # (nst, n, nsym)
    grid[:, :, wrt_index] = cand[None, :, wrt_index] + STENCIL[:, None] * h[None, :]
    cols = [grid[:, :, j].ravel() for j in range(nsym)]
    f, df, *ks = (v.reshape(nst, n) for v in evaluate(*cols))
    return f, df, ks


def find_points(evaluate: Callable[..., list[np.ndarray]], symbols: Sequence[sp.Symbol],
                wrt_index: int, points: int, seed: int, rtol: float,
                batch: int = BATCH, max_batches: int = MAX_BATCHES,
                constant: bool = False) -> Sample:
    """Draw batches until ``points`` resolved candidates are found (or ``max_batches`` are
    spent); flat comparisons found on the way are kept too (at most ``points``).

    ``evaluate(*columns)`` returns ``[f, df, *kink_args]`` evaluated at the given points
    (a compiled :class:`~matcalc.verify.kernel.Kernel`); ``constant``: f does not depend
    on the variable.
    """
    rng = np.random.default_rng(seed)
    nsym = len(symbols)
    got: list[tuple[np.ndarray, float, float, float, bool]] = []
    counts = np.zeros(len(REASONS), dtype=int)
    drawn = evidence = flats = 0
    for _ in range(max_batches):
        cand = draw_candidates(rng, symbols, batch)
        h = step_size(cand[:, wrt_index])
        f, df, ks = _stencil(evaluate, cand, wrt_index, h, nsym)
        fd, trunc = richardson(f, h)
        rnd = rounding_error(f, h)
        verdict = _verdict(f, df, ks, fd, trunc + rnd, rtol, constant)
        # only the truncation is too large: once more with h/16
        with np.errstate(all="ignore"):
            retry = np.flatnonzero((verdict == 2) & (rnd <= 0.01 * rtol * np.abs(fd)))
        if retry.size:
            h2 = h[retry] * RETRY
            f2, df2, ks2 = _stencil(evaluate, cand[retry], wrt_index, h2, nsym)
            fd2, trunc2 = richardson(f2, h2)
            rnd2 = rounding_error(f2, h2)
            v2 = _verdict(f2, df2, ks2, fd2, trunc2 + rnd2, rtol, constant)
            fd[retry], trunc[retry], rnd[retry] = fd2, trunc2, rnd2
            verdict[retry] = v2
        end = batch
        for i in np.flatnonzero(verdict < 0):
            is_evidence = verdict[i] == EVIDENCE
            if is_evidence:
                evidence += 1
            elif flats >= points:
                continue
            else:
                flats += 1
            got.append((cand[i], fd[i], trunc[i] + rnd[i], df[0, i], bool(is_evidence)))
            if evidence == points:
                end = int(i) + 1
                break
        counts += np.bincount(verdict[:end][verdict[:end] >= 0], minlength=len(REASONS))
        drawn += end
        if evidence == points:
            break
    return _sample(got, nsym, counts, drawn)


def _sample(got: list, nsym: int, counts: np.ndarray, drawn: int) -> Sample:
    reasons = {r: int(c) for r, c in zip(REASONS, counts) if c}
    rejected = int(counts.sum())
    if not got:
        empty = np.zeros(0)
        return Sample(np.zeros((0, nsym)), empty, empty, empty, rejected, drawn, reasons,
                      np.zeros(0, dtype=bool))
    pts, fds, errs, dfs, ev = (np.array(c) for c in zip(*got))
    return Sample(pts.reshape(len(got), nsym), fds, errs, dfs, rejected, drawn, reasons,
                  ev.astype(bool))


#: Candidates examined in extended precision at most, and the relative step there.
MP_CANDIDATES = 160
MP_H_REL = 1e-12


@dataclass(frozen=True)
class MpSample:
    """Points resolved in extended precision: the points (float64), and per point the
    relative and absolute difference |d - R| of the claimed derivative d (the result,
    evaluated in extended precision) and the difference R, as floats; ``claimed`` and
    ``fd`` are d and R as floats (overflow to inf and underflow to 0 are possible)."""

    points: np.ndarray
    rel: np.ndarray
    abs: np.ndarray
    claimed: np.ndarray
    fd: np.ndarray
    rejected: int
    drawn: int
    reasons: dict[str, int]
    claimed_text: list[str] = field(default_factory=list)
    fd_text: list[str] = field(default_factory=list)
    #: Rows where f is locally constant (the 60-digit difference exactly 0, its error at
    #: most a tenth of atol, and f's values change between the points): 0 checked exactly.
    constant_rows: int = 0


def find_points_mp(evaluate: Callable[..., list], symbols: Sequence[sp.Symbol],
                   wrt_index: int, points: int, seed: int, rtol: float,
                   constant: bool = False, budget: float = 10.0,
                   atol: float = 1e-8) -> MpSample:
    """Like :func:`find_points`, one candidate at a time in ``extended.DPS``-digit
    arithmetic, with h = 1e-12 max(1, |x|) (truncation ~h^2, rounding ~1e-60 / h: both
    far below any tolerance); ``evaluate(*mpf values)`` returns ``[f, df, *kinks]``.
    Candidates that are not finite, sit at a kink, or stay unresolved are dropped; at
    most ``MP_CANDIDATES`` are examined, and no more than ``budget`` seconds are spent.

    A *flat* candidate (the difference R is exactly 0) is evidence only where f is
    resolved there and just does not vary (step(x), sign(x), floor(x) between their
    jumps): the bound e on |f' - R| (truncation + 60-digit rounding, ~1e-48 |f|) is at
    most a tenth of ``atol``, so |f'| <= atol / 10, and the claim is within e of 0; and
    f's values change between the candidates (f is not one swamped constant), and no
    candidate examined is flat with a larger error or unresolved (a region where f is
    swamped, as x > 0 in (x + 10^50) step(x), would otherwise go unchecked). Such a
    row compares d = 0 with R = 0 exactly (counted in ``constant_rows``). Where e is
    larger (x + 10^70: f is swamped even in 60 digits) a flat candidate stays no
    evidence, and a flat candidate whose claim is not within e of 0 is a failing
    comparison."""
    import time
    import mpmath
    from .extended import DPS, finite
    rng = np.random.default_rng(seed + 1)
    cands = draw_candidates(rng, symbols, MP_CANDIDATES)
    counts = np.zeros(len(REASONS), dtype=int)
    rows: list[tuple] = []
    t0 = time.perf_counter()
    drawn = flats = 0
    level = 0                        # locally constant rows (evidence once f is seen to vary)
    values: set = set()              # f at the candidates (is f one swamped constant?)
    with mpmath.workdps(DPS):
        for cand in cands:
            trusted = len(values) > 1 and not flats and not counts[2]
            if len(rows) - (0 if trusted else level) >= points \
                    or time.perf_counter() - t0 > budget:
                break
            drawn += 1
            x = mpmath.mpf(float(cand[wrt_index]))
            h = mpmath.mpf(MP_H_REL) * max(1, abs(x))
            vals = []
            for s in STENCIL:
                args = [mpmath.mpf(float(v)) for v in cand]
                args[wrt_index] = x + mpmath.mpf(float(s)) * h
                vals.append(evaluate(*args))
            fs = [v[0] for v in vals]
            df = vals[0][1]
            if not all(finite(v) for v in fs) or not finite(df):
                counts[0] += 1
                continue
            values.add(fs[0])
            kinks = [[v[2 + k] for v in vals] for k in range(len(vals[0]) - 2)]
            if any(min(abs(k) for k in ks) == 0 or len({mpmath.sign(k) for k in ks}) > 1
                   for ks in kinks):
                counts[1] += 1
                continue
            d1 = (fs[1] - fs[2]) / (2 * h)
            d2 = (fs[3] - fs[4]) / h
            r = (4 * d2 - d1) / 3
            err = abs(d1 - d2) / 3 + 4 * mpmath.mpf(10) ** (-DPS) * max(abs(v) for v in fs) / h
            if r == 0 and not constant:
                if abs(df) <= err and err <= mpmath.mpf(atol) / 10:
                    # f resolved and locally constant: the claim is 0 to within atol / 10
                    level += 1
                    rows.append((cand, float(abs(df) * rtol / atol), _float(abs(df)),
                                 _float(df), 0.0, mpmath.nstr(df, 10), "0", True))
                    continue
                if abs(df) <= err:
                    flats += 1             # flat and consistent: no evidence
                    continue
                r = mpmath.mpf(0)          # flat, the claim is not 0: a failing comparison
            elif r != 0 and err > 0.1 * rtol * abs(r):
                counts[2] += 1
                continue
            diff = abs(df - r)
            mag = max(abs(df), abs(r))
            rows.append((cand, float(diff / mag) if mag else 0.0, _float(diff), _float(df),
                         _float(r), mpmath.nstr(df, 10), mpmath.nstr(r, 10), False))
    unused = ""
    if level and (len(values) < 2 or flats or counts[2]):
        # f takes one value everywhere, or is swamped or unresolved at some candidates:
        # where it is flat, that may be rounding too, so no flat row is evidence
        unused = ("locally constant, but f takes one value at every candidate"
                  if len(values) < 2 else "locally constant, but f is not resolved at "
                  "other candidates")
        rows = [row for row in rows if not row[-1]]
    rows = rows[:points]
    constant_rows = sum(1 for row in rows if row[-1])
    reasons = {rr: int(c) for rr, c in zip(REASONS, counts) if c}
    if flats:
        reasons["flat (the difference is exactly 0)"] = flats
    if unused:
        reasons[unused] = level
    if not rows:
        z = np.zeros(0)
        return MpSample(np.zeros((0, len(symbols))), z, z, z, z, int(counts.sum()), drawn,
                        reasons)
    pts, rel, ab, cl, fd, cs, fs_, _ = (np.array(c) for c in zip(*rows))
    return MpSample(pts.reshape(len(rows), len(symbols)), rel, ab, cl, fd,
                    int(counts.sum()), drawn, reasons, list(cs), list(fs_), constant_rows)


def _float(v: Any) -> float:
    """An mpmath number as a float, clamped to the largest finite float (for the report)."""
    x = float(v)
    return x if np.isfinite(x) else float(np.sign(x) * np.finfo(float).max)
