"""The table of lecturer's forms (issue 11): each case is an input, the result asked for
and the form a textbook writes. A result passes when it equals the textbook form at random
points (respecting the case's assumptions) and is no longer than it, in characters of
matcalc syntax with spaces removed, plus 15%.

This module is data plus the measuring helpers; tests/test_forms.py asserts the table and
bench/forms_table.py prints its figures (count, median length ratio result/textbook).
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

PROGRAMS = Path(__file__).resolve().parents[1] / "worked_examples" / "programs"


@dataclass(frozen=True)
class Case:
    kind: str                       # derive | grad | jacobian | backprop
    text: str                       # the input (a program's file name for backprop)
    key: str                        # the result asked for (variable, "jacobian", adjoint)
    textbook: str                   # the textbook's form, in matcalc syntax
    wrt: str | None = None
    shapes: tuple[str, ...] = ()
    assume: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        extra = f" [{'; '.join(self.assume)}]" if self.assume else ""
        return f"{self.kind} {self.text} -> {self.key}{extra}"


D, G, J, B = "derive", "grad", "jacobian", "backprop"
V = ("z:n", "y:n")

CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- scalar
    Case(D, "(x^2+1)/(x-1)", "x", "(x^2 - 2*x - 1)/(x - 1)^2"),
    Case(D, "-(y*log(sigmoid(z)) + (1-y)*log(1-sigmoid(z)))", "z", "sigmoid(z) - y", "z"),
    Case(D, "-(y*log(p) + (1-y)*log(1-p))", "p", "(p - y)/(p*(1 - p))", "p"),
    Case(D, "exp(-x^2/2)/sqrt(2*pi)", "x", "-x*exp(-x^2/2)/sqrt(2*pi)"),
    Case(D, "1/x^2", "x", "-2/x^3"),
    Case(D, "1/(1+exp(-x))", "x", "exp(-x)/(1 + exp(-x))^2"),
    Case(D, "sin(3*x)", "x", "3*cos(3*x)"),
    Case(D, "exp(-x)", "x", "-exp(-x)"),
    Case(D, "x^2*sin(x)", "x", "x^2*cos(x) + 2*x*sin(x)"),
    Case(D, "x*exp(x)", "x", "(x + 1)*exp(x)"),
    Case(D, "log(x^2+1)", "x", "2*x/(x^2 + 1)"),
    Case(D, "sqrt(x^2+1)", "x", "x/sqrt(x^2 + 1)"),
    Case(D, "tanh(x)", "x", "1 - tanh(x)^2"),
    Case(D, "x/(x+1)", "x", "1/(x + 1)^2"),
    Case(D, "(x-1)/(x+1)", "x", "2/(x + 1)^2"),
    Case(D, "x^3 - 3*x^2 + 2", "x", "3*x^2 - 6*x"),
    Case(D, "sin(x)*cos(x)", "x", "cos(x)^2 - sin(x)^2"),
    Case(D, "log(sigmoid(x))", "x", "1 - sigmoid(x)"),
    Case(D, "x*log(x) - x", "x", "log(x)"),
    Case(D, "(2*x+1)^3", "x", "6*(2*x + 1)^2"),
    Case(D, "x^x", "x", "x^x*(log(x) + 1)"),
    Case(D, "softplus(x)", "x", "sigmoid(x)"),
    Case(D, "(x^2+1)/(x^2-1)", "x", "-4*x/(x^2 - 1)^2"),
    Case(D, "exp(x)/(1+exp(x))", "x", "exp(x)/(1 + exp(x))^2"),
    Case(D, "x^2*exp(-x)", "x", "x*(2 - x)*exp(-x)"),
    Case(D, "(x+1)^2*(x-1)", "x", "(x + 1)*(3*x - 1)"),
    Case(D, "log(x)/x", "x", "(1 - log(x))/x^2"),
    Case(D, "sqrt(x)", "x", "1/(2*sqrt(x))", assume=("x > 0",)),
    Case(D, "sqrt(x^2)", "x", "1", assume=("x > 0",)),
    # ---------------------------------------------------------------- gradients
    Case(G, "(w*x + b - y)^2", "w", "2*x*(w*x + b - y)", "w,b"),
    Case(G, "(w*x + b - y)^2", "b", "2*(w*x + b - y)", "w,b"),
    Case(G, "x^2*y + y^3", "x", "2*x*y", "x,y"),
    Case(G, "x^2*y + y^3", "y", "x^2 + 3*y^2", "x,y"),
    Case(G, "(a - b)/(a + b)", "a", "2*b/(a + b)^2", "a,b"),
    Case(G, "(a - b)/(a + b)", "b", "-2*a/(a + b)^2", "a,b"),
    # ---------------------------------------------------------------- matrix
    Case(D, "-sum(y * log(softmax(z)))", "z", "softmax(z)*sum(y) - y", "z", V),
    Case(D, "-sum(y * log(softmax(z)))", "z", "softmax(z) - y", "z", V, ("sum(y) = 1",)),
    Case(J, "softmax(z)", "jacobian", "diag(softmax(z)) - softmax(z) @ softmax(z).T", None,
         ("z:n",)),
    Case(D, "x.T @ A @ x", "x", "(A + A.T) @ x", "x", ("x:n", "A:n,n")),
    Case(D, "x.T @ A @ x", "x", "2*A @ x", "x", ("x:n", "A:n,n"), ("symmetric(A)",)),
    Case(D, "logdet(S)", "S", "inv(S).T", "S", ("S:n,n",)),
    Case(D, "logdet(S)", "S", "inv(S)", "S", ("S:n,n",), ("symmetric(S)",)),
    Case(D, "logdet(S)", "S", "inv(S)", "S", ("S:n,n",), ("spd(S)",)),
    Case(D, "x.T @ inv(A) @ x", "x", "(inv(A) + inv(A).T) @ x", "x", ("x:n", "A:n,n")),
    Case(D, "x.T @ inv(A) @ x", "x", "2*inv(A) @ x", "x", ("x:n", "A:n,n"), ("symmetric(A)",)),
    Case(D, "det(X.T @ X)", "X", "2*det(X.T @ X)*X @ inv(X.T @ X)", "X", ("X:m,n",)),
    Case(D, "tr(A @ X)", "X", "A.T", "X", ("A:n,n", "X:n,n")),
    Case(D, "tr(X.T @ X)", "X", "2*X", "X", ("X:m,n",)),
    Case(D, "sum(x * x)", "x", "2*x", "x", ("x:n",)),
    Case(D, "b.T @ x", "x", "b", "x", ("x:n", "b:n")),
    Case(D, "sum(sigmoid(x))", "x", "sigmoid(x)*(1 - sigmoid(x))", "x", ("x:n",)),
    Case(D, "sum((A @ x - b)^2)", "x", "2*A.T @ (A @ x - b)", "x", ("x:n", "A:m,n", "b:m")),
    Case(D, "tr(inv(X))", "X", "-(inv(X) @ inv(X)).T", "X", ("X:n,n",)),
    # ---------------------------------------------------------------- backprop
    Case(B, "softmax_relu.mc", "Z2", "softmax(Z2)*(ones(k, k) @ Y) - Y"),
    Case(B, "softmax_relu.mc", "Z2", "softmax(Z2) - Y", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "softmax_relu.mc", "W2", "1/m*dZ2 @ A1.T", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "softmax_relu.mc", "b2", "1/m*sum(dZ2, axis=1)", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "softmax_relu.mc", "Z1", "(W2.T @ dZ2)*step(Z1)", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "softmax_relu.mc", "W1", "1/m*dZ1 @ X.T", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "softmax_relu.mc", "b1", "1/m*sum(dZ1, axis=1)", assume=("sum(Y, axis=0) = 1",)),
    Case(B, "mlp_2layer.mc", "Z2", "A2 - Y"),
    Case(B, "mlp_2layer.mc", "Z1", "(W2.T @ dZ2)*(1 - A1^2)"),
    Case(B, "logistic_regression.mc", "Z", "A - Y"),
    Case(B, "logistic_regression.mc", "w", "1/m*X @ dZ.T"),
)


def supports_assume() -> bool:
    """Whether this matcalc takes ``assume`` (main before issue 11 does not)."""
    from matcalc.options import Options
    return "assume" in Options.__dataclass_fields__


def run(case: Case) -> tuple[Any, str]:
    """(the Derivation, the result's matcalc syntax)."""
    import matcalc
    extra: dict[str, Any] = {"verify": False}
    if case.assume and supports_assume():
        extra["assume"] = case.assume
    if case.kind == B:
        text = (PROGRAMS / case.text).read_text()
        d = matcalc.backprop(text, **extra)
    elif case.kind == J:
        d = matcalc.jacobian(case.text, case.wrt, shapes=list(case.shapes) or None, **extra)
    elif case.kind == G:
        d = matcalc.gradient(case.text, case.wrt, shapes=list(case.shapes) or None, **extra)
    else:
        d = matcalc.derive(case.text, case.wrt, shapes=list(case.shapes) or None, **extra)
    out = json.loads(d.to_json())["results"][case.key]["result"]
    return d, out


def length(text: str) -> int:
    """Characters of matcalc syntax, spaces removed."""
    return len("".join(text.split()))


# ------------------------------------------------------------------ numeric equality
def _shapes_of(case: Case, d: Any) -> dict[str, Any]:
    if case.kind == B:
        prog = d.attachments.get("program")
        return dict(prog.shapes) if prog is not None and hasattr(prog, "shapes") else {}
    return {}


def _parse(text: str, d: Any, case: Case) -> sp.Basic:
    if case.kind in (D, G) and not case.shapes:
        from matcalc.parse import parse
        return parse(text)
    from matcalc.matrix.parse import parse_matrix_expression
    from matcalc.options import Limits
    return parse_matrix_expression(text, _shape_table(case, d), Limits())


def _shape_table(case: Case, d: Any) -> dict:
    from matcalc.matrix.parse import shape_table
    if case.kind != B:
        return shape_table(list(case.shapes))
    prog = (PROGRAMS / case.text).read_text()
    decls = []
    for line in prog.splitlines():
        line = line.split("#")[0].strip()
        if ":" in line and "=" not in line:
            name, dims = line.split(":")
            decls.append(f"{name.strip()}:{dims.replace(' ', '')}")
    table = shape_table(decls)
    # adjoints and forward names have the shape of what they stand for
    for name, val in _assignments(prog):
        from matcalc.matrix.parse import parse_matrix_expression
        from matcalc.options import Limits
        e = parse_matrix_expression(val, table, Limits())
        if getattr(e, "shape", None) is not None:
            table = {**table, **shape_table([f"{name}:{','.join(map(str, e.shape))}"])}
    for name in list(table):
        table = {**table, **shape_table([f"d{name}:{','.join(map(str, table[name]))}"])}
    return table


def _assignments(prog: str) -> list[tuple[str, str]]:
    out = []
    for line in prog.splitlines():
        line = line.split("#")[0].strip()
        if "=" in line:
            name, val = line.split("=", 1)
            out.append((name.strip(), val.strip()))
    return out


def _values(names: dict[str, tuple[int, int] | None], case: Case, rng: np.random.Generator
            ) -> dict[str, Any]:
    vals: dict[str, Any] = {}
    for name, shp in names.items():
        if shp is None:
            vals[name] = float(rng.uniform(0.3, 1.7))
        else:
            vals[name] = rng.uniform(0.3, 1.7, shp)
    for a in case.assume:
        a = a.replace(" ", "")
        if a.startswith(("symmetric(", "spd(")):
            n = a[a.index("(") + 1:-1]
            m = vals[n]
            vals[n] = m @ m.T + np.eye(m.shape[0]) if a.startswith("spd") else (m + m.T) / 2
        elif a.startswith("sum("):
            n = a[4:].split(")")[0].split(",")[0]
            m = vals[n]
            vals[n] = m / m.sum(axis=0, keepdims=True)
    return vals


def equal_numerically(case: Case, d: Any, result: str, points: int = 3) -> bool:
    """``result`` and the textbook form agree at random points respecting the assumptions."""
    from matcalc.verify.evaluate import evaluate
    a, b = _parse(result, d, case), _parse(case.textbook, d, case)
    syms = sorted((a.free_symbols | b.free_symbols) - set(), key=str)
    rng = np.random.default_rng(11)
    if case.kind == B or case.shapes:
        table = _shape_table(case, d)
        dims: dict[sp.Symbol, int] = {}
        for shp in table.values():
            for s in shp:
                if isinstance(s, sp.Symbol) and s not in dims:
                    dims[s] = 6 - len(dims) % 3
        for _ in range(points):
            shapes = {n: tuple(int(dims.get(s, s)) for s in shp) for n, shp in table.items()}
            vals = _values(shapes, case, rng)
            va, vb = (np.asarray(evaluate(e, vals, dims), dtype=float) for e in (a, b))
            if va.shape != vb.shape and va.size == vb.size:
                va = va.reshape(vb.shape)
            if not np.allclose(va, vb, rtol=1e-8, atol=1e-10):
                return False
        return True
    scalars = [s for s in syms if isinstance(s, sp.Symbol)]
    for _ in range(points):
        vals = _values({s.name: None for s in scalars}, case, rng)
        at = {s: sp.Float(vals[s.name], 30) for s in scalars}
        va, vb = (complex(sp.N(e.xreplace(at), 20)) for e in (a, b))
        if not np.isclose(va, vb, rtol=1e-8, atol=1e-10):
            return False
    return True


@dataclass
class Row:
    case: Case
    result: str
    ratio: float
    equal: bool
    error: str = ""

    @property
    def passes(self) -> bool:
        return self.equal and self.ratio <= 1.15


def measure(case: Case) -> Row:
    try:
        d, out = run(case)
    except Exception as exc:  # noqa: BLE001 - a figure, not a test
        return Row(case, "", float("nan"), False, f"{type(exc).__name__}: {exc}")
    ratio = length(out) / length(case.textbook)
    try:
        eq = equal_numerically(case, d, out)
    except Exception as exc:  # noqa: BLE001
        return Row(case, out, ratio, False, f"compare: {type(exc).__name__}: {exc}")
    return Row(case, out, ratio, eq)


def summary(rows: list[Row]) -> str:
    ratios = [r.ratio for r in rows if r.ratio == r.ratio]
    ok = sum(r.passes for r in rows)
    return (f"{len(rows)} cases, {ok} pass (equal and <= textbook + 15%); median length "
            f"ratio result/textbook {statistics.median(ratios):.3f} (mean "
            f"{statistics.mean(ratios):.3f}, max {max(ratios):.2f})")
