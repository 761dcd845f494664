"""The documentation tells the truth: generated pages are current, pasted output is real,
the README's test command is CI's, and links lead somewhere.

* docs/cli.md and docs/rules.md equal what ``python -m matcalc.docs`` writes now.
* Every ```console block of README.md and docs/*.md whose first line is ``$ matcalc ...``
  is run again (each ``$ `` line is a command, the lines after it its output) and must
  print exactly what is pasted. The commands of one block run in order in the same
  directory, one that looks like the repository root (each of its entries linked), so a
  path a reader types there (worked_examples/...) resolves, and a file one command writes
  (-o FILE, at the top level) the next may read without it landing in the checkout. Keep
  such blocks deterministic (the numeric check is seeded, seed 0 by default, so it is).
* No pasted output reports an error unless its command is in ``SHOWS_AN_ERROR`` (an
  example written to show one), and each of those does show one and exits with 2.
* Every ```pycon block is run as a doctest, the blocks of one page in order.
* The README's second set-up command is the last line of .ci/run.
* Every relative link in README.md and docs/*.md leads to an existing file (and heading).
"""
from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcalc.cli import main
from matcalc.docs import (CLI_PAGE, RULES_PAGE, cli_reference, link_repository,
                                 rule_catalogue)

from .measured import difference

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REGENERATE = "run `python -m matcalc.docs` to regenerate"

