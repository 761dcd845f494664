"""The chain rule, presented the way the notes do it.

A nested composition y = f_k(...f_2(f_1(x))) is read as a chain of *links* (nodes with one
argument that depends on x: f(u), u^c, a^u, log_b(u), max(c, u)). The derivation names
intermediate variables u_1 = innermost, u_2 = f(u_1), ..., differentiates each link with
respect to its own input, multiplies (dy/dx = dy/du_k ... du_2/du_1 du_1/dx) and
substitutes back.

A chain of one outer function of an inner function that is linear in x (its derivative,
derived by the engine's own steps, does not depend on x: 3x, -x, 2x + 1, 1 - x) is, under
the default detail ("normal", ``Options.detail``), one step by the rule ``linear_chain``:
d/dx f(a x + b) = a f'(a x + b), saying what a is. Detail "full" keeps the whole chain
(intermediate variable, local derivatives, product, substitution). The result is the same
expression either way: both are built by the same local rule and the same product.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Callable

import sympy as sp

from ..engine.dag import product as multiply, substitute_all
from ..engine.solver import short
from ..engine.step import Slope, Step
from ..functions import is_abstract, prime
from .elementary import lookup

if TYPE_CHECKING:
    from ..engine.solver import Solver


@dataclass(frozen=True)
class Link:
    """A node ``node`` = outer(inner) whose only x-dependent operand is ``inner``.

    ``local(u)`` gives (rule name, d outer(u)/du, description).
    """

    node: sp.Expr
    inner: sp.Expr
    outer: Callable[[sp.Symbol], sp.Expr]
    local: Callable[[sp.Symbol], tuple[str, sp.Expr, str]]

    def local_step(self, u: sp.Symbol) -> Step:
        """The Step d outer(u)/du = ..., by the link's own rule."""
        expr = self.node if u == self.inner else self.outer(u)
        rule, result, description = self.local(u)
        return Step(rule, "derivative", expr, result, description, u)


def as_link(solver: "Solver", node: sp.Basic, var: sp.Symbol) -> Link | None:
    """Read ``node`` as a link of a chain, or None (sums, products, several dependent operands)."""
    if isinstance(node, sp.Pow):
        base, exp = node.args
        bd, ed = solver.depends(base, var), solver.depends(exp, var)
        if bd and not ed:
            return Link(node, base, lambda u: u ** exp, lambda u: _power_local(u, exp))
        if ed and not bd:
            return Link(node, exp, lambda u: base ** u,
                        lambda u: ("exponential", base ** u * sp.log(base),
                                   f"Exponential rule: d/d{u} a^{u} = a^{u} ln(a), with a = {short(base)}."))
        return None
    if isinstance(node, (sp.Max, sp.Min)):
        dep = [a for a in node.args if solver.depends(a, var)]
        if len(dep) != 1:
            return None
        g = dep[0]
        others = [a for a in node.args if a is not g]
        func = type(node)
        return Link(node, g, lambda u: func(u, *others), lambda u: _maxmin_local(func, u, others))
    if is_abstract(node) and len(node.args) == 1:
        if not solver.depends(node.args[0], var):
            return None
        func, derived = type(node), prime(type(node))
        name = func.__name__
        return Link(node, node.args[0], lambda u: func(u),
                    lambda u: ("abstract_function", derived(u),
                               f"Unknown function: d/d{u} {name}({u}) = {name}'({u})."))
    entry = lookup(type(node)) if isinstance(node, sp.Function) else None
    if entry is None or not node.args:
        return None
    first, params = node.args[0], node.args[1:]
    if not solver.depends(first, var) or any(solver.depends(p, var) for p in params):
        return None
    func = type(node)
    rule = entry.rule

    def local(u: sp.Symbol) -> tuple[str, sp.Expr, str]:
        note = f" {rule.note}" if rule.note else ""
        return rule.name, entry.d(u, *params), f"{rule.title.capitalize()}: {rule.identity}.{note}"

    return Link(node, first, lambda u: func(u, *params), local)


def _power_local(u: sp.Symbol, exp: sp.Expr) -> tuple[str, sp.Expr, str]:
    if exp == sp.S.Half:
        return "sqrt", 1 / (2 * sp.sqrt(u)), f"Square-root rule: d/d{u} sqrt({u}) = 1/(2 sqrt({u}))."
    kind = " (negative exponent)" if exp.is_negative else (
        " (rational exponent)" if exp.is_Rational and not exp.is_Integer else "")
    return ("power", exp * u ** (exp - 1),
            f"Power rule{kind}: bring down the exponent {short(exp)} and lower it by one.")


