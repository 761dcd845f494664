"""Structural rules: push a derivative one step through a node.

Each function takes the solver, a node and the variable, and returns one Step whose
children are the sub-derivations it asked the solver for. Rules never recurse on their own
and never simplify: the solver owns recursion, memo and limits.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import sympy as sp

from ..engine.solver import short
from ..engine.step import Deferred, Step
from .chain import as_link, chain_rule
from .elementary import lookup

if TYPE_CHECKING:
    from ..engine.solver import Solver

RuleFn = Callable[["Solver", sp.Expr, sp.Symbol], Step]


def d(var: sp.Symbol) -> str:
    """'d/dx' for messages."""
    return f"d/d{var}"


#: The terms of a sum free of the variable, shown as one constant-rule step when there
#: are at most this many (d/dx (2y + 5z) = 0); more are named in the sum rule's words only
#: (an n-term f_i of a dense Jacobian would otherwise hold n terms in each of n^2 entries).
MAX_SHOWN_FREE = 3


def sum_rule(solver: "Solver", expr: sp.Add, var: sp.Symbol) -> Step:
    """d/dx [f + g + ...] = df/dx + dg/dx + ...; the terms free of x contribute 0, all of
    them together in one step.

    Only the terms holding x are differentiated one by one (the solver's index of the
    sum's terms by symbol), so the steps of d/dx_j sum_k t_k are proportional to the terms
    that contain x_j, not to the length of the sum. A constant number term is dropped
    silently (as in x^2 + 3x + 5); the other free terms (2y + 5z in d/dx (3x + 2y + 5z))
    are one constant-rule step when few, else one sentence of the sum rule."""
    terms = solver.dependent_args(expr, var)
    children = [solver.derive(t, var) for t in terms]
    args = expr.args
    dropped = len(args) - len(terms)
    number = 1 if args[0].is_Number else 0          # an Add keeps its number first
    free = dropped - number                         # terms with symbols, none of them var
    if free == 0:
        note = (f"; {dropped} constant term{'s contribute' if dropped > 1 else ' contributes'} 0"
                if dropped else "")
    else:
        if free <= MAX_SHOWN_FREE:
            rest = tuple(a for a in args[number:] if not solver.depends(a, var))
            lump = rest[0] if free == 1 else sp.Add(*rest, evaluate=False)
            children.append(Step("free_terms", "derivative", lump, sp.S.Zero,
                                 Deferred(_free_terms_text, lump, free, var), var))
        what = ("the other term does not contain" if dropped == 1 else
                f"the other {dropped} terms do not contain")
        note = f"; {what} {var}: {'its' if dropped == 1 else 'their'} derivative is 0"
    return Step("sum", "derivative", expr, sp.Add(*[c.result for c in children]),
                f"Sum rule: differentiate term by term{note}.", var, tuple(children))


def _free_terms_text(lump: sp.Expr, count: int, var: sp.Symbol) -> str:
    which = "the term" if count == 1 else f"the {count} terms of"
    return (f"Terms free of {var}: {which} {short(lump)} "
            f"{'does' if count == 1 else 'do'} not contain {var}, so together they contribute 0.")


def _split_constant(solver: "Solver", expr: sp.Mul, var: sp.Symbol) -> tuple[list, list]:
    dep = list(solver.dependent_args(expr, var))
    if len(dep) == len(expr.args):
        return [], dep
    held = set(map(id, dep))
    return [f for f in expr.args if id(f) not in held], dep


def mul_rule(solver: "Solver", expr: sp.Mul, var: sp.Symbol) -> Step:
    """Constant multiple d[c f] = c df, quotient or product rule, by the factors' dependence on x."""
    const, dep = _split_constant(solver, expr, var)
    if const:
        g = dep[0] if len(dep) == 1 else sp.Mul(*dep)
        child = solver.derive(g, var)
        return Step("constant_multiple", "derivative", expr, sp.Mul(*const, child.result),
                    Deferred(_constant_multiple_text, tuple(const), var), var, (child,))
    num = [f for f in dep if not _is_denominator(f)]
    den = [1 / f for f in dep if _is_denominator(f)]
    if num and den:
        return quotient_rule(solver, expr, sp.Mul(*num), sp.Mul(*den), var)
    return product_rule(solver, expr, dep, var)


def _is_denominator(f: sp.Expr) -> bool:
    return f.is_Pow and f.exp.is_Number and f.exp.is_negative


def product_rule(solver: "Solver", expr: sp.Expr, factors: list, var: sp.Symbol) -> Step:
    """d/dx [f1 f2 ... fk] = sum_i f1 ... fi' ... fk."""
    children = tuple(solver.derive(f, var) for f in factors)
    terms = [sp.Mul(*factors[:i], c.result, *factors[i + 1:]) for i, c in enumerate(children)]
    return Step("product", "derivative", expr, sp.Add(*terms),
                f"Product rule over {len(factors)} factors: differentiate one factor at a time, "
                "keep the others.", var, children)


def quotient_rule(solver: "Solver", expr: sp.Expr, f: sp.Expr, g: sp.Expr, var: sp.Symbol) -> Step:
    """d/dx [f/g] = (f' g - f g') / g^2."""
    df, dg = solver.derive(f, var), solver.derive(g, var)
    result = (df.result * g - f * dg.result) / g ** 2
    return Step("quotient", "derivative", expr, result, Deferred(_quotient_text, f, g), var,
                (df, dg))


def _quotient_text(f: sp.Expr, g: sp.Expr) -> str:
    return f"Quotient rule with numerator {short(f)} and denominator {short(g)}."


def _constant_multiple_text(const: tuple[sp.Expr, ...], var: sp.Symbol) -> str:
    c = " * ".join(short(f, 40) for f in const)
    return f"Constant multiple rule: {c} does not depend on {var}, so it stays as a factor."


def pow_rule(solver: "Solver", expr: sp.Pow, var: sp.Symbol) -> Step:
    """x^n (power, sqrt), a^x (exponential), f^g (logarithmic differentiation), or the chain rule."""
    base, exp = expr.args
    base_dep, exp_dep = solver.depends(base, var), solver.depends(exp, var)
    if base_dep and exp_dep:
        return general_power(solver, expr, var)
    inner = base if base_dep else exp
    if inner != var:
        return chain_rule(solver, expr, var)
    if base_dep:
        if exp == sp.S.Half:
            return Step("sqrt", "derivative", expr, 1 / (2 * sp.sqrt(var)),
                        f"Square-root rule: d/d{var} sqrt({var}) = 1/(2 sqrt({var})).", var)
        kind = " (negative exponent)" if exp.is_negative else (
            " (rational exponent)" if exp.is_Rational and not exp.is_Integer else "")
        return Step("power", "derivative", expr, exp * var ** (exp - 1),
                    f"Power rule{kind}: bring down the exponent {short(exp)} and lower it by one.", var)
    return Step("exponential", "derivative", expr, expr * sp.log(base),
                f"Exponential rule: d/d{var} a^{var} = a^{var} ln(a), with a = {short(base)}.", var)


def general_power(solver: "Solver", expr: sp.Pow, var: sp.Symbol) -> Step:
    """y = f^g: ln y = g ln f, so y' = f^g d/dx[g ln f] (logarithmic differentiation)."""
    f, g = expr.args
    child = solver.derive(g * sp.log(f), var)
    return Step("general_power", "derivative", expr, expr * child.result,
                f"Logarithmic differentiation: both base and exponent depend on {var}; "
                f"ln y = ({short(g)}) ln({short(f)}), so dy/d{var} = y d/d{var}[({short(g)}) "
                f"ln({short(f)})].", var, (child,))


def function_rule(solver: "Solver", expr: sp.Function, var: sp.Symbol) -> Step:
    """An elementary function f(x) from the table, or the chain rule for f(g(x))."""
    link = as_link(solver, expr, var)
    if link is None:
        return multi_argument_rule(solver, expr, var)
    if link.inner != var:
        return chain_rule(solver, expr, var)
    return link.local_step(var)


def multi_argument_rule(solver: "Solver", expr: sp.Function, var: sp.Symbol) -> Step:
    """max/min of several dependent arguments, or log_b(f) with a base that depends on x."""
    from ..errors import NoRuleError
    from ..functions import logb
    if isinstance(expr, logb):
        f, b = expr.args
        rewritten = sp.log(f) / sp.log(b)
        child = solver.derive(rewritten, var)
        return Step("change_of_base", "derivative", expr, child.result,
                    f"The base depends on {var}: rewrite log_b(f) = ln(f)/ln(b) and differentiate.",
                    var, (child,))
    if isinstance(expr, (sp.Max, sp.Min)):
        args = list(expr.args)
        children = tuple(solver.derive(a, var) for a in args)
        cmp = (lambda a, b: a - b) if isinstance(expr, sp.Max) else (lambda a, b: b - a)
        terms = []
        for i, (a, c) in enumerate(zip(args, children)):
            # Ties split the derivative evenly: H(0) = 1/2 (torch.maximum, jnp.maximum).
            wins = sp.Mul(*[sp.Heaviside(cmp(a, b), sp.S.Half)
                            for j, b in enumerate(args) if j != i])
            terms.append(wins * c.result)
        name = "max" if isinstance(expr, sp.Max) else "min"
        return Step(name, "derivative", expr, sp.Add(*terms),
                    f"{name.capitalize()} rule: the derivative of the "
                    f"{'largest' if name == 'max' else 'smallest'} argument; at a tie the "
                    "derivative is split evenly (the convention of torch.maximum and jnp.maximum).",
                    var, children)
    partials = _partials(expr)
    if partials is not None:
        return multivariable_chain(solver, expr, var, partials)
    from ..functions import is_abstract
    if is_abstract(expr):
        raise NoRuleError(f"partial derivatives of the unknown function {type(expr).__name__} "
                          "of several arguments are not supported yet", expr)
    raise NoRuleError(f"no rule for {type(expr).__name__}", expr)


def _partials(expr: sp.Function) -> tuple[sp.Expr, ...] | None:
    """The partial derivatives of a function of several arguments in the operator table."""
    from .. import ops
    op = ops.lookup(type(expr))
    if op is None or op.partials is None:
        return None
    return op.partials(*expr.args)


def multivariable_chain(solver: "Solver", expr: sp.Function, var: sp.Symbol,
                        partials: tuple[sp.Expr, ...]) -> Step:
    """d/dx f(a_1, ..., a_k) = sum_i (df/da_i)(a_1, ..., a_k) da_i/dx, over the arguments
    that depend on x (atan2(y, x): (x dy - y dx)/(x^2 + y^2))."""
    args = list(expr.args)
    dependent = [i for i, a in enumerate(args) if solver.depends(a, var)]   # (few arguments)
    children = tuple(solver.derive(args[i], var) for i in dependent)
    result = sp.Add(*[partials[i] * c.result for i, c in zip(dependent, children)])
    name = getattr(type(expr), "__name__", "f")
    return Step("multivariable_chain", "derivative", expr, result,
                f"Multivariable chain rule: d/d{var} {name}(...) is the sum over its "
                f"arguments of the partial derivative times the argument's derivative.",
                var, children)


#: Dispatch by node type (functions are looked up in the elementary table).
DISPATCH: dict[type, RuleFn] = {
    sp.Add: sum_rule,
    sp.Mul: mul_rule,
    sp.Pow: pow_rule,
}


def find_rule(expr: sp.Basic) -> RuleFn | None:
    """The rule function for a node, by its type."""
    fn = DISPATCH.get(type(expr))
    if fn is not None:
        return fn
    if isinstance(expr, (sp.Max, sp.Min)):
        return function_rule
    from ..functions import is_abstract
    if is_abstract(expr):
        return function_rule
    if isinstance(expr, sp.Function) and lookup(type(expr)) is not None:
        return function_rule
    from ..functions import logb
    if isinstance(expr, logb):
        return function_rule
    return None
