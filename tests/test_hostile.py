"""The hostile corpus (issue 16): every case run as a real subprocess with a time and a
memory limit keeps CONTRACTS.md's promises: the documented exit status (2 for bad input),
at most 4 lines on stderr, no traceback, no NUL byte echoed, within its time bound, and
no file written except the requested output. The runs go 3 at a time
(MATCALC_HOSTILE_WORKERS); ``python -m tests.hostile.run_corpus`` prints the figures."""
from __future__ import annotations

import os

import pytest

from .hostile.cases import BAD, CASES, OK
from .hostile.runner import Result, run_all

#: the first test that asks for the corpus runs all of it (6-10 min on 2 busy cores)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def corpus() -> tuple[dict[str, Result], list[str]]:
    workers = int(os.environ.get("MATCALC_HOSTILE_WORKERS", "3"))
    results, stray = run_all(CASES, workers=workers)
    return {r.case.name: r for r in results}, stray


def test_the_corpus_is_large_and_covers_every_entry_point() -> None:
    assert len(CASES) >= 300
    commands = {c.args[0] for c in CASES if c.args}
    assert {"derive", "grad", "jacobian", "graph", "backprop", "notes", "examples"} <= commands
    options = {a for c in CASES for a in c.args if a.startswith("-")}
    assert {"--wrt", "--where", "--shape", "--dim", "--at", "--seed", "--timeout",
            "--points", "--name", "-o"} <= options
    assert sum(c.stdin is not None for c in CASES) >= 40      # programs from stdin
    assert sum(c.rejection for c in CASES) >= 300


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case_keeps_the_contract(corpus, name: str) -> None:
    r = corpus[0][name]
    assert not r.problems, (f"{name}: {'; '.join(r.problems)}\nargs: {r.case.args!r:.300}\n"
                            f"stderr: {r.stderr[-800:]}")


def test_no_stray_files_outside_the_temporary_folders(corpus) -> None:
    assert corpus[1] == []


def test_figures(corpus) -> None:
    """The figures of the issue: each 0, and rejections are fast."""
    results = list(corpus[0].values())
    assert sum(r.hang for r in results) == 0
    assert sum(r.status == 4 for r in results) == 0
    assert sum(r.traceback for r in results) == 0
    assert sum(r.wrong_zero for r in results) == 0
    assert any(r.status == OK for r in results) and any(r.status == BAD for r in results)
