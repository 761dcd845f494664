"""Catalogue entries for matrix calculus: the differential rules (Magnus and Neudecker),
the moves that bring a differential to the form tr(G^T dX) or J dx, and the read-off.

The steps are built in :mod:`matcalc.matrix.differential`, :mod:`matcalc.matrix.readoff`
and :mod:`matcalc.matrix.derive`; these records give each move its stable name.
"""
from __future__ import annotations

from .catalogue import Rule, register

_S = "--shape"
_JAC_SOFTMAX = f"matcalc jacobian \"softmax(z)\" {_S} z:n"
_CE_SOFTMAX = f"matcalc derive \"-sum(y * log(softmax(z)))\" {_S} z:n {_S} y:n --wrt z"
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
         f"matcalc derive \"sum(A @ x + x)\" {_S} A:n,n {_S} x:n --wrt x --detail full"),
    Rule("d_product", "product rule (differentials)", "d(AB) = dA B + A dB",
         r"\mathrm{d}(AB) = \mathrm{d}A\,B + A\,\mathrm{d}B",
         f"matcalc derive \"tr(A @ X @ B @ X)\" {_S} A:n,n {_S} B:n,n {_S} X:n,n --wrt X"),
    Rule("d_constant_factor", "constant factors (linearity)",
         "d(A X B) = A dX B when A and B do not depend on the variable",
         r"\mathrm{d}(A X B) = A\,\mathrm{d}X\,B",
         f"matcalc derive \"tr(A @ X)\" {_S} A:n,n {_S} X:n,n --wrt X --detail full"),
    Rule("d_linear", "linearity",
         "d(A X B + C) = A dX B when only X varies (sum rule and constant factors at once)",
         r"\mathrm{d}(A X B + C) = A\,\mathrm{d}X\,B",
         f"matcalc derive \"sum(A @ x + b)\" {_S} A:n,n {_S} x:n {_S} b:n --wrt x"),
    Rule("d_scalar_product", "product rule", "d(ab) = da b + a db (scalars, or a 1 x 1 product)",
         r"\mathrm{d}(ab) = \mathrm{d}a\,b + a\,\mathrm{d}b",
         f"matcalc derive \"x.T @ A @ x\" {_S} x:n {_S} A:n,n --wrt x"),
    Rule("d_scalar_of", "a 1 x 1 product is a scalar", "d(a^T X b) = a^T dX b",
         r"\mathrm{d}(a^{T} X b) = a^{T}\,\mathrm{d}X\,b",
         f"matcalc derive \"a.T @ X @ b\" {_S} a:m {_S} b:n {_S} X:m,n --wrt X"),
    Rule("d_constant_multiple", "constant multiple rule", "d(c s) = c ds (c constant)",
         r"\mathrm{d}(c\,s) = c\,\mathrm{d}s",
         f"matcalc derive \"sum((X @ w - y)^2)/2\" {_S} X:m,n {_S} w:n {_S} y:m --wrt w "
         "--detail full"),
    Rule("d_sum_entries", "sum rule (sum of the entries)",
         "d sum(X) = sum(dX) = 1^T dX 1",
         r"\mathrm{d}\,\mathrm{sum}(X) = \mathrm{sum}(\mathrm{d}X) = "
         r"\mathbf{1}^{T}\mathrm{d}X\,\mathbf{1}",
         f"matcalc derive \"sum(x)\" {_S} x:n"),
    Rule("d_scalar_sum", "sum rule (scalars)", "d(a + b) = da + db",
         r"\mathrm{d}(a + b) = \mathrm{d}a + \mathrm{d}b",
         f"matcalc derive \"tr(X) + tr(X^2)\" {_S} X:n,n --detail full"),
    Rule("d_scalar_chain", "chain rule (scalar function)", "d phi(s) = phi'(s) ds",
         r"\mathrm{d}\,\varphi(s) = \varphi'(s)\,\mathrm{d}s",
         f"matcalc derive \"log(tr(X))\" {_S} X:n,n"),
    Rule("d_transpose", "transpose rule", "d(A^T) = (dA)^T",
         r"\mathrm{d}(A^{T}) = (\mathrm{d}A)^{T}", f"matcalc derive \"tr(X.T @ X)\" {_S} X:n,n"),
    Rule("d_inverse", "inverse rule", "d(A^-1) = -A^-1 dA A^-1",
         r"\mathrm{d}(A^{-1}) = -A^{-1}\,\mathrm{d}A\,A^{-1}",
         f"matcalc derive \"a.T @ inv(X) @ b\" {_S} a:n {_S} b:n {_S} X:n,n --wrt X"),
    Rule("d_matrix_power", "matrix power rule", "d(A^k) = sum_i A^i dA A^(k-1-i)",
         r"\mathrm{d}(A^{k}) = \sum_{i=0}^{k-1} A^{i}\,\mathrm{d}A\,A^{k-1-i}",
         f"matcalc derive \"tr(X^3)\" {_S} X:n,n"),
    Rule("d_trace", "trace rule", "d tr(A) = tr(dA)",
         r"\mathrm{d}\operatorname{tr}(A) = \operatorname{tr}(\mathrm{d}A)",
         f"matcalc derive \"tr(A @ X)\" {_S} A:n,n {_S} X:n,n --wrt X --detail full"),
    Rule("d_det", "determinant (Jacobi's formula)", "d det(A) = det(A) tr(A^-1 dA)",
         r"\mathrm{d}\det A = \det A\,\operatorname{tr}(A^{-1}\,\mathrm{d}A)",
         f"matcalc derive \"det(X)\" {_S} X:n,n"),
    Rule("d_logdet", "log-determinant rule", "d log det(A) = tr(A^-1 dA)",
         r"\mathrm{d}\log\det A = \operatorname{tr}(A^{-1}\,\mathrm{d}A)",
         f"matcalc derive \"logdet(X)\" {_S} X:n,n"),
    Rule("d_hadamard", "element-wise product rule", "d(A o B) = dA o B + A o dB",
         r"\mathrm{d}(A \odot B) = \mathrm{d}A \odot B + A \odot \mathrm{d}B",
         f"matcalc derive \"sum(x * x)\" {_S} x:n"),
    Rule("d_elementwise", "element-wise chain rule", "d f(A) = f'(A) o dA",
         r"\mathrm{d}f(A) = f'(A) \odot \mathrm{d}A",
         f"matcalc jacobian \"tanh(x)\" {_S} x:n"),
    Rule("d_diag", "diag rule", "d diag(x) = diag(dx)",
         r"\mathrm{d}\operatorname{diag}(x) = \operatorname{diag}(\mathrm{d}x)",
         f"matcalc jacobian \"diag(x) @ a\" {_S} x:n {_S} a:n --wrt x"),
    Rule("d_norm", "norm rule", "d||x|| = x^T dx / ||x||",
         r"\mathrm{d}\lVert x\rVert = \frac{x^{T}\mathrm{d}x}{\lVert x\rVert}",
         f"matcalc derive \"norm(x - a)\" {_S} x:n {_S} a:n --wrt x"),
    Rule("d_diag_of", "diagonal rule", "d diag(X) = diag(dX), the diagonal as a vector",
         r"\mathrm{d}\operatorname{diag}(X) = \operatorname{diag}(\mathrm{d}X)",
         f"matcalc derive \"sum(diag(X))\" {_S} X:n,n --wrt X"),
    Rule("d_maximum", "element-wise maximum rule",
         "d max(A, B) = [A > B] o dA + [B > A] o dB",
         r"\mathrm{d}\max(A, B) = [A > B] \odot \mathrm{d}A + [B > A] \odot \mathrm{d}B",
         f"matcalc derive \"sum(max(x, y))\" {_S} x:n {_S} y:n --wrt x",
         note="As for the scalar max: against an argument that does not vary, a tie takes "
              "relu's convention (0, the mask step(A - B)); where two varying arguments tie, "
              "the derivative splits evenly, 1/2 to each (torch.maximum, jnp.maximum), the "
              "mask step(A - B, 1/2)."),
    Rule("d_max_entries", "maximum-of-entries rule", "d max(X) = <maxmask(X), dX>",
         r"\mathrm{d}\max(X) = \operatorname{tr}\big(\operatorname{maxmask}(X)^{T}"
         r"\,\mathrm{d}X\big)",
         f"matcalc derive \"max(x)\" {_S} x:n --wrt x",
         note="maxmask(X) is 1 at the largest entry and 0 elsewhere; at a tie of k largest "
              "entries it is 1/k at each (the subgradient torch.amax and jnp.max use)."),
    Rule("d_maxmask", "maxmask is piecewise constant", "d maxmask(X) = 0",
         r"\mathrm{d}\operatorname{maxmask}(X) = 0",
         f"matcalc hessian \"max(x)\" {_S} x:n --wrt x",
         note="At a tie of largest entries maxmask jumps; the derivative there takes the "
              "value 0, as PyTorch and JAX do for piecewise-constant functions."),
    Rule("d_norm1", "1-norm rule", "d ||X||_1 = <sign(X), dX>",
         r"\mathrm{d}\lVert X\rVert_1 = \operatorname{tr}\big(\operatorname{sign}(X)^{T}"
         r"\,\mathrm{d}X\big)",
         f"matcalc derive \"norm1(A @ x - b)\" {_S} A:m,n {_S} x:n {_S} b:m --wrt x",
         note="At the kink the derivative takes the convention PyTorch and JAX use: "
              "sign(0) = 0 at an entry that is 0."),
    Rule("d_logsumexp", "log-sum-exp rule", "d logsumexp(x) = softmax(x)^T dx",
         r"\mathrm{d}\log\textstyle\sum_i e^{x_i} = \operatorname{softmax}(x)^{T}"
         r"\mathrm{d}x",
         f"matcalc derive \"logsumexp(x)\" {_S} x:n --wrt x"),
    Rule("d_softmax", "softmax rule", "ds = s o dz - s (s^T dz), s = softmax(z)",
         r"\mathrm{d}s = s \odot \mathrm{d}z - s\,(s^{T}\mathrm{d}z)",
         f"matcalc jacobian \"softmax(z)\" {_S} z:n"),
    Rule("d_log_softmax", "log-softmax rule", "d log softmax(z) = dz - 1 (s^T dz)",
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
         f"matcalc jacobian \"W @ x\" {_S} W:m,n {_S} x:n --wrt W --form vjp", kind="rewrite"),
    Rule("expand_dimensions", "components at concrete sizes",
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
    Rule("backprop_adjoint", "vector-Jacobian product",
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
    # the matrix simplification (matcalc/matrix/simplify.py: REWRITES and the form chosen)
    Rule("matrix_simplify", "matrix simplify",
         "G = its shortest readable form (identities below; products multiplied out or "
         "collected, whichever is shorter; a positive term first)",
         r"G = G_{\text{simplified}}", _CE_SOFTMAX, kind="rewrite"),
    Rule("cancel_quotient", "cancel quotient",
         "x o v / v = x (element-wise), also against a factor: sigmoid'(z) / sigmoid(z) = "
         "1 - sigmoid(z)",
         r"x \odot v \oslash v = x", _CE_SOFTMAX + " --detail full", kind="rewrite"),
    Rule("entry_by_entry", "simplify entry by entry",
         "a sum of element-wise terms of one shape is one scalar function of the entries, "
         "simplified as such: (1 - y) o s - y o (1 - s) = s - y",
         r"(\mathbf{1} - y) \odot s - y \odot (\mathbf{1} - s) = s - y",
         "matcalc derive \"-sum(y*log(sigmoid(X @ w)) + (1 - y)*log(1 - sigmoid(X @ w)))\" "
         f"{_S} X:m,n {_S} w:n {_S} y:m --wrt w", kind="rewrite"),
    Rule("sum_broadcast", "sum broadcast",
         "1 1^T v = sum(v) 1 (v a column); A 1^T v = sum(v) A, u^T 1 B = sum(u) B",
         r"\mathbf{1}\mathbf{1}^{T} v = \Big(\textstyle\sum_i v_i\Big)\mathbf{1}",
         _CE_SOFTMAX + " --detail full", kind="rewrite"),
    Rule("sums_to_one", "sums to one",
         "1 1^T y = 1 when sum(y) = 1; 1 1^T Y = 1 1^T when sum(Y, axis=0) = 1 (assumed)",
         r"\mathbf{1}\mathbf{1}^{T} y = \mathbf{1} \quad (\textstyle\sum_i y_i = 1)",
         _CE_SOFTMAX + ' --assume "sum(y) = 1"', kind="rewrite"),
    Rule("outer_product", "outer product",
         "diag(u) 1 1^T diag(v) = u v^T; 1 1^T diag(v) = 1 v^T, diag(u) 1 1^T = u 1^T",
         r"\operatorname{diag}(u)\,\mathbf{1}\mathbf{1}^{T}\operatorname{diag}(v) = u v^{T}",
         _JAC_SOFTMAX + " --detail full", kind="rewrite"),
    Rule("distribute", "multiply out", "(A + B) C = A C + B C",
         r"(A + B)\,C = A C + B C", _JAC_SOFTMAX + " --detail full", kind="rewrite"),
    Rule("symmetric_transpose", "symmetric transpose",
         "S^T = S and (S^-1)^T = S^-1 for symmetric S (declared, or X^T X by its form)",
         r"S^{T} = S,\ S^{-T} = S^{-1}",
         f"matcalc derive \"logdet(S)\" {_S} S:n,n --assume \"spd(S)\"", kind="rewrite"),
    Rule("positive_first", "positive first", "-y + s = s - y (a sum starts with a positive term)",
         r"-y + s = s - y", _CE_SOFTMAX, kind="rewrite"),
]:
    register(_r)
