r"""Lecture notes: derive every entry of a notes file, then assemble one LaTeX document.

Two separate passes, so that they can be timed apart (bench/bench_notes.py):

* ``derive_all(notes)``: each entry through the kind registry (:mod:`matcalc.kinds`),
  with its options; a failure becomes a :class:`NotesError` naming file, line and entry.
  Without ``keep_going`` the first failure is raised; with it, every failure is recorded
  and the others are still derived.
* ``render_document(notes, outcomes)``: title, intro, a sentence stating the conventions,
  then per section its prose and numbered derivations (Derivation 2.1, 2.2 ...): the task,
  the steps in ``align*`` with the rule named beside each, the result and a verification
  footnote. A failed entry is shown as a framed note saying what went wrong.

Only standard packages: amsmath, amssymb, bm (and what a kind asks for, e.g. tikz).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import MatcalcError
from ..kinds import KINDS
from ..options import Options
from ..render.latex import escape, render_latex_parts
from .model import Entry, Notes, NotesError

PACKAGES = ("amsmath", "amssymb", "bm")


@dataclass
class Outcome:
    """What became of one entry: its Derivation, or the error that stopped it."""

    entry: Entry
    derivation: Any = None
    error: NotesError | None = None
    seconds: float = 0.0


def derive_entry(entry: Entry) -> Any:
    """The entry's Derivation (a MatcalcError becomes a NotesError naming the entry)."""
    from ..engine.simplify import simplify_budget

    kind = KINDS[entry.kind]
    try:
        options = Options(**entry.overrides)
        with simplify_budget(options.simplify_timeout):   # one --timeout for the entry
            return kind.call(entry.subject, entry.options, options=options)
    except NotesError:
        raise
    except MatcalcError as exc:
        message = getattr(exc, "message", None) or str(exc)
        column = getattr(exc, "position", None)
        where = entry.where
        text = getattr(exc, "text", None)
        # a syntax error points at the key whose text it is in (the expression, where ...)
        for key, value in ((kind.subject, entry.subject), *entry.options.items()):
            if text and (value == text or (isinstance(value, list) and text in value)):
                where = entry.at(key)
                if column is not None:
                    message += f" (column {column + 1} of {key})"
                break
        raise NotesError(message, where, exc.exit_code) from None
    except RecursionError:
        raise NotesError("the expression is nested too deeply", entry.where) from None


def derive_all(notes: Notes, keep_going: bool = False) -> list[Outcome]:
    """Derive every entry in order (see the module docstring for ``keep_going``)."""
    outcomes = []
    for entry in notes.entries:
        start = time.perf_counter()
        try:
            d = derive_entry(entry)
            outcomes.append(Outcome(entry, d, None, time.perf_counter() - start))
        except NotesError as exc:
            if not keep_going:
                raise
            outcomes.append(Outcome(entry, None, exc, time.perf_counter() - start))
    return outcomes


def _verification(d: Any) -> str:
    """The line after a result: 'verified' with the check's details in a footnote."""
    v = getattr(d, "verification", None)
    if v is None:
        return ""
    note = r"\footnote{%s}" % escape(v.summary())
    if v.status == "passed":            # (\nopagebreak: the mark stays with its result)
        return r"\nopagebreak\noindent\hfill\emph{verified numerically}" + note
    if v.status == "failed":
        return r"\nopagebreak\noindent\hfill\textbf{numeric check failed}" + note
    return r"\nopagebreak\noindent\hfill\emph{not verified}" + note


def _conventions(notes: Notes) -> str:
    kinds = {e.kind for e in notes.entries}
    words = [r"Each step names the rule that justifies it, beside the step; every result "
             r"was checked numerically by finite differences at random points (see the "
             r"footnotes)."]
    if "jacobian" in kinds:
        if notes.layout == "denominator":
            words.append(r"Jacobians are written in denominator layout, "
                         r"$(J^{\top})_{ji} = \partial f_i / \partial x_j$: one column per "
                         r"function (the numerator-layout Jacobian transposed).")
        else:
            words.append(r"Jacobians are written in numerator layout, "
                         r"$J_{ij} = \partial f_i / \partial x_j$: one row per function.")
    if notes.notation.partial:
        words.append(r"Derivatives are written with $\partial$ throughout.")
    return " ".join(words)


