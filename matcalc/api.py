"""The Python API: pure functions from text (or a SymPy expression) to a Derivation.

Each function checks its arguments into a :class:`~matcalc.kinds.request.Request` and
hands it to :func:`matcalc.pipeline.run` with its kind's plug-in (``matcalc/kinds/``):
read -> build Steps -> simplify step -> verify -> Derivation. No I/O and no click here;
the CLI is a thin layer over these functions.
"""
from __future__ import annotations

from typing import Any, Mapping, Union

import sympy as sp

from .derivation import Derivation
from .kinds import plugin
from .kinds.request import (Dims, Exprs, Request, Shapes, Variables, Where, as_options,
                            with_layout)
from .options import Options
from .pipeline import run

#: --at: "a=5, b=3, c=2" or a mapping name -> number.
Point = Union[str, Mapping[Union[str, sp.Symbol], Any]]

__all__ = ["derive", "gradient", "jacobian", "hessian", "graph", "backprop", "check", "Where",
           "Shapes", "Dims"]


def _run(kind: str, subject: Any, opts: Options, **args: Any) -> Derivation:
    return run(plugin(kind), Request(kind, subject, args, opts))


def _shaped(task: str, subject: Any, wrt: Any, shapes: Shapes, dims: Dims | None,
            where: Any, opts: Options) -> Derivation:
    return _run("shapes", subject, opts, task=task, wrt=wrt, shapes=shapes, dims=dims,
                where=where)


def derive(expr: str | sp.Basic, wrt: str | sp.Symbol | None = None, *,
           options: Options | None = None, where: Where | None = None,
           shapes: Shapes | None = None, dims: Dims | None = None, order: int | None = None,
           **overrides: Any) -> Derivation:
    """d expr / d wrt, step by step, simplified (time-boxed) and verified numerically.

    ``order`` n (n >= 0): the n-th derivative d^n expr/d wrt^n, each order derived from
    the previous one with steps and verified against finite differences of order n-1.

    ``expr`` is text in matcalc's input language or a SymPy expression; ``wrt`` may be left
    out when the expression has one variable. Keyword overrides set Options fields, e.g.
    ``derive("x^x", verify=False)``. ``where`` names intermediate variables
    (``"g1 = x^2; g2 = 3x"``, or name -> expression pairs): the derivation then goes through
    them by the total-derivative chain rule, dy/dx = dy/dx|direct + sum_i dy/dg_i dg_i/dx,
    and substitutes back. ``shapes`` (``["x:n", "A:n,n"]``) declares vectors and matrices:
    the derivation is then the matrix-differential method (df = tr(G^T dX), read off G);
    ``dims`` (``{"n": 3}``) writes the result out in components.
    """
    opts = as_options(options, overrides)
    if shapes:
        if order is not None and order != 1:
            from .errors import InputError
            raise InputError("--order with --shape: use `matcalc hessian` for second "
                             "derivatives of functions of vectors and matrices")
        return _shaped("derivative", expr, wrt, shapes, dims, where, opts)
    if order is not None and order != 1:
        return _run("derive", expr, opts, wrt=wrt, where=where, order=order)
    return _run("derive", expr, opts, wrt=wrt, where=where)


def gradient(expr: str | sp.Basic, wrt: Variables = None, *, options: Options | None = None,
             where: Where | None = None, shapes: Shapes | None = None, dims: Dims | None = None,
             **overrides: Any) -> Derivation:
    """grad f = [df/dx_1, ..., df/dx_n], each partial step by step, verified numerically.

    ``wrt``: ``"x,y"`` or a list; left out, every free variable in natural order (x2
    before x10). ``where`` names intermediate variables (see ``derive``). ``results``
    has one entry per variable; ``result`` is the assembled 1 x n gradient. With ``shapes``: the gradient of a scalar
    function of vectors and matrices, one per variable, each of that variable's shape.
    """
    opts = as_options(options, overrides)
    if shapes:
        return _shaped("gradient", expr, wrt, shapes, dims, where, opts)
    return _run("grad", expr, opts, wrt=wrt, where=where)


def jacobian(exprs: Exprs, wrt: Variables = None, *, layout: str | None = None,
             options: Options | None = None, where: Where | None = None,
             shapes: Shapes | None = None, dims: Dims | None = None,
             form: str | None = None, **overrides: Any) -> Derivation:
    """The Jacobian of [f_1, ..., f_m] with respect to x_1, ..., x_n, entry by entry.

    Numerator layout by default, J[i, j] = df_i/dx_j; ``layout="denominator"`` adds the
    named step ``transpose_layout`` and returns J^T. ``exprs``: ``"[f1, f2]"`` or a list.
    ``wrt``: ``"x,y"`` or a list; left out, every free variable in natural order (x2
    before x10). ``where`` names intermediates; the derivation then uses the vector chain
    rule
    df/dx = (df/dg)(dg/dx). ``results`` has the single key ``"jacobian"``. With
    ``shapes``: the Jacobian of a vector function of one vector (d f = J dx, read off J);
    of a matrix function or with respect to a matrix, d vec(F)/d vec(X) in Kronecker form
    (vec column-major, vec(A dX B) = (B^T kron A) vec(dX)); ``form="vjp"`` gives the
    vector-Jacobian product dL/dX for an upstream gradient G instead (backprop style).
    A matrix function of a scalar t: dF/dt, of F's shape.
    """
    opts = with_layout(layout, as_options(options, overrides))
    if shapes:
        if form is not None:
            return _run("shapes", exprs, opts, task="jacobian", wrt=wrt, shapes=shapes,
                        dims=dims, where=where, form=form)
        return _shaped("jacobian", exprs, wrt, shapes, dims, where, opts)
    return _run("jacobian", exprs, opts, wrt=wrt, where=where)


