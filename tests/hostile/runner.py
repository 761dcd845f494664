"""Run hostile cases with a time and a memory limit, and judge them.

Each case runs ``python -m matcalc ARGS`` in a fresh temporary folder (also its TMPDIR, so
that temporary files are seen), with RLIMIT_AS at 1 GiB and a wall-clock limit of the
case's ``seconds`` (the process group is killed past it: a hang). Two ways, judged alike:

* ``process``: a real ``python -m matcalc`` subprocess (:func:`run_case`), for the
  sample :func:`real_process` picks: every family's first case and the cases about
  start-up, standard input, signals and output files;
* ``fork``: a child forked from a warmed-up server (:mod:`tests.hostile.forkserver`),
  which skips the interpreter's and SymPy's start-up (0.5 s of CPU a case) and is
  otherwise the same run (:func:`run_case_forked`). Each sampled case is also run this
  way (``Result.twin``), and tests/test_hostile.py checks that both ways agree.
"""
from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .cases import BAD, OK, Case
from .forkserver import ForkServer

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 ** 30              # 1 GiB of address space (the issue: memory under 1 GiB)
MAX_STDERR_LINES = 4


def _limit_memory() -> None:        # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setsid()


@dataclass
class Result:
    """What one run did, and what it broke (``problems`` empty: the case holds)."""

    case: Case
    status: int | None              # None: killed after the time limit (a hang)
    seconds: float
    stderr: str
    stdout_size: int
    new_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    mode: str = "process"           # "process" (python -m matcalc) or "fork"
    cpu: float | None = None        # CPU seconds of the run (fork: the child's own)
    twin: "Result | None" = None    # a sampled case: the same case run the other way

    @property
    def hang(self) -> bool:
        return self.status is None

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr

    @property
    def wrong_zero(self) -> bool:
        return self.status == OK and OK not in self.case.expect


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _prepare(case: Case, tmp: Path) -> dict[str, str]:
    """Write the case's files into ``tmp``; the environment of its run."""
    for name, body in case.files:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    for name, size in case.sparse:
        with open(tmp / name, "wb") as fh:
            fh.truncate(size)
    (tmp / ".tmp").mkdir()
    return {**base_env(), "TMPDIR": str(tmp / ".tmp")}


def base_env() -> dict[str, str]:
    """The environment of every run, except its own TMPDIR."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
            "COLUMNS": "80"}


def _spawn(case: Case, tmp: Path, env: dict[str, str], args: list[str]
           ) -> tuple[int | None, bytes, bytes, float, float | None]:
    """A real ``python -m matcalc ARGS`` subprocess."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "matcalc", *args], cwd=tmp, env=env,
                            stdin=subprocess.PIPE if case.stdin is not None
                            else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_limit_memory)
    try:
        out, err = proc.communicate(case.stdin, timeout=case.seconds)
        status: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = None
    except BrokenPipeError:     # it stopped reading stdin early: fine
        out, err = proc.communicate()
        status = proc.returncode
    return status, out, err, time.monotonic() - start, None


