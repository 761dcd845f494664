"""The checks with shapes on stacks of points: every sample point and every stencil offset
of a directional difference evaluated in one pass of :func:`~.evaluate.evaluate_batch`.

A *stack* holds, per input name, the values at B points: a (B, r, c) array for a matrix,
a (B,) array for a scalar. :func:`run` evaluates a straight-line program (``name = expr``
in order: a forward pass, or f and its results) over a stack; :func:`directional` takes
the Richardson central differences of an objective along many (point, variable,
direction) moves at once:

* the step of a move is scaled to the point and to the direction (``H`` times the
  root-mean-square of X over that of V, at least ``H * 1e-3`` per entry);
* its four stencil values f(X + s t V), s = 1, -1, 1/2, -1/2, are four rows of one stack
  (every move of every point and variable: one evaluation, in chunks of at most
  ``CHUNK_ENTRIES`` entries);
* where only the truncation error is too large, the moves concerned are evaluated once
  more at a 16 times smaller step (up to ``RETRIES`` times), again as one stack.

The estimate, its error and the resolution test are those of :mod:`.sampling` (the same
formulas as for scalar kinds, applied per entry of f).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixExpr

from .evaluate import BatchBackend, evaluate_batch
from .sampling import RETRY, STENCIL, resolved, richardson, rounding_error

#: Relative step of the directional differences (see the module docstring).
H = 1e-4
#: Retries at a 16 times smaller step when only the truncation error is too large.
RETRIES = 2
#: Entries (of every distinct matrix in the program, per point) times points evaluated in
#: one stack; a larger stack is evaluated in chunks (memory stays bounded at any size).
CHUNK_ENTRIES = 2_000_000

#: Evaluation failures that make a point unusable (not a verdict on the result).
UNUSABLE = (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError,
            ValueError)

#: Per point of a run: usable, a matrix to invert was singular, evaluation raised.
OK, SINGULAR, UNDEFINED = 0, 1, 2

Program = Sequence[tuple[str, sp.Basic]]


def _size(d: Any, dims: Mapping[sp.Symbol, int]) -> int:
    return int(d) if isinstance(d, int) else int(sp.sympify(d).xreplace(dict(dims)))


def shape_of(expr: sp.Basic, dims: Mapping[sp.Symbol, int]) -> tuple[int, ...]:
    """The value's shape at one point: (r, c) for a matrix expression, () for a scalar."""
    if isinstance(expr, MatrixExpr):
        return tuple(_size(d, dims) for d in expr.shape)
    return ()


def take(stack: Mapping[str, np.ndarray], index: Any) -> dict[str, np.ndarray]:
    """The stack at some of its points (an index array or a slice), every name."""
    return {k: v[index] for k, v in stack.items()}


