"""The operator table: one row per scalar function or operator, read by every layer.

A row (:class:`Op`) holds everything matcalc knows about one function f:

* how the parser reads it: the names users type (``names``; the first is the one the
  printers write), the argument count (``arity``) and the constructor (``build``);
* how it is differentiated: for an elementary function, f'(u) (``derivative``) with the
  rule record's text (``title``, ``identity``, ``identity_latex``, ``example``, ``note``
  for a kink convention); for an operator such as + or max, the name of the structural
  rule that handles it (``rule``);
* how it is evaluated: the NumPy text the emitter writes (``numpy``) and, where that text
  is not a plain NumPy function, the callable the verifier's kernel runs (``kernel``);
* where it is defined (``domain``, for the docs) and where test points are drawn
  (``sample``), and whether its argument is a kink (``kink``);
* how it prints: ``latex_name`` when SymPy's LaTeX is not the one wanted.

The parser (``parse/grammar.py``), the rule catalogue (``rules/elementary.py``), the NumPy
kernel (``verify/kernel.py``), the emitter (``codegen/numpy.py``) and the printers
(``syntax.py``, ``render/latex_printer.py``) all read this table at the time of use, so
they cannot drift apart, and ``matcalc.extend.register_function`` adds exactly one row
(:func:`add`). A new built-in function is one ``add(Op(...))`` below plus one test case.

This module imports only SymPy and ``functions.py``; NumPy is never imported here: the
``kernel`` callables take the NumPy module as their first argument, and ``numpy`` text
names such as ``"np.arcsinh"`` are resolved by the kernel (:func:`numpy_callable`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any, Callable, Iterator, Literal, Union

import sympy as sp

from .functions import (GELU_C, ConstantMemo, as_typed, gelu, gelu_tanh, gelu_tanh_inner, logb, relu,
                        sigmoid, softplus, step)

#: The emitter's text: a NumPy name applied to the arguments ("np.arcsinh"), a
#: ``str.format`` template over them ("(1/np.cos({0}))"), or a function of the printed
#: arguments. Empty for the arithmetic operators, which print as Python operators.
NumPyText = Union[str, Callable[[list[str]], str]]

_NP_NAME = re.compile(r"np(\.[A-Za-z_][A-Za-z0-9_]*)+")

#: The kink convention (CONTRACTS.md), as the step states it.
KINK = ("At the kink the derivative takes the convention PyTorch and JAX use: "
        "{value} at {where}.")

#: The default sampling interval of one argument: where test points are drawn.
WIDE = (-3.0, 3.0)


@dataclass(frozen=True)
class Op:
    """One function or operator (see the module docstring for the fields' roles).

    ``derivative(u, *params)`` is d f(u, *params)/du: only the first argument is
    differentiated, the others (the base of log_b) must be constant. A function of several
    arguments that may all vary (atan2) gives ``partials(*args)``, one partial derivative
    per argument, for the multivariable chain rule. ``rule`` is the
    catalogue name of the rule that differentiates the node (``name`` for an elementary
    row). ``sample`` gives, per argument, an open interval inside the domain where f is
    defined and (away from kinks) smooth.
    """

    name: str
    func: type | None
    names: tuple[str, ...] = ()
    arity: tuple[int, int | None] = (1, 1)
    constructor: Callable[..., sp.Expr] | None = None
    derivative: Callable[..., sp.Expr] | None = None
    rule: str = ""
    title: str = ""
    identity: str = ""
    identity_latex: str = ""
    example: str = ""
    note: str = ""
    meaning: str = ""
    domain: str = ""
    sample: tuple[tuple[float, float], ...] = (WIDE,)
    kink: Literal["", "argument", "pairs"] = ""
    numpy: NumPyText = ""
    kernel: Callable[..., Any] | None = None
    latex_name: str | None = None
    bare_symbols: tuple[str, ...] = ()
    partials: Callable[..., tuple[sp.Expr, ...]] | None = None

    @property
    def build(self) -> Callable[..., sp.Expr]:
        """What the parser calls with the parsed arguments."""
        built = self.constructor or self.func
        assert built is not None, f"{self.name} has neither a class nor a constructor"
        return built

    @property
    def min_args(self) -> int:
        return self.arity[0]

    @property
    def max_args(self) -> int | None:
        return self.arity[1]

    @property
    def rule_name(self) -> str:
        """The catalogue rule that differentiates this node."""
        return self.rule or self.name

    def numpy_text(self, args: list[str]) -> str:
        """The emitter's NumPy text of f applied to the printed ``args``."""
        if callable(self.numpy):
            return self.numpy(args)
        if _NP_NAME.fullmatch(self.numpy):
            return f"{self.numpy}({', '.join(args)})"
        return self.numpy.format(*args)


#: Every row, by its ``name``, in the order added (the docs list them in this order).
OPS: dict[str, Op] = {}
#: Parser name (and alias) -> row. ``parse.grammar.FUNCTIONS`` is this very dict.
BY_NAME: dict[str, Op] = {}
#: SymPy class -> row (looked up along the class's MRO by :func:`lookup`).
BY_CLASS: dict[type, Op] = {}
#: Names that call a function when followed by '(' and are plain symbols otherwise.
BARE_SYMBOLS: set[str] = set()


def add(op: Op) -> Op:
    """Add a row; its name, parser names and class must all be new.

    Raises ValueError otherwise (the table never silently replaces a row)."""
    if op.name in OPS:
        raise ValueError(f"operator {op.name!r} is in the table already")
    taken = [n for n in op.names if n in BY_NAME]
    if taken:
        raise ValueError(f"the name {taken[0]!r} is in use by {BY_NAME[taken[0]].name!r}")
    if op.func is not None and op.func in BY_CLASS:
        raise ValueError(f"{op.func.__name__} already has the row {BY_CLASS[op.func].name!r}")
    if op.numpy and not callable(op.numpy) and not _NP_NAME.fullmatch(op.numpy) \
            and op.kernel is None:
        raise ValueError(f"{op.name}: a NumPy template needs a kernel callable")
    OPS[op.name] = op
    for n in op.names:
        BY_NAME[n] = op
    if op.func is not None:
        BY_CLASS[op.func] = op
    BARE_SYMBOLS.update(op.bare_symbols)
    return op


def remove(name: str) -> None:
    """Drop the row ``name`` (for tests that register a function and clean up)."""
    op = OPS.pop(name)
    for n in op.names:
        BY_NAME.pop(n, None)
    if op.func is not None:
        BY_CLASS.pop(op.func, None)
    BARE_SYMBOLS.difference_update(op.bare_symbols)


def lookup(func: type) -> Op | None:
    """The row of a SymPy class, or of its nearest base class in the table."""
    for klass in func.__mro__:
        op = BY_CLASS.get(klass)
        if op is not None:
            return op
    return None


def elementary() -> Iterator[Op]:
    """The rows with a derivative formula: the table of elementary functions."""
    return (op for op in OPS.values() if op.derivative is not None)


def numpy_callable(op: Op, np: Any) -> Callable[..., Any]:
    """The NumPy implementation of ``op`` for the kernel, given the NumPy module."""
    if op.kernel is not None:
        kernel = op.kernel
        return lambda *args: kernel(np, *args)
    if isinstance(op.numpy, str) and _NP_NAME.fullmatch(op.numpy):
        target: Any = np
        for part in op.numpy.split(".")[1:]:
            target = getattr(target, part)
        return target
    raise LookupError(f"{op.name} has no NumPy implementation")


# ------------------------------------------------------------------ constructors
def log_any_base(x: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    """``log(x)`` is ln x; ``log(x, b)`` is log_b x (kept as its own node, ``logb``)."""
    if base is None or base == sp.E:
        return as_typed(sp.log, (x,))
    return as_typed(logb, (x, base))


def step_at(x: sp.Expr, at_zero: sp.Expr | None = None) -> sp.Expr:
    """step(x) is 1 for x > 0 and 0 otherwise; step(x, h) takes the value h at x = 0."""
    return step(x) if at_zero is None else as_typed(sp.Heaviside, (x, at_zero))


def apply(op: "Op", args: list[sp.Expr] | tuple[sp.Expr, ...],
          memo: "ConstantMemo | None" = None) -> sp.Expr:
    """The row ``op`` applied to ``args`` as typed (see ``functions.as_typed``): a SymPy
    function class unevaluated unless every argument is a number; a constructor (log with
    a base, sqrt, step with a value at 0) builds its own node the same way."""
    if op.constructor is not None:
        return op.constructor(*args)
    assert op.func is not None
    if isinstance(op.func, type) and issubclass(op.func, (sp.Function, sp.Max, sp.Min)):
        return as_typed(op.func, tuple(args), memo)
    return op.func(*args)


# ------------------------------------------------------------------ NumPy helpers
def _sigmoid(np: Any, x: Any) -> Any:
    """sigma(x) = 1/(1 + e^{-x}), as e^{-|x|}-based branches so that it never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pow(np: Any, base: Any, exp: Any) -> Any:
    """Real power: a negative base with a non-integer exponent is nan (np.power on floats)."""
    return np.power(np.asarray(base, dtype=float), exp)


def _fold(fn: str) -> Callable[[list[str]], str]:
    """n-ary max/min as nested binary calls: fn(a, fn(b, c))."""
    def text(args: list[str]) -> str:
        out = args[-1]
        for a in reversed(args[:-1]):
            out = f"{fn}({a}, {out})"
        return out
    return text


def _nary(ufunc: str) -> Callable[..., Any]:
    return lambda np, *xs: reduce(getattr(np, ufunc), xs)


def _heaviside_text(args: list[str]) -> str:
    return f"np.heaviside({args[0]}, {args[1] if len(args) > 1 else '0.5'})"


# ------------------------------------------------------------------ the table
D = r"\frac{d}{du}"
POSITIVE = ((0.05, 3.0),)
UNIT = ((-0.95, 0.95),)


def _elementary(name: str, func: type, names: tuple[str, ...], title: str, identity: str,
                latex: str, example: str, derivative: Callable[..., sp.Expr], numpy: NumPyText,
                meaning: str, **more: Any) -> Op:
    """One elementary row: rule ``name``, read as ``names``, d/du f(u) = ``derivative``."""
    return add(Op(name, func, names, derivative=derivative, title=title, identity=identity,
                  identity_latex=D + " " + latex, example=example, numpy=numpy,
                  meaning=meaning, **more))


_elementary("exp", sp.exp, ("exp",), "exponential (base e)", "d/du e^u = e^u",
            r"e^{u} = e^{u}", "e^(x^2)", lambda u: sp.exp(u), "np.exp", "e^x")
_elementary("ln", sp.log, ("ln",), "natural logarithm", "d/du ln(u) = 1/u",
            r"\ln u = \frac{1}{u}", "ln(x^2)", lambda u: 1 / u, "np.log",
            "natural logarithm", domain="x > 0", sample=POSITIVE)
_elementary("log_base", logb, ("log",), "logarithm to base b", "d/du log_b(u) = 1/(u ln b)",
            r"\log_{b} u = \frac{1}{u \ln b}", "log(x, 2)", lambda u, b: 1 / (u * sp.log(b)),
            "(np.log({0})/np.log({1}))",
            "`log(x)` is the natural logarithm; `log(x, b)` the logarithm to base b "
            "(`log(x, e)` is `ln(x)`)",
            arity=(1, 2), constructor=log_any_base, domain="x > 0; b > 0, b != 1",
            sample=((0.05, 3.0), (1.5, 10.0)), kernel=lambda np, x, b: np.log(x) / np.log(b))
_elementary("sin", sp.sin, ("sin",), "sine", "d/du sin(u) = cos(u)", r"\sin u = \cos u",
            "sin(x^2)", lambda u: sp.cos(u), "np.sin", "sine")
_elementary("cos", sp.cos, ("cos",), "cosine", "d/du cos(u) = -sin(u)", r"\cos u = -\sin u",
            "cos(3x)", lambda u: -sp.sin(u), "np.cos", "cosine")
_elementary("tan", sp.tan, ("tan",), "tangent", "d/du tan(u) = sec(u)^2",
            r"\tan u = \sec^{2} u", "tan(x^2)", lambda u: sp.sec(u) ** 2, "np.tan", "tangent",
            domain="x != pi/2 + k pi", sample=((-1.4, 1.4),))
_elementary("sec", sp.sec, ("sec",), "secant", "d/du sec(u) = sec(u) tan(u)",
            r"\sec u = \sec u \tan u", "sec(2x)", lambda u: sp.sec(u) * sp.tan(u),
            "(1/np.cos({0}))", "1/cos(x)", domain="x != pi/2 + k pi", sample=((-1.4, 1.4),),
            kernel=lambda np, x: 1.0 / np.cos(x))
_elementary("csc", sp.csc, ("csc",), "cosecant", "d/du csc(u) = -csc(u) cot(u)",
            r"\csc u = -\csc u \cot u", "csc(x)", lambda u: -sp.csc(u) * sp.cot(u),
            "(1/np.sin({0}))", "1/sin(x)", domain="x != k pi", sample=((0.1, 3.0),),
            kernel=lambda np, x: 1.0 / np.sin(x))
_elementary("cot", sp.cot, ("cot",), "cotangent", "d/du cot(u) = -csc(u)^2",
            r"\cot u = -\csc^{2} u", "cot(x)", lambda u: -sp.csc(u) ** 2,
            "(np.cos({0})/np.sin({0}))", "cos(x)/sin(x)", domain="x != k pi",
            sample=((0.1, 3.0),), kernel=lambda np, x: np.cos(x) / np.sin(x))
_elementary("asin", sp.asin, ("asin", "arcsin"), "inverse sine",
            "d/du asin(u) = 1/sqrt(1 - u^2)", r"\arcsin u = \frac{1}{\sqrt{1 - u^{2}}}",
            "asin(x/2)", lambda u: 1 / sp.sqrt(1 - u ** 2), "np.arcsin", "inverse sine",
            domain="-1 <= x <= 1", sample=UNIT)
_elementary("acos", sp.acos, ("acos", "arccos"), "inverse cosine",
            "d/du acos(u) = -1/sqrt(1 - u^2)", r"\arccos u = -\frac{1}{\sqrt{1 - u^{2}}}",
            "acos(x)", lambda u: -1 / sp.sqrt(1 - u ** 2), "np.arccos", "inverse cosine",
            domain="-1 <= x <= 1", sample=UNIT)
_elementary("atan", sp.atan, ("atan", "arctan"), "inverse tangent",
            "d/du atan(u) = 1/(1 + u^2)", r"\arctan u = \frac{1}{1 + u^{2}}", "atan(x^2)",
            lambda u: 1 / (1 + u ** 2), "np.arctan", "inverse tangent")
_elementary("sinh", sp.sinh, ("sinh",), "hyperbolic sine", "d/du sinh(u) = cosh(u)",
            r"\sinh u = \cosh u", "sinh(2x)", lambda u: sp.cosh(u), "np.sinh", "hyperbolic sine")
_elementary("cosh", sp.cosh, ("cosh",), "hyperbolic cosine", "d/du cosh(u) = sinh(u)",
            r"\cosh u = \sinh u", "cosh(x^2)", lambda u: sp.sinh(u), "np.cosh",
            "hyperbolic cosine")
_elementary("tanh", sp.tanh, ("tanh",), "hyperbolic tangent", "d/du tanh(u) = 1 - tanh(u)^2",
            r"\tanh u = 1 - \tanh^{2} u", "tanh(3x)", lambda u: 1 - sp.tanh(u) ** 2, "np.tanh",
            "hyperbolic tangent")
_elementary("asinh", sp.asinh, ("asinh", "arcsinh"), "inverse hyperbolic sine",
            "d/du asinh(u) = 1/sqrt(u^2 + 1)",
            r"\operatorname{asinh} u = \frac{1}{\sqrt{u^{2} + 1}}", "asinh(x^2)",
            lambda u: 1 / sp.sqrt(u ** 2 + 1), "np.arcsinh", "inverse hyperbolic sine")
_elementary("acosh", sp.acosh, ("acosh", "arccosh"), "inverse hyperbolic cosine",
            "d/du acosh(u) = 1/sqrt(u^2 - 1) (u > 1)",
            r"\operatorname{acosh} u = \frac{1}{\sqrt{u^{2} - 1}}", "acosh(x)",
            lambda u: 1 / sp.sqrt(u ** 2 - 1), "np.arccosh", "inverse hyperbolic cosine",
            domain="x >= 1 (derivative for x > 1)", sample=((1.05, 4.0),))
_elementary("atanh", sp.atanh, ("atanh", "arctanh"), "inverse hyperbolic tangent",
            "d/du atanh(u) = 1/(1 - u^2)", r"\operatorname{atanh} u = \frac{1}{1 - u^{2}}",
            "atanh(x)", lambda u: 1 / (1 - u ** 2), "np.arctanh", "inverse hyperbolic tangent",
            domain="-1 < x < 1", sample=UNIT)
_elementary("sigmoid", sigmoid, ("sigmoid", "sigma"), "sigmoid",
            "d/du sigma(u) = sigma(u) (1 - sigma(u))",
            r"\sigma(u) = \sigma(u)\left(1 - \sigma(u)\right)", "sigmoid(2x + 1)",
            lambda u: sigmoid(u) * (1 - sigmoid(u)), "(1/(1 + np.exp(-({0}))))",
            "1 / (1 + e^(-x))", kernel=_sigmoid, bare_symbols=("sigma",))
_elementary("softplus", softplus, ("softplus",), "softplus", "d/du softplus(u) = sigma(u)",
            r"\operatorname{softplus}(u) = \sigma(u)", "softplus(x^2)", lambda u: sigmoid(u),
            "np.logaddexp(0, {0})", "ln(1 + e^x)", kernel=lambda np, x: np.logaddexp(0.0, x))
_elementary("relu", relu, ("relu",), "rectifier", "d/du relu(u) = [u > 0]",
            r"\operatorname{relu}(u) = [u > 0]", "relu(3x - 1)", lambda u: step(u),
            "np.maximum(0, {0})", "max(0, x)", note=KINK.format(value="0", where="u = 0"),
            kink="argument", kernel=lambda np, x: np.maximum(0.0, x))
_elementary("abs", sp.Abs, ("abs",), "absolute value", "d/du |u| = sign(u)",
            r"\lvert u \rvert = \operatorname{sign}(u)", "abs(x^2 - 1)", lambda u: sp.sign(u),
            "np.abs", "absolute value", note=KINK.format(value="0", where="u = 0"),
            kink="argument")
_elementary("sign", sp.sign, ("sign",), "sign function", "d/du sign(u) = 0",
            r"\operatorname{sign}(u) = 0", "sign(x)", lambda u: sp.S.Zero, "np.sign",
            "-1, 0 or 1", note=KINK.format(value="0", where="u = 0 (where sign jumps)"),
            kink="argument")
_elementary("step", sp.Heaviside, ("step",), "unit step", "d/du [u > 0] = 0",
            r"[u > 0] = 0", "step(x)", lambda u, *h0: sp.S.Zero, _heaviside_text,
            "unit step: `step(x)` is 1 for x > 0 and 0 otherwise; `step(x, h)` takes the "
            "value h at x = 0", arity=(1, 2), constructor=step_at,
            note=KINK.format(value="0", where="u = 0 (where the step jumps)"), kink="argument",
            sample=(WIDE, (0.0, 1.0)), kernel=lambda np, x, h0=0.5: np.heaviside(x, h0))

# Issue 14: the remaining inverse trigonometric and hyperbolic functions, erf, GELU, atan2,
# sinc (each one row: rule, LaTeX, NumPy).
GE1 = ((1.05, 4.0),)
AWAY = ((0.1, 3.0),)

_elementary("acot", sp.acot, ("acot", "arccot"), "inverse cotangent",
            "d/du acot(u) = -1/(1 + u^2)", r"\operatorname{arccot} u = -\frac{1}{1 + u^{2}}",
            "acot(2x)", lambda u: -1 / (1 + u ** 2), "(np.arctan(1/({0})))",
            "inverse cotangent, atan(1/x) (values in (-pi/2, pi/2], a jump at 0)",
            domain="x != 0", sample=AWAY, kernel=lambda np, x: np.arctan(1.0 / x))
_elementary("asec", sp.asec, ("asec", "arcsec"), "inverse secant",
            "d/du asec(u) = 1/(u^2 sqrt(1 - 1/u^2))",
            r"\operatorname{arcsec} u = \frac{1}{u^{2} \sqrt{1 - \frac{1}{u^{2}}}}", "asec(x^2)",
            lambda u: 1 / (u ** 2 * sp.sqrt(1 - 1 / u ** 2)), "(np.arccos(1/({0})))",
            "inverse secant, acos(1/x)", domain="abs(x) >= 1 (derivative for abs(x) > 1)",
            sample=GE1, kernel=lambda np, x: np.arccos(1.0 / x))
_elementary("acsc", sp.acsc, ("acsc", "arccsc"), "inverse cosecant",
            "d/du acsc(u) = -1/(u^2 sqrt(1 - 1/u^2))",
            r"\operatorname{arccsc} u = -\frac{1}{u^{2} \sqrt{1 - \frac{1}{u^{2}}}}", "acsc(2x)",
            lambda u: -1 / (u ** 2 * sp.sqrt(1 - 1 / u ** 2)), "(np.arcsin(1/({0})))",
            "inverse cosecant, asin(1/x)", domain="abs(x) >= 1 (derivative for abs(x) > 1)",
            sample=GE1, kernel=lambda np, x: np.arcsin(1.0 / x))
_elementary("coth", sp.coth, ("coth",), "hyperbolic cotangent", "d/du coth(u) = 1 - coth(u)^2",
            r"\coth u = 1 - \coth^{2} u", "coth(2x)", lambda u: 1 - sp.coth(u) ** 2,
            "(1/np.tanh({0}))", "hyperbolic cotangent, 1/tanh(x)", domain="x != 0",
            sample=AWAY, kernel=lambda np, x: 1.0 / np.tanh(x))
_elementary("sech", sp.sech, ("sech",), "hyperbolic secant", "d/du sech(u) = -sech(u) tanh(u)",
            r"\operatorname{sech} u = -\operatorname{sech} u \tanh u", "sech(x^2)",
            lambda u: -sp.sech(u) * sp.tanh(u), "(1/np.cosh({0}))",
            "hyperbolic secant, 1/cosh(x)", kernel=lambda np, x: 1.0 / np.cosh(x))
_elementary("csch", sp.csch, ("csch",), "hyperbolic cosecant",
            "d/du csch(u) = -csch(u) coth(u)",
            r"\operatorname{csch} u = -\operatorname{csch} u \coth u", "csch(3x)",
            lambda u: -sp.csch(u) * sp.coth(u), "(1/np.sinh({0}))",
            "hyperbolic cosecant, 1/sinh(x)", domain="x != 0", sample=AWAY,
            kernel=lambda np, x: 1.0 / np.sinh(x))


def _erf(np: Any, x: Any) -> Any:
    """erf through Python's math.erf as a NumPy ufunc (NumPy has no erf; no SciPy needed)."""
    return np.vectorize(math.erf, otypes=[float])(x)


#: The emitter's text of erf: NumPy has no erf, so math.erf is vectorised in the text
#: itself (it evaluates with {"np": numpy} alone, the documented way).
ERF_TEXT = "np.vectorize(__import__('math').erf, otypes=[float])({0})"

_elementary("erf", sp.erf, ("erf",), "error function", "d/du erf(u) = 2/sqrt(pi) e^(-u^2)",
            r"\operatorname{erf} u = \frac{2}{\sqrt{\pi}} e^{-u^{2}}", "erf(2x)",
            lambda u: 2 / sp.sqrt(sp.pi) * sp.exp(-u ** 2), ERF_TEXT,
            "error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x "
            "(NumPy: math.erf vectorised, no SciPy needed)", kernel=_erf)
_elementary("gelu", gelu, ("gelu",), "GELU (exact)",
            "d/du gelu(u) = (1 + erf(u/sqrt(2)))/2 + u e^(-u^2/2)/sqrt(2 pi)",
            r"\operatorname{GELU}(u) = \frac{1 + \operatorname{erf}(u/\sqrt{2})}{2} + "
            r"\frac{u e^{-u^{2}/2}}{\sqrt{2\pi}}", "gelu(2x)",
            lambda u: (1 + sp.erf(u / sp.sqrt(2))) / 2 + u * sp.exp(-u ** 2 / 2)
            / sp.sqrt(2 * sp.pi),
            "(0.5*({0})*(1 + " + ERF_TEXT.replace("{0}", "({0})/np.sqrt(2)") + "))",
            "x Phi(x) = x/2 (1 + erf(x/sqrt(2))), the exact Gaussian error linear unit",
            kernel=lambda np, x: 0.5 * x * (1.0 + _erf(np, x / np.sqrt(2.0))))


def _gelu_tanh_derivative(u: sp.Expr) -> sp.Expr:
    t = sp.tanh(gelu_tanh_inner(u))
    return (1 + t) / 2 + u / 2 * (1 - t ** 2) * sp.sqrt(2 / sp.pi) * (1 + 3 * GELU_C * u ** 2)


_elementary("gelu_tanh", gelu_tanh, ("gelu_tanh",), "GELU (tanh approximation)",
            "d/du gelu_tanh(u) = (1 + tanh k)/2 + u/2 (1 - tanh(k)^2) k', "
            "k = sqrt(2/pi) (u + 0.044715 u^3)",
            r"\operatorname{GELU}_{\tanh}(u) = \frac{1 + \tanh k}{2} + \frac{u}{2}"
            r"\left(1 - \tanh^{2} k\right) k'", "gelu_tanh(x^2)", _gelu_tanh_derivative,
            "(0.5*({0})*(1 + np.tanh(np.sqrt(2/np.pi)*(({0}) + 0.044715*({0})**3))))",
            "x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GELU's tanh approximation",
            kernel=lambda np, x: 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi)
                                                           * (x + 0.044715 * x ** 3))))


