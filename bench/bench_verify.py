"""Verification figures of issue 17 (item 1), measured in one run.

1. Verification time / one evaluation at declared sizes N = 100, 1000, 2000 for five
   identities. "One evaluation" is f and its gradient (the printed result) evaluated once
   at random inputs of the declared size (the fastest of 5); "verification" is the time
   spent in the check itself (``verify.matrix.check_derivation``, timed around the call;
   the fastest of 3 derivations, the cache of parsed printed texts emptied before each).
   One derivation is made first, so that NumPy's one-time imports (numpy.random) are not
   counted against the first identity. OpenBLAS runs one thread, as under the CLI
   (``matcalc/startup.py``), unless OPENBLAS_NUM_THREADS is set. Target: <= 4x.
   The last column is the floor no sampling strategy can go below: printing the
   result's texts and parsing the printed syntax back (what the user receives is what is
   checked), as a multiple of one evaluation (the fastest of 5).
2. The 2-layer sigmoid MLP (nx = n1 = m = N, numeric sizes) verified at N = 10 ... 1000:
   the status, the method line and the time.

    python bench/bench_verify.py            # N up to 2000 (a few minutes)
    python bench/bench_verify.py --quick    # N = 100 and 1000 only
"""
from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")     # as the CLI (matcalc/startup.py)

import numpy as np
import sympy as sp

from matcalc import backprop, derive
from matcalc.verify.evaluate import evaluate

CASES = [
    ("tr(A X B)", "tr(A @ X @ B)", ["A:{n},{n}", "B:{n},{n}", "X:{n},{n}"], "X"),
    ("a^T inv(X) b", "a.T @ inv(X) @ b", ["a:{n}", "b:{n}", "X:{n},{n}"], "X"),
    ("x^T A x", "x.T @ A @ x", ["x:{n}", "A:{n},{n}"], "x"),
    ("||A x - b||^2", "norm(A @ x - b)^2", ["A:{n},{n}", "x:{n}", "b:{n}"], "x"),
    ("sum(tanh(W x))", "sum(tanh(W @ x))", ["W:{n},{n}", "x:{n}"], "x"),
]

MLP = """X: {n}, {n}
W1: {n}, {n}
b1: {n}
W2: 1, {n}
b2: 1
Y: 1, {n}
Z1 = W1 @ X + b1
A1 = sigmoid(Z1)
Z2 = W2 @ A1 + b2
A2 = sigmoid(Z2)
J = -sum(Y * log(A2) + (1 - Y) * log(1 - A2)) / {n}
"""


def _declared(shapes: list[str]) -> dict:
    from matcalc.matrix.parse import parse_dims
    return {s.split(":")[0]: parse_dims(s.split(":")[1], s.split(":")[0]) for s in shapes}


def round_trip(d, shapes: list[str]) -> float:
    """Seconds to print the result's texts and parse its syntax back (the check's part
    that does not depend on the points drawn)."""
    from matcalc.matrix.parse import parse_matrix_expression
    from matcalc.verify.printed import matrix_texts
    decl = _declared(shapes)
    g = next(iter(d.results.values()))
    t0 = time.perf_counter()
    parse_matrix_expression(matrix_texts(g).syntax, decl)
    return time.perf_counter() - t0


def one_evaluation(d, shapes: list[str], wrt: str) -> float:
    """Seconds to evaluate f and the result once at random inputs of the declared sizes."""
    rng = np.random.default_rng(0)
    values = {}
    for s in shapes:
        name, dims = s.split(":")
        r, *c = (int(v) for v in dims.split(","))
        values[name] = rng.standard_normal((r, c[0] if c else 1))
        if name == "X" and "inv" in d.input:
            values[name] += r * np.eye(r) ** 0 * 0 + np.sqrt(r) * np.eye(r)
    from matcalc.matrix.parse import parse_matrix_expression
    f = parse_matrix_expression(d.input, _declared(shapes))
    g = next(iter(d.results.values()))
    t0 = time.perf_counter()
    evaluate(f, values, {})
    evaluate(g, values, {})
    return time.perf_counter() - t0


spent: list[float] = []


def _timed_check() -> None:
    """Time every call of the check with shapes (the verification stage's work)."""
    import matcalc.verify.matrix as vm
    inner = vm.check_derivation

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)
    vm.check_derivation = timed


def identities(sizes: list[int]) -> None:
    from matcalc.verify.matrix import _parse_back
    _timed_check()
    derive("tr(A @ X)", "X", shapes=["A:3,3", "X:3,3"])     # one-time imports
    print("verification time / one evaluation (f and its gradient), declared sizes")
    print(f"{'identity':<16} " + " ".join(f"{'N=' + str(n):>29}" for n in sizes)
          + f"  {'floor at N=' + str(sizes[0]):>17}")
    for label, text, shapes, wrt in CASES:
        row, floor = [], ""
        for n in sizes:
            sh = [s.format(n=n) for s in shapes]
            times = []
            for _ in range(3):
                _parse_back.cache_clear()
                spent.clear()
                d = derive(text, wrt, shapes=sh)
                times.append(sum(spent))
            ver = min(times)
            one = min(one_evaluation(d, sh, wrt) for _ in range(5))
            row.append(f"{ver * 1e3:6.1f}/{one * 1e3:7.2f} ms={ver / one:6.1f}x "
                       f"{d.verification.status[:4]}")
            if not floor:
                trip = min(round_trip(d, sh) for _ in range(5))
                floor = f"{trip * 1e3:5.2f} ms={trip / one:5.1f}x"
        print(f"{label:<16} " + " ".join(f"{c:>29}" for c in row) + f"  {floor:>17}",
              flush=True)


def mlp(sizes: list[int]) -> None:
    print("\n2-layer sigmoid MLP, nx = n1 = m = N (numeric sizes): verification")
    for n in sizes:
        t0 = time.perf_counter()
        d = backprop(MLP.format(n=n), "W1,b1,W2,b2")
        t = time.perf_counter() - t0
        v = d.verification
        print(f"N={n:<5} {v.status:<8} {t:7.2f}s  max rel {v.max_rel_error:.1e}  "
              f"{v.method}{'  ' + v.message if v.message else ''}", flush=True)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    identities([100, 1000] if quick else [100, 1000, 2000])
    mlp([10, 30, 60, 100, 300] if quick else [10, 30, 60, 100, 300, 1000])
