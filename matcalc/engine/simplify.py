"""Simplification as a visible, named, budgeted last step.

The engine's raw result is already correct (and is what the verifier checks first); this
step only looks for a simpler equivalent form. Its budget is *work*, not time, so the
same input gives the same output on an idle or a loaded machine:

* ``work(raw)`` weighs the expression's tree (each node 1, functions more, the piecewise
  ones - Abs, Max, relu ... - and functions of numbers such as tan(tanh(1/2)), which send
  SymPy into long assumption queries, most). It depends only on the expression.
* Up to FULL_WORK, SymPy's ``simplify``; up to LIGHT_WORK, a light pass (common factors,
  powers combined); above it, or above ``max_size`` tree nodes, the step is skipped.
* The steps of one command or notes entry share SHARED_WORK (simplify_budget): a step
  whose work would overdraw it gets the light pass or none.

A wall-clock alarm (``timeout``, SIGALRM in the main thread) stays as a safety net
against a hang inside SymPy only; the work limits keep real inputs far below it.
"""
from __future__ import annotations

import contextvars
import signal
import sys
import threading
import types
from contextlib import contextmanager
from typing import Iterator

import sympy as sp

from .dag import postorder, tree_size
from .forms import lecturer_form
from .step import Step


class Timeout(BaseException):
    """A time budget ran out. Not an Exception: SymPy catches ``Exception`` in places,
    which would swallow it."""


_Timeout = Timeout


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise Timeout inside the block after ``seconds`` (only in the main thread on Unix;
    budgets nest: an outer budget gets its remaining time back when an inner one ends)."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not usable or seconds <= 0:
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise _Timeout()

    import time
    start = time.monotonic()
    outer = signal.getitimer(signal.ITIMER_REAL)      # e.g. pytest-timeout's alarm
    old = signal.signal(signal.SIGALRM, on_alarm)
    # re-armed every 50 ms after the deadline, in case one alarm lands where it is lost
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer[0] > 0:                                # give the outer alarm its time back
            left = outer[0] - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), outer[1])


class _NoQuantity(sp.Basic):
    """Stands in for sympy.physics.units.Quantity while that module is not loaded: never
    instantiated, so no expression has one."""


_UNITS = "sympy.physics.units"


@contextmanager
def without_units() -> Iterator[None]:
    """Keep ``sp.simplify`` from importing sympy.physics.units.

    ``sympy.simplify`` imports that package (0.1-0.3 s: the SI system, every prefix and
    unit) only to ask ``expr.has(Quantity)``. No expression can hold a Quantity before
    the package is loaded, so while it is not loaded simplify is shown a stand-in module
    whose Quantity nothing is an instance of; the answer is the same, without the import.
    Any other name asked of the stand-in loads the real package. Once the package is
    loaded (by the user, or by anything else), it is used as it is."""
    if _UNITS in sys.modules:
        yield
        return
    stub = types.ModuleType(_UNITS, "stand-in while sympy.physics.units is not loaded")
    stub.Quantity = _NoQuantity  # type: ignore[attr-defined]

    def real(name: str) -> object:
        if name.startswith("__"):           # __path__, __file__ ...: the import system asks
            raise AttributeError(name)
        if sys.modules.get(_UNITS) is stub:
            del sys.modules[_UNITS]
        import importlib
        return getattr(importlib.import_module(_UNITS), name)

    stub.__getattr__ = real  # type: ignore[attr-defined]
    sys.modules[_UNITS] = stub
    try:
        yield
    finally:
        if sys.modules.get(_UNITS) is stub:
            del sys.modules[_UNITS]


def _functions(expr: sp.Basic) -> set[type]:
    return {type(n) for n in postorder([expr]) if isinstance(n, sp.Function)}


def choose(raw: sp.Expr, simplified: sp.Expr) -> sp.Expr:
    """Prefer SymPy's simpler form, unless it trades the user's functions for new ones
    (cos/sin -> 1/tan) without being at most half the size."""
    raw_ops, new_ops = sp.count_ops(raw), sp.count_ops(simplified)
    if new_ops >= raw_ops and simplified != raw:
        return raw
    if _functions(simplified) - _functions(raw) and new_ops > raw_ops / 2:
        return raw
    return simplified


