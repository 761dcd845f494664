"""The safe parser: text -> SymPy, compared with trees built here through SymPy's API.

Expected values are built with SymPy constructors and operators on SymPy objects, never
from strings, so a wrong parse cannot agree with a wrong oracle.
"""
from __future__ import annotations

import cmath
import time

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from matcalc.errors import LimitError, ParseError
from matcalc.functions import logb, relu, sigmoid, softplus
from matcalc.options import Limits
from matcalc.parse import (make_symbol, parse, parse_assignments, parse_list,
                           parse_symbol_list)
from matcalc.syntax import to_syntax

R = sp.Rational
x, y, z, a, b, c = (make_symbol(n) for n in "xyzabc")
w1, x1, w2, x2 = (make_symbol(n) for n in ("w1", "x1", "w2", "x2"))

CASES: list[tuple[str, sp.Expr]] = [
    # implicit multiplication
    ("3x^2(2y+7)", 3 * x**2 * (2 * y + 7)),
    ("2x y", 2 * x * y),
    ("2 sin(x)", 2 * sp.sin(x)),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("x(y+1)", x * (y + 1)),
    ("a(b+c)", a * (b + c)),
    ("2exp(x)", 2 * sp.exp(x)),
    ("sin(x)cos(x)", sp.sin(x) * sp.cos(x)),
    ("2(x+1)", 2 * x + 2),
    ("1/2x", x / 2),
    ("x/2y", x * y / 2),
    ("2^3x", 8 * x),
    ("x y^2", x * y**2),
    # names
    ("w1*x1 + w2*x2 + b", w1 * x1 + w2 * x2 + b),
    ("xy", make_symbol("xy")),
    ("theta_1", make_symbol("theta_1")),
    ("sigma", make_symbol("sigma")),
    ("sigma * 2", 2 * make_symbol("sigma")),
    ("Lambda_2x", make_symbol("Lambda_2x")),
    # constants and numbers
    ("e", sp.E),
    ("pi", sp.pi),
    ("e^x", sp.exp(x)),
    ("e(x+1)", sp.E * (x + 1)),
    ("2pi", 2 * sp.pi),
    ("0.5", R(1, 2)),
    ("2.25", R(9, 4)),
    ("0.1", R(1, 10)),
    ("1e-3", R(1, 1000)),
    ("1.5e2", sp.Integer(150)),
    ("2E3", sp.Integer(2000)),
    ("007", sp.Integer(7)),
    ("2^100", sp.Integer(2) ** 100),
    ("2**10", sp.Integer(1024)),
    ("4^(1/2)", sp.Integer(2)),
    ("2^0.5", sp.sqrt(2)),
    # functions
    ("sigmoid(z)", sigmoid(z)),
    ("sigma(z)", sigmoid(z)),
    ("relu(x)", relu(x)),
    ("softplus(x)", softplus(x)),
    ("ln(x)", sp.log(x)),
    ("log(x)", sp.log(x)),
    ("log(x, 2)", logb(x, 2)),
    ("log(x, e)", sp.log(x)),
    ("sqrt(x)", sp.sqrt(x)),
    ("abs(x)", sp.Abs(x)),
    ("sign(x)", sp.sign(x)),
    ("step(x)", sp.Heaviside(x, 0)),
    ("max(0, x)", sp.Max(0, x)),
    ("min(x, y, z)", sp.Min(x, y, z)),
    ("tan(x) + sec(x) + csc(x) + cot(x)", sp.tan(x) + sp.sec(x) + sp.csc(x) + sp.cot(x)),
    ("asin(x) + arccos(y) + arctan(z)", sp.asin(x) + sp.acos(y) + sp.atan(z)),
    ("sinh(x)cosh(y)tanh(z)", sp.sinh(x) * sp.cosh(y) * sp.tanh(z)),
    ("sin (x)", sp.sin(x)),
    # nested calls
    ("ln(sin(x^3)^2)", sp.log(sp.sin(x**3) ** 2)),
    ("exp(sigmoid(relu(x)))", sp.exp(sigmoid(relu(x)))),
    ("x*exp(x**2)", x * sp.exp(x**2)),
    ("max(abs(x), sqrt(y^2 + 1))", sp.Max(sp.Abs(x), sp.sqrt(y**2 + 1))),
    # powers and signs
    ("-x^2", -(x**2)),
    ("(-x)^y", sp.Pow(-x, y)),
    ("x^2^3", x**8),
    ("x^y^z", sp.Pow(x, sp.Pow(y, z))),
    ("x**y**z", sp.Pow(x, sp.Pow(y, z))),
    ("2^-x", sp.Pow(2, -x)),
    ("2^-x^2", sp.Pow(2, -(x**2))),
    ("x^-1", 1 / x),
    ("x^x", x**x),
    ("sin(x)^cos(x)", sp.sin(x) ** sp.cos(x)),
    ("--x", x),
    ("+x", x),
    ("-(-x)", x),
    ("x*-y", -x * y),
    ("2 -x", 2 - x),
    ("x - y - z", x - y - z),
    ("x/y/z", x / (y * z)),
    ("x \n + 1", x + 1),
    ("\tx+1 ", x + 1),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[t for t, _ in CASES])
