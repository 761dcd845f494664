"""Jacobian of n element-wise functions of n variables (n = 10, 100, 300): matcalc vs. SymPy,
then the same functions over a declared vector x:n (one symbolic diag(...) for every n).

Diagonal: f_i = sin(x_i) x_i^2 + tanh(x_i). Dense (every entry nonzero):
  linear   f_i = sum_j a_ij x_j          (a_ij small integers, seeded),
  product  f_i = x_i * sum_j x_j,
  softmax  f_i = exp(x_i) / sum_j exp(x_j).
matcalc derives every entry with steps (the off-diagonal
ones by the constant rule), assembles the matrix and simplifies; SymPy's Matrix.jacobian
differentiates every entry without steps. Time (a run without tracing) and peak memory
(tracemalloc, a second run), side by side, with the ratios matcalc / SymPy.

    python bench/bench_jacobian.py [N ...] [--no-declared] [--no-dense] [--sympy-up-to M]

default sizes 10 100 300. SymPy's Matrix.jacobian of a dense n-term f_i costs n^3 term
derivatives (hours at n = 300 for the linear case): beyond --sympy-up-to (default 100) it
is not run for the dense cases, and matcalc's entries are checked against sympy.diff on
a sample of 200 entries instead.
"""
from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc

import sympy as sp

from matcalc import Limits, jacobian

#: The stages' wall-clock limits are safety nets (30 s for the build); a loaded machine
#: can take longer than that for n = 300, and the bench measures the work, so none here.
UNTIMED = Limits(read_seconds=0, build_seconds=0, verify_seconds=0)


def measure(fn):
    """(result, seconds, peak MiB): seconds from an untraced run, memory from a traced one
    (tracemalloc slows SymPy down several times)."""
    sp.core.cache.clear_cache()     # each run from an empty SymPy cache: the second,
    gc.collect()                    # traced run would otherwise reuse the first's diffs
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    del out
    sp.core.cache.clear_cache()
    gc.collect()
    tracemalloc.start()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, dt, peak / 2 ** 20


def dense(case: str, xs: tuple) -> list:
    """The dense families of the module docstring over the symbols ``xs``."""
    n = len(xs)
    if case == "linear":
        rng = random.Random(17)
        return [sp.Add(*[rng.randint(1, 9) * x for x in xs]) for _ in range(n)]
    if case == "product":
        s = sp.Add(*xs)
        return [x * s for x in xs]
    s = sp.Add(*[sp.exp(x) for x in xs])
    return [sp.exp(x) / s for x in xs]


def sample_agrees(ours: sp.Matrix, fs: list, xs: tuple, k: int = 200) -> bool:
    """k seeded entries of ``ours`` (all of them when fewer) equal sympy.diff's at a
    seeded random point, to 1e-9 relative (the oracle when SymPy's Matrix.jacobian is too
    slow to run, or when its form differs from matcalc's: softmax's quotients)."""
    rng = random.Random(3)
    n = len(xs)
    point = {x: sp.Float(rng.uniform(-1, 1)) for x in xs}
    pairs = ([(i, j) for i in range(n) for j in range(n)] if n * n <= k else
             [(rng.randrange(n), rng.randrange(n)) for _ in range(k)])
    for i, j in pairs:
        a = complex(ours[i, j].xreplace(point))
        b = complex(sp.diff(fs[i], xs[j]).xreplace(point))
        if abs(a - b) > 1e-9 * max(1.0, abs(b)):
            return False
    return True


