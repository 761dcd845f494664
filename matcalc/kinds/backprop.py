"""Kind ``backprop``: the backward pass of a forward program, step by step.

read: the program (CONTRACTS.md format: declarations ``X: nx, m`` and assignments
``Z1 = W1 @ X + b1`` in forward order, the last one the scalar objective) and the
parameters ``wrt`` (default: every declared input). build: :func:`matcalc.matrix.backprop.
backward` - one vector-Jacobian product per use of a variable, in backward order; the
results are the adjoints dZ2, dW2 ... check: every parameter's adjoint against finite
differences of the objective. Attachment ``program``: (Program, BackwardPass), from which
``to_numpy()`` writes a module with forward() and backward().
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import MatrixSymbol

from ..errors import InputError
from ..options import Options
from ..pipeline import Built, Plugin
from .request import Request


@dataclass(frozen=True)
class Problem:
    text: str
    program: object
    params: tuple[sp.Basic, ...]
    options: Options


def read(request: Request) -> Problem:
    from ..matrix.program import parse_program

    program, wrt, opts = request.subject, request.get("wrt"), request.options
    if not isinstance(program, str):
        raise InputError("the program must be text")
    prog = parse_program(program, opts.limits)
    declared = {n: MatrixSymbol(n, *s) for n, s in prog.shapes.items()}
    scalars = {s.name: s for _, v in prog.assignments for s in v.atoms(sp.Symbol)
               if not isinstance(s, sp.Dummy) and s not in prog.dims()}
    if opts.assumptions:
        from ..assume import check_names
        check_names(opts.assumptions, {n: tuple(s) for n, s in prog.shapes.items()}, scalars)
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
    return Problem(program, prog, tuple(params), opts)


def build(p: Problem) -> Built:
    from ..matrix.backprop import backward
    prog = p.program
    bp = backward(prog, list(p.params))
    results = {v.name: bp.equations[f"d{v.name}"] for v in bp.order}
    return Built("backprop", p.text, prog.assignments[-1][1], p.params, tuple(bp.steps),
                 results, results[p.params[0].name], shapes=dict(prog.shapes),
                 attachments={"program": (prog, bp)})


def check(p: Problem, built: Built):
    from ..verify.matrix import check_backprop
    prog, bp = built.attachments["program"]
    o = p.options
    return check_backprop(prog, bp, points=o.points, seed=o.seed, rtol=o.rtol, atol=o.atol)


PLUGIN = Plugin("backprop", read, build, check)
