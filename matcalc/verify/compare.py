"""Is a student's expression equal to the true derivative? (``matcalc check``)

Equal means: equal in value at random points inside the domain of f and of the true
derivative D, drawn from several seeds (``SEEDS``, ``PER_SEED`` points each, the
verifier's candidate scales), to a relative tolerance ``RTOL`` - and where SymPy can prove
it, exactly (simplify(S - D) == 0 within a time budget; the trees compared are built by
matcalc's parser, never from text). Values that differ at one usable point make the
answer wrong, whatever SymPy says; too few usable points make no verdict (None).

Matrix expressions are compared the same way: values at two random size assignments per
seed (:func:`matcalc.verify.matrix.size_assignments`, :func:`~matcalc.verify.matrix.draw`),
evaluated by :func:`matcalc.verify.evaluate.evaluate`, after the shapes are compared.
This module reads the verifier's machinery and changes none of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from .kernel import UnsupportedNode, compile_kernel, kinks
from .sampling import draw_candidates

SEEDS = (0, 1, 2)
PER_SEED = 24
RTOL = 1e-8
#: Fewer usable points than this: no verdict.
MIN_POINTS = 8
PROVE_SECONDS = 2.0


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to RTOL (and an absolute floor relative to the values' scale)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.all(np.abs(a - b) <= RTOL * (np.abs(a) + np.abs(b)) + 1e-12 * scale))


def proved_equal(a: sp.Basic, b: sp.Basic) -> bool:
    """SymPy proves a == b (expand, cancel, then simplify, in PROVE_SECONDS)."""
    from ..limits import within

    def prove() -> bool:
        diff = a - b
        if diff == 0 or sp.expand(diff) == 0:
            return True
        if sp.cancel(sp.together(diff)) == 0:
            return True
        return sp.simplify(diff) == 0
    try:
        return bool(within(PROVE_SECONDS, prove, False))
    except Exception:                        # SymPy may raise on odd trees: no proof
        return False


#: Digits and points of the high-precision comparison of values that agree in floats.
DIGITS = 40
PRECISE_POINTS = 6


def agree_precisely(a: sp.Expr, b: sp.Expr, pts: "ScalarPoints") -> bool:
    """a and b at the first sample points, evaluated with DIGITS digits (SymPy's evalf on
    the parsed trees, the points as exact rationals), agree to 1e-25 relative: floats
    cannot tell a from a (1 + 1e-10); this can. A point where either is not a finite
    real number is skipped; no point left counts as agreement (the floats decided)."""
    from ..limits import within

    def run() -> bool:
        for row in pts.points[:PRECISE_POINTS]:
            subs = {s: sp.Rational(float(v)) for s, v in zip(pts.symbols, row)}
            u = a.xreplace(subs).evalf(DIGITS)
            w = b.xreplace(subs).evalf(DIGITS)
            if not (u.is_number and w.is_number and u.is_real and w.is_real) or \
                    u.has(sp.zoo, sp.oo, sp.nan) or w.has(sp.zoo, sp.oo, sp.nan):
                continue
            if abs(u - w) > sp.Float(10, DIGITS) ** -25 * (abs(u) + abs(w) + 10 ** -30):
                return False
        return True
    try:
        return bool(within(PROVE_SECONDS, run, True))
    except Exception:           # evalf may raise on odd trees: the floats decided
        return True


def relation(a: sp.Basic, b: sp.Basic) -> str:
    """How an equivalent ``a`` relates to matcalc's ``b``, in a few words."""
    from ..limits import within
    if a == b:
        return "the same expression as matcalc's"

    def how() -> str:
        if sp.expand(a) == sp.expand(b):
            return "the same as matcalc's once both are expanded"
        if sp.cancel(sp.together(a - b)) == 0:
            return "the same rational function as matcalc's, written differently"
        if sp.simplify(a - b) == 0:
            return "equal to matcalc's form (SymPy's simplify proves the difference is 0)"
        return ""
    try:
        said = within(PROVE_SECONDS, how, "")
    except Exception:
        said = ""
    return said or ("equal to matcalc's form at every sample point, also to 40 digits "
                    "(SymPy could not prove it symbolically)")


class ScalarPoints:
    """Sample points inside the domain of f and of its true derivative D (and off the
    kinks of f): ``PER_SEED`` per seed in ``SEEDS``."""

    def __init__(self, f: sp.Expr, true: sp.Expr, symbols: Sequence[sp.Symbol]):
        self.symbols = list(symbols)
        ks = kinks(f)
        kern = compile_kernel([f, true, *ks], self.symbols)
        rows = []
        for seed in SEEDS:
            rng = np.random.default_rng(1000 + seed)
            got = 0
            for _ in range(8):
                cand = draw_candidates(rng, self.symbols, 256)
                cols = [cand[:, j] for j in range(len(self.symbols))]
                fv, dv, *kv = kern(*cols) if self.symbols else kern()
                ok = np.isfinite(fv) & np.isfinite(dv) & (np.abs(dv) < 1e12)
                for k in kv:
                    ok &= np.abs(k) > 1e-6
                idx = np.flatnonzero(ok)[: PER_SEED - got]
                rows.extend(cand[idx])
                got += len(idx)
                if got >= PER_SEED:
                    break
        self.points = np.array(rows).reshape(len(rows), len(self.symbols))
        self.true = self.values(true)

    def __len__(self) -> int:
        return len(self.points)

    def values(self, e: sp.Expr) -> np.ndarray | None:
        """e at the points (None when it cannot be evaluated: a name not in f)."""
        if not len(self.points):
            return np.zeros(0)
        try:
            kern = compile_kernel([e], self.symbols)
        except UnsupportedNode:
            return None
        cols = [self.points[:, j] for j in range(len(self.symbols))]
        return kern(*cols)[0]

    def point(self, i: int) -> str:
        return ", ".join(f"{s} = {v:.4g}" for s, v in zip(self.symbols, self.points[i]))


