"""What a notes file holds, once loaded and checked: plain frozen records, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import MatcalcError
from ..render.notation import Notation


@dataclass(frozen=True)
class Where:
    """A place in a notes file, for messages: ``handout.toml:23: section 2 ("Chain rule"),
    derivation 3 (derive ln(sin(x^3)^2))``."""

    file: str
    line: int | None = None
    entry: str = ""

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        return f"{place}: {self.entry}" if self.entry else place


class NotesError(MatcalcError):
    """A bad notes file (syntax, unknown key, wrong type) or a derivation that failed.

    ``exit_code`` is 2 for a bad file, else the failing derivation's own status (2 bad
    input, 3 no rule applies). The message names the file, the line and the entry.
    """

    def __init__(self, message: str, where: Where, exit_code: int = 2) -> None:
        super().__init__(f"{where}: {message}")
        self.message = message
        self.where = where
        self.exit_code = exit_code


@dataclass(frozen=True)
class Entry:
    """One derivation of a section: ``kind`` (a key of matcalc.kinds.KINDS), its input and
    own options (``wrt`` ...), the Options fields it sets, its notation and prose."""

    kind: str
    subject: Any
    options: Mapping[str, Any]
    overrides: Mapping[str, Any]
    notation: Notation
    where: Where
    title: str = ""
    text: str = ""
    label: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)   # key -> its line in the file
    #: an exercise: the handout states the problem, the worked solution goes to the
    #: appendix (or to the separate solutions document, ``matcalc notes --solutions``)
    exercise: bool = False

    def at(self, key: str) -> Where:
        """This entry's place, at the line of ``key`` when known."""
        line = self.lines.get(key)
        return Where(self.where.file, line, self.where.entry) if line else self.where


@dataclass(frozen=True)
class Section:
    title: str
    text: str = ""
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Notes:
    """A whole notes file: title, front matter, document-wide notation, sections."""

    file: str
    title: str
    author: str = ""
    date: str = ""
    intro: str = ""
    notation: Notation = Notation()
    layout: str = "numerator"
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]
