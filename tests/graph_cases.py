"""Data-driven computation-graph cases: (expression, --at, --where, rules its steps use)."""
from __future__ import annotations

GRAPH_CASES = [
    ("3*(a + b*c)", "a=5,b=3,c=2", None,
     ["computation_graph", "forward_pass", "backward_pass", "variable", "chain", "path_sum",
      "sum", "constant_multiple", "simplify"]),
    ("x*exp(x^2)", None, None, ["total_derivative", "exp", "power", "path_sum"]),
    ("-(y*log(a) + (1-y)*log(1-a))", None, "z = w1*x1 + w2*x2 + b; a = sigmoid(z)",
     ["sigmoid", "ln", "total_derivative", "substitute"]),
]
