"""What the renderers call things: shared sub-expressions, step numbers, Leibniz labels.

Three jobs, all read-only over a finished ``Derivation`` (nothing here differentiates or
simplifies):

* ``Namer`` gives a name (v1, v2, ...) to every large sub-expression that is shared, so
  that printing a DAG whose *tree* is astronomically large (f_n = sin(f_{n-1}) + f_{n-1}^2)
  costs time and space linear in its *distinct* nodes. Named nodes are printed once, in a
  "where" block, in dependency order. Small expressions are never touched.
* ``plan`` walks the step tree once and turns each shown step into an ``Entry``: its
  number (1., 1.2, 1.2.3), depth, rule title and the chain of equal quantities it states
  (``dy/du3 = d/du3 ln(u3) = 1/u3``) as renderer-neutral ``Part``s. The text, LaTeX and
  Markdown renderers only format entries, so the three always say the same thing.
* a step with a structured ``equation`` (matrix differentials, the read-off d f =
  tr(G^T dX) for every dX, so df/dX = G, backward-pass adjoints dZ = dL/dZ = ...) becomes
  an entry of exactly those members (``equation_parts``), so derivations with declared
  shapes are numbered, titled and laid out like every other; ``printing_for`` makes the
  printers write matrix syntax (X.T @ A, X^{T} A) while such a derivation is rendered.
* the letters: ``y`` for the function's value (another letter when the user's expression
  uses ``y``), ``f`` for the function, a fresh prefix for the names of shared nodes.
"""
from __future__ import annotations

import re
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Sequence, Union

import sympy as sp

from ..engine.dag import postorder
from ..engine.step import Differential, Ratio, Step, Words, by_name
from .multi import child_labels, multi_entry, row_symbols, top_level
from .parts import (CONTAINERS, Entry, Grid, Heading, Jacobian, Leibniz, Nabla, Operator, Part,
                    Product, Sum, Value)

if TYPE_CHECKING:
    from ..derivation import Derivation

#: Rules about several variables, presented by :mod:`matcalc.render.multi`.
MULTI_RULES = frozenset({"assemble_gradient", "assemble_jacobian", "transpose_layout",
                         "vector_chain_rule", "jacobian_product", "total_derivative",
                         "total_sum"})
#: Rules whose sub-derivations are folded into the parent's line (they add no insight).
TRIVIAL_RULES = frozenset({"constant", "variable", "d_constant", "d_variable"})
#: Steps nested deeper than this in one numbered block continue in a block of their own.
MAX_BLOCK_DEPTH = 5
#: A shared node is named when its tree size is above this.
SHARED_ABOVE = 40
#: A node whose printout (counted in nodes, named children counting 1) is larger gets its
#: largest sub-expressions named, so that no single printed expression is huge.
LONG_ABOVE = 150
#: ... but only parts at least this large are named for that (small terms stay explicit).
MIN_NAMED = 50
#: Likewise for nesting depth (deep printouts are unreadable and overflow printers' recursion).
DEEP_ABOVE = 30
#: Letters tried, in order, for the names of shared nodes (u is the engine's).
NAME_PREFIXES = ("v", "w", "t", "q", "p", "z_")
#: The function's value is y (the notes' letter), else the function's own letter.
VALUE_LETTER = "y"
#: Letters tried for the outputs of nested chains (a chain inside a product ...).
NESTED_LETTERS = ("g", "h", "k", "r", "s", "G", "H", "K", "Y")
#: Letters tried for the function's name in headers, f(x) = ...
FUNCTION_LETTERS = ("f", "F", "phi", "Phi")


# ----------------------------------------------------------------------------- printing

_MATRIX: ContextVar[bool] = ContextVar("matcalc_matrix_printing", default=False)


def as_typed(d: "Derivation") -> sp.Basic:
    """The function for the task line: as the user typed it when the kind kept that
    (``attachments["typed"]``), else the derived-from expression."""
    typed = getattr(d, "attachments", {}).get("typed")
    return typed if typed is not None else d.expr


