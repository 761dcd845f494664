"""Deep compositions f_n = sin(f_{n-1}) + f_{n-1}^2, f_0 = x: derive, verify and print.

SymPy shares f_{n-1} between its two uses, so the expression is a DAG with ~3n nodes but a
tree with ~2^n. matcalc keeps the DAG through the engine, the verifier and the renderers;
sympy.diff walks the tree (run here with a time limit per n, in a subprocess).
"""
from __future__ import annotations

import subprocess
import sys
import time

import sympy as sp

from matcalc import derive

SYMPY_CODE = """
import sympy as s, time
x = s.Symbol('x'); f = x
for _ in range({n}): f = s.sin(f) + f**2
t = time.perf_counter(); s.diff(f, x); print(time.perf_counter() - t)
"""


def build(n: int) -> sp.Expr:
    x = sp.Symbol("x")
    f = x
    for _ in range(n):
        f = sp.sin(f) + f ** 2
    return f


def sympy_diff_time(n: int, limit: float) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", SYMPY_CODE.format(n=n)], capture_output=True,
                             text=True, timeout=limit, check=True)
        return f"{float(out.stdout):.2f} s"
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} s (killed)"


def main() -> None:
    sys.setrecursionlimit(100_000)
    print(f"{'n':>4} {'build':>8} {'derive':>8} {'verify':>8} {'print':>8} {'total':>8} "
          f"{'steps':>6} {'text KB':>8}  verified  sympy.diff")
    for n in (5, 10, 20, 40, 80, 160):
        t0 = time.perf_counter()
        f = build(n)
        t1 = time.perf_counter()
        d = derive(f, "x", verify=False)
        t2 = time.perf_counter()
        from matcalc.verify import check_derivative
        v = check_derivative(f, d.result, sp.Symbol("x"))
        t3 = time.perf_counter()
        text = d.to_text()
        t4 = time.perf_counter()
        steps = sum(1 for top in d.steps for _ in top.walk())
        theirs = sympy_diff_time(n, 20.0) if n <= 20 else "not run (tree 2^n)"
        print(f"{n:>4} {t1 - t0:>8.3f} {t2 - t1:>8.3f} {t3 - t2:>8.3f} {t4 - t3:>8.3f} "
              f"{t4 - t1:>8.3f} {steps:>6} {len(text) / 1024:>8.1f}  {v.status:8}  {theirs}")
    print("total = derive + verify + print (build is SymPy constructing the input).")


if __name__ == "__main__":
    main()