def _heading(entry: Entry, name: str = "Derivation", label: str = "") -> list[str]:
    title = (r"\quad " + entry.title) if entry.title else ""
    label = r"\label{%s}" % (entry.label or label) if entry.label or label else ""
    return ["", r"\par\medskip\noindent\refstepcounter{derivation}"
                r"\textbf{%s~\thederivation}%s%s" % (name, label, title), "", r"\medskip"]


def _exercise_label(entry: Entry, index: str) -> str:
    return entry.label or f"exercise-{index}"


def render_exercise(outcome: Outcome, index: str, caches: dict | None = None,
                    separate: bool = False) -> list[str]:
    """An exercise in the handout: its heading, prose and the task, without the steps."""
    entry = outcome.entry
    out = _heading(entry, "Exercise", _exercise_label(entry, index))
    if entry.text:
        out += [r"\noindent " + entry.text.strip(), ""]
    if outcome.error is not None:
        return out + _failure(outcome)
    cache = caches.setdefault(entry.notation, {}) if caches is not None else None
    sentence, _ = latex_parts(outcome.derivation, entry.notation, cache)
    task = sentence or r"Derive it step by step."
    return out + [r"\noindent " + task, "",
                  r"\noindent\emph{(Solution: page~\pageref{solution-%s}.)}" % index
                  if not separate else r"\noindent\emph{(Solution: in the "
                  r"solutions document.)}", ""]


def render_solution(outcome: Outcome, index: str, caches: dict | None = None,
                    here: bool = True) -> list[str]:
    """The worked solution of an exercise: the whole derivation, referring back."""
    entry = outcome.entry
    ref = (r"Exercise~\ref{%s}" % _exercise_label(entry, index)) if here else \
        r"Exercise~%s" % index
    body = render_entry(outcome, caches)
    start = len(_heading(entry))
    return ["", r"\par\medskip\noindent\textbf{Solution to %s}\label{solution-%s}%s"
            % (ref, index, (r"\quad " + entry.title) if entry.title else ""), "", r"\medskip",
            *body[start:]]


#: Kinds of Derivation the step renderer (with its Notation) draws - with or without
#: declared shapes; a computation graph brings its own LaTeX renderer (its picture).
STEP_KINDS = ("derivative", "gradient", "jacobian", "backprop")


def latex_parts(d: Any, notation: Any, cache: dict | None) -> tuple[str, str]:
    """(the sentence stating the task, the LaTeX of the steps and results) of one derivation.
    A renderer of its own states the check in a paragraph: that paragraph gives way to the
    document's verification footnote."""
    if getattr(d, "kind", "") in STEP_KINDS:
        return render_latex_parts(d, notation, cache)
    fragment = d.to_latex(standalone=False)
    v = getattr(d, "verification", None)
    said = escape(v.summary()) if v is not None else None
    # the document loads the kind's packages itself ("% needs \usepackage{...}" comments go)
    fragment = "\n".join(line for line in fragment.split("\n")
                         if not (said and said in line) and not line.startswith("% needs "))
    return "", fragment


def _failure(outcome: Outcome) -> list[str]:
    return [r"\noindent\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}{"
            r"\textbf{This derivation failed:} %s}}" % escape(outcome.error.message), ""]


