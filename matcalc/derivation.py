"""The Derivation record the API returns: the steps, the results read off them, the check.

It knows no kind: what only one kind has (a computation graph's nodes and edges, a
backward pass's program) sits in ``attachments``, and every ``to_*`` method goes through
the one format table of :mod:`matcalc.render` (the only lazy import of the package).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from .engine.step import Step
from .options import DEFAULT_OPTIONS, Options

if TYPE_CHECKING:
    from .render.notation import Notation
    from .verify.result import Verification


@dataclass(eq=False)
class Derivation:
    """A finished derivation.

    ``steps`` are the top-level steps in order; ``results`` maps each variable name to the
    final expression, which is the ``result`` of the last step about that variable (for a
    Jacobian, the single key ``"jacobian"``: the matrix in the stated ``layout``);
    ``answer`` is the same answer as one object (see :attr:`result`). ``kind`` is the
    name the output uses ("derivative", "gradient", "jacobian", "hessian", "graph",
    "backprop").
    """

    kind: str
    input: str
    expr: sp.Basic
    wrt: tuple[sp.Basic, ...]
    steps: tuple[Step, ...]
    results: dict[str, sp.Basic]
    verification: "Verification | None" = None
    options: Options = DEFAULT_OPTIONS
    shapes: dict[str, tuple] = field(default_factory=dict)
    layout: str = "numerator"
    #: kind-specific data for renderers and the emitter: "nodes", "edges" (kind graph: the
    #: graph's structure, for pictures), "program" (backprop: Program, BackwardPass)
    attachments: dict[str, Any] = field(default_factory=dict)
    answer: sp.Basic | None = None

    @property
    def result(self) -> sp.Basic:
        """The answer: the derivative (for the first variable), the 1 x n gradient
        [df/dx_1, ..., df/dx_n] (a graph: [dJ/d(input), ...] over its inputs, the single
        derivative for one input), or the Jacobian matrix in the stated layout."""
        if self.answer is not None:
            return self.answer
        key = "jacobian" if "jacobian" in self.results else str(self.wrt[0])
        return self.results[key]

    # kind-specific attachments, under the names the API has always had
    @property
    def nodes(self) -> tuple:
        """A computation graph's nodes (kind "graph"; empty otherwise)."""
        return tuple(self.attachments.get("nodes", ()))

    @property
    def edges(self) -> tuple:
        """A computation graph's edges (kind "graph"; empty otherwise)."""
        return tuple(self.attachments.get("edges", ()))

    @property
    def program(self) -> Any:
        """A backward pass's (Program, BackwardPass) (kind "backprop"; None otherwise)."""
        return self.attachments.get("program")

    # formats: one table (matcalc.render.FORMATS)
    def render(self, fmt: str, **kw: Any) -> Any:
        """This derivation in ``fmt`` (text, latex, markdown, json, dict, numpy, dot)."""
        from .render import render
        return render(self, fmt, **kw)

    def to_text(self) -> str:
        return self.render("text")

    def to_latex(self, standalone: bool | None = None, notation: "Notation | None" = None) -> str:
        """LaTeX: ``align*`` blocks, or a complete document; ``notation`` (a
        :class:`matcalc.render.notation.Notation`) sets the lecturer's conventions."""
        return self.render("latex", standalone=self.options.standalone if standalone is None
                           else standalone, notation=notation)

    def to_markdown(self) -> str:
        return self.render("markdown")

    def to_json(self, indent: int | None = 2) -> str:
        return self.render("json", indent=indent)

    def to_dict(self) -> dict:
        return self.render("dict")

    def to_numpy(self) -> str:
        """The result as a Python expression over ``np.*`` and the variables' names (a
        gradient evaluates to a vector of shape (n,), a Jacobian to its m x n matrix; a
        backward pass: a module with forward() and backward())."""
        return self.render("numpy")

    def to_dot(self) -> str:
        """Graphviz source of the computation graph (kind "graph" only)."""
        return self.render("dot")

    def _repr_latex_(self) -> str:
        return self.render("jupyter")

    def __repr__(self) -> str:
        """Short on purpose: a deep expression's full repr can take minutes to build."""
        text = self.input if len(self.input) <= 60 else self.input[:57] + "..."
        return f"<Derivation {self.kind} of {text!r}>"

    def __str__(self) -> str:
        return self.to_text()
