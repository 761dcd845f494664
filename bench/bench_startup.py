"""Whole-process wall time: matcalc derive vs. the equivalent SymPy one-liner, interleaved."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

MATCALC = ["matcalc", "derive", "ln(sin(x**3)**2)"]
SYMPY = [sys.executable, "-c",
         "import sympy as s; x=s.Symbol('x'); print(s.simplify(s.diff(s.log(s.sin(x**3)**2), x)))"]


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main(rounds: int = 10) -> None:
    wall(MATCALC), wall(SYMPY)  # warm the file cache
    ours, theirs = [], []
    for _ in range(rounds):      # interleave so both see the same machine load
        ours.append(wall(MATCALC))
        theirs.append(wall(SYMPY))
    m, s = statistics.median(ours), statistics.median(theirs)
    print(f"matcalc derive (whole process): median {m:.3f} s over {rounds} runs")
    print(f"sympy diff + simplify one-liner: median {s:.3f} s over {rounds} runs")
    print(f"ratio matcalc / sympy: {m / s:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
