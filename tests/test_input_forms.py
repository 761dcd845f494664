"""Input as people write it (issue 14): LaTeX, textbook shorthand, Unicode, the new
functions, derivative prefixes; structure kept as typed; the LaTeX round trip.

Each row of ``FORMS`` is (input, the same expression in matcalc's explicit syntax, written
by hand); the two must parse to the identical tree. The explicit forms use only the
grammar's oldest paths (calls with parentheses, ``*``, ``^``), so the new readers are
checked against an independent route.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

from matcalc import derive
from matcalc.errors import MatcalcError, ParseError
from matcalc.parse import parse
from matcalc.parse.prefix import split_prefix

FORMS: list[tuple[str, str]] = [
    # textbook shorthand: the argument is the implicit product up to an operator or the
    # next function name
    ("sin x", "sin(x)"), ("ln x", "ln(x)"), ("cos 3x", "cos(3*x)"), ("sin x^2", "sin(x^2)"),
    ("2x sin x", "2*x*sin(x)"), ("x^2 e^x ln x", "x^2*e^x*ln(x)"),
    ("sin x cos x", "sin(x)*cos(x)"), ("ln x + 1", "ln(x) + 1"), ("sin x/2", "sin(x)/2"),
    ("sin x * y", "sin(x)*y"), ("exp x y", "exp(x*y)"), ("tanh 2x + 1", "tanh(2*x) + 1"),
    ("sqrt x", "sqrt(x)"), ("sin sin x", "sin(sin(x))"), ("x sin x cos x", "x*sin(x)*cos(x)"),
    ("ln(x) sin x", "ln(x)*sin(x)"), ("sin x (x + 1)", "sin(x*(x + 1))"),
    ("sigmoid z", "sigmoid(z)"), ("relu 3x", "relu(3*x)"), ("abs x", "abs(x)"),
    ("-sin x", "-sin(x)"), ("sin x^2 + cos x^2", "sin(x^2) + cos(x^2)"),
    ("3 ln 2x", "3*ln(2*x)"), ("erf x", "erf(x)"), ("atan x/y", "atan(x)/y"),
    # absolute values
    ("|x|", "abs(x)"), ("|x - 1|", "abs(x - 1)"), ("2|x|", "2*abs(x)"),
    ("|x||y|", "abs(x)*abs(y)"), ("||x| - 1|", "abs(abs(x) - 1)"), ("|sin x|", "abs(sin(x))"),
    ("x|x|", "x*abs(x)"), ("|x|^3", "abs(x)^3"), ("1/|x|", "1/abs(x)"),
    ("ln |x|", "ln(abs(x))"), ("|x + y| + |x - y|", "abs(x + y) + abs(x - y)"),
    # Unicode that people paste
    ("x\u00b2", "x^2"), ("x\u00b3 + 1", "x^3 + 1"), ("3x\u00b2y", "3*x^2*y"),
    ("x\u207b\u00b9", "x^(-1)"), ("\u221ax", "sqrt(x)"), ("\u221a(x + 1)", "sqrt(x + 1)"),
    ("\u03c0x", "pi*x"), ("2\u00b7x", "2*x"), ("a\u00d7b", "a*b"), ("x \u2212 1", "x - 1"),
    ("\u03b8\u00b2", "theta^2"), ("sin \u03b8", "sin(theta)"), ("\u03b1 + \u03b2", "alpha + beta"),
    ("x\u22c5y", "x*y"), ("e^(\u2212x\u00b2)", "e^(-x^2)"), ("\u0394 x", "Delta*x"),
    ("x\u00b9\u2070", "x^10"), ("x \u00f7 2", "x/2"),
    # the new functions (one row each in matcalc/ops.py)
    ("asinh(x)", "arcsinh(x)"), ("acosh(x)", "arccosh(x)"), ("atanh(x)", "arctanh(x)"),
    ("acot(x)", "arccot(x)"), ("asec(x)", "arcsec(x)"), ("acsc(x)", "arccsc(x)"),
    ("coth(x)", "coth(x)"), ("sech(x)", "sech(x)"), ("csch(x)", "csch(x)"), ("erf(2x)", "erf(2*x)"),
    ("gelu(x)", "gelu(x)"), ("gelu_tanh(x)", "gelu_tanh(x)"), ("atan2(y, x)", "arctan2(y, x)"),
    ("log2(x)", "log(x, 2)"), ("log10(x)", "log(x, 10)"), ("sinc(x)", "sinc(x)"),
    # structure as typed (no evaluation of function applications of symbols)
    ("sin(atan(u))", "sin(atan(u))"), ("cos(atan(u))", "cos(atan(u))"),
    ("abs(exp(sqrt(x)))", "abs(exp(sqrt(x)))"), ("exp(log(x))", "exp(log(x))"),
    ("sin(-x)", "sin(-x)"), ("abs(-x)", "abs(-x)"),
    # unknown (abstract) functions: f, g, h applied to arguments
    ("f(x)*g(x)*h(x)", "f(x)*g(x)*h(x)"), ("f(g(x))", "f(g(x))"), ("f x", "f*x"),
    # LaTeX
    (r"\frac{a}{b}", "a/b"), (r"\dfrac{x^2}{2}", "x^2/2"), (r"\tfrac{1}{x}", "1/x"),
    (r"\sqrt{x}", "sqrt(x)"), (r"\sqrt[3]{x}", "x^(1/3)"), (r"\sqrt{x^{2} + 1}", "sqrt(x^2 + 1)"),
    (r"x^{2} \cdot y", "x^2*y"), (r"e^{x}", "e^x"), (r"e^{-x^{2}}", "e^(-x^2)"),
    (r"\theta_1 + w_{12}", "theta1 + w12"), (r"x_i + x_{j}", "x_i + x_j"), (r"\ln x", "ln(x)"), (r"\log(x)", "ln(x)"),
    (r"\log_{2} x", "log(x, 2)"), (r"\log_{10}\left(x\right)", "log(x, 10)"),
    (r"\exp(x)", "exp(x)"), (r"\sin^2 x", "sin(x)^2"), (r"\sin^{2}{\left(x \right)}", "sin(x)^2"),
    (r"\cos^{3} x", "cos(x)^3"), (r"\sin^{-1} x", "asin(x)"), (r"\tan^{-1}(x)", "atan(x)"),
    (r"\arctan x", "atan(x)"), (r"\arcsin(x)", "asin(x)"), (r"\sinh x", "sinh(x)"),
    (r"\sigma(z)", "sigmoid(z)"), (r"\sigma z", "sigma*z"), (r"2 \cdot x", "2*x"),
    (r"a \times b", "a*b"), (r"2xy", "2*xy"), (r"2 x y \, z", "2*x*y*z"),
    (r"\left( x + 1 \right)^{2}", "(x + 1)^2"), (r"\left|x\right|", "abs(x)"), (r"|x|", "abs(x)"),
    (r"\lvert x \rvert", "abs(x)"), (r"\sin x \cos x", "sin(x)*cos(x)"),
    (r"\sin{\left(x \right)}", "sin(x)"), (r"\frac{1}{2} x^{\frac{1}{2}}", "(1/2)*x^(1/2)"),
    (r"\operatorname{relu}{\left(x \right)}", "relu(x)"), (r"\mathrm{e}^{x}", "e^x"),
    (r"\pi r^2", "pi*r^2"), (r"\frac{\frac{1}{x}}{y}", "(1/x)/y"), (r"\alpha\beta", "alpha*beta"),
    (r"\mathbf{x}", "x"), (r"\frac{x}{y}z", "(x/y)*z"), (r"\exp\left(-\frac{x^2}{2}\right)", "exp(-x^2/2)"),
    (r"\ln\left(\sin\left(x^{3}\right)^{2}\right)", "ln(sin(x^3)^2)"),
    (r"x e^{x^{2}}", "x*e^(x^2)"), (r"3x^2(2y+7)", "3*x^2*(2*y + 7)"), (r"\sqrt{x}\,\sqrt{y}", "sqrt(x)*sqrt(y)"),
    (r"\operatorname{sign}(x)", "sign(x)"), (r"\tanh\left(3 x\right)", "tanh(3*x)"),
    (r"\operatorname{erf}(x)", "erf(x)"), (r"\frac{x + 1}{x - 1}", "(x + 1)/(x - 1)"),
]


@pytest.mark.parametrize("text, explicit", FORMS, ids=[f"{i}:{t}" for i, (t, _) in enumerate(FORMS)])
def test_each_form_means_its_explicit_expression(text: str, explicit: str) -> None:
    assert parse(text) == parse(explicit)


def test_the_table_is_large_and_covers_every_kind_of_form() -> None:
    assert len(FORMS) >= 120
    assert sum("\\" in t for t, _ in FORMS) >= 40
    assert sum(not t.isascii() for t, _ in FORMS) >= 15


def test_structure_is_kept_as_typed() -> None:
    """SymPy's evaluation would rewrite these; matcalc keeps what the user wrote."""
    u, x = sp.symbols("u x")
    assert parse("sin(atan(u))").func is sp.sin and parse("sin(atan(u))").args == (sp.atan(u),)
    assert not parse("abs(exp(sqrt(x)))").has(sp.atan2, sp.re, sp.im)
    assert parse("sin(0) + ln(e) + sigmoid(0)") == sp.Rational(3, 2)   # numbers evaluate


