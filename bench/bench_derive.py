"""Derivation (steps + simplification) vs. sympy.diff + sympy.simplify on the same expressions.

The corpus: the worked examples and 200 random expression trees (depth <= 5) drawn with a
seeded generator from the same functions as the hypothesis tests.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcalc.engine.simplify import _Timeout, simplify_step, time_budget  # noqa: E402
from matcalc.engine.solver import derive_steps  # noqa: E402
from matcalc.parse import parse  # noqa: E402
from tests.exprgen import BINARY, UNARY, X, Y  # noqa: E402
from worked_examples.scalar import SCALAR_EXAMPLES  # noqa: E402

SYMPY_BUDGET = 3.0
VERBOSE = "-v" in sys.argv
LEAVES = [X, X, X, Y, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2)]


def random_expr(rng: random.Random, depth: int) -> sp.Expr:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(LEAVES)
    if rng.random() < 0.6:
        return rng.choice(UNARY)(random_expr(rng, depth - 1))
    return rng.choice(BINARY)(random_expr(rng, depth - 1), random_expr(rng, depth - 1))


def corpus(n: int = 200, seed: int = 7) -> list[tuple[sp.Expr, sp.Symbol]]:
    items = [(parse(e.input), parse(e.wrt)) for e in SCALAR_EXAMPLES]
    rng = random.Random(seed)
    while len(items) < len(SCALAR_EXAMPLES) + n:
        e = random_expr(rng, 5)
        if X in e.free_symbols:
            items.append((e, X))
    return items


def main() -> None:
    items = corpus()
    t_ours = t_sympy = 0.0
    sympy_failures = 0
    worst = (0.0, None)
    for expr, var in items:
        sp.core.cache.clear_cache()
        t0 = time.perf_counter()
        root = derive_steps(expr, var)
        simplify_step(root.result, var, timeout=3.0)
        t1 = time.perf_counter()
        sp.core.cache.clear_cache()
        t2 = time.perf_counter()
        try:  # the same budget SymPy gets inside matcalc; failures count their time
            with time_budget(SYMPY_BUDGET):
                sp.simplify(sp.diff(expr, var))
        except (_Timeout, ValueError, TypeError, RecursionError):
            sympy_failures += 1
        t3 = time.perf_counter()
        t_ours += t1 - t0
        t_sympy += t3 - t2
        ratio = (t1 - t0) / max(t3 - t2, 1e-9)
        if VERBOSE and max(t1 - t0, t3 - t2) > 0.5:
            print(f"  slow: matcalc {t1 - t0:.2f} s, sympy {t3 - t2:.2f} s: {str(expr)[:90]}",
                  flush=True)
        if ratio > worst[0]:
            worst = (ratio, expr)
    print(f"{len(items)} expressions ({len(SCALAR_EXAMPLES)} worked examples + random corpus)")
    print(f"matcalc steps + simplify: {t_ours:.2f} s total")
    print(f"sympy diff + simplify:    {t_sympy:.2f} s total")
    print(f"ratio: {t_ours / t_sympy:.2f}x (target <= 3x); worst single expression {worst[0]:.1f}x")
    print(f"sympy simplify raised or exceeded {SYMPY_BUDGET:g} s on {sympy_failures} expressions "
          "(matcalc kept its verified raw result there)")


if __name__ == "__main__":
    main()
