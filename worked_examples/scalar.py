"""The scalar derivations of the lecture notes (../shared/seeds/), with the notes' own answers.

Each entry: a name, where it comes from, the input and variable, the answer as the seed
writes it (matcalc syntax), and a note where the seed's arithmetic is wrong (matcalc gives
the correct result; the test checks against the corrected answer and says so).
tests/test_worked_examples.py derives every entry, compares it with the seed's answer and
compiles its LaTeX.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str
    source: str
    input: str
    wrt: str
    seed_answer: str
    note: str = ""


SCALAR_EXAMPLES: tuple[Example, ...] = (
    Example("ln_sin_cube_squared", "001 (intermediate variables u1..u4)",
            "ln(sin(x^3)^2)", "x", "6x^2 cos(x^3)/sin(x^3)"),
    Example("x_exp_x_squared", "001 (computation graph, sum over paths)",
            "x e^(x^2)", "x", "e^(x^2)(2x^2 + 1)"),
    Example("two_x2_plus_9_cubed", "001 (chain rule, u = x^2 + 9)",
            "2(x^2 + 9)^3", "x", "6(x^2 + 9)^2 * 2x"),
    Example("sin_x_squared", "000 (chain rule, example 1)",
            "sin(x^2)", "x", "2x cos(x^2)"),
    Example("three_x_plus_2_to_5", "000 (chain rule, example 2)",
            "(3x + 2)^5", "x", "15(3x + 2)^4"),
    Example("ln_x_squared", "001 (chain rule table)",
            "ln(x^2)", "x", "2/x",
            note="The seed's rule table writes d/dx ln(x^2) = (1/x^2) 2x = 1/x; the product "
                 "is 2/x (its own worked derivation below the table gets 2x/x^2 = 2/x)."),
    Example("f_of_a_3a", "004 (slope of f(a) = 3a)",
            "3a", "a", "3"),
    Example("partial_x_3x2_2y_plus_7", "001 (partial derivatives)",
            "3x^2(2y+7)", "x", "6x(2y + 7)"),
    Example("partial_y_3x2_2y_plus_7", "001 (partial derivatives)",
            "3x^2(2y+7)", "y", "6x^2"),
)