def _atan2_partials(y: sp.Expr, x: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """d atan2(y, x)/dy = x/(x^2 + y^2), d atan2(y, x)/dx = -y/(x^2 + y^2)."""
    return x / (x ** 2 + y ** 2), -y / (x ** 2 + y ** 2)


_elementary("atan2", sp.atan2, ("atan2", "arctan2"), "two-argument inverse tangent",
            "d atan2(u, v) = (v du - u dv)/(u^2 + v^2)",
            r"\operatorname{atan2}(u, v) = \frac{v}{u^{2} + v^{2}} \text{ (in } u\text{)}, "
            r"-\frac{u}{u^{2} + v^{2}} \text{ (in } v\text{)}", "atan2(x, 2)",
            lambda u, v: v / (u ** 2 + v ** 2), "np.arctan2",
            "`atan2(y, x)`: the angle of the point (x, y), in (-pi, pi]; both arguments may "
            "vary (partials x/(x^2 + y^2) and -y/(x^2 + y^2))", arity=(2, 2),
            domain="(x, y) != (0, 0)", sample=(WIDE, (0.1, 3.0)), partials=_atan2_partials)
_elementary("sinc", sp.sinc, ("sinc",), "sinc", "d/du sinc(u) = (u cos(u) - sin(u))/u^2",
            r"\operatorname{sinc} u = \frac{u \cos u - \sin u}{u^{2}}", "sinc(2x)",
            lambda u: (u * sp.cos(u) - sp.sin(u)) / u ** 2, "np.sinc(({0})/np.pi)",
            "sin(x)/x, 1 at 0 (unnormalised, as in SymPy; NumPy's np.sinc is sin(pi x)/(pi x))",
            domain="all x (the derivative formula for x != 0; sinc'(0) = 0)", sample=AWAY,
            kernel=lambda np, x: np.sinc(x / np.pi))

# SymPy writes these when it cannot assume a value is real; matcalc's variables are real
# (the parser rewrites them away), so they have no names users type.
REAL = "matcalc's variables are real, so re(u) = conjugate(u) = u and im(u) = 0."
_elementary("real_part", sp.re, (), "real part", "d/du re(u) = 1 (u real)",
            r"\operatorname{re}(u) = 1", "re(x^2)", lambda u: sp.S.One, "np.real",
            "real part", note=REAL)
_elementary("imaginary_part", sp.im, (), "imaginary part", "d/du im(u) = 0 (u real)",
            r"\operatorname{im}(u) = 0", "im(x^2)", lambda u: sp.S.Zero, "np.zeros_like",
            "imaginary part", note=REAL)
_elementary("conjugate", sp.conjugate, (), "complex conjugate", "d/du conj(u) = 1 (u real)",
            r"\overline{u} = 1", "conjugate(x^2)", lambda u: sp.S.One, "np.conj",
            "complex conjugate", note=REAL)

# Operators and notations whose derivative is a structural rule (rules/structural.py).
add(Op("sqrt", None, ("sqrt",), constructor=sp.sqrt, rule="sqrt",
       meaning="square root, the same as `^(1/2)`", domain="x >= 0", sample=POSITIVE))
add(Op("log2", None, ("log2",), constructor=lambda x: log_any_base(x, sp.Integer(2)),
       rule="log_base", meaning="logarithm to base 2, the same as `log(x, 2)`",
       domain="x > 0", sample=POSITIVE))
add(Op("log10", None, ("log10",), constructor=lambda x: log_any_base(x, sp.Integer(10)),
       rule="log_base", meaning="logarithm to base 10, the same as `log(x, 10)`",
       domain="x > 0", sample=POSITIVE))
add(Op("max", sp.Max, ("max",), (2, 10), rule="max", meaning="largest argument", kink="pairs",
       sample=(WIDE, WIDE), numpy=_fold("np.maximum"), kernel=_nary("maximum")))
add(Op("min", sp.Min, ("min",), (2, 10), rule="min", meaning="smallest argument",
       kink="pairs", sample=(WIDE, WIDE), numpy=_fold("np.minimum"), kernel=_nary("minimum")))
add(Op("add", sp.Add, (), (2, None), rule="sum", meaning="a + b", sample=(WIDE, WIDE),
       kernel=_nary("add")))
add(Op("mul", sp.Mul, (), (2, None), rule="product", meaning="a * b", sample=(WIDE, WIDE),
       kernel=_nary("multiply")))
add(Op("pow", sp.Pow, (), (2, 2), rule="power", meaning="a ^ b", sample=(POSITIVE[0], WIDE),
       kernel=_pow))
