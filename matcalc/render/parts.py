"""The parts a presentation plan is made of: renderer-neutral pieces of a shown step.

An ``Entry`` is one numbered step; its ``parts`` are equal quantities (Leibniz ratios,
operators applied to expressions, values, products, sums, Jacobians, gradients, grids of
parts, and the engine's own ``Differential`` and ``Words``). ``render/naming.py`` builds
them, ``render/multi.py`` builds those of steps about several variables, and the
renderers only format them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import sympy as sp

from ..engine.step import Differential, Step, Words

#: Containers (vectors, matrices, matrix products) are printed as such, never named.
CONTAINERS = (sp.MatrixBase, sp.MatrixExpr, sp.Tuple)


@dataclass(frozen=True)
class Leibniz:
    """d num / d den (partial when ``partial``), e.g. dy/du3; ``order`` k: d^k num/d den^k;
    ``first``: the mixed partial d^2 num/(d den d first)."""

    num: sp.Symbol
    den: sp.Symbol
    partial: bool = False
    order: int = 1
    first: sp.Symbol | None = None


@dataclass(frozen=True)
class Operator:
    """d/d wrt applied to ``expr``, e.g. d/dx (x^3)."""

    wrt: sp.Symbol
    expr: sp.Basic
    partial: bool = False


@dataclass(frozen=True)
class Value:
    """An expression (already shrunk by the Namer)."""

    expr: sp.Basic


@dataclass(frozen=True)
class Product:
    """Factors written side by side, in the given order: Leibniz ratios or expressions."""

    factors: tuple[Union[Leibniz, Operator, Value], ...]


@dataclass(frozen=True)
class Sum:
    """Terms added, e.g. d/dx (x*u2) + dy/du2 * du2/dx (the total derivative)."""

    terms: tuple["Part", ...]


@dataclass(frozen=True)
class Jacobian:
    """The Jacobian d(f1, f2)/d(x, y) as a symbol; ``held``: the symbols held constant
    (the direct part of a vector chain rule), ``transposed``: its denominator layout."""

    num: tuple[sp.Symbol, ...]
    den: tuple[sp.Symbol, ...]
    transposed: bool = False
    held: tuple[sp.Symbol, ...] = ()
    name: str = ""          # "J": the derivation's own Jacobian, written by this name


@dataclass(frozen=True)
class Nabla:
    """The gradient of ``function``, grad f."""

    function: sp.Symbol


@dataclass(frozen=True)
class Grid:
    """A matrix whose entries are parts (the Leibniz ratios of an assembled Jacobian)."""

    rows: tuple[tuple["Part", ...], ...]


#: ``Differential(expr)`` (d expr) and ``Words(pieces)`` (words between two equations of
#: one entry: the members before and after it are not equal) are the engine's own records
#: (:mod:`matcalc.engine.step`), their expressions shrunk by the Namer.
Part = Union[Leibniz, Operator, Value, Product, Sum, Jacobian, Nabla, Grid, Differential, Words]

#: A heading over a group of steps: text pieces, expressions and parts, in reading order.
Heading = tuple[Union[str, sp.Basic, Part], ...]


@dataclass(frozen=True)
class Entry:
    """One shown step: ``parts`` are equal quantities, ``parts[0] = parts[1] = ...``."""

    step: Step
    number: str
    depth: int
    tag: str
    parts: tuple[Part, ...] = ()
    heading: str = ""
    definitions: tuple[tuple[sp.Symbol, sp.Basic], ...] = ()
    note: str = ""
