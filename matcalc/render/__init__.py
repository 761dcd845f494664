"""Renderers: matcalc input syntax, text, LaTeX, Markdown, JSON, DOT; they read Step fields
only. ``FORMATS`` is the one format table every ``Derivation.to_*`` goes through."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..derivation import Derivation

#: format -> "module:function" taking the Derivation (and the format's keywords).
FORMATS: dict[str, str] = {
    "text": "matcalc.render:_text",
    "latex": "matcalc.render:_latex",
    "jupyter": "matcalc.render:_jupyter",
    "markdown": "matcalc.render:_markdown",
    "json": "matcalc.render:_json",
    "dict": "matcalc.render:_dict",
    "numpy": "matcalc.codegen:emit",
    "dot": "matcalc.render.graph_dot:render_dot",
}


def render(d: "Derivation", fmt: str, **kw: Any) -> Any:
    """``d`` in the format ``fmt`` (a key of FORMATS)."""
    try:
        target = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})") from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(d, **kw)


# Derivations over declared shapes still have the renderer of matrix/ (being merged into
# the common plan): these adapters are the only place that knows it.

def _text(d: "Derivation") -> str:
    if d.shapes:
        from ..matrix.render import render_text as matrix_text
        return matrix_text(d)
    from .text import render_text
    return render_text(d)


def _latex(d: "Derivation", standalone: bool = False, notation: Any = None) -> str:
    from .latex import finish, render_latex
    if d.shapes:
        from ..matrix.render import render_latex as matrix_latex
        return finish(matrix_latex(d, standalone=standalone))
    return render_latex(d, standalone=standalone, notation=notation)


def _jupyter(d: "Derivation") -> str:
    if d.shapes:
        return "$\\displaystyle " + _latex(d).split("\\[")[-1].split("\\]")[0] + "$"
    from .latex import render_latex
    return render_latex(d, standalone=False, display=True)


def _markdown(d: "Derivation") -> str:
    if d.shapes:
        from ..matrix.render import render_markdown as matrix_markdown
        return matrix_markdown(d)
    from .markdown import render_markdown
    return render_markdown(d)


def _json(d: "Derivation", indent: int | None = 2) -> str:
    if d.shapes:
        from ..matrix.render import render_json as matrix_json
        return matrix_json(d, indent=indent)
    from .json import render_json
    return render_json(d, indent=indent)


def _dict(d: "Derivation") -> dict:
    if d.shapes:
        from ..matrix.render import to_dict as matrix_dict
        return matrix_dict(d)
    from .json import to_dict
    return to_dict(d)
