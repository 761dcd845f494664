"""Matrix simplification: the named last step of a matrix derivation.

The read-off gives a correct G (the verifier checks it), not always the one a lecturer
writes: y o s / s from the chain rule through log(softmax), ``1 1^T v`` for the sum of v
broadcast down a column, (I - diag(s) 1 1^T) diag(s) for the softmax Jacobian under
``--detail full`` (the default form of the softmax rule is already s o dz - s s^T dz). This step
rewrites the result with the identities of :data:`REWRITES` (rules as data: one row per
identity, each with its catalogue record), bottom-up to a fixed point, rebuilding every
node through the canonical constructors of :mod:`matcalc.matrix.algebra` (so like terms
combine and common scalar factors move to the front as a side effect). Then it chooses
the shortest readable form among the rewritten result, its distributed form (products
over sums) and that form with common factors collected, by the length of its matcalc
syntax; ties keep the earlier candidate.

Identities that need a declared fact (``--assume``, :mod:`matcalc.assume`) fire only when
the fact is in force, and the step says so (``S = S^T, so ...``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy import (HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatrixSymbol,
                   OneMatrix, Transpose)

from ..assume import Assumption, about
from ..engine.step import Ratio, Step, Words
from . import algebra as al
from .algebra import is_matrix
from .nodes import T, Diag, Elementwise, ScalarOf

#: What a rewrite returns: the new node and the assumption it used (None: an identity).
Outcome = tuple[sp.Basic, Assumption | None] | None


@dataclass(frozen=True)
class Rewrite:
    """One identity of the matrix simplification: ``apply(node)`` gives the rewritten node
    (and the assumption it used) or None when the identity does not apply. ``name`` is its
    catalogue record (matcalc/rules/matrix.py)."""

    name: str
    identity: str
    apply: Callable[[sp.Basic], Outcome]


# ------------------------------------------------------------------ the identities
def _reciprocal_of(f: sp.Basic) -> sp.Basic | None:
    """v when f is the element-wise reciprocal 1 / v."""
    if isinstance(f, Elementwise) and f.body() == 1 / T:
        return f.arg
    return None


def _cancelled(f: sp.Basic, v: sp.Basic) -> sp.Basic | None:
    """k(u) when f = g(u) k(u) entry by entry and v = g(u) (v's function a factor of f's,
    at the same argument): sigmoid'(z) / sigmoid(z) = 1 - sigmoid(z); None otherwise."""
    if not (isinstance(f, Elementwise) and isinstance(v, Elementwise) and f.arg == v.arg):
        return None
    factors = list(sp.Mul.make_args(f.body()))
    g = v.body()
    if g not in factors:
        return None
    factors.remove(g)
    return al.elementwise(sp.Mul(*factors), f.arg)


def cancel_quotient(e: sp.Basic) -> Outcome:
    """x o v / v = x: a factor and its element-wise reciprocal cancel, also against a
    factor of an element-wise function: y o sigmoid'(z) / sigmoid(z) = y o (1 - sigmoid(z))."""
    if not isinstance(e, HadamardProduct):
        return None
    args = list(e.args)
    for i, f in enumerate(args):
        v = _reciprocal_of(f)
        if v is None:
            continue
        rest = [a for k, a in enumerate(args) if k != i]
        if v in rest:
            rest.remove(v)
            return (al.hadamard(*rest) if rest else OneMatrix(*e.shape)), None
        for k, a in enumerate(rest):
            left = _cancelled(a, v)
            if left is not None:
                rest[k] = left
                return al.hadamard(*rest), None
    return None


def entry_by_entry(e: sp.Basic) -> Outcome:
    """A sum or element-wise product of matrices of one shape, built only from element-wise
    operations, simplified as the scalar expression it applies to every entry:
    (1 - y) o s'(u) / (1 - s(u)) - y o (1 - s(u)) = s(u) - y for the sigmoid s
    (matrix/entrywise.py; kept only when it is clearly shorter)."""
    from .entrywise import shorter_entrywise
    if not isinstance(e, (MatAdd, HadamardProduct)):
        return None
    got = shorter_entrywise(e)
    return (got, None) if got is not None and got != e else None


def _pairs(e: sp.Basic) -> tuple[sp.Expr, list[sp.Basic]] | None:
    if not isinstance(e, MatMul):
        return None
    return al.coeff_and_factors(e)


