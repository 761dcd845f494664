"""The cycled chain sin/cos/tanh/atan (issue 14, item 5): derived, verified and printed
as typed, up to depth 1000.

f_n = atan(tanh(cos(sin(... x)))) with the four functions in turn, n of them. SymPy's
automatic evaluation rewrites sin(atan(u)) into u/sqrt(u^2 + 1) and cos(atan(u)) into
1/sqrt(u^2 + 1), so the evaluated tree grows exponentially; matcalc builds function
applications as typed, so every stage should be linear in n. SymPy's own build + diff of
the same text (evaluated, as sympy.sympify-free construction) is run in a subprocess with
a time limit, in the same run.

    python bench/bench_chain.py [N ...]      (default 10 100 250 500 1000)
"""
from __future__ import annotations

import subprocess
import sys
import time

from matcalc import derive
from matcalc.options import Limits, Options

FUNCS = ("sin", "cos", "tanh", "atan")

SYMPY_CODE = """
import sympy as s, time
x = s.Symbol('x'); f = x
fs = [s.sin, s.cos, s.tanh, s.atan]
t = time.perf_counter()
for i in range({n}): f = fs[i % 4](f)
d = s.diff(f, x); n = s.count_ops(d, visual=False)
print(time.perf_counter() - t)
"""


def chain(n: int) -> str:
    text = "x"
    for i in range(n):
        text = f"{FUNCS[i % 4]}({text})"
    return text


def sympy_time(n: int, limit: float) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", SYMPY_CODE.format(n=n)], capture_output=True,
                             text=True, timeout=limit, check=True)
        return f"{float(out.stdout):.2f} s"
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} s"


def main() -> None:
    sys.setrecursionlimit(100_000)
    depths = [int(a) for a in sys.argv[1:]] or [10, 100, 250, 500, 1000]
    limits = Limits(max_depth=3000, max_input_length=100_000, build_seconds=600,
                    verify_seconds=600)
    print(f"{'n':>5} {'derive':>8} {'verify':>8} {'print':>8} {'total':>8} {'ms/level':>9} "
          f"{'text KB':>8}  {'verification':<12}  sympy build+diff (evaluated)")
    for n in depths:
        text = chain(n)
        t0 = time.perf_counter()
        d = derive(text, "x", options=Options(verify=False, simplify=False, limits=limits))
        t1 = time.perf_counter()
        v = derive(text, "x", options=Options(simplify=False, limits=limits)).verification
        t2 = time.perf_counter()
        out = d.to_text()
        t3 = time.perf_counter()
        verify = (t2 - t1) - (t1 - t0)            # the second run derives again
        total = (t1 - t0) + verify + (t3 - t2)
        theirs = sympy_time(n, 20.0) if n <= 20 else "not run (exponential)"
        print(f"{n:>5} {t1 - t0:>8.2f} {verify:>8.2f} {t3 - t2:>8.2f} {total:>8.2f} "
              f"{1000 * total / n:>9.2f} {len(out) / 1024:>8.1f}  {v.status:<12}  {theirs}",
              flush=True)
    print("derive: parse + steps (simplify off: it is time-boxed at 3 s); verify: the "
          "numeric check; print: the text rendering.")


if __name__ == "__main__":
    main()
