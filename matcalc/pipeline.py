"""The one pipeline every kind of derivation runs through:

    read  ->  build Steps  ->  simplify step  ->  verify  ->  Derivation

A kind (``matcalc/kinds/<kind>.py``) is a :class:`Plugin` that supplies only how to read
its input (``read``: a :class:`~matcalc.kinds.request.Request` to the kind's own problem
record), how to build its Steps (``build``: the problem to a :class:`Built`), optionally
how to finish them with a simplify step (``simplify``), and what to check (``check``: the
problem and the Built to a Verification, or None). The order, the Options, the verifier's
switch and the final record are the pipeline's: no kind builds a Derivation itself.

The answer is read off the steps: ``Built.results`` are the ``result`` of the last step
about each variable, and the pipeline verifies exactly those.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

import sympy as sp

from .assume import assuming
from .derivation import Derivation
from .engine.simplify import simplify_budget
from .engine.solver import detail_level
from .engine.step import Step
from .limits import budget
from .kinds.request import Request
from .options import Options

if TYPE_CHECKING:
    from .verify.result import Verification


@dataclass(frozen=True)
class Built:
    """The Steps of a derivation and what is read off them.

    ``kind`` is the name the output uses ("derivative", "gradient", "jacobian", "graph",
    "backprop"); ``results`` maps each variable (or "jacobian") to its final expression;
    ``result`` is the answer as one object (a derivative, a 1 x n gradient, a matrix);
    ``attachments`` hold kind-specific data the renderers may read (a graph's nodes and
    edges, a backward pass's program), named in the kind's docstring.
    """

    kind: str
    input: str
    expr: sp.Basic
    wrt: tuple[sp.Basic, ...]
    steps: tuple[Step, ...]
    results: dict[str, sp.Basic]
    result: sp.Basic
    shapes: dict[str, tuple] = field(default_factory=dict)
    layout: str = "numerator"
    attachments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plugin:
    """How one kind reads, builds, simplifies and checks (see the module docstring)."""

    name: str
    read: Callable[[Request], Any]
    build: Callable[[Any], Built]
    check: Callable[[Any, Built], "Verification | None"]
    simplify: Callable[[Any, Built], Built] | None = None


def _stage(name: str, seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` within the stage's wall-clock budget: over it, a LimitError (exit 2)
    naming the stage and the limit (:func:`matcalc.limits.budget`)."""
    with budget(f"the {name} stage", seconds):
        return fn(*args)


def run(plugin: Plugin, request: Request) -> Derivation:
    """Run one derivation through the pipeline's fixed order, each stage in its budget."""
    opts: Options = request.options
    limits = opts.limits
    with assuming(opts.assumptions):                # --assume: every stage sees the same facts
        problem = _stage("read", limits.read_seconds, plugin.read, request)
        with simplify_budget(opts.simplify_timeout), detail_level(opts.detail):
            # the simplify budget is shared by every simplify step of it; the detail is
            # read by every Solver the build makes (engine.solver.detail_level)
            built = _stage("build", limits.build_seconds, plugin.build, problem)
            if plugin.simplify is not None and opts.simplify:
                built = plugin.simplify(problem, built)  # its own budget: engine.simplify
        verification = (_stage("verify", limits.verify_seconds, plugin.check, problem, built)
                        if opts.verify else None)
    return Derivation(kind=built.kind, input=built.input, expr=built.expr, wrt=built.wrt,
                      steps=built.steps, results=built.results, answer=built.result,
                      verification=verification, options=opts, shapes=built.shapes,
                      layout=built.layout, attachments=dict(built.attachments))


def with_step(built: Built, step: Step, name: str) -> Built:
    """``built`` with one more top-level step, whose result is the new result of ``name``."""
    results = {**built.results, name: step.result}
    answer = step.result if len(results) == 1 else built.result
    return replace(built, steps=(*built.steps, step), results=results, result=answer)
