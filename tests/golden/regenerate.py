"""Regenerate the golden snapshots of every gallery example in every format.

    python -m tests.golden.regenerate            # rewrite tests/golden/gallery/*
    python -m tests.golden.regenerate --pdf DIR  # also compile each LaTeX file to DIR/*.pdf

Snapshots are reviewed, not trusted: after a change of style, regenerate, read the diff,
compile the LaTeX and look at the pages (``pdftoppm -png -r 80``) before committing.
tests/test_golden.py fails when an output differs from its snapshot.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent / "gallery"
#: format -> file suffix; graphs add DOT.
FORMATS = {"text": "txt", "latex": "tex", "markdown": "md", "json": "json", "numpy": "py"}
#: A generous simplify budget: a snapshot must not depend on the machine's load.
TIMEOUT = 60.0


def formats(example) -> dict[str, str]:
    """The formats snapshotted for an example (format -> file suffix)."""
    return dict(FORMATS, **({"dot": "dot"} if example.kind == "graph" else {}))


def snapshot(example, fmt: str, derivation=None) -> str:
    """The example's output in ``fmt`` (LaTeX: the complete document)."""
    from matcalc.gallery import derive_example
    from matcalc.options import Options
    d = derivation or derive_example(example, options=replace(Options(), simplify_timeout=TIMEOUT))
    text = d.to_latex(standalone=True) if fmt == "latex" else d.render(fmt)
    return text.rstrip("\n") + "\n"


def outputs():
    """(file name, text) for every example and format."""
    from matcalc.gallery import derive_example, examples
    from matcalc.options import Options
    opts = replace(Options(), simplify_timeout=TIMEOUT)
    for e in examples():
        d = derive_example(e, options=opts)
        for fmt, suffix in formats(e).items():
            yield f"{e.name}.{suffix}", snapshot(e, fmt, d)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, help="compile every .tex into this folder")
    args = ap.parse_args(argv)
    HERE.mkdir(exist_ok=True)
    for old in HERE.iterdir():
        old.unlink()
    for name, text in outputs():
        (HERE / name).write_text(text, encoding="utf-8")
    if args.pdf:
        args.pdf.mkdir(parents=True, exist_ok=True)
        for tex in sorted(HERE.glob("*.tex")):
            subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                            "-output-directory", str(args.pdf), str(tex)],
                           stdout=subprocess.DEVNULL, check=False)
    print(f"wrote {len(list(HERE.iterdir()))} snapshots to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