@dataclass(frozen=True)
class Verdict:
    """equal: True/False, or None (no usable point); ``where``: a point where they differ."""

    equal: bool | None
    points: int
    proved: bool = False
    where: str = ""


def compare_values(pts: ScalarPoints, s: np.ndarray | None, ref: np.ndarray) -> Verdict:
    """Values of a student's expression against a reference, at ``pts``."""
    if len(pts) < MIN_POINTS:
        return Verdict(None, len(pts))
    if s is None:
        return Verdict(False, len(pts))
    if close(s, ref):
        return Verdict(True, len(pts))
    bad = np.flatnonzero(~(np.isfinite(s)) | (np.abs(s - ref) > RTOL * (np.abs(s) + np.abs(ref))
                                                + 1e-12))
    return Verdict(False, len(pts), where=pts.point(int(bad[0])) if len(bad) else "")


def constant_ratio(s: np.ndarray | None, ref: np.ndarray) -> float | None:
    """k when s = k ref at every point (k != 0, 1), else None."""
    if s is None or not len(ref):
        return None
    use = np.abs(ref) > 1e-9 * max(1.0, float(np.max(np.abs(ref))))
    if use.sum() < 1 or not np.all(np.isfinite(s)):
        return None
    r = s[use] / ref[use]
    k = float(np.median(r))
    if not np.isfinite(k) or abs(k) < 1e-12 or abs(k - 1) < 1e-6:
        return None
    return k if close(s, k * ref) else None


def nice_number(k: float) -> str:
    """-1, 2, 1/2, 3/4 ... for a ratio, else its decimal."""
    frac = sp.nsimplify(k, rational=True, tolerance=1e-9)
    if isinstance(frac, sp.Rational) and frac.q <= 1000 and abs(float(frac) - k) < 1e-9 * \
            max(1, abs(k)):
        return str(frac)
    for c, name in ((sp.pi, "pi"), (sp.E, "e"), (sp.log(2), "ln(2)")):
        for q in (c, 1 / c):
            r = sp.nsimplify(k / float(q), rational=True, tolerance=1e-9)
            if isinstance(r, sp.Rational) and r.q <= 100 and abs(float(r * q) - k) < 1e-9:
                text = name if q == c else f"1/{name}"
                return text if r == 1 else f"{r}*{text}"
    return f"{k:.6g}"


# ----------------------------------------------------------------------------- matrices

@dataclass
class MatrixPoints:
    """Random values of the variables at random sizes: per seed two size assignments."""

    samples: list[tuple[dict[sp.Symbol, int], dict[str, Any]]]

    @classmethod
    def draw(cls, variables: Sequence[sp.Basic], dims: set[sp.Symbol],
             conditioned: set[str], symmetric: Sequence[str] = ()) -> "MatrixPoints":
        from .matrix import draw, size_assignments
        out = []
        for seed in SEEDS:
            rng = np.random.default_rng(2000 + seed)
            for sizes in size_assignments(dims, seed)[:2]:
                values = draw(list(variables), sizes, rng, conditioned)
                for name in symmetric:
                    a = values[name]
                    values[name] = (a + a.T) / 2
                out.append((sizes, values))
        return cls(out)

    def values(self, e: sp.Basic) -> list[Any] | None:
        from .evaluate import evaluate
        out = []
        for sizes, values in self.samples:
            try:
                with np.errstate(all="ignore"):
                    out.append(np.asarray(evaluate(e, values, sizes), dtype=float))
            except (KeyError, np.linalg.LinAlgError, ValueError, TypeError):
                return None
            except Exception:                      # NoRuleError and friends
                return None
        return out


def same_values(a: list[Any] | None, b: list[Any] | None,
                transform: Callable[[np.ndarray], np.ndarray] = lambda v: v) -> bool:
    """Equal at every sample (``transform`` applied to a first, e.g. a transpose)."""
    if a is None or b is None:
        return False
    try:
        return all(close(np.atleast_2d(transform(np.atleast_2d(u))), np.atleast_2d(v))
                   for u, v in zip(a, b))
    except ValueError:
        return False


def ratio_per_sample(a: list[Any] | None, b: list[Any] | None) -> list[float] | None:
    """k_i with a_i = k_i b_i at sample i (None when a is not a multiple of b)."""
    if a is None or b is None:
        return None
    out = []
    for u, v in zip(a, b):
        u, v = np.atleast_2d(u), np.atleast_2d(v)
        if u.shape != v.shape:
            return None
        k = constant_ratio(u.ravel(), v.ravel())
        if k is None:
            return None
        out.append(k)
    return out


def dimension_factor(ratios: list[float], samples: list[tuple[Mapping[sp.Symbol, int], Any]]
                     ) -> tuple[sp.Symbol, int] | None:
    """(m, +1) when ratio_i = m_i at every sample, (m, -1) when 1/m_i."""
    for sym in sorted({s for sizes, _ in samples for s in sizes}, key=lambda s: s.name):
        for sign in (1, -1):
            if all(abs(k - float(sizes[sym]) ** sign) < 1e-8 * abs(k)
                   for k, (sizes, _) in zip(ratios, samples)):
                return sym, sign
    return None