def instantiated(s: Step) -> sp.Expr:
    """The quotient or product rule's formula with the step's own f, g and their
    derivatives put in, as written (SymPy's evaluation off): (f'g - f g')/g^2 =
    (2x (x - 1) - (x^2 + 1) 1)/(x - 1)^2; f'g h + f g'h + f g h'. Read off the step's
    children (their expressions and results), never differentiated here."""
    if s.rule == "quotient":
        (df, dg) = s.children[:2]
        f, g = df.expr, dg.expr
        with sp.evaluate(False):
            top = sp.Add(sp.Mul(*sp.Mul.make_args(df.result), g),
                         sp.Mul(-1, sp.Mul(f, dg.result)))
        return sp.UnevaluatedExpr(top) / g ** 2       # the fraction bar, as printed
    with sp.evaluate(False):
        factors = [c.expr for c in s.children]
        return sp.Add(*[sp.Mul(*factors[:i], *([c.result] if c.result != 1 else []),
                               *factors[i + 1:])
                        for i, c in enumerate(s.children) if c.result != 0])


@contextmanager
def printing_for(d: "Derivation"):
    """While rendering ``d``: expressions with declared shapes (matrices, traces, dX) print
    with the matrix printers (``X.T @ A``; ``X^{T} A`` in LaTeX), everything else as usual."""
    token = _MATRIX.set(bool(getattr(d, "shapes", None)))
    try:
        yield
    finally:
        _MATRIX.reset(token)


def matrix_printing() -> bool:
    """Whether the derivation being rendered has declared shapes."""
    return _MATRIX.get()


def shape_variables(d: "Derivation") -> tuple[sp.Basic, ...]:
    """The variables of a derivation with declared shapes: its vectors, matrices and
    scalars (not the dimensions n, m ...), sorted by name."""
    from sympy import MatrixSymbol
    dims = {x for shape in d.shapes.values() for x in shape if isinstance(x, sp.Symbol)}
    found: dict[str, sp.Basic] = {}
    for n in postorder([d.expr]):
        if isinstance(n, MatrixSymbol) or (isinstance(n, sp.Symbol) and n not in dims
                                          and not isinstance(n, sp.Dummy)):
            found.setdefault(n.name, n)
    return tuple(found[k] for k in sorted(found))


def declared_shapes(d: "Derivation") -> list[tuple[str, sp.Basic, sp.Basic]]:
    """(name, rows, columns) of every declared shape, in the order given."""
    return [(str(k), sp.sympify(r), sp.sympify(c)) for k, (r, c) in (d.shapes or {}).items()]


def objective(d: "Derivation") -> tuple[sp.Basic, sp.Basic] | None:
    """A backward pass's objective (its name, its value), from the program."""
    prog = d.program[0] if getattr(d, "program", None) else None
    return (prog.objective, prog.assignments[-1][1]) if prog is not None else None


# ----------------------------------------------------------------------------- Namer

