"""The one public extension surface: make a function usable everywhere with one call.

``register_function`` adds a SymPy function class of one argument to

* the input language (the name users type),
* the rule catalogue (its derivative d f(u)/du, with the identity for the docs),
* the verifier's NumPy kernel, and
* the NumPy code emitter (``--format numpy``, JSON ``numpy`` fields),

as autograd's ``defvjp`` does for its primitives.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp


def register_function(name: str, func: type, derivative: Callable[[sp.Expr], sp.Expr], *,
                      numpy: str, title: str, identity: str, latex: str, example: str,
                      note: str = "") -> None:
    """Register ``func`` under ``name``: d/du func(u) = ``derivative(u)``.

    ``numpy`` names the NumPy function of one array argument that evaluates ``func``
    (e.g. ``"np.arcsinh"``); ``title``, ``identity`` (plain text), ``latex`` and ``example``
    (matcalc syntax) describe the rule in the output and the generated catalogue.

    >>> import sympy as sp
    >>> register_function("asinh", sp.asinh, lambda u: 1 / sp.sqrt(u**2 + 1),
    ...     numpy="np.arcsinh", title="inverse hyperbolic sine",
    ...     identity="d/du asinh(u) = 1/sqrt(u^2 + 1)",
    ...     latex=r"\\frac{d}{du} \\operatorname{asinh} u = \\frac{1}{\\sqrt{u^{2} + 1}}",
    ...     example="asinh(2x)")  # doctest: +SKIP
    """
    import numpy as np

    from .codegen.numpy import FUNCTIONS as EMIT
    from .errors import InputError
    from .parse.grammar import FUNCTIONS as PARSE, FunctionSpec
    from .rules.catalogue import RULES
    from .rules.elementary import defderiv
    from .verify.kernel import OPS

    if not name.isidentifier() or name in PARSE or name in RULES:
        raise InputError(f"cannot register {name!r}: not a name, or already in use")
    if not numpy.startswith("np.") or not callable(getattr(np, numpy[3:], None)):
        raise InputError(f"numpy must name a NumPy function such as 'np.arcsinh', got {numpy!r}")
    defderiv(func, name, title, identity, latex, example, derivative, note=note)
    PARSE[name] = FunctionSpec(func)
    OPS[func] = getattr(np, numpy[3:])
    EMIT[func] = lambda a: f"{numpy}({a[0]})"
