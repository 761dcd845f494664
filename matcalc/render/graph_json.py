"""JSON for a computation graph: the CONTRACTS.md fields plus ``nodes`` and ``edges``.

* ``nodes``: ``name``, ``op`` (add, multiply, exp, ...; "input" for an input),
  ``expression`` (the operation in its operands' names, matcalc syntax), ``latex``,
  ``operands``, ``value`` (the forward value at the point, exact, in matcalc syntax, or
  null without a point) and ``value_float``, ``gradient`` (dJ/d<name>) and
  ``gradient_value``.
* ``edges``: ``from`` (the operand), ``to`` (the node that uses it), ``local_derivative``
  (d<to>/d<from> in the nodes' names), ``rule``, ``value`` (the local derivative at the
  point) and ``backward`` (its contribution dJ/d<to> * d<to>/d<from> at the point).
* ``results``: one entry per input, dJ/d<input> in the inputs (``result``, ``latex``,
  ``numpy``), with ``graph_form`` (in the graph's names, as the backward pass writes it)
  and ``value`` at the point.
* ``output``, ``point``, ``backward_order`` and ``paths`` (per input: how many, the
  listed routes from the output, their products).

Expressions too large to print (big graphs are DAGs) use the names of the top-level
``definitions`` list, as for the other kinds.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp

from ..engine.step import Step
from .graph_common import view
from .json import dumps, nest_steps
from .latex import tex
from .naming import Namer
from ..syntax import to_syntax

if TYPE_CHECKING:
    from ..derivation import Derivation


def _float(v: sp.Basic | None) -> float | None:
    if v is None:
        return None
    try:
        return float(v.evalf(17))
    except (TypeError, ValueError):
        return None


def _step_latex(s: Step, shrink) -> str:
    """d J/d b = 3 c (a derivative), or lhs = rhs (a rewrite), or the definitions."""
    if s.definitions:
        return r",\quad ".join(f"{tex(n)} = {tex(shrink(e))}" for n, e in s.definitions)
    rhs = tex(shrink(s.result))
    if s.kind == "derivative" and s.wrt is not None:
        w = tex(s.wrt)
        if isinstance(s.expr, sp.Symbol):
            return r"\frac{\partial %s}{\partial %s} = %s" % (tex(s.expr), w, rhs)
        return r"\frac{\partial}{\partial %s}\left(%s\right) = %s" % (w, tex(shrink(s.expr)), rhs)
    return f"{tex(shrink(s.expr))} = {rhs}"


def graph_dict(d: "Derivation") -> dict:
    """The graph's JSON object (see the module docstring), read off the Steps; ``nodes``
    and ``edges`` add the graph's structure from ``Derivation.nodes``/``edges``."""
    from .json import _numpy, _title, _verification, _version
    g = view(d)
    results_raw = list(d.results.items())
    namer = Namer([e for _, e in results_raw] + [g.shown(x) for x in g.inputs]
                  + [s.expr for s in d.steps] + [s.result for s in d.steps])
    shrink = namer.shrink

    def syn(e: sp.Basic) -> str:
        return to_syntax(shrink(e))

    def val(v: sp.Basic | None) -> str | None:
        return None if v is None else to_syntax(v)

    nodes = []
    for n in d.nodes:
        nodes.append({
            "name": n.name.name,
            "op": n.op,
            "expression": to_syntax(n.expr),
            "latex": tex(n.expr),
            "operands": [d.nodes[k].name.name for k in n.operands],
            "value": val(g.values[n.name]) if g.values is not None else None,
            "value_float": _float(g.values[n.name]) if g.values is not None else None,
            "gradient": syn(g.shown(n.name)),
            "gradient_value": val(g.adjoint_value(n.name)),
        })
    edges = []
    for i, e in enumerate(d.edges):
        back = local = None
        if i in g.local_values:
            local = g.local_values[i]
            back = g.adjoint_value(d.nodes[e.dst].name) * local
        edges.append({
            "from": d.nodes[e.src].name.name,
            "to": d.nodes[e.dst].name.name,
            "local_derivative": to_syntax(e.local),
            "latex": tex(e.local),
            "rule": e.rule,
            "value": val(local),
            "backward": val(back),
        })
    results: dict[str, Any] = {}
    for x, (name, expr) in zip(g.inputs, results_raw):
        results[name] = {"result": syn(expr), "latex": tex(shrink(expr)), "numpy": _numpy(expr),
                         "graph_form": syn(g.shown(x)),
                         "value": val(g.adjoint_value(x)),
                         "value_float": _float(g.adjoint_value(x))}
    paths = {}
    for x in g.inputs:
        step, p = g.paths[x]
        paths[x.name] = {
            "count": p.count,
            "listed": [[s.name for s in path.route] for path in p.paths],
            "products": [[to_syntax(f) for f in path.factors] for path in p.paths],
            "sum": syn(step.result),
        }

    # the backward steps are numbered 1, 2, ... as the text and LaTeX number them
    numbered = [g.adjoints[n][0] for n in g.order if not g.adjoints[n][1].is_output]
    numbers = {id(step): str(i + 1) for i, step in enumerate(numbered)}

    def step_dict(s: Step) -> dict:
        return {"rule": s.rule, "title": _title(s), "kind": s.kind,
                "number": numbers.get(id(s)),
                "held_constant": [str(h) for h in s.held_constant],
                "description": s.description, "expr": syn(s.expr), "result": syn(s.result),
                "latex": _step_latex(s, shrink),
                "wrt": str(s.wrt) if s.wrt is not None else None,
                "definitions": [[str(n), syn(e)] for n, e in s.definitions],
                "children": []}

    roots = d.steps if getattr(d.options, "steps", True) else ()
    return {
        "matcalc": _version(),
        "kind": d.kind,
        "input": d.input,
        "wrt": [str(w) for w in d.wrt],
        "shapes": {},
        "layout": d.layout,
        "output": g.output.name,
        "point": ({s.name: to_syntax(v) for s, v in g.point.items()}
                  if g.point is not None else None),
        "results": results,
        "nodes": nodes,
        "edges": edges,
        "backward_order": [n.name for n in g.order],
        "paths": paths,
        "steps": nest_steps(step_dict, tuple(roots)),
        "definitions": [[str(n), to_syntax(e)] for n, e in namer.where()],
        "verification": _verification(d),
    }


def render_graph_json(d: "Derivation", indent: int | None = 2) -> str:
    """The graph's JSON text (:func:`graph_dict`)."""
    return dumps(graph_dict(d), indent)
