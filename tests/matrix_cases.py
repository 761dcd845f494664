"""Matrix-calculus cases with independent NumPy closed forms (issues 3 and 5).

Every expected value below is written out in NumPy from the Matrix Cookbook (Petersen and
Pedersen, 2012, sections 2.1-2.6) or worked by hand for the element-wise cases; none is
computed by matcalc. ``expected(v)`` receives a dict of the variables' arrays (vectors as
n x 1 columns, scalars as floats) and the dimension sizes by name (``v["m"]``), and
returns the gradient (the shape of ``wrt``) for ``kind="gradient"`` (``matcalc.derive``)
or the numerator-layout Jacobian (J[i, j] = d f_i / d x_j) for ``kind="jacobian"``
(``matcalc.jacobian``).
"""
from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Arrays = dict


@dataclass(frozen=True)
class Case:
    id: str
    expr: str
    shapes: tuple[str, ...]
    wrt: str
    expected: Callable[[Arrays], object]
    kind: str = "gradient"                      # "gradient" (derive) or "jacobian"
    near_identity: frozenset = frozenset()      # square matrices drawn near I (inverse, det)
    positive: frozenset = frozenset()           # entries drawn in [0.5, 2] (logs, division)
    scalars: tuple[str, ...] = ()               # undeclared names that are scalar variables
    elementwise: bool = False                   # an issue-3 case (also in the sympy oracle)
    tags: tuple[str, ...] = field(default=())

    @property
    def result_key(self) -> str:
        return "jacobian" if self.kind == "jacobian" else self.wrt


# ----------------------------------------------------------------------------- helpers
def _inv(a: np.ndarray) -> np.ndarray:
    return np.linalg.inv(a)


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _scalar(a) -> float:
    return float(np.asarray(a).reshape(()))


def _eye_like(x: np.ndarray) -> np.ndarray:
    return np.eye(x.shape[0])


