"""Element-wise matrix calculus (issue 3) against SymPy on explicit components.

With ``dims`` (n = 2 or 3) matcalc also writes its result out component by component (the
``expand_dimensions`` step). Here the same functions are built by hand from SymPy symbols
x1, x2, ... (the names matcalc gives the components) and differentiated with
``Matrix.jacobian`` / ``diff``: the zero pattern must agree exactly, smooth cases must agree
symbolically, and every case numerically at random points away from the kinks.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from matcalc import derive, jacobian

from .matrix_cases import CASES, Case

BY_ID = {c.id: c for c in CASES}


def vec(name: str, n: int) -> sp.Matrix:
    return sp.Matrix([sp.Symbol(f"{name}{i + 1}") for i in range(n)])


z, b = sp.symbols("z b")


def _sig(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def _neuron(n: int) -> sp.Expr:
    return sp.Max(0, (vec("w", n).T * vec("x", n))[0, 0] + b)


#: case id -> n -> (the function's explicit components, the variables); "smooth" cases are
#: also compared symbolically (no kink: the oracle and matcalc must simplify to the same).
ORACLE: dict[str, tuple[Callable[[int], tuple], bool]] = {
    "w_plus_x_J": (lambda n: (vec("w", n) + vec("x", n), list(vec("w", n))), True),
    "w_minus_x_J": (lambda n: (vec("w", n) - vec("x", n), list(vec("x", n))), True),
    "w_times_x_J": (lambda n: (vec("w", n).multiply_elementwise(vec("x", n)),
                               list(vec("w", n))), True),
    "w_div_x_J": (lambda n: (sp.Matrix([vec("w", n)[i] / vec("x", n)[i] for i in range(n)]),
                             list(vec("x", n))), True),
    "x_plus_z_J": (lambda n: (vec("x", n) + z * sp.ones(n, 1), [z]), True),
    "x_z_wrt_x_J": (lambda n: (z * vec("x", n), list(vec("x", n))), True),
    "x_z_wrt_z_J": (lambda n: (z * vec("x", n), [z]), True),
    "sum_x_J": (lambda n: (sp.Matrix([sum(vec("x", n))]), list(vec("x", n))), True),
    "sum_x": (lambda n: (sum(vec("x", n)), list(vec("x", n))), True),
    "dot_wx_J": (lambda n: (sp.Matrix([vec("w", n).dot(vec("x", n))]), list(vec("w", n))),
                 True),
    "dot_wx": (lambda n: (vec("w", n).dot(vec("x", n)), list(vec("w", n))), True),
    "tanh_J": (lambda n: (vec("x", n).applyfunc(sp.tanh), list(vec("x", n))), True),
    "sigmoid_J": (lambda n: (vec("x", n).applyfunc(_sig), list(vec("x", n))), True),
    "relu_J": (lambda n: (vec("x", n).applyfunc(lambda t: sp.Max(0, t)), list(vec("x", n))),
               False),
    "neuron_w": (lambda n: (_neuron(n), list(vec("w", n))), False),
    "neuron_b": (lambda n: (_neuron(n), [b]), False),
    "neuron_w_J": (lambda n: (sp.Matrix([_neuron(n)]), list(vec("w", n))), False),
}


def oracle(case: Case, n: int) -> sp.Matrix:
    """SymPy's own derivative of the explicit components, in matcalc's convention: the
    numerator-layout Jacobian, or the gradient with the shape of the variable."""
    f, variables = ORACLE[case.id][0](n)
    if case.kind == "jacobian":
        return sp.Matrix(f).jacobian(variables)
    grad = sp.Matrix([sp.diff(f, v) for v in variables])
    return grad if len(variables) > 1 else grad[0, 0]


def expanded(case: Case, n: int) -> sp.Basic:
    """matcalc's components: the result of the last ``expand_dimensions`` step."""
    call = jacobian if case.kind == "jacobian" else derive
    d = call(case.expr, case.wrt, shapes=list(case.shapes), dims=[f"n={n}"])
    steps = [s for s in d.steps if s.rule == "expand_dimensions"]
    assert steps, [s.rule for s in d.steps]
    assert d.verification.status == "passed"
    return steps[-1].result


def _numeric(e: sp.Basic, point: dict[sp.Symbol, float]) -> float:
    """The value of a scalar SymPy expression at a point, symbols matched by name."""
    by_name = {s.name: v for s, v in point.items()}
    subs = {s: sp.Float(by_name[s.name]) for s in e.free_symbols}
    return float(sp.N(e.xreplace(subs)))


def _as_matrix(e: sp.Basic) -> sp.Matrix:
    return sp.Matrix(e) if isinstance(e, sp.MatrixBase) else sp.Matrix([[e]])


