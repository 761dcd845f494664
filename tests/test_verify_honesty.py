"""Every example of issue 18 ("Verified" must mean verified), as a regression test."""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import backprop
from matcalc.cli import main
from matcalc.matrix.parse import parse_matrix_expression
from matcalc.parse import parse
from matcalc.verify import check_derivative
from matcalc.verify.matrix import Claim, check_matrix

x = sp.Symbol("x")


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def _verified_within_tolerance(v) -> None:
    assert v.status == "passed", v
    assert v.max_rel_error <= v.tolerance, v


# ----------------------------------------------------------------- scalar: no false pass
@pytest.mark.parametrize("f,wrong", [("sin(x) + 10^20", "7*cos(x) + 100"),
                                     ("sin(x) + 10^20", "0"),
                                     ("1e-400*x", "0"), ("1e-400*x", "3e-400"),
                                     ("x^10000", "9999*x^9998")])
def test_scalar_wrong_results_fail(f: str, wrong: str) -> None:
    v = check_derivative(parse(f), parse(wrong), x)
    assert v.status == "failed", v


@pytest.mark.parametrize("expr", ["sin(x) + 10^20", "1e-400*x", "x^10000", "sin(10^16 + x)"])
def test_scalar_correct_results_pass_in_extended_precision(expr: str) -> None:
    r = run("derive", expr, "--format", "json")
    assert r.exit_code == 0, r.output
    import json
    v = json.loads(r.output)["verification"]
    assert v["status"] == "passed" and "60-digit" in v["method"], v
    assert v["max_rel_error"] <= v["tolerance"]


def test_verified_line_states_extended_precision() -> None:
    r = run("derive", "sin(x) + 10^20")
    assert r.exit_code == 0 and "Verified" in r.output and "mpmath" in r.output, r.output


# ----------------------------------------------------------------- shapes: evidence needed
N = sp.Symbol("n")
SHAPES = {"x": (N, 1)}
XV = sp.MatrixSymbol("x", N, 1)


def _matrix(f: str, g: str):
    return check_matrix(parse_matrix_expression(f, SHAPES),
                        [Claim(XV, parse_matrix_expression(g, SHAPES))], {N}, "gradient",
                        shapes=SHAPES)


def test_fast_varying_sum_is_resolved_and_planted_errors_fail() -> None:
    _verified_within_tolerance(_matrix("sum(sin(1000*x))", "1000*cos(1000*x)"))
    for wrong in ("3000*cos(1000*x)", "-1000*cos(1000*x)"):
        assert _matrix("sum(sin(1000*x))", wrong).status == "failed"


def test_tiny_gradient_is_compared_relatively() -> None:
    _verified_within_tolerance(_matrix("1e-9*sum(x*x)", "2e-9*x"))
    for wrong in ("0*x", "-2e-9*x"):
        assert _matrix("1e-9*sum(x*x)", wrong).status == "failed"


def test_exp_100_is_not_a_false_failure() -> None:
    _verified_within_tolerance(_matrix("sum(exp(100*x))", "100*exp(100*x)"))


def test_swamping_constant_is_not_verified_with_reason_and_exit_0() -> None:
    v = _matrix("norm(x)^2 + 1e20", "2*x")
    assert v.status == "skipped" and "not enough evidence" in v.message
    assert _matrix("norm(x)^2 + 1e20", "-2*x").status != "passed"
    r = run("derive", "norm(x)^2 + 1e20", "--shape", "x:n", "--wrt", "x")
    assert r.exit_code == 0 and "Not verified" in r.output and "Verified num" not in r.output


def test_backprop_examples() -> None:
    d = backprop("X: 3, 4\nJ = sum(sin(1000*X))\n")
    assert d.verification.status == "passed", d.verification
    d = backprop("X: 3, 4\nJ = sum(X * X) + 1e20\n")
    assert d.verification.status == "skipped" and d.verification.message


# ----------------------------------------------------------------- emitted code as code
def _load(text: str):
    spec = importlib.util.spec_from_loader("emitted_test", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(text, "<emitted>", "exec"), module.__dict__)  # noqa: S102 - our output
    return module


def test_user_name_dX_beside_X_is_exit_2_with_line() -> None:
    r = run("backprop", "-", "--emit", "numpy", stdin="X: 3, 4\ndX: 3, 4\nJ = sum(X * dX)\n")
    assert r.exit_code == 2 and "line 2" in r.output and "adjoint" in r.output, r.output


def test_inputs_named_cache_and_forward_give_a_working_module() -> None:
    r = run("backprop", "-", "--emit", "numpy",
            stdin="cache: 3, 4\nforward: 3, 4\nJ = sum(cache * forward * cache)\n")
    assert r.exit_code == 0, r.output
    mod = _load(r.output)
    rng = np.random.default_rng(0)
    c, f = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    g = mod.backward(c, f)
    np.testing.assert_allclose(g["cache"], 2 * c * f)
    np.testing.assert_allclose(g["forward"], c * c)


