"""The simplify step: the same output idle and under load, and its share of a derivation.

The scalar corpus: the gallery's scalar examples (worked_examples/scalar.py), the tests'
scalar cases (tests/rule_cases.py) and the seeded random corpus of bench_derive.py (200
expression trees of depth <= 5). Every item is derived through the public API
(``matcalc.derive(..., verify=False)``) and rendered as text.

    python bench/bench_simplify.py            # idle run, then the same under load, compared
    python bench/bench_simplify.py --share    # also: time without the simplify step

Under load: BURNERS processes spinning on the CPU (2 by default: the machine's cores)
run beside the second pass. The script prints how many rendered outputs differ between
the two passes (must be 0), the time per derivation of each pass and, with --share, the
simplify step's share of a default derivation. It uses only the public API, so the same
script measures another tree (PYTHONPATH=/work/main for the figure before the change).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matcalc  # noqa: E402
from bench.bench_derive import corpus as random_corpus  # noqa: E402
from matcalc.syntax import to_syntax  # noqa: E402
from tests.rule_cases import RULE_CASES, sympy_cases  # noqa: E402
from worked_examples.scalar import SCALAR_EXAMPLES  # noqa: E402

BURNERS = int(os.environ.get("BURNERS", "2"))


def scalar_corpus() -> list[tuple[object, object]]:
    """(expression, variable): text for the examples and the rule cases, SymPy objects for
    the API-only cases and the random trees."""
    items: list[tuple[object, object]] = [(e.input, e.wrt) for e in SCALAR_EXAMPLES]
    items += [(text, wrt) for text, wrt, _, _ in RULE_CASES]
    items += [(e, x) for e, x, _, _ in sympy_cases()]
    n = len(SCALAR_EXAMPLES)
    items += random_corpus()[n:]                       # bench_derive's random trees
    return items


def _label(expr: object) -> str:
    return expr if isinstance(expr, str) else to_syntax(expr)


def one_pass(items, simplify: bool = True) -> tuple[list[str], list[float]]:
    outputs, times = [], []
    for expr, wrt in items:
        sp.core.cache.clear_cache()                    # every item starts from the same cache
        t0 = time.perf_counter()
        try:
            d = matcalc.derive(expr, wrt, verify=False, simplify=simplify)
            out = d.to_text()
        except Exception as exc:  # noqa: BLE001 - a failure is an output too
            out = f"error: {type(exc).__name__}: {exc}"
        times.append(time.perf_counter() - t0)
        outputs.append(out)
    return outputs, times


def _burn() -> None:
    while True:
        pass


def main() -> None:
    items = scalar_corpus()
    print(f"{len(items)} scalar derivations ({len(SCALAR_EXAMPLES)} gallery examples, "
          f"{len(RULE_CASES) + 3} rule cases, the rest bench_derive's random trees)")
    one_pass(items[:5])                                # warm imports
    idle, t_idle = one_pass(items)
    burners = [mp.Process(target=_burn, daemon=True) for _ in range(BURNERS)]
    for p in burners:
        p.start()
    try:
        loaded, t_loaded = one_pass(items)
    finally:
        for p in burners:
            p.terminate()
            p.join()
    differ = [i for i, (a, b) in enumerate(zip(idle, loaded)) if a != b]
    print(f"idle:   {1000 * sum(t_idle) / len(items):7.1f} ms per derivation "
          f"(total {sum(t_idle):.2f} s, slowest {max(t_idle):.2f} s)")
    print(f"loaded: {1000 * sum(t_loaded) / len(items):7.1f} ms per derivation "
          f"(total {sum(t_loaded):.2f} s, slowest {max(t_loaded):.2f} s; {BURNERS} CPU burners)")
    print(f"outputs that differ between idle and loaded: {len(differ)} of {len(items)}")
    for i in differ[:10]:
        print(f"  differs: d/d{items[i][1]} {_label(items[i][0])[:70]}")
    if "--share" in sys.argv:
        _, t_raw = one_pass(items, simplify=False)
        share = 1 - sum(t_raw) / sum(t_idle)
        print(f"without the simplify step: {1000 * sum(t_raw) / len(items):7.1f} ms per "
              f"derivation; simplify is {100 * share:.0f}% of a default derivation (idle pass)")
    slow = sorted(range(len(items)), key=lambda i: -t_idle[i])[:5]
    print("slowest (idle): " + "; ".join(f"{t_idle[i]:.2f} s {_label(items[i][0])[:40]}"
                                         for i in slow))


if __name__ == "__main__":
    main()