def test_abs_exp_sqrt_derives_without_atan2() -> None:
    """Issue 18: the input used to meet atan2(0, x), a term the user never wrote."""
    d = derive("abs(exp(sqrt(x)))")
    assert d.verification.status == "passed"
    assert not d.result.has(sp.atan2)


def test_the_nested_chain_stays_linear() -> None:
    """Depth 40 of sin/cos/tanh/atan: the result's tree is small (not exponential)."""
    from matcalc.engine.dag import dag_size
    text = "x"
    for i in range(40):
        text = f"{('sin', 'cos', 'tanh', 'atan')[i % 4]}({text})"
    d = derive(text, verify=False, simplify=False)
    assert dag_size(d.result) < 40 * 12


@pytest.mark.parametrize("text, column, message", [
    ("sinx", 0, "write sin(x)"), ("2 + lnx", 4, "write ln(x)"), ("cost", 0, "write cos(t)"),
    ("sin2x", 0, "write sin(2x)"), ("|x + 1", 6, "missing '|'"), ("x\u00b2\u00b2 +", 5, "expected"),
    (r"\frac{1}{x", 8, "unbalanced '{'"), (r"x + \input{/etc/passwd}", 4, "not allowed"),
    (r"\def\a{1}", 0, "not allowed"), (r"\csname x\endcsname", 0, "not allowed"),
    (r"x + \foo", 4, "unknown LaTeX command"), (r"\frac{1}{x}}", 11, "unbalanced '}'"),
    (r"\sum_i x_i", 0, "not supported"), (r"\sqrt[x]{2}", 5, "whole number"),
    (r"\frac{1}{x} +", 13, "expected an expression"),
])
def test_errors_point_at_the_column_as_typed(text: str, column: int, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.position == column and message in str(info.value), str(info.value)


def test_hostile_latex_is_refused_fast_without_reading_files(monkeypatch) -> None:
    from tests.hostile.cases import HOSTILE_LATEX
    import builtins
    opened: list[str] = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(str(a[0])) or real_open(*a, **k))
    for text in HOSTILE_LATEX:
        start = time.perf_counter()
        with pytest.raises(MatcalcError):
            parse(text)
        assert time.perf_counter() - start < 2.0, text[:40]
    assert not any("passwd" in p for p in opened)


