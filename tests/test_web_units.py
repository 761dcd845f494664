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


# ------------------------------------------------- every CLI option, from the kinds table

#: CLI options that are about output, not the derivation: the page renders every format
#: itself (LaTeX, NumPy, JSON, the standalone .tex), so it has no field for them.
OUTPUT_ONLY = {"fmt", "output", "standalone", "force", "emit", "help"}
#: CLI parameters whose request field has another name (a file on the CLI, its text here).
FILE_FIELDS = {"program_file": "program", "derivation_file": "derivation",
               "exprs": "expr", "from_": "from", "shape": "shape", "dim": "dim"}


def _cli_fields(kind_name: str) -> dict[str, object]:
    """The request field of each option of `matcalc KIND` -> its click parameter."""
    import click

    from matcalc.cli import main
    command = main.commands[kind_name]
    out = {}
    for p in command.params:
        if p.name in OUTPUT_ONLY or isinstance(p, click.Argument):
            continue
        out[FILE_FIELDS.get(p.name, p.name)] = p
    return out


@pytest.mark.parametrize("kind_name", sorted(__import__("matcalc.kinds").kinds.KINDS))
def test_every_cli_option_of_a_kind_is_a_field_of_its_api_and_page(kind_name: str) -> None:
    """`matcalc KIND --help` and /api/KIND (and the page, built from /api/kinds) offer the
    same options, with the same choices, ranges and defaults."""
    import click

    from matcalc.kinds import FIELDS, get_kind
    cli = _cli_fields(kind_name)
    kind = get_kind(kind_name)
    web = jobs.field_names(kind)
    assert sorted(cli) == sorted(web)
    listed = {k["name"]: k for k in json.loads(jobs.kinds().body)["kinds"]}[kind_name]
    page = {f["name"]: f for f in listed["fields"] + listed["common"]}
    assert sorted(page) == sorted(web)
    for name, p in cli.items():
        f = page[name]
        if isinstance(p.type, click.Choice):
            assert tuple(p.type.choices) == FIELDS[name].choices == tuple(f["choices"])
        if isinstance(p.type, (click.IntRange, click.FloatRange)):
            assert (p.type.min, p.type.max) == (f["min"], f["max"])
            assert isinstance(p.type, click.IntRange) == f["integer"]
        if isinstance(p.default, (bool, int, float, str)) and not p.multiple:
            assert p.default == f["default"], name


BAD_VALUES = {"from": "html", "detail": "brief", "layout": "both", "form": "dense",
              "order": 13, "points": 0, "seed": -1, "timeout": 0}


@pytest.mark.parametrize("kind_name", sorted(__import__("matcalc.kinds").kinds.KINDS))
def test_a_bad_value_is_the_clis_one_line_error(kind_name: str) -> None:
    """Every checked option of every kind: /api/KIND refuses the value the CLI refuses,
    with the CLI's message line (click's "Error: Invalid value for '--x': ...")."""
    from click.testing import CliRunner

    from matcalc.cli import main
    from matcalc.kinds import get_kind
    kind = get_kind(kind_name)
    subject = {"program": "X: n\nJ = sum(X)"}.get(kind.subject, "sin(x)")
    extra = {"check": {"answer": "cos(x)"}}.get(kind_name, {})
    args = ["-"] if kind.subject == "program" else [subject]
    args += [a for k, v in extra.items() for a in (f"--{k}", v)]
    for name in _cli_fields(kind_name):
        if name not in BAD_VALUES:
            continue
        value = BAD_VALUES[name]
        reply = jobs.run_kind(kind_name, {kind.subject: subject, **extra, name: value})
        r = CliRunner().invoke(main, [kind_name, *args, f"--{name}", str(value)],
                               input=subject)
        assert reply.status == 422 and r.exit_code == 2
        cli_line = r.output.strip().splitlines()[-1]
        assert cli_line.startswith("Error: ")
        assert json.loads(reply.body)["error"] == "error: " + cli_line[len("Error: "):]


def test_from_assume_and_detail_reach_the_derivation() -> None:
    """The fields the page lacked: --from, --assume (a list, as --assume repeated),
    --detail; the answer is the CLI's JSON."""
    from click.testing import CliRunner

    from matcalc.cli import main
    cases = [("derive", {"expr": r"\frac{1}{x}", "from": "latex"},
              ["derive", r"\frac{1}{x}", "--from", "latex"]),
             ("derive", {"expr": "sin(3x)", "detail": "full"},
              ["derive", "sin(3x)", "--detail", "full"]),
             ("grad", {"expr": "log(sum(exp(z)))", "shape": ["z:n", "y:n"], "wrt": "z",
                       "assume": ["sum(y) = 1"]},
              ["grad", "log(sum(exp(z)))", "--shape", "z:n", "--shape", "y:n", "--wrt", "z",
               "--assume", "sum(y) = 1"]),
             ("check", {"expr": "sin(3x)", "answer": "cos(3x)", "detail": "full",
                        "timeout": 5}, ["check", "sin(3x)", "--answer", "cos(3x)",
                                        "--detail", "full", "--timeout", "5"])]
    for kind, body, args in cases:
        reply = jobs.run_kind(kind, body)
        r = CliRunner().invoke(main, [*args, "--format", "json"])
        assert reply.body == r.stdout, kind
        assert reply.headers["X-Matcalc-Exit-Status"] == str(r.exit_code)
    plain = jobs.run_kind("derive", {"expr": r"\frac{1}{x}", "from": "plain"})
    r = CliRunner().invoke(main, ["derive", r"\frac{1}{x}", "--from", "plain"])
    assert plain.status == 422 and r.exit_code == 2
    assert json.loads(plain.body)["error"] == r.stderr.splitlines()[0]
    backprop = jobs.run_kind("backprop", {"program": "X: n\nJ = sum(X)", "from": "latex"})
    assert "unknown field 'from'" in json.loads(backprop.body)["error"]   # as the CLI
