"""Derivatives of elementary functions: a table, not code branches.

The table is the operator table (``matcalc/ops.py``): every row with a ``derivative``
gives a function class, its rule record and d f(u)/du as a function of u (autograd's
``defvjp``, JAX's ``defjvp``). Adding a function is one row there plus one test case;
nothing here changes.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy as sp

from .. import ops
from .catalogue import Rule, table_rule


@dataclass(frozen=True)
class Elementary:
    """An elementary function f with its derivative ``d(u, *params)`` = f'(u).

    ``params`` are the function's other arguments, which must be constant (the base of
    log_b); only the first argument is differentiated.
    """

    func: type
    rule: Rule
    d: Callable[..., sp.Expr]


@lru_cache(maxsize=None)
def _entry(op: ops.Op) -> Elementary:
    assert op.func is not None and op.derivative is not None
    return Elementary(op.func, table_rule(op), op.derivative)


def lookup(func: type) -> Elementary | None:
    """The table entry for a function class (or one of its bases), if it has a derivative."""
    op = ops.lookup(func)
    if op is None or op.derivative is None or op.func is None:
        return None
    return _entry(op)


class _Table(Mapping[type, Elementary]):
    """Function class -> Elementary, read from the operator table (a live view)."""

    def __getitem__(self, func: type) -> Elementary:
        op = ops.BY_CLASS[func]
        if op.derivative is None:
            raise KeyError(func)
        return _entry(op)

    def __iter__(self) -> Iterator[type]:
        return (op.func for op in ops.elementary() if op.func is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: The elementary-function table, by SymPy class (a view of ``matcalc.ops``).
ELEMENTARY: Mapping[type, Elementary] = _Table()
