"""The check of a derivation with unknown functions f(x), g(x) (issue 14, item 4).

A finite difference needs numbers, so each unknown function is replaced by a random
smooth function, f(t) = a sin(b t + c) + d t + k, and each derivative f'(t), f''(t) by
the derivative of that same function; the ordinary check then runs on the substituted
expression and its substituted derivative. This is done for several independent draws
(``DRAWS``): a wrong rule such as (f g)' = f' g' fails for almost every draw. The check's
method says so. Nothing else in the verifier changes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np
import sympy as sp

from ..engine.dag import postorder, rebuild
from ..functions import is_abstract
from .result import Verification

DRAWS = 3


def unknown_functions(exprs: list[sp.Basic]) -> list[sp.Basic]:
    """The applications of unknown functions in ``exprs`` (f(x), f'(g(x)) ...)."""
    return [n for n in postorder(exprs) if is_abstract(n)]


def _smooth(name: str, rng: np.random.Generator) -> Callable[[sp.Expr], sp.Expr]:
    """A random smooth function for the base name (primes give its derivatives)."""
    a, b, c, d, k = (sp.Rational(int(v * 1000), 1000) for v in
                     (rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5), rng.uniform(-1, 1),
                      rng.uniform(-1, 1), rng.uniform(-1, 1)))
    t = sp.Symbol("t")
    f = a * sp.sin(b * t + c) + d * t + k
    order = name.count("'")
    expr = sp.diff(f, t, order) if order else f
    return lambda u: expr.xreplace({t: u})


def _replace_all(expr: sp.Basic, concrete: Callable[[sp.Basic], sp.Basic | None]) -> sp.Basic:
    """Replace unknown functions until none is left (f(g(x)): g inside f's argument)."""
    for _ in range(1000):
        if not unknown_functions([expr]):
            return expr
        expr = rebuild(expr, concrete)
    return expr


def check_with_functions(check: Callable[[sp.Expr, sp.Expr], Verification], f: sp.Expr,
                         df: sp.Expr, seed: int = 0) -> Verification:
    """``check(f, df)`` with every unknown function replaced by random smooth ones, for
    ``DRAWS`` draws; the worst outcome is reported, its method naming the substitution."""
    names = sorted({type(n).__name__.rstrip("'") for n in unknown_functions([f, df])})
    rng = np.random.default_rng(seed + 14)
    worst: Verification | None = None
    for _ in range(DRAWS):
        bases = {name: (rng.uniform(0.5, 1.5), rng.integers(1 << 30)) for name in names}
        makers = {name: _smooth(name, np.random.default_rng(int(bases[name][1])))
                  for name in names}

        def concrete(node: sp.Basic) -> sp.Basic | None:
            if not is_abstract(node):
                return None
            name = type(node).__name__
            base = name.rstrip("'")
            return _smooth(name, np.random.default_rng(int(bases[base][1])))(node.args[0])

        result = check(_replace_all(f, concrete), _replace_all(df, concrete))
        del makers
        if worst is None or result.status == "failed" or \
                (result.status == "skipped" and worst.status == "passed"):
            worst = result
    assert worst is not None
    listed = ", ".join(names)
    return replace(worst, method=f"{worst.method}; unknown functions {listed} replaced by "
                                 f"random smooth functions a sin(b t + c) + d t + k, "
                                 f"{DRAWS} draws")
