"""The form a lecturer writes: which of several equal expressions the simplify step shows.

SymPy's ``simplify`` returns *a* simpler form; a lecturer writes a particular one. Given
the derived result and SymPy's simplification, :func:`lecturer_form` builds the
candidates below and keeps the shortest, by the length of its matcalc syntax with spaces
removed (ties: the earlier candidate):

1. SymPy's simplified form (as chosen by ``simplify.choose``);
2. the derived result itself;
3. the numerator expanded and collected over the denominator as derived
   ((-x^2 + 2x(x - 1) - 1)/(x - 1)^2 -> (x^2 - 2x - 1)/(x - 1)^2);
4. fully factored (``factor``), and common terms pulled out (``factor_terms``:
   2b + 2wx - 2y -> 2(b + wx - y));
5. with ``x > 0`` declared (``--assume``): the simplification of the result with x a
   positive symbol (sqrt(x^2) = x), named back to the plain x.

Each candidate then has its signs normalized: a pair of sum factors with a negative
leading term is negated together ((y - p)/(p (p - 1)) -> (p - y)/(p (1 - p))), and a
sum factor with an even power is negated alone. Sums themselves are printed with a
positive term first (``syntax.positive_first``: sigmoid(z) - y).

The forms are equal as functions by construction (each is an algebraic identity); the
verifier checks the chosen one like any result.
"""
from __future__ import annotations

from typing import Iterator

import sympy as sp

from ..assume import in_force


def length(e: sp.Basic) -> int:
    """Characters of matcalc syntax, spaces removed: the measure of a form."""
    from ..syntax import to_syntax
    return len("".join(to_syntax(e).split()))


def _leads_negative(e: sp.Basic) -> bool:
    """A sum whose first term, in SymPy's order, is negative (-p + y, -x^2 + 2x - 1)."""
    return isinstance(e, sp.Add) and e.as_ordered_terms()[0].could_extract_minus_sign()


def negatives(e: sp.Basic) -> int:
    """How many sums in ``e`` lead with a negative term: the tie-break between forms."""
    return sum(1 for n in sp.preorder_traversal(e) if _leads_negative(n))


def normalize_signs(e: sp.Expr) -> sp.Expr:
    """``e`` with negative-leading sum factors of every product negated in pairs (and alone
    under an even power), recursively; the value is unchanged."""
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    if isinstance(e, sp.Mul):
        factors = [normalize_signs(f) for f in e.args]
        flips = []
        for i, f in enumerate(factors):
            base, k = (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.S.One)
            if isinstance(base, sp.Add) and k.is_integer and _leads_negative(base):
                if k.is_even:
                    factors[i] = sp.Pow(-base, k)
                else:
                    flips.append(i)
        for i, j in zip(flips[::2], flips[1::2]):
            for n in (i, j):
                f = factors[n]
                factors[n] = sp.Pow(-f.base, f.exp) if isinstance(f, sp.Pow) else -f
        return sp.Mul(*factors)
    if isinstance(e, sp.Pow) and isinstance(e.base, sp.Add) and e.exp.is_even \
            and _leads_negative(e.base):
        return sp.Pow(-normalize_signs(e.base), e.exp)
    if isinstance(e, (sp.Add, sp.Pow)) or isinstance(e, sp.Function):
        args = [normalize_signs(a) for a in e.args]
        return e.func(*args) if args != list(e.args) else e
    return e


def _flip_pairs(e: sp.Expr) -> sp.Expr:
    """(-p + y)/(p (p - 1)): negate the numerator and one denominator factor together, so
    both lead with a positive term: (p - y)/(p (1 - p))."""
    n, d = sp.fraction(e)
    if not (isinstance(n, sp.Add) and _leads_negative(n)):
        return e
    factors = list(sp.Mul.make_args(d))
    for i, f in enumerate(factors):
        if isinstance(f, sp.Add) and not _leads_negative(-f):
            factors[i] = -f
            return sp.Mul(-n, sp.Pow(sp.Mul(*factors), -1))
    return e


#: Functions that stand for one another in a lecturer's form: a form may trade within a
#: family (sin, cos -> tan), not across (exp -> cosh).
_FAMILIES = {sp.sin: "trig", sp.cos: "trig", sp.tan: "trig", sp.cot: "trig", sp.sec: "trig",
             sp.csc: "trig", sp.sinh: "hyperbolic", sp.cosh: "hyperbolic",
             sp.tanh: "hyperbolic", sp.coth: "hyperbolic"}


