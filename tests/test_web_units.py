"""matcalc.web without a server: body fields against the kind registry, the notes entry,
the preview, loopback detection, and the package data that carries the page."""
from __future__ import annotations

import fnmatch
import json
import sys
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path

import pytest

from matcalc.web import jobs

ROOT = Path(__file__).resolve().parent.parent


def test_fields_follow_the_registry() -> None:
    kind, subject, own, opts = jobs.fields_of("derive", {
        "expr": "x.T @ A @ x", "wrt": "x", "shape": ["x:n", "A:n,n"], "dim": ["n=3"],
        "points": 7, "seed": 2, "timeout": 1.5, "verify": False, "format": "json"})
    assert (kind.name, subject) == ("derive", "x.T @ A @ x")
    assert own == {"wrt": "x", "shapes": ["x:n", "A:n,n"], "dims": ["n=3"]}
    assert (opts.points, opts.seed, opts.simplify_timeout, opts.verify) == (7, 2, 1.5, False)
    kind, subject, own, _ = jobs.fields_of("backprop", {"program": "X: n\nJ = sum(X)"})
    assert kind.subject == "program"


@pytest.mark.parametrize("body, message", [
    ({"expr": "x", "wrtt": "x"}, "unknown field 'wrtt'"),
    ({"expr": "x", "verify": "yes"}, "'verify' must be true or false"),
    ({"expr": "x", "points": True}, "'points' must be an integer"),
    ({"expr": "x", "shape": [["x", "n"]]}, "'shape' must be"),
    ({"expr": "x", "format": "latex"}, "JSON only"),
    ({"expr": "x" * 10_001}, "longer than 10,000"),
    ({"expr": "x", "where": "a = " + "x+" * 6000}, "longer than 10,000"),
    ({"expr": 3}, "'expr' must be a string"),
    ([1, 2], "must be a JSON object"),
])
def test_bad_fields_are_one_line_input_errors(body, message) -> None:
    reply = jobs.run_kind("derive", body)
    err = json.loads(reply.body)
    assert reply.status == 422 and message in err["error"] and err["exit_status"] == 2


def test_a_kind_added_to_the_registry_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    from matcalc.kinds import KINDS, Kind
    monkeypatch.setitem(KINDS, "second", Kind(
        "second", "matcalc.api:derive", "expr", {"wrt": str}, summary="a test kind",
        plugin="matcalc.kinds.derivative:PLUGIN"))
    listed = {k["name"]: k for k in json.loads(jobs.kinds().body)["kinds"]}
    assert [f["name"] for f in listed["second"]["fields"]] == ["wrt"]
    reply = jobs.run_kind("second", {"expr": "x^3", "wrt": "x", "points": 3})
    assert reply.status == 200 and json.loads(reply.body)["results"]["x"]["result"] == "3*x^2"


def test_notes_entry_loads_as_a_notes_file() -> None:
    from matcalc.notes.loader import parse_notes
    entry = jobs.notes_entry("derive", {"expr": 'x^2 "quoted" \\ back', "wrt": "x",
                                        "where": "a = 1\nb = 2", "points": 5})
    text = 'title = "t"\n[[section]]\ntitle = "s"\n' + entry
    data = tomllib.loads(text)["section"][0]["derivation"][0]
    assert data == {"kind": "derive", "expr": 'x^2 "quoted" \\ back', "wrt": "x",
                    "where": "a = 1\nb = 2", "points": 5}
    notes = parse_notes('title = "t"\n[[section]]\ntitle = "s"\n'
                        + jobs.notes_entry("derive", {"expr": "x^2", "wrt": "x"}))
    assert notes.sections[0].entries[0].kind == "derive"


def test_preview_and_its_errors() -> None:
    ok = json.loads(jobs.preview({"expr": "ln(sin(x^3)^2)"}).body)
    assert r"\ln" in ok["latex"] and r"\sin" in ok["latex"]
    matrix = json.loads(jobs.preview({"expr": "x.T @ A @ x", "shape": ["x:n", "A:n,n"]}).body)
    assert matrix["latex"] == "x^{T} A x"
    bad = jobs.preview({"expr": "sin(x"})
    assert bad.status == 422 and json.loads(bad.body)["column"] is not None


def test_loopback_and_hosts() -> None:
    from matcalc.web.server import allowed_hosts, is_loopback
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert "127.0.0.1" in allowed_hosts("127.0.0.1") and allowed_hosts("0.0.0.0") is None


def test_package_data_carries_every_static_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]["matcalc"]
    static = ROOT / "matcalc" / "web" / "static"
    files = [str(p.relative_to(ROOT / "matcalc")) for p in static.rglob("*") if p.is_file()]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, p) and "/" not in
                                           f[len(p.rsplit("/", 1)[0]) + 1:] for p in patterns)]
    assert files and missing == []
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert any(d.startswith("starlette") for d in extras["web"])
    assert any(d.startswith("playwright") for d in extras["test"])


def test_serve_without_the_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from matcalc.cli import main
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2 and 'pip install "matcalc[web]"' in r.stderr


@pytest.mark.slow
def test_a_crashed_job_or_worker_is_replaced_and_the_pool_serves_on() -> None:
    """The child computing a job killed from outside (as the kernel's OOM killer would):
    a 502 reply, the worker goes on. The worker itself killed mid-job: it is replaced and
    the next job is answered. A job past its time limit: Timeout (504), replaced too."""
    import asyncio
    import os
    import signal
    import time

    from matcalc.web.pool import Crashed, Pool, Timeout

    def kill_child(worker_pid: int) -> None:
        for _ in range(100):
            path = f"/proc/{worker_pid}/task/{worker_pid}/children"
            kids = open(path).read().split() if os.path.exists(path) else []
            if kids:
                os.kill(int(kids[0]), signal.SIGKILL)
                return
            time.sleep(0.05)

    async def scenario() -> None:
        pool = Pool(1, time_limit=20)
        await pool.start()
        try:
            worker = pool._all[0]
            loop = asyncio.get_running_loop()
            loop.call_later(1.0, kill_child, worker.process.pid)
            reply = await pool.run("hang", 10.0)
            assert reply.status == 502 and "signal 9" in json.loads(reply.body)["error"]
            assert pool._all[0] is worker and worker.alive      # the worker goes on
            loop.call_later(1.0, os.kill, worker.process.pid, signal.SIGKILL)
            try:
                await pool.run("hang", 3.0)        # its orphaned child may still answer
            except Crashed:
                pass
            reply = await pool.run("kind", "derive", {"expr": "x^3", "points": 3})
            assert reply.status == 200 and pool.stats.replaced == 1
            assert pool._all[0] is not worker and not worker.alive
            with pytest.raises(Timeout):
                await pool.run("hang", 30.0, seconds=1.0)
            reply = await pool.run("kind", "derive", {"expr": "x^4", "points": 3})
            assert reply.status == 200 and pool.stats.replaced == 2
            assert pool.stats.timeouts == 1
        finally:
            await pool.close()

    asyncio.run(scenario())


@pytest.mark.slow
def test_the_memory_limit_holds_in_a_worker() -> None:
    """RLIMIT_AS is set in the worker: a job there sees it."""
    import asyncio

    from matcalc.web.pool import Pool

    async def scenario() -> int:
        pool = Pool(1, memory_limit=700 * 2 ** 20)
        await pool.start()
        try:
            reply = await pool.run("limits")
            return json.loads(reply.body)["address_space"]
        finally:
            await pool.close()

    assert asyncio.run(scenario()) == 700 * 2 ** 20
