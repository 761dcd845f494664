"""SymPy function classes that matcalc adds: sigmoid, relu, softplus, and log to a base.

Each carries its own derivative (``fdiff``, so ``sympy.diff`` can serve as a test oracle)
and its own LaTeX. The kink convention (CONTRACTS.md) is PyTorch's and JAX's:
relu'(0) = 0, written with the Heaviside step H(x) taking H(0) = 0.
"""
from __future__ import annotations

import re

import sympy as sp
from sympy import Function, Heaviside, S, exp, log
from sympy.core.function import AppliedUndef


#: Per-walk memo of :func:`is_constant`: id(node) -> (node, answer); the node is kept so
#: that its id stays its own while the memo lives.
ConstantMemo = dict[int, tuple[sp.Basic, bool]]


def is_constant(expr: sp.Basic, memo: ConstantMemo | None = None) -> bool:
    """True when ``expr`` has no symbol.

    Without ``memo`` a depth-first search that stops at the first symbol; with one, every
    distinct node's answer is kept, so building a tree bottom-up and asking at each node
    costs the number of distinct nodes in all (no recursion either way)."""
    if memo is None:
        stack, seen = [expr], set()
        while stack:
            node = stack.pop()
            if isinstance(node, sp.Symbol):
                return False
            if node.args and id(node) not in seen:
                seen.add(id(node))
                stack.extend(node.args)
        return True
    known = memo.get(id(expr))
    if known is not None:
        return known[1]
    work: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while work:
        node, ready = work.pop()
        if id(node) in memo:
            continue
        if isinstance(node, sp.Symbol):
            memo[id(node)] = (node, False)
        elif not node.args:
            memo[id(node)] = (node, True)
        elif ready:
            memo[id(node)] = (node, all(memo[id(a)][1] for a in node.args))
        else:
            work.append((node, True))
            work.extend((a, False) for a in node.args if id(a) not in memo)
    return memo[id(expr)][1]


def as_typed(func: type, args: tuple[sp.Basic, ...] | list[sp.Basic],
             memo: ConstantMemo | None = None) -> sp.Expr:
    """``func(*args)``, a function application kept as written.

    SymPy's automatic evaluation rewrites applications: sin(atan(u)) becomes
    u/sqrt(u^2 + 1), abs(e^sqrt(x)) becomes e^(sqrt(|x|) cos(atan2(0, x)/2)). matcalc derives
    the expression as typed, so an application is built unevaluated unless every argument
    is a number (sin(0) = 0, ln(e) = 1, sigmoid(0) = 1/2 are still evaluated). The
    arithmetic operators (Add, Mul, Pow) keep SymPy's evaluation: x + x = 2x, e^x = exp(x).
    ``memo`` is passed to :func:`is_constant` (one per bottom-up build).
    """
    if all(is_constant(a, memo) for a in args):
        return func(*args)
    return func(*args, evaluate=False)


def step(x: sp.Expr) -> sp.Expr:
    """The unit step with step(0) = 0: the derivative of relu (PyTorch/JAX convention)."""
    return as_typed(Heaviside, (x, S.Zero))


class _Activation(Function):
    """A real function of one real argument, printed in LaTeX as ``latex_name(arg)``."""

    nargs = 1
    latex_name = ""

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        body = r"%s\left(%s\right)" % (self.latex_name, printer._print(self.args[0]))
        return body if exp is None else r"%s^{%s}" % (body, exp)


