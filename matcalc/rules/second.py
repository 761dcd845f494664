"""Catalogue entries for second and higher derivatives: orders, Hessians, the second
differential of Magnus and Neudecker, and Kronecker forms of matrix Jacobians.

The steps are built in :mod:`matcalc.kinds.derivative` (``--order``),
:mod:`matcalc.kinds.hessian` and :mod:`matcalc.matrix.second`; these records give each
move its stable name and identity.
"""
from __future__ import annotations

from .catalogue import Rule, register

for _r in [
    Rule("derivative_order_zero", "order 0: the function itself",
         "d^0 f/dx^0 = f", r"\frac{d^{0} f}{dx^{0}} = f",
         "matcalc derive \"x^3 sin(x)\" --order 0", kind="rewrite"),
    Rule("constant_as_typed", "the input as typed is a constant",
         "x^0 = 1 for x != 0; terms that cancel (x - x = 0): d/dx of the constant is 0",
         r"x^{0} = 1 \quad (x \neq 0)", "matcalc derive \"x^0\"", kind="rewrite"),
    Rule("absent_variable", "the variable does not occur",
         "d f/dz = 0 when z does not occur in f", r"\frac{\partial f}{\partial z} = 0",
         "matcalc derive \"x^2\" --wrt z",
         note="the variable does not occur in the expression, so the derivative is 0"),
    Rule("mixed_partial_symmetry", "symmetry of mixed partials",
         "d^2f/dxdy = d^2f/dydx where the second partials are continuous (Schwarz)",
         r"\frac{\partial^{2} f}{\partial x \, \partial y} = "
         r"\frac{\partial^{2} f}{\partial y \, \partial x}",
         "matcalc hessian \"x^2 y + y^3\" --wrt x,y", kind="rewrite"),
    Rule("assemble_hessian", "assemble the Hessian",
         "H[i, j] = d^2f/dx_i dx_j: row i is the gradient of df/dx_i (symmetric)",
         r"H_{ij} = \frac{\partial^{2} f}{\partial x_i \, \partial x_j}",
         "matcalc hessian \"x^2 y + y^3\" --wrt x,y", kind="rewrite"),
    Rule("hessian_second_differential", "Hessian by the second differential",
         "df = tr(G^T dX); d^2f = d(df) with dX constant = tr(dX^T dG); "
         "d^2f = dx^T H dx gives the Hessian H (Magnus and Neudecker)",
         r"d^{2} f = d\mathbf{x}^{\top} H \, d\mathbf{x}",
         "matcalc hessian \"log(sum(exp(x)))\" --shape x:n --wrt x"),
    Rule("second_differential", "second differential",
         "d^2f = d(df) with dx held constant (d(dx) = 0); for df = g^T dx: d^2f = dx^T dg",
         r"d^{2} f = d(df)\big|_{d\mathbf{x}\ \mathrm{constant}} = d\mathbf{x}^{\top} d\mathbf{g}",
         "matcalc hessian \"x.T @ A @ x\" --shape x:n --shape A:n,n --wrt x"),
    Rule("read_off_hessian", "read off the Hessian (symmetrised)",
         "d^2f = dx^T J dx for every dx gives H = (J + J^T)/2: a quadratic form sees only "
         "the symmetric part",
         r"d^{2} f = d\mathbf{x}^{\top} J \, d\mathbf{x}\ \Rightarrow\ "
         r"H = \tfrac{1}{2}\left(J + J^{\top}\right)",
         "matcalc hessian \"x.T @ A @ x\" --shape x:n --shape A:n,n --wrt x", kind="rewrite"),
    Rule("name_softmax", "name the softmax",
         "exp(x)/sum(exp(x)) = softmax(x): one factor 1/sum(exp(x)) for each exp(x)",
         r"\frac{e^{\mathbf{x}}}{\mathbf{1}^{\top} e^{\mathbf{x}}} = \operatorname{softmax}(\mathbf{x})",
         "matcalc hessian \"log(sum(exp(x)))\" --shape x:n --wrt x", kind="rewrite"),
    Rule("vec_kronecker", "vec of a product (Kronecker)",
         "vec(A dX B) = (B^T kron A) vec(dX); vec(A dX^T B) = (B^T kron A) K vec(dX), "
         "column-major vec, K the commutation matrix",
         r"\operatorname{vec}(A \, dX \, B) = (B^{\top} \otimes A) \operatorname{vec}(dX)",
         "matcalc hessian \"trace(X.T @ A @ X)\" --shape X:n,k --shape A:n,n --wrt X",
         kind="rewrite"),
]:
    register(_r)
