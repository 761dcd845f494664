"""Rendering a 30-derivation handout to .tex: how the time splits between deriving
(steps, simplification, numeric check) and rendering (planning and printing LaTeX).

The handout is the whole worked-examples gallery (30 derivations: derive, grad and
jacobian), written as a notes file, in four sections, some entries in brief notation.
The goal (issue 6): rendering under 10% of the total. Run by hand:

    python bench/bench_notes.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sympy.core.cache import clear_cache  # noqa: E402

from matcalc.gallery import examples  # noqa: E402
from matcalc.notes import derive_all, parse_notes, render_document  # noqa: E402
from matcalc.render.latex import width  # noqa: E402


def toml_string(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_string(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def handout() -> str:
    """The gallery as a notes file: one section per kind, every third entry brief."""
    lines = ['title = "Every worked example"', "[options]", "points = 20", ""]
    kind = None
    for i, e in enumerate(examples()):
        if e.kind != kind:
            kind = e.kind
            lines += ["[[section]]", f"title = {toml_string(kind)}", ""]
        lines += ["[[section.derivation]]", f"kind = {toml_string(e.kind)}",
                  f"title = {toml_string(e.name.replace('_', ' '))}",
                  f"expr = {toml_string(e.input)}"]
        lines += [f"{k} = {toml_string(v)}" for k, v in e.options.items()]
        if i % 3 == 2:
            lines.append('notation = { detail = "brief" }')
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text = handout()
    notes = parse_notes(text, "bench.toml")
    n = len(notes.entries)
    render_document(notes, derive_all(notes))     # warm-up: imports
    derive_times, render_times, sizes = [], [], []
    for _ in range(args.repeat):
        # a real `matcalc notes` starts with SymPy's cache empty: so does each phase here
        clear_cache()
        t0 = time.perf_counter()
        outcomes = derive_all(notes)
        t1 = time.perf_counter()
        clear_cache()
        width.cache_clear()
        t1 = time.perf_counter()
        tex = render_document(notes, outcomes)
        t2 = time.perf_counter()
        derive_times.append(t1 - t0)
        render_times.append(t2 - t1)
        sizes.append(len(tex))
    d, r = statistics.median(derive_times), statistics.median(render_times)
    print(f"handout: {n} derivations, {sizes[0] / 1024:.0f} KiB of LaTeX, "
          f"median of {args.repeat} runs")
    print(f"  derive (steps, simplify, numeric check): {d * 1000:8.1f} ms")
    print(f"  render (plan and LaTeX):                 {r * 1000:8.1f} ms")
    print(f"  total:                                   {(d + r) * 1000:8.1f} ms")
    print(f"  rendering share: {100 * r / (d + r):.1f} % (goal: under 10 %)")


if __name__ == "__main__":
    main()
