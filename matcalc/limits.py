"""Budgets of the stages that could otherwise run out of time or memory (issue 16).

Each check raises a LimitError (exit 2) with one line naming the stage and the limit,
before the work starts. docs/limits.md lists them all.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Mapping, TypeVar

import sympy as sp
from sympy.matrices.expressions import MatrixExpr

from .errors import LimitError

T = TypeVar("T")

#: Verification draws random matrices at the declared sizes: no matrix (a variable, a
#: constant such as ones(m, n), or any intermediate result) may have more entries.
#: 1,000,000 doubles (1000 x 1000) are 8 MB; the check holds a few dozen arrays at most.
MAX_SAMPLE_ENTRIES = 1_000_000

#: --dim writes the components as explicit SymPy matrices. A determinant, log-determinant
#: or inverse of an n x n matrix of symbols has n! terms: these are expanded up to this n.
MAX_EXPLICIT_INVERSE = 4
#: Seconds the --dim expansion may take (an explicit det(inv(A) @ A.T) at n = 4 would
#: take minutes): past them, exit 2.
DIM_SECONDS = 10.0


def _size(d: object, sizes: Mapping[sp.Symbol, int]) -> int | None:
    """A dimension at these sizes (dimension symbols matched by name, whatever their
    assumptions), or None when it stays symbolic."""
    if isinstance(d, int):
        return d
    if not isinstance(d, sp.Basic):
        return None
    by_name = {str(k): v for k, v in sizes.items()}
    value = d.xreplace({s: sp.Integer(by_name[s.name]) for s in d.free_symbols
                        if s.name in by_name})
    return int(value) if isinstance(value, sp.Integer) else None


def _named(node: sp.Basic) -> str:
    """How a matrix is named in a message: its name, ones(m, n), or 'a matrix'."""
    from sympy import MatrixSymbol, OneMatrix
    if isinstance(node, MatrixSymbol):
        return node.name
    if isinstance(node, OneMatrix):
        return f"ones({node.shape[0]}, {node.shape[1]})"
    return "a matrix"


def check_sample_sizes(exprs: Iterable[sp.Basic], sizes: Mapping[sp.Symbol, int],
                       stage: str = "verification") -> None:
    """LimitError when a matrix in ``exprs`` (any sub-expression) would have more than
    MAX_SAMPLE_ENTRIES entries at ``sizes``: checked before anything is allocated."""
    from .engine.dag import postorder

    for node in postorder(list(exprs)):
        if not isinstance(node, MatrixExpr):
            continue
        rows, cols = (_size(d, sizes) for d in node.shape)
        if rows is None or cols is None or rows * cols <= MAX_SAMPLE_ENTRIES:
            continue
        raise LimitError(
            f"{stage}: {_named(node)} would be sampled at "
            f"{rows:,} x {cols:,} = {rows * cols:,} entries (the limit is "
            f"{MAX_SAMPLE_ENTRIES:,}); declare symbolic sizes (x:n) or use --no-verify")


def check_explicit_size(exprs: Iterable[sp.Basic], sizes: Mapping[sp.Symbol, int]) -> None:
    """--dim: LimitError when a determinant, log-determinant or inverse of a matrix larger
    than MAX_EXPLICIT_INVERSE x MAX_EXPLICIT_INVERSE would be written out entry by entry."""
    from sympy import Determinant, Inverse, MatPow

    from .engine.dag import postorder
    from .matrix.nodes import LogDet

    for node in postorder(list(exprs)):
        if isinstance(node, (Determinant, Inverse, LogDet, MatPow)):
            inner = node.args[0]
            n = _size(inner.shape[0], sizes) if isinstance(inner, MatrixExpr) else None
            if n is not None and n > MAX_EXPLICIT_INVERSE:
                raise LimitError(
                    f"--dim expansion: an explicit determinant or inverse of a {n} x {n} "
                    f"matrix has {n}! terms (the limit is {MAX_EXPLICIT_INVERSE} x "
                    f"{MAX_EXPLICIT_INVERSE}); choose a smaller --dim")


@contextmanager
def budget(stage: str, seconds: float) -> Iterator[None]:
    """Run the block in at most ``seconds`` (SIGALRM, main thread): past it, a LimitError
    naming ``stage`` and the limit. Elsewhere (another thread) the block just runs."""
    from .engine.simplify import _Timeout, time_budget

    try:
        with time_budget(seconds):
            yield
    except _Timeout:
        raise LimitError(f"{stage}: over its time limit of {seconds:g} s") from None


def within(seconds: float, compute: Callable[[], T], default: T) -> T:
    """``compute()``, or ``default`` when it takes longer than ``seconds`` (for a check
    that may give up, such as SymPy deciding whether tanh(x^1000) is real)."""
    from .engine.simplify import _Timeout, time_budget

    if seconds <= 0:
        return default
    try:
        with time_budget(seconds):
            return compute()
    except _Timeout:
        return default