def sums_to_one(e: sp.Basic) -> Outcome:
    """1 1^T y = 1 when sum(y) = 1 (every column of Y for sum(Y, axis=0) = 1)."""
    if isinstance(e, ScalarOf):
        c, mats = al.coeff_and_factors(e.arg)
        if len(mats) == 2 and isinstance(mats[0], OneMatrix) and isinstance(mats[1], MatrixSymbol) \
                and mats[1].shape[1] == 1:
            a = about(mats[1].name, "sums_to_one")
            if a is not None:
                return c, a
        return None
    split = _pairs(e)
    if split is None:
        return None
    c, mats = split
    for i in range(len(mats) - 1):
        ones, y = mats[i], mats[i + 1]
        if isinstance(ones, OneMatrix) and ones.shape[0] == ones.shape[1] \
                and isinstance(y, MatrixSymbol):
            a = about(y.name, "sums_to_one")
            if a is not None:
                out = [*mats[:i], OneMatrix(ones.shape[0], y.shape[1]), *mats[i + 2:]]
                return al.mmul(c, *out), a
    return None


def _total(v: sp.Basic) -> sp.Expr:
    """sum(v) of a column v: the scalar 1^T v."""
    return al.as_scalar(al.mmul(OneMatrix(1, v.shape[0]), v))


def sum_broadcast(e: sp.Basic) -> Outcome:
    """1 1^T v = sum(v) 1: the sum of a column v, broadcast down a column; and inside a
    longer product A 1^T v = sum(v) A, u^T 1 B = sum(u) B: a row of ones against a column
    (or a row against a column of ones) is a scalar, the sum, and is written as one."""
    split = _pairs(e)
    if split is None:
        return None
    c, mats = split
    if len(mats) >= 2 and isinstance(mats[0], OneMatrix) and mats[0].shape[0] == mats[0].shape[1] \
            and mats[0].shape[0] != 1:
        rest = al.mmul(*mats[1:])
        if is_matrix(rest) and rest.shape[1] == 1:
            n = mats[0].shape[0]
            return al.mmul(c * _total(rest), OneMatrix(n, 1)), None
    for i, m in enumerate(mats if len(mats) >= 3 else []):
        if not isinstance(m, OneMatrix):
            continue
        if m.shape[0] == 1 and m.shape[1] != 1 and i > 0:        # A 1^T v, v a column
            tail = al.mmul(*mats[i + 1:])
            if is_matrix(tail) and tail.shape[1] == 1:
                return al.mmul(c * _total(tail), *mats[:i]), None
        if m.shape[1] == 1 and m.shape[0] != 1 and i < len(mats) - 1:   # u^T 1 B
            head = al.mmul(*mats[:i])
            if is_matrix(head) and head.shape[0] == 1:
                return al.mmul(c * _total(al.mT(head)), *mats[i + 1:]), None
    return None


def outer_product(e: sp.Basic) -> Outcome:
    """diag(u) 1 1^T diag(v) = u v^T (with diag(u) 1 = u and 1^T diag(v) = v^T); with a
    diagonal on one side only, 1 1^T diag(v) = 1 v^T and diag(u) 1 1^T = u 1^T."""
    split = _pairs(e)
    if split is None:
        return None
    c, mats = split
    for i, m in enumerate(mats):
        if isinstance(m, OneMatrix) and m.shape[0] != 1 and m.shape[1] != 1 and (
                (i > 0 and isinstance(mats[i - 1], Diag))
                or (i < len(mats) - 1 and isinstance(mats[i + 1], Diag))):
            r, k = m.shape
            # written as a MatMul of its two columns: mmul would merge them back
            parts = [*mats[:i], MatMul(OneMatrix(r, 1), OneMatrix(1, k)), *mats[i + 1:]]
            flat: list[sp.Basic] = []
            for p in parts:
                flat.extend(p.args if isinstance(p, MatMul) else [p])
            out = _fold(flat)
            return (al.mmul(c, *out), None) if len(out) < len(mats) + 1 else None
    return None


def _fold(mats: list[sp.Basic]) -> list[sp.Basic]:
    """Adjacent diag(u) 1 = u and 1^T diag(v) = v^T folded (ones left where none applies)."""
    out: list[sp.Basic] = []
    for m in mats:
        if out and isinstance(out[-1], Diag) and isinstance(m, OneMatrix) and m.shape[1] == 1:
            out[-1] = out[-1].arg
            continue
        if out and isinstance(out[-1], OneMatrix) and out[-1].shape[0] == 1 and isinstance(m, Diag):
            out[-1] = al.mT(m.arg)
            continue
        out.append(m)
    return out


def _symmetric(m: sp.Basic) -> Assumption | None | bool:
    """An assumption saying m = m^T, True when m is symmetric by its form (X^T X, A + A^T),
    False otherwise."""
    if isinstance(m, MatrixSymbol):
        return about(m.name, "symmetric", "spd") or False
    return bool(is_matrix(m) and m.shape[0] == m.shape[1] and al.mT(m) == m)


