"""Text, LaTeX, Markdown and JSON for matrix derivations (they only read the Steps).

A differential step reads d(expr) = result; a rewrite step expr = result; children are
indented under their parent; constant and variable differentials are folded away.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sympy as sp

from ..engine.step import Step
from ..render.latex import escape
from .algebra import is_matrix
from ..verify.result import Verification
from .printing import matrix_latex, matrix_numpy, matrix_syntax

if TYPE_CHECKING:
    from ..derivation import Derivation

TRIVIAL = {"d_constant", "d_variable"}


def _shapes_text(d: "Derivation") -> str:
    parts = [f"{k}: ({r}, {c})" for k, (r, c) in d.shapes.items()]
    return "; ".join(parts)


def _title(d: "Derivation") -> str:
    names = ", ".join(v.name for v in d.wrt)
    if d.kind == "backprop":
        prog = d.program[0]
        return (f"Backward pass of {prog.objective.name} = {matrix_syntax(prog.assignments[-1][1])}"
                f" for {names}")
    word = {"jacobian": "Jacobian", "gradient": "Gradient"}.get(d.kind, "Derivative")
    return f"{word} of {d.input} with respect to {names}"


def _visible(s: Step) -> list[Step]:
    return [c for c in s.children if c.rule not in TRIVIAL]


def _line(s: Step, show) -> str:
    if s.rule == "backprop_adjoint":
        return f"d{s.expr.name} = {show(s.result)}"
    if s.kind == "differential":
        return f"d({show(s.expr)}) = {show(s.result)}"
    if s.kind == "reuse":
        return f"d({show(s.expr)}) = {show(s.result)} (derived above)"
    return f"{show(s.expr)} = {show(s.result)}"


def _result_name(d: "Derivation", name: str) -> str:
    if d.kind == "backprop":
        return f"d{name}"
    if d.kind == "jacobian":
        name = d.wrt[0].name
        return f"J = df/d{name}" + (" (denominator layout)" if d.layout == "denominator"
                                    else " (numerator layout)")
    return f"df/d{name}"


def render_text(d: "Derivation") -> str:
    out = [_title(d), f"Shapes: {_shapes_text(d)}", ""]
    if d.options.steps:
        for k, top in enumerate(d.steps, 1):
            what = top.wrt.name if top.wrt is not None else ""
            if d.kind == "backprop":
                _text_step(top, f"{k}", "", out)
                continue
            if top.rule == "expand_dimensions":
                out.append(f"{k}. Components ({top.description}):")
                out.append(f"   {_result_name(d, what)} = {matrix_syntax(top.result)}")
                continue
            out.append(f"{k}. {top.description}")
            for j, s in enumerate(_visible(top), 1):
                _text_step(s, f"{k}.{j}", "   ", out)
            out.append("")
    if d.kind == "backprop":
        out.append("Backward pass:")
        out += [f"  d{name} = {matrix_syntax(r)}" for name, r in d.results.items()]
    else:
        for name, r in d.results.items():
            out.append(f"Result: {_result_name(d, name)} = {matrix_syntax(r)}")
    if d.verification is not None:
        out.append(d.verification.summary())
    return "\n".join(out)


def _text_step(s: Step, number: str, indent: str, out: list[str]) -> None:
    out.append(f"{indent}{number} [{s.rule}] {_line(s, matrix_syntax)}")
    out.append(f"{indent}    {s.description}")
    for j, c in enumerate(_visible(s), 1):
        if s.kind == "differential" and c.kind == "differential" and len(number) > 12:
            continue
        _text_step(c, f"{number}.{j}", indent + "  ", out)


def _tex_line(s: Step) -> str:
    if s.rule == "backprop_adjoint":
        return r"d%s &= %s" % (sp.latex(sp.Symbol(s.expr.name)), matrix_latex(s.result))
    if s.kind in ("differential", "reuse"):
        return r"\mathrm{d}\left(%s\right) &= %s" % (matrix_latex(s.expr), matrix_latex(s.result))
    return r"%s &= %s" % (matrix_latex(s.expr), matrix_latex(s.result))


ROW_WIDTH = 52   # rough characters of typeset math per line of the page


def _tex_rows(s: Step) -> str:
    """The step as align* rows, the rule's name as a tag on the last; a long right-hand
    side is broken before its top-level terms, a long left-hand side gets its own line."""
    from ..render.latex import width
    line = _tex_line(s)
    lhs, rhs = line.split(" &= ", 1)
    if width(lhs) + width(rhs) <= ROW_WIDTH:
        return line + " " + _tex_rule(s)
    terms = _split_terms(s.result)
    rows: list[str] = []
    if width(lhs) > ROW_WIDTH // 2:          # its own row, in the right-hand column
        rows.append(r"&\phantom{{}={}} " + lhs + r" \\" + "\n")
        lhs = ""
    if len(terms) < 2:
        rows.append(f"{lhs} &= {rhs}")
    else:
        current = f"{lhs} &= {terms[0]}"
        for t in terms[1:]:
            piece = t if t.startswith("-") else "+ " + t
            if width(current) + width(piece) > ROW_WIDTH:
                rows.append(current + r" \\" + "\n")
                current = r"&\quad " + piece
            else:
                current += " " + piece
        rows.append(current)
    return "".join(rows) + " " + _tex_rule(s)


def _split_terms(e: sp.Basic) -> list[str]:
    from sympy import MatAdd
    if isinstance(e, MatAdd) or (isinstance(e, sp.Add) and not is_matrix(e)):
        return [matrix_latex(t) for t in e.args]
    return [matrix_latex(e)]


def _tex_rule(s: Step) -> str:
    """The rule's name as a tag: at the right margin, or on its own line when the row
    is too long (amsmath moves tags that do not fit)."""
    from ..rules import RULES
    title = RULES[s.rule].title if s.rule in RULES else s.rule.replace("_", " ")
    return r"\tag*{\small %s}" % escape(title)


def _space(r: sp.Expr, c: sp.Expr) -> str:
    dims = sp.latex(r) if c == 1 else r"%s \times %s" % (sp.latex(r), sp.latex(c))
    return r"\mathbb{R}^{%s}" % dims


def _latex_title(d: "Derivation") -> str:
    """The task in words and math: 'Derivative of x^T A x with respect to x, where x is
    in R^n and A in R^(n x n)', typeset."""
    names = ", ".join(sp.latex(sp.Symbol(v.name)) for v in d.wrt)
    where = ", ".join(r"$%s \in %s$" % (sp.latex(sp.Symbol(k)), _space(r, c))
                      for k, (r, c) in d.shapes.items())
    if d.kind == "backprop":
        prog = d.program[0]
        what = r"Backward pass of $%s = %s$ for $%s$" % (
            sp.latex(sp.Symbol(prog.objective.name)), matrix_latex(prog.assignments[-1][1]),
            names)
    else:
        word = {"jacobian": "Jacobian", "gradient": "Gradient"}.get(d.kind, "Derivative")
        what = r"%s of $%s$ with respect to $%s$" % (word, matrix_latex(d.expr), names)
    return what + (", where " + where if where else "") + "."