def hessian(expr: str | sp.Basic, wrt: Variables = None, *, options: Options | None = None,
            shapes: Shapes | None = None, dims: Dims | None = None,
            where: Where | None = None, **overrides: Any) -> Derivation:
    """The Hessian H[i, j] = d^2f/dx_i dx_j, every second partial with steps, verified.

    Scalar variables (``wrt``: ``"x,y"`` or a list; left out, every free variable): each
    first partial, then each second partial from it; the mixed partials are derived once
    and their symmetry is stated and checked. ``results`` has the single key
    ``"hessian"``. With ``shapes`` (``["x:n", "A:n,n"]``): the Hessian of a scalar function
    of one vector or matrix by the second differential d^2f = dx^T H dx (for a matrix X,
    n x k: the nk x nk matrix over vec(X), column-major, in Kronecker products).
    """
    opts = as_options(options, overrides)
    if shapes:
        return _run("hessian", expr, opts, wrt=wrt, shapes=shapes, dims=dims, where=where)
    return _run("hessian", expr, opts, wrt=wrt, where=where)


def graph(expr: str | sp.Basic, at: Point | None = None, *, where: Where | None = None,
          name: str | None = None, options: Options | None = None,
          **overrides: Any) -> Derivation:
    """The computation graph of ``expr``: nodes, forward values at ``at``, the backward
    pass and the paths to every input; ``results`` has dJ/d(input) for every input.

    ``at``: ``"a=5, b=3, c=2"`` or ``{"a": 5, ...}`` - a value for every input (exact
    numbers stay exact; Python floats give floats); left out, the derivation is symbolic.
    ``where`` names intermediate nodes (``"z = w1*x1 + w2*x2 + b; a = sigmoid(z)"``);
    ``name`` the output (default: y for one input, J for several, L when y is an input).
    The Derivation's ``nodes`` and ``edges`` describe the graph; ``to_dot()`` draws it.
    """
    opts = as_options(options, overrides)
    return _run("graph", expr, opts, at=at, where=where, name=name)


def backprop(program: str, wrt: str | list[str] | None = None, *,
             options: Options | None = None, **overrides: Any) -> Derivation:
    """The backward-pass equations of ``program`` (CONTRACTS.md format: declarations
    ``X: nx, m`` and assignments ``Z1 = W1 @ X + b1`` in forward order, the last one the
    scalar objective) for the parameters ``wrt`` ("W1,b1,W2,b2"; default: every declared
    input). ``results`` maps each intermediate and parameter to its adjoint, in backward
    order; ``to_numpy()`` is a runnable module with forward() and backward()."""
    if isinstance(wrt, str) and not wrt.strip(" ,"):     # as the CLI and /api/backprop say
        from .errors import InputError
        raise InputError("--wrt: no parameter given (leave --wrt out for every input)")
    opts = as_options(options, overrides)
    return _run("backprop", program, opts, wrt=wrt)


def check_arguments(expr: object, answer: object, derivation: bool) -> None:
    """What ``check`` (and ``matcalc check``, ``/api/check``) is asked must make sense:
    exactly one of an answer (with the expression) and a derivation (without: its first
    line is ``d/dx EXPR``). Otherwise an InputError, one line naming the CLI's options."""
    from .errors import InputError
    if not derivation and answer is None:
        raise InputError("check needs --answer ANS (with EXPR) or --derivation FILE")
    if derivation and answer is not None:
        raise InputError("check takes --answer or --derivation, not both")
    if answer is not None and expr is None:
        raise InputError("--answer needs the expression: matcalc check EXPR --answer ANS")
    if derivation and expr is not None:
        raise InputError("with --derivation, the expression is line 1 of the file "
                         "(d/dx EXPR): leave EXPR out")


def check(expr: str | None = None, answer: str | None = None, *, derivation: str | None = None,
          wrt: str | None = None, shapes: Shapes | None = None, program: str | None = None,
          options: Options | None = None, **overrides: Any) -> Derivation:
    """Check a student's work against matcalc's derivative (kind ``check``).

    ``check("sin(x^2)", "cos(x^2)")``: is the answer d/dx sin(x^2)? ``check(derivation=text)``:
    line 1 ``d/dx EXPR``, then one ``= ...`` line each. ``shapes`` (``["x:n", "A:n,n"]``) and
    ``wrt`` for vectors and matrices; ``program`` with ``derivation`` of ``dW1 = ...``
    lines: a backward pass checked equation by equation. The Derivation's steps and
    results are matcalc's derivation; ``attachments["check"]`` is the verdict, and
    ``to_dict()`` has ``correct``, ``first_wrong_line`` and ``lines`` (CONTRACTS.md).
    Exactly one of ``answer`` (with ``expr``) and ``derivation`` (without: its line 1 is
    ``d/dx EXPR``) is given; otherwise an InputError, worded as the CLI's.
    """
    check_arguments(expr, answer, derivation is not None)
    opts = as_options(options, overrides)
    return _run("check", expr, opts, answer=answer, derivation=derivation, wrt=wrt,
                shapes=shapes, program=program)
