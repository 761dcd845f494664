"""matcalc serve: page load to the first rendered result, and the p50 latency of
/api/derive for the seed examples next to the same derivation in-process (the price of
HTTP, JSON and the worker pool) and next to sympy.diff + sympy.simplify.

    python bench/bench_web.py [ROUNDS]

Page load: a fresh browser context (nothing cached) opens a shareable URL
(/?kind=derive&expr=...) in Debian's headless Chromium; timed from navigation start to
the first step rendered by KaTeX (``performance.now()`` when it appears), median of
ROUNDS (default 7). API: every derive example of the gallery ROUNDS times, one request
at a time (a warm server; the first round is not counted).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.webserver import CHROMIUM, CHROMIUM_ARGS, post, running_server  # noqa: E402


def page_load(url: str, rounds: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(rounds + 1):
            ctx = browser.new_context()
            pg = ctx.new_page()
            pg.goto(url + f"?kind=derive&expr=ln(sin(x%5E3)%5E2)&wrt=x&seed={i}")
            pg.wait_for_selector("#steps .katex", timeout=60_000)
            ms = pg.evaluate("performance.now()")
            if i:                                      # the first warms the server
                times.append(ms / 1000)
            ctx.close()
        browser.close()
    return times


def api_latency(url: str, rounds: int) -> list[tuple[str, float, float, float]]:
    """(example, p50 over HTTP, p50 in-process api call, p50 sympy.diff + simplify)."""
    import sympy as sp

    from matcalc.gallery import examples
    from matcalc.kinds import get_kind
    from matcalc.parse import parse

    rows = []
    for e in [e for e in examples() if e.kind == "derive" and "shapes" not in e.options]:
        body = {"expr": e.input, **dict(e.options)}
        http, inproc, ref = [], [], []
        for i in range(rounds + 1):
            t = time.perf_counter()
            status, _, raw = post(url + "api/derive", body, timeout=120)
            dt = time.perf_counter() - t
            assert status == 200, raw[:200]
            t = time.perf_counter()
            get_kind("derive").call(e.input, dict(e.options))
            di = time.perf_counter() - t
            expr = parse(e.input)
            wrt = sp.Symbol(e.options["wrt"]) if "wrt" in e.options else sorted(
                expr.free_symbols, key=str)[0]
            t = time.perf_counter()
            sp.simplify(sp.diff(expr, wrt))
            # through intermediates (where=) sympy.diff answers another question: no ratio
            dr = time.perf_counter() - t if "where" not in e.options else float("nan")
            if i:
                http.append(dt)
                inproc.append(di)
                ref.append(dr)
        rows.append((e.name, statistics.median(http), statistics.median(inproc),
                     statistics.median(ref)))
    return rows


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with running_server("--workers", "2") as url:
        loads = page_load(url, rounds)
        rows = api_latency(url, rounds)
    print(f"page load to the first rendered result: median {statistics.median(loads):.2f} s"
          f" (min {min(loads):.2f}, max {max(loads):.2f}; {len(loads)} fresh contexts)")
    print(f"{'example':<28} {'/api/derive':>11} {'in-process':>11} {'overhead':>9} "
          f"{'sympy':>8} {'ratio':>6}")
    for name, h, i, r in rows:
        sym = f"{r * 1000:6.0f}ms {h / r:5.1f}x" if r == r else f"{'-':>8} {'-':>6}"
        print(f"{name:<28} {h * 1000:9.0f}ms {i * 1000:9.0f}ms {(h - i) * 1000:7.0f}ms "
              f"{sym}")
    hs = [h for _, h, _, _ in rows]
    over = [h - i for _, h, i, _ in rows]
    print(f"p50 of /api/derive over the {len(rows)} seed examples: "
          f"{statistics.median(hs) * 1000:.0f} ms (median overhead of HTTP + pool "
          f"{statistics.median(over) * 1000:.0f} ms)")
    print(json.dumps({"page_load_median_s": statistics.median(loads),
                      "api_derive_p50_s": statistics.median(hs)}))


if __name__ == "__main__":
    main()
