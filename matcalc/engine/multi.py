"""Steps about several variables at once: gradient, Jacobian, layout, vector chain rule.

* ``assemble_gradient``: grad f = [df/dx_1, ..., df/dx_n], a 1 x n row of partials.
* ``assemble_jacobian``: J[i, j] = df_i/dx_j (numerator layout), row i the gradient of f_i.
* ``transpose_layout``: the denominator layout is J^T ("gradient = Jacobian transposed").
* ``vector_chain_rule``: for f(g(x)), df/dx = (df/dg)(dg/dx) [+ df/dx|direct when f also
  uses x itself], with ``jacobian_product`` doing the multiplication.

Every entry is an ordinary one-variable derivation made by the caller's ``partial``
function (the same solver that derives scalars), so the answer is read off the steps.
"""
from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp

from .dag import free_symbols
from .intermediates import Intermediates
from .simplify import simplify_step
from .step import Step
from .total import PartialFn, TotalDerivatives

#: Letters tried for the names of the functions f_1 ... f_m of a vector function.
ROW_LETTERS = ("f", "F", "phi", "h", "y")


def row_names(m: int, taken: set[str]) -> tuple[sp.Symbol, ...]:
    """f1 ... fm with a letter whose numbered names the user's expressions do not use."""
    letter = next((c for c in ROW_LETTERS
                   if c not in taken and not any(f"{c}{i}" in taken for i in range(1, m + 1))),
                  "f_")
    return tuple(sp.Symbol(f"{letter}{i}") for i in range(1, m + 1))


def assemble_gradient(f: sp.Basic, variables: Sequence[sp.Symbol],
                      partials: Sequence[sp.Expr]) -> Step:
    """grad f = [df/dx_1, ..., df/dx_n] from partials derived in the steps before it."""
    names = ", ".join(f"df/d{v}" for v in variables)
    return Step("assemble_gradient", "rewrite", f, sp.ImmutableMatrix([list(partials)]),
                f"Collect the partial derivatives into the gradient vector, grad f = [{names}].",
                None, variables=tuple(variables))


def _diagonal(matrix: sp.ImmutableMatrix) -> bool:
    m, n = matrix.shape
    return m == n and m > 1 and all(matrix[i, j] == 0 for i in range(m) for j in range(n)
                                    if i != j)


def assemble_jacobian(functions: Sequence[sp.Basic], names: Sequence[sp.Symbol],
                      variables: Sequence[sp.Symbol], entries: Sequence[Sequence[sp.Expr]],
                      children: Sequence[Step] = (), what: str = "") -> Step:
    """J[i, j] = d f_i / d x_j (numerator layout). ``children``: the entry derivations in
    row-major order, when they are not steps of their own before this one."""
    matrix = sp.ImmutableMatrix([list(row) for row in entries])
    rows = ", ".join(n.name for n in names)
    cols = ", ".join(v.name for v in variables)
    text = (f"Assemble {what or 'the Jacobian'} in numerator layout, J[i, j] = d(row i)/d(column "
            f"j): one row per function ({rows}), one column per variable ({cols}).")
    if _diagonal(matrix):
        pairs = ", ".join(f"{n} only on {v}" for n, v in zip(names, variables))
        text += f" It is diagonal: {pairs}."
    return Step("assemble_jacobian", "rewrite", sp.ImmutableMatrix(list(functions)), matrix,
                text, None, tuple(children), definitions=tuple(zip(names, functions)),
                variables=tuple(variables))


def transpose_layout(jacobian: sp.ImmutableMatrix) -> Step:
    """The denominator layout: J^T, one column per function (gradient = Jacobian transposed)."""
    return Step("transpose_layout", "rewrite", jacobian, jacobian.T,
                "Denominator layout: transpose the numerator-layout Jacobian, so that entry "
                "[j, i] is df_i/dx_j and column i is the gradient of f_i "
                "(gradient = Jacobian transposed).", None)


