"""Run the hostile corpus and print its figures (issue 16).

    python -m tests.hostile.run_corpus [--workers 3] [--match TEXT] [--failures] [--no-fork]

Prints the corpus size, then hangs, exit 4, tracebacks, wrong exit 0 and other broken
promises (each must be 0), the slowest rejection (exit 2) and the slowest accepted case,
how many cases ran as real processes and how many forked from the warm server (and how
many sampled cases disagree with their forked twin), the wall time and the CPU time of
every process the run started. ``--no-fork`` runs every case as a real subprocess (the
way before the fork server). Exit status 1 when any case breaks a promise.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

from .cases import BAD, CASES
from .runner import Result, disagreements, run_all


def summary(results: list[Result], wall: float, stray: list[str],
            cpu: float | None = None) -> str:
    broken = [r for r in results if r.problems]
    rejections = [r for r in results if r.status == BAD]
    accepted = [r for r in results if r.status in (0, 1)]
    slow_rej = max(rejections, key=lambda r: r.seconds, default=None)
    slow_acc = max(accepted, key=lambda r: r.seconds, default=None)
    lines = [
        f"corpus size           {len(results)}",
        f"hangs                 {sum(r.hang for r in results)}",
        f"exit 4                {sum(r.status == 4 for r in results)}",
        f"tracebacks            {sum(r.traceback for r in results)}",
        f"wrong exit 0          {sum(r.wrong_zero for r in results)}",
        f"other broken promises {sum(bool(r.problems) and not (r.hang or r.status == 4 or r.traceback or r.wrong_zero) for r in results)}",
        f"cases breaking any    {len(broken)}",
        f"stray files           {len(stray)}{' ' + ', '.join(stray[:5]) if stray else ''}",
        f"rejections (exit 2)   {len(rejections)}",
    ]
    if slow_rej is not None:
        lines.append(f"slowest rejection     {slow_rej.seconds:.2f} s ({slow_rej.case.name})")
    if slow_acc is not None:
        lines.append(f"slowest accepted      {slow_acc.seconds:.2f} s ({slow_acc.case.name})")
    for command in sorted({r.case.args[0] for r in accepted}):
        slowest = max((r for r in accepted if r.case.args[0] == command),
                      key=lambda r: r.seconds)
        lines.append(f"  slowest accepted {command:<9} {slowest.seconds:6.2f} s "
                     f"({slowest.case.name})")
    twins = [r for r in results if r.twin is not None]
    lines.append(f"real processes        {sum(r.mode == 'process' for r in results)}"
                 f" (forked twins {len(twins)}, disagreeing {len(disagreements(results))})")
    lines.append(f"forked                {sum(r.mode == 'fork' for r in results)}")
    lines.append(f"wall time             {wall:.1f} s")
    if cpu is not None:
        lines.append(f"CPU time              {cpu:.1f} s (user + system, every process)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--match", default="", help="only the cases whose name holds TEXT")
    ap.add_argument("--failures", action="store_true", help="list every broken case")
    ap.add_argument("--slowest", type=int, default=0, help="list the N slowest cases")
    ap.add_argument("--no-fork", action="store_true",
                    help="every case as a real subprocess (no fork server)")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if args.match in c.name]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    results, stray = run_all(cases, workers=args.workers, fork=not args.no_fork)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if args.failures:
        for r in results:
            if r.problems:
                first = (r.stderr.strip().splitlines() or [""])[-1][:150]
                print(f"{r.case.name}: {'; '.join(r.problems)} [{r.seconds:.1f} s] {first}")
    if args.slowest:
        for r in sorted(results, key=lambda r: -r.seconds)[:args.slowest]:
            print(f"{r.seconds:6.2f} s  exit {r.status}  {r.case.name} ({r.mode})")
    for line in disagreements(results):
        print("disagree:", line)
    print(summary(results, wall, stray, cpu))
    broken = any(r.problems or (r.twin is not None and r.twin.problems) for r in results)
    return 1 if stray or broken or disagreements(results) else 0


if __name__ == "__main__":
    sys.exit(main())
