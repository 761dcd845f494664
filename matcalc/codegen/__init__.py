"""Code emitters for derivation results: NumPy expression text (no NumPy import needed)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc.codegen.numpy import to_numpy, to_numpy_array

if TYPE_CHECKING:
    from ..derivation import Derivation

__all__ = ["to_numpy", "emit"]


def emit(d: "Derivation") -> str:
    """A derivation's result as NumPy text: a backward pass as a module with forward() and
    backward(); results over declared shapes as matrix expressions (one ``# name:`` line
    each when there are several); a row of partials as an array of shape (n,); else one
    expression."""
    if d.program is not None:
        from ..matrix.emit import emit_numpy
        return emit_numpy(*d.program, source="")
    if d.shapes:
        from ..matrix.emit import results_numpy
        return results_numpy(d)
    import sympy as sp
    r = d.result
    if isinstance(r, sp.MatrixBase) and r.shape[0] == 1 and d.kind in ("gradient", "graph"):
        return to_numpy_array(list(r), (r.shape[1],))
    return to_numpy(r)
