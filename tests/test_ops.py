"""The operator table (matcalc/ops.py): every row is known to the parser, the rule
catalogue, the NumPy kernel, the emitter and the printers; its derivative agrees with
sympy.diff and its NumPy form with an independent reference (mpmath), row by row.

A new row fails ``test_every_row_has_a_reference`` until its reference is added below.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from matcalc import derive, ops
from matcalc.codegen.numpy import to_numpy
from matcalc.parse import parse
from matcalc.parse.grammar import FUNCTIONS, is_reserved
from matcalc.render.latex import tex
from matcalc.syntax import to_syntax
from matcalc.rules import RULES, lookup
from matcalc.verify.kernel import OPS as KERNEL, compile_kernel, kinks

from .oracle import oracle_diff

ROOT = Path(__file__).resolve().parents[1]
ROWS = list(ops.OPS.values())
IDS = [row.name for row in ROWS]


def _step(x: float, h: float) -> float:
    return 1.0 if x > 0 else (h if x == 0 else 0.0)


#: The function of each row, written independently with mpmath (or plain Python).
REFERENCE = {
    "exp": mp.exp, "ln": mp.log, "log_base": lambda x, b: mp.log(x) / mp.log(b),
    "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sec": mp.sec, "csc": mp.csc, "cot": mp.cot,
    "asin": mp.asin, "acos": mp.acos, "atan": mp.atan,
    "sinh": mp.sinh, "cosh": mp.cosh, "tanh": mp.tanh,
    "asinh": mp.asinh, "acosh": mp.acosh, "atanh": mp.atanh,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)), "softplus": lambda x: mp.log(1 + mp.exp(x)),
    "relu": lambda x: max(0.0, x), "abs": abs, "sign": mp.sign, "step": _step,
    "real_part": lambda x: x, "imaginary_part": lambda x: 0.0, "conjugate": lambda x: x,
    "sqrt": mp.sqrt, "max": max, "min": min,
    "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "pow": lambda a, b: mp.power(a, b),
    # issue 14
    "acot": lambda x: mp.atan(1 / x), "asec": mp.asec, "acsc": mp.acsc,
    "coth": mp.coth, "sech": mp.sech, "csch": mp.csch, "erf": mp.erf,
    "gelu": lambda x: x / 2 * (1 + mp.erf(x / mp.sqrt(2))),
    "gelu_tanh": lambda x: x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x ** 3))),
    "atan2": mp.atan2, "sinc": lambda x: mp.sin(x) / x,
    "log2": lambda x: mp.log(x, 2), "log10": lambda x: mp.log(x, 10),
}

#: Rows users do not type: SymPy's re/im/conjugate (rewritten away by the parser) and the
#: arithmetic operators (syntax: + - * / ^).
NOT_TYPED = {"real_part", "imaginary_part", "conjugate", "add", "mul", "pow"}


def _symbols(row: ops.Op) -> list[sp.Symbol]:
    return [sp.Symbol(f"x{i}") for i in range(len(row.sample))]


def _node(row: ops.Op) -> sp.Expr:
    """The row's function applied to one symbol per sampled argument."""
    xs = _symbols(row)
    return row.func(*xs) if row.func is not None else row.build(*xs)


def _points(row: ops.Op, n: int = 9) -> list[np.ndarray]:
    """n points inside the sampling interval of each argument (not at its ends)."""
    rng = np.random.default_rng(7)
    return [rng.uniform(lo + 0.02 * (hi - lo), hi - 0.02 * (hi - lo), n)
            for lo, hi in row.sample]


