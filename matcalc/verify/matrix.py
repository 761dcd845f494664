"""Verifying results with shapes (matrix derivations and backward passes).

Sizes: the dimension symbols get random sizes 2..6 (different dimensions different where
there are enough sizes); the points alternate between two such size assignments. Values:
standard normal entries; square matrices that are inverted, or whose determinant is
taken, near the identity; after a few failures at one size assignment, entries in
[0.5, 2] (logarithms and square roots of whole vectors).

A point is usable when f and every result are finite there and no matrix to invert is
singular (condition number above ``evaluate.MAX_CONDITION``). When a size assignment
gives no usable point in ``ATTEMPTS`` draws (X X^T is singular for every X of size
n x k with n > k), it is replaced by another one; when no size gives a usable point the
check is "skipped" and says why (never an exception).

At each usable point, for each variable X and random directions V (and, at the first
point, every unit direction when X has at most ``FULL_ENTRIES`` entries):

* gradient G of a scalar f: <G, V> against the Richardson central difference of
  t -> f(X + tV) on the stencil of :mod:`matcalc.verify.sampling`;
* Jacobian J of a vector function: J vec(V) against the same difference of f (per entry).

G and J are the values of the *printed NumPy text* (:mod:`matcalc.verify.printed`), and
the printed syntax must parse back (with the declared shapes) to an expression with the
same value. The pass test is :func:`matcalc.verify.judge.judge`, as for scalar kinds.
A backward pass is evaluated the way a reader runs it: the forward pass, then each printed
adjoint equation in backward order (earlier adjoints by name), and every parameter's
gradient is compared with differences of the objective J.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import sympy as sp
from sympy import Determinant, Inverse, MatPow, MatrixSymbol

from .assume import respect
from .evaluate import evaluate_batch
from .judge import judge, tolerance
from .printed import (Printed, PrintedError, compile_numpy, eval_numpy,
                      eval_numpy_each, matrix_texts)
from .result import Verification
from .stacks import (OK, SINGULAR, UNUSABLE, Moves, at, directional, entries_per_point,
                     finite, run, take)

SIZES = (2, 3, 4, 5, 6)
FULL_ENTRIES = 30
#: Random directions per point: about this many in all, at least one per point.
DIRECTIONS_TOTAL = 6
#: Draws at one size assignment before it is given up.
ATTEMPTS = 30
#: Size assignments tried in all (two are used at a time).
MAX_ASSIGNMENTS = 8

#: Evaluation failures that make a point unusable (not a verdict on the result).
_UNUSABLE = UNUSABLE


def size_assignments(dims: Iterable[sp.Symbol], seed: int = 0,
                     count: int = MAX_ASSIGNMENTS) -> list[dict[sp.Symbol, int]]:
    """Up to ``count`` distinct random assignments of the dimension symbols (sorted by name)
    to sizes 2..6, different dimensions different where there are enough sizes. The first
    two are the ones used; the others replace one that has no usable point."""
    names = sorted(set(dims), key=lambda s: s.name)
    if not names:
        return [{}]                     # every size declared: one assignment
    rng = np.random.default_rng(seed + 7919)
    out: list[dict[sp.Symbol, int]] = []
    for _ in range(20 * count):
        if len(out) == count:
            break
        replace = len(names) > len(SIZES)
        values = rng.choice(SIZES, size=len(names), replace=replace)
        candidate = {d: int(v) for d, v in zip(names, values)}
        if candidate not in out:
            out.append(candidate)
    return out


def _size(d: sp.Expr | int, dims: Mapping[sp.Symbol, int]) -> int:
    """A dimension (an integer or a dimension symbol) at these sizes."""
    return int(d) if isinstance(d, int) else int(sp.sympify(d).xreplace(dict(dims)))


def conditioned(expr: sp.Basic) -> set[str]:
    """Names of matrices that sit under an inverse, determinant or power."""
    from ..matrix.nodes import LogDet
    names: set[str] = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (Inverse, Determinant, LogDet, MatPow)):
            names |= {s.name for s in node.atoms(MatrixSymbol)}
    return names


def fan_in(exprs: Iterable[sp.Basic]) -> dict[str, int]:
    """Matrices that are the left factor of a product (W in W @ X), with their number of
    columns, the fan-in of the layer (Xavier/Glorot sampling draws them with standard
    deviation 1/sqrt(fan-in), so that W @ X keeps entries of size 1 and sigmoids and
    tanhs stay in their sensitive range at any width)."""
    out: dict[str, int] = {}
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, sp.MatMul):
                for a in node.args[:-1]:
                    if isinstance(a, MatrixSymbol):
                        out[a.name] = max(out.get(a.name, 1), 1)
    return out


def draw(variables: list[sp.Basic], dims: Mapping[sp.Symbol, int], rng: np.random.Generator,
         near_identity: set[str], positive: bool = False,
         fan: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Random values for the variables at one point (see :func:`draw_batch`): 2-D arrays
    for matrices and vectors, floats for scalars."""
    return at(draw_batch(variables, dims, rng, near_identity, 1, positive, fan), 0)


