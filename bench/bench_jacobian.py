"""Jacobian of n element-wise functions of n variables (n = 10, 50, 100): matcalc vs. SymPy.

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


if __name__ == "__main__":
    main()