def render_latex(d: "Derivation", standalone: bool = False, display: bool = False) -> str:
    body: list[str] = [r"\noindent %s\\" % _latex_title(d)]
    if d.options.steps:
        if d.kind == "backprop":
            rows = [_tex_rows(s) for s in d.steps]
            body.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
        for top in (d.steps if d.kind != "backprop" else ()):
            if top.rule == "expand_dimensions":
                body.append(r"\[ %s = %s \]" % (matrix_latex(top.expr), sp.latex(
                    top.result, mat_str="bmatrix", mat_delim="")))
                continue
            rows = []
            for s in _flatten(top):
                rows.append(_tex_rows(s))
            body.append(escape(top.description))
            body.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    if d.kind == "backprop":
        rows = [r"d%s &= %s" % (sp.latex(sp.Symbol(name)), matrix_latex(r))
                for name, r in d.results.items()]
        body.append("The backward pass:")
        body.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    for name, r in (d.results.items() if d.kind != "backprop" else ()):
        name = d.wrt[0].name if d.kind == "jacobian" else name
        label = r"\frac{\partial f}{\partial %s}" % sp.latex(sp.Symbol(name))
        body.append(r"\[ %s = %s \]" % (label, matrix_latex(r)))
    if d.verification is not None:
        body.append(r"\noindent\textit{%s}" % escape(d.verification.summary()))
    text = "\n\n".join(body)
    if standalone:
        return ("\\documentclass{article}\n\\usepackage{amsmath,amssymb,bm}\n"
                "\\usepackage[margin=2cm]{geometry}\n\\begin{document}\n" + text +
                "\n\\end{document}\n")
    return text


