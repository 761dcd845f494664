"""The total-derivative chain rule through named intermediate variables.

With y = F(x, g_1, ..., g_k) and each g_i = G_i(x, g_1, ..., g_(i-1)),

    dy/dx = dF/dx|direct + sum_i (dF/dg_i) (dg_i/dx),

where every dF/d... is a *partial* derivative (the other arguments of F held constant) and
every dg_i/dx is again a total derivative (G_i may use earlier intermediates). This is the
notes' "sum over all paths from x to y": dy/dx = sum_{i=1}^{n+1} (df/du_i)(du_i/dx) with
u_(n+1) = x. Each dg_i/dx is derived once per variable; later uses are ``reuse`` steps.
The result is left in terms of the intermediates: substituting back is a separate step.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from .dag import free_symbols
from .intermediates import Intermediates
from .solver import short
from .step import Step

#: d f / d var as a Step, the other symbols of f held constant.
PartialFn = Callable[[sp.Basic, sp.Symbol], Step]


class TotalDerivatives:
    """Builds ``total_derivative`` steps with respect to one variable; memoizes dg/dx."""

    def __init__(self, intermediates: Intermediates, partial: PartialFn, var: sp.Symbol) -> None:
        self.inter = intermediates
        self.partial = partial
        self.var = var
        self._memo: dict[sp.Symbol, Step] = {}

    def of_intermediate(self, g: sp.Symbol) -> Step:
        """dg/dx: a total derivative when G uses intermediates that depend on x, else the
        plain derivation of G; a ``reuse`` step when already derived."""
        seen = self._memo.get(g)
        expr = self.inter.definition(g)
        if seen is not None:
            return Step("reuse", "reuse", expr, seen.result,
                        f"Already derived: d{g}/d{self.var} is needed again; it is reused.",
                        self.var, same_as=seen)
        if any(self.inter.depends(h, self.var) for h in self.inter.used_by(expr)):
            step = self.of(expr, g)
        else:
            step = self.partial(expr, self.var)
        self._memo[g] = step
        return step

    def of(self, expr: sp.Basic, name: sp.Symbol | None = None) -> Step:
        """d expr / dx by the total-derivative chain rule (``name``: what expr defines)."""
        var, inter = self.var, self.inter
        used = inter.used_by(expr)
        paths = [g for g in used if inter.depends(g, var)]
        idle = [g for g in used if g not in paths]
        direct = var in free_symbols(expr)
        if not direct and not paths:          # no path from var: the constant rule says 0
            return self.partial(expr, var)
        children: list[Step] = []
        terms: list[sp.Expr] = []                 # as written: products not multiplied out
        if direct:
            step = self.partial(expr, var)
            children.append(step)
            terms.append(step.result)
        for g in paths:
            outer, inner = self.partial(expr, g), self.of_intermediate(g)
            children += [outer, inner]
            terms.append(sp.Mul(outer.result, inner.result, evaluate=False))
        label = name.name if name is not None else "the function"
        formula = " + ".join(([f"(d/d{var} {label}, {', '.join(g.name for g in used)} held "
                               "constant)"] if direct and used else
                              [f"d/d{var} {label}"] if direct else [])
                             + [f"d{label if name else 'y'}/d{g} * d{g}/d{var}" for g in paths])
        how = " and ".join((["directly"] if direct else [])
                           + ([f"through {', '.join(g.name for g in paths)}"] if paths else []))
        note = (f" ({', '.join(g.name for g in idle)} does not depend on {var}, so its term "
                "vanishes)" if idle else "")
        value = sp.Add(*[sp.Mul(*t.args) if t.is_Mul else t for t in terms])
        if len(terms) > 1:                # one term: the formula line already shows it
            children.append(Step("total_sum", "rewrite", sp.Add(*terms, evaluate=False), value,
                                 f"Add the chain-rule terms, one per path from {var}: "
                                 f"{formula}.", var))
        return Step("total_derivative", "derivative", expr, value,
                    f"Total derivative chain rule: {label} ({short(expr, 40)}) depends on "
                    f"{var} {how or 'not at all'}{note}; each factor is a partial derivative "
                    "with the other arguments held constant.", var, tuple(children),
                    definitions=((name, expr),) if name is not None else ())


# ----------------------------------------------------------------------------- building blocks
# The steps every derivation through named intermediates shares (derive, grad, jacobian).

def finish_entry(root: Step, var: sp.Symbol | None, simplify: bool, timeout: float,
                 max_size: int, always: bool) -> list[Step]:
    """A derivation's root, then its simplify step (``always``, or only when it helps)."""
    from .simplify import simplify_step
    if not simplify:
        return [root]
    simp = simplify_step(root.result, var, timeout, max_size)
    return [root, simp] if always or simp.result != root.result else [root]


def define_step(full: sp.Basic, expr: sp.Basic, inter: Intermediates,
                var: sp.Symbol | None) -> Step:
    """The user's intermediates g1 = ..., g2 = ... introduced as given."""
    names = ", ".join(g.name for g in inter.names)
    return Step("intermediate_variables", "define", full, expr,
                f"Introduce the intermediate variables {names} as given.", var,
                definitions=inter.definitions)


def substitute_step(raw: sp.Basic, inter: Intermediates, var: sp.Symbol | None,
                    variables: "list[sp.Symbol] | tuple[sp.Symbol, ...]") -> Step:
    """raw = raw with every intermediate replaced by its definition in the variables."""
    names = ", ".join(g.name for g in inter.names)
    return Step("substitute", "rewrite", raw, inter.expand(raw),
                f"Substitute back {names} in terms of {', '.join(v.name for v in variables)}.",
                var)
