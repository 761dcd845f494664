"""Emit a NumPy expression (text) for a SymPy expression.

Contract (CONTRACTS.md): ``eval(to_numpy(e), {"np": numpy}, {name: array, ...})`` is the
value of e at those arrays. Small expressions print as one readable formula,
``6*x**2*np.cos(x**3)/np.sin(x**3)``. Expressions whose *tree* is large or deep (shared
sub-expressions, as in deep compositions) print as a flat walrus tuple

    (_t1 := np.sin(x), _t2 := _t1 + x**2, ..., <final>)[-1]

in which every shared non-atomic node (and every node deeper than ``MAX_INLINE_DEPTH``
inline levels, to stay clear of Python's nesting limit) is computed once and named, so
the text is linear in the number of distinct nodes. NumPy is not imported here. The
text of each function is its row's ``numpy`` field in the operator table (``matcalc/ops.py``).

A matrix (a Jacobian) or vector (a gradient) prints as

    (_tA := np.broadcast_arrays(e11, e12, e21, e22), np.stack(_tA).astype(float)
     .reshape((2, 2) + _tA[0].shape))[-1]

so that constant entries (4, 0, ...) broadcast against the others: for scalar inputs the
value is the 2 x 2 matrix; for array inputs of a common shape s, an array of shape
(2, 2) + s whose leading indices are the matrix's, J[i, j, ...].
"""
from __future__ import annotations

import keyword
from typing import Callable

import sympy as sp
from sympy.printing.str import StrPrinter

from matcalc import ops
from matcalc.engine.dag import as_basic, postorder, tree_size

#: Tree size above which the flat walrus form is emitted.
FLAT_ABOVE = 200
#: Longest chain of unnamed nodes inside one walrus item.
MAX_INLINE_DEPTH = 24

_Fmt = Callable[[list[str]], str]


def _function_format(expr: sp.Basic) -> _Fmt | None:
    """The NumPy text of a function node, from its row in the operator table (None for
    atoms and for the arithmetic operators, which print as Python operators)."""
    if not getattr(expr, "args", None):
        return None
    op = ops.lookup(type(expr))
    if op is None or not op.numpy:
        return None
    return op.numpy_text


class NumPyTextPrinter(StrPrinter):
    """StrPrinter (Python operator syntax and precedence) with np.* functions."""

    def _print(self, expr, **kwargs) -> str:
        fmt = _function_format(expr)
        if fmt is not None:
            return fmt([self._print(a) for a in expr.args])
        return super()._print(expr, **kwargs)

    def _print_Function(self, expr) -> str:
        raise ValueError(f"to_numpy: no NumPy form for {type(expr).__name__}")

    def _print_Pow(self, expr, rational: bool = False) -> str:
        if expr.exp is sp.S.Half:
            return f"np.sqrt({self._print(expr.base)})"
        if expr.exp == -sp.S.Half:
            return f"1/np.sqrt({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def parenthesize(self, item, level, strict=False) -> str:
        if isinstance(item, sp.Rational) and not item.is_Integer:
            return self._print(item)  # already "(p/q)"
        return super().parenthesize(item, level, strict)

    def _print_Rational(self, expr) -> str:
        # true division in Python 3; parenthesised so it binds as one number
        return f"({expr.p}/{expr.q})"

    def _print_Half(self, expr) -> str:
        return "(1/2)"

    def _print_Float(self, expr) -> str:
        return repr(float(expr))

    def _print_Pi(self, expr) -> str:
        return "np.pi"

    def _print_Exp1(self, expr) -> str:
        return "np.e"

    def _print_NumberSymbol(self, expr) -> str:
        return repr(float(expr))

    def _print_Infinity(self, expr) -> str:
        return "np.inf"

    def _print_NegativeInfinity(self, expr) -> str:
        return "(-np.inf)"

    def _print_NaN(self, expr) -> str:
        return "np.nan"

    def _print_ImaginaryUnit(self, expr) -> str:
        raise ValueError("to_numpy: the imaginary unit has no real NumPy form")

    def _print_ComplexInfinity(self, expr) -> str:
        return "np.nan"

    def _print_Symbol(self, expr) -> str:
        return expr.name

    _print_Dummy = _print_Symbol

    def _print_Basic(self, expr, **kwargs) -> str:
        raise ValueError(f"to_numpy: no NumPy form for {type(expr).__name__}")