def dense_cases(sizes: list[int], sympy_up_to: int) -> None:
    print()
    print("dense Jacobians, steps only, vs sympy Matrix.jacobian; ratios matcalc/sympy")
    print(f"{'case':>8} {'n':>4} {'entries':>8} | {'steps s':>8} {'MiB':>7} {'B/entry':>8} | "
          f"{'sympy s':>8} {'MiB':>7} | {'time':>5} {'memory':>6} | same")
    for case in ("linear", "product", "softmax"):
        for n in sizes:
            xs = sp.symbols(f"x1:{n + 1}")
            fs = dense(case, xs)
            jacobian(dense(case, xs[:2]), list(xs[:2]), verify=False, simplify=False)
            ours, t_ours, m_ours = measure(
                lambda: jacobian(fs, list(xs), verify=False, simplify=False, limits=UNTIMED))
            ours = sp.Matrix(ours.results["jacobian"])
            per = m_ours * 2 ** 20 / (n * n)
            if n <= sympy_up_to:
                theirs, t_sympy, m_sympy = measure(lambda: sp.Matrix(fs).jacobian(xs))
                same = ((ours - theirs).is_zero_matrix is True
                        or sample_agrees(ours, fs, xs))
                print(f"{case:>8} {n:>4} {n * n:>8} | {t_ours:>8.3f} {m_ours:>7.2f} {per:>8.0f} | "
                      f"{t_sympy:>8.3f} {m_sympy:>7.2f} | {t_ours / t_sympy:>5.2f} "
                      f"{m_ours / m_sympy:>6.2f} | {same}", flush=True)
            else:
                print(f"{case:>8} {n:>4} {n * n:>8} | {t_ours:>8.3f} {m_ours:>7.2f} {per:>8.0f} | "
                      f"{'not run':>8} {'':>7} | {'':>5} {'':>6} | "
                      f"{sample_agrees(ours, fs, xs)} (200 entries vs sympy.diff)", flush=True)


def main() -> None:
    args = sys.argv[1:]
    up_to = 100
    if "--sympy-up-to" in args:
        k = args.index("--sympy-up-to")
        up_to = int(args[k + 1])
        del args[k:k + 2]
    sizes = [int(a) for a in args if a.isdigit()] or [10, 100, 300]
    print("diagonal: steps only (no simplify, no verify) vs sympy Matrix.jacobian; "
          "ratios matcalc/sympy")
    print(f"{'n':>4} {'entries':>8} | {'steps s':>8} {'MiB':>7} | {'sympy s':>8} {'MiB':>7} | "
          f"{'time':>5} {'memory':>6} | same")
    for n in ([] if "--no-diagonal" in sys.argv else sizes):
        xs = sp.symbols(f"x1:{n + 1}")
        fs = [sp.sin(x) * x ** 2 + sp.tanh(x) for x in xs]
        jacobian(fs[:2], list(xs[:2]), verify=False, simplify=False)      # warm imports
        sp.Matrix(fs[:2]).jacobian(xs[:2])
        theirs, t_sympy, m_sympy = measure(lambda: sp.Matrix(fs).jacobian(xs))
        ours, t_ours, m_ours = measure(
            lambda: jacobian(fs, list(xs), verify=False, simplify=False, limits=UNTIMED))
        same = (sp.Matrix(ours.results["jacobian"]) - theirs).is_zero_matrix
        print(f"{n:>4} {n * n:>8} | {t_ours:>8.3f} {m_ours:>7.2f} | {t_sympy:>8.3f} "
              f"{m_sympy:>7.2f} | {t_ours / t_sympy:>5.2f} {m_ours / m_sympy:>6.2f} | {same}",
              flush=True)
    if "--no-dense" not in sys.argv:
        dense_cases(sizes, up_to)
    if "--no-declared" not in sys.argv:
        declared()


def declared() -> None:
    """The same functions as one element-wise expression over a declared vector x:n: the
    result diag(cos(x) x^2 + 2 sin(x) x + 1 - tanh(x)^2) is derived once, symbolically, so
    its cost must not depend on n (n symbolic, or declared as 10, 100, 1000)."""
    expr = "sin(x) * x^2 + tanh(x)"
    print()
    print("declared shape x:n, one symbolic diag(...) result (steps only | with verification)")
    print(f"{'n':>6} {'steps s':>8} {'MiB':>6} | {'+verify s':>9}  result")
    for n in ("n", "10", "100", "1000"):
        jacobian(expr, "x", shapes=[f"x:{n}"], verify=False)          # warm caches
        d, t, mem = measure(lambda: jacobian(expr, "x", shapes=[f"x:{n}"], verify=False))
        _, tv, _ = measure(lambda: jacobian(expr, "x", shapes=[f"x:{n}"]))
        from matcalc.matrix.printing import matrix_syntax
        print(f"{n:>6} {t:>8.4f} {mem:>6.2f} | {tv:>9.3f}  {matrix_syntax(d.result)}")


if __name__ == "__main__":
    main()
