"""Backward passes of the notes (seeds 000 and 002) and two more networks, as programs in
worked_examples/programs/, with the equations the notes write (matcalc syntax).

tests/test_worked_backprop.py runs ``matcalc backprop`` on each program, compares every
equation with the notes' at random sizes, checks the verification, compiles the LaTeX and
runs the emitted NumPy module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS = Path(__file__).parent / "programs"


@dataclass(frozen=True)
class BackpropExample:
    name: str
    source: str
    program: str                 # file name in worked_examples/programs/
    wrt: str
    equations: dict[str, str] = field(default_factory=dict)   # adjoint name -> notes' form
    note: str = ""

    @property
    def path(self) -> Path:
        return PROGRAMS / self.program


BACKPROP_EXAMPLES: tuple[BackpropExample, ...] = (
    BackpropExample(
        "mlp_2layer", "002 (the six backpropagation equations) and 000", "mlp_2layer.mc",
        "W1,b1,W2,b2",
        {"dZ2": "A2 - Y", "dW2": "(1/m) * dZ2 @ A1.T",
         "db2": "(1/m) * sum(dZ2, axis=1)",
         "dZ1": "(W2.T @ dZ2) * (1 - A1^2)",          # g'(Z1) = 1 - tanh(Z1)^2 = 1 - A1^2
         "dW1": "(1/m) * dZ1 @ X.T", "db1": "(1/m) * sum(dZ1, axis=1)"}),
    BackpropExample(
        "logistic_regression", "002 (vectorized logistic regression)",
        "logistic_regression.mc", "w,b",
        {"dZ": "A - Y", "dw": "(1/m) * X @ dZ.T", "db": "(1/m) * sum(dZ)"}),
    BackpropExample(
        "softmax_relu", "a relu hidden layer, softmax cross-entropy output", "softmax_relu.mc",
        "W1,b1,W2,b2",
        {"dZ2": "softmax(Z2) * (ones(k, k) @ Y) - Y", "dW2": "(1/m) * dZ2 @ A1.T",
         "db2": "(1/m) * sum(dZ2, axis=1)", "dZ1": "(W2.T @ dZ2) * step(Z1)",
         "dW1": "(1/m) * dZ1 @ X.T", "db1": "(1/m) * sum(dZ1, axis=1)"},
        note="With one-hot Y, ones(k, k) @ Y is all ones and dZ2 = softmax(Z2) - Y."),
)
