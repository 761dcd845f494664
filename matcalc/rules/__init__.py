"""The rule catalogue: structural rules, the elementary-function table and the rules for
several variables (gradient, Jacobian, total derivative, vector chain rule), as data."""
from .catalogue import RULES, Rule, rule_info
from .elementary import ELEMENTARY, Elementary, lookup
from . import multivariate  # noqa: E402,F401  (registers its rules, listed last)
from . import matrix  # noqa: E402,F401  (matrix calculus rules)
from . import graph  # noqa: E402,F401  (computation-graph rules)

__all__ = ["RULES", "Rule", "rule_info", "ELEMENTARY", "Elementary", "lookup"]
