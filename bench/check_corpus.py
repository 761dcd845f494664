"""The figures of ``matcalc check`` (issue 13), measured on the corpora of the tests:

* the student corpus (tests/check_corpus.py): right derivations accepted, wrong ones
  caught, first wrong line found, diagnosis named as written by hand;
* the perturbation corpus: random smooth functions (the generators of tests/exprgen.py,
  drawn with a seeded RNG), their derivative by sympy.diff (the oracle), perturbed in
  each of the ways of tests/test_check.PERTURB; a perturbed derivative that the
  oracle's lambdify tells apart from the true one and that the checker accepts is a
  false accept (must be 0). The unperturbed oracle derivative is checked too (false
  rejects).

    python bench/check_corpus.py [--functions 60] [--seed 0]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

import matcalc  # noqa: E402
from matcalc.errors import MatcalcError  # noqa: E402
from matcalc.syntax import to_syntax  # noqa: E402
from tests.check_corpus import figures  # noqa: E402
from tests.exprgen import SMOOTH_BINARY, SMOOTH_UNARY, X, Y  # noqa: E402
from tests.oracle import oracle_diff  # noqa: E402
from tests.test_check import PERTURB, _differs  # noqa: E402

LEAVES = [X, X, X, Y, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2), sp.Integer(-1)]


def function(rng: random.Random, depth: int = 3) -> sp.Expr:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(LEAVES)
    if rng.random() < 0.5:
        return rng.choice(SMOOTH_UNARY)(function(rng, depth - 1))
    return rng.choice(SMOOTH_BINARY)(function(rng, depth - 1), function(rng, depth - 1))


def perturbation_corpus(n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    out = {"functions": 0, "perturbed": 0, "false_accepts": 0, "true_checked": 0,
           "false_rejects": 0, "skipped": 0}
    while out["functions"] < n:
        f = function(rng)
        if X not in f.free_symbols:
            continue
        true = oracle_diff(f, X)
        true = true.xreplace({s: sp.Symbol(s.name) for s in true.free_symbols})
        try:
            ftext, ttext = to_syntax(f), to_syntax(true)
            r = matcalc.check(ftext, ttext, wrt="x", verify=False).attachments["check"]
        except (MatcalcError, Exception):
            out["skipped"] += 1
            continue
        out["functions"] += 1
        out["true_checked"] += 1
        out["false_rejects"] += not r.correct
        for p in PERTURB:
            wrong = p(true)
            if not wrong.free_symbols <= f.free_symbols | {X} or not _differs(wrong, true):
                continue
            try:
                r = matcalc.check(ftext, to_syntax(wrong), wrt="x",
                                  verify=False).attachments["check"]
            except MatcalcError:
                continue
            out["perturbed"] += 1
            if r.correct:
                out["false_accepts"] += 1
                print("FALSE ACCEPT:", ftext, "|", to_syntax(wrong))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--functions", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = time.perf_counter()
    f = figures()
    misses = f.pop("misses")
    print(f"student corpus: {f['right_accepted']} of {f['right']} right derivations accepted; "
          f"{f['wrong_caught']} of {f['wrong']} wrong ones caught; first wrong line found "
          f"in {f['first_wrong_line_found']}; diagnosis named in {f['diagnosis_named']} "
          f"({100 * f['diagnosis_named'] / f['wrong']:.0f}%)  [{time.perf_counter() - t:.0f} s]")
    for m in misses:
        print("  miss:", m)
    t = time.perf_counter()
    p = perturbation_corpus(args.functions, args.seed)
    print(f"perturbation corpus: {p['functions']} functions, {p['perturbed']} perturbed "
          f"derivatives, {p['false_accepts']} false accepts; the true derivative rejected "
          f"{p['false_rejects']} times of {p['true_checked']}; {p['skipped']} functions "
          f"skipped (no usable point or not printable)  [{time.perf_counter() - t:.0f} s]")


if __name__ == "__main__":
    main()
