"""The Step tree: what a derivation *is*. Renderers, the verifier and the code emitter read it.

A Step states one move of a derivation, naming the rule that justifies it:

* ``kind == "derivative"``: d(expr)/d(wrt) = result, by rule ``rule``; ``children`` are the
  sub-derivations the rule needed (one per operand it differentiated).
* ``kind == "rewrite"``: expr = result (combining, substituting back, simplifying).
* ``kind == "define"``: introduces intermediate variables (``definitions``: name = expr);
  ``expr``/``result`` are the whole expression before and after naming.
* ``kind == "reuse"``: d(expr)/d(wrt) was already derived; ``same_as`` is that Step. This is
  how a sub-expression used in several places (a DAG) is differentiated once.

Steps about several variables at once keep ``wrt`` None and list the variables, in column
order, in ``variables``; their ``expr`` is the function (a scalar, or an m x 1
ImmutableMatrix of functions) and their ``result`` an ImmutableMatrix:

* ``assemble_gradient`` / ``assemble_jacobian`` (kind "rewrite": the partials, derived
  before it or in its ``children`` in row-major order, collected into grad f, 1 x n, or
  J[i, j] = df_i/dx_j, m x n, numerator layout); ``definitions`` name the rows
  (f1 = ..., or the user's intermediates g1 = ...).
* ``vector_chain_rule`` (kind "derivative"): df/dx = (df/dg)(dg/dx) [+ the direct part],
  its children the assembled Jacobians and their product.
* ``transpose_layout`` (kind "rewrite"): expr = J, result = J^T (denominator layout).

Matrix calculus (declared shapes) writes ordinary Steps too; what a renderer shows of
such a step is its structured ``equation``, a tuple of members stated equal in turn, read
by the presentation plan (:func:`matcalc.render.naming.plan`):

* an expression (``sp.Basic``);
* ``Differential(e)``: d(e), the differential of e (d X is the symbol ``dX``,
  :func:`matcalc.matrix.nodes.differential_symbol`);
* ``Ratio(wrt, num)``: d num/d wrt, a derivative written in Leibniz form (``num`` None: the
  derivation's function, df/dX); ``order``/``first``: d^2f/dx^2, d^2f/dxdy;
* ``Words(pieces)``: words between two equations of one step, pieces being text or
  expressions; the members before and after are not equal (``df = tr(G^T dX)``, "for
  every dX, so", ``df/dX = G``).

The matrix steps by kind: a differential rule (``d_trace``, ``d_product`` ...) is a
"derivative" step with ``wrt`` the variable that varies and ``equation`` (d(expr), result),
its children the differentials of the operands; the moves to the form tr(G^T dX) or J dx
and the read-off are "rewrite" steps (the read-off: d f = tr(G^T dX) for every dX, so
df/dX = G); a backward-pass adjoint (``backprop_adjoint``) is a "derivative" step whose
equation is dV = dL/dV = result. Steps without an ``equation`` read as their kind says.

``parts`` are the structured pieces of the equation a step states, for renderers to lay
out without recomputing anything (frozen records; the computation graph's are in
:mod:`matcalc.engine.graph`: ``AdjointPart`` of a backward-pass step with its
``LocalTerm``s, ``PathSumPart`` of a sum over paths; ``Slope`` of a ``linear_chain``
step, the chain rule of a linear inner function shown as one step under the default
detail: d/dx f(a x + b) = a f'(a x + b), with the a it found).

The final answer of a derivation is the ``result`` of its last top-level step: it is read
off the steps, never computed by a second engine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Literal, Sequence, Union, overload

import sympy as sp

StepKind = Literal["derivative", "rewrite", "define", "reuse"]


@dataclass(frozen=True)
class Differential:
    """The member d(expr) of a structured equation."""

    expr: sp.Basic


@dataclass(frozen=True)
class Ratio:
    """The member d num/d wrt (``num`` None: the derivation's function f); ``order`` k > 1
    is the k-th derivative d^k num/d wrt^k, and ``first`` a mixed second partial
    d^2 num/(d wrt d first): differentiated by ``first``, then by ``wrt``."""

    wrt: sp.Basic
    num: sp.Basic | None = None
    order: int = 1
    first: sp.Basic | None = None


@dataclass(frozen=True)
class Words:
    """Words between two equations of one step: text pieces and expressions, in order."""

    pieces: tuple[str | sp.Basic, ...]


Member = Union[sp.Basic, Differential, Ratio, Words]


@dataclass(frozen=True)
class Slope:
    """The part of a ``linear_chain`` step (d/dx f(a x + b) = a f'(a x + b)): the constant
    ``a`` = d(inner)/dx its inner function was found to have, that ``inner``, and the rule
    that gave f' (``rule``: a table function's, "power", "exponential" ...), whose note (a
    kink's convention) the step states."""

    a: sp.Basic
    inner: sp.Basic
    rule: str = ""


def by_name(s: sp.Basic) -> tuple:
    """The sort key of a symbol by its name in natural order: x2 before x10, a before b
    (digit runs compare as numbers): the order a lecturer lists x1, x2, ..., x12 in."""
    name = getattr(s, "name", str(s))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _DIGITS.split(name) if part)


_DIGITS = re.compile(r"(\d+)")


class HeldSet:
    """The symbols of one multi-variable derivation, sorted by name: the one record the
    held-constant sets of all its entries refer to (``without(x)``: every symbol but x).

    A Jacobian of n functions of n variables has n^2 partial derivatives, each holding
    n - 1 symbols constant; each entry refers to this record instead of listing them, so
    the memory is linear in the number of entries, not n^3."""

    __slots__ = ("symbols", "_members", "_views")

    def __init__(self, symbols: "Iterable[sp.Symbol]") -> None:
        self.symbols: tuple[sp.Symbol, ...] = tuple(sorted(set(symbols), key=by_name))
        self._members = frozenset(self.symbols)
        self._views: dict[sp.Symbol, Held] = {}

    def without(self, var: sp.Symbol) -> "Held":
        """The symbols held constant when differentiating by ``var`` (one view per
        variable, shared by the entries of its column)."""
        view = self._views.get(var)
        if view is None:
            view = self._views[var] = Held(self, var)
        return view


class Held(Sequence[sp.Symbol]):
    """The symbols of a :class:`HeldSet` other than ``var``, in the record's order: a
    read-only sequence equal to the tuple it stands for, of constant size."""

    __slots__ = ("record", "var", "_notes")

    def __init__(self, record: HeldSet, var: sp.Symbol) -> None:
        self.record, self.var = record, var
        self._notes: dict[str, PartialNote] = {}

    def note(self, base: "str | PartialNote") -> "PartialNote":
        """The description ``base`` + "(partial derivative: ... held constant)", one
        object per distinct text (a column's constant entries share theirs)."""
        if type(base) is not str:
            return PartialNote(base, self)
        note = self._notes.get(base)
        if note is None:
            note = self._notes[base] = PartialNote(base, self)
        return note

    def __iter__(self) -> Iterator[sp.Symbol]:
        var = self.var
        return (s for s in self.record.symbols if s is not var and s != var)

    def __len__(self) -> int:
        return len(self.record.symbols) - (self.var in self.record._members)

    @overload
    def __getitem__(self, i: int) -> sp.Symbol: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[sp.Symbol, ...]: ...

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return tuple(self)[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Held, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


class PartialNote:
    """The description of a partial derivative, written when read: ``base`` followed by
    "(partial derivative: y, z held constant)" naming ``held`` (kept as a reference to the
    shared record, not as text: n^2 entries would otherwise hold n^3 characters)."""

    __slots__ = ("base", "held")

    def __init__(self, base: "str | PartialNote", held: Sequence[sp.Symbol]) -> None:
        self.base, self.held = base, held

    def __str__(self) -> str:
        names = ", ".join(s.name for s in self.held)
        return f"{self.base} (partial derivative: {names} held constant)"


class Deferred:
    """A description written when read: ``str()`` is ``fn(*args)``. A rule that names
    sub-expressions in its words (the constant factor of c f, the numerator of a
    quotient) stores them by reference: printing them for every entry of a dense
    Jacobian would cost the printed size of f_i in each of the n^2 entries."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: "Callable[..., str]", *args: object) -> None:
        self.fn, self.args = fn, args

    def __str__(self) -> str:
        return self.fn(*self.args)

    def __reduce__(self) -> tuple:
        return (Deferred, (self.fn, *self.args))


class _Description:
    """The field ``description`` of a Step: stored as given, a str or an object whose
    ``str()`` is the text (:class:`PartialNote`); always read as a str."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> str:
        if obj is None:
            raise AttributeError(self.slot)    # no default value for the dataclass field
        value = getattr(obj, self.slot)
        return value if type(value) is str else str(value)

    def __set__(self, obj: object, value: object) -> None:
        object.__setattr__(obj, self.slot, value)     # (not obj.__dict__: keeps it compact)


def stored_description(step: "Step") -> "str | PartialNote":
    """The description as stored (not yet written out when it is a PartialNote)."""
    return getattr(step, "_description")


def hold_constant(step: "Step", held: Sequence[sp.Symbol]) -> "Step":
    """``step`` as a partial derivative: ``held`` named on it and in its description."""
    base = stored_description(step)
    note = held.note(base) if isinstance(held, Held) else PartialNote(base, held)
    # a copy slot by slot (dataclasses.replace is ten times slower: one per Jacobian entry)
    new = object.__new__(Step)
    for name in Step.__slots__:
        object.__setattr__(new, name, getattr(step, name))
    object.__setattr__(new, "held_constant", held)
    object.__setattr__(new, "_description", note)
    return new


def _with_slots(cls: type) -> type:
    """The dataclass ``cls`` rebuilt with ``__slots__`` (as ``dataclass(slots=True)`` does),
    its ``description`` kept as the :class:`_Description` over the slot ``_description``:
    a Jacobian holds one Step per entry, and a slotted one is a third smaller."""
    from dataclasses import fields
    names = tuple("_description" if f.name == "description" else f.name for f in fields(cls))
    body = {k: v for k, v in cls.__dict__.items()
            if k not in names and k not in ("__dict__", "__weakref__")}
    body["__slots__"] = names

    def __getstate__(self: object) -> list:                # copy and pickle, as frozen
        return [getattr(self, n) for n in names]

    def __setstate__(self: object, state: list) -> None:
        for n, v in zip(names, state):
            object.__setattr__(self, n, v)

    body["__getstate__"], body["__setstate__"] = __getstate__, __setstate__
    new = type(cls)(cls.__name__, cls.__bases__, body)
    new.__qualname__ = cls.__qualname__
    return new


@_with_slots
@dataclass(frozen=True, eq=False)
class Step:
    """One named move of a derivation (see the module docstring for the four kinds)."""

    rule: str
    kind: StepKind
    expr: sp.Basic
    result: sp.Basic
    description: str = _Description()  # type: ignore[assignment]  # a str when read
    wrt: sp.Symbol | None = None
    children: tuple["Step", ...] = ()
    definitions: tuple[tuple[sp.Symbol, sp.Basic], ...] = ()
    #: a tuple, or a :class:`Held` view of a record shared by the entries of a Jacobian
    held_constant: Sequence[sp.Symbol] = ()
    same_as: "Step | None" = field(default=None, repr=False)
    variables: tuple[sp.Symbol, ...] = ()
    #: members stated equal in turn (see the module docstring); empty: read by the kind
    equation: tuple[Member, ...] = ()
    parts: tuple[object, ...] = ()

    def walk(self) -> Iterator["Step"]:
        """This step and all its descendants, depth first, parents before children."""
        stack: list[Step] = [self]
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.children))

    def rules_used(self) -> list[str]:
        """Every rule name in this sub-tree, in order, without repeats."""
        seen: dict[str, None] = {}
        for s in self.walk():
            seen.setdefault(s.rule, None)
        return list(seen)
