"""How steps about several variables read: gradients, Jacobians, total derivatives.

Read-only over finished Steps, like the rest of :mod:`matcalc.render.naming` (which calls
these functions): nothing here differentiates or simplifies.

* ``top_level``: headings over the blocks of a gradient (one per variable) or Jacobian (one
  per row), and the Leibniz labels of their top-level steps (df/dx, df1/dy ...).
* ``child_labels``: labels of the children of a total derivative (dy/du2, du2/dx ...), of a
  Jacobian assembled from its entries (df1/dg1 ...) and of a vector chain rule.
* ``multi_entry``: the equal members each such step states, e.g.
  ``grad f = [df/dx, df/dy] = [6*x*(2*y + 7), 6*x^2]``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import sympy as sp

from ..engine.step import Step
from .parts import (CONTAINERS, Entry, Grid, Heading, Jacobian, Leibniz, Nabla, Operator, Part,
                    Product, Sum, Value)

if TYPE_CHECKING:
    from ..derivation import Derivation
    from .naming import _Builder


def row_symbols(d: "Derivation") -> tuple[sp.Symbol, ...]:
    """The names of a Jacobian's rows (f1 ... fm), as its assembling step gives them."""
    if getattr(d, "kind", "") != "jacobian":
        return ()
    for s in d.steps:
        if s.rule == "vector_chain_rule" and s.children:
            s = s.children[0]
        if s.rule == "assemble_jacobian" and s.definitions:
            return tuple(n for n, _ in s.definitions)
    m = d.expr.rows if isinstance(d.expr, sp.MatrixBase) else 1
    return tuple(sp.Symbol(f"f{i}") for i in range(1, m + 1))


def _held_words(step: Step) -> tuple:
    held = tuple(step.held_constant)
    if not held:
        return (":",)
    pieces: list = [", holding "]          # the symbols as pieces: LaTeX sets them as math
    for i, h in enumerate(held):
        if i:
            pieces.append(" and " if i == len(held) - 1 else ", ")
        pieces.append(h)
    return (*pieces, " constant:")


def top_level(d: "Derivation", roots: Sequence[Step], value: sp.Symbol,
              rows: tuple[sp.Symbol, ...], partial: bool) -> tuple[dict[Step, Heading], dict[Step, Part]]:
    """Headings before top-level steps and labels of top-level steps (see module docstring)."""
    sections: dict[Step, Heading] = {}
    labels: dict[Step, Part] = {}
    kind = getattr(d, "kind", "derivative")
    wrt = tuple(d.wrt)
    through = any(s.kind == "define" for s in roots)
    if kind == "derivative" and not through:
        return sections, labels           # a plain derivative reads as before
    if kind == "hessian" and not getattr(d, "shapes", None):
        return _hessian_labels(d, roots, value)
    last: Part | None = None
    row = -1
    functions = list(d.expr) if isinstance(d.expr, sp.MatrixBase) else [d.expr]
    for s in roots:
        if s.kind in ("derivative", "reuse") and s.wrt is not None:
            if kind == "jacobian":
                if s.wrt == wrt[0] or row < 0:
                    row += 1
                    f = functions[row] if row < len(functions) else s.expr
                    name = rows[row] if row < len(rows) else sp.Symbol(f"f{row + 1}")
                    sections[s] = (f"Row {row + 1}: ", sp.Eq(name, f, evaluate=False))
                num = rows[row] if row < len(rows) else value
            else:
                num = value
                if kind == "gradient":
                    word = ("Total derivative" if s.rule == "total_derivative"
                            else "Partial derivative")
                    sections[s] = (f"{word} with respect to ", s.wrt, *_held_words(s))
            last = labels[s] = Leibniz(num, s.wrt, partial)
        elif s.kind == "rewrite" and s.wrt is not None and last is not None:
            labels[s] = last
        elif kind == "jacobian" and s.rule == "transpose_layout":
            labels[s] = Jacobian(rows, wrt, transposed=True, name="J")
        elif kind == "jacobian" and s.kind != "define":
            labels[s] = Jacobian(rows, wrt, name="J")  # assemble, vector chain rule, substitute ...
    return sections, labels


