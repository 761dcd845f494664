"""The matrix side of the CLI (--shape, --dim): output formats, exit statuses, bad input.

Expected values are computed here, independently of matcalc: (A + A^T) x for the headline,
diag(1 - tanh(x_i)^2) for the tanh Jacobian.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc.cli import main

HEADLINE = ["derive", "x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt", "x"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _rules(steps: list[dict]) -> list[str]:
    out: list[str] = []
    for s in steps:
        out.append(s["rule"])
        out.extend(_rules(s["children"]))
    return out


def test_headline_text() -> None:
    r = run(*HEADLINE)
    assert r.exit_code == 0, r.output
    assert "Result:  df/dx = (A + A.T) @ x" in r.stdout
    assert "where x is n x 1 and A is n x n." in r.stdout
    # the read-off says what it is, numbered and named like the scalar steps
    assert re.search(r"^  1\.\d  df = g\.T @ dx for every dx, where g = .*, so df/dx = g$",
                     r.stdout, re.M), r.stdout
    assert "[read off the gradient]" in r.stdout and "[d_" not in r.stdout
    assert "Verified numerically" in r.stdout
    assert r.stderr == ""


def test_headline_in_a_real_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "matcalc", *HEADLINE], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "(A + A.T) @ x" in proc.stdout
    assert proc.stderr == ""


def test_headline_json_follows_the_contract() -> None:
    r = run(*HEADLINE, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) >= {"matcalc", "kind", "input", "wrt", "shapes", "layout", "results",
                        "steps", "verification"}
    assert doc["kind"] == "derivative"
    assert doc["input"] == "x.T @ A @ x"
    assert doc["wrt"] == ["x"]
    assert doc["shapes"] == {"x": ["n", 1], "A": ["n", "n"]}
    assert list(doc["results"]) == ["x"]
    entry = doc["results"]["x"]
    assert entry["result"] == "(A + A.T) @ x"
    assert "A^{T}" in entry["latex"]
    rng = np.random.default_rng(3)
    for n in (2, 5):
        A, x = rng.standard_normal((n, n)), rng.standard_normal((n, 1))
        got = eval(entry["numpy"], {"np": np}, {"A": A, "x": x, "n": n})
        assert got.shape == (n, 1) and np.allclose(got, (A + A.T) @ x, rtol=1e-12)
    rules = _rules(doc["steps"])
    assert {"d_product", "d_scalar_product"} & set(rules), rules
    assert "trace_form" in rules and "read_off_gradient" in rules
    assert rules.index("read_off_gradient") > rules.index("trace_form")
    for s in doc["steps"]:
        assert set(s) >= {"rule", "description", "expr", "result", "latex", "children"}
    v = doc["verification"]
    assert v["status"] == "passed" and v["points"] > 0 and v["max_rel_error"] < 1e-6


@pytest.mark.parametrize("fmt,marker", [("latex", "A^{T}"), ("markdown", "read off the gradient"),
                                        ("numpy", "(A + A.T) @ x")])
def test_headline_other_formats(fmt: str, marker: str) -> None:
    r = run(*HEADLINE, "--format", fmt)
    assert r.exit_code == 0, r.output
    assert marker in r.stdout


@pytest.mark.latex
def test_headline_standalone_latex_compiles(pdflatex) -> None:
    r = run(*HEADLINE, "--format", "latex", "--standalone")
    assert r.exit_code == 0, r.output
    assert r.stdout.lstrip().startswith(r"\documentclass")
    assert r"\end{document}" in r.stdout
    pdflatex(r.stdout, "headline")


@pytest.mark.latex
def test_api_standalone_latex_compiles_with_dims(pdflatex) -> None:
    from matcalc import jacobian
    d = jacobian("tanh(W @ x + b)", "x", shapes=["W:m,n", "x:n", "b:m"], dims=["n=2", "m=2"])
    pdflatex(d.to_latex(standalone=True), "tanh")


def test_dim_shows_the_components_of_the_gradient() -> None:
    r = run(*HEADLINE, "--dim", "n=3")
    assert r.exit_code == 0, r.output
    assert "n = 3" in r.stdout
    doc = json.loads(run(*HEADLINE, "--dim", "n=3", "--format", "json").stdout)
    last = doc["steps"][-1]
    assert last["rule"] == "expand_dimensions"
    # the i-th component of (A + A^T) x, written out by hand
    A = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"A{i + 1}{j + 1}"))
    x = sp.Matrix([sp.Symbol(f"x{i + 1}") for i in range(3)])
    want = (A + A.T) * x
    from matcalc.parse import parse_matrix
    got = parse_matrix(last["result"])
    assert got.shape == (3, 1)
    assert sp.expand(got - want) == sp.zeros(3, 1)


def test_dim_shows_the_3x3_jacobian_of_tanh() -> None:
    r = run("jacobian", "tanh(x)", "--shape", "x:n", "--wrt", "x", "--dim", "n=3")
    assert r.exit_code == 0, r.output
    assert "numerator layout" in r.stdout
    doc = json.loads(run("jacobian", "tanh(x)", "--shape", "x:n", "--wrt", "x", "--dim", "n=3",
                         "--format", "json").stdout)
    last = doc["steps"][-1]
    assert last["rule"] == "expand_dimensions"
    from matcalc.parse import parse_matrix
    got = parse_matrix(last["result"])
    xs = [sp.Symbol(f"x{i + 1}") for i in range(3)]
    want = sp.diag(*[1 - sp.tanh(t) ** 2 for t in xs])
    assert got.shape == (3, 3)
    assert (got - want).applyfunc(sp.simplify) == sp.zeros(3, 3)


def test_jacobian_json_has_the_single_key_jacobian() -> None:
    r = run("jacobian", "tanh(W @ x + b)", "--shape", "W:m,n", "--shape", "x:n", "--shape",
            "b:m", "--wrt", "x", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["kind"] == "jacobian" and doc["layout"] == "numerator"
    assert list(doc["results"]) == ["jacobian"]
    rng = np.random.default_rng(5)
    W, x, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 1)), rng.standard_normal((4, 1))
    got = eval(doc["results"]["jacobian"]["numpy"], {"np": np},
               {"W": W, "x": x, "b": b, "m": 4, "n": 3})
    assert got.shape == (4, 3)
    assert np.allclose(got, (1 - np.tanh(W @ x + b) ** 2) * W, rtol=1e-12)
    den = json.loads(run("jacobian", "tanh(W @ x + b)", "--shape", "W:m,n", "--shape", "x:n",
                         "--shape", "b:m", "--wrt", "x", "--format", "json", "--layout",
                         "denominator").stdout)
    assert den["layout"] == "denominator"
    got = eval(den["results"]["jacobian"]["numpy"], {"np": np},
               {"W": W, "x": x, "b": b, "m": 4, "n": 3})
    assert got.shape == (3, 4) and np.allclose(got, ((1 - np.tanh(W @ x + b) ** 2) * W).T)


def test_grad_with_two_variables_gives_both_gradients() -> None:
    r = run("grad", "x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt", "x,A",
            "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["wrt"] == ["x", "A"] and list(doc["results"]) == ["x", "A"]
    rng = np.random.default_rng(9)
    A, x = rng.standard_normal((4, 4)), rng.standard_normal((4, 1))
    env = {"A": A, "x": x, "n": 4}
    gx = eval(doc["results"]["x"]["numpy"], {"np": np}, env)
    gA = eval(doc["results"]["A"]["numpy"], {"np": np}, env)
    assert gx.shape == (4, 1) and np.allclose(gx, (A + A.T) @ x)
    assert gA.shape == (4, 4) and np.allclose(gA, x @ x.T)        # Cookbook: d x^T A x / dA
    assert doc["verification"]["status"] == "passed"


# --------------------------------------------------------------------------- bad input
#: (id, argv, texts the error message must contain)
BAD = [
    ("hadamard-shapes", ["jacobian", "w * x", "--shape", "w:n", "--shape", "x:k", "--wrt", "w"],
     ["(n, 1)", "(k, 1)"]),
    ("hadamard-shapes-in-sum", ["derive", "sum(w * x)", "--shape", "w:n", "--shape", "x:k",
                                "--wrt", "w"], ["(n, 1)", "(k, 1)"]),
    ("matmul-shapes", ["jacobian", "W @ x", "--shape", "W:m,n", "--shape", "x:k", "--wrt", "x"],
     ["W @ x", "(m, n)", "(k, 1)"]),
    ("matmul-shapes-in-sum", ["derive", "sum(W @ x)", "--shape", "W:m,n", "--shape", "x:k",
                              "--wrt", "x"], ["(m, n)", "(k, 1)"]),
    ("derive-vector", ["derive", "W @ x", "--shape", "W:m,n", "--shape", "x:n", "--wrt", "x"],
     ["scalar objective", "(m, 1)"]),
    ("shape-empty", ["derive", "sum(x)", "--shape", "x:", "--wrt", "x"], ["x"]),
    ("shape-zero", ["derive", "sum(x)", "--shape", "x:0", "--wrt", "x"], ["0"]),
    ("shape-three-dims", ["derive", "sum(x)", "--shape", "x:a,b,c", "--wrt", "x"], ["a,b,c"]),
    ("shape-function-name", ["derive", "sum(x)", "--shape", "sin:n", "--wrt", "x"], ["sin"]),
    ("shape-no-colon", ["derive", "sum(x)", "--shape", "x", "--wrt", "x"], ["x"]),
    ("unknown-wrt", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "y"], ["y"]),
    ("wrt-is-a-dimension", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "n"], ["n"]),
    ("unknown-dim", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "x", "--dim", "q=3"],
     ["q"]),
    ("bad-dim-value", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "x", "--dim", "n=x"],
     ["n"]),
    ("juxtaposed-matrices", ["derive", "sum(A B)", "--shape", "A:n,n", "--shape", "B:n,n",
                             "--wrt", "A"], ["@"]),
    ("juxtaposed-matrix-vector", ["jacobian", "A x", "--shape", "A:n,n", "--shape", "x:n",
                                  "--wrt", "x"], ["@"]),
    ("trace-non-square", ["derive", "tr(X)", "--shape", "X:m,n", "--wrt", "X"],
     ["square", "(m, n)"]),
    ("inverse-of-vector", ["derive", "sum(inv(x))", "--shape", "x:n", "--wrt", "x"],
     ["square", "(n, 1)"]),
    ("det-non-square", ["derive", "det(X)", "--shape", "X:m,n", "--wrt", "X"],
     ["square", "(m, n)"]),
    ("duplicate-shape", ["derive", "sum(x)", "--shape", "x:n", "--shape", "x:m", "--wrt", "x"],
     ["x"]),
    ("matrix-and-dimension", ["derive", "sum(x)", "--shape", "x:n", "--shape", "n:3",
                              "--wrt", "x"], ["n"]),
    ("wrt-needed", ["derive", "x.T @ A @ x", "--shape", "x:n", "--shape", "A:n,n"], ["--wrt"]),
    ("shape-negative", ["derive", "sum(x)", "--shape", "x:-3", "--wrt", "x"], ["-3"]),
    ("shape-too-large", ["derive", "sum(x)", "--shape", "x:1000001", "--wrt", "x"],
     ["1000001"]),
    ("dim-too-large", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "x", "--dim", "n=13"],
     ["n=13"]),
    ("where-with-shape", ["derive", "sum(x)", "--shape", "x:n", "--wrt", "x", "--where",
                          "g = x"], ["--where"]),
    ("jacobian-two-wrt", ["jacobian", "A @ x", "--shape", "x:n", "--shape", "A:n,n", "--wrt",
                          "x,A"], ["one variable"]),
    ("vector-matmul-vector", ["derive", "x @ x", "--shape", "x:n", "--wrt", "x"],
     ["(n, 1) @ (n, 1)"]),
    ("empty", ["derive", "", "--shape", "x:n", "--wrt", "x"], ["empty"]),
]


@pytest.mark.parametrize("argv,needles", [pytest.param(a, n, id=i) for i, a, n in BAD])
def test_bad_input_exits_2_with_one_error_line(argv: list[str], needles: list[str]) -> None:
    r = run(*argv)
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert r.stdout == ""
    err = r.stderr
    assert "Traceback" not in err and "internal error" not in err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[0] == errors[0], err
    # at most the input echoed and a caret under the position, after the one message
    assert len(lines) in (1, 3), err
    if len(lines) == 3:
        assert lines[1].strip() == argv[1].strip() and re.fullmatch(r"\s*\^", lines[2]), err
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])


def test_bad_shapes_in_a_real_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "matcalc", "jacobian", "W @ x", "--shape",
                           "W:m,n", "--shape", "x:k", "--wrt", "x"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith("error: ") and "(m, n)" in first and "(k, 1)" in first


@pytest.mark.parametrize("expr", ["tr(W)", "x.T @ A", "det(Q) + sum(x)", "q.T @ x"])
def test_undeclared_matrix_used_as_matrix_names_it(expr) -> None:
    """An undeclared name is a scalar; using it where a matrix is needed says so (exit 2)."""
    from click.testing import CliRunner

    from matcalc.cli import main

    res = CliRunner().invoke(main, ["derive", expr, "--shape", "x:n", "--wrt", "x"])
    assert res.exit_code == 2
    first = res.output.splitlines()[0]
    assert first.startswith("error:") and "has no --shape" in first and "Traceback" not in res.output