# ----------------------------------------------------------------------------- cases
C = Case
NI = frozenset
CASES: list[Case] = [
    # --- scalar forms in vectors (Cookbook 2.4.1, 2.4.2)
    C("aTx", "a.T @ x", ("a:n", "x:n"), "x", lambda v: v["a"]),
    C("aTXb", "a.T @ X @ b", ("a:m", "X:m,n", "b:n"), "X",
      lambda v: v["a"] @ v["b"].T),
    C("aTXTb", "a.T @ X.T @ b", ("a:n", "X:m,n", "b:m"), "X",
      lambda v: v["b"] @ v["a"].T),
    C("xTBx", "x.T @ B @ x", ("x:n", "B:n,n"), "x",
      lambda v: (v["B"] + v["B"].T) @ v["x"]),
    C("BxbTCDxd", "(B @ x + b).T @ C @ (D @ x + d)",
      ("B:m,n", "x:n", "b:m", "C:m,m", "D:m,n", "d:m"), "x",
      lambda v: v["B"].T @ v["C"] @ (v["D"] @ v["x"] + v["d"])
      + v["D"].T @ v["C"].T @ (v["B"] @ v["x"] + v["b"])),
    C("bTXTDXc", "b.T @ X.T @ D @ X @ c", ("b:n", "X:m,n", "D:m,m", "c:n"), "X",
      lambda v: v["D"].T @ v["X"] @ v["b"] @ v["c"].T
      + v["D"] @ v["X"] @ v["c"] @ v["b"].T),
    C("XbcTDXbc", "(X @ b + c).T @ D @ (X @ b + c)", ("b:n", "X:m,n", "D:m,m", "c:m"), "X",
      lambda v: (v["D"] + v["D"].T) @ (v["X"] @ v["b"] + v["c"]) @ v["b"].T),
    C("normAxb2", "norm(A @ x - b)^2", ("A:m,n", "x:n", "b:m"), "x",
      lambda v: 2 * v["A"].T @ (v["A"] @ v["x"] - v["b"])),
    C("normxa", "norm(x - a)", ("x:n", "a:n"), "x",
      lambda v: (v["x"] - v["a"]) / np.linalg.norm(v["x"] - v["a"])),
    C("normX2", "norm(X)^2", ("X:m,n",), "X", lambda v: 2 * v["X"]),
    # --- traces (Cookbook 2.5)
    C("trX", "tr(X)", ("X:n,n",), "X", lambda v: _eye_like(v["X"])),
    C("trAX", "tr(A @ X)", ("A:n,m", "X:m,n"), "X", lambda v: v["A"].T),
    C("trAXB", "tr(A @ X @ B)", ("A:p,m", "X:m,n", "B:n,p"), "X",
      lambda v: v["A"].T @ v["B"].T),
    C("trAXTB", "tr(A @ X.T @ B)", ("A:p,n", "X:m,n", "B:m,p"), "X",
      lambda v: v["B"] @ v["A"]),
    C("trX2", "tr(X^2)", ("X:n,n",), "X", lambda v: 2 * v["X"].T),
    C("trX2B", "tr(X^2 @ B)", ("X:n,n", "B:n,n"), "X",
      lambda v: (v["X"] @ v["B"] + v["B"] @ v["X"]).T),
    C("trXTBX", "tr(X.T @ B @ X)", ("X:m,n", "B:m,m"), "X",
      lambda v: v["B"] @ v["X"] + v["B"].T @ v["X"]),
    C("trXBXT", "tr(X @ B @ X.T)", ("X:m,n", "B:n,n"), "X",
      lambda v: v["X"] @ v["B"].T + v["X"] @ v["B"]),
    C("trXTX", "tr(X.T @ X)", ("X:m,n",), "X", lambda v: 2 * v["X"]),
    C("trXTBXC", "tr(X.T @ B @ X @ C)", ("X:m,n", "B:m,m", "C:n,n"), "X",
      lambda v: v["B"] @ v["X"] @ v["C"] + v["B"].T @ v["X"] @ v["C"].T),
    C("trAXBC2", "tr((A @ X @ B + C) @ (A @ X @ B + C).T)",
      ("A:p,m", "X:m,n", "B:n,q", "C:p,q"), "X",
      lambda v: 2 * v["A"].T @ (v["A"] @ v["X"] @ v["B"] + v["C"]) @ v["B"].T),
    C("trX3", "tr(X^3)", ("X:n,n",), "X", lambda v: 3 * (v["X"] @ v["X"]).T),
    # --- determinants and inverses (Cookbook 2.1.2, 2.2)
    C("detX", "det(X)", ("X:n,n",), "X",
      lambda v: np.linalg.det(v["X"]) * _inv(v["X"]).T, near_identity=NI({"X"})),
    C("detAXB", "det(A @ X @ B)", ("A:n,n", "X:n,n", "B:n,n"), "X",
      lambda v: np.linalg.det(v["A"] @ v["X"] @ v["B"]) * _inv(v["X"]).T,
      near_identity=NI({"A", "X", "B"})),
    C("logdetX", "logdet(X)", ("X:n,n",), "X", lambda v: _inv(v["X"]).T,
      near_identity=NI({"X"})),
    C("aTXinvb", "a.T @ X^-1 @ b", ("a:n", "X:n,n", "b:n"), "X",
      lambda v: -_inv(v["X"]).T @ v["a"] @ v["b"].T @ _inv(v["X"]).T,
      near_identity=NI({"X"})),
    C("trAXinvB", "tr(A @ inv(X) @ B)", ("A:m,n", "X:n,n", "B:n,m"), "X",
      lambda v: -(_inv(v["X"]) @ v["B"] @ v["A"] @ _inv(v["X"])).T,
      near_identity=NI({"X"})),
    C("trXAinv", "tr(inv(X + A))", ("A:n,n", "X:n,n"), "X",
      lambda v: -(_inv(v["X"] + v["A"]) @ _inv(v["X"] + v["A"])).T,
      near_identity=NI({"A", "X"})),
    C("detXinv", "det(inv(X))", ("X:n,n",), "X",
      lambda v: -_inv(v["X"]).T / np.linalg.det(v["X"]), near_identity=NI({"X"})),
    # --- neural-network forms
    C("sumsigmoid_W", "sum(sigmoid(W @ x + b))", ("W:m,n", "x:n", "b:m"), "W",
      lambda v: (_sigmoid(v["W"] @ v["x"] + v["b"]) * (1 - _sigmoid(v["W"] @ v["x"] + v["b"])))
      @ v["x"].T),
    C("sumsigmoid_b", "sum(sigmoid(W @ x + b))", ("W:m,n", "x:n", "b:m"), "b",
      lambda v: _sigmoid(v["W"] @ v["x"] + v["b"]) * (1 - _sigmoid(v["W"] @ v["x"] + v["b"]))),
    C("tanhWxb_J", "tanh(W @ x + b)", ("W:m,n", "x:n", "b:m"), "x",
      lambda v: (1 - np.tanh(v["W"] @ v["x"] + v["b"]) ** 2) * v["W"], kind="jacobian"),
    C("mse_w", "sum((X @ w - y)^2)/m", ("X:m,n", "w:n", "y:m"), "w",
      lambda v: 2 / v["m"] * v["X"].T @ (v["X"] @ v["w"] - v["y"])),
    C("xent_z", "-sum(y * log_softmax(z))", ("y:n", "z:n"), "z",
      lambda v: _softmax(v["z"]) * v["y"].sum() - v["y"]),
    C("x_over_xTx_J", "x / (x.T @ x)", ("x:n",), "x",
      lambda v: _eye_like(v["x"]) / _scalar(v["x"].T @ v["x"])
      - 2 * v["x"] @ v["x"].T / _scalar(v["x"].T @ v["x"]) ** 2, kind="jacobian"),
    C("Ax_J", "A @ x", ("A:m,n", "x:n"), "x", lambda v: v["A"], kind="jacobian"),
    # --- element-wise (issue 3): Jacobians
    C("w_plus_x_J", "w + x", ("w:n", "x:n"), "w", lambda v: _eye_like(v["w"]),
      kind="jacobian", elementwise=True),
    C("w_minus_x_J", "w - x", ("w:n", "x:n"), "x", lambda v: -_eye_like(v["x"]),
      kind="jacobian", elementwise=True),
    C("w_times_x_J", "w * x", ("w:n", "x:n"), "w", lambda v: np.diagflat(v["x"]),
      kind="jacobian", elementwise=True),
    C("w_div_x_J", "w / x", ("w:n", "x:n"), "x", lambda v: np.diagflat(-v["w"] / v["x"] ** 2),
      kind="jacobian", positive=NI({"x"}), elementwise=True),
    C("x_plus_z_J", "x + z", ("x:n",), "z", lambda v: np.ones((v["n"], 1)),
      kind="jacobian", scalars=("z",), elementwise=True),
    C("x_z_wrt_x_J", "x z", ("x:n",), "x", lambda v: v["z"] * _eye_like(v["x"]),
      kind="jacobian", scalars=("z",), elementwise=True),
    C("x_z_wrt_z_J", "x z", ("x:n",), "z", lambda v: v["x"],
      kind="jacobian", scalars=("z",), elementwise=True),
    C("sum_x_J", "sum(x)", ("x:n",), "x", lambda v: np.ones((1, v["n"])),
      kind="jacobian", elementwise=True),
    C("sum_x", "sum(x)", ("x:n",), "x", lambda v: np.ones((v["n"], 1)), elementwise=True),
    C("dot_wx_J", "dot(w, x)", ("w:n", "x:n"), "w", lambda v: v["x"].T,
      kind="jacobian", elementwise=True),
    C("dot_wx", "dot(w, x)", ("w:n", "x:n"), "w", lambda v: v["x"], elementwise=True),
    C("tanh_J", "tanh(x)", ("x:n",), "x", lambda v: np.diagflat(1 - np.tanh(v["x"]) ** 2),
      kind="jacobian", elementwise=True),
    C("sigmoid_J", "sigmoid(x)", ("x:n",), "x",
      lambda v: np.diagflat(_sigmoid(v["x"]) * (1 - _sigmoid(v["x"]))),
      kind="jacobian", elementwise=True),
    C("relu_J", "relu(x)", ("x:n",), "x", lambda v: np.diagflat((v["x"] > 0).astype(float)),
      kind="jacobian", elementwise=True),
    C("neuron_w", "max(0, dot(w, x) + b)", ("w:n", "x:n"), "w",
      lambda v: float(_scalar(v["w"].T @ v["x"]) + v["b"] > 0) * v["x"],
      scalars=("b",), elementwise=True),
    C("neuron_b", "max(0, dot(w, x) + b)", ("w:n", "x:n"), "b",
      lambda v: float(_scalar(v["w"].T @ v["x"]) + v["b"] > 0),
      scalars=("b",), elementwise=True),
    C("neuron_w_J", "max(0, dot(w, x) + b)", ("w:n", "x:n"), "w",
      lambda v: float(_scalar(v["w"].T @ v["x"]) + v["b"] > 0) * v["x"].T,
      kind="jacobian", scalars=("b",), elementwise=True),
    C("sum_log_x", "sum(log(x))", ("x:n",), "x", lambda v: 1 / v["x"],
      positive=NI({"x"}), elementwise=True),
    C("sqrt_J", "sqrt(x)", ("x:n",), "x", lambda v: np.diagflat(0.5 / np.sqrt(v["x"])),
      kind="jacobian", positive=NI({"x"}), elementwise=True),
    # --- broadcasting, reductions and normalisations of the input language (CONTRACTS.md)
    C("bias_b", "sum(tanh(W @ X + b))", ("W:m,n", "X:n,k", "b:m"), "b",
      lambda v: (1 - np.tanh(v["W"] @ v["X"] + v["b"]) ** 2).sum(axis=1, keepdims=True)),
    C("bias_W", "sum(tanh(W @ X + b))", ("W:m,n", "X:n,k", "b:m"), "W",
      lambda v: (1 - np.tanh(v["W"] @ v["X"] + v["b"]) ** 2) @ v["X"].T),
    C("mean_Xw", "mean(X @ w)", ("X:m,n", "w:n"), "w",
      lambda v: v["X"].sum(axis=0).reshape(-1, 1) / v["X"].shape[0]),
    C("colsum_v", "sum(X, axis=0) @ v", ("X:m,n", "v:n"), "v",
      lambda v: v["X"].sum(axis=0).reshape(-1, 1)),
    C("rowsum_u", "u.T @ sum(X, axis=1)", ("X:m,n", "u:m"), "X",
      lambda v: v["u"] @ np.ones((1, v["X"].shape[1]))),
    C("logsumexp", "log(sum(exp(x)))", ("x:n",), "x", lambda v: _softmax(v["x"])),
    C("softmax_J", "softmax(z)", ("z:n",), "z",
      lambda v: np.diagflat(_softmax(v["z"])) - _softmax(v["z"]) @ _softmax(v["z"]).T,
      kind="jacobian"),
    C("log_softmax_J", "log_softmax(z)", ("z:n",), "z",
      lambda v: np.eye(v["z"].shape[0]) - np.ones_like(v["z"]) @ _softmax(v["z"]).T,
      kind="jacobian"),
    C("xent_cols", "-sum(Y * log_softmax(Z, axis=0))", ("Y:n,k", "Z:n,k"), "Z",
      lambda v: np.exp(v["Z"]) / np.exp(v["Z"]).sum(axis=0, keepdims=True)
      * v["Y"].sum(axis=0, keepdims=True) - v["Y"]),
    C("xent_rows", "-sum(Y * log_softmax(Z, axis=1))", ("Y:k,n", "Z:k,n"), "Z",
      lambda v: np.exp(v["Z"]) / np.exp(v["Z"]).sum(axis=1, keepdims=True)
      * v["Y"].sum(axis=1, keepdims=True) - v["Y"]),
    C("normX", "norm(X)", ("X:m,n",), "X", lambda v: v["X"] / np.linalg.norm(v["X"])),
    C("normXa", "norm(X @ a)", ("X:m,n", "a:n"), "X",
      lambda v: v["X"] @ v["a"] @ v["a"].T / np.linalg.norm(v["X"] @ v["a"])),
    C("bce", "-sum(y * log(sigmoid(W @ x)) + (1 - y) * log(1 - sigmoid(W @ x)))",
      ("W:m,n", "x:n", "y:m"), "W",
      lambda v: (_sigmoid(v["W"] @ v["x"]) - v["y"]) @ v["x"].T),
    # --- compositions of scalar functions with matrix scalars
    C("log_trX", "log(tr(X))", ("X:n,n",), "X",
      lambda v: _eye_like(v["X"]) / np.trace(v["X"]), near_identity=NI({"X"})),
    C("inv_trX", "1/tr(X)", ("X:n,n",), "X",
      lambda v: -_eye_like(v["X"]) / np.trace(v["X"]) ** 2, near_identity=NI({"X"})),
    C("trX_plus_trX2", "tr(X) + tr(X^2)", ("X:n,n",), "X",
      lambda v: _eye_like(v["X"]) + 2 * v["X"].T),
    C("sin_trX_logdetX", "sin(tr(X)) * logdet(X)", ("X:n,n",), "X",
      lambda v: np.cos(np.trace(v["X"])) * np.linalg.slogdet(v["X"])[1] * _eye_like(v["X"])
      + np.sin(np.trace(v["X"])) * _inv(v["X"]).T, near_identity=NI({"X"})),
    C("exp_aTx_normx2", "exp(a.T @ x) * norm(x)^2", ("a:n", "x:n"), "x",
      lambda v: np.exp(_scalar(v["a"].T @ v["x"]))
      * (np.linalg.norm(v["x"]) ** 2 * v["a"] + 2 * v["x"])),
]

