"""Read a notes file (TOML) into :class:`~matcalc.notes.model.Notes`, checking every key.

TOML is read by the standard library's ``tomllib`` (``tomli`` on Python 3.10), which
reports syntax errors with a line and column. Schema errors (an unknown key, a value of
the wrong type, an unknown kind) are located by scanning the text for the entry's table
header (``[[section]]``, ``[[section.derivation]]``) and, inside it, the key's own line.
Every message names the file, the line and the entry; see docs/notes-format.md.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import MatcalcError
from ..kinds import COMMON_OPTIONS, KINDS, Kind
from ..options import Options
from ..render.notation import CHOICES, Notation
from .model import Entry, Notes, NotesError, Section, Where

TOP_KEYS = ("title", "author", "date", "intro", "notation", "options", "section")
SECTION_KEYS = ("title", "text", "derivation")
ENTRY_KEYS = ("kind", "title", "text", "label", "notation", "exercise")
NOTATION_KEYS = (*CHOICES, "layout")
LAYOUTS = ("numerator", "denominator")


def _type_name(types: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(names.get(t, t.__name__) for t in types)


def _is(value: Any, types: Any) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        return False               # TOML true is not an integer here
    return isinstance(value, types)


class _Lines:
    """Where tables and keys are in the text (a light scan; tomllib has checked the syntax)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\s\"']+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []      # (1-based line, dotted name)
        in_string: str | None = None
        for i, line in enumerate(self.lines, 1):
            if in_string is None:
                m = self.HEADER.match(line)
                if m:
                    self.headers.append((i, re.sub(r"\s+", "", m.group(2))))
            for quote in ('"""', "'''"):
                count = line.count(quote)
                if in_string in (None, quote) and count % 2 == 1:
                    in_string = quote if in_string is None else None

    def table(self, name: str, index: int, after: int = 0, before: int | None = None) -> int | None:
        """The line of the ``index``-th (0-based) header ``name`` between two lines."""
        found = [ln for ln, h in self.headers if h == name and ln > after
                 and (before is None or ln < before)]
        return found[index] if index < len(found) else None

    def next_array_header(self, line: int) -> int | None:
        """The first ``[[...]]`` header after ``line`` (where an array entry's table ends)."""
        for ln, _ in self.headers:
            if ln > line and self.lines[ln - 1].lstrip().startswith("[["):
                return ln
        return None

    def all_lines(self, pattern: str, start: int | None, end: int | None) -> list[int]:
        """Every line between ``start`` and ``end`` where ``pattern`` matches."""
        regex = re.compile(pattern)
        last = end - 1 if end is not None else len(self.lines)
        return [ln for ln in range((start or 0) + 1, last + 1) if regex.search(self.lines[ln - 1])]

    def key(self, key: str, start: int | None, end: int | None) -> int | None:
        """The line assigning ``key`` (or ``key.sub``) between ``start`` and ``end``."""
        if start is None:
            start = 0
        last = end - 1 if end is not None else len(self.lines)
        lines = range(start + 1 if start else 1, last + 1)
        # at the start of a line; else inside an inline table or after a dotted key
        for pattern in (re.compile(r"^\s*(%s)\s*(=|\.)" % re.escape(key)),
                        re.compile(r"[\s{,.](%s)\s*=" % re.escape(key))):
            for ln in lines:
                if pattern.search(self.lines[ln - 1]):
                    return ln
        return start or None


#: Tables and arrays nested deeper than this are refused (docs/limits.md); notes need 3.
MAX_NESTING = 32
#: Sections, and derivations, in one notes file (each derivation takes up to a few s).
MAX_ENTRIES = 300
_DOTTED = re.compile(r"[\w\-\"'. \t\[\]]+")


def load_notes(path: str | Path) -> Notes:
    """Read and check the notes file at ``path`` (``-``: standard input), read with the
    size limit of input files (NotesError on any problem)."""
    from ..edge import read_input

    name = str(path)
    try:
        text = read_input(name, "notes", named=False)
    except MatcalcError as exc:
        raise NotesError(str(exc), Where(name)) from None
    return parse_notes(text, name)


