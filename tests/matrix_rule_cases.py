"""Every matrix rule of the catalogue is exercised by the example command its record
gives (tests/test_rules.py runs them all and checks the coverage)."""
from __future__ import annotations

import shlex
from pathlib import Path

from matcalc.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


def matrix_rule_examples() -> list[tuple[str, list[str]]]:
    """(rule name, CLI arguments) for every rule whose example declares shapes or runs a
    backprop program (program paths are relative to the repository's root)."""
    out = []
    for name, rule in RULES.items():
        if rule.example.startswith("matcalc ") and ("--shape" in rule.example
                                                    or "matcalc backprop" in rule.example):
            args = shlex.split(rule.example)[1:]
            out.append((name, [str(ROOT / a) if a.endswith(".mc") else a for a in args]))
    return out
