"""The rule catalogue: one record per rule, with a stable name and the identity it applies.

Rule names are part of the JSON contract (``steps[].rule``): never rename one. The docs'
rule catalogue is generated from ``RULES``, so it cannot drift from the code. The rules of
elementary functions are not stored here: ``RULES`` reads them from the operator table
(``matcalc.ops``) whenever it is asked, so a row added there is a rule here at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Iterator, Mapping
from typing import Literal

from .. import ops
from ..ops import KINK  # noqa: F401  (re-exported: the kink convention's sentence)


@dataclass(frozen=True)
class Rule:
    """A catalogue entry.

    ``identity`` is plain text, ``latex`` the same identity in LaTeX, ``example`` an input
    (matcalc syntax) whose derivation uses the rule, ``note`` a convention the step states.
    """

    name: str
    title: str
    identity: str
    latex: str
    example: str
    kind: Literal["derivative", "rewrite"] = "derivative"
    note: str = ""


@lru_cache(maxsize=None)
def table_rule(op: ops.Op) -> Rule:
    """The catalogue record of an elementary row of the operator table."""
    return Rule(op.name, op.title, op.identity, op.identity_latex, op.example, note=op.note)


class Catalogue(Mapping[str, Rule]):
    """Rule name -> Rule: the rules registered here, and in the place marked by
    :meth:`include_table` the elementary rules of the operator table, read live."""

    def __init__(self) -> None:
        self._own: dict[str, Rule] = {}
        self._order: list[str | None] = []   # None: where the table's rules are listed

    def register(self, rule: Rule) -> Rule:
        if rule.name in self:
            raise ValueError(f"rule {rule.name!r} is registered twice")
        self._own[rule.name] = rule
        self._order.append(rule.name)
        return rule

    def include_table(self) -> None:
        """List the operator table's elementary rules here (after the rules so far)."""
        self._order.append(None)

    def __getitem__(self, name: str) -> Rule:
        rule = self._own.get(name)
        if rule is not None:
            return rule
        op = ops.OPS.get(name)
        if op is not None and op.derivative is not None:
            return table_rule(op)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        for name in self._order:
            if name is None:
                yield from (op.name for op in ops.elementary())
            else:
                yield name

    def __len__(self) -> int:
        return len(self._own) + sum(1 for _ in ops.elementary())


RULES = Catalogue()


def register(rule: Rule) -> Rule:
    """Add a rule to the catalogue (names are unique, also against the operator table)."""
    return RULES.register(rule)


def rule_info(name: str) -> Rule:
    """The catalogue entry for a rule name."""
    return RULES[name]


