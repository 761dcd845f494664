"""``--help`` reads well in an 80-column terminal, however wide the terminal is.

Every command's help (and the group's) is rendered the way a terminal shows it (click's
width from the terminal size, here a 200-column one, capped by ``max_content_width``):
no line is wider than 80 columns, and no command's one-line summary in ``matcalc --help``
is cut short (click ends a cut summary with "...").
"""
from __future__ import annotations

import click
import click.formatting
import pytest

from matcalc.cli import main


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _paths(command, prefix + (name,))
        else:
            out.append(prefix + (name,))
    return out


PATHS = _paths(main)


def _help(path: tuple[str, ...]) -> str:
    ctx = main.make_context("matcalc", [*path, "--help"], resilient_parsing=True)
    command: click.Command = main
    for name in path:                      # down to the (sub)command, as click does
        assert isinstance(command, click.Group)
        command = command.commands[name]
        ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
    return command.get_help(ctx)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(click.formatting, "FORCED_WIDTH", None)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "50")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("matcalc",) + p))
def test_help_fits_80_columns(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert "Usage:" in text
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert not wide, f"matcalc {' '.join(path)} --help: lines over 80 columns:\n" + "\n".join(wide)


def test_command_summaries_are_whole() -> None:
    text = _help(())
    listed = text.split("Commands:", 1)[1]
    cut = [line for line in listed.splitlines() if line.rstrip().endswith("...")]
    assert not cut, "a command's summary is cut short:\n" + "\n".join(cut)
    for name in main.commands:
        assert f"  {name} " in listed
