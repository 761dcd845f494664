"""Jacobians of matrix-valued functions in Kronecker form, d vec(F)/d vec(X) (issue 12),
and the first-order holes the issue lists. Oracles: NumPy central differences of vec(F)
computed here (column-major vec), at two sizes, every entry; closed forms."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from matcalc import api
from matcalc.cli import main


def vec(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(-1, 1, order="F")


def fd_jacobian(F, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    flat = X.reshape(-1, order="F")
    cols = []
    for c in range(flat.size):
        e = np.zeros_like(flat)
        e[c] = h
        cols.append((vec(F((flat + e).reshape(X.shape, order="F")))
                     - vec(F((flat - e).reshape(X.shape, order="F"))))[:, 0] / (2 * h))
    return np.stack(cols, axis=1)


def K(n: int, k: int) -> np.ndarray:
    """Commutation matrix from its definition: K vec(X) = vec(X.T)."""
    out = np.zeros((n * k, n * k))
    for i in range(n):
        for j in range(k):
            out[i * k + j, j * n + i] = 1.0
    return out


# expression, shapes, F(values)(X), closed form(values), printed result
CASES = {
    "A X B": ("A @ X @ B", ["X:n,k", "A:m,n", "B:k,p"],
              lambda v: lambda X: v["A"] @ X @ v["B"], lambda v: np.kron(v["B"].T, v["A"]),
              "kron(B.T, A)"),
    "inverse": ("inv(X)", ["X:n,n"], lambda v: lambda X: np.linalg.inv(X),
                lambda v: -np.kron(np.linalg.inv(v["X"]).T, np.linalg.inv(v["X"])),
                "-kron(inv(X).T, inv(X))"),
    "transpose": ("X.T", ["X:n,k"], lambda v: lambda X: X.T,
                  lambda v: K(*v["X"].shape), "commutation(n, k)"),
    "square": ("X @ X", ["X:n,n"], lambda v: lambda X: X @ X,
               lambda v: np.kron(np.eye(len(v["X"])), v["X"]) + np.kron(v["X"].T, np.eye(len(v["X"]))),
               None),
    "tanh": ("tanh(X)", ["X:n,k"], lambda v: lambda X: np.tanh(X),
             lambda v: np.diagflat(vec(1 - np.tanh(v["X"]) ** 2)), "diag(vec(1 - tanh(X)^2))"),
    "W x by W": ("W @ x", ["W:m,n", "x:n"], lambda v: lambda W: W @ v["x"],
                 lambda v: np.kron(v["x"].T, np.eye(v["W"].shape[0])), "kron(x.T, eye(m))"),
}
VAR = {"A X B": "X", "inverse": "X", "transpose": "X", "square": "X", "tanh": "X",
       "W x by W": "W"}


def values(name: str, n: int, rng) -> dict:
    m, k, p = n + 1, n - 1, 2
    v = {"X": rng.standard_normal((n, n if name in ("inverse", "square") else k)),
         "A": rng.standard_normal((m, n)), "B": rng.standard_normal((k, p)),
         "W": rng.standard_normal((m, n)), "x": rng.standard_normal((n, 1))}
    if name == "inverse":
        v["X"] = np.eye(n) + 0.3 * v["X"] / np.sqrt(n)
    return v, {"n": n, "m": m, "k": n if name in ("inverse", "square") else k, "p": p}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("n", [3, 4])
def test_vec_jacobian_against_fd(name: str, n: int) -> None:
    expr, shapes, F, closed, printed = CASES[name]
    d = api.jacobian(expr, VAR[name], shapes=shapes)
    assert d.verification.status == "passed", d.verification.message
    doc = json.loads(d.to_json())["results"]["jacobian"]
    if printed is not None:
        assert doc["result"] == printed
    v, sizes = values(name, n, np.random.default_rng(n))
    J = np.asarray(eval(doc["numpy"], {"np": np, **v, **sizes}), dtype=float)  # noqa: S307
    fd = fd_jacobian(F(v), v[VAR[name]])
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(J, closed(v), rtol=1e-9, atol=1e-10)


def test_vjp_form_is_kept() -> None:
    d = api.jacobian("A @ X @ B", "X", shapes=["X:n,k", "A:m,n", "B:k,p"], form="vjp")
    assert json.loads(d.to_json())["results"]["jacobian"]["result"] == "A.T @ G @ B.T"
    assert any(s.rule == "vector_jacobian_product" for s in d.steps[0].walk())
    r = CliRunner().invoke(main, ["jacobian", "A @ X @ B", "--shape", "X:n,k", "--shape",
                                  "A:m,n", "--shape", "B:k,p", "--wrt", "X", "--form", "vjp"])
    assert r.exit_code == 0 and "A.T @ G @ B.T" in r.output


# ----------------------------------------------------------------------------- holes

def _result(args: list[str], verified: bool = True) -> dict:
    r = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    if verified:
        assert doc["verification"]["status"] == "passed"
    else:     # piecewise constant: finite differences are exactly 0, which is no evidence
        assert doc["verification"]["status"] in ("passed", "skipped"), doc["verification"]
    return doc


def test_matrix_function_of_a_scalar_has_its_shape() -> None:
    doc = _result(["jacobian", "t*A + t^2*B", "--shape", "A:n,n", "--shape", "B:n,n",
                   "--wrt", "t"])
    assert doc["results"]["jacobian"]["result"] == "A + 2*t*B"
    assert doc["results"]["jacobian"]["shape"] == ["n", "n"]
    doc = _result(["jacobian", "X + a*Y", "--shape", "X:n,k", "--shape", "Y:n,k", "--wrt", "a"])
    assert doc["results"]["jacobian"]["result"] == "Y"


def test_row_vector_by_its_column_is_the_identity() -> None:
    doc = _result(["jacobian", "x.T", "--shape", "x:n", "--wrt", "x"])
    assert doc["results"]["jacobian"]["result"] == "eye(n)"


@pytest.mark.parametrize("expr", ["step(x)", "sign(x)", "x^0"])
def test_zero_jacobians(expr: str) -> None:
    doc = _result(["jacobian", expr, "--shape", "x:n", "--wrt", "x"], verified=False)
    assert doc["results"]["jacobian"]["result"] == "zeros(n, n)"


def test_zero_gradient_has_the_variables_shape() -> None:
    doc = _result(["grad", "sum(step(x))", "--shape", "x:n", "--wrt", "x"], verified=False)
    assert doc["results"]["x"]["result"] == "zeros(n, 1)"


@pytest.mark.parametrize("n", [3, 5])
def test_one_by_one_factor_beside_dx(n: int) -> None:
    doc = _result(["jacobian", "x @ x.T @ x", "--shape", "x:n", "--wrt", "x"])
    x = np.random.default_rng(n).standard_normal((n, 1))
    J = np.asarray(eval(doc["results"]["jacobian"]["numpy"], {"np": np, "x": x, "n": n}))  # noqa: S307
    np.testing.assert_allclose(J, fd_jacobian(lambda v: v @ v.T @ v, x), rtol=1e-6, atol=1e-7)
    doc = _result(["jacobian", "(x + y.T).T @ x - y", "--shape", "x:n", "--shape", "y:n",
                   "--wrt", "x"])
    y = np.random.default_rng(n + 1).standard_normal((n, 1))
    J = np.asarray(eval(doc["results"]["jacobian"]["numpy"], {"np": np, "x": x, "y": y, "n": n}))  # noqa: S307
    np.testing.assert_allclose(J, fd_jacobian(lambda v: (v + y.T).T @ v - y, x), rtol=1e-6,
                               atol=1e-7)


def test_absent_variable_in_a_hessian_is_zero() -> None:
    d = api.hessian("x^2", "x,z")
    assert d.answer.tolist() == [[2, 0], [0, 0]]
    assert any(s.rule == "absent_variable" for s in d.steps)


# ------------------------------------------------- the matrix functions of issue 14

def S(n: int) -> np.ndarray:
    """The diagonal-selection matrix from its definition: (S vec(X))_i = X_ii."""
    out = np.zeros((n, n * n))
    for i in range(n):
        out[i, i * n + i] = 1.0        # X_ii sits at column-major index i + n*i
    return out


def _maxmask(X: np.ndarray) -> np.ndarray:
    m = (X == X.max()).astype(float)
    return m / m.sum()


def _lse(x: np.ndarray) -> float:
    return float(np.log(np.sum(np.exp(x))))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


# expression, shapes, variable, F(values)(V), closed form(values) or None
MATRIX_FUNCTIONS = {
    "diag(X)": ("diag(X)", ["X:n,n"], "X", lambda v: lambda X: np.diag(X).reshape(-1, 1),
                lambda v: S(len(v["X"]))),
    "diag(x)": ("diag(x)", ["x:n"], "x", lambda v: lambda x: np.diagflat(x),
                lambda v: S(len(v["x"])).T),
    "A diag(X) B": ("A @ diag(X) @ b.T", ["X:n,n", "A:m,n", "b:k"], "X",
                    lambda v: lambda X: v["A"] @ np.diag(X).reshape(-1, 1) @ v["b"].T,
                    lambda v: np.kron(v["b"], v["A"]) @ S(len(v["X"]))),
    "diag(A X B)": ("diag(A @ X @ B)", ["X:n,k", "A:m,n", "B:k,m"], "X",
                    lambda v: lambda X: np.diag(v["A"] @ X @ v["B"]).reshape(-1, 1),
                    lambda v: S(len(v["A"])) @ np.kron(v["B"].T, v["A"])),
    "diag(X^T)": ("diag(X.T)", ["X:n,n"], "X", lambda v: lambda X: np.diag(X).reshape(-1, 1),
                  lambda v: S(len(v["X"]))),
    "X diag(x)": ("X @ diag(x)", ["X:m,n", "x:n"], "x", lambda v: lambda x: v["X"] @ np.diagflat(x),
                  None),
    "diag(diag(X))": ("diag(diag(X))", ["X:n,n"], "X",
                      lambda v: lambda X: np.diag(np.diag(X)), lambda v: S(len(v["X"])).T @ S(len(v["X"]))),
    "sin(diag(X))": ("sin(diag(X))", ["X:n,n"], "X",
                     lambda v: lambda X: np.sin(np.diag(X)).reshape(-1, 1),
                     lambda v: np.diagflat(np.cos(np.diag(v["X"]))) @ S(len(v["X"]))),
    "max(X)": ("max(X)", ["X:n,k"], "X", lambda v: lambda X: np.array([[X.max()]]),
               lambda v: vec(_maxmask(v["X"])).T),
    "max(X) X": ("max(X) * X", ["X:n,k"], "X", lambda v: lambda X: X.max() * X, None),
    "max(X, Y)": ("max(X, Y) @ B", ["X:n,k", "Y:n,k", "B:k,m"], "X",
                  lambda v: lambda X: np.maximum(X, v["Y"]) @ v["B"], None),
    "maxmask(X) X": ("maxmask(X) @ X.T", ["X:n,k"], "X",
                     lambda v: lambda X: _maxmask(X) @ X.T, None),
    "norm1(X)": ("norm1(X)", ["X:n,k"], "X", lambda v: lambda X: np.array([[np.abs(X).sum()]]),
                 lambda v: vec(np.sign(v["X"])).T),
    "norm1(X) diag(X)": ("norm1(X) * diag(X)", ["X:n,n"], "X",
                         lambda v: lambda X: np.abs(X).sum() * np.diag(X).reshape(-1, 1), None),
    "logsumexp(diag(X))": ("logsumexp(diag(X))", ["X:n,n"], "X",
                           lambda v: lambda X: np.array([[_lse(np.diag(X))]]),
                           lambda v: _softmax(np.diag(v["X"])).reshape(1, -1) @ S(len(v["X"]))),
    "logsumexp(x) x": ("logsumexp(x) * x", ["x:n"], "x",
                       lambda v: lambda x: _lse(x) * x,
                       lambda v: v["x"] @ _softmax(v["x"]).T + _lse(v["x"]) * np.eye(len(v["x"]))),
}


def _values(shapes: list[str], n: int, rng) -> tuple[dict, dict]:
    sizes = {"n": n, "m": n + 1, "k": n - 1}
    out = {}
    for s in shapes:
        name, dims = s.split(":")
        out[name] = rng.standard_normal(tuple(sizes[d] for d in dims.split(",")) +
                                        (() if "," in dims else (1,)))
    return out, sizes


@pytest.mark.parametrize("name", list(MATRIX_FUNCTIONS))
@pytest.mark.parametrize("n", [3, 4])
def test_matrix_function_kron_jacobian_against_fd(name: str, n: int) -> None:
    """Every matrix function of issue 14 has a Kronecker Jacobian (no 'cannot write vec'),
    verified, whose printed NumPy equals NumPy central differences of vec(F), entry by
    entry, and the closed form where there is one (S the selection matrix)."""
    expr, shapes, var, F, closed = MATRIX_FUNCTIONS[name]
    d = api.jacobian(expr, var, shapes=shapes)
    assert d.verification.status == "passed", d.verification.message
    doc = json.loads(d.to_json())["results"]["jacobian"]
    v, sizes = _values(shapes, n, np.random.default_rng(10 * n + len(name)))
    J = np.asarray(eval(doc["numpy"], {"np": np, **v, **sizes}), dtype=float)  # noqa: S307
    fd = fd_jacobian(F(v), v[var])
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-6)
    if closed is not None:
        np.testing.assert_allclose(J, closed(v), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", list(MATRIX_FUNCTIONS))
def test_matrix_function_vjp_form(name: str) -> None:
    """--form vjp of each: a result of the variable's shape, checked (never an error)."""
    expr, shapes, var, _, _ = MATRIX_FUNCTIONS[name]
    d = api.jacobian(expr, var, shapes=shapes, form="vjp")
    assert d.verification.status == "passed", d.verification.message


