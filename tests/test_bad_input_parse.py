"""Every entry of BAD_INPUTS fails with ParseError or LimitError, quickly and readably."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from matcalc.errors import LimitError, MatcalcError, ParseError
from matcalc.parse import parse

try:
    from bad_inputs import BAD_INPUTS
except ImportError:  # tests/ run as a package
    from tests.bad_inputs import BAD_INPUTS


def test_enough_bad_inputs() -> None:
    assert len(BAD_INPUTS) >= 45
    assert len(set(BAD_INPUTS)) == len(BAD_INPUTS)


@pytest.mark.parametrize("text", BAD_INPUTS, ids=lambda t: repr(t[:30]) + f"[{len(t)}]")
def test_bad_input_fails_fast_and_clearly(text: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    with pytest.raises((ParseError, LimitError)) as info:
        parse(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"took {elapsed:.2f}s"
    error = info.value
    assert isinstance(error, MatcalcError) and error.exit_code == 2
    shown = error.format()
    lines = shown.splitlines()
    assert 1 <= len(lines) <= 3
    assert len(lines[0]) < 200
    assert lines[0].startswith("error: ")
    if isinstance(error, ParseError) and error.position is not None:
        assert 0 <= error.position <= len(text)
    assert not (tmp_path / "pwned").exists()
    assert not os.path.exists("pwned")
