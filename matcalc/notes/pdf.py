"""Compile a LaTeX document to PDF with latexmk or pdflatex, whichever is installed."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MatcalcError


class LatexError(MatcalcError):
    """pdflatex is missing or stopped with an error (the message quotes the log's error)."""

    exit_code = 2


def latex_engine() -> list[str] | None:
    """The command that turns ``doc.tex`` into ``doc.pdf``, or None when TeX is missing."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    return None


def first_error(log: str) -> str:
    """The first '! ...' error of a TeX log with the line it names, on one line."""
    m = re.search(r"^! (.*?)$(?:.*?^l\.(\d+))?", log, re.M | re.S)
    if not m:
        return "see the log"
    line = f" (line {m.group(2)} of the .tex)" if m.group(2) else ""
    return m.group(1).strip() + line


def compile_pdf(source: str, target: str | Path, timeout: float = 300) -> str:
    """Write ``source`` to a temporary directory, compile it, copy the PDF to ``target``;
    return the TeX log (LatexError when TeX is missing or fails)."""
    engine = latex_engine()
    if engine is None:
        raise LatexError("cannot write a PDF: neither latexmk nor pdflatex is installed "
                         "(write .tex instead, or install TeX Live)")
    with tempfile.TemporaryDirectory(prefix="matcalc-notes-") as tmp:
        tex = Path(tmp) / "notes.tex"
        tex.write_text(source, encoding="utf-8")
        runs = 1 if engine[0] == "latexmk" else 2        # pdflatex twice: labels and refs
        for _ in range(runs):
            try:
                proc = subprocess.run([*engine, tex.name], cwd=tmp, capture_output=True,
                                      text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise LatexError(f"{engine[0]} took longer than {timeout:g} s") from None
            log_path = Path(tmp) / "notes.log"
            log = (log_path.read_text(encoding="utf-8", errors="replace")
                   if log_path.exists() else proc.stdout)
            if proc.returncode != 0:
                raise LatexError(f"{engine[0]} failed: {first_error(log)}")
        pdf = Path(tmp) / "notes.pdf"
        if not pdf.exists():
            raise LatexError(f"{engine[0]} wrote no PDF: {first_error(log)}")
        shutil.copyfile(pdf, target)
        return log
