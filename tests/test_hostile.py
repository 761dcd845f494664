"""The hostile corpus (issue 16): every case run with a time and a memory limit keeps
CONTRACTS.md's promises: the documented exit status (2 for bad input), at most 4 lines on
stderr, no traceback, no NUL byte echoed, within its time bound, and no file written
except the requested output. A sample (every family's first case, and the cases about
start-up, standard input, signals and output files) runs as real ``python -m matcalc``
subprocesses; the rest fork from a warmed-up server (tests/hostile/forkserver.py), and
each sampled case runs both ways, which must agree. The runs go 3 at a time
(MATCALC_HOSTILE_WORKERS); ``python -m tests.hostile.run_corpus`` prints the figures."""
from __future__ import annotations

import os

import pytest

from .hostile.cases import BAD, CASES, OK
from .hostile.runner import Result, disagreements, run_all, sample

#: the first test that asks for the corpus runs all of it (2-3 min on 2 busy cores)
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
    assert not r.problems, (f"{name} ({r.mode}): {'; '.join(r.problems)}\n"
                            f"args: {r.case.args!r:.300}\nstderr: {r.stderr[-800:]}")
    if r.twin is not None:
        t = r.twin
        assert not t.problems, (f"{name} (fork): {'; '.join(t.problems)}\n"
                                f"args: {r.case.args!r:.300}\nstderr: {t.stderr[-800:]}")


def test_real_processes_are_a_sample_of_every_family() -> None:
    """Every family's first case runs as a real process, and so does everything about the
    command line, standard input, signals and output files; the rest (most) fork."""
    real = sample(CASES)
    assert {"format-bad", "unknown-command", "backprop-stdin-zero", "notes-stdin-dash",
            "output-ok", "output-4", "timeout-3", "notes-endless-macro-pdf",
            "backprop-dev-zero", "expr-bad-0", "backprop-stdin-empty",
            "backprop-file-empty", "notes-empty"} <= real
    assert 100 <= len(real) <= len(CASES) // 3


def test_forked_runs_agree_with_real_processes(corpus) -> None:
    """Each sampled case with one allowed outcome also ran forked from the warm server:
    the same exit status and the same stderr."""
    results = list(corpus[0].values())
    twins = {c.name for c in CASES if c.name in sample(CASES) and len(c.expect) == 1}
    assert {r.case.name for r in results if r.twin is not None} == twins
    assert len(twins) >= 100
    assert sum(r.mode == "fork" for r in results) == len(CASES) - len(sample(CASES))
    assert disagreements(results) == []


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
