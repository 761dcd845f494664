"""The corpus of ``matcalc check``: hand derivations as students write them.

WRONG: (name, derivation text, shapes, first wrong line, expected diagnosis). Line 1 of
each text is line 1 (``d/dx EXPR``); a backward pass (``program`` set) has no such line.
RIGHT: (name, derivation text, shapes): every line right, in forms other than matcalc's.
The expected lines and diagnoses were written by hand from the mathematics, not from the
checker's output.
"""
from __future__ import annotations

MLP = """X: nx, m
W1: n1, nx
b1: n1
W2: 1, n1
b2: 1
Y: 1, m
Z1 = W1 @ X + b1
A1 = tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = sigmoid(Z2)
J = -sum(Y * log(A2) + (1 - Y) * log(1 - A2)) / m
"""

RIGHT_BACKWARD = """dZ2 = A2 - Y
dW2 = dZ2 @ A1.T / m
db2 = sum(dZ2, axis=1) / m
dA1 = W2.T @ dZ2
dZ1 = dA1 * (1 - A1^2)
dW1 = (1/m) * dZ1 @ X.T
db1 = sum(dZ1, axis=1) / m
"""

XA = ("x:n", "A:n,n")
XV = ("x:n", "a:n")
NET = ("W:n1,nx", "X:nx,m", "b:n1")


def _d(f: str, *lines: str, wrt: str = "x") -> str:
    return "\n".join([f"d/d{wrt} {f}", *(f"= {l}" for l in lines)]) + "\n"


def _bw(**changes: str) -> str:
    """The right backward pass with some lines replaced (name -> new right side)."""
    out = []
    for line in RIGHT_BACKWARD.splitlines():
        name = line.split("=")[0].strip()
        out.append(f"{name} = {changes[name]}" if name in changes else line)
    return "\n".join(out) + "\n"