def at(stack: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    """The values at point i as one point has them: 2-D arrays, and floats for scalars."""
    return {k: (v[i] if v.ndim > 1 else float(v[i])) for k, v in stack.items()}


def run(program: Program, values: Mapping[str, np.ndarray], dims: Mapping[sp.Symbol, int],
        size: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every ``name = expr`` of ``program`` in order over a stack of ``size`` points (later
    expressions read earlier names): the stack of values by name, and per point OK,
    SINGULAR (a matrix to invert is singular there; its values are NaN) or UNDEFINED
    (the evaluation raised there). When the stack as a whole raises, the points are
    evaluated one at a time, so one bad point costs no others."""
    be = BatchBackend(size)
    env: dict[str, np.ndarray] = dict(values)
    try:
        for name, expr in program:
            env[name] = evaluate_batch(expr, env, dims, size, be)
        return env, np.where(be.singular, SINGULAR, OK)
    except UNUSABLE:
        pass
    env = dict(values)
    for name, expr in program:
        env[name] = np.full((size, *shape_of(expr, dims)), np.nan)
    status = np.full(size, OK)
    for i in range(size):
        one = BatchBackend(1)
        local = take(values, slice(i, i + 1))
        try:
            for name, expr in program:
                local[name] = evaluate_batch(expr, local, dims, 1, one)
        except UNUSABLE as exc:
            status[i] = SINGULAR if isinstance(exc, np.linalg.LinAlgError) else UNDEFINED
            continue
        for name, _ in program:
            env[name][i] = local[name][0]
        status[i] = SINGULAR if one.singular[0] else OK
    return env, status


def finite(stack: np.ndarray) -> np.ndarray:
    """Per point: every entry finite."""
    a = np.asarray(stack, dtype=float)
    return np.all(np.isfinite(a.reshape(a.shape[0], -1)), axis=1)


def entries_per_point(exprs: Iterable[sp.Basic], dims: Mapping[sp.Symbol, int]) -> int:
    """Entries of every distinct matrix (input or intermediate) of ``exprs`` at one point:
    what one row of a stack holds, to size the chunks."""
    seen: set[sp.Basic] = set()
    total = 1
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, MatrixExpr) and node not in seen:
                seen.add(node)
                total += math.prod(shape_of(node, dims))
    return total


@dataclass(frozen=True)
class Moves:
    """Directional differences to take along one variable: move k changes ``name`` at point
    ``points[k]`` of the base stack along ``directions[k]`` (shape (k, *shape of name))."""

    name: str
    points: np.ndarray
    directions: np.ndarray

    def subset(self, keep: np.ndarray) -> "Moves":
        return Moves(self.name, self.points[keep], self.directions[keep])


@dataclass(frozen=True)
class Differences:
    """Per move (rows) and entry of f (columns): the Richardson estimate, its error
    estimate (truncation + rounding), and whether it is resolved evidence."""

    fd: np.ndarray
    err: np.ndarray
    sharp: np.ndarray


def steps(x: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Per move: t such that t V has root-mean-square H times that of X (at least
    H * 1e-3 per entry), the step scaled to the point and to the direction."""
    k = len(directions)
    xs = np.sqrt(np.mean(np.square(x.reshape(k, -1)), axis=1))
    vs = np.sqrt(np.mean(np.square(directions.reshape(k, -1)), axis=1))
    with np.errstate(all="ignore"):
        return np.where(vs > 0, H * np.maximum(xs, 1e-3) / vs, H)


Objective = Callable[[dict[str, np.ndarray], int], np.ndarray]


def _stencil_rows(objective: Objective, base: Mapping[str, np.ndarray],
                  moves: Sequence[Moves], hs: Sequence[np.ndarray],
                  per_row: int) -> list[np.ndarray]:
    """f on the four stencil offsets of every move: per Moves a (k, 4, K) array."""
    offsets = STENCIL[1:]                  # the centre (STENCIL[0]) is not used
    nst = len(offsets)
    counts = [len(m.points) for m in moves]
    total = sum(counts)
    if total == 0:
        return [np.zeros((0, nst, 1)) for _ in moves]
    points = np.repeat(np.concatenate([m.points for m in moves]), nst)
    rows = take(base, points)              # copies: shifted in place below
    start = 0
    for m, h, k in zip(moves, hs, counts):
        if k:
            shift = (offsets[None, :] * h[:, None]).reshape(-1)
            d = np.repeat(m.directions, nst, axis=0)
            rows[m.name][start:start + k * nst] += \
                shift.reshape((-1,) + (1,) * (d.ndim - 1)) * d
        start += k * nst
    n = total * nst
    chunk = max(nst, (CHUNK_ENTRIES // max(per_row, 1)) // nst * nst)
    parts = [np.asarray(objective(take(rows, slice(a, min(a + chunk, n))),
                                  min(a + chunk, n) - a), dtype=float)
             for a in range(0, n, chunk)]
    f = np.concatenate(parts).reshape(total, nst, -1)
    out, start = [], 0
    for k in counts:
        out.append(f[start:start + k])
        start += k
    return out


def _from_stencil(f: np.ndarray, h: np.ndarray, rtol: float) -> tuple[np.ndarray, ...]:
    """fd, error, sharp and the rounding part, per move and entry, from (k, 4, K) values."""
    fs = np.concatenate([f[:, :1], f], axis=1).transpose(1, 0, 2)   # row 0: the centre
    hs = h[:, None]
    fd, trunc = richardson(fs, hs)
    rnd = rounding_error(fs, hs)
    finite = np.all(np.isfinite(fs), axis=0)
    # f exactly the same at all five stencil points, with a rounding bound 4 eps |f| / h
    # below 1e-2 rtol: the derivative along the move is 0 to within that (a step or sign
    # between its jumps). An entry flat only because a large |f| swamps the move
    # ((x + 1e20) step(x)) has a large bound: it stays unresolved, and then no flat entry
    # of that move counts either (the move cannot see all of f).
    with np.errstate(all="ignore"):
        same = finite & np.all(fs == fs[:1], axis=0)
        tiny = rnd <= 0.01 * rtol
        blind = np.any(same & ~tiny, axis=-1, keepdims=True)
        flat = same & tiny & ~blind
    sharp = finite & (resolved(fd, trunc + rnd, rtol) | flat)
    return fd, trunc + rnd, sharp, rnd


def directional(objective: Objective, base: Mapping[str, np.ndarray],
                moves: Sequence[Moves], rtol: float, per_row: int = 1) -> list[Differences]:
    """The Richardson central differences of t -> f(X + t V) at t = 0 for every move (see
    the module docstring); ``objective(stack, n)`` gives f at n points as an (n, K) array
    (NaN where it is not defined), ``per_row`` the entries one point holds."""
    hs = [steps(base[m.name][m.points], m.directions) for m in moves]
    found = [list(_from_stencil(f, h, rtol))
             for f, h in zip(_stencil_rows(objective, base, moves, hs, per_row), hs)]
    for _ in range(RETRIES):
        again = []
        for fd, _err, sharp, rnd in found:
            with np.errstate(all="ignore"):
                again.append(~sharp & np.isfinite(fd) & (rnd <= 0.01 * rtol * np.abs(fd)))
        redo = [np.flatnonzero(a.any(axis=1)) if a.size else np.zeros(0, int) for a in again]
        if not any(r.size for r in redo):
            break
        for m, r in enumerate(redo):
            hs[m] = hs[m].copy()
            hs[m][r] *= RETRY
        sub = [m.subset(r) for m, r in zip(moves, redo)]
        fresh = _stencil_rows(objective, base, sub, [h[r] for h, r in zip(hs, redo)],
                              per_row)
        for j, (r, f) in enumerate(zip(redo, fresh)):
            if not r.size:
                continue
            new = _from_stencil(f, hs[j][r], rtol)
            use = again[j][r]
            for q in range(4):
                found[j][q][r] = np.where(use, new[q], found[j][q][r])
    return [Differences(fd, err, sharp) for fd, err, sharp, _ in found]
