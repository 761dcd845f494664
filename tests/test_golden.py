"""Every gallery example in every format equals its reviewed snapshot (tests/golden/gallery/,
written by ``python -m tests.golden.regenerate``)."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest

from matcalc.gallery import derive_example, examples
from matcalc.options import Options
from tests.golden.regenerate import HERE, TIMEOUT, formats, snapshot
from tests.measured import difference

CASES = [(e, fmt, f"{e.name}.{suffix}") for e in examples() for fmt, suffix in formats(e).items()]


@lru_cache(maxsize=None)
def _derivation(name: str):
    e = next(x for x in examples() if x.name == name)
    return derive_example(e, options=replace(Options(), simplify_timeout=TIMEOUT))


@pytest.mark.parametrize("example, fmt, file", CASES, ids=[c[2] for c in CASES])
def test_output_matches_its_snapshot(example, fmt: str, file: str) -> None:
    path = HERE / file
    assert path.exists(), f"no snapshot {file}: run python -m tests.golden.regenerate"
    got = snapshot(example, fmt, _derivation(example.name))
    # measured error figures are rounding noise that moves with the machine (tests/measured.py)
    why = difference(got, path.read_text(encoding="utf-8"))
    assert not why, f"{file} changed ({why}): review and regenerate"


def test_no_stale_snapshots() -> None:
    assert sorted(p.name for p in HERE.iterdir()) == sorted(c[2] for c in CASES)


TEXT_CASES = [(e, fmt) for e in examples() for fmt in ("text", "markdown")]


@pytest.mark.parametrize("example, fmt", TEXT_CASES,
                         ids=[f"{c[0].name}.{c[1]}" for c in TEXT_CASES])
def test_text_and_markdown_fit_80_columns(example, fmt: str) -> None:
    """Every gallery example (`matcalc examples`), derived and rendered in text and in
    Markdown: no line is over 80 columns."""
    out = _derivation(example.name).render(fmt)
    long = [line for line in out.splitlines() if len(line) > 80]
    assert long == [], f"{example.name} ({fmt}): {len(long)} lines over 80 columns"