class sigmoid(_Activation):
    r"""The logistic function sigma(x) = 1 / (1 + e^{-x}); sigma'(x) = sigma(x) (1 - sigma(x))."""

    latex_name = r"\sigma"

    @classmethod
    def eval(cls, arg):  # type: ignore[override]
        if arg.is_zero:
            return S.Half

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + exp(-arg))

    def _eval_evalf(self, prec):
        return (1 / (1 + exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True


class relu(_Activation):
    r"""The rectifier relu(x) = max(0, x); relu'(x) = H(x), with H(0) = 0."""

    latex_name = r"\operatorname{relu}"

    @classmethod
    def eval(cls, arg):  # type: ignore[override]
        if arg.is_nonnegative:
            return arg
        if arg.is_nonpositive:
            return S.Zero

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return step(self.args[0])

    def _eval_rewrite_as_Max(self, arg, **kwargs):
        return sp.Max(0, arg)

    def _eval_evalf(self, prec):
        return sp.Max(0, self.args[0])._eval_evalf(prec)

    def _eval_is_nonnegative(self):
        if self.args[0].is_real:
            return True


class softplus(_Activation):
    r"""softplus(x) = ln(1 + e^x); softplus'(x) = sigma(x)."""

    latex_name = r"\operatorname{softplus}"

    @classmethod
    def eval(cls, arg):  # type: ignore[override]
        if arg.is_zero:
            return log(2)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return log(1 + exp(arg))

    def _eval_evalf(self, prec):
        return log(1 + exp(self.args[0]))._eval_evalf(prec)

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True


class logb(Function):
    r"""The logarithm to a base b: log_b(x) = ln(x) / ln(b); d/dx log_b(x) = 1 / (x ln b).

    Kept as its own node (SymPy's ``log(x, b)`` turns into ``log(x)/log(b)`` at once) so that
    a derivation can name the base-b rule and print \log_{b}. ``logb(x, e)`` is ``ln x``.
    """

    nargs = 2

    @classmethod
    def eval(cls, arg, base):  # type: ignore[override]
        if base == sp.E:
            return log(arg)
        if arg.is_Number and base.is_Number:
            return log(arg) / log(base)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        x, b = self.args
        if argindex == 1:
            return 1 / (x * log(b))
        return -log(x) / (b * log(b) ** 2)

    def _eval_rewrite_as_log(self, arg, base, **kwargs):
        return log(arg) / log(base)

    def _eval_evalf(self, prec):
        return (log(self.args[0]) / log(self.args[1]))._eval_evalf(prec)

    def _eval_is_real(self):
        x, b = self.args
        if x.is_positive and b.is_positive:
            return True

    def _sympystr(self, printer):
        return "log(%s, %s)" % (printer._print(self.args[0]), printer._print(self.args[1]))

    def _latex(self, printer, exp=None):
        x, b = self.args
        body = r"\log_{%s}\left(%s\right)" % (printer._print(b), printer._print(x))
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)



#: The constant of the tanh approximation of GELU (Hendrycks and Gimpel): 0.044715.
GELU_C = sp.Rational(44715, 1_000_000)


def gelu_tanh_inner(x: sp.Expr) -> sp.Expr:
    """k(x) = sqrt(2/pi) (x + 0.044715 x^3), the argument of tanh in gelu_tanh."""
    return sp.sqrt(2 / sp.pi) * (x + GELU_C * x ** 3)


class gelu(_Activation):
    r"""The exact GELU, gelu(x) = x Phi(x) = x/2 (1 + erf(x/sqrt(2)));
    gelu'(x) = Phi(x) + x phi(x) = (1 + erf(x/sqrt(2)))/2 + x e^{-x^2/2}/sqrt(2 pi)."""

    latex_name = r"\operatorname{GELU}"

    @classmethod
    def eval(cls, arg):  # type: ignore[override]
        if arg.is_zero:
            return S.Zero

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        x = self.args[0]
        return (1 + sp.erf(x / sp.sqrt(2))) / 2 + x * exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi)

    def _eval_rewrite_as_erf(self, arg, **kwargs):
        return arg / 2 * (1 + sp.erf(arg / sp.sqrt(2)))

    def _eval_evalf(self, prec):
        return self._eval_rewrite_as_erf(self.args[0])._eval_evalf(prec)


class gelu_tanh(_Activation):
    r"""GELU's tanh approximation, gelu_tanh(x) = x/2 (1 + tanh(k)), k = sqrt(2/pi)(x + 0.044715
    x^3); gelu_tanh'(x) = (1 + tanh k)/2 + x/2 (1 - tanh^2 k) k'(x)."""

    latex_name = r"\operatorname{GELU}_{\tanh}"

    @classmethod
    def eval(cls, arg):  # type: ignore[override]
        if arg.is_zero:
            return S.Zero

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        x = self.args[0]
        t = sp.tanh(gelu_tanh_inner(x))
        return (1 + t) / 2 + x / 2 * (1 - t ** 2) * sp.sqrt(2 / sp.pi) * (1 + 3 * GELU_C * x ** 2)

    def _eval_rewrite_as_tanh(self, arg, **kwargs):
        return arg / 2 * (1 + sp.tanh(gelu_tanh_inner(arg)))

    def _eval_evalf(self, prec):
        return self._eval_rewrite_as_tanh(self.args[0])._eval_evalf(prec)


#: Names that are unknown (abstract) functions when applied: f(x), g(x, y), h1(t), and
#: their derivatives written with primes, f'(x), f''(x).
ABSTRACT_NAME = re.compile(r"[fghFGH][0-9]*'*")


def abstract(name: str) -> type:
    """The unknown function ``name`` (a SymPy UndefinedFunction, no assumptions)."""
    return sp.Function(name)


def is_abstract(expr: sp.Basic) -> bool:
    """True for an application of an unknown function, f(x) or f'(x)."""
    return isinstance(expr, AppliedUndef)


def prime(func: type) -> type:
    """f -> f', f' -> f'': the derivative of an unknown function of one argument."""
    return abstract(func.__name__ + "'")


#: Functions matcalc defines, by the name users type.
CUSTOM_FUNCTIONS = {"sigmoid": sigmoid, "relu": relu, "softplus": softplus, "logb": logb,
                    "gelu": gelu, "gelu_tanh": gelu_tanh}