CASE_IDS = [c.id for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS)

#: Two size assignments (rows differ from columns where they can).
SIZES = ({"n": 3, "m": 4, "p": 2, "q": 5, "k": 2}, {"n": 5, "m": 2, "p": 4, "q": 3, "k": 4})


def dims_of(case: Case) -> set[str]:
    out = set()
    for decl in case.shapes:
        for d in decl.split(":", 1)[1].split(","):
            d = d.strip()
            if not d.isdigit():
                out.add(d)
    return out


def sizes_for(case: Case, sizes: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in sizes.items() if k in dims_of(case)}


def draw(case: Case, sizes: dict[str, int], point: int = 0) -> dict[str, object]:
    """Random arrays for the case's variables at these sizes (reproducible)."""
    seed = zlib.crc32(f"{case.id}/{sorted(sizes.items())}/{point}".encode())
    rng = np.random.default_rng(seed)
    values: dict[str, object] = {}
    for decl in case.shapes:
        name, dims = decl.split(":", 1)
        parts = [d.strip() for d in dims.split(",")]
        shape = tuple(int(p) if p.isdigit() else sizes[p] for p in parts)
        if len(shape) == 1:
            shape = (shape[0], 1)
        if name in case.near_identity:
            r = shape[0]
            values[name] = np.eye(r) + 0.2 * rng.standard_normal(shape) / np.sqrt(r)
        elif name in case.positive:
            values[name] = rng.uniform(0.5, 2.0, shape)
        else:
            values[name] = rng.standard_normal(shape)
    for name in case.scalars:
        values[name] = float(rng.uniform(0.5, 2.0)) if name in case.positive \
            else float(rng.standard_normal())
    return values
