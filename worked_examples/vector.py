"""The gradient, Jacobian and vector-chain-rule derivations of seed 001, with its answers.

The data live in the package (:mod:`matcalc.gallery.data`); this module presents every
gallery example that is not a plain scalar derivative (see scalar.py) and has no declared
shapes (see elementwise.py and matrix.py) as the records
tests/test_worked_vector.py uses: a name, where it comes from, the ``matcalc`` command
(its arguments, as a shell would pass them) and the answer as the seed writes it, in
matcalc syntax: a row ``[a, b]`` for a gradient, a matrix ``[[...], [...]]`` in the
command's layout for a Jacobian, an expression for a derivative.
"""
from __future__ import annotations

from dataclasses import dataclass

from matcalc.gallery import examples


@dataclass(frozen=True)
class VectorExample:
    name: str
    source: str
    command: tuple[str, ...]
    seed_answer: str
    note: str = ""


VECTOR_EXAMPLES: tuple[VectorExample, ...] = tuple(
    VectorExample(e.name, e.source, e.command(), e.seed_answer, e.note)
    for e in examples() if "shapes" not in e.options
    and (e.kind in ("grad", "jacobian") or (e.kind == "derive" and "where" in e.options)))
