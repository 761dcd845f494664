"""Kind ``hessian``: the matrix of second derivatives, step by step.

Scalar variables (``hessian("x^2 y + y^3", "x,y")``):

* read: the expression and the variables (left out: every free variable, in natural
  order, x2 before x10).
* build: every first partial df/dx_i (the others held constant) with its steps and a
  simplify step; then every second partial d^2f/dx_j dx_i = d/dx_j (df/dx_i) for j >= i,
  each derived from the simplified first partial by the same engine; the mixed partials
  are derived once: a ``mixed_partial_symmetry`` step states d^2f/dx_i dx_j =
  d^2f/dx_j dx_i (Schwarz: the second partials are continuous where f is defined); last
  ``assemble_hessian``: H[i, j] = d^2f/dx_i dx_j, a symmetric n x n matrix.
* check: central differences of every first partial against the row of H it gives
  (H[i, j] against d/dx_j of df/dx_i, every entry, so that the symmetry is checked at the
  same random points), and of f against each first partial.

Declared shapes (``--shape x:n``): the second differential (Magnus and Neudecker), built
in :mod:`matcalc.matrix.second` and checked by Hessian-vector products in random
directions (:mod:`matcalc.verify.hessian`).

``attachments["partials"]``: top-level step -> (the first variable or None, the
variable), read by the renderers' labels (df/dx, d^2f/dx^2, d^2f/dydx).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..engine.dag import free_symbols
from ..engine.solver import partial_step
from ..engine.step import Ratio, Step
from ..engine.total import finish_entry
from ..errors import InputError
from ..options import Options
from ..pipeline import Built, Plugin
from ..rules import new_solver
from .request import (Request, read_prefix, all_symbols, as_expr, as_vars, explicit_vars, mark_absent,
                      others)


@dataclass(frozen=True)
class Problem:
    f: sp.Basic
    text: str
    variables: tuple[sp.Symbol, ...]
    options: Options
    shaped: Any = None            # the matrix problem (matcalc.matrix.second) with shapes


def read(request: Request) -> Problem:
    opts = request.options
    if request.get("where") is not None:
        raise InputError("hessian: --where is not supported yet")
    subject, wrt = read_prefix(request, several=True)    # d/d(x, y) names the variables
    if request.get("shapes"):
        from ..matrix.second import read_shaped
        shaped = read_shaped(subject, wrt, request.get("shapes"), request.get("dims"), opts)
        return Problem(shaped.f, shaped.text, tuple(shaped.variables), opts, shaped)
    f, text = as_expr(subject, opts)
    text = request.subject if isinstance(request.subject, str) else text
    variables = as_vars(explicit_vars(wrt, opts), [f])
    return Problem(f, text, variables, opts)


def _block(f: sp.Basic, var: sp.Symbol, solver: Any, o: Options) -> list[Step]:
    root = mark_absent(partial_step(f, var, others(free_symbols(f) | {var}, var), solver),
                       var, [f])
    return finish_entry(root, var, o.simplify, o.simplify_timeout, o.simplify_max_size,
                        always=False)


def symmetry_step(f: sp.Basic, a: sp.Symbol, b: sp.Symbol, value: sp.Basic) -> Step:
    """d^2f/dadb = d^2f/dbda: stated once, not derived twice (checked numerically)."""
    return Step("mixed_partial_symmetry", "rewrite", value, value,
                f"Symmetry of mixed partials (Schwarz): d^2f/d{a}d{b} = d^2f/d{b}d{a} "
                "wherever the second partials are continuous, so the other order is not "
                "derived again; the check compares it with finite differences of "
                f"df/d{b} in {a}.", None,
                equation=(Ratio(a, None, 2, b), Ratio(b, None, 2, a), value))


def assemble_hessian(f: sp.Basic, variables: tuple[sp.Symbol, ...],
                     matrix: sp.ImmutableMatrix) -> Step:
    names = ", ".join(v.name for v in variables)
    return Step("assemble_hessian", "rewrite", f, matrix,
                f"Assemble the Hessian H[i, j] = d^2f/dx_i dx_j over ({names}): symmetric, "
                "the mixed partials once above and once below the diagonal.", None,
                equation=(sp.Symbol("H"), matrix))


def build(p: Problem) -> Built:
    if p.shaped is not None:
        from ..matrix.second import build_shaped
        return build_shaped(p.shaped)
    f, o, variables = p.f, p.options, p.variables
    solver = new_solver([f, *variables])
    steps: list[Step] = []
    marks: dict[Step, tuple] = {}
    firsts: list[sp.Basic] = []
    for var in variables:
        block = _block(f, var, solver, o)
        marks[block[0]] = (None, var)
        steps += block
        firsts.append(block[-1].result)
    n = len(variables)
    entries: dict[tuple[int, int], sp.Basic] = {}
    symmetry: list[Step] = []
    for i, a in enumerate(variables):
        for j in range(i, n):
            b = variables[j]
            block = _block(firsts[i], b, new_solver([firsts[i], *variables]), o)
            marks[block[0]] = (a, b)
            steps += block
            entries[i, j] = entries[j, i] = block[-1].result
            if i != j:
                symmetry.append(symmetry_step(f, a, b, block[-1].result))
    steps += symmetry
    matrix = sp.ImmutableMatrix(n, n, lambda i, j: entries[i, j])
    steps.append(assemble_hessian(f, variables, matrix))
    results = {"hessian": matrix}
    return Built("hessian", p.text, f, variables, tuple(steps), results, matrix,
                 attachments={"partials": marks, "gradient": tuple(firsts)})


def check(p: Problem, built: Built):
    o = p.options
    if p.shaped is not None:
        from ..verify.hessian import check_shaped_hessian
        return check_shaped_hessian(p.shaped, built, o)
    from ..verify.check import check_entries, jacobian_texts
    firsts = built.attachments["gradient"]
    H = built.result
    entries = [(f"df/d{v}", p.f, g, v) for v, g in zip(p.variables, firsts)]
    entries += [(f"d^2f/d{b}d{a}", firsts[i], H[i, j], b, jacobian_texts(H, i, j))
                for i, a in enumerate(p.variables) for j, b in enumerate(p.variables)]
    return check_entries(entries, all_symbols([p.f], p.variables), points=o.points,
                         rtol=o.rtol, atol=o.atol, seed=o.seed)


PLUGIN = Plugin("hessian", read, build, check)
