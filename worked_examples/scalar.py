"""The scalar derivations of the lecture notes (../shared/seeds/), with the notes' own answers.

The data live in the package (:mod:`matcalc.gallery.data`, shipped with matcalc so that
``matcalc examples`` works from an installed wheel); this module presents the plain
derivatives of that table - the ``derive`` examples without intermediate variables or declared shapes (those are
tests/test_worked_shapes.py's) - as
the records tests/test_worked_examples.py uses: a name, where it comes from, the input and
variable, the answer as the seed writes it (matcalc syntax), and a note where the seed's
arithmetic is wrong (matcalc gives the correct result; the test checks against the
corrected answer and says so).
"""
from __future__ import annotations

from dataclasses import dataclass

from matcalc.gallery import GALLERY


@dataclass(frozen=True)
class Example:
    name: str
    source: str
    input: str
    wrt: str
    seed_answer: str
    note: str = ""


SCALAR_EXAMPLES: tuple[Example, ...] = tuple(
    Example(e.name, e.source, e.input, e.options["wrt"], e.seed_answer, e.note)
    for e in GALLERY["derive"] if "where" not in e.options and "shapes" not in e.options)