class Namer:
    """Names for the large shared sub-expressions of a set of expressions.

    Nodes are identified by value through hash-consing (a node's class is its head and the
    classes of its arguments), so equal sub-expressions built separately count as one,
    without comparing trees. Every pass is linear in the number of distinct nodes.
    """

    def __init__(self, exprs: Iterable[sp.Basic], *, shared_above: int = SHARED_ABOVE,
                 long_above: int = LONG_ABOVE, deep_above: int = DEEP_ABOVE,
                 reserved: Iterable[str] = ()) -> None:
        roots = [e for e in exprs if isinstance(e, sp.Basic)]
        self._nodes = postorder(roots)          # keeps every node alive: ids stay valid
        cls_of: dict[int, int] = {}             # id(node) -> class number
        keys: dict[object, int] = {}
        reps: list[sp.Basic] = []               # class -> first node of that value
        args_of: list[tuple[int, ...]] = []
        for node in self._nodes:
            a = tuple(cls_of[id(x)] for x in node.args)
            key: object = (node.func, a) if node.args else node
            c = keys.get(key)
            if c is None:
                c = keys[key] = len(reps)
                reps.append(node)
                args_of.append(a)
            cls_of[id(node)] = c
        refs = [0] * len(reps)
        size = [1] * len(reps)
        for c, a in enumerate(args_of):          # classes are in postorder too
            for x in a:
                refs[x] += 1
            size[c] = 1 + sum(size[x] for x in a)
        named = _choose(reps, args_of, refs, size, shared_above, long_above, deep_above)
        symbol_names = {n.name for n in self._nodes if isinstance(n, sp.Symbol)}
        symbol_names.update(reserved)
        prefix = next((p for p in NAME_PREFIXES if not any(
            re.fullmatch(re.escape(p.rstrip("_")) + r"_?\d+", s) for s in symbol_names)), "v_")
        self._cls_of = cls_of
        self._symbol: dict[int, sp.Symbol] = {}
        self.definitions: list[tuple[sp.Symbol, sp.Basic]] = []
        for c in sorted(named):                 # class numbers are a dependency order
            sym = sp.Symbol(f"{prefix}{len(self.definitions) + 1}")
            self._symbol[c] = sym
            self.definitions.append((sym, reps[c]))
        has = [False] * len(reps)
        for c, a in enumerate(args_of):
            has[c] = any(x in self._symbol or has[x] for x in a)
        self._has_named = has

    @property
    def active(self) -> bool:
        """Whether any node was named (the output then has a "where" block)."""
        return bool(self.definitions)

    def shrink(self, expr: sp.Basic, expand_root: bool = False) -> sp.Basic:
        """``expr`` with named nodes replaced by their symbols (its root too, unless
        ``expand_root``). Only the unnamed part of ``expr`` is visited and rebuilt."""
        if not self._symbol:
            return expr
        memo: dict[int, sp.Basic] = {}
        stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
        while stack:
            node, ready = stack.pop()
            nid = id(node)
            if nid in memo:
                continue
            c = self._cls_of.get(nid)
            if c is not None and c in self._symbol and not (expand_root and node is expr):
                memo[nid] = self._symbol[c]
            elif not node.args or (c is not None and not self._has_named[c]):
                memo[nid] = node
            elif not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if id(a) not in memo)
            else:
                args = tuple(memo[id(a)] for a in node.args)
                memo[nid] = node if all(x is y for x, y in zip(args, node.args)) else _remake(node, args)
        return memo[id(expr)]

    def where(self) -> list[tuple[sp.Symbol, sp.Basic]]:
        """The definitions to print, ``(v_k, its expression over earlier names)``, in order."""
        return [(s, self.shrink(e, expand_root=True)) for s, e in self.definitions]


def _choose(reps: Sequence[sp.Basic], args_of: Sequence[tuple[int, ...]], refs: Sequence[int],
            size: Sequence[int], shared_above: int, long_above: int, deep_above: int) -> set[int]:
    """The classes to name: shared and large, or needed to keep every printout bounded."""
    named: set[int] = set()
    resid = [1] * len(reps)
    depth = [1] * len(reps)

    def measure(c: int) -> None:
        kids = [x for x in args_of[c] if x not in named]
        resid[c] = 1 + len(args_of[c]) - len(kids) + sum(resid[x] for x in kids)
        depth[c] = 1 + max([1 if x in named else depth[x] for x in args_of[c]], default=0)

    for c in range(len(reps)):
        if not args_of[c] or isinstance(reps[c], CONTAINERS):
            continue
        measure(c)
        while resid[c] > long_above or depth[c] > deep_above:
            # only sizeable parts are worth a name: a flat sum of many small terms stays
            open_ = [x for x in args_of[c] if x not in named and args_of[x]]
            wide = [x for x in open_ if resid[c] > long_above and resid[x] >= MIN_NAMED]
            deep = [x for x in open_ if depth[c] > deep_above and depth[x] >= 3]
            if wide:
                named.add(max(wide, key=lambda x: resid[x]))
            elif deep:
                named.add(max(deep, key=lambda x: depth[x]))
            else:
                break
            measure(c)
        if refs[c] > 1 and size[c] > shared_above:
            named.add(c)
    return named


def _remake(node: sp.Basic, args: tuple[sp.Basic, ...]) -> sp.Basic:
    """``node`` with new arguments, unevaluated where the class allows (keeps its shape)."""
    try:
        return node.func(*args, evaluate=False)
    except TypeError:
        return node.func(*args)