def _points(symbols: set[sp.Symbol], k: int, seed: int) -> list[dict[sp.Symbol, float]]:
    """Random points with every coordinate in 0.3 <= |t| <= 2 (away from relu's kink and
    from the pole of w / x); the neuron's pre-activation is kept away from 0 too."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < k:
        p = {s: float(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0)) for s in symbols}
        names = {s.name: v for s, v in p.items()}
        if "b" in names:
            pre = names["b"] + sum(names.get(f"w{i}", 0) * names.get(f"x{i}", 0)
                                   for i in range(1, 4))
            if abs(pre) < 0.2:
                continue
        out.append(p)
    return out


PARAMS = [pytest.param(BY_ID[cid], n, id=f"{cid}-n{n}") for cid in ORACLE for n in (2, 3)]


@pytest.mark.parametrize("case,n", PARAMS)
def test_components_equal_sympy_jacobian(case: Case, n: int) -> None:
    want = _as_matrix(oracle(case, n))
    got = _as_matrix(expanded(case, n))
    assert got.shape == want.shape
    names = {s.name for s in want.free_symbols} | {s.name for s in got.free_symbols}
    allowed = {f"{v}{i}" for v in "wx" for i in range(1, n + 1)} | {"z", "b"}
    assert names <= allowed, names
    # the zero pattern (a diagonal Jacobian has exact zeros off the diagonal)
    for i in range(want.rows):
        for j in range(want.cols):
            assert (sp.simplify(want[i, j]) == 0) == (sp.simplify(got[i, j]) == 0), (i, j)
    smooth = ORACLE[case.id][1]
    if smooth:
        diff = (got - want).applyfunc(lambda e: sp.simplify(e.rewrite(sp.exp)))
        assert diff == sp.zeros(*want.shape), diff
    symbols = want.free_symbols | got.free_symbols
    for point in _points(symbols, 4, seed=n):
        for i in range(want.rows):
            for j in range(want.cols):
                g, w = _numeric(got[i, j], point), _numeric(want[i, j], point)
                assert np.isclose(g, w, rtol=1e-10, atol=1e-12), (i, j, g, w, point)


def test_relu_kink_takes_the_pytorch_convention() -> None:
    """At x_i = 0 relu'(0) = 0 (CONTRACTS.md: the PyTorch/JAX convention)."""
    got = _as_matrix(expanded(BY_ID["relu_J"], 3))
    x1, x2, x3 = vec("x", 3)
    at = got.xreplace({x1: sp.Integer(0), x2: sp.Integer(1), x3: sp.Integer(-1)})
    assert at == sp.diag(0, 1, 0)


def test_neuron_kink_takes_the_pytorch_convention() -> None:
    """d max(0, w.x + b)/dw at w.x + b = 0 is 0 (the step takes 0 at 0)."""
    got = _as_matrix(expanded(BY_ID["neuron_w"], 2))
    w1, w2 = vec("w", 2)
    x1, x2 = vec("x", 2)
    at = got.xreplace({w1: sp.Integer(1), w2: sp.Integer(2), x1: sp.Integer(3),
                       x2: sp.Integer(-1), b: sp.Integer(-1)})   # 3 - 2 - 1 = 0
    assert at == sp.zeros(2, 1)


def test_neuron_kink_numerically() -> None:
    """The same convention on arrays: at w.x + b = 0 the gradient is 0 for w and b."""
    from matcalc.verify.evaluate import evaluate

    values = {"w": np.array([[1.0], [2.0]]), "x": np.array([[3.0], [-1.0]]), "b": -1.0}
    dims = {sp.Symbol("n"): 2}
    for wrt, want in (("w", np.zeros((2, 1))), ("b", 0.0)):
        d = derive("max(0, dot(w, x) + b)", wrt, shapes=["w:n", "x:n"])
        got = evaluate(d.results[wrt], values, dims)
        assert np.shape(got) == np.shape(want) and np.allclose(got, want)
        # and just past the kink, the step is 1: the gradient is x (or 1)
        past = evaluate(d.results[wrt], {**values, "b": -0.5}, dims)
        assert np.allclose(past, values["x"] if wrt == "w" else 1.0)


# --------------------------------------------------------------------------- every case
SMALL = {"n": 2, "m": 3, "p": 2, "q": 3, "k": 2}
EXPAND_PARAMS = [pytest.param(c, id=c.id) for c in CASES]


def _component_values(values: dict) -> dict[sp.Symbol, float]:
    """x -> x1, x2 ...; W -> W11, W12 ...: matcalc's names for the components."""
    out: dict[sp.Symbol, float] = {}
    for name, v in values.items():
        if np.ndim(v) == 0:
            out[sp.Symbol(name)] = float(v)
        elif v.shape[1] == 1:
            out.update({sp.Symbol(f"{name}{i + 1}"): v[i, 0] for i in range(v.shape[0])})
        else:
            out.update({sp.Symbol(f"{name}{i + 1}{j + 1}"): v[i, j]
                        for i in range(v.shape[0]) for j in range(v.shape[1])})
    return out


@pytest.mark.parametrize("case", EXPAND_PARAMS)
def test_components_equal_the_closed_form(case: Case) -> None:
    """Every case with small dims: the written-out components, at a random point, equal
    the NumPy closed form of tests/matrix_cases.py."""
    from .matrix_cases import draw, sizes_for

    dims = sizes_for(case, SMALL)
    call = jacobian if case.kind == "jacobian" else derive
    d = call(case.expr, case.wrt, shapes=list(case.shapes),
             dims=[f"{k}={v}" for k, v in dims.items()], verify=False)
    components = [s for s in d.steps if s.rule == "expand_dimensions"][-1].result
    values = draw(case, dims, 0)
    sub = {s: sp.Float(v) for s, v in _component_values(values).items()}
    got = np.array(sp.N(components.xreplace(sub)), dtype=float)
    assert components.free_symbols <= set(sub)
    want = np.asarray(case.expected({**values, **dims}), dtype=float)
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12)
