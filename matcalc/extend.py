"""The one public extension surface: make a function usable everywhere with one call.

``register_function`` adds one row to the operator table (``matcalc/ops.py``), which
every layer reads:

* the input language (the name users type),
* the rule catalogue (its derivative d f(u)/du, with the identity for the docs),
* the verifier's NumPy kernel,
* the NumPy code emitter (``--format numpy``, JSON ``numpy`` fields), and
* the printers (the name written back, its LaTeX),

as autograd's ``defvjp`` does for its primitives.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from . import ops


def register_function(name: str, func: type, derivative: Callable[[sp.Expr], sp.Expr], *,
                      numpy: str, title: str, identity: str, latex: str, example: str,
                      note: str = "", aliases: tuple[str, ...] = (), domain: str = "",
                      sample: tuple[float, float] = ops.WIDE,
                      latex_name: str | None = None) -> ops.Op:
    """Register ``func`` under ``name``: d/du func(u) = ``derivative(u)``; return its row.

    ``numpy`` names the NumPy function of one array argument that evaluates ``func``
    (e.g. ``"np.arcsinh"``); ``title``, ``identity`` (plain text), ``latex`` (the same
    identity in LaTeX) and ``example`` (matcalc syntax) describe the rule
    in the output and the generated catalogue. ``aliases`` are more names users may
    type; ``domain`` says where func is defined (for the docs) and ``sample`` an open
    interval inside it where test points may be drawn; ``latex_name`` (such as
    ``r"\\operatorname{gd}"``) is how func's name prints in LaTeX, when SymPy's default
    is not wanted.

    >>> import sympy as sp
    >>> from sympy.codegen.cfunctions import log1p
    >>> register_function("log1p", log1p, lambda u: 1 / (1 + u),
    ...     numpy="np.log1p", title="log of one plus",
    ...     identity="d/du log1p(u) = 1/(1 + u)",
    ...     latex=r"\\frac{d}{du} \\operatorname{log1p} u = \\frac{1}{1 + u}",
    ...     example="log1p(x^2)")  # doctest: +SKIP
    """
    import numpy as np

    from .errors import InputError
    from .rules.catalogue import RULES

    names = (name, *aliases)
    if any(not n.isidentifier() or n in ops.BY_NAME for n in names) or name in RULES \
            or name in ops.OPS:
        raise InputError(f"cannot register {name!r}: not a name, or already in use")
    if not isinstance(func, type) or func in ops.BY_CLASS:
        raise InputError(f"cannot register {name!r}: {func!r} is not a new SymPy class")
    target: object = np
    for part in numpy.split(".")[1:] if numpy.startswith("np.") else ["-"]:
        target = getattr(target, part, None)
    if not callable(target):
        raise InputError(f"numpy must name a NumPy function such as 'np.arcsinh', got {numpy!r}")
    return ops.add(ops.Op(
        name, func, names, derivative=derivative, title=title, identity=identity,
        identity_latex=latex, example=example, note=note, meaning=title, domain=domain,
        sample=(sample,), numpy=numpy, latex_name=latex_name))