@dataclass
class Plan:
    """Everything a renderer needs, computed once per derivation."""

    namer: Namer
    entries: list[Entry]
    numbers: dict[Step, str]
    function: str
    value: sp.Symbol
    variables: tuple[sp.Symbol, ...]
    partial: bool
    held: dict[sp.Symbol, tuple[sp.Symbol, ...]] = field(default_factory=dict)
    #: headings shown before a top-level step (gradient and Jacobian blocks)
    sections: dict[Step, Heading] = field(default_factory=dict)
    #: the names of a vector function's rows, f1 ... fm (Jacobians)
    rows: tuple[sp.Symbol, ...] = ()
    #: a Jacobian too big to form, shown as a vector-Jacobian product dL/dW
    vjp: bool = False

    def results(self, d: "Derivation") -> list[tuple[Part, sp.Basic]]:
        """(left-hand side, shrunk result) for each entry of ``d.results``."""
        wrt_named = {str(w): w for w in getattr(d, "wrt", ())}
        out: list[tuple[Part, sp.Basic]] = []
        for key, expr in d.results.items():
            lhs: Part
            if getattr(d, "kind", "") == "backprop":       # the notes' dW2 = dJ/dW2
                lhs = Value(sp.Symbol(f"d{key}"))
            elif key in wrt_named:
                lhs = Leibniz(self.value, wrt_named[key], self.partial,
                              int(getattr(d, "attachments", {}).get("order", 1)))
            elif key == "hessian":
                lhs = Value(sp.Symbol("H"))
            elif key == "jacobian" and self.vjp:     # never formed: dL/dW for an upstream G
                lhs = Leibniz(sp.Symbol("L"), d.wrt[0], self.partial)
            elif key == "jacobian":
                lhs = Jacobian(self.rows, tuple(d.wrt), getattr(d, "layout", "") == "denominator",
                               name="J")
            else:
                lhs = Value(sp.Symbol(key))
            out.append((lhs, self.namer.shrink(expr)))
        return out

    def shown_results(self, d: "Derivation") -> list[tuple[Part, sp.Basic]]:
        """The results as the text, LaTeX and Markdown outputs end: ``results`` and, for
        a gradient, the assembled vector grad f = [...]."""
        out = self.results(d)
        if getattr(d, "kind", "") == "gradient" and not getattr(d, "shapes", None):
            row = sp.ImmutableMatrix([[d.results[str(w)] for w in d.wrt]])
            out.append((Nabla(self.value), self.namer.shrink(row)))
        return out


def expressions(d: "Derivation") -> list[sp.Basic]:
    """Every expression a renderer may print for ``d``: steps, definitions, results."""
    out: list[sp.Basic] = [d.expr]
    for root in (d.steps if getattr(d.options, "steps", True) else ()):
        for s in root.walk():
            out.append(s.expr)
            out.append(s.result)
            out.extend(e for _, e in s.definitions)
    out.extend(d.results.values())
    return out


def free_names(exprs: Iterable[sp.Basic]) -> set[str]:
    """Names of all symbols and unknown functions (f in f(x)) in ``exprs`` (DAG-aware)."""
    from sympy.core.function import AppliedUndef
    return {n.name if isinstance(n, sp.Symbol) else type(n).__name__
            for n in postorder(exprs) if isinstance(n, (sp.Symbol, AppliedUndef))}


def symbols_of(expr: sp.Basic) -> tuple[sp.Symbol, ...]:
    """The distinct symbols of ``expr`` sorted by name (DAG-aware)."""
    return tuple(sorted({n for n in postorder([expr]) if isinstance(n, sp.Symbol)},
                        key=by_name))


def convention(d: "Derivation") -> str:
    """The vec convention a result over vec(X) is stated in ('' for none):
    ``attachments["convention"]`` is "hessian" or "jacobian" with the variable's name."""
    kind, _, name = str((getattr(d, "attachments", None) or {}).get("convention", "")
                        ).partition(":")
    if kind == "hessian":
        return (f"H is over vec({name}), the columns of {name} stacked (column-major, "
                f"Magnus and Neudecker): H[(j-1)n + i, (l-1)n + m] = "
                f"d^2f/d{name}_ij d{name}_ml")
    if kind == "jacobian":
        return (f"J = d vec(F)/d vec({name}), numerator layout, vec stacking the columns "
                "(column-major, Magnus and Neudecker)")
    return ""


def shows_layout(d: "Derivation") -> bool:
    """Does the result carry a layout or vec convention line (Jacobians, Hessians over
    vec(X))?"""
    return getattr(d, "kind", "") == "jacobian" or bool(convention(d))


def times(d: "Derivation") -> str:
    """How often a derivative of higher order differentiates: '' (once), 'twice',
    '3 times', '0 times' (``attachments["order"]``)."""
    order = (getattr(d, "attachments", None) or {}).get("order")
    if order is None or order == 1:
        return ""
    return "twice" if order == 2 else f"{order} times"