def symmetric_transpose(e: sp.Basic) -> Outcome:
    """S^T = S and (S^{-1})^T = S^{-1} for a symmetric S (declared, or X^T X by its form)."""
    if not isinstance(e, Transpose):
        return None
    inner = e.arg.arg if isinstance(e.arg, Inverse) else e.arg
    fact = _symmetric(inner)
    if fact is False:
        return None
    return e.arg, (fact if isinstance(fact, Assumption) else None)


#: The identities, in the order they are tried at each node.
REWRITES: tuple[Rewrite, ...] = (
    Rewrite("cancel_quotient", "x o v / v = x", cancel_quotient),
    Rewrite("entry_by_entry", "element-wise sums simplified entry by entry", entry_by_entry),
    Rewrite("sums_to_one", "1 1^T y = 1 when sum(y) = 1", sums_to_one),
    Rewrite("sum_broadcast", "1 1^T v = sum(v) 1; A 1^T v = sum(v) A", sum_broadcast),
    Rewrite("outer_product", "diag(u) 1 1^T diag(v) = u v^T", outer_product),
    Rewrite("symmetric_transpose", "S^T = S, (S^-1)^T = S^-1 for symmetric S",
            symmetric_transpose),
)


# ------------------------------------------------------------------ the walk
@dataclass
class _Log:
    """Which identities fired (in order, once each) and the facts they used."""

    used: list[str]
    facts: list[Assumption]
    #: the first place each identity fired: name -> (node before, node after, fact)
    where: dict[str, tuple[sp.Basic, sp.Basic, Assumption | None]] = \
        dataclasses.field(default_factory=dict)

    def note(self, name: str, fact: Assumption | None, before: sp.Basic | None = None,
             after: sp.Basic | None = None) -> None:
        if name not in self.used:
            self.used.append(name)
            if before is not None:
                self.where[name] = (before, after, fact)
        if fact is not None and fact not in self.facts:
            self.facts.append(fact)

    def then(self, name: str, before: sp.Basic, after: sp.Basic) -> "_Log":
        """A copy with one more whole-expression move."""
        out = _Log([*self.used], list(self.facts), dict(self.where))
        out.note(name, None, before, after)
        return out


def _rebuild(e: sp.Basic, args: list[sp.Basic]) -> sp.Basic:
    if list(e.args) == args:
        return e
    if isinstance(e, MatMul):
        return al.mmul(*args)
    if isinstance(e, MatAdd):
        return al.madd(*args)
    if isinstance(e, HadamardProduct):
        return al.hadamard(*args)
    if isinstance(e, Transpose):
        return al.mT(args[0])
    if isinstance(e, Inverse):
        return al.inv(args[0])
    if isinstance(e, Diag):
        return al.diag(args[0])
    if isinstance(e, Elementwise):
        return Elementwise(e.function, args[1])
    return e.func(*args)


def rewrite(e: sp.Basic, log: _Log, memo: dict[sp.Basic, sp.Basic] | None = None) -> sp.Basic:
    """``e`` with every identity of REWRITES applied, children first, to a fixed point."""
    memo = {} if memo is None else memo
    hit = memo.get(e)
    if hit is not None:
        return hit
    if e.is_Atom or isinstance(e, (sp.Lambda, MatrixSymbol, OneMatrix, Identity)):
        return e
    out = _rebuild(e, [rewrite(a, log, memo) for a in e.args])
    for _ in range(20):                               # each pass shrinks or stops
        for rule in REWRITES:
            got = rule.apply(out)
            if got is not None and got[0] != out:
                log.note(rule.name, got[1], out, got[0])
                out = rewrite(got[0], log, memo)
                break
        else:
            break
    memo[e] = out
    return out


def distribute(e: sp.Basic) -> sp.Basic:
    """Products over sums multiplied out: (A + B) C = A C + B C (recursively)."""
    if not is_matrix(e) or e.is_Atom:
        return e
    if isinstance(e, MatMul):
        c, mats = al.coeff_and_factors(e)
        mats = [distribute(m) for m in mats]
        for i, m in enumerate(mats):
            if isinstance(m, MatAdd):
                return distribute(al.madd(*[al.mmul(c, *mats[:i], t, *mats[i + 1:])
                                            for t in m.args]))
        return al.mmul(c, *mats)
    if isinstance(e, MatAdd):
        return al.madd(*[distribute(t) for t in e.args])
    return e