def _hessian_labels(d: "Derivation", roots: Sequence[Step], value: sp.Symbol
                    ) -> tuple[dict[Step, Heading], dict[Step, Part]]:
    """A scalar Hessian's blocks: the first partials, then the second partials, labelled
    d^2f/dx^2 and d^2f/dxdy (``attachments["partials"]``: step -> (first variable or
    None, variable), as the kind recorded them)."""
    marks = (getattr(d, "attachments", None) or {}).get("partials", {})
    sections: dict[Step, Heading] = {}
    labels: dict[Step, Part] = {}
    last: Part | None = None
    started: set[bool] = set()
    for s in roots:
        mark = marks.get(s)
        if mark is not None:
            first, var = mark
            if first is None:
                last = Leibniz(value, var, True)
            elif first == var:
                last = Leibniz(value, var, True, 2)
            else:
                last = Leibniz(value, var, True, 2, first)
            if (first is None) not in started:
                started.add(first is None)
                sections[s] = ("First partial derivatives:",) if first is None else (
                    "Second partial derivatives (each first partial differentiated again):",)
            labels[s] = last
        elif s.kind == "rewrite" and s.wrt is not None and last is not None:
            labels[s] = last
    return sections, labels


def _name_of(builder: "_Builder", s: Step, label: Part | None) -> sp.Symbol:
    if s.definitions:
        return s.definitions[0][0]
    if isinstance(label, Leibniz):
        return label.num
    return sp.Symbol(builder.letters[0])


def _total_parts(builder: "_Builder", s: Step, name: sp.Symbol) -> tuple[list[Part], dict[Step, Part]]:
    """The terms of dy/dx = d/dx F + dy/dg dg/dx + ... and the labels of s's children."""
    terms: list[Part] = []
    labels: dict[Step, Part] = {}
    var = s.wrt
    outer: sp.Symbol | None = None
    for c in s.children:
        if c.rule == "total_sum":
            labels[c] = Leibniz(name, var, builder._p(var))
        elif c.wrt == var and outer is None and c.expr == s.expr:      # the direct partial
            terms.append(Operator(var, builder.namer.shrink(s.expr), True))
        elif c.wrt != var:                                             # dy/dg_i
            outer = c.wrt
            labels[c] = Leibniz(name, outer, True)
        elif outer is not None:                                        # dg_i/dx
            labels[c] = Leibniz(outer, var, builder._p(var))
            terms.append(Product((Leibniz(name, outer, True), labels[c])))
            outer = None
    return terms, labels


def _grid_partial(builder: "_Builder", s: Step, k: int, var: sp.Symbol) -> bool:
    """∂ or d for entry k of an assembled Jacobian: ∂ throughout when it has several
    columns (each entry holds the other variables constant)."""
    if s.children:
        return len(s.variables) > 1 or any(c.held_constant for c in s.children)
    return builder._p(var)


def child_labels(builder: "_Builder", s: Step, label: Part | None) -> dict[Step, Part]:
    """Labels of the children of a total derivative, assembled Jacobian or vector chain rule."""
    if s.rule == "total_derivative":
        return _total_parts(builder, s, _name_of(builder, s, label))[1]
    if s.rule == "assemble_jacobian" and s.children:
        rows = [n for n, _ in s.definitions]
        cols = s.variables
        out: dict[Step, Part] = {}
        for k, c in enumerate(s.children):
            i, j = divmod(k, len(cols))
            out[c] = Leibniz(rows[i], cols[j], _grid_partial(builder, s, k, cols[j]))
        return out
    if s.rule == "vector_chain_rule":
        out = {}
        whole = label if isinstance(label, Jacobian) else None
        for c, held in _chain_factors(s):
            out[c] = Jacobian(tuple(n for n, _ in c.definitions), c.variables, held=held)
        if whole is not None:
            out.update({c: whole for c in s.children if c.rule == "jacobian_product"})
        return out
    return {}


