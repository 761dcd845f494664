"""The catalogue of common mistakes: named diagnoses for ``matcalc check``.

Each :class:`Mistake` is a data row (a stable ``name``, part of the JSON contract as
``lines[].diagnosis.rule``; a title; the wrong rule as a student writes it; the right
rule; an example of a wrong answer it names). docs/rules.md lists them (generated).

How a scalar mistake is recognised: :func:`candidates` differentiates f once correctly and
once per *fault* - one node of f with one rule applied wrongly (the chain factor left
out, a product-rule term dropped, the quotient rule's sign flipped ...) - and the checker
compares the student's expression with each faulty derivative at random points. The first
one it equals names the mistake. The differentiator here is a small mutation model, not
matcalc's engine: matcalc's answer always comes from the engine's Steps; this only
proposes what a student most likely did.

Mistakes about shapes (transpose, symmetry, 1/m, batch sums, shape mismatch) are
recognised by comparing values and shapes (:mod:`matcalc.verify.compare`); their rows are
here so that the catalogue is one table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import sympy as sp

from ..functions import sigmoid


@dataclass(frozen=True)
class Mistake:
    """One named mistake: ``wrong`` is the rule as misapplied, ``right`` the correct one,
    ``example`` a function and a wrong answer that the checker names with this row."""

    name: str
    title: str
    wrong: str
    right: str
    example: tuple[str, str]
    shapes: tuple[str, ...] = ()        # --shape declarations the example needs
    wrt: str = "x"


MISTAKES: tuple[Mistake, ...] = (
    Mistake("missing_chain_factor", "missing chain-rule factor",
            "d/dx g(u(x)) = g'(u)", "d/dx g(u(x)) = g'(u) u'(x)", ("sin(x^2)", "cos(x^2)")),
    Mistake("exp_missing_inner", "e^f without f'", "d/dx e^f = e^f", "d/dx e^f = e^f f'",
            ("exp(3x^2)", "exp(3x^2)")),
    Mistake("log_missing_inner", "ln|f| without f'", "d/dx ln|f| = 1/f",
            "d/dx ln|f| = f'/f", ("ln(abs(x^2 + 1))", "1/(x^2 + 1)")),
    Mistake("product_rule_missing_term", "product rule with a term missing",
            "d(f g) = f' g", "d(f g) = f' g + f g'", ("x^2 sin(x)", "2x sin(x)")),
    Mistake("product_of_derivatives", "derivative of a product as the product of derivatives",
            "d(f g) = f' g'", "d(f g) = f' g + f g'", ("x^2 sin(x)", "2x cos(x)")),
    Mistake("quotient_rule_sign", "quotient rule: wrong sign",
            "d(f/g) = (f' g + f g')/g^2", "d(f/g) = (f' g - f g')/g^2",
            ("(x^2 + 1)/(x - 1)", "(2x(x - 1) + (x^2 + 1))/(x - 1)^2")),
    Mistake("quotient_rule_square", "quotient rule: missing square",
            "d(f/g) = (f' g - f g')/g", "d(f/g) = (f' g - f g')/g^2",
            ("(x^2 + 1)/(x - 1)", "(2x(x - 1) - (x^2 + 1))/(x - 1)")),
    Mistake("power_rule_on_exponential", "power rule applied to a^x",
            "d/dx a^x = x a^(x-1)", "d/dx a^x = a^x ln(a)", ("2^x", "x*2^(x - 1)")),
    Mistake("power_rule_on_variable_exponent", "power rule applied to x^x",
            "d/dx x^x = x x^(x-1)", "d/dx x^x = x^x (ln(x) + 1)", ("x^x", "x x^(x - 1)")),
    Mistake("sigmoid_sign", "sigmoid' as sigma (1 + sigma)",
            "sigma'(z) = sigma(z) (1 + sigma(z))", "sigma'(z) = sigma(z) (1 - sigma(z))",
            ("sigmoid(x)", "sigmoid(x)(1 + sigmoid(x))")),
    Mistake("constant_as_variable", "a constant treated as a variable (partial derivative)",
            "d/dx (x^2 y) = 2x y + x^2", "d/dx (x^2 y) = 2x y (y held constant)",
            ("x^2 y", "2x y + x^2")),
    Mistake("variable_as_constant", "the variable treated as a constant (partial derivative)",
            "d/dx (x y^2 + x^2 y) = y^2", "d/dx (x y^2 + x^2 y) = y^2 + 2x y",
            ("x y^2 + x^2 y", "y^2")),
    Mistake("constant_factor", "off by a constant factor",
            "d/dx f = k f' (k != 1)", "d/dx f = f'", ("x^3/3", "x^2/3")),
    Mistake("layout_transpose", "the transpose of the right answer (layout)",
            "d(a^T x)/dx = a^T", "d(a^T x)/dx = a (a gradient has the variable's shape)",
            ("a.T @ x", "a.T"), ("x:n", "a:n")),
    Mistake("symmetric_assumed", "2 A x with A not symmetric",
            "d(x^T A x)/dx = 2 A x", "d(x^T A x)/dx = (A + A^T) x (= 2 A x only if A = A^T)",
            ("x.T @ A @ x", "2*A @ x"), ("x:n", "A:n,n")),
    Mistake("missing_mean", "a missing 1/m",
            "d((1/m) sum(r))/dW = dr/dW", "the 1/m of a mean stays in the gradient",
            ("sum(W @ X)/m", "ones(n1, m) @ X.T"), ("W:n1,nx", "X:nx,m"), "W"),
    Mistake("missing_batch_sum", "a missing sum over the batch (db)",
            "db = dZ (an n x m matrix)", "db = sum(dZ, axis=1) (one column, like b)",
            ("sum(W @ X + b)", "ones(n1, m)"), ("W:n1,nx", "X:nx,m", "b:n1"), "b"),
    Mistake("shape_mismatch", "shapes that do not match",
            "an answer of another shape", "the gradient has the shape of the variable",
            ("sum(W @ x)", "x"), ("W:m,n", "x:n"), "W"),
    Mistake("algebra_slip", "a slip of algebra",
            "a line that does not equal the (right) line before it",
            "each line equals the one before", ("x^2 + 2x", "2x + 2 + 1")),
    Mistake("foreign_symbol", "a name that is not in the function",
            "d/dx sin(x) = cos(t)", "the derivative uses the function's names",
            ("sin(x)", "cos(t)")),
    Mistake("not_equal", "wrong, no known mistake matches",
            "a value that differs from the derivative", "the derivative",
            ("x^2", "x + 1")),
)

BY_NAME: dict[str, Mistake] = {m.name: m for m in MISTAKES}


# ----------------------------------------------------------------------------- faults

@dataclass(frozen=True)
class Candidate:
    """A derivative with one fault: the mistake's name, a message (one line) and the
    faulty derivative; ``node`` is the sub-expression where the rule went wrong."""

    rule: str
    message: str
    expr: sp.Expr
    node: sp.Basic | None = None


Fault = tuple[sp.Basic, str] | None
Say = Callable[[sp.Basic], str]


def _depends(e: sp.Basic, x: sp.Symbol) -> bool:
    return x in e.free_symbols


def _quotient(e: sp.Mul, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """f/g for a product with factors of negative power that depend on x."""
    num, den = [], []
    for a in e.args:
        if isinstance(a, sp.Pow) and a.exp.is_number and a.exp.is_negative and _depends(a, x):
            den.append(a.base ** (-a.exp))
        else:
            num.append(a)
    if not den or not any(_depends(a, x) for a in num):
        return None
    return sp.Mul(*num), sp.Mul(*den)


def d(e: sp.Basic, x: sp.Symbol, fault: Fault = None) -> sp.Expr:
    """de/dx by the textbook rules, with the rule at ``fault = (node, how)`` applied
    wrongly in the way ``how`` names (None: no fault, the right derivative)."""
    bad = fault is not None and fault[0] == e
    how = fault[1] if bad else ""
    if not _depends(e, x):
        if bad and how == "constant_as_variable":       # dy/dx = 1 for every other symbol
            return sp.Add(*[d(e, s) for s in e.free_symbols if s != x])
        return sp.S.Zero
    if e == x:
        return sp.S.One
    if bad and how == "variable_as_constant":
        return sp.S.Zero
    if isinstance(e, sp.Add):
        return sp.Add(*[d(a, x, fault) for a in e.args])
    if isinstance(e, sp.Mul):
        q = _quotient(e, x)
        if q is not None and not (bad and how != "quotient_rule_sign"
                                  and how != "quotient_rule_square"):
            f, g = q                           # a quotient: (f' g - f g')/g^2, as written
            df, dg = d(f, x, fault), d(g, x, fault)
            if how == "quotient_rule_sign":
                return (df * g + f * dg) / g ** 2
            if how == "quotient_rule_square":
                return (df * g - f * dg) / g
            return (df * g - f * dg) / g ** 2
        args = list(e.args)
        terms = []
        for i, a in enumerate(args):
            if bad and how == "constant_as_variable" and not _depends(a, x):
                da = sp.Add(*[d(a, s) for s in a.free_symbols])
            else:
                da = d(a, x, fault)
            terms.append(sp.Mul(da, *args[:i], *args[i + 1:]))
        if bad and how == "product_of_derivatives":
            return sp.Mul(*[d(a, x, fault) for a in args if _depends(a, x)]) * \
                sp.Mul(*[a for a in args if not _depends(a, x)])
        if bad and how.startswith("product_rule_missing_term:"):
            skip = int(how.split(":")[1])
            terms = [t for i, t in enumerate(terms) if i != skip]
        return sp.Add(*terms)
    if isinstance(e, sp.Pow):
        b, n = e.args
        if not _depends(n, x):
            inner = d(b, x, fault)
            if bad and how in ("missing_chain_factor",):
                inner = sp.S.One
            return n * b ** (n - 1) * inner
        if not _depends(b, x):
            if bad and how == "power_rule_on_exponential":
                return n * b ** (n - 1) * d(n, x, fault)
            return e * sp.log(b) * d(n, x, fault)
        if bad and how == "power_rule_on_variable_exponent":
            return n * b ** (n - 1) * d(b, x, fault)
        return e * (d(n, x, fault) * sp.log(b) + n * d(b, x, fault) / b)
    if isinstance(e, sp.log) and len(e.args) == 1:
        u = e.args[0]
        if bad and how == "log_missing_inner":
            return 1 / (u.args[0] if isinstance(u, sp.Abs) else u)
        if isinstance(u, sp.Abs):
            return d(u.args[0], x, fault) / u.args[0]
        return d(u, x, fault) / u
    if isinstance(e, sp.Abs):
        return sp.sign(e.args[0]) * d(e.args[0], x, fault)
    if isinstance(e, sp.Function):
        total = sp.S.Zero
        for i, u in enumerate(e.args, start=1):
            if not _depends(u, x):
                continue
            outer = sigmoid(u) * (1 + sigmoid(u)) if bad and how == "sigmoid_sign" \
                else e.fdiff(i)
            inner = sp.S.One if bad and how in ("missing_chain_factor", "exp_missing_inner") \
                else d(u, x, fault)
            total += outer * inner
        return total
    raise TypeError(type(e).__name__)


def _faults(e: sp.Basic, x: sp.Symbol, partial: bool) -> Iterator[tuple[str, int | None]]:
    """The faults that can happen at node ``e`` (names of MISTAKES; for a product, which
    term is dropped)."""
    if not _depends(e, x):
        if partial and e.free_symbols and not e.is_number:
            yield "constant_as_variable", None
        return
    if isinstance(e, sp.Mul):
        if _quotient(e, x) is not None:
            yield "quotient_rule_sign", None
            yield "quotient_rule_square", None
        if partial and any(not _depends(a, x) and a.free_symbols for a in e.args):
            yield "constant_as_variable", None
        dep = [i for i, a in enumerate(e.args) if _depends(a, x)]
        if len(dep) > 1:
            for i in dep:
                yield "product_rule_missing_term", i
            yield "product_of_derivatives", None
    elif isinstance(e, sp.Pow):
        b, n = e.args
        if not _depends(n, x) and b != x:
            yield "missing_chain_factor", None
        elif not _depends(b, x):
            yield "power_rule_on_exponential", None
        elif _depends(b, x) and _depends(n, x):
            yield "power_rule_on_variable_exponent", None
    elif isinstance(e, sp.log) and len(e.args) == 1:
        u = e.args[0]
        if (u.args[0] if isinstance(u, sp.Abs) else u) != x:
            yield "log_missing_inner", None
    elif isinstance(e, sp.Function):
        if isinstance(e, sigmoid):
            yield "sigmoid_sign", None
        if any(_depends(u, x) and u != x for u in e.args):
            yield "exp_missing_inner" if isinstance(e, sp.exp) else "missing_chain_factor", None
    if partial and e != x:
        yield "variable_as_constant", None


def _message(rule: str, e: sp.Basic, x: sp.Symbol, say: Say, partial: bool) -> str:
    dx = f"d/d{x}"
    if rule in ("missing_chain_factor", "exp_missing_inner"):
        u = e.args[0] if not isinstance(e, sp.Pow) else e.base
        inner = d(u, x)
        what = "e^f: d/dx e^f = e^f f'" if rule == "exp_missing_inner" else "the chain rule"
        return (f"missing the inner derivative: {what} multiplies by {dx} ({say(u)}) = "
                f"{say(inner)}")
    if rule == "log_missing_inner":
        u = e.args[0]
        u = u.args[0] if isinstance(u, sp.Abs) else u
        return (f"ln|f| without f': {dx} ln|{say(u)}| = f'/f, with f' = {dx} ({say(u)}) = "
                f"{say(d(u, x))}")
    if rule == "quotient_rule_sign":
        f, g = _quotient(e, x)  # type: ignore[misc]
        return (f"quotient rule: the sign of f g' should be minus, (f' g - f g')/g^2 with "
                f"f = {say(f)}, g = {say(g)}")
    if rule == "quotient_rule_square":
        f, g = _quotient(e, x)  # type: ignore[misc]
        return f"quotient rule: the denominator is g^2 = ({say(g)})^2, not g"
    if rule == "product_rule_missing_term":
        return (f"product rule with a term missing: d(f g) = f' g + f g', for "
                f"{say(e)}")
    if rule == "product_of_derivatives":
        return f"the derivative of a product is not the product of the derivatives: " \
               f"d(f g) = f' g + f g', for {say(e)}"
    if rule == "power_rule_on_exponential":
        return (f"power rule applied to an exponential: {dx} a^u = a^u ln(a) u', for "
                f"{say(e)} (the power rule n x^(n-1) needs a constant exponent)")
    if rule == "power_rule_on_variable_exponent":
        return (f"power rule applied to {say(e)}, whose exponent varies: write it as "
                f"e^(v ln u), so d(u^v) = u^v (v' ln(u) + v u'/u)")
    if rule == "sigmoid_sign":
        return "sigmoid'(z) = sigma(z) (1 - sigma(z)), not sigma(z) (1 + sigma(z))"
    if rule == "constant_as_variable":
        return (f"a constant treated as a variable: in a partial derivative by {x}, "
                f"{say(e)} is held constant")
    if rule == "variable_as_constant":
        return (f"{x} treated as a constant in {say(e)}: its derivative {dx} ({say(e)}) = "
                f"{say(d(e, x))} is missing")
    return BY_NAME[rule].title


def candidates(f: sp.Expr, x: sp.Symbol, say: Say) -> list[Candidate]:
    """Every faulty derivative of ``f`` (one fault at one node), in the order a checker
    should try them: outermost node first, so the first match names the step that broke."""
    partial = bool(f.free_symbols - {x})
    out: list[Candidate] = []
    seen: set[sp.Basic] = set()
    for node in sp.preorder_traversal(f):
        if node in seen or node.is_number:
            continue
        seen.add(node)
        for rule, term in _faults(node, x, partial):
            how = f"{rule}:{term}" if term is not None else rule
            try:
                expr = d(f, x, (node, how))
            except TypeError:
                continue
            out.append(Candidate(rule, _message(rule, node, x, say, partial), expr, node))
    return out
