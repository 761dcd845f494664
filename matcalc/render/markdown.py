"""Markdown rendering: a header, the steps as a nested ordered list, the result in ``$$``.

Math is LaTeX inside ``$...$`` (inline, one equation per step) and ``$$...$$`` (the
where-block and the result), which GitHub, Jupyter and most static-site tools render.
Rule names are in bold, as the step's first words.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .latex import (equation, function_tex, header_words, heading_tex, layout_tex,
                    part_tex, task_sentence, tex)
from .naming import Entry, plan, printing_for, shows_layout

if TYPE_CHECKING:
    from ..derivation import Derivation


def _item(e: Entry) -> str:
    """The text of one list item (without its marker)."""
    title = f"**{e.tag}**"
    if e.definitions:
        math = ", ".join(f"${tex(n)} = {tex(x)}$" for n, x in e.definitions)
        text = f"{title}: {math}"
    else:
        text = f"{title}: $" + equation(e.parts) + "$"
    if e.note:
        text += f" *({e.note})*"
    return text


def render_markdown(d: "Derivation") -> str:
    """The derivation in Markdown."""
    with printing_for(d):
        return _render_markdown(d)


def _render_markdown(d: "Derivation") -> str:
    p = plan(d)
    word, wrt, held = header_words(d, p)
    head = f"### {word} ${function_tex(d, p)}$ with respect to " + ", ".join(f"${tex(w)}$" for w in wrt)
    if held:
        head += ", holding " + ", ".join(f"${tex(h)}$" for h in held) + " constant"
    if getattr(d, "shapes", None):          # the task with its shapes, as the LaTeX says it
        head = "### " + task_sentence(d, p).rstrip(".")
    out = [head, ""]
    indents = [""]                     # indentation of list items at each depth
    last_marker = ""
    for e in p.entries:
        heading = p.sections.get(e.step) if e.depth == 0 else None
        if heading:
            if out[-1] != "":
                out.append("")
            out += [heading_tex(heading, math=False), ""]
        del indents[e.depth + 1:]
        while len(indents) <= e.depth:  # a child: indent under the parent's item text
            indents.append(indents[-1] + " " * (len(last_marker) + 1))
        last_marker = f"{e.number.rsplit('.', 1)[-1]}."
        out.append(f"{indents[e.depth]}{last_marker} {_item(e)}")
    if p.entries:
        out.append("")
    where = p.namer.where()
    if where:
        rows = r" \\ ".join(f"{tex(n)} &= {tex(x)}" for n, x in where)
        out += ["where", "", r"$$\begin{aligned}" + rows + r"\end{aligned}$$", ""]
    out.append("**Result:**")
    out.append("")
    for lhs, expr in p.shown_results(d):
        out.append(f"$${part_tex(lhs)} = {tex(expr)}$$")
        out.append("")
    if shows_layout(d):
        out += [layout_tex(d).replace("*", r"\*"), ""]
    v = getattr(d, "verification", None)
    if v is not None:
        out.append(v.summary().replace("*", r"\*"))
        out.append("")
    return "\n".join(out)