@pytest.mark.parametrize("text, var, body", [
    ("d/dx x^2", "x", "x^2"), ("d/dy (x y)", "y", "(x y)"), ("\u2202/\u2202x (x y)", "x", "(x y)"),
    (r"\frac{d}{dx} \sin x", "x", r"\sin x"), (r"\frac{\partial}{\partial y} x y", "y", "x y"),
    (r"\frac{d}{d\theta} \theta^2", "theta", r"\theta^2"), ("d/dw_1 w_1^2", "w_1", "w_1^2"),
    ("x^2", None, "x^2"),
])
def test_prefix_names_the_variable_and_keeps_columns(text: str, var: str | None, body: str) -> None:
    p = split_prefix(text)
    assert p.var == var and p.body.strip() == body and len(p.body) == len(text)


def test_prefix_sets_the_variable_of_derive() -> None:
    d = derive("d/dy x^2 y")
    assert d.result == parse("x^2")
    with pytest.raises(MatcalcError, match="says d/dy"):
        derive("d/dy x^2 y", "x")


def _scalar_examples():
    from matcalc.gallery import examples
    return [e for e in examples() if e.kind in ("derive", "grad")
            and not e.options.get("shapes") and not e.options.get("where")]


@pytest.mark.slow
@pytest.mark.parametrize("example", _scalar_examples(), ids=lambda e: e.name)
def test_latex_round_trip_of_every_scalar_example(example) -> None:
    """matcalc's own LaTeX of the input and of each result, parsed back, is the same
    expression (identical, or equal at random points where SymPy's ordering differs)."""
    from matcalc.gallery import derive_example
    from matcalc.render.latex import tex
    d = derive_example(example)
    exprs = [parse(example.input)]
    result = d.result
    exprs += list(result) if isinstance(result, sp.MatrixBase) else [result]
    rng = np.random.default_rng(5)
    for e in exprs:
        back = parse(tex(e))
        if back == e:
            continue
        syms = sorted(e.free_symbols | back.free_symbols, key=lambda s: s.name)
        for _ in range(5):
            at = {s: sp.Float(rng.uniform(0.3, 2.0), 30) for s in syms}
            a, b = complex(e.xreplace(at).evalf(20)), complex(back.xreplace(at).evalf(20))
            assert abs(a - b) <= 1e-12 * max(1.0, abs(a)), (tex(e), back)