def positive_first(e: sp.Basic) -> sp.Basic:
    """``e`` with every sum in it written with a positive term first (softmax(z) - y, not
    -y + softmax(z)), also a sum inside a product: (sum(y)*s - y) @ x.T."""
    if e.is_Atom or not is_matrix(e) or isinstance(e, (MatrixSymbol, OneMatrix, Identity)):
        return e
    return al.positive_first(_rebuild(e, [positive_first(a) for a in e.args]))


def common_scalar(e: sp.Basic) -> sp.Basic:
    """c A + c B = c (A + B): a symbolic scalar factor of every term taken out (sum(y),
    not a number); ``e`` unchanged when the terms share none."""
    if not isinstance(e, MatAdd):
        return e
    split = [al.coeff_and_factors(t) if isinstance(t, MatMul) else (sp.S.One, [t])
             for t in e.args]
    shared = None
    for c, _ in split:
        factors = {f for f in sp.Mul.make_args(c) if not f.is_number}
        shared = factors if shared is None else shared & factors
    if not shared:
        return e
    common = sp.Mul(*sorted(shared, key=str))
    inner = al.madd(*[al.mmul(sp.cancel(c / common), *mats) for c, mats in split])
    return al.mmul(common, inner)


def _length(e: sp.Basic) -> int:
    from .printing import matrix_syntax
    return len("".join(matrix_syntax(e).split()))


def lecturer_form(g: sp.Basic) -> tuple[sp.Basic, "_Log"]:
    """(the shortest readable form of ``g``, the record of the identities and facts used).

    Candidates, in order of preference on equal length: the rewritten ``g``; it with a
    common scalar factor taken out; that form multiplied out and rewritten again; the
    latter with common factors (matrix or scalar) collected. Each is
    written with a positive term first."""
    from .readoff import collect
    log = _Log([], [])
    first = rewrite(g, log)
    candidates = [(first, log)]
    factored = common_scalar(first)
    if factored != first:
        candidates.append((factored, log.then("collect_terms", first, factored)))
    spread = distribute(first)
    if spread != first:
        log2 = log.then("distribute", first, spread)
        again = rewrite(spread, log2)
        candidates.append((again, log2))
        grouped = collect(again)
        if grouped != again:
            candidates.append((grouped, log2.then("collect_terms", again, grouped)))
        factored = common_scalar(again)
        if factored != again:
            candidates.append((factored, log2.then("collect_terms", again, factored)))
    finished = []
    for e, lg in candidates:
        p = positive_first(e)
        if p != e:
            lg = lg.then("positive_first", e, p)
        finished.append((p, lg))
    best, lg = min(finished, key=lambda c: _length(c[0]))   # the first of equal lengths
    if best == g or _length(best) > _length(g):
        return g, _Log([], [])
    return best, lg


_SAYS = {
    "cancel_quotient": "cancel x o v / v = x",
    "entry_by_entry": "simplify entry by entry",
    "sums_to_one": "1 1^T y = 1",
    "sum_broadcast": "write 1 1^T v as sum(v) 1",
    "outer_product": "diag(u) 1 1^T diag(v) = u v^T",
    "symmetric_transpose": "(S^-1)^T = S^-1 for symmetric S",
    "distribute": "multiply out",
    "collect_terms": "collect common factors",
    "positive_first": "a positive term first",
}


def simplify_step(g: sp.Basic, var: sp.Basic) -> Step | None:
    """The named step df/dX = G = (its lecturer's form), or None when G is already in it.

    Its children name each identity where it first applied (one rewrite Step per catalogue
    record, the sub-expression before and after), and every step that used an assumption
    says so: ``S = S^T (assumed), so ...``."""
    best, log = lecturer_form(g)
    if best == g:
        return None
    children = []
    for name in log.used:
        before, after, fact = log.where.get(name, (g, best, None))
        says = _SAYS.get(name, name)
        text = (f"{fact.text[0].upper() + fact.text[1:]} (assumed), so {says}." if fact
                else says[0].upper() + says[1:] + ".")
        equation = (before, after, Words((f", since {fact.text} (assumed)",))) if fact else ()
        children.append(Step(name, "rewrite", before, after, text, var, equation=equation))
    said = "; ".join(_SAYS.get(u, u) for u in log.used) or "like terms combined"
    facts = ", ".join(a.text for a in log.facts)
    description = (f"{facts[0].upper() + facts[1:]} (assumed), so: {said}." if facts
                   else f"Simplify: {said}.")
    return Step("matrix_simplify", "rewrite", g, best, description, var, tuple(children),
                equation=(Ratio(var), g, best))
