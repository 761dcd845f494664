"""worked_examples/gallery.ipynb runs top to bottom (nbclient, the engine of nbmake; no
network), and a Derivation displays as LaTeX in Jupyter.

``python -m pytest --nbmake worked_examples/gallery.ipynb`` runs the same notebook with
nbmake; this test makes a plain ``python -m pytest`` include it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "worked_examples" / "gallery.ipynb"


def test_repr_latex_is_mathjax() -> None:
    from matcalc import derive
    latex = derive("sin(x^2)")._repr_latex_()
    assert latex.startswith(r"$$\begin{aligned}") and latex.endswith(r"\end{aligned}$$")
    assert r"\left(" not in latex          # plain parentheses around x^2


@pytest.mark.slow
def test_gallery_notebook_runs_top_to_bottom(monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs"
    env_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", env_path)   # the kernel imports this checkout's matcalc
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    latex = [o for o in outputs if o.output_type == "execute_result"
             and "text/latex" in o.get("data", {})]
    assert len(latex) >= 3                # derive, gradient, jacobian display as LaTeX
