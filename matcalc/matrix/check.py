"""Verifying matrix results at random concrete sizes.

For each of two random size assignments (dimension symbols -> sizes 2..6, different
dimensions different where there are enough sizes) and a few random points:

* gradient G of a scalar f: the directional check <G, V> against the central difference
  (f(X + hV) - f(X - hV)) / 2h (Richardson-extrapolated) for several random directions V,
  and, when X has at most ``FULL_ENTRIES`` entries, every component of G;
* Jacobian J of a vector function: J v against the central difference of f along v.

Square matrices that are inverted, or whose determinant is taken, are drawn near the
identity (well conditioned, positive determinant). Points where f is not finite are
redrawn. A few function evaluations per direction: the cost does not grow like n^2.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import sympy as sp
from sympy import Determinant, Inverse, MatPow, MatrixSymbol

from ..limits import check_sample_sizes
from ..verify.result import Verification
from .evaluate import evaluate
from .nodes import LogDet

SIZES = (2, 3, 4, 5, 6)
FULL_ENTRIES = 30
DIRECTIONS = 3
H = 1e-3


def size_assignments(dims: Iterable[sp.Symbol], seed: int = 0) -> list[dict[sp.Symbol, int]]:
    """Two random assignments of the dimension symbols (sorted by name) to sizes 2..6,
    different dimensions different where there are enough sizes, and the second
    assignment different from the first."""
    names = sorted(set(dims), key=lambda s: s.name)
    if not names:
        return [{}]                     # every size declared: one assignment
    rng = np.random.default_rng(seed + 7919)
    out: list[dict[sp.Symbol, int]] = []
    while len(out) < 2:
        if len(names) <= len(SIZES):
            values = rng.choice(SIZES, size=len(names), replace=False)
        else:
            values = rng.choice(SIZES, size=len(names), replace=True)
        candidate = {d: int(v) for d, v in zip(names, values)}
        if not out or candidate != out[0]:
            out.append(candidate)
    return out


def _size(d: sp.Expr | int, dims: dict) -> int:
    """A dimension (an integer or a dimension symbol) at these sizes."""
    return int(d) if isinstance(d, int) else int(d.xreplace(dims))


def _conditioned(expr: sp.Basic) -> set[str]:
    """Names of matrices that sit under an inverse, determinant or power."""
    names: set[str] = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (Inverse, Determinant, LogDet, MatPow)):
            names |= {s.name for s in node.atoms(MatrixSymbol)}
    return names


def draw(variables: list[sp.Basic], dims: dict, rng: np.random.Generator,
         near_identity: set[str], positive: bool = False) -> dict[str, Any]:
    """Random values for the variables at these sizes (entries in [0.5, 2] when
    ``positive``: the fallback for logarithms and square roots of whole vectors)."""
    values: dict[str, Any] = {}
    for v in variables:
        if isinstance(v, MatrixSymbol):
            r, c = (_size(d, dims) for d in v.shape)
            if v.name in near_identity and r == c:
                values[v.name] = np.eye(r) + 0.3 * rng.standard_normal((r, c)) / np.sqrt(r)
            elif positive:
                values[v.name] = rng.uniform(0.5, 2.0, (r, c))
            else:
                values[v.name] = rng.standard_normal((r, c))
        else:
            values[v.name] = float(rng.uniform(0.5, 2.0))
    return values


def _shift(values: dict, name: str, direction: Any, h: float) -> dict:
    out = dict(values)
    out[name] = values[name] + h * direction
    return out


def _central(f, values, name, direction) -> tuple[np.ndarray, float]:
    """Richardson-extrapolated central difference of f along ``direction``, and an
    estimate of its error (how much the h and h/2 differences disagree)."""
    def cd(h: float):
        return (np.asarray(f(_shift(values, name, direction, h)), dtype=float)
                - np.asarray(f(_shift(values, name, direction, -h)), dtype=float)) / (2 * h)
    coarse, fine = cd(H), cd(H / 2)
    estimate = float(np.max(np.abs(fine - coarse))) if np.size(fine) else 0.0
    return (4 * fine - coarse) / 3, estimate


def check_matrix(f_expr: sp.Basic, results: dict[str, sp.Basic], variables: list[sp.Basic],
                 dims: Iterable[sp.Symbol], kind: str, *, points: int = 3, seed: int = 0,
                 rtol: float = 1e-6, atol: float = 1e-8) -> Verification:
    """Check ``results[var.name]`` (a gradient, or a numerator-layout Jacobian) for every
    ``var`` against finite differences of ``f_expr``; see the module docstring."""
    rng = np.random.default_rng(seed)
    near = _conditioned(f_expr)
    if not dims and sum(int(np.prod([int(d) for d in v.shape])) for v in
                        f_expr.atoms(MatrixSymbol)) > 10_000:
        points = 1                      # large declared sizes: one point, a few directions
    dims = set(dims)
    all_vars = sorted({s for s in f_expr.atoms(MatrixSymbol, sp.Symbol) | set(variables)
                       if not isinstance(s, sp.Dummy)
                       and not (isinstance(s, sp.Symbol) and s in dims)},
                      key=lambda s: s.name)
    worst_abs = worst_rel = 0.0
    compared = rejected = 0
    sizes_used = []
    for assignment in size_assignments(dims, seed):
        check_sample_sizes([f_expr, *results.values()], assignment)   # before allocating
        sizes_used.append(", ".join(f"{k}={v}" for k, v in assignment.items()) or "fixed")
        def f(values, _a=assignment):
            return evaluate(f_expr, values, _a)
        for _ in range(points):
            for _attempt in range(30):
                values = draw(all_vars, assignment, rng, near, positive=_attempt >= 5)
                with np.errstate(all="ignore"):
                    f0 = np.asarray(f(values), dtype=float)
                if np.all(np.isfinite(f0)):
                    break
                rejected += 1
            else:
                return Verification("skipped", "finite differences", compared,
                                    message="no sample point inside the domain")
            for var in variables:
                with np.errstate(all="ignore"):
                    claimed = np.asarray(evaluate(results[var.name], values, assignment),
                                         dtype=float)
                x = values[var.name]
                shape_x = np.shape(x)
                dirs = [rng.standard_normal(shape_x) for _ in range(DIRECTIONS)]
                if np.size(x) <= FULL_ENTRIES and compared == 0:
                    for k in range(int(np.size(x))):
                        e = np.zeros(int(np.size(x)))
                        e[k] = 1.0
                        dirs.append(e.reshape(shape_x) if shape_x else float(e[0]))
                for direction in dirs:
                    with np.errstate(all="ignore"):
                        fd, estimate = _central(f, values, var.name, direction)
                    if kind == "gradient":
                        got = float(np.sum(claimed * direction))
                    else:
                        d = np.asarray(direction, dtype=float).reshape(-1, 1)
                        got = claimed @ d if claimed.ndim == 2 else claimed * direction
                    err = np.max(np.abs(np.asarray(got) - fd)) if np.size(fd) else 0.0
                    scale = max(1.0, float(np.max(np.abs(fd))) if np.size(fd) else 1.0)
                    if not np.isfinite(estimate) or estimate > 1e-3 * scale:
                        rejected += 1            # f too curved here for finite differences
                        continue
                    worst_abs = max(worst_abs, float(err))
                    worst_rel = max(worst_rel, float(err) / scale)
                    if not np.isfinite(err) or err > atol + rtol * scale + estimate:
                        return Verification(
                            "failed", "directional central differences", compared + 1,
                            float(err), float(err) / scale, rtol, rejected,
                            f"d/d{var.name} disagrees with finite differences at sizes "
                            f"{sizes_used[-1]} (error {float(err):.2e})")
            compared += 1
    method = (f"directional central differences at sizes {' and '.join(sizes_used)}, "
              f"{DIRECTIONS} random directions per point")
    return Verification("passed", method, compared, worst_abs, worst_rel, rtol, rejected)


def check_backprop(prog, bp, *, points: int = 3, seed: int = 0, rtol: float = 1e-6,
                   atol: float = 1e-8) -> Verification:
    """Every parameter's gradient against finite differences of the objective J along
    random directions, at two size assignments: the forward pass and the backward
    equations are evaluated in order, exactly as written."""
    from .backprop import adjoint_symbol

    rng = np.random.default_rng(seed)
    dims = prog.dims()
    inputs = [MatrixSymbol(n, *s) for n, s in prog.shapes.items()]
    scalars = sorted({s for _, v in prog.assignments for s in v.atoms(sp.Symbol)
                      if not isinstance(s, sp.Dummy) and s not in dims
                      and s.name not in prog.shapes
                      and s not in {t for t, _ in prog.assignments}}, key=lambda s: s.name)
    near = set().union(*[_conditioned(v) for _, v in prog.assignments])
    worst_abs = worst_rel = 0.0
    compared = rejected = 0
    sizes_used = []

    def forward(values, sizes):
        env = dict(values)
        for target, value in prog.assignments:
            env[target.name] = evaluate(value, env, sizes)
        return env

    for assignment in size_assignments(dims, seed):
        check_sample_sizes([*inputs, *(v for _, v in prog.assignments),
                            *bp.equations.values()], assignment)         # before allocating
        sizes_used.append(", ".join(f"{k}={v}" for k, v in assignment.items()) or "fixed")
        for _ in range(points):
            for _attempt in range(30):
                values = draw(inputs + scalars, assignment, rng, near, positive=_attempt >= 5)
                with np.errstate(all="ignore"):
                    env = forward(values, assignment)
                if np.isfinite(float(env[prog.objective.name])):
                    break
                rejected += 1
            else:
                return Verification("skipped", "finite differences", compared,
                                    message="no sample point where the objective is finite")
            for v in bp.order:                       # the backward pass, in order
                name = adjoint_symbol(v).name
                env[name] = evaluate(bp.equations[name], env, assignment)

            def objective(vals, _a=assignment):
                return forward(vals, _a)[prog.objective.name]
            for p in bp.parameters:
                claimed = np.asarray(env[adjoint_symbol(p).name], dtype=float)
                for _ in range(DIRECTIONS):
                    direction = rng.standard_normal(np.shape(values[p.name]))
                    with np.errstate(all="ignore"):
                        fd, estimate = _central(objective, values, p.name, direction)
                    fd = float(fd)
                    scale = max(1.0, abs(fd))
                    if not np.isfinite(estimate) or estimate > 1e-3 * scale:
                        rejected += 1
                        continue
                    got = float(np.sum(np.broadcast_to(claimed, np.shape(direction)) * direction)) \
                        if claimed.shape == np.shape(direction) else float(np.sum(claimed * direction))
                    err = abs(got - fd)
                    worst_abs = max(worst_abs, err)
                    worst_rel = max(worst_rel, err / scale)
                    if err > atol + rtol * scale + estimate:
                        return Verification("failed", "directional central differences of J",
                                            compared + 1, err, err / scale, rtol, rejected,
                                            f"d{p.name} disagrees with finite differences of "
                                            f"{prog.objective.name} at sizes {sizes_used[-1]} "
                                            f"(error {err:.2e})")
            compared += 1
    return Verification("passed", f"directional central differences of {prog.objective.name} "
                        f"for every parameter at sizes {' and '.join(sizes_used)}",
                        compared, worst_abs, worst_rel, rtol, rejected)
