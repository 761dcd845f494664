"""matcalc: derivatives derived by hand-quality, named steps, and verified numerically.

>>> from matcalc import derive
>>> d = derive("ln(sin(x^3)^2)")
>>> d.result
6*x**2*cos(x**3)/sin(x**3)
"""
from ._version import __version__
from .api import derive
from .api_graph import graph
from .api_multi import gradient, jacobian
from .api_backprop import backprop
from .derivation import Derivation
from .options import Limits, Options

__all__ = ["__version__", "derive", "gradient", "jacobian", "graph", "backprop", "Derivation",
           "Options", "Limits"]
