"""Hypothesis strategies: random expression trees (depth <= 5) over matcalc's functions,
built so that their domains contain most real points (log and sqrt of positive things)."""
from __future__ import annotations

from typing import Sequence

import sympy as sp
from hypothesis import strategies as st

from matcalc.functions import logb, relu, sigmoid, softplus

X, Y = sp.Symbol("x"), sp.Symbol("y")
Z, W = sp.Symbol("z"), sp.Symbol("w")

LEAVES = st.sampled_from([X, X, X, Y, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2),
                          sp.Integer(-1), sp.pi])

UNARY = [
    sp.sin, sp.cos, sp.tanh, sp.atan, sp.exp, sigmoid, softplus, relu, sp.Abs, sp.sinh,
    lambda g: sp.log(g ** 2 + 1),
    lambda g: sp.sqrt(g ** 2 + 1),
    lambda g: sp.asin(sp.tanh(g) / 2),
    lambda g: sp.acos(sp.sin(g) / 3),
    lambda g: logb(g ** 2 + 2, 2),
    lambda g: sp.cosh(g) ** sp.Rational(1, 3),
    lambda g: sp.tan(sp.tanh(g)),
    lambda g: 1 / (g ** 2 + 1),
    lambda g: (g ** 2 + 1) ** g,            # general power f^g
    lambda g: sp.Max(0, g),
    lambda g: g ** 3,
    lambda g: 2 ** g,
]

BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b ** 2 + 1),
    lambda a, b: sp.Max(a, b),
    lambda a, b: a * sp.sin(b),
]


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(lambda t: t[0](t[1], t[2]))
    return unary | binary


#: Expression trees of depth at most 5 (max_leaves bounds their width).
expressions = st.recursive(LEAVES, _extend, max_leaves=12).filter(lambda e: X in e.free_symbols)


def _smooth(fn, arity: int) -> bool:
    """Whether ``fn`` builds no kink (max, abs, relu) from plain symbols."""
    args = sp.symbols(f"s0:{arity}")
    return not fn(*args).has(sp.Max, sp.Abs, relu)


SMOOTH_UNARY = [f for f in UNARY if _smooth(f, 1)]
SMOOTH_BINARY = [f for f in BINARY if _smooth(f, 2)]


def _extend_smooth(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.tuples(st.sampled_from(SMOOTH_UNARY), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from(SMOOTH_BINARY), children, children).map(
        lambda t: t[0](t[1], t[2]))
    return unary | binary


def expressions_in(symbols: Sequence[sp.Symbol], max_leaves: int = 8,
                   smooth: bool = False) -> st.SearchStrategy:
    """Expression trees like ``expressions`` over the given variables (any of them may be
    missing from a draw), for functions of several variables (Jacobians); ``smooth``:
    without kinks (max, abs, relu)."""
    leaves = st.sampled_from([*symbols, *symbols, sp.Integer(2), sp.Integer(3),
                              sp.Rational(1, 2), sp.Integer(-1), sp.pi])
    return st.recursive(leaves, _extend_smooth if smooth else _extend, max_leaves=max_leaves)
