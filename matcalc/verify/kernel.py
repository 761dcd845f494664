"""Vectorised NumPy kernels for SymPy expressions that are DAGs with heavy sharing.

``compile_kernel(exprs, symbols)`` walks the *distinct* nodes of all ``exprs`` once
(children first, :func:`matcalc.engine.dag.postorder`) and turns each into one
instruction ``slot_i = op(slot_j, slot_k, ...)``. Nodes that are structurally equal but
distinct objects share a slot (hash-consing on (class, argument slots)), so the cost is
linear in the DAG size, never in the tree size. ``sympy.lambdify`` would print the
whole tree, which is exponential for f_n = sin(f_{n-1}) + f_{n-1}^2.

The NumPy implementation of each node type comes from the operator table
(``matcalc/ops.py``: its ``numpy`` name or ``kernel`` callable), looked up along the
class's MRO; ``OPS`` is a read-only view of it by class. Real semantics throughout: a
negative base to a non-integer power, log of a negative number, asin outside [-1, 1] ...
give nan.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from matcalc import ops
from matcalc.engine.dag import postorder

Array = np.ndarray
Value = Any  # an ndarray or a Python float (constants are folded to floats)


class UnsupportedNode(Exception):
    """A node type the kernel cannot evaluate numerically (the message is its class name)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _TableOps(Mapping[type, Callable[..., Value]]):
    """SymPy class -> NumPy implementation, read from the operator table (``matcalc.ops``)
    at the time of use, so a row added there (``register_function``) is evaluated here."""

    def __getitem__(self, cls: type) -> Callable[..., Value]:
        op = ops.BY_CLASS[cls]
        try:
            return _implementation(op)
        except LookupError:
            raise KeyError(cls) from None

    def __iter__(self) -> Iterator[type]:
        return iter([c for c, op in ops.BY_CLASS.items() if op.numpy or op.kernel])

    def __len__(self) -> int:
        return sum(1 for _ in self)


@lru_cache(maxsize=None)
def _implementation(op: ops.Op) -> Callable[..., Value]:
    return ops.numpy_callable(op, np)


#: SymPy class -> NumPy implementation taking the evaluated arguments (a view of the table).
OPS: Mapping[type, Callable[..., Value]] = _TableOps()

#: Pow with these exponents gets a cheaper, exact special case.
_POW_SPECIAL: dict[sp.Expr, Callable[[Value], Value]] = {
    sp.S.Half: np.sqrt,
    -sp.S.Half: lambda x: 1.0 / np.sqrt(x),
    sp.Integer(2): np.square,
    sp.S.NegativeOne: lambda x: 1.0 / np.asarray(x, dtype=float),
}

def _lookup(node: sp.Basic) -> Callable[..., Value]:
    op = ops.lookup(type(node))
    if op is not None and (op.numpy or op.kernel is not None):
        return _implementation(op)
    raise UnsupportedNode(type(node).__name__)


def _constant(node: sp.Basic) -> float | None:
    """A numeric leaf (Integer, Rational, Float, pi, E ...) as a float, else None."""
    if isinstance(node, (sp.Number, sp.NumberSymbol)):
        if node.is_real is False or node is sp.S.ComplexInfinity:
            raise UnsupportedNode(type(node).__name__)
        return float(node)
    return None


class Kernel:
    """A compiled straight-line program evaluating several expressions at once.

    ``kernel(*arrays)`` takes one 1-D float array per symbol (all the same length) and
    returns one float array of that length per expression.
    """

    def __init__(self, symbols: Sequence[sp.Symbol], consts: dict[int, float],
                 code: list[tuple[int, Callable[..., Value], tuple[int, ...]]],
                 outputs: list[int], nslots: int, frees: list[tuple[int, ...]]):
        self.symbols = tuple(symbols)
        self._consts = consts
        self._code = code
        self._outputs = outputs
        self._nslots = nslots
        self._frees = frees

    def __len__(self) -> int:
        """Number of instructions (distinct non-leaf nodes)."""
        return len(self._code)

    def __call__(self, *arrays: Array) -> list[Array]:
        if len(arrays) != len(self.symbols):
            raise TypeError(f"kernel takes {len(self.symbols)} arrays, got {len(arrays)}")
        cols = [np.asarray(a, dtype=float) for a in arrays]
        size = cols[0].shape[0] if cols else 1
        regs: list[Value] = [None] * self._nslots
        for i, c in enumerate(cols):
            regs[i] = c
        for slot, value in self._consts.items():
            regs[slot] = value
        with np.errstate(all="ignore"):
            for (slot, op, args), dead in zip(self._code, self._frees):
                regs[slot] = op(*[regs[a] for a in args])
                for d in dead:  # free arrays no later instruction reads
                    regs[d] = None
            return [np.array(np.broadcast_to(np.asarray(regs[o], dtype=float), (size,)))
                    for o in self._outputs]


