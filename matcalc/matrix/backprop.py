"""Backward passes of programs: reverse-mode accumulation written as the notes write it.

For an objective J = c L, c a product of dimension factors such as 1/m (the notes'
normalisation), the adjoints of the intermediates are those of L, the notes' dZ = dL/dZ,
and each parameter's gradient is dJ/dW = c dL/dW: the 1/m appears where the notes place it.

Going back through the assignments, the adjoint of V sums one vector-Jacobian product per
line that uses V (fan-out): for U = expr(V), dL = tr(dU^T d expr), brought to the form
tr(G^T dV) by the read-off of ``readoff.py``. An activation's output A = f(Z) is not kept as
a separate unknown in the final equations: its adjoint is substituted into dZ = dA o f'(Z),
which is then simplified entry by entry with forward quantities named (tanh'(Z1) =
1 - A1^2; the sigmoid with binary cross-entropy collapses to A2 - Y).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp
from sympy import MatrixSymbol

from ..engine.simplify import afford, charge_time, spare_time
from ..engine.step import Differential, Ratio, Step, Words
from ..errors import InputError
from ..limits import within
from . import algebra as al
from .algebra import is_matrix
from .differential import Differentiator
from .entrywise import simplify_entrywise
from .nodes import Elementwise
from .program import Program
from .readoff import _inner, collect, trace_form


def adjoint_symbol(v: sp.Basic) -> sp.Basic:
    """dZ2 for Z2 (the notes' name for dL/dZ2)."""
    return MatrixSymbol(f"d{v.name}", *v.shape) if is_matrix(v) else sp.Symbol(f"d{v.name}")


@dataclass
class BackwardPass:
    """The result: steps in backward order, the equations (name -> expression over forward
    quantities and earlier adjoints), the scale c, and which names are parameters."""

    steps: list[Step]
    equations: dict[str, sp.Basic]
    scale: sp.Expr
    loss: sp.Basic
    parameters: list[sp.Basic]
    order: list[sp.Basic]


def split_scale(value: sp.Expr, dims: set[sp.Symbol]) -> tuple[sp.Expr, sp.Expr]:
    """J = c L with c the factors made only of dimension names (1/m)."""
    c, rest = sp.S.One, []
    for f in sp.Mul.make_args(value):
        if f.free_symbols and f.free_symbols <= dims and not f.atoms(MatrixSymbol):
            c *= f
        else:
            rest.append(f)
    return c, sp.Mul(*rest)


def _vjp(consumer_value: sp.Basic, upstream: sp.Basic | None, v: sp.Basic
         ) -> tuple[list[Step], sp.Basic]:
    """The contribution of one use of v: dL = tr(upstream^T d value) read off for v."""
    D = Differentiator(v)
    d = D.d(consumer_value)
    inner = d.result if upstream is None else _inner(upstream, d.result)
    moves, g = trace_form(inner, v, D.dvar)
    # the expansion is of dL = tr(dU^T d value): say so
    moves = [replace(m, equation=(Differential(sp.Symbol("L")), m.expr, m.result))
             if m.rule == "expand_differential" else m for m in moves]
    return [d, *moves], collect(g)


def backward(prog: Program, wrt: list[sp.Basic]) -> BackwardPass:
    """The backward pass of ``prog`` for the parameters ``wrt`` (see the module docstring)."""
    dims = prog.dims()
    objective, value = prog.assignments[-1]
    scale, loss = split_scale(value, dims)
    steps: list[Step] = []
    if scale != 1:
        steps.append(Step("normalisation", "rewrite", value, sp.Mul(scale, sp.Symbol("L")),
                          f"J = ({scale}) L: as in the notes, backpropagate L and put the "
                          f"factor {scale} into the parameters' gradients.", objective,
                          equation=(objective, value, sp.Mul(scale, sp.Symbol("L")))))
    loss_name = sp.Symbol("L") if scale != 1 else objective
    defs = {s: v for s, v in prog.assignments[:-1]}
    consumers: dict[sp.Basic, list[tuple[sp.Basic, sp.Basic]]] = {}
    everything = [s for s, _ in prog.assignments[:-1]] + list(wrt)
    for target, val in list(defs.items()) + [(objective, loss)]:
        used = val.atoms(MatrixSymbol, sp.Symbol)       # once per line, not once per pair
        for v in everything:
            if v != target and v in used:
                consumers.setdefault(v, []).append((target, val))
    equations: dict[str, sp.Basic] = {}
    raw: dict[sp.Basic, sp.Basic] = {}
    order: list[sp.Basic] = []
    pending = list(wrt)

    def adjoint_of(v: sp.Basic) -> tuple[Step, sp.Basic]:
        uses = consumers.get(v, [])
        if not uses:
            raise InputError(f"'{v.name}' does not influence the objective {objective.name}")
        children: list[Step] = []
        parts = []
        for target, val in uses:
            up = None if target == objective else adjoint_symbol(target)
            kids, g = _vjp(val, up, v)
            if up is None and kids and kids[0].equation:       # dL = d(loss) = ...
                kids[0] = replace(kids[0], equation=(Differential(loss_name),
                                                     *kids[0].equation))
            children += kids
            parts.append(g)
        total = al.madd(*parts) if any(is_matrix(p) for p in parts) else sp.Add(*parts)
        paths = f" (sum over the {len(uses)} uses of {v.name})" if len(uses) > 1 else ""
        step = Step("backprop_adjoint", "derivative", v, total,
                    f"d{v.name} = dL/d{v.name}: the vector-Jacobian product through "
                    f"{', '.join(t.name for t, _ in uses)}{paths}.", v, tuple(children),
                    equation=(adjoint_symbol(v), Ratio(v, loss_name), total))
        return step, total

    for target, _ in reversed(prog.assignments[:-1]):
        step, total = adjoint_of(target)
        raw[target] = total
        steps.append(step)
        final = total
        inlined = _inline_activation(total, raw, defs, {
            a for a in defs if any(t == objective for t, _ in consumers.get(a, []))})
        if inlined is not None:
            expr, note = inlined
            steps.append(Step("collapse" if note else "substitute_adjoint", "rewrite", total,
                              expr, note or "Substitute the adjoint of the activation and "
                              "write its derivative with the forward values (the notes' "
                              "g'(Z)).", target,
                              equation=(adjoint_symbol(target), total, expr)))
            final = expr
        simple = _lecturer(final, target)
        if simple is not None:                       # matrix/simplify.py: named identities
            steps.append(simple)
            final = simple.result
        note = _one_hot_note(final, target)
        if note:
            hot = _one_hot(final)
            from .simplify import positive_first
            hot = (positive_first(hot[0]), hot[1], hot[2])   # softmax(Z) - Y, as taught
            steps.append(Step("one_hot_labels", "rewrite", final, final, note, target,
                              equation=(adjoint_symbol(target), final,
                                        Words((", and with one-hot labels",)),
                                        hot[1], hot[2], Words((", so",)),
                                        adjoint_symbol(target), hot[0])))
        equations[adjoint_symbol(target).name] = final
        order.append(target)
        for p in list(pending):
            if all(t in order for t, _ in consumers.get(p, [])):
                pstep, g = adjoint_of(p)
                g = collect(al.mmul(scale, g)) if is_matrix(g) else scale * g
                steps.append(Step(pstep.rule, pstep.kind, p, g,
                                  pstep.description + (f" Times {scale} (J = {scale} L)."
                                                       if scale != 1 else ""), p,
                                  pstep.children,
                                  equation=(adjoint_symbol(p), Ratio(p, objective), g)))
                equations[adjoint_symbol(p).name] = g
                order.append(p)
                pending.remove(p)
    for p in pending:                      # parameters used only by the objective itself
        pstep, g = adjoint_of(p)
        g = al.mmul(scale, g) if is_matrix(g) else scale * g
        steps.append(Step(pstep.rule, pstep.kind, p, g, pstep.description, p, pstep.children,
                          equation=(adjoint_symbol(p), Ratio(p, objective), g)))
        equations[adjoint_symbol(p).name] = g
        order.append(p)
    return BackwardPass(steps, equations, scale, loss, list(wrt), order)


def _lecturer(e: sp.Basic, target: sp.Basic) -> Step | None:
    """The matrix simplification of an adjoint (dZ2 = softmax(Z2) - Y when the columns of
    Y sum to 1, declared with --assume), as a step about d<target>; None when none applies."""
    from .simplify import simplify_step
    step = simplify_step(e, target)
    if step is None or {c.rule for c in step.children} <= {"positive_first"}:
        return None                         # the notes' order of terms (dA = -Y/A + ...)
    return replace(step, equation=(adjoint_symbol(target), e, step.result))


def _inline_activation(total: sp.Basic, raw: dict, defs: dict, feeds_loss: set
                       ) -> tuple[sp.Basic, str] | None:
    """For dZ = dA o f'(Z) with A = f(Z): substitute dA's expression, simplify entry by entry
    (the sigmoid + binary cross-entropy collapse); None when there is nothing to inline."""
    present = total.atoms(MatrixSymbol)
    activations = [a for a, v in defs.items() if isinstance(v, Elementwise) and a in raw
                   and adjoint_symbol(a) in present]
    if not activations:
        return None
    a = activations[0]
    substituted = total.xreplace({adjoint_symbol(a): raw[a]})
    # entry-wise simplification is paid from the command's shared simplify budget (work,
    # so the same program gives the same equations on a busy machine; a 400-layer chain
    # simplifies its first layers and keeps the rest as derived)
    simple = None
    if afford(substituted):
        import time
        start = time.monotonic()
        simple = within(spare_time(1.0), lambda: simplify_entrywise(substituted, defs), None)
        charge_time(time.monotonic() - start)
    if simple is not None and sp.count_ops(simple) < sp.count_ops(substituted):
        if a in feeds_loss:
            return simple, (f"Substitute d{a.name} = {_short(raw[a])} and simplify entry by "
                            f"entry: the {_name(defs[a])} and the loss collapse to "
                            f"{_short(simple)}.")
        substituted = simple
    return substituted, ""


def _one_hot_note(e: sp.Basic, target: sp.Basic) -> str:
    """A remark when ``e`` contains 1 1^T Y (column sums of Y spread down the columns)."""
    from sympy import MatMul, OneMatrix
    for node in sp.preorder_traversal(e):
        if isinstance(node, MatMul):
            mats = [a for a in node.args if isinstance(a, sp.MatrixExpr)]
            for i in range(len(mats) - 1):
                if isinstance(mats[i], OneMatrix) and mats[i].shape[0] == mats[i].shape[1] \
                        and isinstance(mats[i + 1], MatrixSymbol):
                    y = mats[i + 1].name
                    return (f"With one-hot labels every column of {y} sums to 1, so "
                            f"1 1^T {y} = 1 1^T and d{target.name} = softmax - {y} (the "
                            "general form above holds for any labels).")
    return ""


def _one_hot(e: sp.Basic) -> tuple[sp.Basic, sp.Basic, sp.Basic]:
    """(``e`` with every 1 1^T Y written 1 1^T, then 1 1^T Y and 1 1^T themselves): the
    columns of one-hot labels sum to 1, so softmax(Z) o (1 1^T Y) - Y is softmax(Z) - Y.
    Only sums, products and element-wise products are rebuilt (through the canonical
    constructors)."""
    from sympy import HadamardProduct, MatAdd, MatMul, OneMatrix
    labels: list[sp.Basic] = []

    def walk(x: sp.Basic) -> sp.Basic:
        if isinstance(x, MatMul):
            mats = [a for a in x.args if isinstance(a, sp.MatrixExpr)]
            if len(mats) == 2 and isinstance(mats[0], OneMatrix) and \
                    mats[0].shape[0] == mats[0].shape[1] and isinstance(mats[1], MatrixSymbol):
                ones = OneMatrix(mats[0].shape[0], mats[1].shape[1])
                labels.append((al.mmul(*mats), ones))
                c = sp.Mul(*[a for a in x.args if not isinstance(a, sp.MatrixExpr)])
                return al.mmul(c, ones)
            return al.mmul(*[walk(a) for a in x.args])
        if isinstance(x, HadamardProduct):
            return al.hadamard(*[walk(a) for a in x.args])
        if isinstance(x, MatAdd):
            return al.madd(*[walk(a) for a in x.args])
        return x

    out = walk(e)
    return (out, *labels[0]) if labels else (e, e, e)


def _short(e: sp.Basic) -> str:
    from .printing import matrix_syntax
    return matrix_syntax(e)


def _name(e: Elementwise) -> str:
    body = e.body()
    return type(body).__name__.lower() if isinstance(body, sp.Function) else "activation"
