"""Lecture notes: a notes file (TOML) of sections and derivations -> one LaTeX document.

>>> from matcalc.notes import load_notes, build      # doctest: +SKIP
>>> tex, outcomes = build(load_notes("handout.toml"))

See docs/notes-format.md for the file format and ``matcalc notes`` for the command.
"""
from .assemble import Outcome, build, derive_all, render_document, render_solutions
from .loader import load_notes, parse_notes
from .model import Entry, Notes, NotesError, Section, Where
from .pdf import LatexError, compile_pdf

__all__ = ["load_notes", "parse_notes", "build", "derive_all", "render_document",
           "render_solutions", "Outcome",
           "Notes", "Section", "Entry", "NotesError", "Where", "compile_pdf", "LatexError"]
