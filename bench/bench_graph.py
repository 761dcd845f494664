"""Computation graphs of ~10, 100, 1000 (and 3000) nodes: build + forward + backward pass.

Three families, each a SymPy expression built directly (no parsing):

* ``sum``:   sum_i w_i * x_i            (a wide graph: n/2 products feeding one sum)
* ``chain``: f_k = sin(f_{k-1}) * c_k   (a deep chain: 2 operations per level)
* ``dag``:   f_k = sin(f_{k-1}) + f_{k-1}^2 (a deep DAG with fan-out at every level:
             2^k paths from the output to x, summed by the backward pass, never listed)

"engine" is ``build_graph`` (one node per operation, every local derivative from the
rule engine) + ``forward`` at a point (exact numbers where possible) + ``backward``
(reverse-mode accumulation) - what must grow linearly in the number of nodes. "api" is
``matcalc.graph(expr, point, verify=False, simplify=False)``, which adds the adjoints in
the inputs, the paths (capped) and the steps. Prints the time per node, and the ratio to
the smallest size, so a linear curve shows a flat time per node.

    python bench/bench_graph.py            # sizes 10, 100, 1000
    python bench/bench_graph.py --big      # also 3000
"""
from __future__ import annotations

import sys
import time

import sympy as sp

from matcalc import graph
from matcalc.engine.graph import backward, build_graph, forward, local_values


def wide(n: int) -> tuple[sp.Expr, dict]:
    k = max(1, n // 3)                    # k products + 2k inputs + 1 sum ~ n nodes
    ws = sp.symbols(f"w1:{k + 1}")
    xs = sp.symbols(f"x1:{k + 1}")
    f = sp.Add(*[w * x for w, x in zip(ws, xs)])
    point = {s: sp.Rational(i % 7 + 1, 3) for i, s in enumerate(ws + xs)}
    return f, point


def chain(n: int) -> tuple[sp.Expr, dict]:
    x = sp.Symbol("x")
    f: sp.Expr = x
    for k in range(max(1, n // 2)):
        f = sp.Mul(sp.sin(f, evaluate=False), sp.Integer(k % 3 + 2), evaluate=False)
    return f, {x: sp.Rational(1, 2)}


def dag(n: int) -> tuple[sp.Expr, dict]:
    x = sp.Symbol("x")
    f: sp.Expr = x
    for _ in range(max(1, n // 3)):
        f = sp.Add(sp.sin(f, evaluate=False), sp.Pow(f, 2, evaluate=False), evaluate=False)
    return f, {x: sp.Float(-0.5)}        # bounded values (x > 0 diverges)


FAMILIES = {"sum": wide, "chain": chain, "dag": dag}


def engine(f: sp.Expr, point: dict) -> tuple[float, int]:
    t = time.perf_counter()
    g = build_graph(f)
    values = forward(g, point)
    backward(g, local_values(g, values))
    return time.perf_counter() - t, len(g.nodes)


def api(f: sp.Expr, point: dict) -> float:
    t = time.perf_counter()
    graph(f, {s.name: v for s, v in point.items()}, verify=False, simplify=False)
    return time.perf_counter() - t


def best(fn, repeat: int) -> tuple:
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0] if isinstance(r, tuple) else r)


def main() -> None:
    sys.setrecursionlimit(100_000)
    sizes = [10, 100, 1000] + ([3000] if "--big" in sys.argv else [])
    print(f"{'family':>6} {'target':>6} {'nodes':>6} {'engine s':>9} {'us/node':>8} "
          f"{'x small':>8} {'api s':>8} {'us/node':>8}")
    for name, make in FAMILIES.items():
        base = None
        for n in sizes:
            f, point = make(n)
            repeat = 5 if n <= 100 else 2
            t_engine, nodes = best(lambda: engine(f, point), repeat)
            t_api = best(lambda: api(f, point), 1 if n >= 1000 else 3)
            per = t_engine / nodes * 1e6
            base = base or per
            print(f"{name:>6} {n:>6} {nodes:>6} {t_engine:>9.4f} {per:>8.1f} "
                  f"{per / base:>8.2f} {t_api:>8.3f} {t_api / nodes * 1e6:>8.1f}")
    print("x small = time per node relative to the smallest graph of the family "
          "(flat = linear growth).")


if __name__ == "__main__":
    main()