def render_entry(outcome: Outcome, caches: dict | None = None) -> list[str]:
    """The lines of one numbered derivation (or of its failure). ``caches``: printed
    expressions by notation, shared across the document."""
    entry = outcome.entry
    out = _heading(entry)
    if entry.text:
        out += [r"\noindent " + entry.text.strip(), ""]
    if outcome.error is not None:
        return out + _failure(outcome)
    cache = caches.setdefault(entry.notation, {}) if caches is not None else None
    sentence, fragment = latex_parts(outcome.derivation, entry.notation, cache)
    if sentence:
        out += [r"\noindent " + sentence, ""]
    out += [fragment.rstrip("\n")]
    check = _verification(outcome.derivation)
    if check:
        out += ["", check, ""]
    return out


def _preamble(notes: Notes, title: str) -> list[str]:
    extra = sorted({p for e in notes.entries for p in KINDS[e.kind].packages} - set(PACKAGES))
    return [
        r"\documentclass{article}",
        *(r"\usepackage{%s}" % p for p in (*PACKAGES, *extra)),
        r"\setlength{\oddsidemargin}{0pt}",
        r"\setlength{\evensidemargin}{0pt}",
        r"\setlength{\textwidth}{6.3in}",
        r"\allowdisplaybreaks",
        r"\setcounter{MaxMatrixCols}{40}",
        r"\newcounter{derivation}[section]",
        r"\renewcommand{\thederivation}{\thesection.\arabic{derivation}}",
        r"\title{%s}" % title,
        r"\author{%s}" % notes.author,
        r"\date{%s}" % notes.date,
        r"\begin{document}",
        r"\maketitle",
        "",
    ]


def render_solutions(notes: Notes, outcomes: list[Outcome]) -> str:
    """The separate solutions document: the worked solution of every exercise."""
    by_entry = {id(o.entry): o for o in outcomes}
    caches: dict = {}
    lines = _preamble(notes, f"{notes.title}: solutions")
    index = 0
    for k, section in enumerate(notes.sections, start=1):
        for entry in section.entries:
            outcome = by_entry.get(id(entry))
            if entry.exercise:
                index += 1
                if outcome is not None:
                    lines += render_solution(outcome, _number(notes, entry), caches, here=False)
    if index == 0:
        lines += [r"\noindent This handout has no exercises.", ""]
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def _number(notes: Notes, target: Entry) -> str:
    """The printed number of an entry (section.position), as \\thederivation writes it."""
    for k, section in enumerate(notes.sections, start=1):
        for j, entry in enumerate(section.entries, start=1):
            if entry is target:
                return f"{k}.{j}"
    return "?"


def render_document(notes: Notes, outcomes: list[Outcome], separate_solutions: bool = False
                    ) -> str:
    """The whole document (a string pdflatex compiles). Exercises state the problem; their
    worked solutions follow in an appendix, or (``separate_solutions``) are left to
    :func:`render_solutions`."""
    by_entry = {id(o.entry): o for o in outcomes}
    caches: dict = {}
    lines = _preamble(notes, notes.title)
    solutions: list[tuple[Outcome, str]] = []
    if notes.intro:
        lines += [notes.intro.strip(), ""]
    lines += [_conventions(notes), ""]
    for section in notes.sections:
        lines += [r"\section{%s}" % section.title, ""]
        if section.text:
            lines += [section.text.strip(), ""]
        for entry in section.entries:
            outcome = by_entry.get(id(entry))
            if outcome is None:
                continue
            if entry.exercise:
                number = _number(notes, entry)
                lines += render_exercise(outcome, number, caches, separate_solutions)
                solutions.append((outcome, number))
            else:
                lines += render_entry(outcome, caches)
    if solutions and not separate_solutions:
        lines += [r"\appendix", r"\section*{Solutions}", ""]
        for outcome, number in solutions:
            lines += render_solution(outcome, number, caches)
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def build(notes: Notes, keep_going: bool = False, separate_solutions: bool = False
          ) -> tuple[str, list[Outcome]]:
    """Derive everything, then render: (the LaTeX document, the outcomes). With
    ``separate_solutions``, exercises' solutions are left out (:func:`render_solutions`)."""
    outcomes = derive_all(notes, keep_going)
    return render_document(notes, outcomes, separate_solutions), outcomes