def _chain_factors(s: Step) -> list[tuple[Step, tuple[sp.Symbol, ...]]]:
    """The Jacobians a vector chain rule assembles - df/dg, dg/dx and the direct df/dx -
    each with what it holds constant (the direct part holds the intermediates)."""
    gs = {g for g, _ in s.definitions}
    out = []
    for c in s.children:
        if c.rule != "assemble_jacobian":
            continue
        rows = {n for n, _ in c.definitions}
        direct = c.variables == tuple(s.variables) and not rows & gs
        out.append((c, tuple(g for g, _ in s.definitions) if direct else ()))
    return out


def _product_members(expr: sp.Basic, shrink) -> Part:
    """A @ B (+ C) of explicit matrices as parts."""
    if isinstance(expr, sp.MatAdd):
        return Sum(tuple(_product_members(a, shrink) for a in expr.args))
    if isinstance(expr, sp.MatMul):
        return Product(tuple(Value(shrink(a)) for a in expr.args))
    return Value(shrink(expr))


def multi_entry(builder: "_Builder", s: Step, num: str, depth: int, label: Part | None,
                title: str, note: str) -> Entry:
    """The entry of a step about several variables (or of the top-level define step)."""
    shrink = builder.namer.shrink
    if s.kind == "define":
        defs = tuple((g, shrink(e)) for g, e in s.definitions)
        if isinstance(s.result, sp.MatrixBase):
            rows = builder.rows or tuple(sp.Symbol(f"f{i + 1}") for i in range(len(s.result)))
            defs += tuple((r, shrink(e)) for r, e in zip(rows, s.result))
        else:
            defs += ((sp.Symbol(builder.letters[0]), shrink(s.result)),)
        return Entry(s, num, depth, title, (), "Name the intermediate variables:", defs)
    if s.rule == "assemble_gradient":
        value = sp.Symbol(builder.letters[0])
        grid = Grid((tuple(Leibniz(value, v, builder._p(v)) for v in s.variables),))
        return Entry(s, num, depth, title, (Nabla(value), grid, Value(shrink(s.result))))
    if s.rule == "assemble_jacobian":
        rows = tuple(n for n, _ in s.definitions)
        cols = s.variables
        jac = label if isinstance(label, Jacobian) else Jacobian(rows, cols)
        grid = Grid(tuple(tuple(Leibniz(r, v, _grid_partial(builder, s, i * len(cols) + j, v))
                                for j, v in enumerate(cols)) for i, r in enumerate(rows)))
        return Entry(s, num, depth, title, (jac, grid, Value(shrink(s.result))), note=note)
    if s.rule == "transpose_layout":
        lhs = label if label is not None else Value(shrink(s.expr))
        return Entry(s, num, depth, title, (lhs, Value(shrink(s.result))), note=note)
    if s.rule == "vector_chain_rule":
        factors = _chain_factors(s)
        terms: list[Part] = []
        through = [Jacobian(tuple(n for n, _ in c.definitions), c.variables)
                   for c, held in factors if not held]
        if through:
            terms.append(Product(tuple(through)))
        terms += [Jacobian(tuple(n for n, _ in c.definitions), c.variables, held=held)
                  for c, held in factors if held]
        formula = terms[0] if len(terms) == 1 else Sum(tuple(terms))
        lhs = label if label is not None else Value(shrink(s.expr))
        return Entry(s, num, depth, title, (lhs, formula, Value(shrink(s.result))), note=note)
    if s.rule == "jacobian_product":
        lhs = label if label is not None else Value(sp.Symbol("J"))
        return Entry(s, num, depth, title,
                     (lhs, _product_members(s.expr, shrink), Value(shrink(s.result))))
    if s.rule == "total_derivative":
        name = _name_of(builder, s, label)
        terms = _total_parts(builder, s, name)[0]
        lhs = label if label is not None else Leibniz(name, s.wrt, builder._p(s.wrt))
        formula = terms[0] if len(terms) == 1 else Sum(tuple(terms))
        return Entry(s, num, depth, title, (lhs, formula, Value(shrink(s.result))), note=note)
    # total_sum: the terms with their values, then their sum
    lhs = label if label is not None else Value(shrink(s.expr))
    return Entry(s, num, depth, title, (lhs, Value(shrink(s.expr)), Value(shrink(s.result))))


__all__ = ["row_symbols", "top_level", "child_labels", "multi_entry", "CONTAINERS"]