def is_partial(d: "Derivation") -> bool:
    """A partial derivative: the function has more than one free symbol (or holds some
    constant); with declared shapes, more than one variable (dimensions do not count)."""
    if any(s.held_constant for s in d.steps) or getattr(d, "kind", "") == "backprop":
        return True           # a backward pass: the objective depends on every parameter
    if getattr(d, "shapes", None):
        return len(shape_variables(d)) > 1
    return len(symbols_of(d.expr)) > 1


def held_constant(d: "Derivation", step: Step) -> tuple[sp.Symbol, ...]:
    """The symbols held constant in a top-level step (the step's own list, else the rest)."""
    if step.held_constant:
        return tuple(step.held_constant)
    if step.wrt is None:
        return ()
    if getattr(d, "shapes", None):
        return tuple(s for s in shape_variables(d) if s != step.wrt)
    return tuple(s for s in symbols_of(d.expr) if s != step.wrt)


#: Longest tag that names a (a line of 80 columns holds the tag after an indent).
LINEAR_TAG_LIMIT = 72


def linear_chain_tag(step: Step, title: str = "chain rule, linear inner function"
                     ) -> tuple[str, str]:
    """The tag of a ``linear_chain`` step: its identity in the step's variable and the a of
    its :class:`~matcalc.engine.step.Slope` part (``..., a = 3``), and ``""``; when that
    tag is longer than LINEAR_TAG_LIMIT, the tag without a and the sentence ``a = ...``
    for the step's note."""
    from ..engine.step import Slope
    from ..syntax import to_syntax
    v = step.wrt
    slope = next((p for p in step.parts if isinstance(p, Slope)), None)
    tag = f"{title}: d/d{v} f(a{v} + b) = a f'(a{v} + b)"
    if slope is None:
        return tag, ""
    a = to_syntax(slope.a)
    if len(tag) + len(a) + 6 <= LINEAR_TAG_LIMIT:
        return f"{tag}, a = {a}", ""
    return tag, f"Here a = {a}."


def linear_chain_note(step: Step) -> str:
    """The note of the rule that gave f' in a ``linear_chain`` step (relu's kink ...)."""
    from ..engine.step import Slope
    from ..rules.catalogue import RULES
    slope = next((p for p in step.parts if isinstance(p, Slope)), None)
    rule = RULES.get(slope.rule) if slope is not None and slope.rule else None
    if rule is None or not rule.note:
        return ""
    if re.search(r"\bu\b", rule.note):              # the note's u is the inner function
        from ..syntax import to_syntax
        return f"{rule.note} Here u = {to_syntax(slope.inner)}."
    return rule.note


def visible_children(step: Step) -> list[Step]:
    """The children shown as their own entries (trivial ones fold into the parent)."""
    if step.rule == "chain":
        return list(step.children)
    return [c for c in step.children if c.rule not in TRIVIAL_RULES]


@dataclass(frozen=True)
class Slot:
    """Where a step is shown: its number, its depth inside its block, and - for a step whose
    sub-derivation continues in a block of its own - that block's number (``see``)."""

    step: Step
    number: str
    depth: int
    see: str = ""


def layout(roots: Sequence[Step], max_depth: int = MAX_BLOCK_DEPTH) -> list[Slot]:
    """The shown steps in reading order, numbered '1', '1.2', '1.2.3' ...

    Trivial steps fold into their parent. A step deeper than ``max_depth`` inside a block
    whose own derivation has sub-steps is shown there with a pointer and continued as a new
    top-level block, so numbers and indentation stay short and the output stays linear in
    the number of steps however deep the tree is.
    """
    slots: list[list] = []
    block_of: dict[Step, str] = {}
    counter = 0
    for root in roots:
        queue: deque[Step] = deque([root])
        while queue:
            block = queue.popleft()
            counter += 1
            block_of[block] = str(counter)
            stack: list[tuple[Step, str, int]] = [(block, str(counter), 0)]
            while stack:
                s, num, depth = stack.pop()
                kids = visible_children(s)
                if depth >= max_depth and kids:
                    slots.append([s, num, depth, True])
                    queue.append(s)
                    continue
                slots.append([s, num, depth, False])
                stack.extend((c, f"{num}.{j + 1}", depth + 1)
                             for j, c in reversed(list(enumerate(kids))))
    return [Slot(s, num, depth, block_of[s] if see else "") for s, num, depth, see in slots]


