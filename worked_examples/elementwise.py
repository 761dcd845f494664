"""The element-wise vector derivatives seed 001 tabulates, with declared shapes: each
holds for vectors of any length n, and matcalc derives it symbolically (diag(x), I, 1^T...).

Each entry: a name, where it comes from, the command's arguments after ``matcalc`` and
the seed's answer in matcalc syntax (with the same shapes). tests/test_worked_shapes.py
runs each command, compares the answer with the seed's at random sizes, checks that it
verifies, and compiles its LaTeX.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ElementwiseExample:
    name: str
    source: str
    command: tuple[str, ...]
    seed_answer: str
    note: str = ""


def _cmd(kind: str, expr: str, wrt: str, *shapes: str) -> tuple[str, ...]:
    out = [kind, expr, "--wrt", wrt]
    for s in shapes:
        out += ["--shape", s]
    return tuple(out)


W, X = "w:n", "x:n"

ELEMENTWISE_EXAMPLES: tuple[ElementwiseExample, ...] = (
    ElementwiseExample("sum_wrt_w", "001 (element-wise binary operators: w + x)",
                       _cmd("jacobian", "w + x", "w", W, X), "eye(n)"),
    ElementwiseExample("difference_wrt_x", "001 (element-wise binary operators: w - x)",
                       _cmd("jacobian", "w - x", "x", W, X), "-eye(n)"),
    ElementwiseExample("product_wrt_w", "001 (element-wise product w (x) x)",
                       _cmd("jacobian", "w * x", "w", W, X), "diag(x)"),
    ElementwiseExample("quotient_wrt_x", "001 (element-wise quotient w / x)",
                       _cmd("jacobian", "w / x", "x", W, X), "diag(-w/x^2)"),
    ElementwiseExample("vector_plus_scalar_wrt_z", "001 (scalar expansion: x + z)",
                       _cmd("jacobian", "x + z", "z", X), "ones(n, 1)"),
    ElementwiseExample("vector_times_scalar_wrt_x", "001 (scalar expansion: x z)",
                       _cmd("jacobian", "x * z", "x", X), "z*eye(n)"),
    ElementwiseExample("vector_times_scalar_wrt_z", "001 (scalar expansion: x z)",
                       _cmd("jacobian", "x * z", "z", X), "x"),
    ElementwiseExample("sum_of_entries", "001 (vector sum reduction)",
                       _cmd("jacobian", "sum(x)", "x", X), "ones(1, n)"),
    ElementwiseExample("dot_as_jacobian", "001 (dot product: dy/dw = x^T)",
                       _cmd("jacobian", "dot(w, x)", "w", W, X), "x.T"),
    ElementwiseExample("dot_gradient", "001 (dot product; the gradient is x)",
                       _cmd("derive", "dot(w, x)", "w", W, X), "x"),
    ElementwiseExample("wT_x_wrt_x", "001 (w^T x)",
                       _cmd("derive", "w.T @ x", "x", W, X), "w"),
    ElementwiseExample("tanh", "001 (element-wise activation)",
                       _cmd("jacobian", "tanh(x)", "x", X), "diag(1 - tanh(x)^2)"),
    ElementwiseExample("sigmoid", "001 (element-wise activation)",
                       _cmd("jacobian", "sigmoid(x)", "x", X),
                       "diag(sigmoid(x)*(1 - sigmoid(x)))"),
    ElementwiseExample("relu", "001 (element-wise activation; 0 at the kink, as PyTorch)",
                       _cmd("jacobian", "relu(x)", "x", X), "diag(step(x))"),
    ElementwiseExample("neuron_wrt_w", "001 (neuron activation max(0, w.x + b))",
                       _cmd("derive", "max(0, dot(w, x) + b)", "w", W, X),
                       "step(dot(w, x) + b)*x",
                       note="The seed writes it piecewise: 0 where w.x + b <= 0, x otherwise."),
    ElementwiseExample("neuron_wrt_b", "001 (neuron activation max(0, w.x + b))",
                       _cmd("derive", "max(0, dot(w, x) + b)", "b", W, X),
                       "step(dot(w, x) + b)"),
    ElementwiseExample("cost_wrt_w", "001 (squared-error cost, one example per row of X)",
                       _cmd("derive", "sum((y - relu(X @ w + b))^2) / N", "w",
                            "X:N,n", "w:n", "y:N"),
                       "-2/N * X.T @ ((y - relu(X @ w + b)) * step(X @ w + b))",
                       note="The seed's C = (1/N) sum_i (y_i - max(0, w.x_i + b))^2 with the "
                            "examples x_i as the rows of X."),
    ElementwiseExample("cost_wrt_b", "001 (squared-error cost)",
                       _cmd("derive", "sum((y - relu(X @ w + b))^2) / N", "b",
                            "X:N,n", "w:n", "y:N"),
                       "-2/N * sum((y - relu(X @ w + b)) * step(X @ w + b))"),
)
