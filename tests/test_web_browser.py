"""matcalc serve in a real headless Chromium (Debian's /usr/bin/chromium through
Playwright): type an expression and see KaTeX-rendered steps, expand a sub-step, switch
the kind, a caret error for bad input, copy the LaTeX, download the .tex, the shareable
URL, keyboard only, phone width, dark mode. What the page copies and downloads is
compared with the CLI's own output."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette")

from matcalc.cli import main  # noqa: E402

from .webserver import CHROMIUM, CHROMIUM_ARGS, running_server  # noqa: E402

pytestmark = pytest.mark.slow


def _need(ok: bool, what: str) -> None:
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def server() -> str:
    with running_server("--workers", "2") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    _need(Path(CHROMIUM).exists(), "chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"],
                              origin=server.rstrip("/"))
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: errors.append("a dialog opened: " + d.message))
    pg.goto(server)
    pg.wait_for_selector("body[data-ready='1']")
    yield pg
    context.close()
    assert errors == []


def derive(pg, expr: str, **fields: str) -> None:
    pg.fill("#expr", expr)
    for name, value in fields.items():
        pg.fill(f"#field-{name}", value)
    pg.click("#go")
    pg.wait_for_selector("#result:not([hidden]) #steps .katex", timeout=60_000)


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def test_type_an_expression_and_see_katex_steps(page) -> None:
    page.fill("#expr", "ln(sin(x^3)^2)")
    page.wait_for_selector("#preview .katex")                  # the live preview
    assert "sin" in page.inner_text("#preview")
    derive(page, "ln(sin(x^3)^2)", wrt="x")
    steps = page.locator("#steps > li")
    assert steps.count() == 2                                   # chain rule, simplify
    assert page.locator("#steps > li .step-rule").first.inner_text() == "chain rule"
    assert page.locator("#steps > li .step-rule").first.get_attribute("href") == \
        "/rules#rule-chain"
    assert page.locator("#steps .katex").count() >= 2           # rendered by KaTeX
    assert page.locator("#steps .katex-error").count() == 0     # and every step parses
    assert page.inner_text("#verification").startswith("\u2713 Verified numerically")
    assert "cos" in page.inner_text("#answer")


def test_expand_a_sub_step(page) -> None:
    derive(page, "ln(sin(x^3)^2)", wrt="x")
    first = page.locator("#steps > li details").first
    sub = first.locator("ol > li").first
    assert not sub.is_visible()
    first.locator("summary").click()
    assert sub.is_visible()
    assert sub.locator(".step-number").inner_text() == "1.1."
    assert sub.locator(".katex").count() == 1


def test_switch_kind_to_graph_shows_its_fields_and_the_svg(page) -> None:
    page.select_option("#kind", "graph")
    assert page.locator("#field-at").count() == 1
    assert page.locator("#field-shape").count() == 0            # options from the registry
    derive(page, "3*(a + b*c)", at="a=5,b=3,c=2")
    assert page.locator("#graph").is_visible()
    src = page.get_attribute("#graph-img", "src")
    assert src.startswith("data:image/svg+xml;base64,")
    width = page.evaluate("document.getElementById('graph-img').naturalWidth")
    assert width > 50                                            # the SVG drew
    rules = page.locator("#steps > li .step-rule").all_inner_texts()
    assert "backward pass (reverse mode)" in rules


def test_every_registered_kind_is_offered(page) -> None:
    from matcalc.kinds import KINDS
    offered = page.locator("#kind option").evaluate_all("os => os.map(o => o.value)")
    assert offered == list(KINDS)


def test_bad_input_shows_the_caret_under_the_input(page) -> None:
    page.fill("#expr", "x^2 +* 3")
    page.click("#go")
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error-message")
    caret = page.inner_text("#error-caret").splitlines()
    assert "column 6" in message
    assert caret[0].strip() == "x^2 +* 3" and caret[1].index("^") == caret[0].index("*")
    assert page.get_attribute("#expr", "aria-invalid") == "true"
    assert page.locator("#result").is_hidden()


def test_user_text_is_shown_as_text(page) -> None:
    page.fill("#expr", "<img src=x onerror=alert(1)><script>alert(2)</script>")
    page.click("#go")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#error img, #error script").count() == 0
    assert "<img" in page.inner_text("#error")


def test_copy_latex_gives_the_cli_latex(page) -> None:
    derive(page, "x e^(x^2)", wrt="x")
    page.click("#copy-latex")
    # a locator wait, not wait_for_function: under the page's CSP (no unsafe-eval) a polled
    # string predicate fails when it is evaluated more than once (microsoft/playwright#36986)
    from playwright.sync_api import expect
    expect(page.locator("#status")).to_have_text(re.compile(r"^Copied"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == cli("derive", "x e^(x^2)", "--wrt", "x", "--format", "latex").strip()
    page.locator("#steps > li .step-head button").first.click()
    step = page.evaluate("navigator.clipboard.readText()")
    assert step.startswith(r"\frac{d}{dx}")


def test_download_tex_is_the_cli_standalone_document(page, tmp_path: Path) -> None:
    derive(page, "x e^(x^2)", wrt="x")
    with page.expect_download() as info:
        page.click("#dl-tex")
    path = tmp_path / "d.tex"
    info.value.save_as(path)
    assert info.value.suggested_filename == "derivation.tex"
    want = cli("derive", "x e^(x^2)", "--wrt", "x", "--format", "latex", "--standalone")
    assert path.read_text().strip() == want.strip()
    with page.expect_download() as info:
        page.click("#dl-notes")
    notes = tmp_path / "n.toml"
    info.value.save_as(notes)
    assert 'expr = "x e^(x^2)"' in notes.read_text()


def test_shareable_url_reproduces_the_derivation(page, server: str) -> None:
    page.select_option("#kind", "grad")
    derive(page, "3x^2(2y+7)", wrt="x,y")
    url = page.url
    assert "kind=grad" in url and "wrt=x%2Cy" in url
    other = page.context.new_page()
    other.goto(url)
    other.wait_for_selector("#steps .katex", timeout=60_000)
    assert other.input_value("#expr") == "3x^2(2y+7)"
    assert other.inner_text("#answer") == page.inner_text("#answer")
    other.close()


def test_check_my_answer(page) -> None:
    derive(page, "ln(sin(x^3)^2)", wrt="x")
    page.fill("#my-answer", "6x^2 cot(x^3)")
    page.press("#my-answer", "Enter")
    page.wait_for_selector("#check-result.right")
    page.fill("#my-answer", "6x^2 tan(x^3)")
    page.press("#my-answer", "Enter")
    page.wait_for_selector("#check-result.wrong")


def test_keyboard_only(page) -> None:
    order = []
    page.focus("#kind")
    for _ in range(4):
        order.append(page.evaluate("document.activeElement.id"))
        page.keyboard.press("Tab")
    assert order[:2] == ["kind", "expr"]
    page.focus("#expr")
    page.keyboard.type("sin(x)^2")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#steps .katex", timeout=60_000)
    summary = page.locator("#steps details summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#steps details").first.get_attribute("open") is not None


def test_phone_width_and_dark_mode(browser, server: str) -> None:
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, color_scheme="dark",
                              device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.goto(server + "?kind=derive&expr=ln(sin(x%5E3)%5E2)&wrt=x")
    pg.wait_for_selector("#steps .katex", timeout=60_000)
    wide = pg.evaluate("document.documentElement.scrollWidth")
    assert wide <= 375                                    # nothing wider than the phone
    bg = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(22, 24, 27)"                        # the dark palette
    ctx.close()


def test_rule_link_opens_the_catalogue_entry(page, server: str) -> None:
    derive(page, "x^2", wrt="x")
    page.locator("#steps > li .step-rule").first.click()
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.endswith("/rules#rule-power")
    entry = page.locator("#rule-power")
    assert entry.locator(".katex").count() == 1 and "power" in entry.inner_text()


def test_every_cli_option_of_every_kind_is_on_the_page(page) -> None:
    """For each kind in the selector, the page has one control per option of `matcalc
    KIND` (the output options aside: the page renders every format itself), a select
    with the CLI's choices where the CLI has choices."""
    import click

    from .test_web_units import _cli_fields
    kinds = page.locator("#kind option").evaluate_all("os => os.map(o => o.value)")
    for kind in kinds:
        page.select_option("#kind", kind)
        shown = page.locator("[data-field]").evaluate_all(
            "es => es.map(e => [e.dataset.field, e.tagName, "
            "e.tagName === 'SELECT' ? [...e.options].map(o => o.value) : []])")
        cli = _cli_fields(kind)
        assert sorted(name for name, _, _ in shown) == sorted(cli), kind
        for name, tag, choices in shown:
            if isinstance(cli[name].type, click.Choice):
                assert tag == "SELECT" and choices == list(cli[name].type.choices)


