"""Domain-aware sample points and the finite-difference stencil evaluated there.

Candidates for all free symbols are drawn, reproducibly from a seed, from several scales
(``SCALES``): wide, unit, positive, half-unit and small (|x| in [1e-3, 0.1], log-uniform),
so that functions defined only for x > 0, only on (-1, 1), or finite only near 0 (deep
compositions that blow up for |x| > 1) all get points. Half the candidates use one scale
for every symbol, half an independent scale per symbol. Symbols declared positive /
negative / nonnegative / nonpositive are drawn on that side only.

For the differentiation variable x, with step h = 1e-3 * max(1, |x|), the stencil is
x + s*h for s in ``STENCIL``. A candidate is accepted when

* f is finite at every stencil point and f' is finite at x,
* no kink argument (:func:`matcalc.verify.kernel.kinks`) changes sign or is ~0 on the
  stencil (a difference across a kink is meaningless),
* the finite difference is sharp: two Richardson estimates (steps h and h/2) agree to
  ``0.1 * rtol`` (relative) beyond rounding, and the rounding bound 12 eps max|f| / h is
  at most ``rtol * |f'|`` (unless the differences vanish exactly, as for f = y^2 in x).
  So f = 1e8 + x, whose differences are swamped by rounding, has no usable point.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from .assume import respect_points

#: Offsets of the stencil in units of h; column 0 is the point itself.
STENCIL = np.array([0.0, 1.0, -1.0, 0.5, -0.5, 0.25, -0.25])
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


def step_size(x: np.ndarray) -> np.ndarray:
    """h = 1e-3 * max(1, |x|): relative for large |x|, absolute near 0."""
    return 1e-3 * np.maximum(1.0, np.abs(x))


def richardson(fs: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Richardson-extrapolated central differences from f on the stencil.

    fs has rows f(x + s h) for s in STENCIL. With D(t) = (f(x+t) - f(x-t)) / 2t
    = f' + t^2 f'''/6 + O(t^4), R(t) = (4 D(t/2) - D(t)) / 3 = f' + O(t^4).
    Returns R(h/2) (the estimate) and |R(h) - R(h/2)| (about its truncation error, and
    a 16-fold overestimate of it when the O(t^4) term dominates).
    """
    with np.errstate(all="ignore"):  # inf - inf at points outside the domain: rejected later
        d1 = (fs[1] - fs[2]) / (2 * h)
        d2 = (fs[3] - fs[4]) / h
        d4 = (fs[5] - fs[6]) / (0.5 * h)
        r1 = (4 * d2 - d1) / 3
        r2 = (4 * d4 - d2) / 3
        return r2, np.abs(r1 - r2)


def rounding_error(fs: np.ndarray, h: np.ndarray) -> np.ndarray:
    """A bound on the effect of rounding in f on R(h/2): about 6 eps max|f| / h, doubled."""
    with np.errstate(all="ignore"):
        return 12 * EPS * np.max(np.abs(fs[1:]), axis=0) / h


#: Why a candidate was dropped, in the order the tests are applied.
REASONS = ("outside the domain (not finite)", "at a kink", "finite differences unreliable")


@dataclass(frozen=True)
class Sample:
    """Accepted points and what the finite differences say there.

    ``points`` is (m, nsym); ``fd`` the Richardson estimate of df/dx, ``fd_error`` its
    estimated error (truncation + rounding), ``df`` the claimed derivative, all (m,).
    ``rejected`` counts candidates dropped before the m-th acceptance, by reason
    (keys of ``REASONS``) in ``reasons``; ``drawn`` the candidates examined.
    """

    points: np.ndarray
    fd: np.ndarray
    fd_error: np.ndarray
    df: np.ndarray
    rejected: int
    drawn: int
    reasons: dict[str, int]


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
             trunc: np.ndarray, rnd: np.ndarray, rtol: float) -> np.ndarray:
    """Per candidate: -1 accepted, else the index in REASONS of the first failed test."""
    finite = np.all(np.isfinite(f), axis=0) & np.isfinite(df[0]) & np.isfinite(fd)
    smooth = _kink_free(ks) if ks else np.ones_like(finite)
    # the difference must resolve f' to a tenth of the tolerance (truncation), and
    # rounding alone must not exceed it (unless the differences vanish exactly)
    afd = np.abs(fd)
    sharp = (trunc <= 0.1 * rtol * afd + rnd) & ((rnd <= rtol * afd) | (fd == 0))
    return np.select([~finite, ~smooth, ~sharp], [0, 1, 2], default=-1)


def find_points(evaluate: Callable[..., list[np.ndarray]], symbols: Sequence[sp.Symbol],
                wrt_index: int, points: int, seed: int, rtol: float,
                batch: int = BATCH, max_batches: int = MAX_BATCHES) -> Sample:
    """Draw batches until ``points`` candidates are accepted (or ``max_batches`` are spent).

    ``evaluate(*columns)`` returns ``[f, df, *kink_args]`` evaluated at the given points
    (a compiled :class:`~matcalc.verify.kernel.Kernel`). Returns the first accepted points,
    at most ``points`` of them (fewer if the domain is too hard to hit).
    """
    rng = np.random.default_rng(seed)
    nst = len(STENCIL)
    got: list[tuple[np.ndarray, ...]] = []
    counts = np.zeros(len(REASONS), dtype=int)
    drawn = 0
    for _ in range(max_batches):
        cand = draw_candidates(rng, symbols, batch)
        x = cand[:, wrt_index]
        h = step_size(x)
        grid = np.repeat(cand[None, :, :], nst, axis=0)            # (nst, batch, nsym)
        grid[:, :, wrt_index] = x[None, :] + STENCIL[:, None] * h[None, :]
        cols = [grid[:, :, j].ravel() for j in range(len(symbols))]
        f, df, *ks = (v.reshape(nst, batch) for v in evaluate(*cols))
        fd, trunc = richardson(f, h)
        rnd = rounding_error(f, h)
        verdict = _verdict(f, df, ks, fd, trunc, rnd, rtol)
        accepted = np.flatnonzero(verdict < 0)[: points - len(got)]
        for i in accepted:
            got.append((cand[i], fd[i], trunc[i] + rnd[i], df[0, i]))
        # candidates up to the last one used count as examined
        end = accepted[-1] + 1 if len(got) == points and len(accepted) else batch
        counts += np.bincount(verdict[:end][verdict[:end] >= 0], minlength=len(REASONS))
        drawn += int(end)
        if len(got) == points:
            break
    reasons = {r: int(c) for r, c in zip(REASONS, counts) if c}
    rejected = int(counts.sum())
    if not got:
        empty = np.zeros(0)
        return Sample(np.zeros((0, len(symbols))), empty, empty, empty, rejected, drawn, reasons)
    pts, fds, errs, dfs = (np.array(c) for c in zip(*got))
    return Sample(pts.reshape(len(got), len(symbols)), fds, errs, dfs, rejected, drawn, reasons)
