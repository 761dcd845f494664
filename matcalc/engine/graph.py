"""Computation graphs: one node per elementary operation, a forward pass, a backward pass.

The notes (seeds 000, 003, 004: J = 3(a + bc); 001: y = x e^(x^2)) teach derivatives on a
graph: name every elementary operation (u = bc, v = a + u, J = 3v), evaluate the nodes in
order (the forward pass), then walk back from the output multiplying local derivatives
(the backward pass, reverse-mode automatic differentiation). This module builds that
graph from a SymPy expression and runs both passes; it never prints anything.

* ``build_graph`` decomposes an expression (a DAG: equal sub-expressions are one node)
  into ``Node``s - inputs (the free symbols) and operations. Numbers stay inside the
  operation that uses them (J = 3v has the single operand v); subtraction a - b and
  division a / b are one node each, not a negation or reciprocal plus a sum or product.
  Each ``Edge`` operand -> consumer carries the local derivative d consumer / d operand,
  derived by the rule engine (``derive_steps``) and written in the nodes' names
  (d exp(u)/du = v when v = exp(u), as the notes write du2/du1 = u2).
* ``forward`` evaluates the nodes at a point: exactly (SymPy numbers: rationals stay
  rationals, e^4 stays e^4) when the inputs are exact, in floating point otherwise.
* ``backward`` accumulates the adjoints dJ/dn = sum over the consumers c of n of
  dJ/dc * dc/dn, node by node from the output, each consumer's adjoint complete before
  it is used: reverse-mode autodiff, linear in the number of edges. A node used by
  several others (fan-out) sums over its paths.
* ``paths`` lists every path output -> ... -> input with the product of the local
  derivatives along it (the total-derivative chain rule, "multiply along each path and
  sum"), up to a cap: the number of paths can grow exponentially with the depth of a DAG.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import sympy as sp

from ..errors import InputError, LimitError
from .dag import postorder, substitute, tree_size
from .solver import RuleTable, Solver, derive_steps, short
from .step import Step

#: Paths listed per input before the listing stops (their number is still reported).
MAX_PATHS = 12
#: Adjoint expressions (in node names) larger than this keep the consumer's adjoint as a
#: name (dJ/du) instead of its expression, so the backward pass stays linear in size.
MAX_INLINE = 16
#: Forward values whose exact form is larger than this are kept as floats (evaluating a
#: deeply nested exact value, sin(2 sin(3 sin(...))), costs exponential time in SymPy).
MAX_EXACT_VALUE = 12
#: ... and rationals with more digits than this.
MAX_EXACT_DIGITS = 60
#: Sums with more terms than this are differentiated per edge with the other terms
#: folded into one constant (linear time for wide sums such as w1 x1 + ... + wn xn).
WIDE_SUM = 8
#: Op nodes above which the graph is too large to build (a safety limit).
MAX_NODES = 20_000


@dataclass(frozen=True)
class Node:
    """One node: an input (a free symbol) or one elementary operation on other nodes.

    ``expr`` is the operation in the operands' names (u = b*c: ``b*c``; an input: its own
    symbol); ``full`` the sub-expression it computes, as written (in the inputs and the
    --where names);
    ``given``: named by the user (``where``) rather than by matcalc.
    """

    index: int
    name: sp.Symbol
    op: str
    expr: sp.Basic
    operands: tuple[int, ...]
    full: sp.Basic
    given: bool = False

    @property
    def is_input(self) -> bool:
        return self.op == "input"


@dataclass(frozen=True)
class Edge:
    """operand ``src`` -> consumer ``dst`` with the local derivative d dst / d src, in the
    nodes' names, and the rule engine's step that derived it."""

    src: int
    dst: int
    local: sp.Basic
    rule: str
    step: Step


@dataclass
class Graph:
    """Nodes in evaluation order (every operand before its consumers), edges, the output."""

    nodes: list[Node]
    edges: list[Edge]
    output: int
    inputs: list[int]
    #: per node, the indices of the edges to its consumers / from its operands
    out_edges: list[list[int]] = field(default_factory=list)
    in_edges: list[list[int]] = field(default_factory=list)

    def symbol_map(self) -> dict[sp.Symbol, Node]:
        return {n.name: n for n in self.nodes}

    @property
    def ops(self) -> list[Node]:
        return [n for n in self.nodes if not n.is_input]


# ----------------------------------------------------------------------------- build

_FUNCTION_OPS = {"log": "ln", "Abs": "abs", "Heaviside": "step", "logb": "log"}


def _op_name(node: sp.Basic, local: sp.Basic) -> str:
    """A short name for the operation (DOT/TikZ labels, JSON ``op``)."""
    if isinstance(node, sp.Add):
        return "subtract" if any(_negated(t) is not None for t in node.args) else "add"
    if isinstance(node, sp.Mul):
        if any(_reciprocal(f) is not None for f in node.args):
            return "divide"
        return "negate" if local.could_extract_minus_sign() and len(node.args) == 2 \
            and node.args[0] == -1 else "multiply"
    if isinstance(node, sp.Pow):
        if node.exp == -1:
            return "reciprocal"
        if node.exp == sp.S.Half:
            return "sqrt"
        return "exp" if node.base == sp.E else "power"
    name = type(node).__name__
    return _FUNCTION_OPS.get(name, name.lower())


def _negated(term: sp.Basic) -> sp.Basic | None:
    """X when ``term`` is -X written as Mul(-1, X) (a subtraction inside a sum)."""
    if isinstance(term, sp.Mul) and len(term.args) == 2 and term.args[0] == -1:
        return term.args[1]
    return None


def _reciprocal(factor: sp.Basic) -> sp.Basic | None:
    """X when ``factor`` is 1/X written as Pow(X, -1) (a division inside a product)."""
    if isinstance(factor, sp.Pow) and factor.exp == -1:
        return factor.base
    return None


class _Builder:
    def __init__(self, names_taken: set[str], given: Mapping[sp.Symbol, sp.Basic]) -> None:
        self.nodes: list[Node] = []
        self.by_key: dict[object, int] = {}       # hash-consing: (func, operand keys) -> node
        self.key_of: dict[int, object] = {}        # id(sympy node) -> key
        self.node_of: dict[int, int | None] = {}   # id(sympy node) -> node index (None: constant)
        self.const: dict[int, sp.Basic] = {}       # id(sympy node) -> evaluated constant
        self.alive: list[sp.Basic] = []
        self.given = dict(given)                   # user-named intermediates: name -> node
        self.taken = set(names_taken)
        self.alias: dict[sp.Symbol, int] = {}      # user names -> their node

    # a SymPy node's role: a node index, or None for a constant (then self.const holds it)
    def visit(self, root: sp.Basic) -> int | None:
        for node in postorder([root]):
            if id(node) in self.node_of:
                continue
            self.alive.append(node)
            self.node_of[id(node)] = self._make(node)
        return self.node_of[id(root)]

    def _make(self, node: sp.Basic) -> int | None:
        if isinstance(node, sp.Symbol):
            if node in self.alias:
                return self.alias[node]
            return self._intern(("input", node), lambda i: Node(i, node, "input", node, (), node))
        if not node.args or all(self.node_of[id(a)] is None for a in node.args):
            self.const[id(node)] = self._evaluate_constant(node)
            return None
        args = node.args
        parts: list[tuple[str, sp.Basic]] = []      # ("op", operand) or ("const", value)
        for a in args:
            if isinstance(node, sp.Add) and (x := _negated(a)) is not None \
                    and self.node_of.get(id(x)) is not None:
                parts.append(("neg", x))
            elif isinstance(node, sp.Mul) and (x := _reciprocal(a)) is not None \
                    and self.node_of.get(id(x)) is not None:
                parts.append(("inv", x))
            elif self.node_of[id(a)] is None:
                parts.append(("const", self.const[id(a)]))
            else:
                parts.append(("op", a))
        operands: list[int] = []
        for kind, a in parts:
            if kind != "const":
                k = self.node_of[id(a)]
                if k not in operands:
                    operands.append(k)  # type: ignore[arg-type]
        symbols = {k: self.nodes[k].name for k in operands}
        built = []
        for kind, a in parts:
            if kind == "const":
                built.append(a)
            else:
                s = symbols[self.node_of[id(a)]]   # type: ignore[index]
                built.append(-s if kind == "neg" else 1 / s if kind == "inv" else s)
        try:
            local = node.func(*built)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise InputError(f"cannot build the graph node for {short(node)} "
                             f"({type(exc).__name__})") from None
        key = (type(node), local, tuple(operands))
        op = _op_name(node, local)
        def make(i: int) -> Node:
            # ``full``: the sub-expression itself (in the inputs and the --where names);
            # rebuilding it from ``local`` would make SymPy re-sort deep DAGs (exponential)
            return Node(i, sp.Dummy(f"n{i}"), op, local, tuple(operands), node)
        return self._intern(key, make)

    def _evaluate_constant(self, node: sp.Basic) -> sp.Basic:
        """A constant sub-expression (parsed unevaluated), evaluated."""
        if not node.args:
            return node
        args = [self.const.get(id(a), a) for a in node.args]
        return node.func(*args)

    def _intern(self, key: object, make) -> int:
        hit = self.by_key.get(key)
        if hit is not None:
            return hit
        if len(self.nodes) >= MAX_NODES:
            raise LimitError(f"the computation graph has more than {MAX_NODES} nodes")
        i = len(self.nodes)
        self.nodes.append(make(i))
        self.by_key[key] = i
        return i


def _letters(count: int, taken: set[str]) -> list[str]:
    """Names for ``count`` intermediate nodes: u, v, w (the notes' J = 3(a + bc)) when
    there are at most three, else u1, u2, ... (the notes' u1 = x^2, u2 = e^u1); another
    letter when the user's names already use these."""
    if count <= 3:
        letters = [c for c in "uvw"][:count]
        if not taken & set(letters):
            return letters
    for prefix in ("u", "v", "w", "t", "q", "s"):
        names = [f"{prefix}{i}" for i in range(1, count + 1)]
        if not any(re.fullmatch(re.escape(prefix) + r"_?\d+", t) for t in taken) \
                and not taken & set(names):
            return names
    return [f"n_{i}" for i in range(1, count + 1)]


def output_letter(inputs: Sequence[sp.Symbol], taken: set[str]) -> str:
    """The output's default name, after the notes: y = f(x) for one input, J(a, b, c) for
    several, L(a, y) when y is one of the inputs (a label, as in a loss)."""
    names = {s.name for s in inputs}
    if len(inputs) == 1:
        order = ["y", "f", "J"]
    elif "y" in names:
        order = ["L", "J", "f"]
    else:
        order = ["J", "y", "f"]
    return next((c for c in order if c not in taken), "out")


def build_graph(expr: sp.Basic, where: Sequence[tuple[sp.Symbol, sp.Basic]] = (),
                output_name: str | None = None, *, rules: RuleTable) -> Graph:
    """Decompose ``expr`` (its intermediates ``where``, in dependency order, name nodes)
    into a computation graph, with each edge's local derivative from the rule engine."""
    user = {g for g, _ in where}
    all_symbols = {n for n in postorder([expr, *(e for _, e in where)]) if isinstance(n, sp.Symbol)}
    input_symbols = all_symbols - user
    taken = {s.name for s in all_symbols}
    b = _Builder(taken, dict(where))
    renames: dict[int, sp.Symbol] = {}
    for g, definition in where:
        k = b.visit(definition)
        if k is None:
            raise InputError(f"'{g.name}' is defined as a constant; --where names "
                             "operations on the variables")
        if b.nodes[k].is_input:
            raise InputError(f"'{g.name}' = {b.nodes[k].name.name} only renames a variable; "
                             "--where names operations on the variables")
        b.alias[g] = k
        renames.setdefault(k, g)
    out = b.visit(expr)
    if out is None:
        raise InputError("the expression is a constant: a computation graph needs a variable")
    if b.nodes[out].is_input:
        raise InputError("the expression is a single variable: there is no operation to "
                         "draw (try an expression such as 3*a)")
    keep: set[int] = set()                 # only the nodes that reach the output
    stack = [out]
    while stack:
        k = stack.pop()
        if k not in keep:
            keep.add(k)
            stack.extend(b.nodes[k].operands)
    nodes = b.nodes
    inputs_syms = [n.name for n in nodes if n.is_input and n.name in input_symbols]
    if output_name is not None:
        if not output_name.isidentifier():
            raise InputError(f"the output's name must be a variable name, got {output_name!r}")
        if output_name in taken:
            raise InputError(f"the output's name '{output_name}' is already a variable of "
                             "the expression")
        out_name = sp.Symbol(output_name)
    else:
        out_name = renames.get(out) or sp.Symbol(output_letter(inputs_syms, taken))
    taken.add(out_name.name)
    auto = [n.index for n in nodes if n.index in keep and not n.is_input and n.index != out
            and n.index not in renames]
    letters = iter(_letters(len(auto), taken))
    names: dict[int, sp.Symbol] = {}
    for n in nodes:
        if n.is_input:
            names[n.index] = n.name
        elif n.index == out:
            names[n.index] = out_name
        elif n.index in renames:
            names[n.index] = renames[n.index]
        elif n.index in keep:
            names[n.index] = sp.Symbol(next(letters))
        else:
            names[n.index] = n.name
    # Rename: the builder used placeholder names while it went.
    renamed: list[Node] = []
    for n in nodes:
        if n.is_input:
            renamed.append(n)
            continue
        local = n.expr.xreplace({nodes[k].name: names[k] for k in n.operands})
        renamed.append(Node(n.index, names[n.index], n.op, local, n.operands, n.full,
                            given=n.index in renames or (output_name is not None and n.index == out)))
    return _with_edges(renamed, out, rules)


def _with_edges(nodes: list[Node], out: int, rules: RuleTable) -> Graph:
    # Only nodes that reach the output belong to the graph (a --where definition is always used).
    keep = set()
    stack = [out]
    while stack:
        k = stack.pop()
        if k not in keep:
            keep.add(k)
            stack.extend(nodes[k].operands)
    order = [n for n in nodes if n.index in keep]
    index = {n.index: i for i, n in enumerate(order)}
    nodes = [Node(index[n.index], n.name, n.op, n.expr, tuple(index[k] for k in n.operands),
                  n.full, n.given) for n in order]
    out = index[out]
    solver = Solver([n.name for n in nodes] + [n.expr for n in nodes], rules)
    edges: list[Edge] = []
    out_edges: list[list[int]] = [[] for _ in nodes]
    in_edges: list[list[int]] = [[] for _ in nodes]
    rest = sp.Dummy("rest")
    for n in nodes:
        if n.is_input:
            continue
        terms_of: dict[sp.Symbol, list[sp.Basic]] = {}
        if isinstance(n.expr, sp.Add) and len(n.expr.args) > WIDE_SUM:
            operand_names = {nodes[k].name for k in n.operands}
            for t in n.expr.args:
                for s in {x for x in postorder([t]) if x in operand_names}:
                    terms_of.setdefault(s, []).append(t)
        for k in n.operands:
            var = nodes[k].name
            expr = n.expr
            if terms_of:
                # d/du of a sum of many terms: the terms without u are one constant, so
                # each edge costs O(1), not O(terms) (the sum rule still names the step)
                expr = sp.Add(*terms_of[var], rest)
            step = derive_steps(expr, var, solver)
            local = step.result
            if not isinstance(n.expr, sp.Symbol):
                local = substitute(local, {n.expr: n.name})   # d e^u/du = v when v = e^u
            edges.append(Edge(k, n.index, local, step.rule, step))
            out_edges[k].append(len(edges) - 1)
            in_edges[n.index].append(len(edges) - 1)
    inputs = sorted((n.index for n in nodes if n.is_input), key=lambda i: nodes[i].name.name)
    return Graph(nodes, edges, out, inputs, out_edges, in_edges)


# ----------------------------------------------------------------------------- forward

def _bad(value: sp.Basic) -> bool:
    return value.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) or value.is_extended_real is False


def _settle(v: sp.Basic) -> sp.Basic:
    """An exact value while it stays small, else a 15-digit float (which must stay in the
    range of a double: SymPy would happily carry 10^(10^30), and take ages on sin of it)."""
    if v.is_Float:
        if abs(v) > 1e300:
            raise InputError("the forward pass overflows at this point (a value beyond 1e300)")
        return v
    if v.is_Rational:
        if len(str(v.p)) + len(str(v.q)) > MAX_EXACT_DIGITS:
            return sp.Float(v, 15)
        return v
    if tree_size(v) > MAX_EXACT_VALUE:
        return _settle(sp.Float(v.evalf(15), 15))
    return v


def forward(graph: Graph, point: Mapping[sp.Symbol, sp.Basic]) -> list[sp.Basic]:
    """Every node's value at ``point`` (inputs -> output), exact when the point is exact."""
    values: list[sp.Basic] = []
    for n in graph.nodes:
        if n.is_input:
            values.append(point[n.name])
            continue
        mapping = {graph.nodes[k].name: values[k] for k in n.operands}
        v = n.expr.xreplace(mapping)
        if _bad(v):
            at = ", ".join(f"{graph.nodes[k].name} = {short(values[k], 30)}" for k in n.operands)
            raise InputError(f"the forward pass is undefined at this point: {n.name} = "
                             f"{short(n.expr, 40)} at {at}")
        values.append(_settle(v))
    return values


def local_values(graph: Graph, values: Sequence[sp.Basic]) -> list[sp.Basic]:
    """Each edge's local derivative at the point."""
    mapping = {n.name: values[n.index] for n in graph.nodes}
    out = []
    for e in graph.edges:
        v = e.local.xreplace(mapping)
        if _bad(v):
            raise InputError(f"the local derivative d{graph.nodes[e.dst].name}/"
                             f"d{graph.nodes[e.src].name} = {short(e.local, 40)} is undefined "
                             "at this point")
        out.append(_settle(v))
    return out


# ----------------------------------------------------------------------------- backward

@dataclass(frozen=True)
class Adjoint:
    """dJ/dn for one node n: the edges to its consumers (one term each), the raw sum
    dJ/dc * dc/dn in the nodes' names, and its value at the point."""

    node: int
    edges: tuple[int, ...]
    raw: sp.Basic
    value: sp.Basic | None = None


def backward_order(graph: Graph) -> list[int]:
    """The backward pass's order: operations from the output back (reverse evaluation
    order), each input right after the last of its consumers (J, v, a, u, b, c)."""
    ops = [n.index for n in reversed(graph.nodes) if not n.is_input]
    position = {k: i for i, k in enumerate(ops)}
    after: dict[int, list[int]] = {}
    for k in (n.index for n in graph.nodes if n.is_input):
        last = max(position[graph.edges[e].dst] for e in graph.out_edges[k])
        after.setdefault(last, []).append(k)
    order: list[int] = []
    for i, k in enumerate(ops):
        order.append(k)
        order.extend(sorted(after.get(i, []), key=lambda j: graph.nodes[j].name.name))
    return order


def adjoint_symbol(graph: Graph, k: int) -> sp.Symbol:
    """The name dJ/dn stands for when its expression is too large to write inline."""
    return sp.Symbol(f"d{graph.nodes[graph.output].name}_d{graph.nodes[k].name}")


def backward(graph: Graph, local_vals: Sequence[sp.Basic] | None = None) -> dict[int, Adjoint]:
    """Reverse-mode accumulation: dJ/dJ = 1, then dJ/dn = sum_c dJ/dc dc/dn, in
    ``backward_order`` (each consumer's adjoint is complete before it is used)."""
    out: dict[int, Adjoint] = {}
    for k in backward_order(graph):
        if k == graph.output:
            out[k] = Adjoint(k, (), sp.S.One, sp.S.One if local_vals is not None else None)
            continue
        edges = tuple(graph.out_edges[k])
        terms, value = [], sp.S.Zero
        for e in edges:
            c = graph.edges[e].dst
            adj = out[c].raw
            if tree_size(adj) > MAX_INLINE:
                adj = adjoint_symbol(graph, c)
            terms.append(adj * graph.edges[e].local)
            if local_vals is not None:
                value = value + out[c].value * local_vals[e]
        out[k] = Adjoint(k, edges, sp.Add(*terms), value if local_vals is not None else None)
    return out


# ----------------------------------------------------------------------------- paths

@dataclass(frozen=True)
class Paths:
    """The paths output -> ... -> input (as lists of edge indices, output end first), at
    most ``MAX_PATHS`` of them; ``count`` is how many there are in all."""

    input: int
    paths: tuple[tuple[int, ...], ...]
    count: int

    @property
    def complete(self) -> bool:
        return len(self.paths) == self.count


def count_paths(graph: Graph) -> list[int]:
    """Number of paths from each node to the output (dynamic programming, linear)."""
    counts = [0] * len(graph.nodes)
    counts[graph.output] = 1
    for n in reversed(graph.nodes):
        if n.index != graph.output:
            counts[n.index] = sum(counts[graph.edges[e].dst] for e in graph.out_edges[n.index])
    return counts


def paths_to(graph: Graph, k: int, limit: int = MAX_PATHS,
             counts: Sequence[int] | None = None) -> Paths:
    """The paths from the output back to node ``k`` (at most ``limit``), each as its
    edges from the output end."""
    counts = counts if counts is not None else count_paths(graph)
    found: list[tuple[int, ...]] = []
    # depth-first from k towards the output; a path is the edges k -> ... -> output
    stack: list[tuple[int, tuple[int, ...]]] = [(k, ())]
    while stack and len(found) < limit:
        node, trail = stack.pop()
        if node == graph.output:
            found.append(tuple(reversed(trail)))
            continue
        for e in reversed(graph.out_edges[node]):
            stack.append((graph.edges[e].dst, trail + (e,)))
    return Paths(k, tuple(found), counts[k])


def path_product(graph: Graph, path: Iterable[int]) -> sp.Basic:
    """The product of the local derivatives along a path (unevaluated: factors as shown)."""
    factors = [graph.edges[e].local for e in path]
    return sp.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]