def test_from_detail_and_assume_from_the_page(page) -> None:
    """The syntax (--from), the detail (--detail) and assumptions (--assume) set on the
    page give the CLI's derivation; a value the CLI refuses is its one-line error."""
    import json

    page.select_option("#field-from", "plain")
    page.fill("#expr", r"\frac{1}{x}")
    page.click("#go")
    page.wait_for_selector("#error:not([hidden])")
    r = CliRunner().invoke(main, ["derive", r"\frac{1}{x}", "--from", "plain"])
    assert page.inner_text("#error-message") == r.stderr.splitlines()[0]

    page.select_option("#field-from", "latex")
    page.select_option("#field-detail", "full")
    derive(page, r"\sin(3x)")
    rules = page.locator("#steps li .step-rule").evaluate_all(
        "es => es.map(e => e.textContent)")             # sub-steps are folded: not shown
    want = json.loads(cli("derive", r"\sin(3x)", "--from", "latex", "--detail", "full",
                          "--format", "json"))

    def titles(steps):
        for s in steps:
            yield s["title"]
            yield from titles(s["children"])
    assert rules == list(titles(want["steps"])) and "introduce intermediate variables" in rules
    assert "detail=full" in page.url and "from=latex" in page.url

    page.select_option("#field-from", "auto")
    page.select_option("#field-detail", "normal")
    page.locator("#advanced summary").click()
    page.fill("#field-points", "0")
    page.fill("#expr", "x^2")
    page.click("#go")
    page.wait_for_selector("#error:not([hidden])")
    r = CliRunner().invoke(main, ["derive", "x^2", "--points", "0"])
    assert page.inner_text("#error-message") == \
        "error: " + r.output.splitlines()[-1][len("Error: "):]


def test_check_kind_takes_a_derivation_from_the_page(page) -> None:
    page.select_option("#kind", "check")
    page.fill("#expr", "")
    page.fill("#field-derivation", "d/dx sin(x^2)\n= cos(x^2)")
    page.select_option("#field-detail", "full")
    page.click("#go")
    page.wait_for_selector("#result:not([hidden]) #steps .katex", timeout=60_000)
    assert page.locator("#field-derivation").evaluate("e => e.tagName") == "TEXTAREA"
