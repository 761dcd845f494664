"""The rule catalogue: structural rules and the elementary-function table, as data."""
from .catalogue import RULES, Rule, rule_info
from .elementary import ELEMENTARY, Elementary, lookup

__all__ = ["RULES", "Rule", "rule_info", "ELEMENTARY", "Elementary", "lookup"]