# (name, text, shapes, program, first wrong line, diagnosis)
WRONG = [
    # chain rule
    ("sin_x2", _d("sin(x^2)", "cos(x^2)"), (), None, 2, "missing_chain_factor"),
    ("cos_3x", _d("cos(3x)", "-sin(3x)"), (), None, 2, "missing_chain_factor"),
    ("poly_power", _d("(2x + 1)^5", "5(2x + 1)^4"), (), None, 2, "missing_chain_factor"),
    ("sqrt_chain", _d("sqrt(x^2 + 1)", "1/(2 sqrt(x^2 + 1))"), (), None, 2,
     "missing_chain_factor"),
    ("tan_cube", _d("tan(x^3)", "1/cos(x^3)^2"), (), None, 2, "missing_chain_factor"),
    ("sin_squared", _d("sin(x)^2", "2 sin(x)"), (), None, 2, "missing_chain_factor"),
    ("reciprocal", _d("(3x + 2)^(-1)", "-(3x + 2)^(-2)"), (), None, 2, "missing_chain_factor"),
    ("tanh_2x", _d("tanh(2x)", "1 - tanh(2x)^2"), (), None, 2, "missing_chain_factor"),
    ("sin_xy", _d("sin(x y)", "cos(x y)"), (), None, 2, "missing_chain_factor"),
    ("chain_two_lines", _d("cos(x^2 + 1)", "-sin(x^2 + 1)", "-sin(x^2 + 1)"), (), None, 2,
     "missing_chain_factor"),
    # e^f, ln|f|
    ("exp_3x2", _d("exp(3x^2)", "exp(3x^2)"), (), None, 2, "exp_missing_inner"),
    ("exp_sin", _d("e^(sin(x))", "e^(sin(x))"), (), None, 2, "exp_missing_inner"),
    ("exp_gauss", _d("exp(-x^2)", "exp(-x^2)"), (), None, 2, "exp_missing_inner"),
    ("exp_xy", _d("exp(x y)", "exp(x y)"), (), None, 2, "exp_missing_inner"),
    ("ln_abs", _d("ln(abs(x^2 + 1))", "1/(x^2 + 1)"), (), None, 2, "log_missing_inner"),
    ("ln_poly", _d("ln(x^2 + 3x)", "1/(x^2 + 3x)"), (), None, 2, "log_missing_inner"),
    ("ln_sin", _d("ln(sin(x))", "1/sin(x)"), (), None, 2, "log_missing_inner"),
    ("ln_abs_cos", _d("ln(abs(cos(x)))", "1/cos(x)"), (), None, 2, "log_missing_inner"),
    ("ln_3x", _d("ln(3x)", "1/(3x)"), (), None, 2, "log_missing_inner"),
    ("ln_partial", _d("ln(x^2 + y^2)", "1/(x^2 + y^2)"), (), None, 2, "log_missing_inner"),
    # product rule
    ("x2_sin", _d("x^2 sin(x)", "2x sin(x)"), (), None, 2, "product_rule_missing_term"),
    ("x_exp", _d("x e^x", "e^x"), (), None, 2, "product_rule_missing_term"),
    ("x3_ln", _d("x^3 ln(x)", "3x^2 ln(x)"), (), None, 2, "product_rule_missing_term"),
    ("sqrt_exp", _d("sqrt(x) e^x", "e^x/(2 sqrt(x))"), (), None, 2,
     "product_rule_missing_term"),
    ("x2_sin_dd", _d("x^2 sin(x)", "2x cos(x)"), (), None, 2, "product_of_derivatives"),
    ("x_cos_dd", _d("x cos(x)", "-sin(x)"), (), None, 2, "product_of_derivatives"),
    # quotient rule
    ("quotient_issue", _d("(x^2 + 1)/(x - 1)", "(2x (x - 1) + (x^2 + 1)) / (x - 1)^2",
                          "(3x^2 - 2x + 1)/(x - 1)^2"), (), None, 2, "quotient_rule_sign"),
    ("sinc_sign", _d("sin(x)/x", "(x cos(x) + sin(x))/x^2"), (), None, 2,
     "quotient_rule_sign"),
    ("ratio_square", _d("x/(x + 1)", "((x + 1) - x)/(x + 1)", "1/(x + 1)"), (), None, 2,
     "quotient_rule_square"),
    ("quotient_square", _d("(x^2 + 1)/(x - 1)", "(2x(x - 1) - (x^2 + 1))/(x - 1)"), (), None,
     2, "quotient_rule_square"),
    ("exp_over_x", _d("e^x/x", "(x e^x - e^x)/x"), (), None, 2, "quotient_rule_square"),
    # power rule misapplied
    ("two_to_x", _d("2^x", "x * 2^(x - 1)"), (), None, 2, "power_rule_on_exponential"),
    ("three_x2", _d("3^(x^2)", "2x x^2 * 3^(x^2 - 1)"), (), None, 2,
     "power_rule_on_exponential"),
    ("x_to_x", _d("x^x", "x x^(x - 1)"), (), None, 2, "power_rule_on_variable_exponent"),
    ("x_to_sin", _d("x^(sin(x))", "sin(x) x^(sin(x) - 1)"), (), None, 2,
     "power_rule_on_variable_exponent"),
    # sigmoid
    ("sigmoid", _d("sigmoid(x)", "sigmoid(x)(1 + sigmoid(x))"), (), None, 2, "sigmoid_sign"),
    ("sigmoid_2x", _d("sigmoid(2x)", "2 sigmoid(2x)(1 + sigmoid(2x))"), (), None, 2,
     "sigmoid_sign"),
    # constant factor
    ("cube_third", _d("x^3/3", "x^2/3"), (), None, 2, "constant_factor"),
    ("five_x4", _d("5x^4", "4x^3"), (), None, 2, "constant_factor"),
    ("minus_cos", _d("-cos(x)", "-sin(x)"), (), None, 2, "constant_factor"),
    ("halved", _d("4x^3 - 2x", "12x^2 - 2", "6x^2 - 1"), (), None, 3, "constant_factor"),
    # algebra after a right line
    ("trig_slip", _d("sin(x) cos(x)", "cos(x) cos(x) - sin(x) sin(x)",
                     "cos(x)^2 + sin(x)^2", "1"), (), None, 3, "algebra_slip"),
    ("power_slip", _d("(x^2 + 1)^3", "3(x^2 + 1)^2 * 2x", "6x (x^2 + 1)^3"), (), None, 3,
     "algebra_slip"),
    ("expand_slip", _d("(x + 1)^2 (x - 1)", "2(x + 1)(x - 1) + (x + 1)^2",
                       "2x^2 - 2 + x^2 + 2x + 1", "3x^2 + 2x - 3"), (), None, 4,
     "algebra_slip"),
    # partial derivatives
    ("x2y", _d("x^2 y", "2x y + x^2"), (), None, 2, "constant_as_variable"),
    ("x_y2_plus", _d("x y^2 + x^2 y", "y^2"), (), None, 2, "variable_as_constant"),
    ("quadratic_form", _d("x^2 + x y + y^2", "2x + y + 2y"), (), None, 2,
     "constant_as_variable"),
    ("x2y3", _d("x^2 y^3", "2x y^3 + 3x^2 y^2"), (), None, 2, "constant_as_variable"),
    ("notes_partial", _d("3x^2(2y + 7)", "6x(2y + 7) + 6x^2"), (), None, 2,
     "constant_as_variable"),
    ("x_over_y", _d("x/y", "1/y - x/y^2"), (), None, 2, "constant_as_variable"),
    ("by_y", _d("x^2 y", "2x y + x^2", wrt="y"), (), None, 2, "constant_as_variable"),
    ("x_exp_xy", _d("x + exp(x y)", "1"), (), None, 2, "variable_as_constant"),
    # vectors and matrices
    ("xtax_2ax", _d("x.T @ A @ x", "2*A @ x"), XA, None, 2, "symmetric_assumed"),
    ("xtax_2xta", _d("x.T @ A @ x", "x.T @ A.T + x.T @ A"), XA, None, 2, "layout_transpose"),
    ("atx_row", _d("a.T @ x", "a.T"), XV, None, 2, "layout_transpose"),
    ("xtx_row", _d("x.T @ x", "2*x.T"), ("x:n",), None, 2, "layout_transpose"),
    ("trace_ax", _d("tr(A @ X)", "A", wrt="X"), ("A:n,n", "X:n,n"), None, 2,
     "layout_transpose"),
    ("bilinear", _d("y.T @ A @ x", "x @ y.T", wrt="A"), ("x:n", "y:n", "A:n,n"), None, 2,
     "layout_transpose"),
    ("linear_w", _d("w.T @ x + b", "x.T", wrt="w"), ("w:n", "x:n"), None, 2,
     "layout_transpose"),
    ("sum_wx", _d("sum(W @ x)", "x", wrt="W"), ("W:m,n", "x:n"), None, 2, "shape_mismatch"),
    ("bias_batch", _d("sum(W @ X + b)", "ones(n1, m)", wrt="b"), NET, None, 2,
     "missing_batch_sum"),
    ("mse_mean", _d("sum((W @ X - Y) * (W @ X - Y))/m", "2*(W @ X - Y) @ X.T", wrt="W"),
     ("W:k,n", "X:n,m", "Y:k,m"), None, 2, "missing_mean"),
    ("mean_sum", _d("sum(W @ X)/m", "ones(n1, m) @ X.T", wrt="W"), NET[:2], None, 2,
     "missing_mean"),
    ("norm_half", _d("norm(x)^2", "x"), ("x:n",), None, 2, "constant_factor"),
    ("xtx_half", _d("x.T @ x", "x"), ("x:n",), None, 2, "constant_factor"),
    ("matrix_carried", _d("x.T @ A @ x", "2*A @ x", "A @ x + A @ x"), XA, None, 2,
     "symmetric_assumed"),
    # backward passes (the lines as numbered in the student's file)
    ("bp_dw2_mean", _bw(dW2="dZ2 @ A1.T"), (), MLP, 2, "missing_mean"),
    ("bp_db1_sum", _bw(db1="dZ1 / m"), (), MLP, 7, "missing_batch_sum"),
    ("bp_dw1_layout", _bw(dW1="X @ dZ1.T / m"), (), MLP, 6, "layout_transpose"),
    ("bp_db2_sum", _bw(db2="dZ2 / m"), (), MLP, 3, "missing_batch_sum"),
    ("bp_sign_carried", _bw(dZ2="Y - A2"), (), MLP, 1, "constant_factor"),
    ("bp_tanh_prime", _bw(dZ1="W2.T @ dZ2"), (), MLP, 5, "missing_chain_factor"),
]