def simplify_matrix(raw: sp.ImmutableMatrix, timeout: float, max_size: int) -> Step:
    """Simplify every entry (each under the time budget) as one named step."""
    steps = [simplify_step(e, None, timeout, max_size) for e in raw]
    result = sp.ImmutableMatrix(raw.rows, raw.cols, [s.result for s in steps])
    changed = result != raw
    return Step("simplify", "rewrite", raw, result,
                "Simplify each entry (collect, cancel, factor)." if changed
                else "Already in simplest form.", None)


def _partial_matrix(functions: Sequence[sp.Basic], variables: Sequence[sp.Symbol],
                    derive: Callable[[int, sp.Basic, sp.Symbol], Step]) -> tuple[list, list]:
    """(children in row-major order, entries as rows) of [d f_i / d v_j]."""
    children: list[Step] = []
    rows: list[list[sp.Expr]] = []
    for i, f in enumerate(functions):
        row = []
        for v in variables:
            step = derive(i, f, v)
            children.append(step)
            row.append(step.result)
        rows.append(row)
    return children, rows


def vector_chain_rule(functions: Sequence[sp.Basic], names: Sequence[sp.Symbol],
                      inter: Intermediates, variables: Sequence[sp.Symbol],
                      partial: PartialFn) -> Step:
    """df/dx = (df/dg)(dg/dx) [+ df/dx|direct], every factor a Jacobian of partials.

    df/dg holds x and the other g's constant; dg/dx is the total derivative of each g
    (an intermediate may use earlier ones); the direct term holds the g's constant.
    """
    gs = [g for g in inter.names if any(g in free_symbols(f) for f in functions)
          and any(inter.depends(g, x) for x in variables)]
    totals = {x: TotalDerivatives(inter, partial, x) for x in variables}
    children: list[Step] = []
    product: sp.Basic | None = None
    value: sp.ImmutableMatrix | None = None
    if gs:
        a_kids, a_rows = _partial_matrix(functions, gs, lambda i, f, g: partial(f, g))
        a = assemble_jacobian(functions, names, gs, a_rows, a_kids, "df/dg, the Jacobian of "
                              "the outer functions with respect to the intermediates,")
        b_kids, b_rows = _partial_matrix([inter.definition(g) for g in gs], variables,
                                         lambda i, f, x: totals[x].of_intermediate(gs[i]))
        b = assemble_jacobian([inter.definition(g) for g in gs], gs, variables, b_rows,
                              b_kids, "dg/dx, the Jacobian of the intermediates,")
        children += [a, b]
        product = sp.MatMul(a.result, b.result, evaluate=False)
        value = a.result * b.result
    direct = any(x in free_symbols(f) for f in functions for x in variables)
    if direct or not gs:
        c_kids, c_rows = _partial_matrix(functions, variables, lambda i, f, x: partial(f, x))
        c = assemble_jacobian(functions, names, variables, c_rows, c_kids,
                              "the direct part df/dx (intermediates held constant)")
        children.append(c)
        product = c.result if product is None else sp.MatAdd(product, c.result, evaluate=False)
        value = c.result if value is None else value + c.result
    if product is None or value is None:
        raise ValueError("vector_chain_rule: the functions do not depend on the variables")
    if gs:           # with only the direct part there is nothing to multiply
        how = ("Multiply the Jacobians: entry [i, j] = sum_k df_i/dg_k dg_k/dx_j "
               f"({len(functions)} x {len(gs)} times {len(gs)} x {len(variables)})")
        children.append(Step("jacobian_product", "rewrite", product, sp.ImmutableMatrix(value),
                             how + ("; add the direct part." if direct else "."), None))
    via = ", ".join(g.name for g in gs) or "none"
    return Step("vector_chain_rule", "derivative", sp.ImmutableMatrix(list(functions)),
                children[-1].result,
                f"Vector chain rule: f depends on ({', '.join(v.name for v in variables)}) "
                f"through the intermediates ({via}), so df/dx = (df/dg)(dg/dx)"
                + (" + df/dx|direct, for its direct use of the variables." if direct else "."),
                None, tuple(children), definitions=inter.definitions,
                variables=tuple(variables))
