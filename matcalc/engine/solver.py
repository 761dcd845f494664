"""The solver: dispatches each node to its rule, owns recursion, memo and limits.

``Solver.derive(expr, var)`` returns the Step for d expr / d var. A sub-expression that
occurs several times (a DAG) is differentiated once: later occurrences get a ``reuse`` step
pointing at the first, so the number of steps is linear in the number of distinct nodes.
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator, Literal, Sequence

import sympy as sp

from ..errors import LimitError, NoRuleError
from .dag import postorder, tree_size
from .step import Deferred, Step, hold_constant

MAX_SOLVER_DEPTH = 20_000

_EMPTY: frozenset = frozenset()


def short(expr: sp.Basic, limit: int = 80) -> str:
    """A sub-expression in matcalc syntax for a message, never exponential to compute."""
    if tree_size(expr) <= 60:
        from ..syntax import to_syntax
        text = to_syntax(expr)
        if len(text) <= limit:
            return text
    return f"{type(expr).__name__.lower()}(...)"


def _reuse_text(expr: sp.Basic) -> str:
    return f"Already derived: {short(expr)} occurs more than once; its derivative is reused."


@contextmanager
def recursion_room(frames: int = MAX_SOLVER_DEPTH * 4) -> Iterator[None]:
    old = sys.getrecursionlimit()
    if old < frames:
        sys.setrecursionlimit(frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


Detail = Literal["normal", "full"]

#: The detail of the derivations being built (``Options.detail``, set by the pipeline for
#: its build stage with :func:`detail_level`): "normal" lets a rule present a trivial
#: sub-derivation as one step (the chain rule of a linear inner function,
#: d/dx f(ax + b) = a f'(ax + b)); "full" keeps every sub-step. A context variable, so
#: thread- and task-safe; a Solver reads it once, when it is made.
_DETAIL: ContextVar[str] = ContextVar("matcalc_detail", default="normal")


@contextmanager
def detail_level(detail: str) -> Iterator[None]:
    """Solvers made inside this block build at ``detail`` ("normal" or "full")."""
    token = _DETAIL.set(detail)
    try:
        yield
    finally:
        _DETAIL.reset(token)


def current_detail() -> str:
    """The detail derivations are being built at ("normal" or "full"; see detail_level)."""
    return _DETAIL.get()


#: The rule table a Solver dispatches through: a node -> the rule that derives it (a
#: callable ``rule(solver, expr, var) -> Step``), or None. The rules layer supplies it
#: (``matcalc.rules.find_rule``); the engine never imports the rules.
RuleTable = Callable[[sp.Basic], "Callable[[Solver, sp.Basic, sp.Symbol], Step] | None"]


class Solver:
    """State of one derivation: memo of derived nodes, dependence cache, fresh names; it
    dispatches every node through the rule table it was given."""

    def __init__(self, roots: list[sp.Basic], rules: RuleTable) -> None:
        self.find_rule = rules
        self.detail: str = _DETAIL.get()      # "normal" or "full" (see detail_level)
        self.memo: dict[tuple[sp.Basic, sp.Symbol], Step] = {}
        self._free: dict[int, frozenset[sp.Symbol]] = {}   # a node's symbols, by id
        self._args_index: dict[int, dict[sp.Symbol, list[int]]] = {}   # see dependent_args
        self._constant: dict[sp.Symbol, str] = {}            # one text per variable
        self._alive: list[sp.Basic] = []      # keeps nodes alive while their id() is cached
        self._counter = 0
        self._depth = 0
        names = {n.name for n in postorder(roots) if isinstance(n, sp.Symbol)}
        self.prefix = next(p for p in ("u", "v", "w", "t", "q", "z_")
                           if not any(re.fullmatch(re.escape(p) + r"_?\d+", n) for n in names))

    def fresh(self) -> sp.Symbol:
        """A new intermediate variable u1, u2, ... (a letter the user's expression does not use)."""
        self._counter += 1
        return sp.Symbol(f"{self.prefix}{self._counter}")

    def release(self, u: sp.Symbol) -> None:
        """Give back ``u``, a name from :meth:`fresh` a rule did not use: if it is the last
        one handed out, the next call of :meth:`fresh` returns it again."""
        if u.name == f"{self.prefix}{self._counter}":
            self._counter -= 1

    def _symbols(self, expr: sp.Basic) -> frozenset[sp.Symbol]:
        """The symbols occurring in ``expr`` (bound ones too), one set per distinct node,
        computed bottom-up once: a node with one argument, or whose arguments' symbols all
        lie in one argument's set, shares that set, so a sum of n terms in one variable
        each costs n one-element sets and the sum's own n-element set."""
        found = self._free.get(id(expr))
        if found is not None:
            return found
        free, alive, empty = self._free, self._alive, _EMPTY
        for node in postorder([expr]):
            if id(node) in free:
                continue
            args = node.args
            if not args:
                fs = frozenset((node,)) if isinstance(node, sp.Symbol) else empty
            else:
                sets = [free[id(a)] for a in args]
                fs = max(sets, key=len)
                if any(not s <= fs for s in sets):
                    fs = frozenset().union(*sets)
            free[id(node)] = fs
            alive.append(node)
        return free[id(expr)]

    def depends(self, expr: sp.Basic, var: sp.Symbol) -> bool:
        """Whether ``expr`` depends on ``var`` (``var`` occurs in it): a set look-up after
        one bottom-up pass over the nodes not seen before (:meth:`_symbols`). The cost of
        a Jacobian's n^2 questions is then independent of the size of the f_i: a dense
        f_i = sum_j a_ij x_j is visited once, not once per variable."""
        return var in self._symbols(expr)

    def dependent_args(self, expr: sp.Basic, var: sp.Symbol) -> tuple[sp.Basic, ...]:
        """The arguments of ``expr`` that depend on ``var``, in order.

        Indexed once per node (symbol -> the positions of the arguments holding it), so
        the sum rule for d/dx_j of a sum of n terms costs the terms holding x_j, not n:
        a dense Jacobian's n^2 entries are then n^2 times (terms with x_j), not n^3."""
        args = expr.args
        if len(args) <= 4:
            return tuple(a for a in args if self.depends(a, var))
        if var not in self._symbols(expr):
            return ()
        index = self._args_index.get(id(expr))
        if index is None:
            index = {}
            for k, a in enumerate(args):
                for s in self._symbols(a):
                    index.setdefault(s, []).append(k)
            self._args_index[id(expr)] = index       # (expr is kept alive by _symbols)
        return tuple(args[k] for k in index.get(var, ()))

    def derive(self, expr: sp.Basic, var: sp.Symbol) -> Step:
        """The Step d expr / d var (memoized per distinct sub-expression)."""
        if not self.depends(expr, var):
            # No printing here: a Jacobian has ~n^2 constant entries (renderers show expr);
            # they share one text per variable.
            if expr.is_Atom:
                text = f"Constant rule: {expr} does not depend on {var}."
            else:
                text = self._constant.get(var) or self._constant.setdefault(
                    var, f"Constant rule: the expression does not depend on {var}.")
            return Step("constant", "derivative", expr, sp.S.Zero, text, var)
        if expr == var:
            return Step("variable", "derivative", expr, sp.S.One, f"d{var}/d{var} = 1.", var)
        key = (expr, var)
        seen = self.memo.get(key)
        if seen is not None:
            return Step("reuse", "reuse", expr, seen.result, Deferred(_reuse_text, expr),
                        var, same_as=seen)
        rule = self.find_rule(expr)
        if rule is None:
            raise NoRuleError(f"no rule applies to {type(expr).__name__}: {short(expr)} "
                              f"(the catalogue has no derivative for it)", expr)
        self._depth += 1
        if self._depth > MAX_SOLVER_DEPTH:
            raise LimitError("expression is nested too deeply to differentiate")
        try:
            step = rule(self, expr, var)
        finally:
            self._depth -= 1
        self.memo[key] = step
        return step


def derive_steps(expr: sp.Basic, var: sp.Symbol, solver: Solver) -> Step:
    """The Step tree of d expr / d var.

    Use one ``solver`` for all the parts of a larger derivation (the partials of a
    gradient or Jacobian, the factors of a total derivative): its fresh names u1, u2 ...
    then stay distinct across the parts, and repeated sub-derivations are reused.
    """
    with recursion_room():
        return solver.derive(expr, var)


def partial_step(f: sp.Basic, var: sp.Symbol, held: Sequence[sp.Symbol],
                 solver: Solver) -> Step:
    """d f / d var by the engine; ``held`` (the symbols held constant: a tuple, or a view
    of a record the entries of a Jacobian share, engine.step.HeldSet) is named on the
    step: a partial derivative differentiates by ``var`` with every other symbol a constant."""
    root = derive_steps(f, var, solver)
    if held:
        first = root
        root = hold_constant(root, held)
        if solver is not None and solver.memo.get((f, var)) is first:
            solver.memo[(f, var)] = root      # a later reuse points at the step shown
    return root