def _functions(e: sp.Basic) -> set:
    """The function families of ``e`` (a function outside _FAMILIES is its own)."""
    return {_FAMILIES.get(type(n), type(n)) for n in sp.preorder_traversal(e)
            if isinstance(n, sp.Function)}


def _expanded_numerator(e: sp.Expr) -> sp.Expr:
    """The numerator of a quotient expanded (its terms collected); a sum expanded; a product
    without a denominator kept: sigmoid(u)(1 - sigmoid(u)) stays a product."""
    n, d = sp.fraction(e)
    if d == 1:
        return sp.expand(e) if isinstance(e, sp.Add) else e
    return sp.expand(n) / d


def joined_radicals(e: sp.Expr) -> sp.Expr:
    """A constant factor sqrt(2)/(2 sqrt(pi)) written as the user wrote it, 1/sqrt(2 pi):
    c = +-1/sqrt(q) with q = 1/c^2 a plain product (kept unevaluated, since SymPy splits
    sqrt(2 pi) at once); ``e`` unchanged otherwise."""
    if not isinstance(e, sp.Mul):
        return e
    c, rest = e.as_independent(*e.free_symbols, as_Add=False)
    if c.is_Rational or not c.has(sp.Pow) or c.is_positive is None:
        return e
    q = sp.nsimplify(1 / c ** 2)
    if not isinstance(q, sp.Mul) or not all(a.is_Integer or a.is_NumberSymbol for a in q.args):
        return e
    sign = 1 if c.is_positive else -1
    root = sp.Pow(sp.Mul(*q.args, evaluate=False), sp.Rational(-1, 2), evaluate=False)
    return sp.Mul(sign, rest, root, evaluate=False) if sign == -1 else \
        sp.Mul(rest, root, evaluate=False)


def _positive(e: sp.Expr) -> sp.Expr | None:
    """The simplification of ``e`` with the scalars declared ``x > 0``, named back."""
    names = {a.name for a in in_force() if a.kind == "positive"}
    plain = [s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.name in names
             and not s.is_positive]
    if not plain:
        return None
    to = {s: sp.Symbol(s.name, positive=True) for s in plain}
    back = {v: k for k, v in to.items()}
    return sp.simplify(e.xreplace(to)).xreplace(back)


def candidates(raw: sp.Expr, simplified: sp.Expr) -> Iterator[tuple[sp.Expr, str]]:
    """The equal forms considered, cheapest first, each with what it did (for the step's
    description); a generator, so that a spent time slice stops it."""
    yield simplified, ""
    yield raw, ""
    for base in (simplified, raw):
        for make, says in ((_expanded_numerator, "expand and collect the numerator"),
                           (sp.factor_terms, "take out the common factor"),
                           (joined_radicals, ""),
                           (sp.factor, "factor")):
            try:
                yield make(base), says
            except (sp.PolynomialError, ValueError, TypeError, NotImplementedError):
                pass
    pos = _positive(raw)
    if pos is not None:
        names = sorted(a.text for a in in_force() if a.kind == "positive")
        yield pos, ", ".join(names) + " (assumed)"


def lecturer_form(raw: sp.Expr, simplified: sp.Expr, seconds: float = 1.0
                  ) -> tuple[sp.Expr, str]:
    """(the form a lecturer writes, a description of the step, "" for the default one).

    The shortest of :func:`candidates` after sign normalization; on equal length the one
    with fewer sums that lead with a negative term, then SymPy's form (the first). The
    candidates stop coming after ``seconds`` (the best so far is kept), so this step never
    costs the simplify step its budget."""
    if isinstance(raw, sp.MatrixBase) or not isinstance(raw, sp.Expr):
        return simplified, ""
    import time
    start = time.monotonic()
    own = _functions(raw)
    best, best_says, best_score = simplified, "", None
    if not _functions(simplified) <= own:
        best_score = (10 ** 9, 0)                       # any candidate of raw's family wins
    seen: set[sp.Basic] = set()
    for form, says in candidates(raw, simplified):
        if time.monotonic() - start > seconds:
            break
        if form in seen or not _functions(form) <= own:     # no cosh for an exp
            continue
        seen.add(form)
        signed = normalize_signs(form)
        for variant in dict.fromkeys((form, signed, _flip_pairs(signed))):   # in order
            score = (length(variant), negatives(variant))
            if best_score is None or score < best_score:
                best, best_says, best_score = variant, says, score
    if "(assumed)" in best_says:
        return best, f"Simplify, using {best_says}."
    if best_says:
        return best, f"Simplify ({best_says})."
    return best, ""
