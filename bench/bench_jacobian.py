"""Jacobian of n element-wise functions of n variables (n = 10, 50, 100): matcalc vs. SymPy,
then the same functions over a declared vector x:n (one symbolic diag(...) for every n).

f_i = sin(x_i) x_i^2 + tanh(x_i). matcalc derives every entry with steps (the off-diagonal
ones by the constant rule), assembles the matrix and simplifies; SymPy's Matrix.jacobian
differentiates every entry without steps. Time and peak memory (tracemalloc), side by side.
"""
from __future__ import annotations

import time
import tracemalloc

import sympy as sp

from matcalc import jacobian


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, dt, peak / 2 ** 20


def main() -> None:
    print("steps only (no simplify, no verify) | with the simplify step | sympy Matrix.jacobian")
    print(f"{'n':>4} {'steps s':>8} {'MiB':>6} {'ratio':>6} | {'+simp s':>8} {'ratio':>6} | "
          f"{'sympy s':>8} {'MiB':>6}  same")
    for n in (10, 50, 100):
        xs = sp.symbols(f"x1:{n + 1}")
        fs = [sp.sin(x) * x ** 2 + sp.tanh(x) for x in xs]
        ours, t_ours, m_ours = measure(
            lambda: jacobian(fs, list(xs), verify=False, simplify=False))
        _, t_simp, _ = measure(lambda: jacobian(fs, list(xs), verify=False))
        theirs, t_sympy, m_sympy = measure(lambda: sp.Matrix(fs).jacobian(xs))
        same = (sp.Matrix(ours.results["jacobian"]) - theirs).is_zero_matrix
        print(f"{n:>4} {t_ours:>8.3f} {m_ours:>6.1f} {t_ours / t_sympy:>6.1f} | {t_simp:>8.3f} "
              f"{t_simp / t_sympy:>6.1f} | {t_sympy:>8.3f} {m_sympy:>6.1f}  {same}")
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
