"""JSON rendering: the CONTRACTS.md schema (fields may be added, none renamed).

Every step is listed, trivial ones included, recursively: ``rule``, ``description``,
``expr``, ``result``, ``latex``, ``children`` (the contract), plus ``title``, ``kind``,
``number`` (the step's number in the text/LaTeX/Markdown output, or null for a trivial
step folded into its parent there), ``wrt``, ``definitions``, ``held_constant``, for a
reuse step ``same_as`` (the number of the step that derived it first) and, for a step
about several variables (assembling a gradient or Jacobian, the vector chain rule),
``variables``, its columns in order.

A gradient's or Jacobian's vector or matrix is written ``[a, b]`` (one row) or
``[[a, b], [c, d]]`` (one list per row), which ``matcalc.parse.parse_matrix`` reads back;
a product of Jacobians as ``A @ B``. ``results.jacobian.numpy`` evaluates to the whole
matrix in the stated ``layout`` (see :mod:`matcalc.codegen.numpy` for array inputs).

Expressions are in matcalc's input syntax. When an expression is too large to print (a
DAG whose tree is huge), its shared sub-expressions appear as names v1, v2 ... defined in
the top-level ``definitions`` list, in dependency order; it is empty otherwise.
"""
from __future__ import annotations

import json as _json
import sys
from typing import TYPE_CHECKING, Any, Callable

import sympy as sp

from ..engine.step import Step
from .latex import equation, tex
from .naming import Entry, Leibniz, Operator, Plan, Value, matrix_printing, plan, printing_for

if TYPE_CHECKING:
    from ..derivation import Derivation


def _syntax() -> Callable[[sp.Basic], str]:
    """matcalc's input-syntax printer (the matrix one with declared shapes), or ``str``
    while it is unavailable."""
    if matrix_printing():
        from ..matrix.printing import matrix_syntax
        return matrix_syntax
    try:
        from ..syntax import to_syntax
        return to_syntax
    except ImportError:  # pragma: no cover - only while syntax.py is being written
        return str


def _numpy(expr: sp.Basic) -> str | None:
    """The NumPy expression for a result, or None when the emitter is missing or cannot."""
    if matrix_printing():
        from ..matrix.printing import matrix_numpy
        try:
            return matrix_numpy(expr)
        except (ValueError, TypeError):
            return None
    try:
        from ..codegen.numpy import to_numpy
    except ImportError:  # pragma: no cover
        return None
    try:
        return to_numpy(expr)
    except (NotImplementedError, ValueError, TypeError):
        return None


def _dim(x: Any) -> Any:
    """A shape dimension as JSON: an int, else its name."""
    try:
        return int(x)
    except (TypeError, ValueError):
        return str(x)


def _version() -> str:
    from .._version import __version__
    return __version__


def _verification(d: "Derivation") -> dict:
    v = getattr(d, "verification", None)
    if v is None:
        from ..verify.result import Verification
        v = Verification.not_run(getattr(d.options, "rtol", 1e-6))
    return v.to_dict()


def _step_latex(s: Step, entry: Entry | None, p: Plan, variables: set) -> str:
    """The step as one LaTeX equation (the shown entry's, else d/dx expr = result)."""
    if entry is not None and entry.definitions:
        return r",\quad ".join(f"{tex(n)} = {tex(e)}" for n, e in entry.definitions)
    if entry is not None and entry.parts:
        return equation(entry.parts)
    shrink = p.namer.shrink
    lhs = (Operator(s.wrt, shrink(s.expr), p.partial and s.wrt in variables) if s.wrt is not None
           else Value(shrink(s.expr)))
    return equation((lhs, Value(shrink(s.result))))


def nest_steps(step_dict: Callable[[Step], dict], roots: tuple[Step, ...]) -> list[dict]:
    """Every step as ``step_dict(step)`` (whose ``children`` list starts empty), nested as the
    Step tree, parents before children, without recursion (trees can be deep)."""
    top: list[dict] = []
    stack: list[tuple[Step, list[dict]]] = [(r, top) for r in reversed(roots)]
    while stack:
        s, siblings = stack.pop()
        node = step_dict(s)
        siblings.append(node)
        stack.extend((c, node["children"]) for c in reversed(s.children))
    return top