#: The safety net's seconds left to every simplify step of one command or notes entry and
#: its length, [left, total]: a gradient over 80 inputs shares one --timeout, it does not
#: get 80 of them. Only time spent simplifying counts (not deriving, not verifying).
#: None: each step has its own timeout only.
_SHARED: contextvars.ContextVar[list[float] | None] = \
    contextvars.ContextVar("matcalc_simplify_budget", default=None)


#: The work left to the full simplifications of one command or notes entry (a one-item
#: list, drawn from by every step), or None: each step has its own limits only.
_WORK: contextvars.ContextVar[list[int] | None] = \
    contextvars.ContextVar("matcalc_simplify_work", default=None)


@contextmanager
def simplify_budget(seconds: float, shared_work: int | None = None) -> Iterator[None]:
    """Every simplify step inside the block shares ``shared_work`` (SHARED_WORK) of work
    and, as the safety net, ``seconds`` of wall-clock time in all (docs/limits.md). Inside
    an enclosing budget the block shares that one."""
    if _WORK.get() is not None:
        yield
        return
    token = _SHARED.set([seconds, seconds])
    work_token = _WORK.set([SHARED_WORK if shared_work is None else shared_work])
    try:
        yield
    finally:
        _WORK.reset(work_token)
        _SHARED.reset(token)


def afford(expr: sp.Basic) -> bool:
    """Pay for one more simplification of ``expr`` (an entry-wise one in a backward pass)
    from the shared work budget: True when it can be paid (and is), False when the budget
    is spent - deterministic, whatever the machine's load."""
    return _draw(work(expr))


def charge_time(seconds: float) -> None:
    """Take ``seconds`` spent simplifying outside ``simplify_step`` from the shared
    wall-clock safety net."""
    shared = _SHARED.get()
    if shared is not None:
        shared[0] -= seconds


def spare_time(at_most: float) -> float:
    """Seconds a simplification may take now: ``at_most``, or less when the shared budget
    (simplify_budget) has less left; 0 when it is spent."""
    shared = _SHARED.get()
    if shared is None:
        return at_most
    return max(0.0, min(at_most, shared[0]))


#: Work (see ``work``) up to which SymPy's full ``simplify`` runs on a result, ...
FULL_WORK = 80
#: ... up to which the light pass (factor_terms, powsimp) runs instead ...
LIGHT_WORK = 2_000
#: ... and the work all the full simplifications of one command or notes entry share
#: (a gradient over 80 inputs shares it; past it, steps get the light pass).
SHARED_WORK = 600

#: Node weights of ``work`` (1 for any other node).
_FUNCTION_WEIGHT = 3          # sin, exp, log, sigmoid ...: trigsimp, exptrigsimp, logcombine
_PIECEWISE_WEIGHT = 12        # Abs, Max, Min, relu, step ...: sign and Piecewise handling
_CONSTANT_WEIGHT = 12         # a function of numbers only (tan(tanh(1/2))): assumption queries
_DEGREE_FREE = 12            # u^k with |k| above this weighs |k|: x^1000 makes SymPy's
                              # powsimp and polys take minutes (tanh(x^1000)')
_PIECEWISE = ("Abs", "Max", "Min", "Heaviside", "sign", "Piecewise", "relu", "step",
              "softplus", "re", "im", "arg", "floor", "ceiling", "Mod")


def work(expr: sp.Basic, memo: dict[int, int] | None = None) -> int:
    """The work budget a simplification of ``expr`` is charged: the weighted size of its
    tree (counted in DAG time; a node shared by k paths counts k times, as SymPy's
    simplify sees it). Deterministic: it depends only on the expression."""
    memo = {} if memo is None else memo
    for node in postorder([expr]):
        if id(node) in memo:
            continue
        weight = 1
        if isinstance(node, sp.Pow) and node.exp.is_Integer and abs(node.exp) > _DEGREE_FREE:
            weight = int(abs(node.exp))   # polynomial algebra grows with the degree
        elif isinstance(node, sp.Function) or isinstance(node, sp.Pow) and not node.exp.is_Integer:
            name = type(node).__name__
            if name in _PIECEWISE:
                weight = _PIECEWISE_WEIGHT
            elif not node.free_symbols and node.args:
                weight = _CONSTANT_WEIGHT
            else:
                weight = _FUNCTION_WEIGHT
        memo[id(node)] = weight + sum(memo[id(a)] for a in node.args)
    return memo[id(expr)]