def compile_kernel(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> Kernel:
    """Compile ``exprs`` over ``symbols`` into a :class:`Kernel`, in time linear in the DAG.

    Raises :class:`UnsupportedNode` for a node type outside ``OPS`` (or a free symbol not
    in ``symbols``).
    """
    symbols = list(symbols)
    slot_of: dict[int, int] = {}          # id(node) -> slot
    key_slot: dict[tuple, int] = {}       # structural key -> slot (hash-consing)
    for i, s in enumerate(symbols):
        key_slot[("sym", s)] = i
    consts: dict[int, float] = {}
    code: list[tuple[int, Callable[..., Value], tuple[int, ...]]] = []
    nslots = len(symbols)

    for node in postorder(exprs):
        if isinstance(node, sp.Symbol):
            key: tuple = ("sym", node)
            if key not in key_slot:
                raise UnsupportedNode(f"free symbol {node.name} (no value given)")
            slot_of[id(node)] = key_slot[key]
            continue
        c = _constant(node)
        if c is not None:
            key = ("const", c)
            if key not in key_slot:
                key_slot[key] = nslots
                consts[nslots] = c
                nslots += 1
            slot_of[id(node)] = key_slot[key]
            continue
        args = tuple(slot_of[id(a)] for a in node.args)
        key = (type(node), args)
        if key in key_slot:
            slot_of[id(node)] = key_slot[key]
            continue
        op = _lookup(node)
        if isinstance(node, sp.Pow) and node.exp.is_Number and node.exp in _POW_SPECIAL:
            op, args = _POW_SPECIAL[node.exp], args[:1]
        code.append((nslots, op, args))
        key_slot[key] = nslots
        slot_of[id(node)] = nslots
        nslots += 1

    outputs = [slot_of[id(e)] for e in exprs]
    return Kernel(symbols, consts, code, outputs, nslots, _liveness(code, outputs, consts))


def _liveness(code: list[tuple[int, Callable[..., Value], tuple[int, ...]]],
              outputs: list[int], consts: dict[int, float]) -> list[tuple[int, ...]]:
    """For each instruction, the computed slots last read there (safe to free after it)."""
    last: dict[int, int] = {}
    for i, (_, _, args) in enumerate(code):
        for a in args:
            last[a] = i
    computed = {slot for slot, _, _ in code}
    keep = set(outputs)
    dead: list[list[int]] = [[] for _ in code]
    for slot, i in last.items():
        if slot in computed and slot not in keep:
            dead[i].append(slot)
    return [tuple(d) for d in dead]


def kinks(expr: sp.Expr) -> list[sp.Expr]:
    """Where ``expr`` is not smooth: the argument of every relu, Abs, sign and Heaviside,
    and a - b for every pair of arguments of a Max or Min (distinct nodes only).

    A finite-difference stencil on which one of these changes sign (or touches 0)
    straddles a kink and is not to be trusted.
    """
    out: list[sp.Expr] = []
    seen: set[int] = set()
    for node in postorder([expr]):
        kink = _kink(node)
        if kink == "argument":
            a = node.args[0]
            if id(a) not in seen:
                seen.add(id(a))
                out.append(a)
        elif kink == "pairs":
            xs = node.args
            for i in range(len(xs)):
                for j in range(i + 1, len(xs)):
                    out.append(sp.Add(xs[i], sp.Mul(sp.S.NegativeOne, xs[j], evaluate=False),
                                      evaluate=False))
    return out


def _kink(node: sp.Basic) -> str:
    """The row's kink kind ("argument", "pairs" or "") of a node."""
    if not node.args or isinstance(node, (sp.Add, sp.Mul, sp.Pow)):
        return ""
    op = ops.lookup(type(node))
    return op.kink if op is not None else ""
