"""A checked answer or derivation (kind ``check``): text, Markdown and JSON.

Reads the verdict in ``attachments["check"]`` (every line's status, expected expression,
diagnosis) and, for the correct derivation shown after a wrong line, matcalc's own
Derivation in ``attachments["derivation"]``, rendered by the usual renderers. Nothing is
computed here.
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..derivation import Derivation

WIDTH = 80
_STATUS = {"given": "given", "right": "right", "wrong": "WRONG", "follows": "follows"}


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=True, break_on_hyphens=False) or [indent]


def _summary(report: Any) -> str:
    if report.correct:
        if report.mode == "answer":
            return "The answer is right."
        return "Every line is right."
    first = next(l for l in report.lines if l.status == "wrong")
    if report.mode == "answer":
        return f"The answer is wrong ({first.diagnosis.rule})."
    return f"First wrong line: {first.line} ({first.diagnosis.rule})."


def render_check_text(d: "Derivation") -> str:
    """The verdict line by line, then (when something is wrong) matcalc's derivation."""
    report = d.attachments["check"]
    out = _wrap(f"Check: {report.problem}", "")
    out.append("")
    for l in report.lines:
        label = "answer" if report.mode == "answer" else f"line {l.line}"
        status = _STATUS[l.status]
        if l.status == "follows":
            status = f"follows from line {l.follows}"
        out += _wrap(f"{label:<8} {l.text.strip()}", "")
        note = "the derivative to take" if l.status == "given" else status
        out += _wrap(f"-> {note}", "         ")
        if l.status == "right" and l.relation:
            out += _wrap(l.relation, "         ")
        if l.diagnosis is not None:
            out += _wrap(l.diagnosis.message, "         ")
        if l.status == "wrong" and l.correct_line and l.correct_line != l.expected:
            out += _wrap(f"correct line: {l.correct_line}", "         ")
        if l.status == "wrong" and l.expected:
            out += _wrap(f"the derivative (matcalc): {l.expected}", "         ")
    out += ["", _summary(report)]
    inner = d.attachments.get("derivation")
    if not report.correct and inner is not None:
        out += ["", "The correct derivation:", "", inner.to_text()]
    elif inner is not None and inner.verification is not None:
        out += ["", *_wrap(f"matcalc's own derivative: {inner.verification.summary()}", "")]
    return "\n".join(out).rstrip() + "\n"


def render_check_markdown(d: "Derivation") -> str:
    report = d.attachments["check"]
    out = [f"**Check:** `{report.problem}`", "", "| line | | status | diagnosis |",
           "|---|---|---|---|"]
    for l in report.lines:
        status = f"follows from line {l.follows}" if l.status == "follows" else l.status
        diag = l.diagnosis.message if l.diagnosis else (l.relation or "")
        out.append(f"| {l.line} | `{l.text.strip()}` | {status} | {diag} |")
    out += ["", _summary(report)]
    inner = d.attachments.get("derivation")
    if not report.correct and inner is not None:
        out += ["", "**The correct derivation:**", "", inner.to_markdown()]
    return "\n".join(out) + "\n"


def _line_latex(l: Any, shapes: bool, var: str, mode: str) -> str:
    from .latex import tex
    if l.expr is None:
        return r"\texttt{%s}" % _escape(l.text.strip())
    if shapes:
        from ..matrix.printing import matrix_latex
        body = matrix_latex(l.expr)
    else:
        body = tex(l.expr)
    if l.status == "given":
        return r"$\displaystyle \frac{d}{d%s} %s$" % (var, body)
    if mode == "backprop":
        return r"$\mathrm{%s} = %s$" % (_escape(l.text.split("=")[0].strip()), body)
    return r"$\displaystyle = %s$" % body


def _escape(text: str) -> str:
    from .latex import escape
    return escape(text)


def render_check_latex(d: "Derivation", standalone: bool = False, notation: Any = None,
                       **kw: Any) -> str:
    """The verdict as a LaTeX list (each line in math, its status and diagnosis), then
    matcalc's derivation (the usual LaTeX renderer)."""
    from .latex import render_latex
    report = d.attachments["check"]
    inner = d.attachments["derivation"]
    var = str(inner.wrt[0]) if inner.wrt else "x"
    shapes = bool(inner.shapes) and report.mode != "backprop"
    out = [r"\noindent\textbf{Check:} %s" % _escape(report.problem), "",
           r"\begin{description}"]
    for l in report.lines:
        label = "answer" if report.mode == "answer" else f"line {l.line}"
        status = {"given": "the derivative to take", "right": "right",
                  "wrong": r"\textbf{wrong}",
                  "follows": f"follows from line {l.follows}"}[l.status]
        out.append(r"\item[%s] %s \hfill %s" % (label, _line_latex(l, shapes or
                                                                   report.mode == "backprop",
                                                                   var, report.mode), status))
        if l.diagnosis is not None:
            out.append(r"\\ \emph{%s} (\texttt{%s})" % (_escape(l.diagnosis.message),
                                                          _escape(l.diagnosis.rule)))
    out += [r"\end{description}", "", r"\noindent " + _escape(_summary(report)), "",
            r"\medskip", ""]
    if report.correct:
        verdict = "\n".join(out)
        if not standalone:
            return verdict + "\n"
        doc = render_latex(inner, standalone=True, notation=notation)
        head, _, _ = doc.partition("\\begin{document}")
        return head + "\\begin{document}\n" + verdict + "\n\\end{document}\n"
    out += [r"\medskip", r"\noindent The correct derivation:", ""]
    verdict = "\n".join(out)
    body = render_latex(inner, standalone=standalone, notation=notation)
    if not standalone:
        return verdict + "\n" + body
    head, marker, rest = body.partition("\\begin{document}")
    return head + marker + "\n" + verdict + "\n" + rest


def check_dict(d: "Derivation") -> dict:
    """The contract's JSON: the usual fields of matcalc's derivation, kind "check",
    ``correct``, ``first_wrong_line``, ``lines``, ``problem``, ``mode``."""
    from .json import to_dict
    report = d.attachments["check"]
    inner = d.attachments["derivation"]
    data = to_dict(inner)
    data.update({"kind": "check", "input": d.input, "problem": report.problem,
                 "mode": report.mode, "correct": report.correct,
                 "first_wrong_line": report.first_wrong_line,
                 "lines": [l.to_dict() for l in report.lines if l.status != "given"],
                 "sample_points": report.points, "proved": report.proved})
    return data


def render_check_json(d: "Derivation", indent: int | None = 2) -> str:
    from .json import dumps
    return dumps(check_dict(d), indent)
