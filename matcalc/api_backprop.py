"""``backprop``: the backward pass of a forward program, step by step, verified."""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy import MatrixSymbol

from .derivation import Derivation
from .errors import InputError
from .options import Options
from .api import _options


def backprop(program: str, wrt: str | list[str] | None = None, *,
             options: Options | None = None, **overrides: Any) -> Derivation:
    """The backward-pass equations of ``program`` (CONTRACTS.md format: declarations
    ``X: nx, m`` and assignments ``Z1 = W1 @ X + b1`` in forward order, the last one the
    scalar objective) for the parameters ``wrt`` ("W1,b1,W2,b2"; default: every declared
    input). ``results`` maps each intermediate and parameter to its adjoint, in backward
    order; ``to_numpy()`` is a runnable module with forward() and backward()."""
    from .matrix.backprop import backward
    from .matrix.program import parse_program

    opts = _options(options, overrides)
    if not isinstance(program, str):
        raise InputError("the program must be text")
    prog = parse_program(program, opts.limits)
    declared = {n: MatrixSymbol(n, *s) for n, s in prog.shapes.items()}
    scalars = {s.name: s for _, v in prog.assignments for s in v.atoms(sp.Symbol)
               if not isinstance(s, sp.Dummy) and s not in prog.dims()}
    if wrt is None or wrt == "" or wrt == ():
        names = list(declared)
    else:
        names = [w.strip() for w in wrt.split(",")] if isinstance(wrt, str) else list(wrt)
    params = []
    for name in names:
        if name in declared:
            params.append(declared[name])
        elif name in scalars and name not in {t.name for t, _ in prog.assignments}:
            params.append(scalars[name])
        elif name in {t.name for t, _ in prog.assignments}:
            raise InputError(f"'{name}' is computed by the program, not a parameter: its "
                             "adjoint is listed anyway")
        else:
            raise InputError(f"--wrt {name}: not declared in the program "
                             f"(declared: {', '.join(declared) or 'none'})")
    bp = backward(prog, params)
    results = {}
    for v in bp.order:
        results[v.name] = bp.equations[f"d{v.name}"]
    verification = None
    if opts.verify:
        from .verify.matrix import check_backprop
        verification = check_backprop(prog, bp, points=opts.points, seed=opts.seed,
                                      rtol=opts.rtol, atol=opts.atol)
    return Derivation(kind="backprop", input=program, expr=prog.assignments[-1][1],
                      wrt=tuple(params), steps=tuple(bp.steps), results=results,
                      verification=verification, options=opts, shapes=dict(prog.shapes),
                      program=(prog, bp))