def to_dict(d: "Derivation") -> dict:
    """The derivation as a JSON-ready dict (see the module docstring and CONTRACTS.md)."""
    with printing_for(d):
        return _to_dict(d)


def _to_dict(d: "Derivation") -> dict:
    p = plan(d)
    syn = _syntax()
    shrink = p.namer.shrink
    entries = {e.step: e for e in p.entries}
    def step_dict(s: Step) -> dict:
        entry = entries.get(s)
        out: dict[str, Any] = {
            "rule": s.rule,
            "title": _title(s),
            "kind": s.kind,
            "number": p.numbers.get(s) if entry is not None else None,
            "description": s.description,
            "expr": syn(shrink(s.expr)),
            "result": syn(shrink(s.result)),
            "latex": _step_latex(s, entry, p, set(d.wrt)),
            "wrt": str(s.wrt) if s.wrt is not None else None,
            "definitions": [[str(n), syn(shrink(e))] for n, e in s.definitions],
            "held_constant": [str(h) for h in s.held_constant],
        }
        if s.kind == "reuse":
            out["same_as"] = p.numbers.get(s.same_as) if s.same_as is not None else None
        if s.variables:               # gradient and Jacobian steps: their columns
            out["variables"] = [str(v) for v in s.variables]
        out["children"] = []
        return out

    roots = d.steps if getattr(d.options, "steps", True) else ()
    results = {}
    for (lhs, shrunk), (name, expr) in zip(p.results(d), d.results.items()):
        results[name] = {"result": syn(shrunk), "latex": tex(shrunk), "numpy": _numpy(expr)}
        if d.shapes:                  # the result's shape, [] for a scalar
            shape = getattr(expr, "shape", None) if isinstance(expr, sp.MatrixExpr) else None
            results[name]["shape"] = [_dim(x) for x in shape] if shape else []
        if isinstance(lhs, Leibniz):
            results[name]["lhs_latex"] = equation((lhs,))
        if "order" in (getattr(d, "attachments", None) or {}):
            results[name]["order"] = int(d.attachments["order"])
    return {
        "matcalc": _version(),
        "kind": d.kind,
        "input": d.input,
        "wrt": [str(w) for w in d.wrt],
        "shapes": {str(k): [_dim(x) for x in v] for k, v in (d.shapes or {}).items()},
        "layout": d.layout,
        "results": results,
        "steps": nest_steps(step_dict, tuple(roots)),
        "definitions": [[str(n), syn(e)] for n, e in p.namer.where()],
        "verification": _verification(d),
    }


def _title(s: Step) -> str:
    from ..rules.catalogue import RULES
    rule = RULES.get(s.rule)
    return rule.title if rule else s.rule.replace("_", " ")


def _depth(steps: list[dict]) -> int:
    deepest, stack = 0, [(s, 1) for s in steps]
    while stack:
        s, k = stack.pop()
        deepest = max(deepest, k)
        stack.extend((c, k + 1) for c in s["children"])
    return deepest


#: Step trees deeper than this are written without indentation: indenting costs space
#: quadratic in the depth (every line repeats its nesting), compact JSON stays linear.
INDENT_MAX_DEPTH = 48


def render_json(d: "Derivation", indent: int | None = 2) -> str:
    """``json.dumps(to_dict(d), indent=indent)`` (see :func:`dumps`)."""
    return dumps(to_dict(d), indent)


def dumps(data: dict, indent: int | None = 2) -> str:
    """``json.dumps(data, indent=indent)``, compact for very deep step trees; deep trees
    get the recursion room the encoder needs, restored afterwards."""
    depth = _depth(data["steps"])
    if depth > INDENT_MAX_DEPTH:
        indent = None
    need = 4 * depth + 100
    old = sys.getrecursionlimit()
    if need > old:
        sys.setrecursionlimit(need)
    try:
        return _json.dumps(data, indent=indent)
    finally:
        sys.setrecursionlimit(old)
