"""Every matrix rule of the catalogue is exercised by the example command its record
gives (tests/test_rules.py runs them all and checks the coverage)."""
from __future__ import annotations

import shlex

from matcalc.rules import RULES


def matrix_rule_examples() -> list[tuple[str, list[str]]]:
    """(rule name, CLI arguments) for every rule whose example declares shapes."""
    out = []
    for name, rule in RULES.items():
        if rule.example.startswith("matcalc ") and "--shape" in rule.example:
            out.append((name, shlex.split(rule.example)[1:]))
    return out