def _check_name(sym: sp.Symbol) -> None:
    name = sym.name
    if (not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_t")
            or name == "np"):
        raise ValueError(f"to_numpy: symbol name {name!r} is not usable as a Python "
                         "variable (not an identifier, a keyword, 'np', or starts with '_t')")


def to_numpy_array(entries: list[sp.Expr], shape: tuple[int, ...]) -> str:
    """A Python expression whose value is the array of ``entries`` (row-major) of ``shape``,
    with every entry broadcast to the inputs' common shape (see the module docstring)."""
    items = ", ".join(to_numpy(e) for e in entries)
    dims = "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    return (f"(_tA := np.broadcast_arrays({items}), "
            f"np.stack(_tA).astype(float).reshape({dims} + _tA[0].shape))[-1]")


def to_numpy(expr: sp.Expr) -> str:
    """A Python expression over ``np.*`` and the symbols' names whose value is ``expr``
    (a matrix: the array of its entries, see ``to_numpy_array``).

    Raises ValueError for a symbol whose name cannot be a Python variable, or for a
    node with no NumPy form.
    """
    if isinstance(expr, sp.MatrixBase):
        return to_numpy_array(list(expr), tuple(expr.shape))
    expr = as_basic(expr)
    nodes = postorder([expr])
    for node in nodes:
        if isinstance(node, sp.Symbol):
            _check_name(node)
    if tree_size(expr) <= FLAT_ABOVE and _depth(nodes) <= MAX_INLINE_DEPTH:
        return NumPyTextPrinter().doprint(expr)
    # term ordering is cosmetic and costs more than printing in the flat form
    return _flat(expr, nodes, NumPyTextPrinter({"order": "none"}))


def _depth(nodes: list[sp.Basic]) -> int:
    """Nesting depth of the last node (the root) of a postorder list."""
    d: dict[int, int] = {}
    for n in nodes:
        d[id(n)] = 1 + max((d[id(a)] for a in n.args), default=0)
    return d[id(nodes[-1])]


def _flat(expr: sp.Expr, nodes: list[sp.Basic], printer: NumPyTextPrinter) -> str:
    """The walrus-tuple form: named temporaries for shared or deeply nested nodes."""
    uses: dict[int, int] = {}
    for node in nodes:
        for a in node.args:
            uses[id(a)] = uses.get(id(a), 0) + 1
    local: dict[int, sp.Basic] = {}   # id(node) -> node rebuilt over temporaries
    depth: dict[int, int] = {}        # inline nesting depth of that rebuilt node
    items: list[str] = []
    for node in nodes:
        if not node.args:
            local[id(node)] = node
            depth[id(node)] = 0
            continue
        args = [local[id(a)] for a in node.args]
        if all(n is o for n, o in zip(args, node.args)):
            rebuilt = node
        else:
            rebuilt = node.func(*args)
        d = 1 + max(depth[id(a)] for a in node.args)
        if node is not expr and (uses.get(id(node), 0) > 1 or d > MAX_INLINE_DEPTH):
            tmp = sp.Dummy(f"_t{len(items) + 1}")
            items.append(f"{tmp.name} := {printer.doprint(rebuilt)}")
            local[id(node)] = tmp
            depth[id(node)] = 0
        else:
            local[id(node)] = rebuilt
            depth[id(node)] = d
    final = printer.doprint(local[id(expr)])
    return "(" + ", ".join(items + [final]) + ")[-1]"
