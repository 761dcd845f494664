"""Markdown rendering: a header, the steps as a nested ordered list, the result in ``$$``.

Math is LaTeX inside ``$...$`` (inline, one equation per step) and ``$$...$$`` (the
where-block and the result), which GitHub, Jupyter and most static-site tools render.
Rule names are in bold, as the step's first words.
"""
from __future__ import annotations

import re
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



# ----------------------------------------------------------------------------- 80 columns

#: Longest line of Markdown output (the text renderer's width).
WIDTH = 80
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_ITEM = re.compile(r"^(\s*)(\d{1,9}[.)]|[-*+])( +)(.*)$")
_MATH = re.compile(r"\$([^$]+)\$")
_CODE = re.compile(r"`[^`]*`")
#: A word that must not begin a continuation line: it would start a list item, a quote,
#: a heading, a table row or a code fence there.
_BAD_START = re.compile(r"^([-+*]|\d{1,9}[.)]|[>#|]|```|~~~)")


def fit_markdown(text: str, width: int = WIDTH) -> str:
    """``text`` (Markdown with ``$...$`` math) with every line at most ``width`` columns
    where a line can be broken, with the same meaning: paragraphs, list items and ``$$``
    blocks are broken at spaces (a list item's continuation indented under its text; a
    newline in LaTeX math is a space); never inside a code span or before a word that
    would start a list item, quote, heading or table row. A long heading names its
    function ``$f\\left(x\\right)$`` (or ``$f$``) and the definition follows it in
    ``$$...$$``; a table with a long row becomes a list, one item a row. Code blocks are
    left as they are."""
    lines = text.split("\n")
    out: list[str] = []
    fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fence = not fence
        if fence or _FENCE.match(line):
            out.append(line)
            i += 1
            continue
        if line.lstrip().startswith("|"):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            table = lines[i:j]
            out.extend(table if max(map(len, table)) <= width else _table_list(table, width))
            i = j
            continue
        i += 1
        if len(line) <= width:
            out.append(line)
            continue
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        if heading:
            out.extend(_fit_heading(heading.group(1), heading.group(2), width))
        elif item:
            first = item.group(1) + item.group(2) + item.group(3)
            out.extend(_wrap(item.group(4), first, " " * len(first), width))
        else:
            lead = line[:len(line) - len(line.lstrip(" "))]
            out.extend(_wrap(line.strip(), lead, lead, width))
    return "\n".join(out)


def _words(text: str, width: int = WIDTH) -> list[str]:
    """The words of ``text`` split at spaces, a code span kept whole; a word too long for
    a line is also split after a LaTeX row break ``\\`` (a matrix without spaces)."""
    protected = _CODE.sub(lambda m: m.group(0).replace(" ", "\0"), text)
    out = []
    for w in protected.split(" "):
        if len(w) > width - 10 and "`" not in w:
            out.extend(_split_rows(w))
        elif w:
            out.append(w)
    return [w.replace("\0", " ") for w in out]


def _split_rows(word: str) -> list[str]:
    """``word`` split after each LaTeX row break ``\\\\`` (a control symbol: counted from
    the left, so ``\\\\\\sigma`` splits before ``\\sigma``), not before ``[`` or ``*``."""
    parts, start, i = [], 0, 0
    while i < len(word):
        if word[i] == "\\":
            if word.startswith("\\\\", i) and word[i + 2:i + 3] not in ("[", "*"):
                parts.append(word[start:i + 2])
                start = i + 2
            i += 2
            continue
        i += 1
    parts.append(word[start:])
    return [p for p in parts if p]


def _wrap(text: str, first: str, rest: str, width: int) -> list[str]:
    """Greedy line breaking of ``text`` after the prefixes ``first`` / ``rest``."""
    lines: list[list[str]] = [[]]
    for word in _words(text, width):
        current = lines[-1]
        prefix = first if len(lines) == 1 else rest
        if not current or len(prefix + " ".join(current + [word])) <= width:
            current.append(word)
            continue
        if not _BAD_START.match(word):
            lines.append([word])
            continue
        # break earlier, before the last word of this line that may start one
        k = next((k for k in range(len(current) - 1, 0, -1)
                  if not _BAD_START.match(current[k])), None)
        if k is None:
            current.append(word)            # no place to break: the line stays long
        else:
            lines[-1], tail = current[:k], current[k:]
            lines.append(tail + [word])
    return [(first if n == 0 else rest) + " ".join(ws) for n, ws in enumerate(lines)]


def _fit_heading(hashes: str, text: str, width: int) -> list[str]:
    """A heading over ``width``: the function's definition moves to a display under it
    (``### Differentiate $f\\left(x\\right)$ with respect to $x$`` then ``$$f... = ...$$``);
    still too long, the function is named by its letter, and declarations ("where X is
    ...") follow in a paragraph; still too long, the heading is broken into a bold
    paragraph."""
    m = next((m for m in _MATH.finditer(text) if " = " in m.group(1)), None)
    display: list[str] = []
    if m is not None:
        lhs = m.group(1).split(" = ", 1)[0]
        display = ["", *_wrap(f"$${m.group(1)}$$", "", "", width)]
        short = text[:m.start()] + f"${lhs}$" + text[m.end():]
        bare = re.sub(r"\\left\(.*\\right\)$", "", lhs)
        if len(f"{hashes} {short}") > width and bare != lhs:
            short = text[:m.start()] + f"${bare}$" + text[m.end():]
        text = short
    if len(f"{hashes} {text}") <= width:
        return [f"{hashes} {text}", *display]
    head, sep, where = text.partition(", where ")      # the declarations under it
    if sep and len(f"{hashes} {head}") <= width:
        return [f"{hashes} {head}", "", *_wrap(f"where {where}", "", "", width), *display]
    return [*_wrap(f"**{text}**", "", "", width), *display]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def _table_list(table: list[str], width: int) -> list[str]:
    """A table too wide for ``width`` as a list: one item a row, led by its first cell in
    bold (``**line 2**``), then "header: cell; ..." (a cell under an empty header alone)."""
    head = _cells(table[0])
    rows = [r for r in table[1:] if not re.fullmatch(r"[\s|:-]*", r)]
    out = []
    for row in rows:
        cells = _cells(row)
        lead = f"**{head[0]} {cells[0]}**" if head[0] else f"**{cells[0]}**"
        parts = [f"{h}: {c}" if h else c for h, c in zip(head[1:], cells[1:]) if c]
        out.extend(_wrap(lead + ": " + "; ".join(parts), "- ", "  ", width))
    return out
