"""Compile a LaTeX document to PDF with latexmk or pdflatex, whichever is installed."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import MatcalcError


class LatexError(MatcalcError):
    """pdflatex is missing or stopped with an error (the message quotes the log's error)."""

    exit_code = 2


#: Seconds the whole compilation (every pdflatex run) may take: an endless macro in the
#: prose (\\def\\a{\\a}\\a) is stopped here. docs/limits.md.
LATEX_SECONDS = 60.0
#: Every run: no \\write18 (shell escape), stop at the first error, never wait for input.
PDFLATEX_FLAGS = ("-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error")


def latex_engine() -> list[str] | None:
    """The command that turns ``doc.tex`` into ``doc.pdf``, or None when TeX is missing."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-quiet",
                "-pdflatex=pdflatex " + " ".join(PDFLATEX_FLAGS) + " %O %S"]
    if shutil.which("pdflatex"):
        return ["pdflatex", *PDFLATEX_FLAGS]
    return None


def first_error(log: str) -> str:
    """The first '! ...' error of a TeX log with the line it names, on one line."""
    m = re.search(r"^! (.*?)$(?:.*?^l\.(\d+))?", log, re.M | re.S)
    if not m:
        return "see the log"
    line = f" (line {m.group(2)} of the .tex)" if m.group(2) else ""
    return m.group(1).strip() + line


def _run(command: list[str], cwd: str, seconds: float) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group; past ``seconds`` the whole group (latexmk
    and the pdflatex it started) is killed and TimeoutExpired raised."""
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=max(seconds, 0.1))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(command, proc.returncode,
                                       out.decode("utf-8", "replace"), "")


def compile_pdf(source: str, target: str | Path, timeout: float = LATEX_SECONDS) -> str:
    """Write ``source`` to a temporary directory, compile it, write the PDF to ``target``;
    return the TeX log (LatexError when TeX is missing, fails or runs past ``timeout``
    seconds in all)."""
    from ..edge import write_output

    engine = latex_engine()
    if engine is None:
        raise LatexError("cannot write a PDF: neither latexmk nor pdflatex is installed "
                         "(write .tex instead, or install TeX Live)")
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="matcalc-notes-") as tmp:
        tex = Path(tmp) / "notes.tex"
        tex.write_text(source, encoding="utf-8")
        runs = 1 if engine[0] == "latexmk" else 2        # pdflatex twice: labels and refs
        for _ in range(runs):
            try:
                proc = _run([*engine, tex.name], tmp, deadline - time.monotonic())
            except subprocess.TimeoutExpired:
                raise LatexError(f"the {engine[0]} stage went over its time limit of "
                                 f"{timeout:g} s (an endless macro in the prose?)") from None
            log_path = Path(tmp) / "notes.log"
            log = (log_path.read_text(encoding="utf-8", errors="replace")
                   if log_path.exists() else proc.stdout)
            if proc.returncode != 0:
                raise LatexError(f"{engine[0]} failed: {first_error(log)}")
        pdf = Path(tmp) / "notes.pdf"
        if not pdf.exists():
            raise LatexError(f"{engine[0]} wrote no PDF: {first_error(log)}")
        write_output(str(target), pdf.read_bytes())
        return log