def draw_batch(variables: list[sp.Basic], dims: Mapping[sp.Symbol, int],
               rng: np.random.Generator, near_identity: set[str], count: int,
               positive: bool = False, fan: Mapping[str, int] | None = None
               ) -> dict[str, np.ndarray]:
    """Random values for the variables at ``count`` points at these sizes, as stacks
    ((count, r, c) and (count,) arrays): standard normal entries, divided by
    sqrt(columns) for a left factor of a product (``fan``, see :func:`fan_in`); near
    the identity for a matrix that is inverted; entries in [0.5, 2] when ``positive``
    (the fallback for logarithms and square roots of whole vectors); scalars in
    [0.5, 2]. The one place where the checks with shapes draw their inputs."""
    values: dict[str, Any] = {}
    fan = fan or {}
    for v in variables:
        if isinstance(v, MatrixSymbol):
            r, c = (_size(d, dims) for d in v.shape)
            if v.name in near_identity and r == c:
                values[v.name] = np.eye(r) + \
                    0.3 * rng.standard_normal((count, r, c)) / np.sqrt(r)
            elif positive:
                values[v.name] = rng.uniform(0.5, 2.0, (count, r, c))
            else:
                scale = 1.0 / np.sqrt(c) if v.name in fan and c > 1 else 1.0
                values[v.name] = scale * rng.standard_normal((count, r, c))
        else:
            values[v.name] = rng.uniform(0.5, 2.0, count)
    return respect(values, rng, stacked=True)   # --assume: symmetric, SPD, sums to one


