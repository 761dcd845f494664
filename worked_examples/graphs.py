"""The computation graphs of the lecture notes (../shared/seeds/), with the notes' numbers.

Each entry: a name, where it comes from, the ``matcalc graph`` input (expression, --at,
--where), the node definitions the notes write (``nodes``: name -> expression, matcalc
syntax, in the graph's own names), the forward values (``values``), dJ/dn at the point
for nodes and inputs (``gradients``), the final dJ/d(input) as the notes write it
(``answers``, matcalc syntax, in the inputs and the --where names), and a note where
matcalc's graph differs from the seed's picture or the seed's arithmetic is wrong.
tests/test_worked_graphs.py builds every entry, checks all of it, compiles its LaTeX
(with the TikZ picture) and, when Graphviz is installed, draws its DOT.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GraphExample:
    name: str
    source: str
    input: str
    at: str | None = None
    where: str | None = None
    nodes: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    gradients: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    paths: dict[str, int] = field(default_factory=dict)
    note: str = ""


GRAPH_EXAMPLES: tuple[GraphExample, ...] = (
    GraphExample(
        "j_3_a_plus_bc", "000, 003, 004 (computation graph J = 3(a + bc), a = 5, b = 3, c = 2)",
        "3*(a + b*c)", at="a=5,b=3,c=2",
        nodes={"u": "b*c", "v": "a + u", "J": "3*v"},
        values={"u": "6", "v": "11", "J": "33"},
        gradients={"v": "3", "u": "3", "a": "3", "b": "6", "c": "9"},
        answers={"a": "3", "b": "3c", "c": "3b"},
        paths={"a": 1, "b": 1, "c": 1},
        note="Seed 000 writes v = a + uv (an OCR slip); the graph has v = a + u, as 003 and "
             "004 do."),
    GraphExample(
        "x_exp_x_squared", "001 (x e^(x^2): separate every instance of x, multiply along "
        "each path, sum)",
        "x*exp(x^2)",
        nodes={"u": "x^2", "v": "exp(u)", "y": "v*x"},
        answers={"x": "e^(x^2)(2x^2 + 1)"},
        paths={"x": 2},
        note="The seed splits u1 = x^2 into x * x, so its picture has three instances of x "
             "and three paths (x e^(x^2) x + x e^(x^2) x + e^(x^2)); matcalc keeps x^2 as "
             "one power node, so x has two paths, y -> v -> u -> x (x * e^(x^2) * 2x) and "
             "y -> x (e^(x^2)), with the same sum. The seed's last line '= exp(x^2)' drops "
             "the first two terms; the sum is e^(x^2)(2x^2 + 1)."),
    GraphExample(
        "x_exp_x_squared_at_1", "001 (the same graph at x = 1)",
        "x*exp(x^2)", at="x=1",
        values={"u": "1", "v": "e", "y": "e"},
        gradients={"v": "1", "u": "e", "x": "3*e"},
        answers={"x": "e^(x^2)(2x^2 + 1)"},
        paths={"x": 2}),
    GraphExample(
        "ln_sin_cube_squared", "001 (intermediate variables u1 = x^3 ... y = ln(u3))",
        "ln(sin(x^3)^2)",
        nodes={"u": "x^3", "v": "sin(u)", "w": "v^2", "y": "ln(w)"},
        answers={"x": "6x^2 cos(x^3)/sin(x^3)"},
        paths={"x": 1},
        note="The seed names the nodes u1, u2, u3, u4; matcalc names three intermediates "
             "u, v, w (more than three get u1, u2, ...)."),
    GraphExample(
        "logistic_regression_single_example", "000, 003 (logistic regression: "
        "z = w1 x1 + w2 x2 + b, a = sigma(z), L(a, y))",
        "-(y*log(a) + (1-y)*log(1-a))",
        where="z = w1*x1 + w2*x2 + b; a = sigmoid(z)",
        nodes={"z": "b + u1 + u2", "a": "sigmoid(z)"},
        gradients={"a": "-y/a + (1 - y)/(1 - a)", "z": "a - y"},
        answers={"w1": "(a - y) x1", "w2": "(a - y) x2", "b": "a - y",
                 "x1": "(a - y) w1", "x2": "(a - y) w2"},
        paths={"w1": 2, "b": 2},
        note="The notes' dL/da = -y/a + (1 - y)/(1 - a), da/dz = a(1 - a) and dL/dz = a - y "
             "are the backward pass's steps at a and z (symbolic: no --at)."),
    GraphExample(
        "logistic_regression_at_a_point", "000, 003 (the same graph at a point)",
        "-(y*log(a) + (1-y)*log(1-a))", at="w1=1,x1=2,w2=-1,x2=1,b=0,y=1",
        where="z = w1*x1 + w2*x2 + b; a = sigmoid(z)",
        values={"z": "1", "a": "sigmoid(1)"},
        gradients={"z": "sigmoid(1) - 1", "w1": "2*(sigmoid(1) - 1)", "b": "sigmoid(1) - 1"},
        answers={"w1": "(a - y) x1", "b": "a - y"}),
    GraphExample(
        "f_of_a_3a", "004 (slope of f(a) = 3a at a = 2)",
        "3a", at="a=2",
        nodes={"y": "3a"},
        values={"y": "6"},
        gradients={"a": "3"},
        answers={"a": "3"},
        paths={"a": 1}),
)