def test_the_table_has_the_functions_issue_10_asks_for() -> None:
    for name in ("asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"):
        assert name in FUNCTIONS


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_every_row_is_known_everywhere(row: ops.Op) -> None:
    node = _node(row)
    # parser: every name reads as this row's node, with the row's argument count
    if row.name not in NOT_TYPED:
        assert row.names, f"{row.name}: no name users can type"
    for name in row.names:
        assert FUNCTIONS[name] is row and is_reserved(name) != (name in row.bare_symbols)
        args = ", ".join(str(x) for x in _symbols(row))
        assert parse(f"{name}({args})") == node, name
        if row.max_args is not None:
            extra = ", ".join(["x"] * (row.max_args + 1))
            with pytest.raises(Exception, match="takes"):
                parse(f"{name}({extra})")
    # rule catalogue: the rule that differentiates the node exists
    assert row.rule_name in RULES
    if row.derivative is not None:
        assert lookup(row.func) is not None and lookup(row.func).rule is RULES[row.name]
        assert RULES[row.name].identity == row.identity and row.example
    if row.derivative is not None and row.names:     # (re, im: tests/rule_cases.sympy_cases)
        # many examples are f(2x), one linear_chain step under the default detail: the
        # row's own rule is a step of its own with detail="full"
        d = derive(row.example, verify=False, detail="full")
        assert row.name in {s.rule for top in d.steps for s in top.walk()}, row.example
    if row.func is None:                    # a notation (sqrt): no node of its own
        return
    # kernel and emitter
    assert row.func in KERNEL and ops.lookup(row.func) is row
    xs = _symbols(row)
    values = _points(row)
    (kernel_value,) = compile_kernel([node], xs)(*values)
    text = to_numpy(node)
    emitted = eval(text, {"np": np}, {x.name: v for x, v in zip(xs, values)})  # noqa: S307
    assert np.allclose(np.broadcast_to(emitted, kernel_value.shape), kernel_value,
                       rtol=1e-12, atol=1e-300), text
    # printers: the syntax parses back, LaTeX prints
    if row.names:
        assert parse(to_syntax(node)) == node
    assert tex(node) and "Function" not in tex(node)
    # kinks: the argument of a kink function is reported to the verifier
    if row.kink == "argument":
        assert xs[0] in kinks(node)
    elif row.kink == "pairs":
        assert kinks(node)


@pytest.mark.parametrize("row", [r for r in ROWS if r.derivative is not None],
                         ids=[r.name for r in ROWS if r.derivative is not None])
def test_derivative_agrees_with_sympy_diff(row: ops.Op) -> None:
    """f'(u) of the table against sympy.diff (on real symbols), at points in the domain."""
    u, *params = _symbols(row)
    claimed = row.derivative(u, *params)
    oracle = oracle_diff(row.func(u, *params), u)
    for point in zip(*_points(row)):
        at = {s: sp.Float(v, 30) for s, v in zip([u, *params], point)}
        a, b = complex(claimed.xreplace(at).evalf(20)), complex(oracle.xreplace(at).evalf(20))
        assert a.imag == 0 and abs(a - b) <= 1e-12 * max(1.0, abs(b)), (row.name, point, a, b)


@pytest.mark.parametrize("row", [r for r in ROWS if r.func is not None],
                         ids=[r.name for r in ROWS if r.func is not None])
def test_numpy_agrees_with_the_reference(row: ops.Op) -> None:
    """The kernel's NumPy callable against mpmath, at points in the domain."""
    values = _points(row)
    got = ops.numpy_callable(row, np)(*values)
    expected = [float(REFERENCE[row.name](*(mp.mpf(float(v)) for v in p)))
                for p in zip(*values)]
    assert np.allclose(np.broadcast_to(got, values[0].shape), expected, rtol=1e-12, atol=0)


ISSUE_14 = ["acot", "arccot", "asec", "arcsec", "acsc", "arccsc", "coth", "sech", "csch", "erf",
            "gelu", "gelu_tanh", "atan2", "arctan2", "log2", "log10", "sinc"]


def test_the_table_has_the_functions_issue_14_asks_for() -> None:
    for name in ISSUE_14:
        assert name in FUNCTIONS, name


def test_atan2_partials_agree_with_sympy_diff() -> None:
    """Both partial derivatives of atan2, against sympy.diff, at points off the origin."""
    y, x = sp.symbols("y x")
    claimed = ops.OPS["atan2"].partials(y, x)
    for var, mine in zip((y, x), claimed):
        oracle = oracle_diff(sp.atan2(y, x), var)
        for yv, xv in [(0.3, 1.2), (-2.0, 0.5), (1.5, -0.7), (-0.4, -2.2)]:
            at = {y: sp.Float(yv, 30), x: sp.Float(xv, 30)}
            assert abs(complex(mine.xreplace(at).evalf(20))
                       - complex(oracle.xreplace(at).evalf(20))) < 1e-14


@pytest.mark.parametrize("text", ["acot(x)", "asec(x^2 + 1)", "acsc(x^2 + 2)", "coth(x + 4)",
                                  "sech(x)", "csch(x^2 + 1)", "erf(x)", "gelu(x)",
                                  "gelu_tanh(x)", "atan2(x^2 + 1, x)", "sinc(x)", "log2(x^2 + 1)",
                                  "log10(x^2 + 1)", "x*erf(x)^2", "gelu(sin(x))"])
