"""Run hostile cases as real subprocesses with a time and a memory limit, and judge them.

Each case runs ``python -m matcalc ARGS`` in a fresh temporary folder (also its TMPDIR, so
that temporary files are seen), with RLIMIT_AS at 1 GiB, a wall-clock limit of the
case's ``seconds`` (the process group is killed past it: a hang), and a cap on stdout.
"""
from __future__ import annotations

import os
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


def run_case(case: Case) -> Result:
    """Run ``case`` in a temporary folder and check everything the contract promises."""
    with tempfile.TemporaryDirectory(prefix="matcalc-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        for name, body in case.files:
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        for name, size in case.sparse:
            with open(tmp / name, "wb") as fh:
                fh.truncate(size)
        (tmp / ".tmp").mkdir()
        before = _listing(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp / ".tmp"),
               "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "80"}
        args = [a.replace("{tmp}", str(tmp)) for a in case.args]
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
        seconds = time.monotonic() - start
        after = _listing(tmp)
    created = after - before
    new = sorted(f for f in created if f not in case.outputs)
    result = Result(case, status, seconds, err.decode("utf-8", "replace"), len(out), new)
    result.problems = judge(result, out, err)
    if status != OK and created & set(case.outputs):
        result.problems.append("left its output file behind after failing")
    return result


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


def run_all(cases: Iterable[Case], workers: int = 3) -> tuple[list[Result], list[str]]:
    """Every case, ``workers`` at a time (the slowest first, so the wall time stays low);
    and the files that appeared in the WATCHED folders meanwhile."""
    cases = list(cases)
    before = _watched()
    ordered = sorted(cases, key=lambda c: -c.seconds)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_case, ordered))
    stray = sorted(f for f in _watched() - before
                   if not f.startswith(("/proc/", "/dev/pts", "/dev/shm"))
                   and os.path.basename(f) not in _TOOLS)
    order = {c.name: i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[r.case.name]), stray
