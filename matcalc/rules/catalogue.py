"""The rule catalogue: one record per rule, with a stable name and the identity it applies.

Rule names are part of the JSON contract (``steps[].rule``): never rename one. The docs'
rule catalogue is generated from ``RULES``, so it cannot drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule to the catalogue (names are unique)."""
    if rule.name in RULES:
        raise ValueError(f"rule {rule.name!r} is registered twice")
    RULES[rule.name] = rule
    return rule


def rule_info(name: str) -> Rule:
    """The catalogue entry for a rule name."""
    return RULES[name]


KINK = ("At the kink the derivative takes the convention PyTorch and JAX use: "
        "{value} at {where}.")

# Structural rules: how a derivative is pushed one step through a node.
for _r in [
    Rule("constant", "constant rule", "d/dx c = 0", r"\frac{d}{dx} c = 0", "7"),
    Rule("variable", "variable rule", "d/dx x = 1", r"\frac{d}{dx} x = 1", "x"),
    Rule("constant_multiple", "constant multiple rule", "d/dx [c f] = c df/dx",
         r"\frac{d}{dx}\left[c f\right] = c \frac{df}{dx}", "3x^2(2y+7)"),
    Rule("sum", "sum rule", "d/dx [f + g] = df/dx + dg/dx",
         r"\frac{d}{dx}\left[f + g\right] = \frac{df}{dx} + \frac{dg}{dx}", "4x + y^2"),
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
    Rule("max", "maximum rule", "d/dx max(f, g) = [f > g] df/dx + [g > f] dg/dx",
         r"\frac{d}{dx}\max(f, g) = [f > g]\,\frac{df}{dx} + [g > f]\,\frac{dg}{dx}", "max(0, x)",
         note="With a constant, max(c, u), the kink takes relu's convention (0 at u = c); "
              "between two varying arguments a tie splits the derivative evenly "
              "(torch.maximum, jnp.maximum)."),
    Rule("min", "minimum rule", "d/dx min(f, g) = [f < g] df/dx + [g < f] dg/dx",
         r"\frac{d}{dx}\min(f, g) = [f < g]\,\frac{df}{dx} + [g < f]\,\frac{dg}{dx}", "min(x, 1)",
         note="As for max: 0 at the kink of min(c, u); a tie of two varying arguments "
              "splits evenly."),
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