def number_steps(slots: Sequence[Slot]) -> dict[Step, str]:
    """Each shown step's number (a continued step: the number of its own block)."""
    numbers: dict[Step, str] = {}
    for slot in slots:
        numbers[slot.step] = slot.see or slot.number
    return numbers


def pick(letters: Sequence[str], taken: set[str]) -> str:
    """The first letter not taken (with a numbered fallback)."""
    for letter in letters:
        if letter not in taken:
            return letter
    i = 1
    while f"{letters[0]}_{i}" in taken:
        i += 1
    return f"{letters[0]}_{i}"


# ----------------------------------------------------------------------------- plan

def plan(d: "Derivation") -> Plan:
    """Walk ``d``'s steps once and describe every shown step as an ``Entry``."""
    exprs = expressions(d)
    taken = free_names(exprs)
    shaped = bool(getattr(d, "shapes", None))
    if shaped:
        taken |= set(d.shapes)
    function = pick(FUNCTION_LETTERS, taken)
    value = sp.Symbol(VALUE_LETTER if VALUE_LETTER not in taken else function)
    if shaped:              # the read-off speaks of d f: the value is f too (J in backprop)
        value = sp.Symbol(function)
        if getattr(d, "kind", "") == "backprop" and d.program is not None:
            value = sp.Symbol(d.program[0].objective.name)
    nested = [x for x in NESTED_LETTERS if x not in taken | {function, value.name}]
    # matrix expressions are short: name only really large shared parts; their
    # differential trees are deep, so blocks go deeper before continuing elsewhere
    namer = Namer(exprs, shared_above=SHARED_ABOVE * (5 if shaped else 1))
    partial = is_partial(d)
    roots = tuple(d.steps) if getattr(d.options, "steps", True) else ()
    slots = layout(roots, MAX_BLOCK_DEPTH + (3 if shaped else 0))
    numbers = number_steps(slots)
    variables = shape_variables(d) if shaped else symbols_of(d.expr)
    letters = [value.name] + (nested or [pick(NESTED_LETTERS, taken | {function, value.name})])
    builder = _Builder(namer, numbers, letters, partial, set(d.wrt))
    builder.whole = (d.expr, value if getattr(d, "kind", "") == "backprop" else sp.Symbol(function))
    rows = row_symbols(d)
    builder.rows = rows
    sections, labels = top_level(d, roots, value, rows, partial)
    if shaped:     # one matrix derivation per variable: no row blocks; J for a Jacobian
        sections = {}
        labels = {r: Jacobian(rows, tuple(d.wrt), d.layout == "denominator", name="J")
                  for r in roots
                  if getattr(d, "kind", "") == "jacobian" and r.rule == "matrix_differential"
                  and not r.equation}
    entries = builder.entries(slots, roots, labels)
    held: dict[sp.Symbol, tuple[sp.Symbol, ...]] = {}
    for root in roots:
        if root.wrt is not None and partial:
            held.setdefault(root.wrt, held_constant(d, root))
    vjp = any(s.rule == "vector_jacobian_product" for r in roots for s in r.children)
    return Plan(namer, entries, numbers, function, value, variables, partial, held, sections,
                rows, vjp)