@pytest.mark.parametrize("program,line", [("X: 3, 4\nA = B + X\nB = A\nJ = sum(B)\n", 3),
                                          ("X: 3, 4\nA = A + X\nJ = sum(A)\n", 2)])
def test_use_before_assignment_and_self_reference_are_exit_2(program: str, line: int) -> None:
    r = run("backprop", "-", stdin=program)
    assert r.exit_code == 2 and f"line {line}" in r.output, r.output


def test_transpose_of_a_power_is_valid_numpy() -> None:
    r = run("derive", "norm((x^2).T)", "--shape", "x:n", "--wrt", "x", "--format", "numpy")
    assert r.exit_code == 0, r.output
    code = compile(r.output.strip(), "<numpy>", "eval")
    xv = np.array([[0.5], [-1.2], [2.0]])
    got = eval(code, {"np": np}, {"x": xv})  # noqa: S307 - matcalc's own output
    np.testing.assert_allclose(got, 2 * xv ** 3 / np.linalg.norm(xv ** 2))


def test_failing_numpy_code_is_not_written_without_force(tmp_path, monkeypatch) -> None:
    """A module whose check fails is not written (exit 1); --force writes it."""
    from matcalc.verify.result import Verification
    import matcalc.kinds.backprop as kb
    monkeypatch.setattr(kb, "check", lambda *a, **k: Verification(
        "failed", "planted", message="planted failure"), raising=False)
    import matcalc.verify.matrix as vm
    monkeypatch.setattr(vm, "check_backprop", lambda *a, **k: Verification(
        "failed", "planted", message="planted failure"))
    out = tmp_path / "m.py"
    prog = "X: 3, 4\nJ = sum(X * X)\n"
    r = run("backprop", "-", "--emit", "numpy", "-o", str(out), stdin=prog)
    assert r.exit_code == 1 and not out.exists() and "--force" in r.output, r.output
    r = run("backprop", "-", "--emit", "numpy", "-o", str(out), "--force", stdin=prog)
    assert r.exit_code == 1 and out.exists()


# ----------------------------------------------------------------- large declared sizes
def test_large_declared_sizes_are_checked_smaller_and_planted_errors_still_fail() -> None:
    from matcalc.options import Options
    from matcalc.verify.matrix import check_derivation
    shapes = {"A": (1000, 1000), "B": (1000, 1000), "X": (1000, 1000)}
    f = parse_matrix_expression("tr(A @ X @ B)", shapes)
    X = sp.MatrixSymbol("X", 1000, 1000)
    for g, status in [("A.T @ B.T", "passed"), ("3 * A.T @ B.T", "failed"),
                      ("B @ A", "failed"), ("-(A.T @ B.T)", "failed")]:
        v = check_derivation(f, "derivative", "numerator", [X],
                             {"X": parse_matrix_expression(g, shapes)}, shapes, set(),
                             Options())
        assert v.status == status, (g, v)
        assert "smaller size of the same structure" in v.method


def test_large_program_is_checked_smaller_and_a_planted_error_fails() -> None:
    from dataclasses import replace
    from matcalc.matrix.backprop import backward
    from matcalc.matrix.program import parse_program
    from matcalc.verify.matrix import check_backprop
    prog = parse_program("X: 500, 500\nW: 500, 500\nb: 500\nZ = W @ X + b\n"
                         "A = sigmoid(Z)\nJ = sum(A * A) / 500\n")
    W, b = sp.MatrixSymbol("W", 500, 500), sp.MatrixSymbol("b", 500, 1)
    bp = backward(prog, [W, b])
    v = check_backprop(prog, bp)
    assert v.status == "passed" and "smaller size of the same structure" in v.method, v
    planted = replace(bp, equations={**bp.equations, "dW": 3 * bp.equations["dW"]})
    assert check_backprop(prog, planted).status == "failed"


def test_a_large_jacobian_counts_its_own_entries() -> None:
    """A diagonal Jacobian of x:1000 has one input of 1000 entries but a value of a million
    at every stencil point: it is checked at a smaller size of the same structure (it took
    5 s at the declared size), and a planted error there still fails."""
    from matcalc import jacobian
    from matcalc.options import Options
    from matcalc.verify.matrix import check_derivation
    d = jacobian("sin(x) * x^2 + tanh(x)", "x", shapes=["x:1000"])
    v = d.verification
    assert v.status == "passed" and "1000 -> 7" in v.method, v
    x = sp.MatrixSymbol("x", 1000, 1)
    f = parse_matrix_expression("sin(x) * x^2 + tanh(x)", {"x": (1000, 1)})
    wrong = parse_matrix_expression("diag(cos(x) * x^2 + 1 - tanh(x)^2)", {"x": (1000, 1)})
    bad = check_derivation(f, "jacobian", "numerator", [x], {"jacobian": wrong},
                           {"x": (1000, 1)}, set(), Options())
    assert bad.status == "failed" and "1000 -> 7" in bad.method, bad
