"""Extended-precision evaluation (mpmath, which comes with SymPy) for the verifier.

Where float64 cannot resolve a function's changes - f = sin(x) + 10^20 (the constant
swamps them), sin(10^16 + x) (the argument is rounded to a multiple of 2), 1e-400 * x and
x^10000 (underflow and overflow) - the scalar check evaluates f and the result in
``DPS``-digit arithmetic instead. The same operator table is used: each row's NumPy
implementation (``ops.numpy_callable``) is given :data:`MP`, a stand-in for the NumPy
module whose functions act on mpmath numbers with real semantics (a complex value, as
log(-1) or sqrt(-1) would give, is nan).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import mpmath
import sympy as sp

from matcalc import ops
from matcalc.engine.dag import postorder
from matcalc.verify.kernel import UnsupportedNode

#: Decimal digits of the extended-precision evaluation.
DPS = 60
NAN = mpmath.mpf("nan")


def _real(value: Any) -> Any:
    """mpmath value -> real mpf (nan when it is complex with a non-zero imaginary part)."""
    if isinstance(value, mpmath.mpc):
        return value.real if value.imag == 0 else NAN
    if isinstance(value, (int, float)):
        return mpmath.mpf(value)
    return value


def _wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    def real_fn(*args: Any) -> Any:
        if any(mpmath.isnan(a) for a in args if isinstance(a, mpmath.mpf)):
            return NAN
        try:
            return _real(fn(*args))
        except (ValueError, ZeroDivisionError, OverflowError):
            return NAN
    return real_fn


def _power(base: Any, exp: Any) -> Any:
    if base < 0 and not mpmath.isint(exp):
        return NAN
    if base == 0 and exp < 0:
        return mpmath.inf
    return mpmath.power(base, exp)


def _heaviside(x: Any, h0: Any = 0.5) -> Any:
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(h0)


def _logaddexp(a: Any, b: Any) -> Any:
    m = max(a, b)
    return m + mpmath.log(mpmath.exp(a - m) + mpmath.exp(b - m))


#: |argument| beyond which a periodic function, or the exponent of exp, is not evaluated
#: (the argument reduction would need that many digits): nan, the point is not used.
BIG = mpmath.mpf(10) ** 40


def _bounded(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: fn(x) if abs(x) <= BIG else NAN


def _exp(x: Any) -> Any:
    if x > 10 ** 9:
        return mpmath.inf
    return mpmath.exp(x) if x > -10 ** 9 else mpmath.mpf(0)


class _MpNumPy:
    """The part of the NumPy module the operator table's implementations use, on scalars."""

    exp = staticmethod(_wrap(_exp))
    log = staticmethod(_wrap(lambda x: mpmath.log(x) if x > 0 else
                             (-mpmath.inf if x == 0 else NAN)))
    sqrt = staticmethod(_wrap(lambda x: mpmath.sqrt(x) if x >= 0 else NAN))
    sin, cos, tan = (staticmethod(_wrap(_bounded(f))) for f in (mpmath.sin, mpmath.cos,
                                                                 mpmath.tan))
    arcsin = staticmethod(_wrap(lambda x: mpmath.asin(x) if abs(x) <= 1 else NAN))
    arccos = staticmethod(_wrap(lambda x: mpmath.acos(x) if abs(x) <= 1 else NAN))
    arctan = staticmethod(_wrap(mpmath.atan))
    sinh, cosh = (staticmethod(_wrap(lambda x, f=f: f(x) if abs(x) < 10 ** 9 else NAN))
                  for f in (mpmath.sinh, mpmath.cosh))
    tanh = staticmethod(_wrap(mpmath.tanh))
    arcsinh = staticmethod(_wrap(mpmath.asinh))
    arccosh = staticmethod(_wrap(lambda x: mpmath.acosh(x) if x >= 1 else NAN))
    arctanh = staticmethod(_wrap(lambda x: mpmath.atanh(x) if abs(x) < 1 else NAN))
    abs = staticmethod(_wrap(lambda x: abs(x)))
    sign = staticmethod(_wrap(mpmath.sign))
    maximum = staticmethod(_wrap(lambda a, b: max(a, b)))
    minimum = staticmethod(_wrap(lambda a, b: min(a, b)))
    add = staticmethod(_wrap(lambda a, b: a + b))
    multiply = staticmethod(_wrap(lambda a, b: a * b))
    power = staticmethod(_wrap(_power))
    heaviside = staticmethod(_wrap(_heaviside))
    logaddexp = staticmethod(_wrap(_logaddexp))
    square = staticmethod(_wrap(lambda x: x * x))
    real = conj = staticmethod(lambda x: x)
    zeros_like = staticmethod(lambda x: mpmath.mpf(0))
    pi = mpmath.pi
    e = mpmath.e

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b

    @staticmethod
    def asarray(x: Any, dtype: Any = None) -> Any:
        return x


#: The NumPy stand-in given to ``ops.numpy_callable``.
MP = _MpNumPy()


def _constant(node: sp.Basic) -> Any:
    if isinstance(node, (sp.Number, sp.NumberSymbol)):
        if node.is_real is False or node is sp.S.ComplexInfinity:
            raise UnsupportedNode(type(node).__name__)
        if node is sp.S.Infinity:
            return mpmath.inf
        if node is sp.S.NegativeInfinity:
            return -mpmath.inf
        if node is sp.S.NaN:
            return NAN
        return mpmath.mpf(sp.Float(node, DPS + 5)._mpf_)
    return None


def compile_mp(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]
               ) -> Callable[..., list[Any]]:
    """``fn(*values) -> [value of each expr]`` in ``DPS``-digit arithmetic (one point at a
    time; values are mpmath numbers). Raises :class:`UnsupportedNode` like the kernel."""
    symbols = list(symbols)
    code: list[tuple[int, Callable[..., Any], tuple[int, ...]]] = []
    slot_of: dict[int, int] = {}
    consts: dict[int, Any] = {}
    n = len(symbols)
    index = {s: i for i, s in enumerate(symbols)}
    for node in postorder(exprs):
        if isinstance(node, sp.Symbol):
            if node not in index:
                raise UnsupportedNode(f"free symbol {node.name} (no value given)")
            slot_of[id(node)] = index[node]
            continue
        c = _constant(node)
        if c is not None:
            consts[n] = c
            slot_of[id(node)] = n
            n += 1
            continue
        op = ops.lookup(type(node))
        if op is None or not (op.numpy or op.kernel is not None):
            raise UnsupportedNode(type(node).__name__)
        try:
            fn = ops.numpy_callable(op, MP)
        except (LookupError, AttributeError):
            raise UnsupportedNode(type(node).__name__) from None
        code.append((n, fn, tuple(slot_of[id(a)] for a in node.args)))
        slot_of[id(node)] = n
        n += 1
    outputs = [slot_of[id(e)] for e in exprs]

    def run(*values: Any) -> list[Any]:
        with mpmath.workdps(DPS):
            regs: list[Any] = [None] * n
            for i, v in enumerate(values):
                regs[i] = mpmath.mpf(v)
            for slot, c in consts.items():
                regs[slot] = c
            for slot, fn, args in code:
                try:
                    regs[slot] = _real(fn(*[regs[a] for a in args]))
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    regs[slot] = NAN
            return [regs[o] for o in outputs]
    return run


def finite(value: Any) -> bool:
    """A real, finite mpmath number."""
    return isinstance(value, mpmath.mpf) and mpmath.isfinite(value)
