"""register_function: one call writes one row of the operator table, and the new function
then parses, derives with a named step, verifies, emits NumPy and prints back."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import log1p

from matcalc import derive, ops
from matcalc.codegen.numpy import to_numpy
from matcalc.errors import InputError, ParseError
from matcalc.extend import register_function
from matcalc.parse import parse
from matcalc.parse.grammar import FUNCTIONS
from matcalc.render.latex import tex
from matcalc.syntax import to_syntax
from matcalc.rules.catalogue import RULES
from matcalc.verify.kernel import compile_kernel

from .oracle import assert_same_function, oracle_diff


class cube_root(sp.Function):
    """The real cube root (a class SymPy does not have, with its own fdiff for the oracle)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return 1 / (3 * cube_root(self.args[0]) ** 2)


@pytest.fixture
def registered():
    """Register functions for one test and drop their rows afterwards."""
    names: list[str] = []

    def register(name: str, *args, **kwargs) -> ops.Op:
        row = register_function(name, *args, **kwargs)
        names.append(name)
        return row

    yield register
    for name in names:
        if name in ops.OPS:
            ops.remove(name)


def _log1p(register) -> ops.Op:
    return register("log1p", log1p, lambda u: 1 / (1 + u), numpy="np.log1p",
                    title="logarithm of one plus", identity="d/du log1p(u) = 1/(1 + u)",
                    latex=r"\frac{d}{du}\operatorname{log1p} u = \frac{1}{1 + u}",
                    example="log1p(x^2)", domain="u > -1", sample=(-0.9, 3.0))


def test_one_call_writes_one_row(registered) -> None:
    before = dict(ops.OPS)
    row = _log1p(registered)
    assert set(ops.OPS) - set(before) == {"log1p"} and ops.OPS["log1p"] is row
    assert FUNCTIONS["log1p"] is row                       # the parser's table is the index
    assert RULES["log1p"].identity == "d/du log1p(u) = 1/(1 + u)"
    assert list(RULES).count("log1p") == 1


def test_a_registered_function_works_everywhere(registered) -> None:
    _log1p(registered)
    x = sp.Symbol("x")
    assert parse("log1p(x^2)") == log1p(x ** 2)
    d = derive("log1p(x^2)")
    assert "log1p" in {s.rule for s in d.steps[0].walk()}        # a named step
    assert d.verification.status == "passed"
    assert_same_function(d.result, 2 * x / (1 + x ** 2), [x])   # by hand
    assert_same_function(d.result, oracle_diff(log1p(x ** 2), x), [x])
    xs = np.linspace(-2, 2, 9)
    assert np.allclose(eval(d.to_numpy(), {"np": np}, {"x": xs}),  # noqa: S307
                       2 * xs / (1 + xs ** 2))
    assert to_numpy(log1p(x)) == "np.log1p(x)"
    (value,) = compile_kernel([log1p(x)], [x])(np.array([0.5]))
    assert value[0] == pytest.approx(np.log1p(0.5))
    assert parse(to_syntax(log1p(x) * x)) == log1p(x) * x
    assert "log1p" in tex(log1p(x))


def test_name_aliases_and_latex_name(registered) -> None:
    registered("cbrt", cube_root, lambda u: 1 / (3 * cube_root(u) ** 2), numpy="np.cbrt",
               title="cube root", identity="d/du cbrt(u) = 1/(3 cbrt(u)^2)",
               latex=r"\frac{d}{du}\sqrt[3]{u} = \frac{1}{3 \sqrt[3]{u}^{2}}",
               example="cbrt(x^2)", aliases=("cuberoot",),
               latex_name=r"\operatorname{cbrt}", sample=(0.1, 3.0))
    x = sp.Symbol("x")
    assert parse("cuberoot(x)") == parse("cbrt(x)") == cube_root(x)
    assert to_syntax(cube_root(x)) == "cbrt(x)"                  # the row's first name
    assert tex(cube_root(x)) == r"\operatorname{cbrt}\left(x\right)"
    d = derive("cbrt(x) + x")
    assert d.verification.status == "passed"
    assert {"cbrt", "sum"} <= {s.rule for s in d.steps[0].walk()}


def test_removed_rows_are_gone_everywhere(registered) -> None:
    _log1p(registered)
    ops.remove("log1p")
    assert "log1p" not in FUNCTIONS and "log1p" not in RULES
    with pytest.raises(ParseError, match="unknown function 'log1p'"):
        derive("log1p(x)")
    _log1p(registered)                                         # registrable again
    assert derive("log1p(x)").verification.status == "passed"


def test_bad_registrations_are_refused(registered) -> None:
    with pytest.raises(InputError):                               # a name in use
        register_function("sin", log1p, sp.cos, numpy="np.sin", title="t", identity="i",
                          latex="l", example="sin(x)")
    with pytest.raises(InputError):                               # a class with a row
        register_function("arsinh", sp.asinh, sp.cos, numpy="np.arcsinh", title="t",
                          identity="i", latex="l", example="arsinh(x)")
    with pytest.raises(InputError):                               # not NumPy
        register_function("newf", log1p, sp.cos, numpy="os.system", title="t", identity="i",
                          latex="l", example="newf(x)")
    with pytest.raises(InputError):                               # not a name
        register_function("new f", log1p, sp.cos, numpy="np.log1p", title="t", identity="i",
                          latex="l", example="x")
    assert "newf" not in ops.OPS and "arsinh" not in FUNCTIONS
