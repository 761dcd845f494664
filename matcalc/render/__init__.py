"""Renderers: matcalc input syntax, text, LaTeX, Markdown, JSON, DOT; they read Step fields
only. ``FORMATS`` is the one format table every ``Derivation.to_*`` goes through."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..derivation import Derivation

#: format -> "module:function" taking the Derivation (and the format's keywords).
FORMATS: dict[str, str] = {
    "text": "matcalc.render.text:render_text",
    "latex": "matcalc.render.latex:render_latex",
    "jupyter": "matcalc.render:jupyter",
    "markdown": "matcalc.render.markdown:render_markdown",
    "json": "matcalc.render.json:render_json",
    "dict": "matcalc.render.json:to_dict",
    "numpy": "matcalc.codegen:emit",
    "dot": "matcalc.render.graph_dot:render_dot",
}


#: A kind with a presentation of its own: its name (``Derivation.kind``) -> the formats it
#: renders itself (the others come from FORMATS). A computation graph is drawn and laid
#: out by the graph renderers (render/graph_*.py), which read its Steps.
PRESENTATIONS: dict[str, dict[str, str]] = {
    "graph": {
        "text": "matcalc.render.graph_text:render_graph_text",
        "latex": "matcalc.render.graph_latex:render_latex",
        "jupyter": "matcalc.render.graph_latex:render_jupyter",
        "markdown": "matcalc.render.graph_latex:render_graph_markdown",
        "json": "matcalc.render.graph_json:render_graph_json",
        "dict": "matcalc.render.graph_json:graph_dict",
    },
    "check": {
        "text": "matcalc.render.check:render_check_text",
        "latex": "matcalc.render.check:render_check_latex",
        "markdown": "matcalc.render.check:render_check_markdown",
        "json": "matcalc.render.check:render_check_json",
        "dict": "matcalc.render.check:check_dict",
    },
}


def render(d: "Derivation", fmt: str, **kw: Any) -> Any:
    """``d`` in the format ``fmt`` (a key of FORMATS), by its kind's own presentation
    where it has one (PRESENTATIONS)."""
    try:
        target = PRESENTATIONS.get(d.kind, {}).get(fmt) or FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})") from None
    module, _, name = target.partition(":")
    out = getattr(importlib.import_module(module), name)(d, **kw)
    if fmt == "markdown":       # every presentation's Markdown fits 80 columns
        from .markdown import fit_markdown
        out = fit_markdown(out)
    return out


def jupyter(d: "Derivation") -> str:
    """The LaTeX Jupyter shows for a Derivation (``_repr_latex_``): one display block."""
    from .latex import render_latex
    return render_latex(d, standalone=False, display=True)
