"""The gradient, Jacobian and vector-chain-rule derivations of seed 001, with its answers.

Each entry: a name, where it comes from, the ``matcalc`` command (its arguments, as a
shell would pass them) and the answer as the seed writes it, in matcalc syntax: a row
``[a, b]`` for a gradient, a matrix ``[[...], [...]]`` in the command's layout for a
Jacobian, an expression for a derivative. tests/test_worked_vector.py runs every command,
compares its answer with the seed's, checks that it verifies and compiles its LaTeX.

The notes state several identities for vectors of any length n (d(w + x)/dw = I,
d(w * x)/dw = diag(x), d(Wx + b)/dx = W, ...). Without declared vector shapes (later
work: ``--shape``) they are worked here for a concrete n = 3 (or 2), entry by entry; the
note of such an example says so.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VectorExample:
    name: str
    source: str
    command: tuple[str, ...]
    seed_answer: str
    note: str = ""


N3 = "a concrete instance (n = 3) of the seed's identity for vectors of any length"
DIAG3 = "[[{0}1, 0, 0], [0, {0}2, 0], [0, 0, {0}3]]"
IDENTITY3 = "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"
SIGMA = "sigmoid(u{0})(1 - sigmoid(u{0}))"

VECTOR_EXAMPLES: tuple[VectorExample, ...] = (
    VectorExample("gradient_3x2_2y_plus_7", "001 (vectorized gradient)",
                  ("grad", "3x^2(2y+7)", "--wrt", "x,y"), "[6x(2y + 7), 6x^2]"),
    VectorExample("gradient_4x_plus_y2", "001 (Jacobian matrix: grad g)",
                  ("grad", "4x + y^2", "--wrt", "x,y"), "[4, 2y]"),
    VectorExample("jacobian_f_g", "001 (Jacobian matrix: J = [grad f; grad g])",
                  ("jacobian", "[3x^2(2y+7), 4x + y^2]", "--wrt", "x,y"),
                  "[[6x(2y + 7), 6x^2], [4, 2y]]"),
    VectorExample("jacobian_f_g_denominator", "001 (Jacobian matrix), in the denominator "
                  "layout of 002",
                  ("jacobian", "[3x^2(2y+7), 4x + y^2]", "--wrt", "x,y", "--layout",
                   "denominator"), "[[6x(2y + 7), 4], [6x^2, 2y]]",
                  note="The seed writes the numerator layout; this is its transpose."),
    VectorExample("identity_jacobian", "001 (Jacobian of the identity f(X) = X)",
                  ("jacobian", "[x1, x2, x3]", "--wrt", "x1,x2,x3"), IDENTITY3, note=N3),
    VectorExample("elementwise_sum_wrt_w", "001 (special cases: d(w + x)/dw = I)",
                  ("jacobian", "[w1 + x1, w2 + x2, w3 + x3]", "--wrt", "w1,w2,w3"), IDENTITY3,
                  note=N3),
    VectorExample("elementwise_sum_wrt_x", "001 (special cases: d(w + x)/dx = I)",
                  ("jacobian", "[w1 + x1, w2 + x2, w3 + x3]", "--wrt", "x1,x2,x3"), IDENTITY3,
                  note=N3),
    VectorExample("elementwise_difference_wrt_w", "001 (special cases: d(w - x)/dw = I)",
                  ("jacobian", "[w1 - x1, w2 - x2, w3 - x3]", "--wrt", "w1,w2,w3"), IDENTITY3,
                  note=N3),
    VectorExample("elementwise_difference_wrt_x", "001 (special cases: d(w - x)/dx = -I)",
                  ("jacobian", "[w1 - x1, w2 - x2, w3 - x3]", "--wrt", "x1,x2,x3"),
                  "[[-1, 0, 0], [0, -1, 0], [0, 0, -1]]", note=N3),
    VectorExample("elementwise_product_wrt_w", "001 (special cases: d(w * x)/dw = diag(x))",
                  ("jacobian", "[w1*x1, w2*x2, w3*x3]", "--wrt", "w1,w2,w3"),
                  DIAG3.format("x"), note=N3),
    VectorExample("elementwise_product_wrt_x", "001 (special cases: d(w * x)/dx = diag(w))",
                  ("jacobian", "[w1*x1, w2*x2, w3*x3]", "--wrt", "x1,x2,x3"),
                  DIAG3.format("w"), note=N3),
    VectorExample("activation_jacobian", "001 (Jacobian of an activation function: "
                  "dy/du = diag(f'(u)))",
                  ("jacobian", "[sigmoid(u1), sigmoid(u2), sigmoid(u3)]", "--wrt", "u1,u2,u3"),
                  f"[[{SIGMA.format(1)}, 0, 0], [0, {SIGMA.format(2)}, 0], "
                  f"[0, 0, {SIGMA.format(3)}]]", note=N3 + ", with f = sigmoid"),
    VectorExample("relu_broadcast", "001 (d/dx max(0, x) for a vector x)",
                  ("jacobian", "[max(0, x1), max(0, x2), max(0, x3)]", "--wrt", "x1,x2,x3"),
                  DIAG3.replace("{0}1", "step(x1)").replace("{0}2", "step(x2)")
                  .replace("{0}3", "step(x3)"),
                  note=N3 + "; the seed writes the diagonal as a vector of zeros and ones"),
    VectorExample("affine_wrt_x", "001 (useful Jacobians: d(Wx + b)/dx = W)",
                  ("jacobian", "[w11*x1 + w12*x2 + b1, w21*x1 + w22*x2 + b2]",
                   "--wrt", "x1,x2"), "[[w11, w12], [w21, w22]]",
                  note="a concrete instance (W 2 x 2) of the seed's identity"),
    VectorExample("affine_wrt_b", "001 (useful Jacobians: d(Wx + b)/db = I)",
                  ("jacobian", "[w11*x1 + w12*x2 + b1, w21*x1 + w22*x2 + b2]",
                   "--wrt", "b1,b2"), "[[1, 0], [0, 1]]",
                  note="a concrete instance (W 2 x 2) of the seed's identity"),
    VectorExample("u_transpose_h_wrt_u", "001 (useful Jacobians: d(u^T h)/du = h^T)",
                  ("jacobian", "u1*h1 + u2*h2 + u3*h3", "--wrt", "u1,u2,u3"),
                  "[h1, h2, h3]", note=N3),
    VectorExample("dot_product_plus_b", "001 (neuron: dy/dw = x^T, dy/db = 1 for "
                  "y = w.x + b)",
                  ("grad", "w1*x1 + w2*x2 + w3*x3 + b", "--wrt", "w1,w2,w3,b"),
                  "[x1, x2, x3, 1]", note=N3),
    VectorExample("dot_product_vector_chain_rule", "001 (dot product: u = w * x, y = sum(u), "
                  "dy/dw = 1^T diag(x) = x^T)",
                  ("jacobian", "[u1 + u2 + u3]", "--where", "u1 = w1*x1; u2 = w2*x2; u3 = w3*x3",
                   "--wrt", "w1,w2,w3"), "[x1, x2, x3]", note=N3),
    VectorExample("vector_chain_rule_ln_sin", "001 (vector chain rule: f = [ln(g1), sin(g2)], "
                  "g = [x^2, 3x])",
                  ("jacobian", "[ln(g1), sin(g2)]", "--where", "g1 = x^2; g2 = 3x", "--wrt", "x"),
                  "[[2/x], [3cos(3x)]]"),
    VectorExample("total_derivative_x_exp_x2", "001 (total derivative chain rule: u1 = x^2, "
                  "u2 = exp(u1), y = x u2)",
                  ("derive", "x*u2", "--where", "u1 = x^2; u2 = exp(u1)", "--wrt", "x"),
                  "e^(x^2)(2x^2 + 1)"),
    VectorExample("chain_through_u1_to_u4", "001 (introduce intermediate variables: u1 = x^3, "
                  "u2 = sin(u1), u3 = u2^2, y = ln(u3))",
                  ("derive", "ln(u3)", "--where", "u1 = x^3; u2 = sin(u1); u3 = u2^2"),
                  "6x^2 cos(x^3)/sin(x^3)"),
)
