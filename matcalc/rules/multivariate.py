"""Catalogue entries for derivatives with respect to several variables at once.

Gradients and Jacobians are assembled from ordinary one-variable derivations (the partials,
each with the other variables held constant); named intermediate variables are handled by
the total-derivative chain rule (scalars) and the vector chain rule (vector functions).
The steps themselves are built in :mod:`matcalc.engine.multi` and
:mod:`matcalc.engine.total`; these records give each move its stable name and identity.
"""
from __future__ import annotations

from .catalogue import Rule, register

for _r in [
    Rule("assemble_gradient", "assemble the gradient",
         "grad f(x, y) = [df/dx, df/dy] (each a partial derivative, the others held constant)",
         r"\nabla f(x, y) = \left[\frac{\partial f}{\partial x},\ \frac{\partial f}{\partial y}\right]",
         "matcalc grad \"3x^2(2y+7)\" --wrt x,y", kind="rewrite"),
    Rule("assemble_jacobian", "assemble the Jacobian",
         "J[i, j] = df_i/dx_j: row i is the gradient of f_i (numerator layout)",
         r"J = \frac{\partial \mathbf{f}}{\partial \mathbf{x}},\quad "
         r"J_{ij} = \frac{\partial f_i}{\partial x_j}",
         "matcalc jacobian \"[3x^2(2y+7), 4x + y^2]\" --wrt x,y", kind="rewrite"),
    Rule("transpose_layout", "denominator layout (transpose)",
         "denominator layout = (numerator-layout Jacobian)^T: gradient = Jacobian transposed",
         r"\left(\frac{\partial \mathbf{f}}{\partial \mathbf{x}}\right)_{\text{den}} = J^{\top},"
         r"\quad (J^{\top})_{ji} = \frac{\partial f_i}{\partial x_j}",
         "matcalc jacobian \"[x*y, x + y]\" --wrt x,y --layout denominator", kind="rewrite"),
    Rule("total_derivative", "total derivative chain rule",
         "dy/dx = dy/dx|direct + sum_i (dy/dg_i)(dg_i/dx), each partial with the others "
         "held constant",
         r"\frac{dy}{dx} = \frac{\partial y}{\partial x} + "
         r"\sum_{i} \frac{\partial y}{\partial g_{i}}\,\frac{d g_{i}}{dx}",
         "matcalc derive \"x*u2\" --where \"u1 = x^2; u2 = exp(u1)\"", kind="derivative"),
    Rule("total_sum", "add the chain-rule terms",
         "dy/dx = dy/dx|direct + (dy/dg_1)(dg_1/dx) + ... (one product per path to x)",
         r"\frac{dy}{dx} = \frac{\partial y}{\partial x} + "
         r"\frac{\partial y}{\partial g_{1}}\frac{d g_{1}}{dx} + \cdots",
         "matcalc derive \"x*u2\" --where \"u1 = x^2; u2 = exp(u1)\"", kind="rewrite"),
    Rule("vector_chain_rule", "vector chain rule",
         "d f(g(x))/dx = (df/dg)(dg/dx): the product of the Jacobians",
         r"\frac{\partial \mathbf{f}}{\partial \mathbf{x}} = "
         r"\frac{\partial \mathbf{f}}{\partial \mathbf{g}}\,\frac{\partial \mathbf{g}}{\partial \mathbf{x}}",
         "matcalc jacobian \"[ln(g1), sin(g2)]\" --where \"g1 = x^2; g2 = 3x\" --wrt x",
         kind="derivative"),
    Rule("jacobian_product", "multiply the Jacobians",
         "(df/dg)(dg/dx)[i, j] = sum_k df_i/dg_k dg_k/dx_j",
         r"\left(\frac{\partial \mathbf{f}}{\partial \mathbf{g}}\frac{\partial \mathbf{g}}"
         r"{\partial \mathbf{x}}\right)_{ij} = \sum_{k} \frac{\partial f_i}{\partial g_k}"
         r"\frac{\partial g_k}{\partial x_j}",
         "matcalc jacobian \"[ln(g1), sin(g2)]\" --where \"g1 = x^2; g2 = 3x\" --wrt x",
         kind="rewrite"),
]:
    register(_r)
