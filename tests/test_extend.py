"""register_function: one call makes a new function parse, derive, verify and emit NumPy."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matcalc import derive
from matcalc.codegen.numpy import FUNCTIONS as EMIT
from matcalc.errors import InputError
from matcalc.extend import register_function
from matcalc.parse.grammar import FUNCTIONS as PARSE
from matcalc.rules.catalogue import RULES
from matcalc.rules.elementary import ELEMENTARY
from matcalc.verify.kernel import OPS


@pytest.fixture
def registries():
    """Restore every registry afterwards, so other tests (and the docs) see the real catalogue."""
    saved = [(d, dict(d)) for d in (EMIT, PARSE, RULES, ELEMENTARY, OPS)]
    yield
    for d, copy in saved:
        d.clear()
        d.update(copy)


def test_one_call_makes_a_function_usable_everywhere(registries) -> None:
    register_function("arsinh", sp.asinh, lambda u: 1 / sp.sqrt(u ** 2 + 1), numpy="np.arcsinh",
                      title="inverse hyperbolic sine", identity="d/du asinh(u) = 1/sqrt(u^2 + 1)",
                      latex=r"\frac{d}{du}\operatorname{asinh} u = \frac{1}{\sqrt{u^{2}+1}}",
                      example="arsinh(2x)")
    d = derive("arsinh(2x)")
    assert "arsinh" in {s.rule for s in d.steps[0].walk()}
    assert d.verification.status == "passed"
    xs = np.linspace(-2, 2, 9)
    expected = 2 / np.sqrt(4 * xs ** 2 + 1)  # written by hand
    assert np.allclose(eval(d.to_numpy(), {"np": np}, {"x": xs}), expected)  # noqa: S307


def test_bad_registrations_are_refused(registries) -> None:
    with pytest.raises(InputError):
        register_function("sin", sp.sin, sp.cos, numpy="np.sin", title="t", identity="i",
                          latex="l", example="sin(x)")
    with pytest.raises(InputError):
        register_function("newf", sp.asinh, sp.cos, numpy="os.system", title="t", identity="i",
                          latex="l", example="newf(x)")
