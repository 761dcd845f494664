"""Kind ``graph``: the computation graph of an expression, ``graph(expr, at=...)``.

The graph is built from the expression *as written* (3*(a + b*c) keeps
J = 3v, which SymPy would distribute into 3a + 3bc), with one node per elementary
operation; the forward pass evaluates it at ``at`` (exactly when the values are exact);
the backward pass accumulates dJ/dn over the edges (reverse-mode autodiff, a sum over
the paths at every fan-out); the paths from the output to every input are listed with
their products (the total-derivative chain rule). The results dJ/d(input), written in
the inputs and simplified, are verified numerically like ``gradient``'s.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Union

import sympy as sp

from ..engine.dag import as_basic, free_symbols, rebuild, substitute, tree_size
from ..engine.graph import (Adjoint, AdjointPart, Graph, LocalTerm, PathPart, PathSumPart,
                            Paths, backward, backward_order, build_graph, count_paths, forward,
                            local_values, path_product, path_value, paths_to)
from ..engine.intermediates import Intermediates
from ..engine.simplify import simplify_step
from ..engine.solver import short
from ..engine.step import Step, by_name
from ..errors import InputError
from ..options import Options
from ..pipeline import Built, Plugin
from ..rules import find_rule
from .request import Request, Where, as_expr, as_where

#: --at: "a=5, b=3, c=2" or a mapping name -> number.
Point = Union[str, Mapping[Union[str, sp.Symbol], Any]]

#: Graphs with at most this many operations get every dJ/dn tidied by SymPy's simplify
#: (work-budgeted); larger ones keep the raw sums, so the backward pass stays linear.
TIDY_MAX_OPS = 40
#: ... and only expressions up to this tree size are tidied.
TIDY_MAX_SIZE = 60
#: The wall-clock safety net of tidying one dJ/dn, in seconds. What is tidied is decided
#: by size and by the simplify step's work budget (engine.simplify), never by the clock: a
#: 0.25 s limit here made the tidied form depend on how busy the machine was.
TIDY_SECONDS = 5.0


@dataclass
class _Analysis:
    """What ``graph`` computes before writing the Steps (never stored on the Derivation:
    the Steps carry everything renderers show, see :mod:`matcalc.engine.graph`'s parts).

    ``values``/``local_values`` are None without a point. ``adjoints[k]`` is the raw sum
    of the backward pass; ``shown[k]`` the same dJ/dn with matcalc's own intermediate
    names substituted back and tidied (the user's --where names are kept, as the notes
    keep a and z: dL/dz = a - y); ``order`` is the backward pass's order; ``paths`` maps
    each input to its paths and ``path_sums`` to their sum, written as ``shown``;
    ``tidy``: a small graph, whose ``shown`` forms are printed (else the raw sums).
    """

    graph: Graph
    point: dict[sp.Symbol, sp.Basic] | None
    values: list[sp.Basic] | None
    local_values: list[sp.Basic] | None
    adjoints: dict[int, Adjoint]
    shown: dict[int, sp.Basic]
    order: list[int]
    paths: dict[int, Paths]
    path_sums: dict[int, sp.Basic]
    written: sp.Basic
    tidy: bool = True

    @property
    def out(self) -> sp.Symbol:
        return self.graph.nodes[self.graph.output].name


def _tidy(expr: sp.Basic, small: bool) -> sp.Basic:
    """A simpler form of dJ/dn when it is clearly simpler (at most half the operations:
    a(1 - a)(-y/a + (1 - y)/(1 - a)) becomes a - y, but -y/a + (1 - y)/(1 - a) stays the
    sum of the two paths rather than one fraction)."""
    if not small or expr.is_Atom or tree_size(expr) > TIDY_MAX_SIZE:
        return expr
    simpler = simplify_step(expr, None, TIDY_SECONDS, TIDY_MAX_SIZE).result
    if simpler is expr or sp.count_ops(simpler) * 2 <= sp.count_ops(expr):
        return simpler
    return expr


def _structure(expr: str | sp.Basic, opts: Options) -> sp.Basic:
    if isinstance(expr, str):
        from ..parse.point import parse_structure
        return parse_structure(expr, opts.limits)
    return expr


def _definitions(where: Where | None, f: sp.Basic, opts: Options):
    """(Intermediates checked and ordered on the evaluated definitions, the definitions
    as written in that order)."""
    if where is None:
        return None, []
    from ..engine.intermediates import order_intermediates
    pairs = as_where(where, opts)
    inter = order_intermediates(pairs, [f])
    if isinstance(where, str):
        from ..parse.point import parse_structure_assignments
        written = dict(parse_structure_assignments(where, opts.limits))
    else:
        written = dict(pairs)
    return inter, [(g, written[g]) for g in inter.names]


def _as_point(at: Point | None, g: Graph, where_names: set[str],
              opts: Options) -> dict[sp.Symbol, sp.Basic] | None:
    if at is None:
        return None
    if isinstance(at, str):
        from ..parse.point import parse_point
        pairs = parse_point(at, opts.limits)
    elif isinstance(at, Mapping):
        pairs = []
        for key, value in at.items():
            name = key.name if isinstance(key, sp.Symbol) else key
            if not isinstance(name, str) or not name.isidentifier():
                raise InputError(f"at: expected variable names, got {key!r}")
            try:
                v = as_basic(value)
            except TypeError:
                raise InputError(f"at: the value of '{name}' must be a number") from None
            if free_symbols(v) or not v.is_number:
                raise InputError(f"at: the value of '{name}' must be a number")
            pairs.append((sp.Symbol(name), v))
    else:
        raise InputError("at: expected \"a=5, b=3\" or a mapping name -> number")
    inputs = {g.nodes[k].name.name: g.nodes[k].name for k in g.inputs}
    names = ", ".join(sorted(inputs))
    point: dict[sp.Symbol, sp.Basic] = {}
    for sym, value in pairs:
        if sym.name in where_names:
            raise InputError(f"--at: '{sym.name}' is an intermediate variable (defined in "
                             f"--where); give the inputs' values ({names})")
        if sym.name not in inputs:
            raise InputError(f"--at: '{sym.name}' is not a variable of the expression "
                             f"(its variables: {names})")
        if value.is_extended_real is False:
            raise InputError(f"--at: the value of '{sym.name}' is not a real number")
        point[inputs[sym.name]] = value
    missing = [n for n in sorted(inputs) if inputs[n] not in point]
    if missing:
        raise InputError(f"--at gives no value for {', '.join(missing)} (every input needs "
                         f"one: {names}); leave --at out for the symbolic derivation")
    return point


def _fmt(expr: sp.Basic) -> str:
    return short(expr, 70)


def _factor(expr: sp.Basic) -> str:
    """An expression as a factor of a product, in parentheses when it needs them."""
    text = _fmt(expr)
    return f"({text})" if (isinstance(expr, sp.Add) or text.startswith("-")) else text


def _d(out: sp.Symbol, n: sp.Symbol) -> str:
    return f"d{out}/d{n}"


@dataclass(frozen=True)
class Problem:
    text: str
    full: sp.Basic                        # the function, intermediates substituted
    inter: Intermediates | None
    graph: Graph
    structure: sp.Basic                   # the expression as written (not evaluated)
    point: dict[sp.Symbol, sp.Basic] | None
    options: Options


def read(request: Request) -> Problem:
    """The expression as written (one node per operation), the intermediates, the point."""
    opts, expr = request.options, request.subject
    name = request.get("name")
    if name is not None:
        from ..edge import check_name
        name = check_name(name, "name")       # the rules of variable names (not sin, lambda)
    f, text = as_expr(expr, opts)
    inter, written = _definitions(request.get("where"), f, opts)
    full = inter.expand(f) if inter is not None else f
    structure = _structure(expr, opts)
    g = build_graph(structure, written, name, rules=find_rule)
    where_names = {s.name for s in inter.names} if inter is not None else set()
    point = _as_point(request.get("at"), g, where_names, opts)
    return Problem(text, full, inter, g, structure, point, opts)


def build(p: Problem) -> Built:
    """Forward pass, backward pass (dJ/dn summed over the edges out of n), the paths to
    every input with their products, substitution back and simplify per input."""
    g, point, opts, inter, full = p.graph, p.point, p.options, p.inter, p.full
    where_names = {s.name for s in inter.names} if inter is not None else set()
    structure = p.structure
    values = forward(g, point) if point is not None else None
    lvals = local_values(g, values) if values is not None else None
    adjoints = backward(g, lvals)
    order = backward_order(g)
    small = len(g.ops) <= TIDY_MAX_OPS
    tidy = small and opts.simplify          # --no-simplify: the raw sums, as accumulated

    # matcalc's own names (u, v, u1 ...) are substituted back; the user's --where names stay.
    # A big graph's expressions are DAGs: built unevaluated (SymPy's evaluation would walk
    # them path by path, exponentially).
    put = substitute if small else _put_unevaluated
    readable: dict[sp.Symbol, sp.Basic] = {}
    for n in g.nodes:
        if not n.is_input and n.name.name not in where_names:
            readable[n.name] = put(n.expr, readable)

    def plain(e: sp.Basic) -> sp.Basic:
        return put(e, readable)

    shown: dict[int, sp.Basic] = {}
    for k in order:
        if k == g.output:
            shown[k] = sp.S.One
            continue
        terms = [sp.Mul(shown[g.edges[e].dst], plain(g.edges[e].local), evaluate=small)
                 for e in g.out_edges[k]]
        shown[k] = _tidy(sp.Add(*terms, evaluate=small), tidy)

    counts = count_paths(g)
    paths = {k: paths_to(g, k, counts=counts) for k in g.inputs}
    path_sums: dict[int, sp.Basic] = {}
    for k, q in paths.items():
        if q.complete and small:
            total = sp.Add(*[sp.Mul(*[plain(g.edges[e].local) for e in path]) for path in q.paths])
            path_sums[k] = _tidy(total, tidy)
        else:
            path_sums[k] = shown[k]

    analysis = _Analysis(g, point, values, lvals, adjoints, shown, order, paths, path_sums,
                         structure, small)
    inputs = [g.nodes[k].name for k in g.inputs]
    expand = dict(inter.expanded) if inter is not None else {}
    steps = _steps(analysis, full, expand, opts)
    results: dict[str, sp.Basic] = {}
    for k in g.inputs:
        results[g.nodes[k].name.name] = _final_of(steps, g.nodes[k].name, shown[k], expand)
    answer = (results[inputs[0].name] if len(inputs) == 1 else
              sp.ImmutableMatrix([[results[x.name] for x in inputs]]))
    return Built("graph", p.text, full, tuple(inputs), tuple(steps), results, answer,
                 attachments={"nodes": tuple(g.nodes), "edges": tuple(g.edges)})


def check(p: Problem, built: Built):
    from ..verify.check import check_entries
    g, o = p.graph, p.options
    inputs = list(built.wrt)
    out = g.nodes[g.output].name
    entries = [(_d(out, x), p.full, built.results[x.name], x) for x in inputs]
    return check_entries(entries, sorted(inputs, key=by_name), points=o.points,
                         rtol=o.rtol, atol=o.atol, seed=o.seed, unit="input")


PLUGIN = Plugin("graph", read, build, check)


def _put_unevaluated(expr: sp.Basic, mapping: dict[sp.Symbol, sp.Basic]) -> sp.Basic:
    """``substitute`` without SymPy's evaluation (linear on DAGs)."""
    return rebuild(expr, lambda n: mapping.get(n) if isinstance(n, sp.Symbol) else None,
                   build=_unevaluated)


def _unevaluated(node: sp.Basic, args: tuple) -> sp.Basic:
    try:
        return node.func(*args, evaluate=False)
    except TypeError:                    # a class that takes no evaluate keyword
        return node.func(*args)


def _final_of(steps: list[Step], var: sp.Symbol, shown: sp.Basic,
              expand: dict[sp.Symbol, sp.Basic]) -> sp.Basic:
    for s in reversed(steps):
        if s.rule in ("simplify", "substitute") and s.wrt == var:
            return s.result
    return substitute(shown, expand)


def _steps(a: _Analysis, full: sp.Basic, expand: dict[sp.Symbol, sp.Basic],
           opts: Options) -> list[Step]:
    """The graph kind's Steps: the graph (its definitions the operations), the forward
    pass (its definitions every node's value: the inputs in the order given, then the
    operations in evaluation order), the backward pass (one child per node, each with an
    ``AdjointPart``), one sum over paths per input (a ``PathSumPart``), then per input
    the substitution of --where names and the simplify step."""
    g = a.graph
    out = a.out
    ops = [n for n in g.nodes if not n.is_input]
    steps = [Step("computation_graph", "define", a.written, out,
                  f"One node per elementary operation ({len(ops)} operation"
                  f"{'s' if len(ops) != 1 else ''} on {len(g.inputs)} input"
                  f"{'s' if len(g.inputs) != 1 else ''}); a sub-expression used twice is "
                  "one node.", definitions=tuple((n.name, n.expr) for n in ops))]
    if a.values is not None and a.point is not None:
        values = [(s, a.point[s]) for s in a.point]
        values += [(n.name, a.values[n.index]) for n in ops]
        steps.append(Step("forward_pass", "define", a.written, a.values[g.output],
                          "Forward pass: evaluate the nodes in order, inputs first.",
                          definitions=tuple(values)))
    backward_steps = [adjoint_step(a, k) for k in a.order]
    inputs = [g.nodes[k].name for k in g.inputs]
    steps.append(Step("backward_pass", "derivative", out,
                      sp.ImmutableMatrix([[a.shown[k] for k in g.inputs]]),
                      f"Backward pass from {out} (d{out}/d{out} = 1): each node's derivative "
                      f"is the sum, over the nodes that use it, of d{out}/d(user) times the "
                      "local derivative on the edge.", children=tuple(backward_steps),
                      variables=tuple(inputs)))
    for k in g.inputs:
        p = a.paths[k]
        x = g.nodes[k].name
        products = [path_product(g, path) for path in p.paths]
        shown_sum = sp.Add(*products, evaluate=False) if len(products) > 1 else products[0]
        listed = ("" if p.complete else
                  f" (the first {len(p.paths)} of {p.count} paths are listed; the backward "
                  "pass sums all of them)")
        routes = "; ".join(" -> ".join(str(n) for n in route_names(g, path)) for path in p.paths)
        part = PathSumPart(out, x, p.count, tuple(
            PathPart(tuple(route_names(g, path)), tuple(g.edges[e].local for e in path),
                     path_value(path, a.local_values) if a.local_values is not None else None)
            for path in p.paths))
        steps.append(Step("path_sum", "rewrite", shown_sum, a.path_sums[k],
                          f"{_d(out, x)}: {p.count} path{'s' if p.count != 1 else ''} from "
                          f"{out} to {x} ({routes}); multiply the local derivatives along "
                          f"each path and add{listed}.", x, parts=(part,)))
    for k in g.inputs:
        x = g.nodes[k].name
        raw = a.shown[k]
        if expand:
            back = (substitute if a.tidy else _put_unevaluated)(raw, expand)
            if back != raw:
                names = ", ".join(s.name for s in expand)
                steps.append(Step("substitute", "rewrite", raw, back,
                                  f"Substitute back {names} in terms of the inputs.", x))
                raw = back
        if opts.simplify:
            steps.append(simplify_step(raw, x, opts.simplify_timeout, opts.simplify_max_size))
    return steps


def route_names(g: Graph, path: tuple[int, ...]) -> list[sp.Symbol]:
    """The nodes along a path, output first."""
    if not path:
        return [g.nodes[g.output].name]
    return [g.nodes[g.edges[path[0]].dst].name] + [g.nodes[g.edges[e].src].name for e in path]


def adjoint_step(a: _Analysis, k: int) -> Step:
    """dJ/dn as a Step: 'variable' for the output (dJ/dJ = 1), 'chain' for one consumer,
    'total_derivative' for several (the sum over the paths); the local derivatives from
    the rule engine are its children, its ``AdjointPart`` the equation's pieces."""
    g = a.graph
    out = a.out
    n = g.nodes[k].name
    adj = a.adjoints[k]
    if k == g.output:
        part = AdjointPart(out, out, (), sp.S.One, True, adj.value, is_output=True)
        return Step("variable", "derivative", out, sp.S.One,
                    f"Start the backward pass: {_d(out, out)} = 1.", out, parts=(part,))
    # a big graph's dJ/dn in the inputs is a DAG: describe it by its bounded raw sum
    written = a.shown if a.tidy else {j: adj_.raw for j, adj_ in a.adjoints.items()}
    edges = [g.edges[e] for e in adj.edges]
    formula = " + ".join(
        f"{_d(out, g.nodes[e.dst].name)} * {_d(g.nodes[e.dst].name, n)}" if e.dst != g.output
        else f"d/d{n} ({_fmt(g.nodes[e.dst].expr)})" for e in edges)
    terms = " + ".join(
        (f"{_factor(written[e.dst])} * " if e.dst != g.output else "") + _factor(e.local)
        for e in edges)
    members = [_d(out, n), formula, terms, _fmt(written[k])]
    text = " = ".join(m for i, m in enumerate(members) if i == 0 or m != members[i - 1])
    if a.values is not None:
        text += f"; at the point: {_fmt(adj.value)}"
    if len(edges) > 1:
        rule = "total_derivative"
        text += f" (sum over the {len(edges)} edges out of {n}: {n} is used {len(edges)} times)"
    else:
        rule = "chain"
    part = AdjointPart(out, n, tuple(
        LocalTerm(i, g.nodes[e.dst].name, n, g.nodes[e.dst].expr, e.local, e.rule,
                  a.local_values[i] if a.local_values is not None else None)
        for i, e in zip(adj.edges, edges)), adj.raw, a.tidy, adj.value)
    return Step(rule, "derivative", out, a.shown[k], text + ".", n,
                tuple(e.step for e in edges), parts=(part,))
