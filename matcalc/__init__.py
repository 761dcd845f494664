"""matcalc: derivatives derived by hand-quality, named steps, and verified numerically.

>>> from matcalc import derive
>>> d = derive("ln(sin(x^3)^2)")
>>> d.result
6*x**2*cos(x**3)/sin(x**3)
"""
from ._version import __version__
from .api import backprop, derive, gradient, graph, jacobian
from .derivation import Derivation
from .options import Limits, Options

__all__ = ["__version__", "derive", "gradient", "jacobian", "graph", "backprop", "Derivation",
           "Options", "Limits"]
