"""The Step tree: what a derivation *is*. Renderers, the verifier and the code emitter read it.

A Step states one move of a derivation, naming the rule that justifies it:

* ``kind == "derivative"``: d(expr)/d(wrt) = result, by rule ``rule``; ``children`` are the
  sub-derivations the rule needed (one per operand it differentiated).
* ``kind == "rewrite"``: expr = result (combining, substituting back, simplifying).
* ``kind == "define"``: introduces intermediate variables (``definitions``: name = expr);
  ``expr``/``result`` are the whole expression before and after naming.
* ``kind == "reuse"``: d(expr)/d(wrt) was already derived; ``same_as`` is that Step. This is
  how a sub-expression used in several places (a DAG) is differentiated once.

Steps about several variables at once keep ``wrt`` None and list the variables, in column
order, in ``variables``; their ``expr`` is the function (a scalar, or an m x 1
ImmutableMatrix of functions) and their ``result`` an ImmutableMatrix:

* ``assemble_gradient`` / ``assemble_jacobian`` (kind "rewrite": the partials, derived
  before it or in its ``children`` in row-major order, collected into grad f, 1 x n, or
  J[i, j] = df_i/dx_j, m x n, numerator layout); ``definitions`` name the rows
  (f1 = ..., or the user's intermediates g1 = ...).
* ``vector_chain_rule`` (kind "derivative"): df/dx = (df/dg)(dg/dx) [+ the direct part],
  its children the assembled Jacobians and their product.
* ``transpose_layout`` (kind "rewrite"): expr = J, result = J^T (denominator layout).

Matrix calculus (declared shapes) writes ordinary Steps too; what a renderer shows of
such a step is its structured ``equation``, a tuple of members stated equal in turn, read
by the presentation plan (:func:`matcalc.render.naming.plan`):

* an expression (``sp.Basic``);
* ``Differential(e)``: d(e), the differential of e (d X is the symbol ``dX``,
  :func:`matcalc.matrix.nodes.differential_symbol`);
* ``Ratio(wrt, num)``: d num/d wrt, a derivative written in Leibniz form (``num`` None: the
  derivation's function, df/dX); ``order``/``first``: d^2f/dx^2, d^2f/dxdy;
* ``Words(pieces)``: words between two equations of one step, pieces being text or
  expressions; the members before and after are not equal (``df = tr(G^T dX)``, "for
  every dX, so", ``df/dX = G``).

The matrix steps by kind: a differential rule (``d_trace``, ``d_product`` ...) is a
"derivative" step with ``wrt`` the variable that varies and ``equation`` (d(expr), result),
its children the differentials of the operands; the moves to the form tr(G^T dX) or J dx
and the read-off are "rewrite" steps (the read-off: d f = tr(G^T dX) for every dX, so
df/dX = G); a backward-pass adjoint (``backprop_adjoint``) is a "derivative" step whose
equation is dV = dL/dV = result. Steps without an ``equation`` read as their kind says.

``parts`` are the structured pieces of the equation a step states, for renderers to lay
out without recomputing anything (frozen records; the computation graph's are in
:mod:`matcalc.engine.graph`: ``AdjointPart`` of a backward-pass step with its
``LocalTerm``s, ``PathSumPart`` of a sum over paths).

The final answer of a derivation is the ``result`` of its last top-level step: it is read
off the steps, never computed by a second engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal, Union

import sympy as sp

StepKind = Literal["derivative", "rewrite", "define", "reuse"]


@dataclass(frozen=True)
class Differential:
    """The member d(expr) of a structured equation."""

    expr: sp.Basic


@dataclass(frozen=True)
class Ratio:
    """The member d num/d wrt (``num`` None: the derivation's function f); ``order`` k > 1
    is the k-th derivative d^k num/d wrt^k, and ``first`` a mixed second partial
    d^2 num/(d wrt d first): differentiated by ``first``, then by ``wrt``."""

    wrt: sp.Basic
    num: sp.Basic | None = None
    order: int = 1
    first: sp.Basic | None = None


@dataclass(frozen=True)
class Words:
    """Words between two equations of one step: text pieces and expressions, in order."""

    pieces: tuple[str | sp.Basic, ...]


Member = Union[sp.Basic, Differential, Ratio, Words]


@dataclass(frozen=True, eq=False)
class Step:
    """One named move of a derivation (see the module docstring for the four kinds)."""

    rule: str
    kind: StepKind
    expr: sp.Basic
    result: sp.Basic
    description: str
    wrt: sp.Symbol | None = None
    children: tuple["Step", ...] = ()
    definitions: tuple[tuple[sp.Symbol, sp.Basic], ...] = ()
    held_constant: tuple[sp.Symbol, ...] = ()
    same_as: "Step | None" = field(default=None, repr=False)
    variables: tuple[sp.Symbol, ...] = ()
    #: members stated equal in turn (see the module docstring); empty: read by the kind
    equation: tuple[Member, ...] = ()
    parts: tuple[object, ...] = ()

    def walk(self) -> Iterator["Step"]:
        """This step and all its descendants, depth first, parents before children."""
        stack: list[Step] = [self]
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.children))

    def rules_used(self) -> list[str]:
        """Every rule name in this sub-tree, in order, without repeats."""
        seen: dict[str, None] = {}
        for s in self.walk():
            seen.setdefault(s.rule, None)
        return list(seen)
