"""Start-up: whole-process time of `matcalc` commands next to bare Python and SymPy.

Each pair runs in turn (A B A B ...) in the same run, so both see the same machine load,
and the script prints both medians, the ratio of the medians and the median of the
pair-by-pair ratios, for wall-clock and CPU (user + sys of the child) time.

    python bench/bench_startup.py [ROUNDS]      # default 21 rounds per pair

The pairs:

- `matcalc derive "x^2"` (parse, steps, simplify, numeric check, text) against the
  SymPy one-liner `import sympy as s; x=s.Symbol('x'); print(s.diff(x**2, x))`;
  the goal (issue 10) is at most 1.3x;
- `matcalc --version` against `python -c pass` (it imports neither SymPy nor NumPy).

Both sides start the same interpreter the same way (`python -m matcalc`, `python -c`),
with bytecode caching on, as an installed package runs (PYTHONDONTWRITEBYTECODE is
dropped from the children's environment; a warm-up run of each writes the caches).
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

PY = sys.executable
ONE_LINER = "import sympy as s; x=s.Symbol('x'); print(s.diff(x**2, x))"
PAIRS = [
    ('matcalc derive "x^2"', [PY, "-m", "matcalc", "derive", "x^2"],
     "sympy diff one-liner", [PY, "-c", ONE_LINER], 1.3),
    ("matcalc --version", [PY, "-m", "matcalc", "--version"],
     "python -c pass", [PY, "-c", "pass"], None),
]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def pair(a: list[str], b: list[str], rounds: int) -> dict[str, tuple[float, float, float]]:
    run(a), run(b)                                   # warm-up: file cache, bytecode
    got: dict[str, list[tuple[float, float]]] = {"wall": [], "cpu": []}
    for _ in range(rounds):
        (wa, ca), (wb, cb) = run(a), run(b)
        got["wall"].append((wa, wb))
        got["cpu"].append((ca, cb))
    out = {}
    for key, xs in got.items():
        ma = statistics.median(x for x, _ in xs)
        mb = statistics.median(y for _, y in xs)
        out[key] = (ma, mb, statistics.median(x / y for x, y in xs))
    return out


def main(rounds: int = 21) -> None:
    print(f"Python {sys.version.split()[0]}, {rounds} runs of each command, in turn; "
          "whole-process figures, medians")
    for name_a, a, name_b, b, goal in PAIRS:
        res = pair(a, b, rounds)
        print(f"\n{name_a}  vs  {name_b}")
        for key, (ma, mb, pr) in res.items():
            print(f"  {key:4}  {ma:.3f} s  vs  {mb:.3f} s   ratio of medians {ma / mb:.2f}x, "
                  f"median pair ratio {pr:.2f}x")
        if goal is not None:
            print(f"  goal: at most {goal:g}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
