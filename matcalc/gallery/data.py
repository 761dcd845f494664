"""The worked-examples gallery: every derivation the source lecture notes work by hand.

One table keyed by kind (``derive``, ``grad``, ``jacobian``, ``hessian``, ``graph``,
``backprop``;
a new kind appends a key). Each example names where it comes from
(../shared/seeds/), its input and options (as a notes file would give them) and the
answer as the seed writes it, in matcalc syntax: an expression for a derivative, a row
``[a, b]`` for a gradient, a matrix ``[[...], [...]]`` in the example's layout for a
Jacobian. Where a seed's arithmetic is wrong the ``note`` says so and the answer is the
corrected one.

The notes state several identities for vectors of any length n (d(w + x)/dw = I,
d(w * x)/dw = diag(x), d(Wx + b)/dx = W, ...). Without declared vector shapes they are
worked here for a concrete n = 3 (or 2), entry by entry; the note of such an example says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping


@dataclass(frozen=True)
class GalleryExample:
    """One worked example: ``kind`` is a key of :data:`matcalc.kinds.KINDS`."""

    name: str
    kind: str
    input: str
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    seed_answer: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def command(self) -> tuple[str, ...]:
        """The ``matcalc`` command line (its arguments, as a shell passes them; a backprop
        program is given as ``-``, to be read from standard input)."""
        args = [self.kind, "-" if self.kind == "backprop" else self.input]
        for key, value in self.options.items():
            if key in ("shapes", "dims"):          # repeated flags: --shape x:n --shape A:n,n
                for item in value:
                    args += [f"--{key[:-1]}", item]
                continue
            args += [f"--{key}", ",".join(value) if isinstance(value, (list, tuple)) else str(value)]
        return tuple(args)


def _d(name: str, source: str, expr: str, wrt: str, answer: str, note: str = "",
       **options: Any) -> GalleryExample:
    return GalleryExample(name, "derive", expr, {"wrt": wrt, **options} if wrt else options,
                          source, answer, note)


def _m(name: str, source: str, kind: str, expr: str, wrt: str, shapes: tuple[str, ...],
       answer: str, note: str = "") -> GalleryExample:
    """An example with declared shapes (matrix calculus); its answer (matcalc syntax, the
    same shapes) is compared at random sizes by tests/test_worked_shapes.py."""
    return GalleryExample(name, kind, expr, {"wrt": wrt, "shapes": list(shapes)}, source,
                          answer, note)


def _g(name: str, source: str, expr: str, wrt: str, answer: str, note: str = "") -> GalleryExample:
    return GalleryExample(name, "grad", expr, {"wrt": wrt}, source, answer, note)


def _j(name: str, source: str, exprs: str, wrt: str, answer: str, note: str = "",
       **options: Any) -> GalleryExample:
    return GalleryExample(name, "jacobian", exprs, {**options, "wrt": wrt}, source, answer, note)


N3 = "a concrete instance (n = 3) of the seed's identity for vectors of any length"
W22 = "a concrete instance (W 2 x 2) of the seed's identity"
DIAG3 = "[[{0}1, 0, 0], [0, {0}2, 0], [0, 0, {0}3]]"
IDENTITY3 = "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"
SIGMA = "sigmoid(u{0})(1 - sigmoid(u{0}))"
AFFINE = "[w11*x1 + w12*x2 + b1, w21*x1 + w22*x2 + b2]"

#: The forward programs of the backprop examples (worked_examples/programs/*.mc).
MLP_2LAYER = """\
# The 2-layer network of seeds 000 and 002: tanh hidden layer, sigmoid output, binary cross-entropy.
X: nx, m          # shape declarations, as with --shape
W1: n1, nx
b1: n1
W2: 1, n1
b2: 1
Y: 1, m
Z1 = W1 @ X + b1  # assignments, in forward order
A1 = tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = sigmoid(Z2)
J = -sum(Y * log(A2) + (1 - Y) * log(1 - A2)) / m   # the last one is the scalar objective
"""
LOGISTIC_REGRESSION = """\
# Vectorized logistic regression (seed 002): one example per column of X.
X: nx, m
Y: 1, m
w: nx
b: 1
Z = w.T @ X + b
A = sigmoid(Z)
J = -sum(Y * log(A) + (1 - Y) * log(1 - A)) / m
"""

#: The logistic loss with labels y_i = +-1, as Newton's method minimises it
#: (softplus(t) = log(1 + e^t)).
NEWTON_LOSS = "sum(softplus(-y * (X @ w)))"

GALLERY: dict[str, tuple[GalleryExample, ...]] = {
    "derive": (
        _d("ln_sin_cube_squared", "001 (intermediate variables u1..u4)",
           "ln(sin(x^3)^2)", "x", "6x^2 cos(x^3)/sin(x^3)"),
        _d("x_exp_x_squared", "001 (computation graph, sum over paths)",
           "x e^(x^2)", "x", "e^(x^2)(2x^2 + 1)"),
        _d("two_x2_plus_9_cubed", "001 (chain rule, u = x^2 + 9)",
           "2(x^2 + 9)^3", "x", "6(x^2 + 9)^2 * 2x"),
        _d("sin_x_squared", "000 (chain rule, example 1)",
           "sin(x^2)", "x", "2x cos(x^2)"),
        _d("three_x_plus_2_to_5", "000 (chain rule, example 2)",
           "(3x + 2)^5", "x", "15(3x + 2)^4", detail="full"),   # the notes' u = 3x + 2
        _d("ln_x_squared", "001 (chain rule table)",
           "ln(x^2)", "x", "2/x",
           note="The seed's rule table writes d/dx ln(x^2) = (1/x^2) 2x = 1/x; the product "
                "is 2/x (its own worked derivation below the table gets 2x/x^2 = 2/x)."),
        _d("f_of_a_3a", "004 (slope of f(a) = 3a)",
           "3a", "a", "3"),
        _d("partial_x_3x2_2y_plus_7", "001 (partial derivatives)",
           "3x^2(2y+7)", "x", "6x(2y + 7)"),
        _d("partial_y_3x2_2y_plus_7", "001 (partial derivatives)",
           "3x^2(2y+7)", "y", "6x^2"),
        _d("total_derivative_x_exp_x2", "001 (total derivative chain rule: u1 = x^2, "
           "u2 = exp(u1), y = x u2)",
           "x*u2", "x", "e^(x^2)(2x^2 + 1)", where="u1 = x^2; u2 = exp(u1)"),
        _d("chain_through_u1_to_u4", "001 (introduce intermediate variables: u1 = x^3, "
           "u2 = sin(u1), u3 = u2^2, y = ln(u3))",
           "ln(u3)", "", "6x^2 cos(x^3)/sin(x^3)", where="u1 = x^3; u2 = sin(u1); u3 = u2^2"),
        _m("neuron_wrt_w_vectors", "001 (neuron activation max(0, w.x + b), vectors of any n)",
           "derive", "max(0, dot(w, x) + b)", "w", ("w:n", "x:n"), "step(dot(w, x) + b)*x",
           note="The seed writes it piecewise: 0 where w.x + b <= 0, x otherwise."),
        _m("squared_error_cost_wrt_w", "001 (squared-error cost, one example per row of X)",
           "derive", "sum((y - relu(X @ w + b))^2) / N", "w", ("X:N,n", "w:n", "y:N"),
           "-2/N * X.T @ ((y - relu(X @ w + b)) * step(X @ w + b))"),
        _m("quadratic_form", "Matrix Cookbook (81): d(x^T A x)/dx = (A + A^T) x",
           "derive", "x.T @ A @ x", "x", ("x:n", "A:n,n"), "(A + A.T) @ x"),
        _m("trace_quadratic_form", "trace of a quadratic form: d tr(X^T A X)/dX = (A + A^T) X",
           "derive", "tr(X.T @ A @ X)", "X", ("X:n,k", "A:n,n"), "(A + A.T) @ X"),
        _m("least_squares", "least squares: d||Xw - y||^2/dw = 2 X^T (Xw - y)",
           "derive", "norm(X @ w - y)^2", "w", ("X:m,n", "w:n", "y:m"), "2*X.T @ (X @ w - y)"),
        _m("log_determinant", "Matrix Cookbook (57): d log det X / dX = X^-T",
           "derive", "logdet(X)", "X", ("X:n,n",), "inv(X).T"),
    ),
    "grad": (
        _g("gradient_3x2_2y_plus_7", "001 (vectorized gradient)",
           "3x^2(2y+7)", "x,y", "[6x(2y + 7), 6x^2]"),
        _g("gradient_4x_plus_y2", "001 (Jacobian matrix: grad g)",
           "4x + y^2", "x,y", "[4, 2y]"),
        _g("dot_product_plus_b", "001 (neuron: dy/dw = x^T, dy/db = 1 for y = w.x + b)",
           "w1*x1 + w2*x2 + w3*x3 + b", "w1,w2,w3,b", "[x1, x2, x3, 1]", note=N3),
        _m("newton_logistic_gradient", "Newton's method for logistic regression (issue 12)",
           "grad", NEWTON_LOSS, "w", ("X:m,n", "w:n", "y:m"),
           "-X.T @ (y*sigmoid(-y*(X @ w)))"),
    ),
    "jacobian": (
        _m("tanh_jacobian_vectors", "002 (element-wise activations have diagonal Jacobians)",
           "jacobian", "tanh(z)", "z", ("z:n",), "diag(1 - tanh(z)^2)"),
        _m("affine_jacobian_vectors", "001 (d(Wx + b)/dx = W, vectors of any length)",
           "jacobian", "W @ x + b", "x", ("W:m,n", "x:n", "b:m"), "W"),
        _j("jacobian_f_g", "001 (Jacobian matrix: J = [grad f; grad g])",
           "[3x^2(2y+7), 4x + y^2]", "x,y", "[[6x(2y + 7), 6x^2], [4, 2y]]"),
        _j("jacobian_f_g_denominator", "001 (Jacobian matrix), in the denominator layout of 002",
           "[3x^2(2y+7), 4x + y^2]", "x,y", "[[6x(2y + 7), 4], [6x^2, 2y]]",
           note="The seed writes the numerator layout; this is its transpose.",
           layout="denominator"),
        _j("identity_jacobian", "001 (Jacobian of the identity f(X) = X)",
           "[x1, x2, x3]", "x1,x2,x3", IDENTITY3, note=N3),
        _j("elementwise_sum_wrt_w", "001 (special cases: d(w + x)/dw = I)",
           "[w1 + x1, w2 + x2, w3 + x3]", "w1,w2,w3", IDENTITY3, note=N3),
        _j("elementwise_sum_wrt_x", "001 (special cases: d(w + x)/dx = I)",
           "[w1 + x1, w2 + x2, w3 + x3]", "x1,x2,x3", IDENTITY3, note=N3),
        _j("elementwise_difference_wrt_w", "001 (special cases: d(w - x)/dw = I)",
           "[w1 - x1, w2 - x2, w3 - x3]", "w1,w2,w3", IDENTITY3, note=N3),
        _j("elementwise_difference_wrt_x", "001 (special cases: d(w - x)/dx = -I)",
           "[w1 - x1, w2 - x2, w3 - x3]", "x1,x2,x3", "[[-1, 0, 0], [0, -1, 0], [0, 0, -1]]",
           note=N3),
        _j("elementwise_product_wrt_w", "001 (special cases: d(w * x)/dw = diag(x))",
           "[w1*x1, w2*x2, w3*x3]", "w1,w2,w3", DIAG3.format("x"), note=N3),
        _j("elementwise_product_wrt_x", "001 (special cases: d(w * x)/dx = diag(w))",
           "[w1*x1, w2*x2, w3*x3]", "x1,x2,x3", DIAG3.format("w"), note=N3),
        _j("activation_jacobian", "001 (Jacobian of an activation function: "
           "dy/du = diag(f'(u)))",
           "[sigmoid(u1), sigmoid(u2), sigmoid(u3)]", "u1,u2,u3",
           f"[[{SIGMA.format(1)}, 0, 0], [0, {SIGMA.format(2)}, 0], [0, 0, {SIGMA.format(3)}]]",
           note=N3 + ", with f = sigmoid"),
        _j("relu_broadcast", "001 (d/dx max(0, x) for a vector x)",
           "[max(0, x1), max(0, x2), max(0, x3)]", "x1,x2,x3",
           DIAG3.replace("{0}1", "step(x1)").replace("{0}2", "step(x2)")
           .replace("{0}3", "step(x3)"),
           note=N3 + "; the seed writes the diagonal as a vector of zeros and ones"),
        _j("affine_wrt_x", "001 (useful Jacobians: d(Wx + b)/dx = W)",
           AFFINE, "x1,x2", "[[w11, w12], [w21, w22]]", note=W22),
        _j("affine_wrt_b", "001 (useful Jacobians: d(Wx + b)/db = I)",
           AFFINE, "b1,b2", "[[1, 0], [0, 1]]", note=W22),
        _j("u_transpose_h_wrt_u", "001 (useful Jacobians: d(u^T h)/du = h^T)",
           "u1*h1 + u2*h2 + u3*h3", "u1,u2,u3", "[h1, h2, h3]", note=N3),
        _j("dot_product_vector_chain_rule", "001 (dot product: u = w * x, y = sum(u), "
           "dy/dw = 1^T diag(x) = x^T)",
           "[u1 + u2 + u3]", "w1,w2,w3", "[x1, x2, x3]", note=N3,
           where="u1 = w1*x1; u2 = w2*x2; u3 = w3*x3"),
        _j("vector_chain_rule_ln_sin", "001 (vector chain rule: f = [ln(g1), sin(g2)], "
           "g = [x^2, 3x])",
           "[ln(g1), sin(g2)]", "x", "[[2/x], [3cos(3x)]]", where="g1 = x^2; g2 = 3x"),
    ),
    # computation graphs (worked_examples/graphs.py checks their nodes, values and paths)
    "graph": (
        GalleryExample("graph_j_3_a_plus_bc", "graph", "3*(a + b*c)", {"at": "a=5,b=3,c=2"},
                       "000, 003, 004 (computation graph J = 3(a + bc), a = 5, b = 3, c = 2)"),
        GalleryExample("graph_x_exp_x_squared", "graph", "x*exp(x^2)", {},
                       "001 (x e^(x^2): multiply along each path, sum)", "e^(x^2)(2x^2 + 1)"),
        GalleryExample("graph_x_exp_x_squared_at_1", "graph", "x*exp(x^2)", {"at": "x=1"},
                       "001 (the same graph at x = 1)"),
        GalleryExample("graph_ln_sin_cube_squared", "graph", "ln(sin(x^3)^2)", {},
                       "001 (intermediate variables u1 = x^3 ... y = ln(u3))",
                       "6x^2 cos(x^3)/sin(x^3)"),
        GalleryExample("graph_logistic_regression", "graph", "-(y*log(a) + (1-y)*log(1-a))",
                       {"where": "z = w1*x1 + w2*x2 + b; a = sigmoid(z)"},
                       "000, 003 (logistic regression: z = w1 x1 + w2 x2 + b, a = sigma(z), "
                       "L(a, y))"),
    ),
    # backward passes (the programs of worked_examples/programs/, which a test keeps equal)
    "hessian": (
        GalleryExample("hessian_two_variables", "hessian", "x^2 y + y^3", {"wrt": "x,y"},
                       "Hessians (issue 12): second partials, the mixed one once",
                       "[[2*y, 2*x], [2*x, 6*y]]"),
        _m("newton_logistic_hessian", "Newton's method for logistic regression (issue 12)",
           "hessian", NEWTON_LOSS, "w", ("X:m,n", "w:n", "y:m"),
           "X.T @ diag(y*y*sigmoid(y*(X @ w))*(1 - sigmoid(y*(X @ w)))) @ X",
           "the Newton step is w - inv(H) @ g, g from newton_logistic_gradient"),
    ),
    "backprop": (
        GalleryExample("backprop_mlp_2layer", "backprop", MLP_2LAYER, {"wrt": "W1,b1,W2,b2"},
                       "002 (the six backpropagation equations) and 000"),
        GalleryExample("backprop_logistic_regression", "backprop", LOGISTIC_REGRESSION,
                       {"wrt": "w,b"}, "002 (vectorized logistic regression)"),
    ),
    # a student's answer checked against the derivation (matcalc check)
    "check": (
        GalleryExample("check_chain_rule_answer", "check", "ln(sin(x^3)^2)",
                       {"answer": "6x^2 cos(x^3)/sin(x^3)"},
                       "000 (the chain rule: an answer in another form, checked)"),
    ),
}
