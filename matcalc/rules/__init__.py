"""The rule catalogue: structural rules, the elementary-function table and the rules for
several variables (gradient, Jacobian, total derivative, vector chain rule), as data."""
from .catalogue import RULES, Rule, rule_info
from .elementary import ELEMENTARY, Elementary, lookup

from ..engine.solver import Solver
from ..engine.solver import derive_steps as _derive_steps
from ..engine.step import Step
from . import multivariate  # noqa: E402,F401  (registers its rules, listed last)
from . import matrix  # noqa: E402,F401  (matrix calculus rules)
from . import graph  # noqa: E402,F401  (computation-graph rules)
from . import second  # noqa: E402,F401  (higher orders, Hessians, Kronecker forms)

from .structural import find_rule  # noqa: E402  (the solver's rule table)

__all__ = ["RULES", "Rule", "rule_info", "ELEMENTARY", "Elementary", "lookup", "find_rule",
           "new_solver", "derive_steps"]


def new_solver(roots: list) -> Solver:
    """A Solver over the catalogue's rules (``roots``: the expressions of the derivation,
    so that fresh names u1, u2 ... avoid the user's symbols)."""
    return Solver(roots, find_rule)


def derive_steps(expr, var, solver: Solver | None = None) -> Step:
    """The Step tree of d expr / d var by the catalogue's rules (a new Solver unless one
    is given: pass one for all the parts of a larger derivation)."""
    return _derive_steps(expr, var, solver or new_solver([expr, var]))

