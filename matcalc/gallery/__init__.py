"""The worked-examples gallery, shipped with the package (``matcalc examples``).

* :data:`GALLERY` (in :mod:`matcalc.gallery.data`): the examples, a table keyed by kind.
* ``examples()``: all of them in gallery order; ``find(name)``: one by name.
* ``derive_example(example)``: run it through the kind registry (:mod:`matcalc.kinds`).
* ``run(names)``: re-derive and re-verify, timing each: the rows of ``matcalc examples run``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable

from ..engine.step import by_name
from ..errors import InputError, MatcalcError
from .data import GALLERY, GalleryExample

__all__ = ["GALLERY", "GalleryExample", "examples", "find", "derive_example", "run", "RunRow"]


def examples() -> list[GalleryExample]:
    """Every example, kind by kind in the table's order."""
    return [e for group in GALLERY.values() for e in group]


def find(name: str) -> GalleryExample:
    """The example called ``name``; an unknown name is an InputError that lists close ones."""
    for e in examples():
        if e.name == name:
            return e
    import difflib
    close = difflib.get_close_matches(name, [e.name for e in examples()], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see `matcalc examples list`)"
    raise InputError(f"no worked example named '{name}'{hint}")


def derive_example(example: GalleryExample, **api: Any):
    """The example's Derivation (``api``: keywords for the API call, e.g. ``options=``)."""
    from ..kinds import get_kind
    return get_kind(example.kind).call(example.input, example.options, **api)


@dataclass(frozen=True)
class RunRow:
    """One line of ``matcalc examples run``."""

    name: str
    kind: str
    verified: str          # passed | failed | skipped | error
    seconds: float
    message: str = ""
    seed: str = "-"        # agrees with the notes' answer: yes | no | - (no answer to compare)


def run(names: Iterable[str] | None = None) -> list[RunRow]:
    """Re-derive and re-verify the examples called ``names`` (default: all)."""
    chosen = examples() if names is None else [find(n) for n in names]
    rows = []
    for e in chosen:
        start = time.perf_counter()
        seed = "-"
        try:
            d = derive_example(e)
            status = d.verification.status if d.verification is not None else "skipped"
            message = "" if status == "passed" else (d.verification.message if d.verification else "")
            seconds = time.perf_counter() - start
            if e.seed_answer and "shapes" not in e.options:   # shapes: test_worked_shapes
                seed = "yes" if agrees(d.result, e.seed_answer) else "no"
        except MatcalcError as exc:
            status, message, seconds = "error", str(exc), time.perf_counter() - start
        rows.append(RunRow(e.name, e.kind, status, seconds, message, seed))
    return rows


def agrees(result, answer: str, points: int = 64, rtol: float = 1e-7) -> bool:
    """Whether ``result`` (an expression or matrix) equals the notes' ``answer`` (matcalc
    syntax) as a function: compared numerically at random points where both are finite."""
    import numpy as np
    import sympy as sp

    from ..engine.dag import free_symbols
    from ..parse import parse, parse_matrix
    from ..verify.kernel import compile_kernel

    want = parse_matrix(answer) if answer.lstrip().startswith("[") else parse(answer)
    got = list(result) if isinstance(result, sp.MatrixBase) else [result]
    exp = list(want) if isinstance(want, sp.MatrixBase) else [want]
    if len(got) != len(exp):
        return False
    symbols = sorted(free_symbols(sp.Tuple(*got, *exp)), key=by_name)
    rng = np.random.default_rng(1)
    cols = [np.where(rng.random(points) < 0.5, -1, 1) * rng.uniform(0.1, 2.0, points)
            for _ in symbols] or [np.zeros(points)]
    if not symbols:
        symbols = [sp.Symbol("_")]
    a = compile_kernel(got, symbols)(*cols)
    b = compile_kernel(exp, symbols)(*cols)
    for x, y in zip(a, b):
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 5 or np.any(np.abs(x[ok] - y[ok]) > rtol * np.maximum(1, np.abs(y[ok]))):
            return False
    return True


def sample_handout() -> str:
    """The sample notes file shipped with the package (docs/notes-format.md explains it)."""
    from importlib.resources import files
    return files(__package__).joinpath("handout.toml").read_text(encoding="utf-8")