# (name, text, shapes, program)
RIGHT = [
    ("sin_x2", _d("sin(x^2)", "cos(x^2) * 2x"), (), None),
    ("sin_x2_b", _d("sin(x^2)", "2 x cos(x^2)"), (), None),
    ("cos_3x", _d("cos(3x)", "-3 sin(3x)"), (), None),
    ("poly_power", _d("(2x + 1)^5", "5(2x + 1)^4 * 2", "10 (2x + 1)^4"), (), None),
    ("sqrt_chain", _d("sqrt(x^2 + 1)", "2x/(2 sqrt(x^2 + 1))", "x/sqrt(x^2 + 1)"), (), None),
    ("tan_cube", _d("tan(x^3)", "3x^2/cos(x^3)^2", "3x^2 (1 + tan(x^3)^2)"), (), None),
    ("sin_squared", _d("sin(x)^2", "2 sin(x) cos(x)", "sin(2x)"), (), None),
    ("reciprocal", _d("(3x + 2)^(-1)", "-3/(3x + 2)^2"), (), None),
    ("tanh_2x", _d("tanh(2x)", "2(1 - tanh(2x)^2)", "2/cosh(2x)^2"), (), None),
    ("sin_xy", _d("sin(x y)", "y cos(x y)"), (), None),
    ("exp_3x2", _d("exp(3x^2)", "6x exp(3x^2)", "6 x e^(3x^2)"), (), None),
    ("exp_sin", _d("e^(sin(x))", "cos(x) e^(sin(x))"), (), None),
    ("exp_gauss", _d("exp(-x^2)", "-2x exp(-x^2)"), (), None),
    ("exp_xy", _d("exp(x y)", "y exp(x y)"), (), None),
    ("ln_abs", _d("ln(abs(x^2 + 1))", "2x/(x^2 + 1)"), (), None),
    ("ln_poly", _d("ln(x^2 + 3x)", "(2x + 3)/(x^2 + 3x)", "(2x + 3)/(x (x + 3))"), (), None),
    ("ln_sin", _d("ln(sin(x))", "cos(x)/sin(x)", "1/tan(x)"), (), None),
    ("ln_abs_cos", _d("ln(abs(cos(x)))", "-sin(x)/cos(x)", "-tan(x)"), (), None),
    ("ln_3x", _d("ln(3x)", "3/(3x)", "1/x"), (), None),
    ("ln_partial", _d("ln(x^2 + y^2)", "2x/(x^2 + y^2)"), (), None),
    ("x2_sin", _d("x^2 sin(x)", "2x sin(x) + x^2 cos(x)", "x (2 sin(x) + x cos(x))"), (), None),
    ("x_exp", _d("x e^x", "e^x + x e^x", "(1 + x) e^x"), (), None),
    ("x3_ln", _d("x^3 ln(x)", "3x^2 ln(x) + x^3/x", "x^2 (3 ln(x) + 1)"), (), None),
    ("sqrt_exp", _d("sqrt(x) e^x", "e^x/(2 sqrt(x)) + sqrt(x) e^x"), (), None),
    ("x_cos", _d("x cos(x)", "cos(x) - x sin(x)"), (), None),
    ("quotient_issue", _d("(x^2 + 1)/(x - 1)", "(2x (x - 1) - (x^2 + 1)) / (x - 1)^2",
                          "(x^2 - 2x - 1)/(x - 1)^2"), (), None),
    ("sinc", _d("sin(x)/x", "(x cos(x) - sin(x))/x^2", "cos(x)/x - sin(x)/x^2"), (), None),
    ("ratio", _d("x/(x + 1)", "((x + 1) - x)/(x + 1)^2", "1/(x + 1)^2"), (), None),
    ("exp_over_x", _d("e^x/x", "(x e^x - e^x)/x^2", "e^x (x - 1)/x^2"), (), None),
    ("two_to_x", _d("2^x", "2^x ln(2)"), (), None),
    ("three_x2", _d("3^(x^2)", "2x ln(3) * 3^(x^2)"), (), None),
    ("x_to_x", _d("x^x", "x^x (ln(x) + 1)", "x^x ln(x) + x^x"), (), None),
    ("x_to_sin", _d("x^(sin(x))", "x^(sin(x)) (cos(x) ln(x) + sin(x)/x)"), (), None),
    ("sigmoid", _d("sigmoid(x)", "sigmoid(x)(1 - sigmoid(x))", "sigmoid(x) - sigmoid(x)^2"),
     (), None),
    ("sigmoid_exp", _d("sigmoid(x)", "exp(-x)/(1 + exp(-x))^2"), (), None),
    ("sigmoid_2x", _d("sigmoid(2x)", "2 sigmoid(2x)(1 - sigmoid(2x))"), (), None),
    ("cube_third", _d("x^3/3", "3x^2/3", "x^2"), (), None),
    ("five_x4", _d("5x^4", "20x^3"), (), None),
    ("minus_cos", _d("-cos(x)", "sin(x)"), (), None),
    ("poly", _d("4x^3 - 2x", "12x^2 - 2", "2(6x^2 - 1)"), (), None),
    ("trig", _d("sin(x) cos(x)", "cos(x) cos(x) - sin(x) sin(x)", "cos(x)^2 - sin(x)^2",
                "cos(2x)"), (), None),
    ("power", _d("(x^2 + 1)^3", "3(x^2 + 1)^2 * 2x", "6x (x^2 + 1)^2"), (), None),
    ("expand", _d("(x + 1)^2 (x - 1)", "2(x + 1)(x - 1) + (x + 1)^2",
                  "2x^2 - 2 + x^2 + 2x + 1", "3x^2 + 2x - 1", "(3x - 1)(x + 1)"), (), None),
    ("x2y", _d("x^2 y", "2x y"), (), None),
    ("x_y2_plus", _d("x y^2 + x^2 y", "y^2 + 2x y", "y (y + 2x)"), (), None),
    ("quadratic_form", _d("x^2 + x y + y^2", "2x + y"), (), None),
    ("x2y3", _d("x^2 y^3", "2x y^3"), (), None),
    ("notes_partial", _d("3x^2(2y + 7)", "6x(2y + 7)", "12 x y + 42 x"), (), None),
    ("x_over_y", _d("x/y", "1/y"), (), None),
    ("by_y", _d("x^2 y", "x^2", wrt="y"), (), None),
    ("x_exp_xy", _d("x + exp(x y)", "1 + y exp(x y)"), (), None),
    ("latex_align", "d/dx x^2 sin(x)\n&= 2x sin(x) + x^2 cos(x) \\\\\n&= x(2 sin(x) + x cos(x))\n",
     (), None),
    ("lhs_named", "d/dx x^3\ndy/dx = 3x^2\n", (), None),
    ("xtax", _d("x.T @ A @ x", "A @ x + A.T @ x", "(A + A.T) @ x"), XA, None),
    ("xtax_b", _d("x.T @ A @ x", "(A.T + A) @ x"), XA, None),
    ("atx", _d("a.T @ x", "a"), XV, None),
    ("xtx", _d("x.T @ x", "2*x", "x + x"), ("x:n",), None),
    ("trace_ax", _d("tr(A @ X)", "A.T", wrt="X"), ("A:n,n", "X:n,n"), None),
    ("bilinear", _d("y.T @ A @ x", "y @ x.T", wrt="A"), ("x:n", "y:n", "A:n,n"), None),
    ("linear_w", _d("w.T @ x + b", "x", wrt="w"), ("w:n", "x:n"), None),
    ("sum_wx", _d("sum(W @ x)", "ones(m, 1) @ x.T", wrt="W"), ("W:m,n", "x:n"), None),
    ("bias_batch", _d("sum(W @ X + b)", "sum(ones(n1, m), axis=1)", "m*ones(n1, 1)", wrt="b"),
     NET, None),
    ("mse_mean", _d("sum((W @ X - Y) * (W @ X - Y))/m", "(2/m)*(W @ X - Y) @ X.T", wrt="W"),
     ("W:k,n", "X:n,m", "Y:k,m"), None),
    ("norm", _d("norm(x)^2", "2*x"), ("x:n",), None),
    ("bp_right", RIGHT_BACKWARD, (), MLP),
    ("bp_right_b", _bw(dW2="(1/m) * dZ2 @ A1.T", dZ1="(W2.T @ dZ2) * (1 - tanh(Z1)^2)"),
     (), MLP),
]