def test_unknown_functions_are_functions_not_letters() -> None:
    x = sp.Symbol("x")
    f, g = sp.Function("f"), sp.Function("g")
    assert parse("f(x)*g(x)") == f(x) * g(x)
    assert parse("x(y + 1)") == x * (sp.Symbol("y") + 1)           # one letter: a product
    assert parse("f'(x)") == sp.Function("f'")(x)


@pytest.mark.parametrize("text, expected", [
    ("f(x)*g(x)", "f'(x)*g(x) + f(x)*g'(x)"),                        # product rule
    ("f(x)/g(x)", "(f'(x)*g(x) - f(x)*g'(x))/g(x)^2"),               # quotient rule
    ("f(g(x))", "f'(g(x))*g'(x)"),                                   # chain rule
    ("f(x)*g(x)*h(x)", "f'(x)*g(x)*h(x) + f(x)*g'(x)*h(x) + f(x)*g(x)*h'(x)"),
    ("sin(f(x))", "cos(f(x))*f'(x)"), ("f(x^2)", "2*x*f'(x^2)"),
])
def test_rules_read_as_taught_with_unknown_functions(text: str, expected: str) -> None:
    d = derive(text, "x")
    assert sp.expand(d.result - parse(expected)) == 0
    assert d.verification.status == "passed"
    assert "random smooth functions" in d.verification.method and "3 draws" in d.verification.method


def test_a_wrong_rule_with_unknown_functions_fails_the_check() -> None:
    """The substitution really compares: (f g)' = f' g' is caught."""
    from matcalc.verify import check_derivative
    from matcalc.verify.abstract import check_with_functions
    x = sp.Symbol("x")
    f, wrong = parse("f(x)*g(x)"), parse("f'(x)*g'(x)")
    v = check_with_functions(lambda a, b: check_derivative(a, b, x), f, wrong)
    assert v.status == "failed"
