"""Checks of Hessians over declared shapes: Hessian-vector products in random directions.

At two random size assignments, at random points (inputs drawn as in
:mod:`matcalc.verify.matrix`), for random unit directions v (over vec(X) for a matrix X):

* the gradient G read off the first differential against the directional central
  difference of f: (f(x + hv) - f(x - hv)) / 2h = <G, v>;
* the Hessian-vector product H v against the central difference of the gradient:
  (G(x + hv) - G(x - hv)) / 2h = H v (vec'd, column-major);
* the quadratic form v^T H v against the second difference of f (independent of G):
  (f(x + hv) - 2 f(x) + f(x - hv)) / h^2;
* H = H^T (a Hessian is symmetric).

What is compared is what the user receives: the printed NumPy text of the result (the
JSON's ``numpy``), evaluated at the point. The function and its gradient are evaluated
from their expressions (:func:`value`: vec, Kronecker products and commutation matrices
here, every other node by :func:`matcalc.verify.evaluate.evaluate`).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import sympy as sp
from sympy import MatAdd, MatMul, MatrixSymbol

from .result import Verification


def commutation(n: int, k: int) -> np.ndarray:
    """K_{n,k}: K @ vec(X) = vec(X.T) for X n x k, vec column-major."""
    return np.eye(n * k)[np.arange(n * k).reshape(k, n).ravel(order="F")]


def vec(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(-1, 1, order="F")


def value(expr: sp.Basic, values: Mapping[str, Any], dims: Mapping[sp.Symbol, int]) -> Any:
    """The value of ``expr`` (with Kron, Vec, Commutation) at ``values``."""
    from ..matrix.kron import Commutation, Kron, Vec
    from .evaluate import evaluate
    if not expr.has(Kron, Vec, Commutation):
        return evaluate(expr, values, dims)
    if isinstance(expr, Kron):
        a, b = (np.atleast_2d(value(x, values, dims)) for x in expr.args)
        return np.kron(a, b)
    if isinstance(expr, Vec):
        return vec(value(expr.arg, values, dims))
    if isinstance(expr, Commutation):
        n, k = (int(sp.sympify(a).xreplace(dict(dims))) for a in expr.args)
        return commutation(n, k)
    if isinstance(expr, MatAdd):
        return sum(value(a, values, dims) for a in expr.args)
    if isinstance(expr, MatMul):
        out: Any = None
        for a in expr.args:
            v = value(a, values, dims)
            if out is None:
                out = v
            elif np.ndim(out) == 2 and np.ndim(v) == 2:
                out = out @ v
            else:
                out = out * v
        return out
    from ..matrix.nodes import Diag
    if isinstance(expr, Diag):
        return np.diagflat(value(expr.arg, values, dims))
    if isinstance(expr, sp.Transpose):
        return np.transpose(value(expr.arg, values, dims))
    raise ValueError(f"cannot evaluate {type(expr).__name__} in a Hessian")


class _Received:
    """The result as the user receives it: its printed NumPy text (the JSON's ``numpy``),
    compiled once and evaluated with the values and the sizes; without a NumPy text, the
    expression itself (:func:`value`)."""

    def __init__(self, expr: sp.Basic) -> None:
        from .printed import compile_numpy, matrix_texts
        self.expr = expr
        text = matrix_texts(expr).numpy
        self.code = compile_numpy(text) if text else None

    def __call__(self, values: Mapping[str, Any], dims: Mapping[sp.Symbol, int]) -> Any:
        if self.code is None:
            return value(self.expr, values, dims)
        from .printed import eval_numpy
        return eval_numpy(self.code, {**values, **{str(k): v for k, v in dims.items()}})


def _flat(a: Any) -> np.ndarray:
    return vec(np.atleast_2d(np.asarray(a, dtype=float)))


def check_shaped_hessian(problem: Any, built: Any, opts: Any) -> Verification:
    """Gradient, Hessian-vector products, quadratic form and symmetry (module docstring)."""
    from ..matrix.derive import _dims
    from ..matrix.algebra import is_matrix
    from .matrix import _UNUSABLE, conditioned, draw, size_assignments, _size
    f = problem.f
    var = problem.variables[0]
    G = built.attachments["gradient"]
    H = built.result
    dims = _dims(problem.shapes)
    inputs = sorted({s for s in f.atoms(MatrixSymbol)} |
                    {s for s in f.atoms(sp.Symbol) if s not in dims and not
                     isinstance(s, sp.Dummy)}, key=lambda s: s.name)
    near = conditioned(f)
    rng = np.random.default_rng(opts.seed)
    worst_abs = worst_rel = 0.0
    accepted = 0
    sizes: list[str] = []
    h, h2 = 1e-4, 1e-3
    from .printed import PrintedError
    received = _Received(H)
    assignments = size_assignments(dims, opts.seed)[:2 if opts.points > 1 else 1]
    quota = _quota(opts.points, len(assignments))
    for assignment, per_size in zip(assignments, quota):
        shape = tuple(_size(d, assignment) for d in var.shape) if is_matrix(var) else (1, 1)
        sizes.append(", ".join(f"{k}={v}" for k, v in assignment.items()) or "declared")
        tries = 0
        got = 0
        while got < per_size and tries < 20 * per_size:
            tries += 1
            vals = draw(inputs, assignment, rng, near, positive=tries > 5 * per_size)
            direction = rng.standard_normal(shape)
            direction /= np.linalg.norm(direction)

            def at(t: float) -> dict:
                out = dict(vals)
                base = np.asarray(vals[var.name], dtype=float)
                out[var.name] = base + t * direction.reshape(base.shape) if base.ndim else \
                    float(base) + t * float(direction.ravel()[0])
                return out
            try:
                with np.errstate(all="raise"):
                    f0, fp, fm, fp2, fm2 = (
                        float(np.asarray(value(f, at(t), assignment)).ravel()[0])
                        for t in (0.0, h, -h, h2, -h2))
                    g0 = _flat(value(G, vals, assignment))
                    gp, gm = (_flat(value(G, at(t), assignment)) for t in (h, -h))
                    Hv = np.atleast_2d(np.asarray(received(vals, assignment), dtype=float))
            except PrintedError as exc:
                return Verification("failed", _method(accepted, sizes), accepted, 0.0, 0.0,
                                    opts.rtol, 0, str(exc))
            except _UNUSABLE + (KeyError, TypeError):
                continue
            if not all(np.all(np.isfinite(a)) for a in (f0, fp, fm, g0, gp, gm, Hv)):
                continue
            got += 1
            accepted += 1
            v = _flat(direction)
            comparisons = [
                ("gradient", float((g0.T @ v)[0, 0]), (fp - fm) / (2 * h), 1e-5),
                ("Hessian-vector product", Hv @ v, (gp - gm) / (2 * h), 1e-5),
                ("quadratic form", float((v.T @ Hv @ v)[0, 0]), (fp2 - 2 * f0 + fm2) / h2 ** 2, 1e-4),
                ("symmetry H = H^T", Hv, Hv.T, 1e-12),
            ]
            for what, claimed, fd, tol in comparisons:
                claimed, fd = np.asarray(claimed, dtype=float), np.asarray(fd, dtype=float)
                err = float(np.max(np.abs(claimed - fd)))
                scale = max(1.0, float(np.max(np.abs(fd))))
                worst_abs = max(worst_abs, err)
                worst_rel = max(worst_rel, err / scale)
                if err > max(tol, opts.atol) * scale:
                    return Verification("failed", _method(accepted, sizes), accepted,
                                        worst_abs, worst_rel, opts.rtol, 0,
                                        f"{what} differs at {sizes[-1]}: error {err:.3g}")
    if accepted == 0:
        return Verification.skipped(_method(0, sizes), "no usable random point",
                                    rtol=opts.rtol)
    return Verification("passed", _method(accepted, sizes), accepted, worst_abs, worst_rel,
                        opts.rtol)


def _quota(points: int, assignments: int) -> list[int]:
    """``points`` split over the size assignments (the first gets the odd one)."""
    return [points // assignments + (1 if i < points % assignments else 0)
            for i in range(assignments)]


def _method(n: int, sizes: list[str]) -> str:
    return (f"Hessian-vector products in random directions against central differences of "
            f"the gradient, quadratic forms against second differences of f, symmetry; "
            f"{n} random points at sizes {'; '.join(sizes)}")


def check_vec_jacobian(f: sp.Basic, var: sp.Basic, J: sp.Basic, shapes: Mapping[str, Any],
                       opts: Any) -> Verification:
    """d vec(F)/d vec(X) in Kronecker form: at two random size assignments and random
    points, for random unit directions V, J vec(V) against vec((F(X + hV) - F(X - hV))/2h);
    for a scalar variable t, F' against (F(t + h) - F(t - h))/2h."""
    from ..matrix.derive import _dims
    from ..matrix.algebra import is_matrix
    from .matrix import _UNUSABLE, conditioned, draw, size_assignments, _size
    dims = _dims(shapes)
    inputs = sorted({s for s in f.atoms(MatrixSymbol)} | {var} |
                    {s for s in f.atoms(sp.Symbol) if s not in dims and not
                     isinstance(s, sp.Dummy)}, key=lambda s: s.name)
    near = conditioned(f)
    rng = np.random.default_rng(opts.seed)
    worst_abs = worst_rel = 0.0
    accepted = 0
    sizes: list[str] = []
    h = 1e-5
    from .printed import PrintedError
    received = _Received(J)
    assignments = size_assignments(dims, opts.seed)[:2 if opts.points > 1 else 1]
    quota = _quota(opts.points, len(assignments))
    for assignment, per_size in zip(assignments, quota):
        sizes.append(", ".join(f"{k}={v}" for k, v in assignment.items()) or "declared")
        got = tries = 0
        while got < per_size and tries < 20 * per_size:
            tries += 1
            vals = draw(inputs, assignment, rng, near, positive=tries > 5 * per_size)
            base = vals[var.name]
            shape = np.shape(base) if is_matrix(var) else ()
            direction = rng.standard_normal(shape) if shape else 1.0
            if shape:
                direction = direction / np.linalg.norm(direction)

            def at(t: float) -> dict:
                return {**vals, var.name: base + t * direction}
            try:
                with np.errstate(all="raise"):
                    fp, fm = (_flat(value(f, at(t), assignment)) for t in (h, -h))
                    jv = np.atleast_2d(np.asarray(received(vals, assignment), dtype=float))
            except PrintedError as exc:
                return Verification("failed", _vec_method(accepted, sizes), accepted, 0.0,
                                    0.0, opts.rtol, 0, str(exc))
            except _UNUSABLE + (KeyError, TypeError):
                continue
            claimed = jv @ _flat(direction) if shape else _flat(jv)
            fd = (fp - fm) / (2 * h)
            if not (np.all(np.isfinite(claimed)) and np.all(np.isfinite(fd))):
                continue
            got += 1
            accepted += 1
            err = float(np.max(np.abs(claimed - fd))) if claimed.shape == fd.shape else np.inf
            scale = max(1.0, float(np.max(np.abs(fd))))
            worst_abs, worst_rel = max(worst_abs, err), max(worst_rel, err / scale)
            if err > max(1e-5, opts.atol) * scale:
                return Verification("failed", _vec_method(accepted, sizes), accepted,
                                    worst_abs, worst_rel, opts.rtol, 0,
                                    f"J vec(V) differs from the central difference of F at "
                                    f"{sizes[-1]}: error {err:.3g}")
    if accepted == 0:
        return Verification.skipped(_vec_method(0, sizes), "no usable random point",
                                    rtol=opts.rtol)
    return Verification("passed", _vec_method(accepted, sizes), accepted, worst_abs,
                        worst_rel, opts.rtol)


def _vec_method(n: int, sizes: list[str]) -> str:
    return (f"J vec(V) in random directions V against central differences of vec(F); "
            f"{n} random points at sizes {'; '.join(sizes)}")