FENCE = re.compile(r"^```([A-Za-z]*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def _blocks(page: Path, language: str) -> list[tuple[int, str]]:
    """(line number, body) of each fenced block of ``language`` in ``page``."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(2))
            for m in FENCE.finditer(text) if m.group(1) == language]


def _console_cases() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(where, command, expected output, the block's earlier commands) for every command
    of every ``$ matcalc`` block."""
    cases = []
    for page in PAGES:
        for line, body in _blocks(page, "console"):
            if not body.startswith("$ matcalc"):
                continue
            command, output, before = None, [], []
            for row in body.splitlines() + ["$ "]:
                if row.startswith("$ "):
                    if command is not None:
                        where = f"{page.relative_to(ROOT)}:{line}"
                        cases.append((where, command, "\n".join(output).rstrip("\n"),
                                      tuple(before)))
                        before.append(command)
                    command, output = row[2:], []
                else:
                    output.append(row)
    return cases


CONSOLE = _console_cases()

#: the console examples written to show an error (the exact command after "$ "); any other
#: example whose pasted output says "error:" is a broken example
SHOWS_AN_ERROR = frozenset({
    'matcalc derive "x*y"',                                    # README: choose --wrt
    'matcalc derive "sinn(x)"',                                # README: a typo
    'matcalc derive "3x^2(2y+7)"',                             # guide: several variables
    'matcalc derive "x*g1" --where "g1 = x^2; g2 = 3x"',       # guide: an unused --where
    'matcalc derive "3x^2(2y+7"',                              # input language: the caret
    'matcalc derive "2^-x^"',
    'matcalc derive "y + sinx"',                               # a glued function name
    'matcalc derive "\\frac{1}{x + \\input{/etc/passwd}}"',     # hostile LaTeX
    'matcalc derive "W @ x" --shape W:m,n --shape x:k --wrt W',  # matrix: a shape error
})


# ----------------------------------------------------------------- generated pages
@pytest.mark.parametrize("page, generate", [(CLI_PAGE, cli_reference),
                                            (RULES_PAGE, rule_catalogue)])
def test_generated_pages_are_current(page: str, generate) -> None:
    path = ROOT / page
    assert path.exists(), f"{page} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == generate(), f"{page} is out of date: {REGENERATE}"


def test_cli_reference_lists_every_command() -> None:
    text = cli_reference()
    for name in main.commands:
        assert f"`matcalc {name}`" in text, name


# ----------------------------------------------------------------- pasted output
def test_there_are_console_examples() -> None:
    assert len(CONSOLE) >= 10
    assert any(c == 'matcalc derive "ln(sin(x**3)**2)"' for _, c, _, _ in CONSOLE)


@pytest.mark.parametrize("where, command, expected, before", CONSOLE,
                         ids=[f"{w} {c}" for w, c, _, _ in CONSOLE])
def test_console_output_is_real(where: str, command: str, expected: str, before: tuple,
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = shlex.split(command)
    assert args[0] == "matcalc", f"{where}: a console block may only run matcalc: {command}"
    link_repository(ROOT, tmp_path)       # where a reader runs it: the repository root,
    monkeypatch.chdir(tmp_path)           # but -o FILE lands here, not in the checkout
    for earlier in before:                # the block's earlier commands, in the same place
        CliRunner().invoke(main, shlex.split(earlier)[1:], prog_name="matcalc")
    result = CliRunner().invoke(main, args[1:], prog_name="matcalc")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where}: {command} raised {result.exception!r}"
    got = result.output.rstrip("\n")      # stdout and stderr, as a terminal shows them
    why = difference(got, expected)       # equal but for measured error figures
    assert not why, (
        f"{where}: the output of `{command}` has changed ({why}); refresh the pasted output with "
        f"`python -m matcalc.docs --console`:\n{got}")
    if command in SHOWS_AN_ERROR:
        assert "error:" in got and result.exit_code == 2, \
            f"{where}: `{command}` is listed as showing an error, but it exits " \
            f"{result.exit_code} and prints:\n{got}"
    else:
        assert "error:" not in got, (
            f"{where}: the pasted output of `{command}` reports an error; fix the example, "
            f"or list it in SHOWS_AN_ERROR if it is meant to show one:\n{got}")


def test_listed_error_examples_exist() -> None:
    commands = {c for _, c, _, _ in CONSOLE}
    assert SHOWS_AN_ERROR <= commands, f"not in any console block: {sorted(SHOWS_AN_ERROR - commands)}"


def test_pycon_examples_run() -> None:
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    ran = 0
    for page in PAGES:
        globs: dict = {}
        for line, body in _blocks(page, "pycon"):
            name = f"{page.relative_to(ROOT)}:{line}"
            test = parser.get_doctest(body, globs, name, str(page), line)
            ran += len(test.examples)
            report: list[str] = []
            result = runner.run(test, out=report.append, clear_globs=False)
            globs.update(test.globs)          # a page's blocks share their names, in order
            assert result.failed == 0, f"{name}: a pycon example fails:\n" + "".join(report)
    assert ran >= 5


# ----------------------------------------------------------------- set-up commands
def _readme_setup_commands() -> list[str]:
    return [body.strip() for _, body in _blocks(ROOT / "README.md", "sh")][:2]


def test_readme_setup_is_two_commands() -> None:
    first, second = _readme_setup_commands()
    assert first == 'pip install . && matcalc derive "ln(sin(x**3)**2)"'
    assert "\n" not in second


def test_readme_test_command_is_what_ci_runs() -> None:
    lines = [row for row in (ROOT / ".ci" / "run").read_text().splitlines() if row.strip()]
    assert _readme_setup_commands()[1] == lines[-1].strip(), \
        "README's second set-up command and the last line of .ci/run must be identical"


# ----------------------------------------------------------------- links
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def test_readme_links_every_docs_page_and_they_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {m.group(1).split("#")[0] for m in LINK.finditer(text)
              if m.group(1).startswith("docs/")}
    for target in linked:
        assert (ROOT / target).is_file(), f"README links to {target}, which does not exist"
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"docs pages not linked from README: {sorted(pages - linked)}"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for m in LINK.finditer(text):
        target = m.group(1)
        if re.match(r"[a-z]+:", target):
            continue                      # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: broken link {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{page.name}: no heading for #{anchor} in {dest.name}"


# ----------------------------------------------------------------- the API reference
def _signature_line(name: str) -> str:
    import inspect

    import matcalc.api as api
    parts, star = [], False
    for p in inspect.signature(getattr(api, name)).parameters.values():
        if p.kind == p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind == p.VAR_KEYWORD:
            parts.append("**" + p.name)
        else:
            parts.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return f"{name}(" + ", ".join(parts) + ") -> Derivation"


def test_api_reference_documents_every_public_function_with_its_parameters() -> None:
    """docs/api.md shows the signature of every public API function exactly as the code
    has it (every parameter, in order, with its default), and the import line names every
    public name."""
    import matcalc
    import matcalc.api as api
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    functions = [n for n in api.__all__ if callable(getattr(api, n))
                 and getattr(getattr(api, n), "__module__", "") == "matcalc.api"]
    assert len(functions) == 7
    for name in functions:
        assert _signature_line(name) in text, f"docs/api.md: {_signature_line(name)}"
    imports = re.search(r"from matcalc import \(?([^)\n]+(?:\n[^)\n]+)*)\)?", text).group(1)
    assert sorted(re.findall(r"\w+", imports)) == sorted(matcalc.__all__)


def test_cli_reference_lists_every_option_of_every_command() -> None:
    """docs/cli.md (generated) lists every option of every command, and so does each
    command's --help; the README's options table names no option the CLI lacks."""
    import click

    from matcalc.cli import main
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")

    def commands(group, prefix=""):
        for name, c in group.commands.items():
            yield prefix + name, c
            if isinstance(c, click.Group):
                yield from commands(c, prefix + name + " ")
    sections = dict(re.findall(r"^#+ `matcalc ([a-z ]+)`\n(.*?)(?=^#+ `matcalc|\Z)", text,
                               re.S | re.M))
    known = set()
    for name, command in commands(main):
        section = sections[name]
        for p in command.params:
            if isinstance(p, click.Option):
                for opt in (*p.opts, *p.secondary_opts):
                    known.add(opt)
                    assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section), \
                        f"docs/cli.md: matcalc {name} {opt}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"`(--[a-z][a-z-]*)", readme))
    assert mentioned - known - {"--help", "--version", "--console"} == set()


def test_api_reference_lists_every_options_and_limits_field_with_its_default() -> None:
    import dataclasses

    from matcalc.options import Limits, Options
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for record, start, end in ((Options, "## Options", "## Limits"),
                               (Limits, "## Limits", "## Errors")):
        table = text[text.index(start):text.index(end)]
        for f in dataclasses.fields(record):
            row = re.search(rf"^\| `{f.name}` \| `([^`]*)` \|", table, re.M)
            assert row, f"docs/api.md: {record.__name__}.{f.name} is not in its table"
            if isinstance(f.default, (bool, int, float, str, tuple)):
                shown = row.group(1).strip('"')
                value = f.default
                assert shown == str(value) or float(shown) == value, \
                    f"docs/api.md: {record.__name__}.{f.name} default {shown} != {value}"
