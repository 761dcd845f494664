"""matcalc serve's JSON API against a real server (a subprocess on loopback): the answers
are exactly the CLI's JSON, bad input is a 4xx with the CLI's message and column, and the
limits hold (body size, expression length, time, a crashed worker, concurrency)."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from matcalc.cli import main  # noqa: E402
from matcalc.gallery import examples  # noqa: E402

from .webserver import ROOT, post, running_server  # noqa: E402

#: one hash seed for the server's workers and the CLI runs compared with them
SEEDED = {"PYTHONHASHSEED": "0"}

#: gallery option names -> the CLI's long names (the API's field names)
CLI_NAMES = {"shapes": "shape", "dims": "dim"}
#: an input that takes minutes (the gradient of a product of 199 variables: 199 partials
#: of 199 factors each, then their checks) and parses at once: the time limit must stop it
#: seconds for simplify in the comparison: a 3 s budget may run out under load in one run
#: and not in the other, and then the two results differ in form
LONG = 120
SLOW = "*".join(f"x{i}" for i in range(1, 200))


@pytest.fixture(scope="module")
def server() -> str:
    with running_server("--workers", "2") as url:
        yield url


def body_of(example) -> dict:
    from matcalc.kinds import get_kind
    kind = get_kind(example.kind)
    body = {kind.subject: example.input}
    for key, value in example.options.items():
        name = CLI_NAMES.get(key, key)
        if isinstance(value, (list, tuple)) and key not in CLI_NAMES:
            value = ",".join(value)                   # as the CLI's --wrt x,y
        body[name] = list(value) if isinstance(value, tuple) else value
    if example.kind not in ("backprop", "check"):      # (no --timeout: no simplify step)
        body["timeout"] = LONG      # simplify never runs out of time on a busy machine
    return body


def cli_json(example) -> tuple[int, str]:
    """The CLI's JSON for one example from a fresh process with the server's hash seed
    (SymPy's simplify may pick another of two equally simple forms under another
    PYTHONHASHSEED, so two runs compare only under the same one; each job of the server
    runs in a fresh fork, as a fresh process would)."""
    import os
    import subprocess
    import sys

    args = [*example.command(), "--format", "json"]
    if example.kind not in ("backprop", "check"):      # (no --timeout: no simplify step)
        args += ["--timeout", str(LONG)]
    stdin = example.input if example.kind == "backprop" else None
    env = {**os.environ, **SEEDED, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "matcalc", *args], input=stdin, text=True,
                       capture_output=True, env=env, timeout=600)
    return r.returncode, r.stdout


@pytest.mark.slow
def test_every_gallery_example_answers_exactly_the_cli_json() -> None:
    rows = examples()
    # a generous time limit: this test compares answers (test_time_limit_... tests the limit)
    with running_server("--workers", "2", "--time-limit", "120", env=SEEDED) as url, \
            ThreadPoolExecutor(2) as ex:
        answers = list(ex.map(lambda e: post(f"{url}api/{e.kind}", body_of(e), 300), rows))
    with ThreadPoolExecutor(2) as ex:
        clis = list(ex.map(cli_json, rows))
    assert len(rows) >= 40
    for e, (status, headers, raw), (code, out) in zip(rows, answers, clis):
        assert status == 200, (e.name, raw[:300])
        assert raw.decode() == out, e.name                       # byte for byte
        assert json.loads(raw) == json.loads(out)
        assert headers.get("x-matcalc-exit-status") == str(code), e.name
    # every rule a step names has its catalogue entry (the page links /rules#rule-NAME)
    from matcalc.rules import RULES

    def rules(steps):
        for st in steps:
            yield st["rule"]
            yield from rules(st["children"])
    named = {r for _, _, raw in answers for r in rules(json.loads(raw)["steps"])}
    assert named and named <= set(RULES)


def test_bad_input_is_422_with_the_cli_message_and_column(server: str) -> None:
    status, _, raw = post(server + "api/derive", {"expr": "x^2 +* 3", "wrt": "x"})
    cli = CliRunner().invoke(main, ["derive", "x^2 +* 3", "--wrt", "x"])
    err = json.loads(raw)
    assert status == 422 and cli.exit_code == 2
    assert err["error"] == cli.stderr.splitlines()[0]
    assert err["column"] == 6 and err["exit_status"] == 2
    assert err["caret"] == cli.stderr.splitlines()[1:]
    assert err["caret"][1].index("^") - 2 == err["column"] - 1   # caret under the column


def test_fields_are_the_cli_options_and_checked(server: str) -> None:
    s, _, raw = post(server + "api/derive", {"expr": "x.T @ A @ x", "wrt": "x",
                                             "shape": ["x:n", "A:n,n"], "points": 5,
                                             "seed": 3, "simplify": False})
    cli = CliRunner().invoke(main, ["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x:n",
                                    "--shape", "A:n,n", "--points", "5", "--seed", "3",
                                    "--no-simplify", "--format", "json"])
    assert s == 200 and raw.decode() == cli.stdout
    s, _, raw = post(server + "api/derive", {"expr": "x^2", "wrtt": "x"})
    assert s == 422 and "unknown field 'wrtt'" in json.loads(raw)["error"]
    s, _, raw = post(server + "api/derive", {"expr": "x^2", "points": "many"})
    assert s == 422 and "'points' must be an integer" in json.loads(raw)["error"]
    s, _, raw = post(server + "api/derive", {"expr": "x^2", "points": 0})
    assert s == 422 and "points" in json.loads(raw)["error"]
    s, _, raw = post(server + "api/nosuchkind", {"expr": "x"})
    assert s == 404
    s, _, raw = post(server + "api/derive", {"wrt": "x"})
    assert s == 422 and "'expr' is required" in json.loads(raw)["error"]


def test_size_limits_and_content_type(server: str) -> None:
    s, _, raw = post(server + "api/derive", {"expr": "x+" * 40_000 + "x"})
    assert s == 413
    s, _, raw = post(server + "api/derive", {"expr": "x+" * 6_000 + "x"})
    assert s == 422 and "longer than" in json.loads(raw)["error"]
    s, _, _ = post(server + "api/derive", b"{not json")
    assert s == 400
    s, _, raw = post(server + "api/derive", b"[" * 30_000 + b"]" * 30_000)
    assert s == 400 and "nested" in json.loads(raw)["error"]
    s, _, raw = post(server + "api/derive", json.dumps({"expr": "x", "wrt": [[["x"]]]}).encode())
    assert s == 422
    s, _, _ = post(server + "api/derive", b'{"expr": "x"}', headers={"Content-Type": "text/plain"})
    assert s == 415          # a cross-site form cannot post JSON without asking first


def test_security_headers_and_escaping(server: str) -> None:
    import urllib.request
    with urllib.request.urlopen(server) as r:
        html = r.read().decode()
        csp = r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "<script>" not in html and "style=" not in html      # no inline script or style
    s, headers, raw = post(server + "api/derive", {"expr": "<script>alert(1)</script>"})
    assert s == 422 and headers["content-type"] == "application/json"
    assert "<script>" in json.loads(raw)["error"] or "'<'" in json.loads(raw)["error"]
    req = urllib.request.Request(server, headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req)
    assert exc.value.code == 400                                 # no DNS rebinding


def test_no_cdn_every_asset_is_served_from_the_package(server: str) -> None:
    import re
    import urllib.request
    from pathlib import Path

    static = Path(__file__).resolve().parent.parent / "matcalc" / "web" / "static"
    for name in ("index.html", "rules.html", "app.js", "rules.js", "app.css"):
        text = (static / name).read_text()
        assert not re.search(r"https?://(?!127\.0\.0\.1)", text), name
    css = (static / "katex" / "katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert fonts and all((static / "katex" / f).exists() for f in fonts)
    assert (static / "katex" / "LICENSE").read_text().startswith("The MIT License")
    with urllib.request.urlopen(server + "static/katex/fonts/KaTeX_Main-Regular.woff2") as r:
        assert r.status == 200 and len(r.read()) > 10_000


@pytest.mark.slow
def test_time_limit_crash_and_others_not_held() -> None:
    """A one-minute input is stopped at the limit (504) while quick requests go on
    through the other worker; the killed worker is replaced and serves again."""
    with running_server("--workers", "2", "--time-limit", "3") as url:
        with ThreadPoolExecutor(4) as ex:
            start = time.monotonic()
            slow = ex.submit(post, url + "api/grad", {"expr": SLOW})
            time.sleep(0.5)
            quick = [post(url + "api/derive", {"expr": "x^3", "wrt": "x"}) for _ in range(5)]
            assert all(q[0] == 200 for q in quick)
            quick_done = time.monotonic() - start
            status, _, raw = slow.result()
            slow_done = time.monotonic() - start
        assert status == 504 and "time limit of 3 s" in json.loads(raw)["error"]
        assert quick_done < slow_done                        # they did not wait for it
        for _ in range(60):                                  # the replacement comes up
            with __import__("urllib.request").request.urlopen(url + "api/health") as r:
                health = json.loads(r.read())
            if health["replaced"] >= 1 and health["pending"] == 0:
                break
            time.sleep(0.5)
        assert health["timeouts"] == 1 and health["replaced"] == 1
        assert [post(url + "api/derive", {"expr": "x^3"})[0] for _ in range(4)] == [200] * 4


@pytest.mark.slow
def test_beyond_max_pending_is_429() -> None:
    with running_server("--workers", "1", "--time-limit", "4", "--max-pending", "2") as url:
        with ThreadPoolExecutor(6) as ex:
            slow = [ex.submit(post, url + "api/grad", {"expr": SLOW}) for _ in range(2)]
            time.sleep(1.0)
            status, _, raw = post(url + "api/derive", {"expr": "x^2"})
            assert status == 429 and "busy" in json.loads(raw)["error"]
            assert sorted(f.result()[0] for f in slow) == [504, 504]


@pytest.mark.latex
def test_pdf_download_compiles(server: str, pdflatex) -> None:
    status, headers, raw = post(server + "ui/pdf/derive", {"expr": "x^x", "wrt": "x"},
                                timeout=120)
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert raw.startswith(b"%PDF") and len(raw) > 5_000
    assert "attachment" in headers["content-disposition"]


def test_page_bundle_and_check_my_answer(server: str) -> None:
    status, _, raw = post(server + "ui/page/graph", {"expr": "3*(a + b*c)", "at": "a=5,b=3,c=2"})
    bundle = json.loads(raw)
    assert status == 200 and bundle["svg"].lstrip().startswith("<?xml")
    assert bundle["tex"].startswith("\\documentclass") and "np." not in bundle["latex"]
    assert bundle["notes"].startswith("[[section.derivation]]")
    s, _, raw = post(server + "ui/answer/derive", {"expr": "ln(sin(x^3)^2)", "wrt": "x",
                                                   "answer": "6x^2 cot(x^3)"})
    assert s == 200 and json.loads(raw)["correct"] is True
    s, _, raw = post(server + "ui/answer/derive", {"expr": "ln(sin(x^3)^2)", "wrt": "x",
                                                   "answer": "6x^2 tan(x^3)"})
    assert s == 200 and json.loads(raw)["correct"] is False
    s, _, raw = post(server + "ui/answer/derive", {"expr": "x^2", "answer": "2x +"})
    assert s == 422 and json.loads(raw)["column"] == 5     # the end of "2x +"