class _Builder:
    """Turns steps into entries; knows the chain-rule presentation of the notes."""

    def __init__(self, namer: Namer, numbers: dict[Step, str], letters: Sequence[str],
                 partial: bool, variables: set[sp.Symbol]) -> None:
        self.namer = namer
        self.numbers = numbers
        self.letters = letters
        self.partial = partial
        self.variables = variables
        self.rows: tuple[sp.Symbol, ...] = ()        # a Jacobian's row names f1 ... fm
        self._position: dict[Step, int] = {}
        #: (the derivation's function, its letter): d(function) is written d f
        self.whole: tuple[sp.Basic, sp.Symbol] | None = None

    def _p(self, wrt: sp.Symbol | None) -> bool:
        return self.partial and wrt in self.variables

    def entries(self, slots: Sequence[Slot], roots: Sequence[Step],
                given: dict[Step, Part] | None = None) -> list[Entry]:
        """One entry per slot; chain-rule children get Leibniz labels from their parent
        (``given``: labels of top-level steps, for gradients and Jacobians)."""
        top = set(roots)
        position = {slot.step: i for i, slot in reversed(list(enumerate(slots)))}
        self._position = position
        labels: dict[Step, Part] = dict(given or {})
        family: dict[Step, dict[Step, Leibniz]] = {}    # a chain's children -> their labels
        nesting: dict[Step, int] = {}                   # nested chains above a step
        out: list[Entry] = []
        for slot in slots:
            s = slot.step
            # a block of its own starts afresh: its chains are named g, h, ... again
            chains = 0 if slot.depth == 0 else nesting.get(s, 0)
            e = self.entry(s, slot.number, slot.depth, labels.get(s), family.get(s, {}))
            if slot.see:
                e = replace(e, tag=f"{e.tag}; continued in step {slot.see}", note="")
            out.append(e)
            inner = chains
            if s.rule in MULTI_RULES:
                labels.update(child_labels(self, s, labels.get(s)))
            if s.rule == "chain":
                # the whole function's chain uses y; nested chains get g, h, ... by nesting
                index = 0 if s in top else chains + 1
                letter = self.letters[index if index < len(self.letters)
                                      else 1 + (index - 1) % (len(self.letters) - 1)]
                kids = self.chain_labels(s, sp.Symbol(letter))
                labels.update(kids)
                for c in s.children:
                    family[c] = kids
                inner = chains if s in top else chains + 1
            for c in s.children:
                nesting.setdefault(c, inner)
        return out

    def chain_labels(self, chain: Step, value: sp.Symbol) -> dict[Step, Leibniz]:
        """Leibniz labels of a chain step's children: du1/dx, du2/du1, ..., dy/du_k, dy/dx."""
        rhs_to_u = {rhs: u for u, rhs in chain.definitions}
        labels: dict[Step, Leibniz] = {}
        var = chain.wrt
        for c in chain.children:
            if c.kind == "define":
                labels[c] = Leibniz(value, var, self._p(var))        # carries the value letter
            elif c.kind in ("derivative", "reuse") and c.wrt is not None:
                num = rhs_to_u.get(c.expr, value)
                labels[c] = Leibniz(num, c.wrt, self._p(c.wrt))
            elif c.kind == "rewrite":
                labels[c] = Leibniz(value, var, self._p(var))
        return labels

    def entry(self, s: Step, num: str, depth: int, label: Leibniz | None,
              siblings: dict[Step, Leibniz]) -> Entry:
        """The entry of one step (numbered ``num``, at ``depth`` in its block)."""
        from ..rules.catalogue import RULES
        rule = RULES.get(s.rule)
        title = rule.title if rule else s.rule.replace("_", " ")
        note = rule.note if rule else ""
        if s.rule == "linear_chain":       # d/dx f(ax + b) = a f'(ax + b), saying what a is
            title, where_a = linear_chain_tag(s, title)
            # a too long for the tag goes to the note, with the outer rule's convention
            note = " ".join(t for t in (where_a, linear_chain_note(s)) if t)
        if "(assumed)" in s.description and not s.equation:    # --assume: say what it used
            note = s.description
        shrink = self.namer.shrink
        if s.equation and s.kind != "reuse":       # a structured equation says it all
            if s.rule == "expand_dimensions":     # "components at n = 3, k = 2"
                title = "components at " + s.description.removeprefix("With ").split(":")[0]
            return Entry(s, num, depth, title, self.equation_parts(s), note=note)
        if s.rule in MULTI_RULES or (s.kind == "define" and (depth == 0 or isinstance(
                s.result, CONTAINERS))):
            return multi_entry(self, s, num, depth, label, title, note)
        if s.kind == "define":
            value = label.num if label else sp.Symbol("y")
            defs = tuple((u, shrink(e)) for u, e in s.definitions) + ((value, shrink(s.result)),)
            return Entry(s, num, depth, title, (), "Name the nested functions:", defs)
        if s.kind == "reuse":
            first = self.numbers.get(s.same_as) if s.same_as is not None else None
            here, there = self._position.get(s, 0), self._position.get(s.same_as, -1)
            tag = (("already derived in step " if there < here else "derived in step ") + first
                   if first else "already derived above")
            parts = self.equation_parts(s) if s.equation else self._derivative_parts(s, label)
            return Entry(s, num, depth, tag, parts)
        if s.rule == "chain_product":
            parts = self._product_parts(s, label, siblings)
            return Entry(s, num, depth, title, parts)
        if s.kind == "rewrite":
            lhs: Part
            if label is not None:
                lhs = label
            elif s.wrt is not None and s.rule == "simplify":
                lhs = Leibniz(sp.Symbol(self.letters[0]), s.wrt, self._p(s.wrt))
            else:
                lhs = Value(shrink(s.expr))
            return Entry(s, num, depth, title, (lhs, Value(shrink(s.result))), note=note)
        parts = self._derivative_parts(s, None)
        middle: tuple[Part, ...] = ()
        if s.rule == "general_power" and s.children:      # y = f^g: y' = f^g d/dx [g ln f]
            middle = (Product((Value(shrink(s.expr)),
                               Operator(s.wrt, shrink(s.children[0].expr), self._p(s.wrt)))),)
        elif s.rule == "change_of_base" and s.children:   # d/dx log_b f = d/dx [ln f / ln b]
            middle = (Operator(s.wrt, shrink(s.children[0].expr), self._p(s.wrt)),)
        elif s.rule in ("quotient", "product") and s.children:   # the formula, filled in
            filled = instantiated(s)
            from ..syntax import to_syntax
            if sp.latex(filled) != sp.latex(s.result) and \
                    to_syntax(filled) != to_syntax(s.result):         # not the same line twice
                middle = (Value(shrink(filled)),)
        parts = parts[:1] + middle + parts[1:]
        if label is not None:
            parts = (label,) + parts
        return Entry(s, num, depth, title, parts, note=note)

    def equation_parts(self, s: Step) -> tuple[Part, ...]:
        """The members of ``s.equation`` as parts (engine/step.py): expressions shrunk,
        d(the whole function) written d f, d num/d wrt in Leibniz form."""
        shrink = self.namer.shrink
        whole, letter = self.whole if self.whole is not None else (None, sp.Symbol("f"))
        out: list[Part] = []
        for m in s.equation:
            if isinstance(m, Differential):
                if whole is not None and m.expr == whole:
                    out.append(Differential(letter))          # d f
                    if s.kind in ("derivative", "reuse") and not out[:-1]:
                        out.append(Differential(shrink(m.expr)))   # = d tr(X^T A X)
                else:
                    out.append(Differential(shrink(m.expr)))
            elif isinstance(m, Ratio):
                num = m.num if m.num is not None else (
                    sp.Symbol(self.letters[0]) if m.order != 1 or m.first is not None
                    else letter)
                out.append(Leibniz(num, m.wrt, self.partial or m.first is not None,
                                   m.order, m.first))
            elif isinstance(m, Words):
                out.append(Words(tuple(p if isinstance(p, str) else shrink(p)
                                       for p in m.pieces)))
            else:
                out.append(Value(shrink(m)))
            if len(out) > 1 and out[-1] == out[-2]:
                out.pop()                     # "dJ = dJ": say it once
        return tuple(out)

    def _derivative_parts(self, s: Step, label: Leibniz | None) -> tuple[Part, ...]:
        shrink = self.namer.shrink
        op: Part = (Operator(s.wrt, shrink(s.expr), self._p(s.wrt)) if s.wrt is not None
                    else Value(shrink(s.expr)))
        parts: tuple[Part, ...] = (op, Value(shrink(s.result)))
        return (label,) + parts if label is not None else parts

    def _product_parts(self, s: Step, label: Leibniz | None,
                       siblings: dict[Step, Leibniz]) -> tuple[Part, ...]:
        """dy/dx = dy/du_k ... du1/dx = (factors, outermost first) = product."""
        shrink = self.namer.shrink
        ratios = [lab for st, lab in siblings.items()
                  if st.kind in ("derivative", "reuse") and st.wrt is not None]
        # siblings are inner (wrt x) first, then the local steps inside out: show outermost first
        ratios = ratios[1:][::-1] + ratios[:1]
        factors = s.expr.args if isinstance(s.expr, sp.Mul) else (s.expr,)
        parts: list[Part] = []
        if label is not None:
            parts.append(label)
        if ratios:
            parts.append(Product(tuple(ratios)))
        parts.append(Product(tuple(Value(shrink(f)) for f in factors)))
        parts.append(Value(shrink(s.result)))
        return tuple(parts)

