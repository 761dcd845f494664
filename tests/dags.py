"""Deep shared expressions for the DAG tests (verifier, code emitter)."""
from __future__ import annotations

import sympy as sp

X = sp.Symbol("x")


def deep(n: int) -> tuple[sp.Expr, sp.Expr]:
    """f_0 = x, f_k = sin(f_{k-1}) + f_{k-1}^2 and its derivative by the recurrence
    df_k = cos(f_{k-1}) df_{k-1} + 2 f_{k-1} df_{k-1}, both sharing nodes (a DAG).

    Built with unevaluated constructors: SymPy's eval asks assumptions (is_number ...) that
    recurse along paths - seconds, or a RecursionError under pytest, at n = 160.
    """
    f: sp.Expr = X
    df: sp.Expr = sp.Integer(1)
    for _ in range(n):
        f, df = (sp.Add(sp.sin(f, evaluate=False), sp.Pow(f, 2, evaluate=False), evaluate=False),
                 sp.Add(sp.Mul(sp.cos(f, evaluate=False), df, evaluate=False),
                        sp.Mul(2, f, df, evaluate=False), evaluate=False))
    return f, df