def test_parse_cases(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_free_symbol_names_are_whole() -> None:
    expr = parse("w1*x1 + w2*x2 + b")
    assert {s.name for s in expr.free_symbols} == {"w1", "x1", "w2", "x2", "b"}
    assert {s.name for s in parse("xy + x").free_symbols} == {"xy", "x"}


def test_symbols_come_from_make_symbol() -> None:
    sym = parse("x")
    assert isinstance(sym, sp.Symbol) and sym == make_symbol("x")
    assert parse("x + y").free_symbols == {make_symbol("x"), make_symbol("y")}
    assert parse_assignments("g = x")[0][0] == make_symbol("g")
    assert parse_symbol_list("x") == [make_symbol("x")]


def test_variables_are_real() -> None:
    """Symbols carry no SymPy assumptions, but matcalc's variables are real: the parser
    keeps abs(e^x) as typed (SymPy's evaluation would answer exp(re(x)) for a complex x),
    and never writes re, im or conjugate."""
    expr = parse("abs(e^x)")
    assert expr.func is sp.Abs and expr.args == (sp.exp(x),)
    assert not expr.has(sp.re, sp.im, sp.conjugate)


def test_log_base_is_its_own_node() -> None:
    expr = parse("log(x, 2)")
    assert isinstance(expr, logb) and expr.args == (x, sp.Integer(2))


def test_decimals_are_exact() -> None:
    value = parse("0.1")
    assert isinstance(value, sp.Rational) and value == R(1, 10)
    assert not parse("2.5*x").has(sp.Float)


def test_parse_list() -> None:
    assert parse_list("[3x^2(2y+7), 4x + y^2]") == [3 * x**2 * (2 * y + 7), 4 * x + y**2]
    assert parse_list("x + 1") == [x + 1]
    assert parse_list("[x]") == [x]
    for bad in ("[x, y", "[]", "[x,]", "[[x]]", "[x] y", "[x], [y]"):
        with pytest.raises(ParseError):
            parse_list(bad)


def test_parse_assignments() -> None:
    g1, g2, g3 = (make_symbol(n) for n in ("g1", "g2", "g3"))
    assert parse_assignments("g1 = x^2; g2 = 3x") == [(g1, x**2), (g2, 3 * x)]
    assert parse_assignments("g1 = x^2\n\ng2 = 3x;\ng3 = g1 g2\n") == [
        (g1, x**2), (g2, 3 * x), (g3, g1 * g2)]
    cases = {
        "g1 = x; g1 = y": "assigned twice",
        "2 = x": "a name to assign to",
        "g1 x": "'=' after 'g1'",
        "sin = x": "cannot assign",
        "e = 2": "cannot assign",
        "g1 = ": "expected an expression",
        "g1 = x y = 2": "unexpected '='",
        "": "no assignments",
        " ; \n": "no assignments",
    }
    for text, message in cases.items():
        with pytest.raises(ParseError, match=message):
            parse_assignments(text)
    with pytest.raises(ParseError) as info:
        parse_assignments("g1 = x; g1 = y")
    assert info.value.position == 8


def test_parse_symbol_list() -> None:
    assert parse_symbol_list("x,y") == [x, y]
    assert parse_symbol_list(" W1 , b1 ") == [make_symbol("W1"), make_symbol("b1")]
    for bad in ("", "x,", "x y", "x,x", "sin", "e", "2", "x+y", "__x"):
        with pytest.raises(ParseError):
            parse_symbol_list(bad)


@pytest.mark.parametrize("text, position, message", [
    ("foo(x)", 0, "unknown function 'foo'"),
    ("sinn(x)", 0, "did you mean 'sin'"),
    ("theta(x)", 0, "unknown function 'theta'"),
    ("2 + (x", 6, "missing ')' to close '(' opened at column 5"),
    ("x + 1)", 5, "unexpected ')'"),
    ("sin(x, y)", 0, "sin() takes exactly 1 argument, got 2"),
    ("log(x, 2, 3)", 0, "log() takes 1 or 2 arguments, got 3"),
    ("max(x)", 0, "max() takes 2 to 10 arguments, got 1"),
    ("min(" + ",".join("x%d" % i for i in range(11)) + ")", 0, "got 11"),
    ("x +", 3, "expected an expression, found end of input"),
    ("x.real", 1, "attribute access"),
    ("x @ y", 2, "'@' needs declared matrices (--shape)"),
    ("A.T", 1, "'.T' (transpose) needs declared matrices"),
    ("y + \u03c9\u0305", 5, "not part of the input language"),
    ("2 + lnx", 4, "write ln(x)"),
    ("|x + 1", 6, "missing '|' to close '|' opened at column 1"),
    ("__import__('os')", 0, "names may not begin with '__'"),
    ("x^2 3", 4, "missing operator"),
    ("1/0", 1, "division by zero"),
    ("x^10001", 1, "exponent too large"),
    ("2^-x^", 5, "expected an exponent"),
    ("9" * 51, 0, "51 digits"),
])
def test_error_positions_and_messages(text: str, position: int, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.position == position
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_empty_input() -> None:
    for text in ("", "  ", "\n"):
        with pytest.raises(ParseError, match="empty expression"):
            parse(text)


def test_input_length_limit() -> None:
    with pytest.raises(LimitError, match="limit is 10"):
        parse("x+" * 6 + "x", Limits(max_input_length=10))
    assert parse("x+1", Limits(max_input_length=3)) == x + 1


@pytest.mark.parametrize("text", [
    "(" * 10000 + "x" + ")" * 10000,
    "-" * 5000 + "x",
    "x^" * 3000 + "x",
    "sin(" * 5000 + "x" + ")" * 5000,
    "[" * 5000 + "x",
], ids=["parentheses", "signs", "powers", "calls", "brackets"])
def test_deep_nesting_fails_fast_without_recursion_error(text: str) -> None:
    start = time.process_time()          # CPU time: what the parser spends, not the load
    with pytest.raises(ParseError) as info:
        parse(text, Limits(max_input_length=100_000))
    assert time.process_time() - start < 1.0
    assert info.value.position is not None


def test_depth_limit_is_where_it_is_crossed() -> None:
    limits = Limits(max_depth=5)
    assert parse("(((((x)))))", limits) == x
    with pytest.raises(ParseError, match="nested too deeply") as info:
        parse("((((((x))))))", limits)
    assert info.value.position == 5
    assert parse("-----x", limits) == -x
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("------x", limits)
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("x^x^x^x^x^x^x", limits)


def test_default_depth_is_usable() -> None:
    assert parse("(" * 100 + "x" + ")" * 100) == x
    assert parse("sin(" * 95 + "x" + ")" * 95).has(sp.sin)
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("(" * 101 + "x" + ")" * 101)


@pytest.mark.parametrize("text", ["x**(10**10**10)", "10**10**10", "2^(2^100)",
                                  "(2^10000)^3", "2^20000*2^20000", "(1000x)^10000",
                                  "1e30000"])
def test_huge_numbers_fail_within_milliseconds(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError, match="too large"):
        parse(text)
    assert time.perf_counter() - start < 2.0     # refused before building: no hang


def test_number_limits_are_configurable() -> None:
    assert parse("2^100") == sp.Integer(2) ** 100
    with pytest.raises(ParseError, match="too large"):
        parse("2^100", Limits(max_number_bits=64))
    assert parse("x^20", Limits(max_exponent=20)) == x**20
    with pytest.raises(ParseError, match="exponent too large"):
        parse("x^21", Limits(max_exponent=20))
    with pytest.raises(ParseError, match="digits"):
        parse("12345", Limits(max_literal_digits=4))


# --------------------------------------------------------------------- round trips
@pytest.mark.parametrize("text, expected", CASES, ids=[t for t, _ in CASES])
def test_round_trip_cases(text: str, expected: sp.Expr) -> None:
    assert parse(to_syntax(expected)) == expected


@pytest.mark.parametrize("expr, shown", [
    (x**2, "x^2"),
    (sp.exp(x), "exp(x)"),
    (sp.E, "e"),
    (sp.pi * x, "pi*x"),
    (logb(x, 2), "log(x, 2)"),
    (sp.log(x), "log(x)"),
    (sp.Heaviside(x, 0), "step(x)"),
    (sp.Abs(x), "abs(x)"),
    (sp.Max(0, x), "max(0, x)"),
    (sp.sqrt(x), "sqrt(x)"),
    (x ** R(1, 3), "x^(1/3)"),
    (sp.Pow(-2, x), "(-2)^x"),
    (R(1, 2) ** x, "(1/2)^x"),
])
def test_to_syntax_spelling(expr: sp.Expr, shown: str) -> None:
    assert to_syntax(expr) == shown


_leaves = st.sampled_from([x, y, z, sp.E, sp.pi, sp.Integer(2), sp.Integer(3),
                           sp.Integer(-1), R(1, 2), R(-3, 4)])
_unary = [sp.sin, sp.cos, sp.tan, sp.exp, sp.log, sp.sqrt, sp.Abs, sp.sign, sp.atan,
          sp.tanh, sigmoid, relu, softplus, lambda u: sp.Heaviside(u, 0), lambda u: -u]
_binary = [sp.Add, sp.Mul, lambda u, v: u - v, lambda u, v: u / v, sp.Pow,
           lambda u, v: sp.Max(u, v), lambda u, v: sp.Min(u, v),
           lambda u, v: logb(u, v)]


def _apply(f, *args: sp.Expr) -> sp.Expr:
    """f(*args), or x when SymPy refuses the combination (Max of incomparable numbers)."""
    try:
        return f(*args)
    except ValueError:
        return x


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    unary = st.builds(_apply, st.sampled_from(_unary), children)
    binary = st.builds(_apply, st.sampled_from(_binary), children, children)
    return unary | binary


_exprs = st.recursive(_leaves, _extend, max_leaves=12)


_LANGUAGE_FUNCTIONS = (sp.sin, sp.cos, sp.tan, sp.sec, sp.csc, sp.cot, sp.asin, sp.acos,
                       sp.atan, sp.sinh, sp.cosh, sp.tanh, sp.exp, sp.log, sp.Abs, sp.sign,
                       sp.Heaviside, sigmoid, relu, softplus, logb, sp.Max, sp.Min)


def _acceptable(expr: sp.Expr) -> bool:
    """Trees the parser rightly refuses to build (undefined or complex values) are skipped."""
    bad = (sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I)
    if any(expr.has(v) for v in bad) or expr.has(sp.AccumBounds):
        return False
    if not all(isinstance(f, _LANGUAGE_FUNCTIONS) for f in expr.atoms(sp.Function)):
        return False  # SymPy rewrote into something outside the language (atan2 ...)
    # numeric logs with a bad base, powers with huge exponents: not in the language's range
    for node in sp.preorder_traversal(expr):
        if node.is_extended_real is False:
            return False  # log(min(-1, x)) is never real
        if isinstance(node, logb) and node.args[1].is_number and (
                not node.args[1].is_positive or node.args[1] == 1):
            return False
        if isinstance(node, (sp.log, logb)) and node.args[0].is_number \
                and not node.args[0].is_positive:
            return False
        if node.is_Pow and node.exp.is_Rational and abs(node.exp) > 100:
            return False
        if node.is_Pow and node.base.is_number and node.base.is_negative \
                and node.exp.is_number and not node.exp.is_Integer:
            return False  # (-1)^(1/4) and (-1)^e are not real
    return True


def _plain(expr: sp.Expr) -> sp.Expr:
    """matcalc's functions in terms of SymPy's, so that N() can evaluate them."""
    return (expr.replace(sigmoid, lambda u: 1 / (1 + sp.exp(-u)))
            .replace(relu, lambda u: sp.Max(0, u))
            .replace(softplus, lambda u: sp.log(1 + sp.exp(u)))
            .replace(logb, lambda u, v: sp.log(u) / sp.log(v)))


def _value(expr: sp.Expr, point: dict[sp.Symbol, sp.Expr]) -> complex | None:
    """expr at point as a complex number, or None where it is undefined or not a number."""
    try:
        value = complex(sp.N(_plain(expr).subs(point), 20))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return value if cmath.isfinite(value) else None


_POINTS = [{x: R(7, 10), y: R(-13, 10), z: R(21, 10)}, {x: R(-5, 3), y: R(2, 7), z: R(1, 9)}]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exprs)
def test_random_trees_print_what_they_mean(expr: sp.Expr) -> None:
    """Printing a SymPy-built tree gives text whose parse has the same value (SymPy builds
    some non-canonical trees, e.g. Abs(Abs(x)), so structure may differ), and the parse
    round-trips exactly."""
    if not _acceptable(expr):
        return
    text = to_syntax(expr)
    back = parse(text)
    assert parse(to_syntax(back)) == back, text
    if back == expr:
        return
    for point in _POINTS:
        want, got = _value(expr, point), _value(back, point)
        if want is not None and got is not None:
            assert abs(want - got) <= 1e-9 * (1 + abs(want)), (text, point, want, got)


_text_atoms = st.sampled_from(["x", "y", "z", "w1", "theta_1", "sigma", "e", "pi",
                               "2", "3", "0.5", "1e-3", "10"])
_text_ops = ["+", "-", "*", "/", "^", "**", " ", " - ", "*-", "^-", "/-", " + -"]
_text_calls = ["sin", "cos", "tan", "sec", "asin", "atan", "tanh", "exp", "ln", "log",
               "sqrt", "abs", "sign", "step", "sigmoid", "sigma", "relu", "softplus"]


def _extend_text(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{}{}{}".format, children, st.sampled_from(_text_ops), children),
        children.map("({})".format),
        children.map("-{}".format),
        st.builds("{}({})".format, st.sampled_from(_text_calls), children),
        st.builds("{}({}, {})".format, st.sampled_from(["log", "max", "min"]),
                  children, children),
    )


_texts = st.recursive(_text_atoms, _extend_text, max_leaves=10)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_round_trip_of_parsed_texts(text: str) -> None:
    """Everything the parser produces prints back to text that parses to the same tree."""
    try:
        expr = parse(text)
    except ParseError:
        return  # random text is often malformed ("x 2"); the bad-input tests cover errors
    shown = to_syntax(expr)
    assert parse(shown) == expr, (text, shown)