def _flatten(top: Step, limit: int = 40) -> list[Step]:
    """The visible steps of a derivation in reading order (children before parents for
    differentials, so the pieces come before the whole), capped at ``limit``."""
    out: list[Step] = []

    def walk(s: Step) -> None:
        for c in _visible(s):
            if c.kind == "differential":
                for g in _visible(c):
                    walk_diff(g)
            out.append(c)

    def walk_diff(s: Step) -> None:
        for c in _visible(s):
            walk_diff(c)
        if len(out) < limit:
            out.append(s)

    walk(top)
    return out


def render_markdown(d: "Derivation") -> str:
    lines = [f"### {_title(d)}", "", f"Shapes: {_shapes_text(d)}", ""]
    if d.options.steps:
        for top in d.steps:
            if top.rule == "expand_dimensions":
                lines.append(f"- components: `{matrix_syntax(top.result)}`")
                continue
            lines.append(f"**{top.description}**")
            lines.append("")
            for s in _flatten(top):
                lines.append(f"- `{s.rule}`: ${_tex_line(s).replace('&', '')}$ — {s.description}")
            lines.append("")
    for name, r in d.results.items():
        lines.append(f"**Result:** ${_tex_line_result(name, r)}$")
    if d.verification is not None:
        lines += ["", d.verification.summary()]
    return "\n".join(lines)


def _tex_line_result(name: str, r: sp.Basic) -> str:
    return r"\frac{\partial f}{\partial %s} = %s" % (sp.latex(sp.Symbol(name)), matrix_latex(r))


def _step_dict(s: Step) -> dict[str, Any]:
    return {"rule": s.rule, "kind": s.kind, "description": s.description,
            "expr": matrix_syntax(s.expr) if not isinstance(s.expr, sp.MatrixBase) else str(s.expr),
            "result": matrix_syntax(s.result),
            "latex": _tex_line(s).replace("&", ""),
            "wrt": s.wrt.name if s.wrt is not None else None,
            "children": [_step_dict(c) for c in s.children]}


def _dim(x: Any) -> Any:
    try:
        return int(x)
    except TypeError:
        return str(x)


def to_dict(d: "Derivation") -> dict[str, Any]:
    from .._version import __version__
    results = {}
    for name, r in d.results.items():
        try:
            numpy_text = matrix_numpy(r)
        except (ValueError, TypeError):
            numpy_text = None
        results[name] = {"result": matrix_syntax(r), "latex": matrix_latex(r),
                         "numpy": numpy_text,
                         "shape": [_dim(x) for x in r.shape] if is_matrix(r) else []}
    return {"matcalc": __version__, "kind": d.kind, "input": d.input,
            "wrt": [v.name for v in d.wrt],
            "shapes": {k: [_dim(r), _dim(c)] for k, (r, c) in d.shapes.items()},
            "layout": d.layout, "results": results,
            "steps": [_step_dict(s) for s in d.steps],
            "verification": (d.verification or Verification.not_run(d.options.rtol)).to_dict()}


def render_json(d: "Derivation", indent: int | None = 2) -> str:
    return json.dumps(to_dict(d), indent=indent)


def render_numpy(d: "Derivation") -> str:
    lines = [f"# {name}: {matrix_numpy(r)}" if len(d.results) > 1 else matrix_numpy(r)
             for name, r in d.results.items()]
    return "\n".join(lines)
