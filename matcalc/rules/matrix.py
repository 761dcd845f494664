"""Catalogue entries for matrix calculus: the differential rules (Magnus and Neudecker),
the moves that bring a differential to the form tr(G^T dX) or J dx, and the read-off.

The steps are built in :mod:`matcalc.matrix.differential`, :mod:`matcalc.matrix.readoff`
and :mod:`matcalc.matrix.derive`; these records give each move its stable name.
"""
from __future__ import annotations

from .catalogue import Rule, register

_S = "--shape"
for _r in [
    Rule("matrix_differential", "matrix-differential method",
         "df = tr(G^T dX) for all dX  =>  df/dX = G",
         r"\mathrm{d}f = \operatorname{tr}(G^{T}\,\mathrm{d}X)\ \Rightarrow\ "
         r"\frac{\partial f}{\partial X} = G",
         f"matcalc derive \"x.T @ A @ x\" {_S} x:n {_S} A:n,n --wrt x"),
    Rule("d_variable", "differential of the variable", "d(X) = dX", r"\mathrm{d}X",
         f"matcalc derive \"sum(x)\" {_S} x:n"),
    Rule("d_constant", "differential of a constant", "d(A) = 0 (A does not depend on X)",
         r"\mathrm{d}A = 0", f"matcalc derive \"tr(A)\" {_S} A:n,n {_S} X:n,n --wrt X"),
    Rule("d_sum", "sum rule (differentials)", "d(A + B) = dA + dB",
         r"\mathrm{d}(A + B) = \mathrm{d}A + \mathrm{d}B",
         f"matcalc derive \"sum(A @ x + x)\" {_S} A:n,n {_S} x:n --wrt x"),
    Rule("d_product", "product rule (differentials)", "d(AB) = dA B + A dB",
         r"\mathrm{d}(AB) = \mathrm{d}A\,B + A\,\mathrm{d}B",
         f"matcalc derive \"tr(A @ X @ B @ X)\" {_S} A:n,n {_S} B:n,n {_S} X:n,n --wrt X"),
    Rule("d_scalar_product", "product rule (scalar or 1 x 1)", "d(ab) = da b + a db",
         r"\mathrm{d}(ab) = \mathrm{d}a\,b + a\,\mathrm{d}b",
         f"matcalc derive \"x.T @ A @ x\" {_S} x:n {_S} A:n,n --wrt x"),
    Rule("d_scalar_sum", "sum rule (scalars)", "d(a + b) = da + db",
         r"\mathrm{d}(a + b) = \mathrm{d}a + \mathrm{d}b",
         f"matcalc derive \"tr(X) + tr(X^2)\" {_S} X:n,n"),
    Rule("d_scalar_chain", "chain rule (scalar function)", "d phi(s) = phi'(s) ds",
         r"\mathrm{d}\,\varphi(s) = \varphi'(s)\,\mathrm{d}s",
         f"matcalc derive \"log(tr(X))\" {_S} X:n,n"),
    Rule("d_transpose", "transpose rule", "d(A^T) = (dA)^T",
         r"\mathrm{d}(A^{T}) = (\mathrm{d}A)^{T}", f"matcalc derive \"tr(X.T @ X)\" {_S} X:n,n"),
    Rule("d_inverse", "inverse rule", "d(A^-1) = -A^-1 dA A^-1",
         r"\mathrm{d}(A^{-1}) = -A^{-1}\,\mathrm{d}A\,A^{-1}",
         f"matcalc derive \"a.T @ inv(X) @ b\" {_S} a:n {_S} b:n {_S} X:n,n --wrt X"),
    Rule("d_matrix_power", "power of a matrix", "d(A^k) = sum_i A^i dA A^(k-1-i)",
         r"\mathrm{d}(A^{k}) = \sum_{i=0}^{k-1} A^{i}\,\mathrm{d}A\,A^{k-1-i}",
         f"matcalc derive \"tr(X^3)\" {_S} X:n,n"),
    Rule("d_trace", "trace rule", "d tr(A) = tr(dA)",
         r"\mathrm{d}\operatorname{tr}(A) = \operatorname{tr}(\mathrm{d}A)",
         f"matcalc derive \"tr(A @ X)\" {_S} A:n,n {_S} X:n,n --wrt X"),
    Rule("d_det", "determinant (Jacobi's formula)", "d det(A) = det(A) tr(A^-1 dA)",
         r"\mathrm{d}\det A = \det A\,\operatorname{tr}(A^{-1}\,\mathrm{d}A)",
         f"matcalc derive \"det(X)\" {_S} X:n,n"),
    Rule("d_logdet", "log-determinant", "d log det(A) = tr(A^-1 dA)",
         r"\mathrm{d}\log\det A = \operatorname{tr}(A^{-1}\,\mathrm{d}A)",
         f"matcalc derive \"logdet(X)\" {_S} X:n,n"),
    Rule("d_hadamard", "element-wise product rule", "d(A o B) = dA o B + A o dB",
         r"\mathrm{d}(A \odot B) = \mathrm{d}A \odot B + A \odot \mathrm{d}B",
         f"matcalc derive \"sum(x * x)\" {_S} x:n"),
    Rule("d_elementwise", "element-wise function", "d f(A) = f'(A) o dA",
         r"\mathrm{d}f(A) = f'(A) \odot \mathrm{d}A",
         f"matcalc jacobian \"tanh(x)\" {_S} x:n"),
    Rule("d_diag", "diagonal matrix", "d diag(x) = diag(dx)",
         r"\mathrm{d}\operatorname{diag}(x) = \operatorname{diag}(\mathrm{d}x)",
         f"matcalc jacobian \"diag(x) @ a\" {_S} x:n {_S} a:n --wrt x"),
    Rule("d_norm", "norm", "d||x|| = x^T dx / ||x||",
         r"\mathrm{d}\lVert x\rVert = \frac{x^{T}\mathrm{d}x}{\lVert x\rVert}",
         f"matcalc derive \"norm(x - a)\" {_S} x:n {_S} a:n --wrt x"),
    Rule("d_softmax", "softmax", "ds = s o dz - s (s^T dz), s = softmax(z)",
         r"\mathrm{d}s = s \odot \mathrm{d}z - s\,(s^{T}\mathrm{d}z)",
         f"matcalc jacobian \"softmax(z)\" {_S} z:n"),
    Rule("d_log_softmax", "log-softmax", "d log softmax(z) = dz - 1 (s^T dz)",
         r"\mathrm{d}\log\operatorname{softmax}(z) = \mathrm{d}z - \mathbf{1}\,(s^{T}\mathrm{d}z)",
         f"matcalc derive \"-sum(y * log_softmax(z))\" {_S} y:n {_S} z:n --wrt z"),
    Rule("expand_differential", "expand the differential",
         "write d f as a sum of terms, each containing dX once",
         r"\mathrm{d}f = \textstyle\sum_i t_i(\mathrm{d}X)",
         f"matcalc derive \"tr((X + A) @ (X - A))\" {_S} X:n,n {_S} A:n,n --wrt X",
         kind="rewrite"),
    Rule("trace_form", "into the form tr(G^T dX)",
         "tr(ABC) = tr(CAB); a scalar is its own transpose; tr(A^T (B o C)) = tr((A o B)^T C)",
         r"\operatorname{tr}(S^{T} L\,\mathrm{d}X\,R) = "
         r"\operatorname{tr}\big((L^{T} S R^{T})^{T}\mathrm{d}X\big)",
         f"matcalc derive \"a.T @ X @ b\" {_S} a:m {_S} b:n {_S} X:m,n --wrt X", kind="rewrite"),
    Rule("read_off_gradient", "read off the gradient",
         "df = tr(G^T dX) for every dX  =>  df/dX = G (the shape of X)",
         r"\mathrm{d}f = \operatorname{tr}(G^{T}\mathrm{d}X) \Rightarrow "
         r"\frac{\partial f}{\partial X} = G",
         f"matcalc derive \"tr(X)\" {_S} X:n,n", kind="rewrite"),
    Rule("collect_terms", "collect a common factor", "A x + B x = (A + B) x",
         r"A x + B x = (A + B)\,x",
         f"matcalc derive \"x.T @ A @ x\" {_S} x:n {_S} A:n,n --wrt x", kind="rewrite"),
    Rule("jacobian_form", "into the form J dx", "A dx -> A;  a o dx = diag(a) dx;  x (a^T dx) = (x a^T) dx",
         r"a \odot \mathrm{d}x = \operatorname{diag}(a)\,\mathrm{d}x",
         f"matcalc jacobian \"w * x\" {_S} w:n {_S} x:n --wrt w", kind="rewrite"),
    Rule("read_off_jacobian", "read off the Jacobian", "df = J dx  =>  df/dx = J (numerator layout)",
         r"\mathrm{d}f = J\,\mathrm{d}x \Rightarrow \frac{\partial f}{\partial x} = J",
         f"matcalc jacobian \"A @ x\" {_S} A:m,n {_S} x:n --wrt x", kind="rewrite"),
    Rule("gradient_as_jacobian", "gradient as a Jacobian", "the Jacobian of a scalar is the gradient transposed",
         r"\frac{\partial f}{\partial x^{T}} = \left(\nabla f\right)^{T}",
         f"matcalc jacobian \"dot(w, x)\" {_S} w:n {_S} x:n --wrt w", kind="rewrite"),
    Rule("vector_jacobian_product", "vector-Jacobian product",
         "dL = tr(G^T df): dL/dW is read off without forming the 3-D Jacobian df/dW",
         r"\mathrm{d}L = \operatorname{tr}(G^{T}\mathrm{d}f)",
         f"matcalc jacobian \"W @ x\" {_S} W:m,n {_S} x:n --wrt W", kind="rewrite"),
    Rule("expand_dimensions", "components at a size",
         "a symbolic result written out at concrete sizes (--dim n=3)",
         r"\operatorname{diag}(x) = \begin{bmatrix} x_1 & 0 \\ 0 & x_2 \end{bmatrix}",
         f"matcalc jacobian \"w * x\" {_S} w:n {_S} x:n --wrt w --dim n=3", kind="rewrite"),
]:
    register(_r)