def check_case(text: str, shapes: tuple[str, ...], program: str | None):
    """The checker's Report of one case (through the public API)."""
    import matcalc
    d = matcalc.check(derivation=text, shapes=list(shapes) or None, program=program)
    return d.attachments["check"]


def figures() -> dict[str, int]:
    """The issue's figures over the corpus."""
    out = {"right": len(RIGHT), "right_accepted": 0, "wrong": len(WRONG), "wrong_caught": 0,
           "first_wrong_line_found": 0, "diagnosis_named": 0}
    misses = []
    for name, text, shapes, program in RIGHT:
        try:
            r = check_case(text, shapes, program)
        except Exception as exc:
            misses.append(("right: error", name, repr(exc)))
            continue
        out["right_accepted"] += r.correct
        if not r.correct:
            misses.append(("right rejected", name, [(l.line, l.status) for l in r.lines]))
    for name, text, shapes, program, line, rule in WRONG:
        try:
            r = check_case(text, shapes, program)
        except Exception as exc:
            misses.append(("wrong: error", name, repr(exc)))
            continue
        out["wrong_caught"] += not r.correct
        out["first_wrong_line_found"] += r.first_wrong_line == line
        got = next((l.diagnosis.rule for l in r.lines if l.line == r.first_wrong_line), None)
        out["diagnosis_named"] += r.first_wrong_line == line and got == rule
        if r.first_wrong_line != line or got != rule:
            misses.append(("wrong", name, r.first_wrong_line, got, "expected", line, rule))
    out["misses"] = misses  # type: ignore[assignment]
    return out
