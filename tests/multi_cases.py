"""Data-driven cases for several variables, written by hand from the identities (not produced
by matcalc): gradients, Jacobians in both layouts, the total-derivative chain rule and the
vector chain rule through named intermediates, and bad ``where`` inputs.

Expected answers are in matcalc syntax; a Jacobian is ``[[row 1], [row 2], ...]`` (read by
``parse_matrix``) and is given in the layout the case asks for.
"""
from __future__ import annotations

#: (expression, wrt or None, where or None, expected partials in the order of the variables,
#:  rules that must appear)
GRADIENT_CASES = [
    ("3x^2(2y+7)", "x,y", None, ["6x(2y+7)", "6x^2"], ["assemble_gradient", "constant_multiple"]),
    ("4x + y^2", "x,y", None, ["4", "2y"], ["assemble_gradient", "sum", "power"]),
    ("x*y*z", None, None, ["y z", "x z", "x y"], ["assemble_gradient"]),
    ("sin(x*y) + ln(z^2 + 1)", "z,x", None, ["2z/(z^2 + 1)", "y cos(x y)"],
     ["assemble_gradient", "chain", "linear_chain"]),      # sin(x y): a = y (detail normal)
    ("exp(a*x)", "x", None, ["a exp(a x)"], ["assemble_gradient", "linear_chain"]),
    ("x*u2*y", "x,y", "u1 = x^2*y; u2 = exp(u1)",
     ["y (2x^2 y + 1) e^(x^2 y)", "x (x^2 y + 1) e^(x^2 y)"],
     ["intermediate_variables", "total_derivative", "total_sum", "substitute",
      "assemble_gradient", "reuse"]),
]

#: (functions, wrt or None, layout, where or None, expected matrix in that layout, rules)
JACOBIAN_CASES = [
    ("[3x^2(2y+7), 4x + y^2]", "x,y", "numerator", None, "[[6x(2y+7), 6x^2], [4, 2y]]",
     ["assemble_jacobian", "constant_multiple", "sum"]),
    ("[3x^2(2y+7), 4x + y^2]", "x,y", "denominator", None, "[[6x(2y+7), 4], [6x^2, 2y]]",
     ["assemble_jacobian", "transpose_layout"]),
    ("[x1, x2, x3]", "x1,x2,x3", "numerator", None, "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]",
     ["assemble_jacobian", "variable", "constant"]),
    ("[r cos(t), r sin(t)]", "r,t", "numerator", None, "[[cos(t), -r sin(t)], [sin(t), r cos(t)]]",
     ["assemble_jacobian", "cos", "sin"]),
    ("[x*y, x + y, x^2]", None, "numerator", None, "[[y, x], [1, 1], [2x, 0]]",
     ["assemble_jacobian"]),
    ("[x*y, x + y, x^2]", "x,y", "denominator", None, "[[y, 1, 2x], [x, 1, 0]]",
     ["transpose_layout"]),
    ("x^2 y", "x,y", "numerator", None, "[2x y, x^2]", ["assemble_jacobian", "power"]),
    ("[ln(g1), sin(g2)]", "x", "numerator", "g1 = x^2; g2 = 3x", "[[2/x], [3cos(3x)]]",
     ["intermediate_variables", "vector_chain_rule", "assemble_jacobian", "jacobian_product",
      "substitute", "ln", "sin"]),
    ("[ln(g1), sin(g2)]", "x", "denominator", "g1 = x^2; g2 = 3x", "[2/x, 3cos(3x)]",
     ["vector_chain_rule", "transpose_layout"]),
    ("[x*g1, g2 + y]", "x,y", "numerator", "g1 = x*y; g2 = sin(g1)",
     "[[2x y, x^2], [y cos(x y), x cos(x y) + 1]]",
     ["vector_chain_rule", "total_derivative", "jacobian_product", "reuse"]),
    ("[u1 + u2 + u3]", "w1,w2,w3", "numerator", "u1 = w1*x1; u2 = w2*x2; u3 = w3*x3",
     "[x1, x2, x3]", ["vector_chain_rule", "jacobian_product"]),
]

#: derive(..., where=...): (expression, wrt or None, where, expected, rules)
TOTAL_CASES = [
    ("x*u2", None, "u1 = x^2; u2 = exp(u1)", "e^(x^2)(2x^2 + 1)",
     ["intermediate_variables", "total_derivative", "total_sum", "substitute", "simplify"]),
    ("x*u2", "x", "u2 = exp(u1); u1 = x^2", "e^(x^2)(2x^2 + 1)", ["total_derivative"]),
    ("ln(u3)", None, "u1 = x^3; u2 = sin(u1); u3 = u2^2", "6x^2 cos(x^3)/sin(x^3)",
     ["total_derivative", "ln", "power", "sin"]),
    ("g1*g2 + g1", "x", "g1 = x^2; g2 = g1 + x", "(x^2 + x + 1)(2x) + x^2 (2x + 1)",
     ["total_derivative", "total_sum", "reuse", "sum"]),
    ("a*g", "x", "g = sin(a*x)", "a^2 cos(a x)", ["total_derivative", "linear_chain"]),
]

#: (command, arguments) whose ``where`` is bad input, and a phrase of the one-line error
BAD_WHERE = [
    (["derive", "g1 + x", "--where", "g1 = g2 + x; g2 = g1^2", "--wrt", "x"], "cycle: g1 -> g2 -> g1"),
    (["derive", "g1", "--where", "g1 = g1 + x", "--wrt", "x"], "cycle: g1 -> g1"),
    (["jacobian", "[ln(g1), sin(g2)]", "--where", "g1 = x^2", "--wrt", "x"],
     "'g2' is used but not defined"),
    (["grad", "g1*y", "--where", "g1 = x^2; g2 = 3x"], "'g2' is defined in --where but"),
    (["derive", "g1", "--where", "g1 = x^2", "--wrt", "g1"], "'g1' is an intermediate variable"),
    (["jacobian", "[g1, x]", "--where", "g1 = = x", "--wrt", "x"], "error: "),
    (["grad", "g1", "--where", "g1 = x^2; g1 = x", "--wrt", "x"], "assigned twice"),
    (["derive", "g1*y", "--where", "g1 = x^2"], "several variables"),
    (["jacobian", "[x, y]", "--wrt", "x,x"], "listed twice"),
]