def test_diag_selection_matrix_is_defined_in_the_step() -> None:
    r = CliRunner().invoke(main, ["jacobian", "diag(X)", "--wrt", "X", "--shape", "X:3,3"])
    assert r.exit_code == 0, r.output
    assert "J = diagsel(3)" in r.output
    assert "diagsel(3) @ vec(M) = diag(M)" in r.output          # S defined where used
    assert "Verified numerically" in r.output
    assert np.array_equal(eval("np.eye(3*3)[::3+1]", {"np": np}), S(3))  # noqa: S307


@pytest.mark.parametrize("expr,closed", [
    ("diag(x @ x.T)", lambda x, B: 2 * np.diagflat(x)),
    ("diag(diag(x))", lambda x, B: np.eye(len(x))),
    ("diag(B @ diag(x) @ B.T)", lambda x, B: B * B),
    ("diag(B @ diag(x))", lambda x, B: np.diagflat(np.diag(B))),
])
def test_diagonal_of_a_vector_expression(expr: str, closed) -> None:
    """diag() of a square matrix built from a vector x, by x: diag(u v^T) = u o v,
    diag(L diag(u) R) = (L o R^T) u, ... read off as J dx."""
    d = api.jacobian(expr, "x", shapes=["x:n", "B:n,n"])
    assert d.verification.status == "passed", d.verification.message
    doc = json.loads(d.to_json())["results"]["jacobian"]
    rng = np.random.default_rng(7)
    x, B = rng.standard_normal((4, 1)), rng.standard_normal((4, 4))
    J = np.asarray(eval(doc["numpy"], {"np": np, "x": x, "B": B, "n": 4}), dtype=float)  # noqa: S307
    F = {"diag(x @ x.T)": lambda x: np.diag(x @ x.T).reshape(-1, 1),
         "diag(diag(x))": lambda x: x,
         "diag(B @ diag(x) @ B.T)": lambda x: np.diag(B @ np.diagflat(x) @ B.T).reshape(-1, 1),
         "diag(B @ diag(x))": lambda x: np.diag(B @ np.diagflat(x)).reshape(-1, 1)}[expr]
    np.testing.assert_allclose(J, fd_jacobian(F, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(J, closed(x, B), rtol=1e-9, atol=1e-10)


def test_absent_variable_in_vjp_form_has_the_variables_shape() -> None:
    d = api.jacobian("max(X) * X", "x", shapes=["X:3,3", "x:3"], form="vjp")
    assert d.verification.status == "passed", d.verification.message
    assert json.loads(d.to_json())["results"]["jacobian"]["shape"] == [3, 1]
