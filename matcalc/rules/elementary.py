"""Derivatives of elementary functions: a table, not code branches.

Each entry maps a SymPy function class to its rule record and to d f(u)/du as a function
of u (autograd's ``defvjp``, JAX's ``defjvp``). Adding a function is one entry here plus
one test case.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ..functions import logb, relu, sigmoid, softplus, step
from .catalogue import KINK, Rule, register


@dataclass(frozen=True)
class Elementary:
    """An elementary function f with its derivative ``d(u, *params)`` = f'(u).

    ``params`` are the function's other arguments, which must be constant (the base of
    log_b); only the first argument is differentiated.
    """

    func: type
    rule: Rule
    d: Callable[..., sp.Expr]


ELEMENTARY: dict[type, Elementary] = {}


def defderiv(func: type, name: str, title: str, identity: str, latex: str, example: str,
             d: Callable[..., sp.Expr], note: str = "") -> None:
    """Register an elementary function: its rule record and f'(u)."""
    rule = register(Rule(name, title, identity, latex, example, note=note))
    ELEMENTARY[func] = Elementary(func, rule, d)


u_ = r"\frac{d}{du}"
defderiv(sp.exp, "exp", "exponential (base e)", "d/du e^u = e^u", u_ + r" e^{u} = e^{u}", "e^(x^2)",
         lambda u: sp.exp(u))
defderiv(sp.log, "ln", "natural logarithm", "d/du ln(u) = 1/u", u_ + r" \ln u = \frac{1}{u}",
         "ln(x^2)", lambda u: 1 / u)
defderiv(logb, "log_base", "logarithm to base b", "d/du log_b(u) = 1/(u ln b)",
         u_ + r" \log_{b} u = \frac{1}{u \ln b}", "log(x, 2)", lambda u, b: 1 / (u * sp.log(b)))
defderiv(sp.sin, "sin", "sine", "d/du sin(u) = cos(u)", u_ + r" \sin u = \cos u", "sin(x^2)",
         lambda u: sp.cos(u))
defderiv(sp.cos, "cos", "cosine", "d/du cos(u) = -sin(u)", u_ + r" \cos u = -\sin u", "cos(3x)",
         lambda u: -sp.sin(u))
defderiv(sp.tan, "tan", "tangent", "d/du tan(u) = sec(u)^2", u_ + r" \tan u = \sec^{2} u",
         "tan(x^2)", lambda u: sp.sec(u) ** 2)
defderiv(sp.sec, "sec", "secant", "d/du sec(u) = sec(u) tan(u)", u_ + r" \sec u = \sec u \tan u",
         "sec(2x)", lambda u: sp.sec(u) * sp.tan(u))
defderiv(sp.csc, "csc", "cosecant", "d/du csc(u) = -csc(u) cot(u)",
         u_ + r" \csc u = -\csc u \cot u", "csc(x)", lambda u: -sp.csc(u) * sp.cot(u))
defderiv(sp.cot, "cot", "cotangent", "d/du cot(u) = -csc(u)^2", u_ + r" \cot u = -\csc^{2} u",
         "cot(x)", lambda u: -sp.csc(u) ** 2)
defderiv(sp.asin, "asin", "inverse sine", "d/du asin(u) = 1/sqrt(1 - u^2)",
         u_ + r" \arcsin u = \frac{1}{\sqrt{1 - u^{2}}}", "asin(x/2)",
         lambda u: 1 / sp.sqrt(1 - u ** 2))
defderiv(sp.acos, "acos", "inverse cosine", "d/du acos(u) = -1/sqrt(1 - u^2)",
         u_ + r" \arccos u = -\frac{1}{\sqrt{1 - u^{2}}}", "acos(x)",
         lambda u: -1 / sp.sqrt(1 - u ** 2))
defderiv(sp.atan, "atan", "inverse tangent", "d/du atan(u) = 1/(1 + u^2)",
         u_ + r" \arctan u = \frac{1}{1 + u^{2}}", "atan(x^2)", lambda u: 1 / (1 + u ** 2))
defderiv(sp.sinh, "sinh", "hyperbolic sine", "d/du sinh(u) = cosh(u)",
         u_ + r" \sinh u = \cosh u", "sinh(2x)", lambda u: sp.cosh(u))
defderiv(sp.cosh, "cosh", "hyperbolic cosine", "d/du cosh(u) = sinh(u)",
         u_ + r" \cosh u = \sinh u", "cosh(x^2)", lambda u: sp.sinh(u))
defderiv(sp.tanh, "tanh", "hyperbolic tangent", "d/du tanh(u) = 1 - tanh(u)^2",
         u_ + r" \tanh u = 1 - \tanh^{2} u", "tanh(3x)", lambda u: 1 - sp.tanh(u) ** 2)
defderiv(sigmoid, "sigmoid", "sigmoid", "d/du sigma(u) = sigma(u) (1 - sigma(u))",
         u_ + r" \sigma(u) = \sigma(u)\left(1 - \sigma(u)\right)", "sigmoid(2x + 1)",
         lambda u: sigmoid(u) * (1 - sigmoid(u)))
defderiv(softplus, "softplus", "softplus", "d/du softplus(u) = sigma(u)",
         u_ + r" \operatorname{softplus}(u) = \sigma(u)", "softplus(x^2)", lambda u: sigmoid(u))
defderiv(relu, "relu", "rectifier", "d/du relu(u) = [u > 0]",
         u_ + r" \operatorname{relu}(u) = [u > 0]", "relu(3x - 1)", lambda u: step(u),
         note=KINK.format(value="0", where="u = 0"))
defderiv(sp.Abs, "abs", "absolute value", "d/du |u| = sign(u)",
         u_ + r" \lvert u \rvert = \operatorname{sign}(u)", "abs(x^2 - 1)", lambda u: sp.sign(u),
         note=KINK.format(value="0", where="u = 0"))
defderiv(sp.sign, "sign", "sign function", "d/du sign(u) = 0",
         u_ + r" \operatorname{sign}(u) = 0", "sign(x)", lambda u: sp.S.Zero,
         note=KINK.format(value="0", where="u = 0 (where sign jumps)"))
defderiv(sp.Heaviside, "step", "unit step", "d/du [u > 0] = 0",
         u_ + r" [u > 0] = 0", "step(x)", lambda u, *h0: sp.S.Zero,
         note=KINK.format(value="0", where="u = 0 (where the step jumps)"))

# SymPy writes these when it cannot assume a value is real; matcalc's variables are real.
REAL = "matcalc's variables are real, so re(u) = conjugate(u) = u and im(u) = 0."
defderiv(sp.re, "real_part", "real part", "d/du re(u) = 1 (u real)",
         u_ + r" \operatorname{re}(u) = 1", "re(x^2)", lambda u: sp.S.One, note=REAL)
defderiv(sp.im, "imaginary_part", "imaginary part", "d/du im(u) = 0 (u real)",
         u_ + r" \operatorname{im}(u) = 0", "im(x^2)", lambda u: sp.S.Zero, note=REAL)
defderiv(sp.conjugate, "conjugate", "complex conjugate", "d/du conj(u) = 1 (u real)",
         u_ + r" \overline{u} = 1", "conjugate(x^2)", lambda u: sp.S.One, note=REAL)


def lookup(func: type) -> Elementary | None:
    """The table entry for a function class (or one of its bases), if any."""
    for klass in func.__mro__:
        entry = ELEMENTARY.get(klass)
        if entry is not None:
            return entry
    return None