def test_issue_14_functions_derive_against_sympy_and_verify(text: str) -> None:
    """matcalc's derivative of each new function against sympy.diff at random points, and
    the numeric check passes with all 20 points."""
    d = derive(text, "x")
    assert d.verification.status == "passed", (text, d.verification.message)
    x = sp.Symbol("x")
    oracle = oracle_diff(parse(text), x)
    rng = np.random.default_rng(3)
    for xv in rng.uniform(0.2, 2.5, 6):
        at = {x: sp.Float(float(xv), 30)}
        a = complex(d.result.xreplace(at).evalf(20))
        b = complex(oracle.xreplace(at).evalf(20))
        assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), (text, xv, a, b)


def test_every_row_has_a_reference() -> None:
    assert set(REFERENCE) == set(ops.OPS)


def test_rule_names_are_unique_across_catalogue_and_table() -> None:
    """An elementary row may not take the name of a structural rule (the catalogue lists
    both; ``register_function`` refuses such names, built-in rows must avoid them)."""
    names = list(RULES)
    assert len(names) == len(set(names)) == len(RULES)
    assert all(op.name in names for op in ops.elementary())


def test_new_functions_derive_with_steps_and_verify() -> None:
    for text, rule in [("asinh(x^2)", "asinh"), ("acosh(x)", "acosh"), ("atanh(x)", "atanh"),
                       ("arccosh(x^2 + 1)", "acosh")]:
        d = derive(text)
        assert rule in {s.rule for top in d.steps for s in top.walk()}
        assert d.verification.status == "passed", (text, d.verification.message)
        assert d.verification.points == 20


def test_acosh_is_verified_inside_its_domain() -> None:
    """acosh is real for x >= 1 only: the check's points all lie there."""
    from matcalc.verify.kernel import compile_kernel as compile_
    from matcalc.verify.sampling import find_points

    x = sp.Symbol("x")
    kernel = compile_([sp.acosh(x), 1 / sp.sqrt(x ** 2 - 1)], [x])
    sample = find_points(kernel, [x], 0, 20, 0, 1e-6)
    assert len(sample.points) == 20 and (sample.points[:, 0] > 1).all()
    assert math.isclose(float(np.max(np.abs(sample.fd - sample.df))), 0.0, abs_tol=1e-6)


def test_table_errors() -> None:
    with pytest.raises(ValueError, match="in the table already"):
        ops.add(ops.Op("sin", None, ()))
    with pytest.raises(ValueError, match="in use"):
        ops.add(ops.Op("sine2", None, ("sin",)))
    with pytest.raises(ValueError, match="already has the row"):
        ops.add(ops.Op("sine2", sp.sin, ()))
    with pytest.raises(ValueError, match="needs a kernel"):
        ops.add(ops.Op("sine2", None, (), numpy="(1/np.sin({0}))"))
    assert "sine2" not in ops.OPS


def test_ops_imports_downward_only_and_no_numpy() -> None:
    """ops.py imports SymPy and functions.py, never NumPy, a printer, the parser or an API."""
    # a bare package (its __init__ imports the whole API), then ops alone
    code = ("import sys, types; pkg = types.ModuleType('matcalc'); "
            f"pkg.__path__ = [{str(ROOT / 'matcalc')!r}]; sys.modules['matcalc'] = pkg; "
            "import matcalc.ops; print(sorted(m for m in sys.modules if m == 'numpy' or "
            "m.startswith('matcalc.') and m not in ('matcalc.ops', 'matcalc.functions')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    source = (ROOT / "matcalc" / "ops.py").read_text(encoding="utf-8")
    imports = set(re.findall(r"^(?:from|import) (\S+)", source, re.M))
    assert imports <= {"__future__", "math", "re", "dataclasses", "functools", "typing", "sympy",
                       ".functions"}, imports


def test_input_language_page_lists_every_parser_name() -> None:
    from matcalc.docs import INPUT_PAGE, input_language

    page = (ROOT / INPUT_PAGE).read_text(encoding="utf-8")
    assert page == input_language(ROOT), "run `python -m matcalc.docs` to regenerate"
    for name in FUNCTIONS:
        assert f"`{name}`" in page, name
