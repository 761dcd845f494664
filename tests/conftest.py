"""Shared fixtures. In CI (CI=true) the LaTeX tests must run: a missing pdflatex fails them."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def pdflatex(tmp_path: Path):
    """A function compiling a LaTeX document; skips (fails in CI) when pdflatex is missing."""
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing in CI (.ci/run installs TeX Live)")
        pytest.skip("pdflatex is not installed")

    def compile_(source: str, name: str = "doc") -> str:
        tex = tmp_path / f"{name}.tex"
        tex.write_text(source, encoding="utf-8")
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace") \
            if (tmp_path / f"{name}.log").exists() else proc.stdout
        assert proc.returncode == 0, f"pdflatex failed:\n{proc.stdout[-3000:]}"
        assert (tmp_path / f"{name}.pdf").exists()
        return log

    return compile_


@pytest.fixture
def dot_program() -> str:
    """The path of Graphviz's ``dot``; skips (fails in CI) when it is missing."""
    exe = shutil.which("dot")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing in CI (.ci/run installs graphviz)")
        pytest.skip("Graphviz (dot) is not installed")
    return exe


@pytest.fixture
def no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the test runs, SymPy's differentiation and simplification raise: a renderer
    that computes instead of reading the Steps fails."""
    import sympy as sp

    def boom(*args, **kwargs):
        raise AssertionError("a renderer computed instead of reading the steps")
    for name in ("diff", "simplify", "expand", "factor", "cancel", "together"):
        monkeypatch.setattr(sp, name, boom)
    monkeypatch.setattr(sp.Expr, "diff", boom)
    monkeypatch.setattr(sp.Expr, "simplify", boom)
