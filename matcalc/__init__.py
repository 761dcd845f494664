"""matcalc: derivatives derived by hand-quality, named steps, and verified numerically.

>>> from matcalc import derive
>>> d = derive("ln(sin(x^3)^2)")
>>> d.result
6*x**2*cos(x**3)/sin(x**3)

The public names are loaded on first use (a module ``__getattr__``), so that
``matcalc --version`` and ``matcalc --help`` start without importing SymPy or NumPy.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

#: public name -> the module that defines it
_LAZY = {
    "derive": ".api",
    "graph": ".api",
    "gradient": ".api",
    "jacobian": ".api",
    "hessian": ".api",
    "backprop": ".api",
    "check": ".api",
    "Derivation": ".derivation",
    "Limits": ".options",
    "Options": ".options",
}

__all__ = ["__version__", "derive", "gradient", "jacobian", "hessian", "graph", "backprop",
           "check", "Derivation", "Options", "Limits"]

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .api import backprop, check, derive, gradient, graph, hessian, jacobian
    from .derivation import Derivation
    from .options import Limits, Options


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'matcalc' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value          # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