def _maxmin_local(func: type, u: sp.Symbol, others: list) -> tuple[str, sp.Expr, str]:
    from ..functions import step
    if func is sp.Max:
        result = sp.Mul(*[step(u - c) for c in others])
        return ("max", result, f"Maximum rule: d/d{u} max({', '.join(map(short, others))}, {u}) = 1 where "
                f"{u} is the largest, else 0; 0 at a tie (PyTorch/JAX convention, relu'(0) = 0).")
    result = sp.Mul(*[step(c - u) for c in others])
    return ("min", result, f"Minimum rule: d/d{u} min({', '.join(map(short, others))}, {u}) = 1 where "
            f"{u} is the smallest, else 0; 0 at a tie (PyTorch/JAX convention).")


def chain_rule(solver: "Solver", expr: sp.Expr, var: sp.Symbol) -> Step:
    """dy/dx = dy/du_k ... du_2/du_1 du_1/dx, with intermediate variables named u_1 ... u_k."""
    links: list[Link] = []
    node = expr
    while True:
        link = as_link(solver, node, var)
        if link is None or link.inner == var:
            break
        links.append(link)
        node = link.inner
    innermost = node
    k = len(links)
    us = [solver.fresh() for _ in range(k)]
    # u_1 = innermost; u_{j+1} = links[k-j].outer(u_j); y = links[0].outer(u_k).
    definitions = [(us[0], innermost)]
    actual = {us[0]: innermost}
    for j in range(1, k):
        link = links[k - j]
        definitions.append((us[j], link.outer(us[j - 1])))
        actual[us[j]] = link.node
    top = links[0].outer(us[k - 1])
    names = ", ".join(str(u) for u in us)
    define = Step("intermediate_variables", "define", expr, top,
                  f"Introduce intermediate variable{'s' if k > 1 else ''} {names}, "
                  "one per nested function.", var, definitions=tuple(definitions))
    known = len(solver.memo)
    inner_step = solver.derive(innermost, var)
    if k == 1 and solver.detail != "full" and links[0].local(us[0])[0] not in ("max", "min") \
            and not solver.depends(inner_step.result, var) and inner_step.result != 0:
        # the inner derivation is not shown: forget what it recorded in the memo (a later
        # reuse must point at a step the tree holds) and give back the unused name u_k
        for key in list(islice(reversed(solver.memo), len(solver.memo) - known)):
            del solver.memo[key]
        solver.release(us[0])
        return _linear_chain(expr, links[0], inner_step.result, var)
    # Local derivatives from the inside out, as the notes list them.
    local_steps = [links[k - j].local_step(us[j - 1]) for j in range(1, k)]
    local_steps.append(links[0].local_step(us[k - 1]))
    factors = [s.result for s in reversed(local_steps)] + [inner_step.result]
    product = Step("chain_product", "rewrite", sp.Mul(*factors, evaluate=False), sp.Mul(*factors),
                   "Chain rule: multiply the local derivatives, outermost first.", var)
    substituted = multiply([*substitute_all((s.result for s in reversed(local_steps)), actual),
                            inner_step.result])
    back = Step("substitute", "rewrite", product.result, substituted,
                f"Substitute back {names} in terms of {var}.", var)
    children = (define, inner_step, *local_steps, product, back)
    return Step("chain", "derivative", expr, substituted,
                f"Chain rule through {k + 1} nested functions.", var, children,
                definitions=tuple(definitions))


def _linear_chain(expr: sp.Expr, link: Link, a: sp.Basic, var: sp.Symbol) -> Step:
    """d/dx f(a x + b) = a f'(a x + b) as one step: ``a``, the inner function's derivative
    derived by the engine's own steps, does not depend on ``var``. The result is built as
    the full chain builds it (the link's local rule, substituted back, times a)."""
    u = sp.Dummy("u")
    rule, local, _ = link.local(u)
    result = multiply([*substitute_all([local], {u: link.inner}), a])
    shown = sp.Symbol("u")                    # the outer function's argument, as the text says
    f, f_prime = (e.subs(u, shown) for e in (link.outer(u), local))
    return Step("linear_chain", "derivative", expr, result,
                f"Chain rule, linear inner function: d/d{var} f(a{var} + b) = a f'(a{var} + b), "
                f"with f(u) = {short(f)}, f'(u) = {short(f_prime)} and a = d/d{var} ({short(link.inner)}) = {short(a)}.", var,
                parts=(Slope(a, link.inner, rule),))
