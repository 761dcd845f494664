"""The Derivation object the API returns: the steps, the results read off them, the check."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sympy as sp

from .engine.step import Step
from .options import DEFAULT_OPTIONS, Options

if TYPE_CHECKING:
    from .engine.graph import Edge, Node
    from .render.notation import Notation
    from .verify.result import Verification

Kind = Literal["derivative", "gradient", "jacobian", "graph", "backprop"]


@dataclass(eq=False)
class Derivation:
    """A finished derivation.

    ``steps`` are the top-level steps in order; ``results`` maps each variable name to the
    final expression, which is the ``result`` of the last step about that variable (for a
    Jacobian, the single key ``"jacobian"``: the matrix in the stated ``layout``).
    """

    kind: Kind
    input: str
    expr: sp.Basic
    wrt: tuple[sp.Symbol, ...]
    steps: tuple[Step, ...]
    results: dict[str, sp.Basic]
    verification: "Verification | None" = None
    options: Options = DEFAULT_OPTIONS
    shapes: dict[str, tuple] = field(default_factory=dict)
    layout: str = "numerator"
    #: backprop: (Program, BackwardPass), for ``to_numpy`` (the forward/backward module)
    program: object = None
    #: kind "graph": the computation graph's nodes and edges, its structure for pictures
    #: (the Steps hold the rest: forward values, backward pass, paths); empty otherwise
    nodes: tuple["Node", ...] = ()
    edges: tuple["Edge", ...] = ()
    #: data of a kind that is not a Step (pure drawing data and the like), by name
    attachments: dict = field(default_factory=dict)

    @property
    def result(self) -> sp.Basic:
        """The answer: the derivative (for the first variable), the 1 x n gradient
        [df/dx_1, ..., df/dx_n] (a graph: [dJ/d(input), ...] over its inputs sorted by name,
        the single derivative for one input), or the Jacobian matrix in the stated layout."""
        if self.kind == "jacobian":
            return self.results["jacobian"]
        if self.kind == "backprop":
            return self.results[str(self.wrt[0])]
        if self.shapes:
            return self.results[str(self.wrt[0])]
        if self.kind == "gradient" or (self.kind == "graph" and len(self.wrt) > 1):
            return sp.ImmutableMatrix([[self.results[str(w)] for w in self.wrt]])
        return self.results[str(self.wrt[0])]

    def to_text(self) -> str:
        if self.shapes:
            from .matrix import render as matrix_render
            return matrix_render.render_text(self)
        from .render.text import render_text
        return render_text(self)

    def to_latex(self, standalone: bool | None = None, notation: "Notation | None" = None) -> str:
        """LaTeX: ``align*`` blocks, or a complete document; ``notation`` (a
        :class:`matcalc.render.notation.Notation`) sets the lecturer's conventions."""
        if self.shapes:
            from .matrix import render as matrix_render
            from .render.latex import finish      # plain parentheses unless the content is tall
            return finish(matrix_render.render_latex(
                self, standalone=self.options.standalone if standalone is None else standalone))
        from .render.latex import render_latex
        return render_latex(self, standalone=self.options.standalone if standalone is None else standalone,
                            notation=notation)

    def to_markdown(self) -> str:
        if self.shapes:
            from .matrix import render as matrix_render
            return matrix_render.render_markdown(self)
        from .render.markdown import render_markdown
        return render_markdown(self)

    def to_json(self, indent: int | None = 2) -> str:
        if self.shapes:
            from .matrix import render as matrix_render
            return matrix_render.render_json(self, indent=indent)
        from .render.json import render_json
        return render_json(self, indent=indent)

    def to_dict(self) -> dict:
        if self.shapes:
            from .matrix import render as matrix_render
            return matrix_render.to_dict(self)
        from .render.json import to_dict
        return to_dict(self)

    def to_numpy(self) -> str:
        """The result as a Python expression over ``np.*`` and the variables' names (a
        gradient evaluates to a vector of shape (n,), a Jacobian to its m x n matrix)."""
        if self.kind == "backprop":
            from .matrix.emit import emit_numpy
            return emit_numpy(*self.program, source=self.input.splitlines()[0] if False else "")
        if self.shapes:
            from .matrix import render as matrix_render
            return matrix_render.render_numpy(self)
        from .codegen.numpy import to_numpy, to_numpy_array
        if self.kind == "gradient" or (self.kind == "graph" and len(self.wrt) > 1):
            return to_numpy_array(list(self.result), (len(self.wrt),))
        return to_numpy(self.result)

    def to_dot(self) -> str:
        """Graphviz source of the computation graph (kind "graph" only)."""
        from .render.graph_dot import render_dot
        return render_dot(self)

    def _repr_latex_(self) -> str:
        if self.shapes:
            return "$\\displaystyle " + self.to_latex(standalone=False).split("\\[")[-1].split("\\]")[0] + "$"
        from .render.latex import render_latex
        return render_latex(self, standalone=False, display=True)

    def __repr__(self) -> str:
        """Short on purpose: a deep expression's full repr can take minutes to build."""
        text = self.input if len(self.input) <= 60 else self.input[:57] + "..."
        return f"<Derivation {self.kind} of {text!r}>"

    def __str__(self) -> str:
        return self.to_text()