def _depth(data: Any) -> int:
    """How deeply tables and arrays nest in ``data`` (a walk without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_NESTING:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((v, level + 1) for v in children if isinstance(v, (dict, list)))
    return deepest


def parse_notes(text: str, file: str = "<notes>") -> Notes:
    """Check and load notes given as TOML text (``file`` names it in messages)."""
    too_deep = NotesError(f"bad TOML: tables or arrays nested more than {MAX_NESTING} levels "
                          "deep (the limit of notes files)", Where(file))
    for line in text.splitlines():       # a.b.c... = 1: tomllib is quadratic in the dots
        key = line.split("=", 1)[0]
        if key.count(".") > MAX_NESTING and _DOTTED.fullmatch(key):
            raise too_deep
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if m:
            msg += f" (column {m.group(2)})"
        raise NotesError(f"bad TOML: {msg}", Where(file, line)) from None
    except RecursionError:
        raise too_deep from None
    if _depth(data) > MAX_NESTING:
        raise too_deep
    sections = data.get("section")
    if isinstance(sections, list):
        count = sum(len(sec["derivation"]) for sec in sections
                    if isinstance(sec, dict) and isinstance(sec.get("derivation"), list))
        if len(sections) > MAX_ENTRIES or count > MAX_ENTRIES:
            raise NotesError(f"{len(sections)} sections and {count} derivations: a notes file "
                             f"holds at most {MAX_ENTRIES} of each (split it)", Where(file))
    return _Checker(text, file).notes(data)


class _Checker:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines = _Lines(text)

    def fail(self, message: str, line: int | None, entry: str = "") -> NotesError:
        return NotesError(message, Where(self.file, line, entry))

    def unknown(self, table: Mapping[str, Any], known: tuple[str, ...], start: int | None,
                end: int | None, entry: str, inline: str = "") -> None:
        for key in table:
            if key not in known:
                import difflib
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                line = self.lines.key(key, start, end)
                if inline and line == start:
                    line = self.lines.key(inline, start, end)
                raise self.fail(f"unknown key '{key}' (known: {', '.join(known)}){hint}",
                                line, entry)

    def string(self, table: Mapping[str, Any], key: str, start: int | None, end: int | None,
               entry: str, default: str = "") -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"'{key}' must be a string", self.lines.key(key, start, end), entry)
        return value

    def notation(self, table: Any, base: Notation, layout: str, start: int | None,
                 end: int | None, entry: str) -> tuple[Notation, str]:
        if not isinstance(table, dict):
            raise self.fail("'notation' must be a table, e.g. notation = { detail = \"brief\" }",
                            self.lines.key("notation", start, end), entry)
        self.unknown(table, NOTATION_KEYS, start, end, entry, inline="notation")

        def where(key: str) -> int | None:      # an inline table: the line of notation = {...}
            line = self.lines.key(key, start, end)
            return line if line != start else self.lines.key("notation", start, end)
        changes = {}
        for key, value in table.items():
            allowed = LAYOUTS if key == "layout" else CHOICES[key]
            if value not in allowed or type(value) is not type(allowed[0]):
                shown = " or ".join(str(a).lower() if isinstance(a, bool) else f'"{a}"'
                                    for a in allowed)
                raise self.fail(f"'{key}' must be {shown}, got {value!r}", where(key),
                                entry)
            if key == "layout":
                layout = value
            else:
                changes[key] = value
        return base.updated(changes), layout

    def overrides(self, table: Mapping[str, Any], start: int | None, end: int | None,
                  entry: str) -> dict[str, Any]:
        out = {}
        for key, (field_name, types) in COMMON_OPTIONS.items():
            if key in table:
                if not _is(table[key], types):
                    raise self.fail(f"'{key}' must be {_type_name(types)}",
                                    self.lines.key(key, start, end), entry)
                try:
                    Options(**{field_name: table[key]})
                except MatcalcError as exc:
                    raise self.fail(str(exc), self.lines.key(key, start, end), entry) from None
                out[field_name] = table[key]
        return out

    def notes(self, data: dict[str, Any]) -> Notes:
        top_end = self.lines.headers[0][0] if self.lines.headers else None
        self.unknown(data, TOP_KEYS, None, top_end, "")
        if "title" not in data:
            raise self.fail("the notes need a title (title = \"...\" at the top)", 1)
        strings = {k: self.string(data, k, None, top_end, "") for k in ("title", "author",
                                                                         "date", "intro")}
        notation, layout = Notation(), "numerator"
        if "notation" in data:
            start = self.lines.table("notation", 0)
            notation, layout = self.notation(data["notation"], notation, layout, start,
                                             self.lines.next_array_header(start or 0)
                                             if start else top_end, "[notation]")
        overrides: dict[str, Any] = {}
        if "options" in data:
            start = self.lines.table("options", 0)
            end = self.lines.next_array_header(start or 0) if start else top_end
            if not isinstance(data["options"], dict):
                raise self.fail("'options' must be a table", start, "[options]")
            self.unknown(data["options"], tuple(COMMON_OPTIONS), start, end, "[options]")
            overrides = self.overrides(data["options"], start, end, "[options]")
        sections_data = data.get("section", [])
        if not isinstance(sections_data, list) or not all(isinstance(s, dict) for s in sections_data):
            raise self.fail("'section' must be an array of tables: write [[section]] before each",
                            self.lines.key("section", None, top_end))
        if not sections_data:
            raise self.fail("the notes have no sections: add a [[section]] with a title",
                            None)
        sections = []
        for i, sdata in enumerate(sections_data):
            sections.append(self.section(i, sdata, notation, layout, overrides))
        return Notes(self.file, strings["title"], strings["author"], strings["date"],
                     strings["intro"], notation, layout, tuple(sections))

    def section(self, i: int, data: dict[str, Any], notation: Notation, layout: str,
                overrides: dict[str, Any]) -> Section:
        start = self.lines.table("section", i)
        nxt = self.lines.table("section", i + 1)
        title = data.get("title")
        entry = f"section {i + 1}" + (f" (\"{title}\")" if isinstance(title, str) else "")
        first_derivation = self.lines.table("section.derivation", 0, start or 0, nxt)
        head_end = first_derivation or nxt
        self.unknown(data, SECTION_KEYS, start, head_end, entry)
        if not isinstance(title, str) or not title.strip():
            raise self.fail("every section needs a title = \"...\"", start, entry)
        text = self.string(data, "text", start, head_end, entry)
        derivations = data.get("derivation", [])
        if not isinstance(derivations, list) or not all(isinstance(d, dict) for d in derivations):
            raise self.fail("'derivation' must be an array of tables: write "
                            "[[section.derivation]] before each", start, entry)
        entries = []
        inline = first_derivation is None and bool(derivations)   # derivation = [{...}, ...]
        for j, ddata in enumerate(derivations):
            if inline:       # no header of its own: from its "kind =" to the next one's
                kinds = self.lines.all_lines(r"(^|[\s{,])kind\s*=", start, nxt)
                line = kinds[j] if j < len(kinds) else start
                end = kinds[j + 1] if j + 1 < len(kinds) else nxt
            else:
                line = self.lines.table("section.derivation", j, start or 0, nxt)
                end = self.lines.next_array_header(line) if line else None
            entries.append(self.entry(i, j, title, ddata, line, end, notation, layout, overrides))
        return Section(title, text, tuple(entries))

    def entry(self, i: int, j: int, section_title: str, data: dict[str, Any], line: int | None,
              end: int | None, notation: Notation, layout: str,
              overrides: dict[str, Any]) -> Entry:
        kind_name = data.get("kind")
        label = f"section {i + 1} (\"{section_title}\"), derivation {j + 1}"
        if not isinstance(kind_name, str):
            raise self.fail(f"every derivation needs a kind = \"...\" (one of: {', '.join(KINDS)})",
                            line, label)
        kind: Kind | None = KINDS.get(kind_name)
        if kind is None:
            raise self.fail(f"unknown kind '{kind_name}' (known: {', '.join(KINDS)})",
                            self.lines.key("kind", line, end), label)
        subject = data.get(kind.subject)
        if subject is not None and isinstance(subject, str):
            label += f" ({kind_name} {_short(subject)})"
        else:
            label += f" ({kind_name})"
        known = (*ENTRY_KEYS, kind.subject, *kind.options, *COMMON_OPTIONS)
        self.unknown(data, known, line, end, label)
        if subject is None:
            raise self.fail(f"a {kind_name} derivation needs {kind.subject} = \"...\"", line, label)
        where = lambda k: self.lines.key(k, line, end)  # noqa: E731
        if not _is(subject, kind.subject_types) or (
                isinstance(subject, list) and not all(isinstance(s, str) for s in subject)):
            raise self.fail(f"'{kind.subject}' must be {_type_name(kind.subject_types)}"
                            + (" of strings" if list in _tuple(kind.subject_types) else ""),
                            where(kind.subject), label)
        options = {}
        for key, types in kind.options.items():
            if key in data:
                value = data[key]
                if not _is(value, types):
                    raise self.fail(f"'{key}' must be {_type_name(types)}", where(key), label)
                if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                    raise self.fail(f"'{key}' must be a list of strings", where(key), label)
                if isinstance(value, dict) and not all(
                        isinstance(v, (str, int, float)) and not isinstance(v, bool)
                        for v in value.values()):
                    raise self.fail(f"'{key}' must map names to expressions or numbers",
                                    where(key), label)
                options[key] = value
        own_notation, own_layout = notation, layout
        if "notation" in data:
            own_notation, own_layout = self.notation(data["notation"], notation, layout, line, end,
                                                     label)
        if "layout" in kind.options:
            if "layout" in options and options["layout"] not in LAYOUTS:
                raise self.fail(f"'layout' must be \"numerator\" or \"denominator\", got "
                                f"{options['layout']!r}", where("layout"), label)
            options.setdefault("layout", own_layout)
        own = {**overrides, **self.overrides(data, line, end, label)}
        strings = {k: self.string(data, k, line, end, label) for k in ("title", "text", "label")}
        if strings["label"] and not re.fullmatch(r"[A-Za-z0-9:._\-]+", strings["label"]):
            raise self.fail("'label' may only use letters, digits and : . _ -", where("label"), label)
        lines = {k: n for k in data if (n := where(k)) is not None and n != line}
        exercise = data.get("exercise", False)
        if not isinstance(exercise, bool):
            raise self.fail("'exercise' must be true or false", where("exercise"), label)
        return Entry(kind_name, subject, options, own, own_notation, Where(self.file, line, label),
                     strings["title"], strings["text"], strings["label"], lines, exercise)


def _tuple(types: Any) -> tuple:
    return types if isinstance(types, tuple) else (types,)


def _short(text: str, limit: int = 40) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[:limit - 3] + "..."


__all__ = ["load_notes", "parse_notes", "NotesError"]