def _sizes_text(assignment: Mapping[sp.Symbol, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in assignment.items()) or "the declared sizes"


def _at(assignment: Mapping[sp.Symbol, int]) -> str:
    """Where a comparison was made: "at sizes n=3, m=4", or "at the declared sizes"."""
    return f"at sizes {_sizes_text(assignment)}" if assignment else "at the declared sizes"


@dataclass
class _Tally:
    """The comparisons made so far (claimed value, difference, its error, where), kept as
    the arrays they were added in."""

    claimed: list[np.ndarray] = field(default_factory=list)
    fd: list[np.ndarray] = field(default_factory=list)
    err: list[np.ndarray] = field(default_factory=list)
    runs: list[tuple[int, str]] = field(default_factory=list)   # (end, where) per add
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def add(self, claimed: np.ndarray, fd: np.ndarray, err: np.ndarray, sharp: np.ndarray,
            where: str) -> int:
        """Keep the resolved ones (``sharp``) of these comparisons: how many."""
        keep = np.flatnonzero(np.ravel(sharp))
        if keep.size:
            self.claimed.append(np.ravel(claimed)[keep].astype(float))
            self.fd.append(np.ravel(fd)[keep].astype(float))
            self.err.append(np.ravel(err)[keep].astype(float))
            end = (self.runs[-1][0] if self.runs else 0) + int(keep.size)
            self.runs.append((end, where))
        return int(keep.size)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every comparison kept: claimed values, differences, their errors."""
        if not self.claimed:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        return (np.concatenate(self.claimed), np.concatenate(self.fd),
                np.concatenate(self.err))

    def where(self, i: int) -> str:
        """Where comparison i was made."""
        ends = [e for e, _ in self.runs]
        return self.runs[int(np.searchsorted(ends, i, side="right"))][1]

    def why(self) -> str:
        return "; ".join(f"{c} {r}" for r, c in self.reasons.items()) or "none drawn"


@dataclass
class _Slot:
    """One of the (at most two) size assignments in use: its accepted points and its
    unusable draws since it was taken up."""

    assignment: dict[sp.Symbol, int]
    accepted: int = 0
    failures: int = 0


class _Points:
    """Draws usable points in batches, alternating between two size assignments (the first
    gets the odd points, the second the even ones) and replacing one that yields none
    after ``ATTEMPTS`` unusable draws (see the module docstring)."""

    def __init__(self, dims: Iterable[sp.Symbol], seed: int) -> None:
        spare = size_assignments(dims, seed)
        self.active = [_Slot(a) for a in spare[:2]]
        self.spare = spare[2:]
        self.tried = [s.assignment for s in self.active]

    def plan(self, points: int, accepted: int) -> list[tuple[_Slot, int, int]]:
        """The next round of draws: per slot, how many more points it is to give (its
        share of ``points`` by alternation, or all that are missing when one slot is
        left) and how many candidates to draw for them (twice as many, plus one, once
        the slot has had unusable draws)."""
        if len(self.active) == 1:
            quotas = [points - accepted]
        else:
            quotas = [max(0, (points - j + 1) // 2 - s.accepted)
                      for j, s in enumerate(self.active)]
        return [(s, q, q + (q + 1 if s.failures else 0))
                for s, q in zip(self.active, quotas) if q > 0]

    def failed(self, slot: _Slot) -> bool:
        """One unusable draw at the slot: False when that gave its assignment up (after
        ``ATTEMPTS``; replaced by a spare one, or dropped), so that the rest of its batch
        is not used."""
        slot.failures += 1
        if slot.failures < ATTEMPTS:
            return True
        if self.spare:
            slot.assignment, slot.failures = self.spare.pop(0), 0
            self.tried.append(slot.assignment)
        else:
            self.active.remove(slot)
        return False

    def positive(self, slot: _Slot) -> bool:
        return slot.failures >= 5


class _Failed(Exception):
    """A printed text or the emitted module is wrong at a usable point: the check fails
    there (the message says what)."""


#: One comparison: claimed values, differences, their errors, resolved, where made.
Comparison = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]


@dataclass
class _Examined:
    """A batch of candidates at one size assignment, examined: per candidate why it is
    unusable (None: usable), the comparisons at each usable one, and the candidate that
    got every unit direction (``unit``; ``more(i)`` gives them for another one)."""

    reasons: list[str | None]
    comparisons: dict[int, list[Comparison]] = field(default_factory=dict)
    unit: int | None = None
    more: Callable[[int], list[Comparison]] | None = None


Examine = Callable[[dict[sp.Symbol, int], int, bool, int], _Examined]


def _gather(draws: _Points, points: int, tally: _Tally, sizes: list[str],
            examine: Examine) -> int:
    """Rounds of batches until ``points`` usable points (or no size assignment is left):
    the number accepted. ``examine(assignment, count, positive, accepted)`` draws and
    examines ``count`` candidates; they are then taken in order, as if drawn one by one:
    an unusable one is a failed draw (with its reason), a usable one a point when at
    least one of its comparisons is resolved (the first point also gets every unit
    direction). A ``_Failed`` carries the points accepted so far and their sizes."""
    accepted = 0
    while accepted < points:
        plan = draws.plan(points, accepted)
        if not plan:
            break
        for slot, quota, count in plan:
            assignment = slot.assignment
            try:
                found = examine(assignment, count, draws.positive(slot), accepted)
            except _Failed as exc:
                exc.args = (*exc.args, accepted, [*sizes, _sizes_text(assignment)])
                raise
            taken = 0
            for i, reason in enumerate(found.reasons):
                if taken == quota or accepted == points:
                    break
                if reason is None:
                    made = sum(tally.add(*c) for c in found.comparisons[i])
                    if accepted == 0 and found.more is not None and found.unit != i:
                        made += sum(tally.add(*c) for c in found.more(i))
                    if made:
                        accepted += 1
                        taken += 1
                        slot.accepted += 1
                        sizes.append(_sizes_text(assignment))
                        continue
                    reason = "finite differences unresolved"
                tally.reject(reason)
                if not draws.failed(slot):
                    break
    return accepted


def _by_point(out: dict[int, list[Comparison]], points: np.ndarray, got: np.ndarray,
              fd: np.ndarray, err: np.ndarray, sharp: np.ndarray, where: str) -> None:
    """The comparisons of moves at these points (one row per move), grouped by point, in
    the order of the moves."""
    for i in dict.fromkeys(points.tolist()):
        rows = points == i
        out.setdefault(int(i), []).append((got[rows], fd[rows], err[rows], sharp[rows],
                                           where))


def _reasons(status: np.ndarray, usable: np.ndarray) -> list[str | None]:
    """Per candidate of a batch: None when usable, else why not."""
    return [None if ok else "singular matrix" if st == SINGULAR else
            "not defined" if st != OK else "outside the domain (not finite)"
            for st, ok in zip(status, usable)]


def _directions(points: int) -> int:
    return max(1, -(-DIRECTIONS_TOTAL // points))


@dataclass(frozen=True)
class Claim:
    """One result to check: the derivative of f with respect to ``var``.

    ``expr`` is the result as built, ``printed`` its texts as the user receives them
    (default: ``matrix_texts(expr)``); ``transpose``: the printed value is the transpose of
    the gradient or numerator-layout Jacobian compared (denominator layout, or the row
    Jacobian of a scalar function).
    """

    var: sp.Basic
    expr: sp.Basic
    printed: Printed | None = None
    transpose: bool = False

    def texts(self) -> Printed:
        return self.printed if self.printed is not None else matrix_texts(self.expr)


#: Entries times points above which large declared sizes get fewer points (each point
#: costs a dozen evaluations of f: 20 points of 1000 x 1000 products would take a minute).
ENTRY_BUDGET = 200_000


def _budget(f_expr: sp.Basic, dims: set, points: int) -> tuple[int, str]:
    """``points``, or fewer when the declared sizes are large (said in the method)."""
    entries = sum(math.prod(int(d) for d in v.shape) for v in f_expr.atoms(MatrixSymbol)
                  if all(isinstance(d, (int, sp.Integer)) for d in v.shape))
    cap = max(1, ENTRY_BUDGET // max(entries, 1))
    if points <= cap:
        return points, ""
    return cap, f" (at most {cap} point{'s' if cap > 1 else ''}: the declared sizes are large)"


def _method(what: str, n: int, directions: int, sizes: list[str]) -> str:
    listed = [t for t in dict.fromkeys(sizes) if t != _sizes_text({})]
    where = f"at sizes {' and '.join(listed)}" if listed else "at the declared sizes"
    return f"directional central differences (Richardson){what} {where}, {n} random points"


@lru_cache(maxsize=4096)       # a backward pass of 400 layers prints 800 equations
def _parse_back(text: str, shapes: tuple) -> sp.Basic | str:
    """The printed syntax parsed with the declared shapes (once per text), or the error."""
    from ..errors import MatcalcError
    from ..matrix.parse import parse_matrix_expression
    from ..options import Limits
    try:
        return parse_matrix_expression(text, dict(shapes), Limits(max_input_length=10**6))
    except (MatcalcError, RecursionError) as exc:
        return f"the printed result does not parse back ({exc}): {text}"


def _round_trip(text: str | None, expr: sp.Basic, shapes: Mapping[str, Any] | None,
                values: Mapping[str, np.ndarray], assignment: Mapping[sp.Symbol, int],
                internal: np.ndarray, rtol: float, atol: float) -> str:
    """"" when the printed syntax parses back (with ``shapes``; parsed once per text) to an
    expression whose value at every point of the stack ``values`` is ``internal`` (the
    result's, a stack too), else what went wrong."""
    if text is None or shapes is None:
        return ""
    back = _parse_back(text, tuple(sorted(shapes.items(), key=lambda kv: kv[0])))
    if isinstance(back, str):
        return back
    if back == expr:
        return ""
    size = len(internal)
    try:
        got = evaluate_batch(back, values, assignment, size)
    except Exception as exc:  # noqa: BLE001 - any failure is the printer's
        return f"the printed result {text} parses back to something that cannot be " \
               f"evaluated ({type(exc).__name__})"
    want = np.asarray(internal, dtype=float)
    if got[0].size != want[0].size:
        return f"the printed result {text} parses back to a value of shape " \
               f"{got.shape[1:]}, not {want.shape[1:]}"
    got, want = got.reshape(size, -1), want.reshape(size, -1)
    if not np.all(_close(got, want, rtol, atol)):
        return (f"the printed result {text} parses back to another expression ({_at(assignment)} "
                f"its value differs from the result's by "
                f"{float(np.max(np.abs(got - want))):.3g})")
    return ""


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Per row (point): every |got - want| within ``tolerance(got, want, 0, rtol, atol)``
    of that row, plus atol absolute (two evaluation orders of the same value differ by
    rounding). The typical size S of ``judge`` is the row's median nonzero |want|."""
    rows = np.arange(len(want))
    with np.errstate(all="ignore"):
        a = np.abs(want)
        nonzero = (want != 0) & np.isfinite(want)
        ordered = np.sort(np.where(nonzero, a, np.inf), axis=1)     # nonzero ones first
        count = nonzero.sum(axis=1)
        lo, hi = np.maximum(count - 1, 0) // 2, count // 2
        hi = np.minimum(hi, want.shape[1] - 1)
        typical = np.where(count > 0, (ordered[rows, lo] + ordered[rows, hi]) / 2, 1.0)
        scale = np.maximum(np.maximum(np.abs(got), a), (atol / rtol) * typical[:, None])
        return np.all(np.abs(got - want) <= rtol * scale + atol, axis=1)


def _as_claimed(value: Any, shape: tuple[int, ...], transpose: bool, text: str) -> np.ndarray:
    """The printed value as an array of ``shape`` (a number stands for every entry)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise PrintedError(f"the printed NumPy text gives a {type(value).__name__}, not "
                           f"numbers: {text}") from None
    if transpose and arr.ndim == 2:
        arr = arr.T
    if arr.size == 1:
        return np.full(shape, float(arr.ravel()[0]))
    if arr.size != math.prod(shape) or arr.ndim == 2 and len(shape) == 2 \
            and arr.shape != shape:
        raise PrintedError(f"the printed NumPy text gives shape {arr.shape}, not "
                           f"{shape}: {text}")
    return arr.reshape(shape)


def check_matrix(f_expr: sp.Basic, claims: list[Claim], dims: Iterable[sp.Symbol],
                 kind: str, *, points: int = 20, seed: int = 0, rtol: float = 1e-6,
                 atol: float = 1e-8, shapes: Mapping[str, Any] | None = None) -> Verification:
    """Check every claim (``kind`` "gradient": f scalar; "jacobian": f a vector, the claim
    its numerator-layout Jacobian) against finite differences of ``f_expr`` at ``points``
    usable points; ``shapes`` (name -> shape) parses the printed syntax back. See the
    module docstring. The points of a batch are one stack: f and the results are
    evaluated once for all of them, and every stencil value of every direction at every
    point in one more pass (:mod:`matcalc.verify.stacks`); the printed NumPy text is
    evaluated per point, on the arrays of that point, as the user runs it."""
    rng = np.random.default_rng(seed)
    dims = set(dims)
    near = conditioned(f_expr)
    fan = fan_in([f_expr])
    variables = [c.var for c in claims]
    all_vars = sorted({s for s in f_expr.atoms(MatrixSymbol, sp.Symbol) | set(variables)
                       if not isinstance(s, sp.Dummy)
                       and not (isinstance(s, sp.Symbol) and s in dims)},
                      key=lambda s: s.name)
    codes = {}
    for c in claims:
        t = c.texts()
        try:
            codes[c.var.name] = (t, compile_numpy(t.numpy) if t.numpy is not None else None)
        except PrintedError as exc:
            return Verification("failed", "printed NumPy text", tolerance=rtol,
                                message=f"d/d{c.var.name}: {exc}")
    points, what = _budget(f_expr, dims, points)
    per_point = 1 if what else _directions(points)
    free = f_expr.free_symbols
    # the claims' values are stored under names no input can have (user names are
    # identifiers; these contain a space)
    program = [(" f", f_expr), *[(f" d{c.var.name}", c.expr) for c in claims]]

    def examine(assignment: dict[sp.Symbol, int], count: int, positive: bool,
                accepted: int) -> _Examined:
        env_dims = {d.name: v for d, v in assignment.items()}
        values = draw_batch(all_vars, assignment, rng, near, count, positive, fan)
        env, status = run(program, values, assignment, count)
        usable = (status == OK) & np.all([finite(env[n]) for n, _ in program], axis=0)
        found = _Examined(_reasons(status, usable))
        ok = np.flatnonzero(usable)
        if not ok.size:
            return found
        f_size = int(env[" f"][0].size)
        claimed: dict[str, np.ndarray] = {}
        envs = [{**at(values, i), **env_dims} for i in ok]
        for c in claims:                    # the printed NumPy text, point by point
            texts, code = codes[c.var.name]
            want = tuple(values[c.var.name].shape[1:]) if kind == "gradient" else \
                (f_size, int(values[c.var.name][0].size))
            try:
                if code is not None:
                    printed = eval_numpy_each(code, envs)
                else:                       # no NumPy text: the result as printed
                    printed = [np.swapaxes(v, -1, -2) if c.transpose and np.ndim(v) == 2
                               else v for v in env[f" d{c.var.name}"][ok]]
                claimed[c.var.name] = np.stack([
                    _as_claimed(v, want, c.transpose, texts.numpy or "") for v in printed])
            except PrintedError as exc:
                raise _Failed(f"d/d{c.var.name}: {exc}") from None
            bad = _round_trip(texts.syntax, c.expr, shapes, take(values, ok), assignment,
                              env[f" d{c.var.name}"][ok], rtol, atol)
            if bad:
                raise _Failed(f"d/d{c.var.name}: {bad}")
        per_row = entries_per_point([f_expr], assignment)

        def objective(rows: dict[str, np.ndarray], n: int) -> np.ndarray:
            return run(program[:1], rows, assignment, n)[0][" f"].reshape(n, -1)

        def compare(moves: list[Moves]) -> dict[int, list[Comparison]]:
            """The comparisons of these moves, by candidate."""
            out: dict[int, list[Comparison]] = {}
            where_at = _at(assignment)
            for c, m, d in zip(claims, moves, directional(objective, values, moves, rtol,
                                                           per_row)):
                mine = claimed[c.var.name][np.searchsorted(ok, m.points)]
                k = len(m.points)
                if kind == "gradient":
                    got = np.sum((mine * m.directions).reshape(k, -1), axis=1)[:, None]
                else:
                    got = (mine @ m.directions.reshape(k, -1, 1))[:, :, 0]
                sharp = np.isfinite(d.fd) if c.var not in free else d.sharp
                _by_point(out, m.points, got, d.fd, d.err, sharp, f"d/d{c.var.name} {where_at}")
            return out

        def unit_moves(i: int) -> list[Moves]:
            out = []
            for c in claims:
                shape = values[c.var.name].shape[1:]
                size = math.prod(shape)
                eye = np.eye(size).reshape((size, *shape)) if size <= FULL_ENTRIES \
                    else np.zeros((0, *shape))
                out.append(Moves(c.var.name, np.full(len(eye), i), eye))
            return out

        moves = []
        for c in claims:
            shape = values[c.var.name].shape[1:]
            dirs = rng.standard_normal((len(ok) * per_point, *shape))
            moves.append(Moves(c.var.name, np.repeat(ok, per_point), dirs))
        if accepted == 0:                   # the first point: every unit direction too
            found.unit = int(ok[0])
            moves = [Moves(m.name, np.concatenate([m.points, u.points]),
                           np.concatenate([m.directions, u.directions]))
                     for m, u in zip(moves, unit_moves(found.unit))]
            found.more = lambda i: compare(unit_moves(i)).get(i, [])
        found.comparisons = compare(moves)
        for i in ok:
            found.comparisons.setdefault(int(i), [])
        return found

    return _run(what, dims, seed, points, per_point, examine, rtol, atol)


def _emitted(prog: Any, bp: Any) -> Any:
    """The code of the ``--emit numpy`` module (``Derivation.to_numpy()`` of a backward
    pass), compiled; None when it cannot be written."""
    from ..matrix.emit import emit_numpy
    try:
        return compile(emit_numpy(prog, bp), "<matcalc --emit numpy>", "exec")
    except (ValueError, TypeError, SyntaxError) as exc:
        return exc


def _run_emitted(module: Any, prog: Any, bp: Any, values: dict, printed: dict,
                 rtol: float, atol: float) -> str:
    """"" when ``backward(...)`` of the emitted module gives every parameter's gradient
    as the printed equations do (those are compared with finite differences)."""
    from ..matrix.backprop import adjoint_symbol
    from ..matrix.emit import scalar_inputs
    if isinstance(module, BaseException):
        return f"cannot be written or compiled ({type(module).__name__}: {module})"
    namespace: dict[str, Any] = {"__name__": "matcalc_emitted"}
    try:
        with np.errstate(all="ignore"):
            exec(module, namespace)  # noqa: S102 - matcalc's own generated module
            grads = namespace["backward"](**{n: values[n] for n in
                                             [*prog.shapes, *scalar_inputs(prog)]})
    except Exception as exc:  # noqa: BLE001 - any failure is the emitter's
        return f"backward() raises {type(exc).__name__}: {exc}"
    for p in bp.parameters:
        want = np.asarray(printed[adjoint_symbol(p).name], dtype=float)
        try:
            got = np.asarray(grads[p.name], dtype=float)
        except (KeyError, TypeError, ValueError):
            return f"backward() gives no gradient for {p.name}"
        if got.size != want.size and got.size != 1:
            return f"backward() gives {p.name} the shape {got.shape}, not {want.shape}"
        got = np.broadcast_to(got.reshape(-1) if got.size == want.size else got,
                              want.reshape(-1).shape)
        w = want.reshape(-1)
        with np.errstate(all="ignore"):
            ok = np.abs(got - w) <= tolerance(got, w, np.zeros_like(w), rtol, atol) + atol
        if not np.all(ok):
            return f"backward() gives another d{p.name} than the equations"
    return ""


def check_derivation(f: sp.Basic, kind: str, layout: str, variables: list[sp.Basic],
                     results: Mapping[str, sp.Basic], shapes: Mapping[str, Any],
                     dims: Iterable[sp.Symbol], opts: Any) -> Verification:
    """The check of a derivation with shapes (``derive``/``grad``/``jacobian``), with the
    Options' points, seed, rtol and atol. A Jacobian printed in the denominator layout, or
    the row Jacobian of a scalar, is transposed back to the numerator layout / gradient it
    is compared as; a vector-Jacobian product for the upstream gradient G (a matrix
    function, or a Jacobian with respect to a matrix) is the gradient of the scalar
    L = tr(G^T f), G drawn at random like any other input."""
    small = _smaller(f, results, shapes, opts.points)
    if small is not None:           # large declared sizes: the same structure, smaller
        mapping, sizes, note = small
        f = f.xreplace(mapping)
        results = {k: v.xreplace(mapping) for k, v in results.items()}
        variables = [v.xreplace(mapping) for v in variables]
        shapes = {k: tuple(_shrunk_dim(d, sizes) for d in s) for k, s in shapes.items()}
        v = _check_at(f, kind, layout, variables, results, shapes, dims, opts)
        return replace(v, method=_noted(v.method, note))
    return _check_at(f, kind, layout, variables, results, shapes, dims, opts)


def _check_at(f: sp.Basic, kind: str, layout: str, variables: list[sp.Basic],
              results: Mapping[str, sp.Basic], shapes: Mapping[str, Any],
              dims: Iterable[sp.Symbol], opts: Any) -> Verification:
    """:func:`check_derivation` at the sizes given (no smaller ones)."""
    from ..matrix.algebra import is_matrix
    _refuse_huge([f, *results.values()], dims, opts.seed)
    common = dict(points=opts.points, seed=opts.seed, rtol=opts.rtol, atol=opts.atol)
    if any(is_matrix(f) and (is_matrix(v) and v.shape[1] != 1 or f.shape[1] != 1)
           for v in variables):
        upstream = MatrixSymbol("G", *f.shape)
        loss = sp.Trace(sp.MatMul(sp.Transpose(upstream), f))
        return check_matrix(loss, [Claim(variables[0], results["jacobian"])], dims,
                            "gradient", shapes={**shapes, "G": tuple(f.shape)}, **common)
    if kind == "jacobian":
        flip = (layout == "denominator") != (not is_matrix(f))
        claims = [Claim(variables[0], results["jacobian"], transpose=flip)]
    else:
        claims = [Claim(v, results[v.name]) for v in variables]
    return check_matrix(f, claims, dims, "jacobian" if is_matrix(f) else "gradient",
                        shapes=shapes, **common)


#: Declared sizes are replaced by these (in order) when a check at them is not cheap.
SMALL_SIZES = (7, 8, 9, 10, 11, 12, 13)


def _smaller(f: sp.Basic, results: Mapping[str, sp.Basic], shapes: Mapping[str, Any],
             points: int) -> tuple[dict, dict, str] | None:
    """When ``points`` points at the declared (numeric) sizes would cost more than
    ``ENTRY_BUDGET`` entries (of the inputs, of f and of the results), a replacement of
    every declared size above 6 by a small one
    (distinct sizes stay distinct, equal ones equal, sizes up to 6 and symbols are kept):
    the matrices, identities, ones and zeros of f and of the results are rebuilt at the
    smaller sizes. Constants (a 1/1000 written for 1/m) stay: f and its derivative
    keep them alike, so the derivative of the smaller f is the smaller result. None when
    the check is cheap at the declared sizes (or nothing is numeric)."""
    exprs = [f, *results.values()]
    mats = {m for e in exprs for m in e.atoms(MatrixSymbol)}
    numeric = {int(d) for m in mats for d in m.shape if isinstance(d, (int, sp.Integer))}
    # the inputs' entries and the values' (f's and each result's: a 1000 x 1000
    # Jacobian costs its million entries at every stencil point, whatever its inputs)
    entries = sum(math.prod(int(d) for d in m.shape)
                  for m in [*mats, *(e for e in exprs if getattr(e, "is_Matrix", False))]
                  if all(isinstance(d, (int, sp.Integer)) for d in m.shape))
    big = sorted(d for d in numeric if d > SMALL_SIZES[0] - 1)
    if entries * points <= ENTRY_BUDGET or not big or len(big) > len(SMALL_SIZES):
        return None
    size_map = {sp.Integer(d): sp.Integer(n) for d, n in zip(big, SMALL_SIZES)}
    if all(a == b for a, b in size_map.items()):
        return None                 # already the smaller sizes

    def dim(d: Any) -> Any:
        return size_map.get(sp.Integer(d), d) if isinstance(d, (int, sp.Integer)) else d
    mapping: dict = {}
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, MatrixSymbol):
                mapping[node] = MatrixSymbol(node.name, *(dim(d) for d in node.shape))
            elif isinstance(node, (sp.Identity,)):
                mapping[node] = sp.Identity(dim(node.shape[0]))
            elif isinstance(node, (sp.OneMatrix, sp.ZeroMatrix)):
                mapping[node] = type(node)(*(dim(d) for d in node.shape))
    note = ("the declared sizes are large: checked at a smaller size of the same "
            "structure, " + ", ".join(f"{a} -> {b}" for a, b in size_map.items()))
    return mapping, size_map, note


def _noted(method: str, note: str) -> str:
    """The method line of a check made at smaller sizes: it names them."""
    return method.replace(" at the declared sizes", "") + f" ({note})"


def _shrunk_dim(d: Any, sizes: Mapping) -> Any:
    return sizes.get(sp.Integer(d), d) if isinstance(d, (int, sp.Integer)) else d


def _refuse_huge(exprs: list[sp.Basic], dims: Iterable[sp.Symbol], seed: int) -> None:
    """Exit 2 before any allocation when a matrix (an input or any intermediate) would be
    too large to sample at one of the size assignments the check may draw."""
    from ..limits import check_sample_sizes
    for assignment in size_assignments(dims, seed):
        check_sample_sizes(exprs, assignment)


def _no_points(method: str, accepted: int, points: int, tally: _Tally, draws: _Points,
               rtol: float) -> Verification:
    """The "skipped" record when too few usable points were found, with the reason."""
    tried = " and ".join(_sizes_text(a) for a in draws.tried)
    unresolved = set(tally.reasons) <= {"finite differences unresolved"}
    head = (f"not enough evidence: only {accepted} of {points} points where float64 "
            "finite differences resolve f" if unresolved and tally.reasons else
            "the function cannot be evaluated at the sampled points" if not accepted
            else f"only {accepted} of {points} usable points")
    return Verification.skipped(method, f"{head} (sizes tried: {tried}; rejected: "
                                f"{tally.why()})", points=accepted, rtol=rtol,
                                rejected=tally.rejected)


def check_backprop(prog: Any, bp: Any, *, points: int = 20, seed: int = 0, rtol: float = 1e-6,
                   atol: float = 1e-8) -> Verification:
    """Every parameter's gradient against finite differences of the objective J along
    random directions: the forward pass is evaluated, then the *printed* adjoint equations
    in backward order (as a reader runs them); every printed equation must also parse back
    to its equation. See the module docstring."""
    from ..matrix.backprop import adjoint_symbol

    inputs = [MatrixSymbol(n, *s) for n, s in prog.shapes.items()]
    small = _smaller(sp.Tuple(*inputs), {**{t.name: v for t, v in prog.assignments},
                                         **bp.equations}, {}, points)
    if small is not None:           # large declared sizes: the same program, smaller
        mapping, sizes, note = small
        prog = replace(prog, shapes={k: tuple(_shrunk_dim(d, sizes) for d in sh)
                                     for k, sh in prog.shapes.items()},
                       assignments=[(t.xreplace(mapping), v.xreplace(mapping))
                                    for t, v in prog.assignments])
        bp = replace(bp, equations={k: v.xreplace(mapping) for k, v in bp.equations.items()},
                     parameters=[p.xreplace(mapping) for p in bp.parameters],
                     order=[v.xreplace(mapping) for v in bp.order],
                     loss=bp.loss.xreplace(mapping))
        v = check_backprop(prog, bp, points=points, seed=seed, rtol=rtol, atol=atol)
        return replace(v, method=_noted(v.method, note))
    rng = np.random.default_rng(seed)
    dims = prog.dims()
    targets = {t for t, _ in prog.assignments}
    inputs = [MatrixSymbol(n, *s) for n, s in prog.shapes.items()]
    scalars = sorted({s for _, v in prog.assignments for s in v.atoms(sp.Symbol)
                      if not isinstance(s, sp.Dummy) and s not in dims
                      and s.name not in prog.shapes and s not in targets},
                     key=lambda s: s.name)
    near = set().union(*[conditioned(v) for _, v in prog.assignments])
    fan = fan_in(v for _, v in prog.assignments)
    _refuse_huge([*inputs, *(v for _, v in prog.assignments), *bp.equations.values()], dims,
                 seed)
    shapes: dict[str, Any] = dict(prog.shapes)
    for t in targets:
        if isinstance(t, MatrixSymbol):
            shapes[t.name] = tuple(t.shape)
    names = [adjoint_symbol(v).name for v in bp.order]
    for v in bp.order:
        if isinstance(adjoint_symbol(v), MatrixSymbol):
            shapes[adjoint_symbol(v).name] = tuple(v.shape)
    codes = {}
    for name in names:
        t = matrix_texts(bp.equations[name])
        try:
            codes[name] = (t, compile_numpy(t.numpy) if t.numpy is not None else None)
        except PrintedError as exc:
            return Verification("failed", "printed NumPy text", tolerance=rtol,
                                message=f"{name}: {exc}")

    module = _emitted(prog, bp)

    forward = [(t.name, v) for t, v in prog.assignments]
    program = [*forward, *((name, bp.equations[name]) for name in names)]
    objective_name = prog.objective.name
    points, capped = _budget(sp.Tuple(*inputs), dims, points)
    per_point = 1 if capped else _directions(points)
    what = f" of {objective_name}{capped}"
    emitted_runs = [0]

    def examine(assignment: dict[sp.Symbol, int], count: int, positive: bool,
                accepted: int) -> _Examined:
        env_dims = {d.name: v for d, v in assignment.items()}
        values = draw_batch(inputs + scalars, assignment, rng, near, count, positive, fan)
        env, status = run(program, values, assignment, count)   # forward, then backward
        usable = (status == OK) & np.all([finite(env[n]) for n in [objective_name, *names]],
                                         axis=0)
        found = _Examined(_reasons(status, usable))
        ok = np.flatnonzero(usable)
        if not ok.size:
            return found
        forward_env = {n: v for n, v in env.items() if n not in names}
        claimed: dict[str, list[np.ndarray]] = {p.name: [] for p in bp.parameters}
        for i in ok:                                # as the reader runs it, point by point
            printed_env = {**at(forward_env, i), **env_dims}
            for name in names:
                texts, code = codes[name]
                try:
                    printed_env[name] = eval_numpy(code, printed_env) if code is not None \
                        else env[name][i]
                except PrintedError as exc:
                    raise _Failed(f"{name}: {exc}") from None
            if emitted_runs[0] < 2:                # the --emit numpy module, run as is
                emitted_runs[0] += 1
                bad = _run_emitted(module, prog, bp, at(values, i), printed_env, rtol, atol)
                if bad:
                    raise _Failed(f"the --emit numpy module: {bad}")
            for p in bp.parameters:
                name = adjoint_symbol(p).name
                try:
                    claimed[p.name].append(_as_claimed(printed_env[name], values[p.name].shape[1:],
                                                       False, codes[name][0].numpy or ""))
                except PrintedError as exc:
                    raise _Failed(f"{name}: {exc}") from None
        if accepted < 2:    # the printed syntax read back: the parse does not depend on the
            at_ok = take(env, ok)   # values; 400 equations at 20 points cost 20 s
            for name in names:
                bad = _round_trip(codes[name][0].syntax, bp.equations[name], shapes, at_ok,
                                  assignment, env[name][ok], rtol, atol)
                if bad:
                    raise _Failed(f"{name}: {bad}")
        per_row = entries_per_point([*inputs, *(v for _, v in forward)], assignment)

        def objective(rows: dict[str, np.ndarray], n: int) -> np.ndarray:
            return run(forward, rows, assignment, n)[0][objective_name].reshape(n, -1)

        moves = [Moves(p.name, np.repeat(ok, per_point),
                       rng.standard_normal((len(ok) * per_point, *values[p.name].shape[1:])))
                 for p in bp.parameters]
        where_at = _at(assignment)
        for p, m, d in zip(bp.parameters, moves, directional(objective, values, moves, rtol,
                                                             per_row)):
            mine = np.stack(claimed[p.name])[np.searchsorted(ok, m.points)]
            k = len(m.points)
            got = np.sum((mine * m.directions).reshape(k, -1), axis=1)[:, None]
            _by_point(found.comparisons, m.points, got, d.fd, d.err, d.sharp,
                      f"{adjoint_symbol(p).name} {where_at}")
        for i in ok:
            found.comparisons.setdefault(int(i), [])
        return found

    return _run(what, dims, seed, points, per_point, examine, rtol, atol)


def _run(what: str, dims: Any, seed: int, points: int, per_point: int, examine: Any,
         rtol: float, atol: float) -> Verification:
    """Draw the points (``_gather`` through ``examine``), and the verdict: "failed" at the
    first point that disagrees, else ``_verdict`` of what was gathered."""
    draws = _Points(dims, seed)
    tally = _Tally()
    sizes: list[str] = []
    try:
        accepted = _gather(draws, points, tally, sizes, examine)
    except _Failed as exc:
        message, accepted, tried = exc.args
        return Verification("failed", _method(what, accepted + 1, per_point, tried),
                            accepted + 1, tolerance=rtol, rejected=tally.rejected,
                            message=message)
    return _verdict(what, accepted, per_point, sizes, points, tally, draws, rtol, atol)


def _verdict(what: str, accepted: int, per_point: int, sizes: list[str], points: int,
             tally: Any, draws: Any, rtol: float, atol: float) -> Verification:
    """The one verdict of a matrix or backprop check: too few usable points is "skipped"
    with the reasons, else the pass test over every comparison tallied."""
    method = _method(what, accepted, per_point, sizes)
    if accepted < points:
        return _no_points(method, accepted, points, tally, draws, rtol)
    return judge(*tally.arrays(), rtol=rtol,
                 atol=atol, method=method, points=accepted, rejected=tally.rejected,
                 where=tally.where)