def _light(raw: sp.Expr) -> sp.Expr:
    """The light pass: common factors taken out, powers combined; the shorter (count_ops)
    of the two, or ``raw``. Both are one bottom-up walk, no polynomial algebra."""
    candidates = [sp.factor_terms(raw), sp.powsimp(raw)]
    return min(candidates, key=sp.count_ops)


def _draw(needed: int) -> bool:
    """Take ``needed`` from the shared work budget, if there is one and it has enough."""
    shared = _WORK.get()
    if shared is None:
        return True
    if shared[0] < needed:
        return False
    shared[0] -= needed
    return True


def simplify_step(raw: sp.Expr, var: sp.Symbol | None, timeout: float = 3.0,
                  max_size: int = 4_000) -> Step:
    """The last step of a derivation: ``raw`` = its simplest readable form within the work
    budget (module docstring); ``timeout``: the wall-clock safety net, in seconds."""
    if isinstance(raw, (sp.Symbol, sp.Rational)):           # nothing to look for
        return Step("simplify", "rewrite", raw, raw, "Already in simplest form.", var)
    shared = _SHARED.get()
    if shared is not None:
        left = shared[0]
        if left <= 0.05:
            return Step("simplify", "rewrite", raw, raw,
                        f"Simplification skipped: the {shared[1]:g} s allowed for simplifying "
                        "are spent; the result (verified just the same) is kept as derived.",
                        var)
        timeout = min(timeout, left)
    size = tree_size(raw)
    if size > max_size:
        return Step("simplify", "rewrite", raw, raw,
                    f"Simplification skipped: the result has {size:.3g} nodes written out as a "
                    "tree, so it is kept in shared form (repeated parts named once).", var)
    cost = work(raw)
    if cost > LIGHT_WORK:
        return Step("simplify", "rewrite", raw, raw,
                    f"Simplification skipped: the result is too large to simplify (work "
                    f"{cost:,} over the budget of {LIGHT_WORK:,}); it is kept as derived "
                    "(verified just the same).", var)
    full = cost <= FULL_WORK and _draw(cost)
    import time
    start = time.monotonic()
    try:
        try:
            with time_budget(timeout), without_units():
                candidate = sp.simplify(raw) if full else _light(raw)
                best, says = choose(raw, candidate), ""
                if full:        # the lecturer's form (forms.py): every candidate, no clock
                    best, says = lecturer_form(raw, best, timeout)
        except _Timeout:
            return Step("simplify", "rewrite", raw, raw,
                        f"Simplification stopped after {timeout:g} s; the unsimplified result "
                        "(verified just the same) is kept.", var)
        except RecursionError:
            return Step("simplify", "rewrite", raw, raw,
                        "Simplification gave up (expression too deep); the result is kept "
                        "as derived.", var)
        except (ValueError, TypeError, ArithmeticError, NotImplementedError, AttributeError) as exc:
            # SymPy's simplify raises on some valid inputs (e.g. Max under trig rewriting).
            return Step("simplify", "rewrite", raw, raw,
                        f"SymPy's simplify failed ({type(exc).__name__}); the result is kept "
                        "as derived.", var)
    finally:
        if shared is not None:
            shared[0] -= time.monotonic() - start
    if not full:
        why = (f"its work {cost:,} is over the {FULL_WORK} a full simplification may take"
               if cost > FULL_WORK else "the simplification budget of this command is spent")
        if best == raw:
            return Step("simplify", "rewrite", raw, raw,
                        f"Only common factors and powers tried ({why}): none to take out; the "
                        "result is kept as derived.", var)
        return Step("simplify", "rewrite", raw, best,
                    f"Take out common factors, combine powers ({why}).", var)
    if best == raw:
        return Step("simplify", "rewrite", raw, raw, "Already in simplest form.", var)
    return Step("simplify", "rewrite", raw, best, says or "Simplify (collect, cancel, factor).",
                var)
