"""Catalogue entries for computation graphs (``matcalc graph``).

The backward pass's own steps reuse the existing rules: ``variable`` (dJ/dJ = 1),
``chain`` (a node used once: dJ/du = dJ/dv dv/du) and ``total_derivative`` (a node used
several times: the sum over its edges); the local derivative on every edge is named by
the rule that derived it (sum, product, constant multiple, exp, ln, sigmoid ...). The
steps are built in :mod:`matcalc.kinds.graph` over :mod:`matcalc.engine.graph`.
"""
from __future__ import annotations

from .catalogue import Rule, register

for _r in [
    Rule("computation_graph", "computation graph",
         "one node per elementary operation: J = 3(a + bc) is u = bc, v = a + u, J = 3v",
         r"J = 3(a + bc):\quad u = bc,\; v = a + u,\; J = 3v",
         "matcalc graph \"3*(a + b*c)\"", kind="rewrite"),
    Rule("forward_pass", "forward pass",
         "evaluate the nodes in order, inputs first: u = 3 * 2 = 6, v = 5 + 6 = 11, J = 33",
         r"u = 6,\; v = 11,\; J = 33",
         "matcalc graph \"3*(a + b*c)\" --at a=5,b=3,c=2", kind="rewrite"),
    Rule("backward_pass", "backward pass (reverse mode)",
         "dJ/dJ = 1; dJ/du = sum over the nodes v that use u of dJ/dv * dv/du, from the "
         "output back",
         r"\frac{\partial J}{\partial u} = \sum_{v \,\text{uses}\, u} "
         r"\frac{\partial J}{\partial v}\,\frac{\partial v}{\partial u}",
         "matcalc graph \"x*exp(x^2)\"", kind="derivative"),
    Rule("path_sum", "sum over all paths",
         "dy/dx = sum over the paths y -> ... -> x of the product of the local derivatives "
         "on the path's edges",
         r"\frac{\partial y}{\partial x} = \sum_{\text{paths } y \to x}\ "
         r"\prod_{(v, u) \in \text{path}} \frac{\partial v}{\partial u}",
         "matcalc graph \"x*exp(x^2)\"", kind="rewrite"),
]:
    register(_r)
