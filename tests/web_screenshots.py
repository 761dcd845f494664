"""The screenshots of docs/web.md, from a real server in Debian's headless Chromium:
``python -m tests.web_screenshots`` writes docs/images/web-*.png."""
from __future__ import annotations

from pathlib import Path

from .webserver import CHROMIUM, CHROMIUM_ARGS, ROOT, running_server

IMAGES = ROOT / "docs" / "images"


def shoot(out: Path = IMAGES) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with running_server("--workers", "2") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def page(width: int, height: int, dark: bool = False, scale: float = 1):
            ctx = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme="dark" if dark else "light",
                                      device_scale_factor=scale)
            return ctx.new_page()

        pg = page(1000, 1000)
        pg.goto(url + "?kind=derive&expr=ln(sin(x%5E3)%5E2)&wrt=x")
        pg.wait_for_selector("#steps .katex", timeout=60_000)
        pg.locator("#steps details summary").first.click()
        pg.locator("#steps details summary").first.blur()
        path = out / "web-derive.png"
        pg.screenshot(path=path, full_page=True)
        made.append(path)

        pg = page(390, 844, dark=True, scale=1)
        pg.goto(url + "?kind=grad&expr=x.T%20%40%20A%20%40%20x&wrt=x&shape=x%3An%3B%20A%3An%2Cn")
        pg.wait_for_selector("#steps .katex", timeout=60_000)
        path = out / "web-phone-dark.png"
        pg.screenshot(path=path, full_page=True)
        made.append(path)

        pg = page(1000, 900)
        pg.goto(url + "?kind=graph&expr=3*(a%20%2B%20b*c)&at=a%3D5%2Cb%3D3%2Cc%3D2")
        pg.wait_for_selector("#graph:not([hidden]) img", timeout=60_000)
        pg.wait_for_function("document.getElementById('graph-img').complete")
        path = out / "web-graph.png"
        pg.locator("#result").screenshot(path=path)
        made.append(path)

        pg = page(1000, 560)
        pg.goto(url)
        pg.wait_for_selector("body[data-ready='1']")
        pg.fill("#expr", "sin(x^2 +* 3)")
        pg.wait_for_selector("#error:not([hidden])")
        path = out / "web-error.png"
        pg.screenshot(path=path)
        made.append(path)
        browser.close()
    return made


if __name__ == "__main__":
    for p in shoot():
        print(f"wrote {p.relative_to(ROOT)}")