def run_case(case: Case, server: ForkServer | None = None) -> Result:
    """Run ``case`` in a temporary folder and check everything the contract promises:
    as a real subprocess, or forked from ``server`` when given."""
    with tempfile.TemporaryDirectory(prefix="matcalc-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        env = _prepare(case, tmp)
        before = _listing(tmp)
        args = [a.replace("{tmp}", str(tmp)) for a in case.args]
        if server is None:
            status, out, err, seconds, cpu = _spawn(case, tmp, env, args)
        else:
            status, out, err, seconds, cpu = server.run(args, str(tmp), env, case.stdin,
                                                        case.seconds, MEMORY_LIMIT)
        after = _listing(tmp)
    created = after - before
    new = sorted(f for f in created if f not in case.outputs)
    result = Result(case, status, seconds, err.decode("utf-8", "replace"), len(out), new,
                    mode="process" if server is None else "fork", cpu=cpu)
    result.problems = judge(result, out, err)
    if status != OK and created & set(case.outputs):
        result.problems.append("left its output file behind after failing")
    return result


def run_case_forked(case: Case, server: ForkServer) -> Result:
    """``case`` forked from the warmed-up ``server`` (the same judging)."""
    return run_case(case, server)


def family(case: Case) -> str:
    """The case's family: its name without a trailing number (``expr-bad-17``), or the
    one ``add`` was given (the labelled loops: ``backprop-file-empty`` ...)."""
    if case.family:
        return case.family
    return re.sub(r"-(\d+|[0-9a-f]{2})$", "", case.name)


#: the option and commands whose cases run as real processes, all of them: output files
#: (the interpreter's final flush, devices), standard input, and what starts subprocesses
#: or signals (pdflatex and its time limit, --timeout's SIGALRM)
_REAL_OPTIONS = ("-o", "--latex-timeout", "--timeout")


def real_process(case: Case, first_of_family: bool) -> bool:
    """Whether ``case`` runs as a real ``python -m matcalc`` (else: forked): the first of
    each family; every case about start-up (the command line itself), standard input,
    signals and subprocesses (--timeout, PDF output) and output files; a file read from a
    device or /proc."""
    if first_of_family or case.real:
        return True
    if case.stdin is not None and family(case) != "backprop-stdin":
        return True              # the 5 MB of NUL, random bytes, notes from stdin
    if any(a in _REAL_OPTIONS for a in case.args):
        return True
    return any(a.startswith(("/dev/", "/proc/")) for a in case.args)


def sample(cases: list[Case]) -> set[str]:
    """The names of the cases :func:`real_process` runs as real processes."""
    seen: set[str] = set()
    out = set()
    for c in cases:
        f = family(c)
        if real_process(c, f not in seen):
            out.add(c.name)
        seen.add(f)
    return out


def judge(r: Result, out: bytes, err: bytes) -> list[str]:
    """The contract's promises that ``r`` breaks, one sentence each."""
    c = r.case
    problems = []
    if r.hang:
        problems.append(f"hang: killed after {c.seconds:g} s")
    elif r.status not in c.expect:
        problems.append(f"exit {r.status}, expected {sorted(c.expect)}")
    if r.traceback:
        problems.append("a traceback on stderr")
    lines = r.stderr.strip("\n").splitlines()
    if len(lines) > MAX_STDERR_LINES:
        problems.append(f"{len(lines)} lines on stderr (at most {MAX_STDERR_LINES})")
    if r.status == BAD and not r.stderr.strip():
        problems.append("exit 2 with nothing on stderr")
    if b"\x00" in out or b"\x00" in err:
        problems.append("a NUL byte echoed to the terminal")
    if c.stderr_has and r.status == BAD and c.stderr_has not in r.stderr:
        problems.append(f"stderr does not say {c.stderr_has!r}")
    if c.stdout_empty and r.stdout_size:
        problems.append("printed on stdout")
    if r.new_files:
        problems.append(f"wrote {', '.join(r.new_files[:3])}")
    return problems


def disagreements(results: list[Result]) -> list[str]:
    """The sampled cases whose forked twin did not do what the real process did: another
    exit status, other stderr, other broken promises (cases whose outcome rides on a time
    budget, several exit statuses allowed, are compared on their promises only)."""
    out = []
    for r in results:
        t = r.twin
        if t is None:
            continue
        if bool(t.problems) != bool(r.problems):
            out.append(f"{r.case.name}: promises {r.problems} (process) vs {t.problems} (fork)")
        elif len(r.case.expect) == 1 and (t.status, t.stderr) != (r.status, r.stderr):
            out.append(f"{r.case.name}: exit {r.status} {r.stderr[-200:]!r} (process) vs "
                       f"exit {t.status} {t.stderr[-200:]!r} (fork)")
    return out


#: Folders outside the temporary folder where a stray file would show (an -o path such as
#: /dev/full.png creates a file in /dev when run as root).
WATCHED = ("/dev", "/proc", "/sys", str(ROOT))


#: What test tools run meanwhile create in the repository (not matcalc's doing).
_TOOLS = {".hypothesis", ".benchmarks", ".pytest_cache", "__pycache__", ".mypy_cache"}


def _watched() -> set[str]:
    out = set()
    for folder in WATCHED:
        try:
            out |= {os.path.join(folder, f) for f in os.listdir(folder)
                    if not f.isdigit()}           # /proc/<pid> come and go
        except OSError:
            pass
    return out


def run_all(cases: Iterable[Case], workers: int = 3, fork: bool = True,
            twins: bool = True) -> tuple[list[Result], list[str]]:
    """Every case, ``workers`` at a time (the slowest first, so the wall time stays low);
    and the files that appeared in the WATCHED folders meanwhile. With ``fork``, the cases
    outside :func:`sample` are forked from a warmed-up server, and (``twins``) each
    sampled case with one allowed outcome is run forked too, as its ``twin`` (a case on a
    time budget would only pay its derivation twice); without, every case is a real
    subprocess."""
    cases = list(cases)
    before = _watched()
    real = sample(cases) if fork else {c.name for c in cases}
    ordered = sorted(cases, key=lambda c: -c.seconds)
    jobs = [(c, c.name in real) for c in ordered]
    if fork and twins:          # the twins of the cases with one outcome (not a budget's)
        jobs += [(c, False) for c in ordered if c.name in real and len(c.expect) == 1]
        jobs.sort(key=lambda j: -j[0].seconds)
    server = ForkServer(base_env(), workers) if fork else None
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(lambda j: run_case(j[0], None if j[1] else server), jobs))
    finally:
        if server is not None:
            server.close()
    main: dict[str, Result] = {}
    forked: dict[str, Result] = {}
    for (c, is_real), r in zip(jobs, done):
        if is_real or c.name not in real:
            main[c.name] = r
        else:
            forked[c.name] = r
    for name, r in forked.items():
        main[name].twin = r
    results = list(main.values())
    stray = sorted(f for f in _watched() - before
                   if not f.startswith(("/proc/", "/dev/pts", "/dev/shm"))
                   and os.path.basename(f) not in _TOOLS)
    order = {c.name: i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[r.case.name]), stray