_MLP = "matcalc backprop worked_examples/programs/mlp_2layer.mc --wrt W1,b1,W2,b2"
_SOFTMAX = "matcalc backprop worked_examples/programs/softmax_relu.mc --wrt W1,b1,W2,b2"
for _r in [
    Rule("normalisation", "normalisation J = c L",
         "J = (1/m) L: backpropagate L, multiply the parameters' gradients by 1/m",
         r"J = \tfrac{1}{m} L \Rightarrow \frac{\partial J}{\partial W} = "
         r"\tfrac{1}{m}\frac{\partial L}{\partial W}", _MLP, kind="rewrite"),
    Rule("backprop_adjoint", "backpropagate (vector-Jacobian product)",
         "dV = sum over the lines U = g(V) of the read-off of tr(dU^T dg)",
         r"\mathrm{d}V = \sum_{U = g(V)} \frac{\partial}{\partial V}"
         r"\operatorname{tr}\!\left(\mathrm{d}U^{T} g(V)\right)", _MLP),
    Rule("collapse", "substitute and simplify entry by entry",
         "dZ = dA o f'(Z) with dA substituted, simplified entry by entry "
         "(sigmoid + cross-entropy: A - Y)",
         r"\mathrm{d}Z = \mathrm{d}A \odot f'(Z) = A - Y", _MLP, kind="rewrite"),
    Rule("substitute_adjoint", "substitute the activation's adjoint",
         "dZ = dA o f'(Z) with dA written out and f'(Z) in the forward value A = f(Z) "
         "(tanh'(Z) = 1 - A^2)", r"\mathrm{d}Z = \mathrm{d}A \odot f'(Z)",
         _MLP, kind="rewrite"),
    Rule("one_hot_labels", "one-hot labels",
         "with one-hot labels 1 1^T Y = 1 1^T, so softmax o (1 1^T Y) - Y = softmax - Y",
         r"\mathbf{1}\mathbf{1}^{T} Y = \mathbf{1}\mathbf{1}^{T}", _SOFTMAX, kind="rewrite"),
]:
    register(_r)