# Structural rules: how a derivative is pushed one step through a node.
for _r in [
    Rule("constant", "constant rule", "d/dx c = 0", r"\frac{d}{dx} c = 0", "7"),
    Rule("variable", "variable rule", "d/dx x = 1", r"\frac{d}{dx} x = 1", "x"),
    Rule("constant_multiple", "constant multiple rule", "d/dx [c f] = c df/dx",
         r"\frac{d}{dx}\left[c f\right] = c \frac{df}{dx}", "3x^2(2y+7)"),
    Rule("sum", "sum rule", "d/dx [f + g] = df/dx + dg/dx",
         r"\frac{d}{dx}\left[f + g\right] = \frac{df}{dx} + \frac{dg}{dx}", "4x + y^2"),
    Rule("free_terms", "terms free of the variable",
         "d/dx [f + g(y, z)] = df/dx + 0: the terms without x, together, contribute 0",
         r"\frac{\partial}{\partial x}\left[f + g(y, z)\right] = \frac{\partial f}{\partial x} + 0",
         "x^2 + 3y"),
    Rule("power", "power rule", "d/dx x^n = n x^(n-1)",
         r"\frac{d}{dx} x^{n} = n x^{n-1}", "x^5"),
    Rule("sqrt", "square-root rule", "d/dx sqrt(x) = 1/(2 sqrt(x))",
         r"\frac{d}{dx}\sqrt{x} = \frac{1}{2\sqrt{x}}", "sqrt(x)"),
    Rule("exponential", "exponential rule", "d/dx a^x = a^x ln(a)",
         r"\frac{d}{dx} a^{x} = a^{x}\ln a", "2^x"),
    Rule("general_power", "logarithmic differentiation",
         "d/dx f^g = f^g d/dx [g ln f]",
         r"\frac{d}{dx} f^{g} = f^{g}\,\frac{d}{dx}\left[g \ln f\right]", "x^x"),
    Rule("product", "product rule", "d/dx [f g] = df/dx g + f dg/dx",
         r"\frac{d}{dx}\left[f g\right] = \frac{df}{dx} g + f \frac{dg}{dx}", "x sin(x)"),
    Rule("quotient", "quotient rule", "d/dx [f/g] = (df/dx g - f dg/dx) / g^2",
         r"\frac{d}{dx}\frac{f}{g} = \frac{\frac{df}{dx} g - f \frac{dg}{dx}}{g^{2}}",
         "(x + 1)/(x - 1)"),
    Rule("chain", "chain rule", "dy/dx = dy/du du/dx",
         r"\frac{dy}{dx} = \frac{dy}{du}\,\frac{du}{dx}", "ln(sin(x^3)^2)"),
    Rule("linear_chain", "chain rule, linear inner function",
         "d/dx f(ax + b) = a f'(ax + b)",
         r"\frac{d}{dx} f(ax + b) = a\,f'(ax + b)", "sin(3x)"),
    Rule("max", "maximum rule", "d/dx max(f, g) = [f > g] df/dx + [g > f] dg/dx",
         r"\frac{d}{dx}\max(f, g) = [f > g]\,\frac{df}{dx} + [g > f]\,\frac{dg}{dx}", "max(0, x)",
         note="With a constant, max(c, u), the kink takes relu's convention (0 at u = c); "
              "between two varying arguments a tie splits the derivative evenly "
              "(torch.maximum, jnp.maximum)."),
    Rule("min", "minimum rule", "d/dx min(f, g) = [f < g] df/dx + [g < f] dg/dx",
         r"\frac{d}{dx}\min(f, g) = [f < g]\,\frac{df}{dx} + [g < f]\,\frac{dg}{dx}", "min(x, 1)",
         note="As for max: 0 at the kink of min(c, u); a tie of two varying arguments "
              "splits evenly."),
    Rule("abstract_function", "unknown function", "d/du f(u) = f'(u)",
         r"\frac{d}{du} f(u) = f'(u)", "f(x)"),
    Rule("multivariable_chain", "multivariable chain rule",
         "d/dx f(u, v) = f_u(u, v) du/dx + f_v(u, v) dv/dx",
         r"\frac{d}{dx} f(u, v) = \frac{\partial f}{\partial u}\frac{du}{dx} + "
         r"\frac{\partial f}{\partial v}\frac{dv}{dx}", "atan2(x^2, x)"),
    Rule("change_of_base", "change of base", "log_b(f) = ln(f) / ln(b)",
         r"\log_{b} f = \frac{\ln f}{\ln b}", "log(x, x + 1)", kind="rewrite"),
    Rule("reuse", "already derived", "a repeated sub-expression is differentiated once",
         r"\text{(derived above)}", "sin(x^2) + x^2 sin(x^2)", kind="rewrite"),
    # Rewrite steps that present and finish a derivation.
    Rule("intermediate_variables", "introduce intermediate variables",
         "u1 = f1(x), u2 = f2(u1), ..., y = fn(u_(n-1))",
         r"u_{1} = f_{1}(x),\; u_{2} = f_{2}(u_{1}),\;\dots", "ln(sin(x^3)^2)", kind="rewrite"),
    Rule("chain_product", "multiply the local derivatives",
         "dy/dx = dy/du_n ... du_2/du_1 du_1/dx",
         r"\frac{dy}{dx} = \frac{dy}{du_{n}}\cdots\frac{du_{2}}{du_{1}}\frac{du_{1}}{dx}",
         "ln(sin(x^3)^2)", kind="rewrite"),
    Rule("substitute", "substitute back", "replace each u_k by its definition",
         r"u_{k} \mapsto f_{k}(u_{k-1})", "sin(x^2)", kind="rewrite"),
    Rule("simplify", "simplify", "an equivalent, simpler form (SymPy's simplify, time-boxed)",
         r"\text{simplify}", "ln(sin(x^3)^2)", kind="rewrite"),
]:
    register(_r)

# The elementary functions (matcalc/ops.py) are listed after the structural rules.
RULES.include_table()