def path_value(path: Iterable[int], local_vals: Sequence[sp.Basic]) -> sp.Basic:
    value = sp.S.One
    for e in path:
        value = value * local_vals[e]
    return value


# ----------------------------------------------------------------------------- parts

# The graph kind writes its content as ordinary Steps (matcalc.kinds.graph); these records
# are the structured parts of those Steps (``Step.parts``), the pieces a renderer lays out.
# They hold expressions and numbers only: nothing in them needs the Graph to be read.

@dataclass(frozen=True)
class LocalTerm:
    """One term dJ/dc * dc/dn of a backward-pass step: the edge n -> c.

    ``operation`` is c's operation in the nodes' names (``3*v``), ``local`` the local
    derivative dc/dn (in the nodes' names, by rule ``rule``), ``local_value`` its value
    at the point (None without one); ``edge`` the edge's index in ``Derivation.edges``.
    """

    edge: int
    consumer: sp.Symbol
    operand: sp.Symbol
    operation: sp.Basic
    local: sp.Basic
    rule: str
    local_value: sp.Basic | None = None


@dataclass(frozen=True)
class AdjointPart:
    """The equation of one backward-pass step: dJ/dn = sum over ``terms`` of
    dJ/d(consumer) * local = the Step's ``result`` (tidied) = ``value`` at the point.

    ``raw`` is the sum as accumulated, with large adjoints referred to by names (dJ_du);
    ``tidy`` says whether the Step's result may be printed (small graphs), else renderers
    print ``raw`` (linear in size). ``is_output``: dJ/dJ = 1, the start of the pass.
    """

    output: sp.Symbol
    node: sp.Symbol
    terms: tuple[LocalTerm, ...]
    raw: sp.Basic
    tidy: bool
    value: sp.Basic | None = None
    is_output: bool = False


@dataclass(frozen=True)
class PathPart:
    """One path from the output back to an input: its nodes (output first), the local
    derivatives along it (output end first) and their product's value at the point."""

    route: tuple[sp.Symbol, ...]
    factors: tuple[sp.Basic, ...]
    value: sp.Basic | None = None


@dataclass(frozen=True)
class PathSumPart:
    """The paths from ``output`` to ``input``: ``count`` in all, the first ``paths`` of
    them listed (all of them when ``complete``); the Step's result is their sum."""

    output: sp.Symbol
    input: sp.Symbol
    count: int
    paths: tuple[PathPart, ...]

    @property
    def complete(self) -> bool:
        return len(self.paths) == self.count
