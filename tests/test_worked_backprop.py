"""The notes' backward passes (worked_examples/backprop.py): every equation equals the
notes' at random sizes, the pass verifies against finite differences of J, the LaTeX
compiles, and the emitted NumPy module runs and agrees with finite differences."""
from __future__ import annotations

import json
import re
import types

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc import backprop
from matcalc.cli import main
from matcalc.verify.evaluate import evaluate
from matcalc.matrix.parse import parse_matrix_expression
from matcalc.matrix.program import parse_program
from worked_examples.backprop import BACKPROP_EXAMPLES

IDS = [e.name for e in BACKPROP_EXAMPLES]


def _random_inputs(prog, sizes, rng):
    values = {}
    for name, (r, c) in prog.shapes.items():
        shape = (int(sp.sympify(r).xreplace(sizes)), int(sp.sympify(c).xreplace(sizes)))
        values[name] = rng.uniform(0.1, 0.9, shape) if name == "Y" else \
            rng.standard_normal(shape)
    return values


def _sizes(prog, seed):
    rng = np.random.default_rng(seed)
    return {d: int(rng.integers(2, 6)) for d in prog.dims()}


@pytest.mark.parametrize("example", BACKPROP_EXAMPLES, ids=IDS)
def test_equations_match_the_notes(example) -> None:
    text = example.path.read_text()
    d = backprop(text, example.wrt)
    assert d.verification.status == "passed", d.verification
    prog = parse_program(text)
    rng = np.random.default_rng(3)
    for trial in range(2):
        sizes = _sizes(prog, trial)
        env = _random_inputs(prog, sizes, rng)
        for target, value in prog.assignments:
            env[target.name] = evaluate(value, env, sizes)
        # matcalc's equations, evaluated in backward order
        ours = dict(env)
        for name, expr in d.results.items():
            ours[f"d{name}"] = evaluate(expr, ours, sizes)
        shapes = dict(prog.shapes)
        shapes.update({t.name: tuple(t.shape) for t, _ in prog.assignments if hasattr(t, "shape")})
        shapes.update({f"d{k}": v for k, v in list(shapes.items())})
        for name, notes in example.equations.items():
            expected = evaluate(parse_matrix_expression(notes, shapes), ours, sizes)
            np.testing.assert_allclose(np.asarray(ours[name], dtype=float),
                                       np.asarray(expected, dtype=float), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{example.name}: {name}")


@pytest.mark.parametrize("example", BACKPROP_EXAMPLES, ids=IDS)
def test_json_lists_the_backward_pass_in_order(example) -> None:
    res = CliRunner().invoke(main, ["backprop", str(example.path), "--wrt", example.wrt,
                                    "--format", "json", "--no-verify"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["kind"] == "backprop"
    keys = list(doc["results"])
    params = example.wrt.split(",")
    assert set(params) <= set(keys)
    prog = parse_program(example.path.read_text())
    inter = [t.name for t, _ in prog.assignments[:-1]]
    assert [k for k in keys if k in inter] == inter[::-1]          # backward order
    for entry in doc["results"].values():
        assert entry["numpy"] and entry["latex"] and entry["result"]


@pytest.mark.parametrize("example", BACKPROP_EXAMPLES, ids=IDS)
def test_emitted_module_runs_and_is_right(example, tmp_path) -> None:
    out = tmp_path / "grad.py"
    res = CliRunner().invoke(main, ["backprop", str(example.path), "--wrt", example.wrt,
                                    "--emit", "numpy", "-o", str(out), "--no-verify"])
    assert res.exit_code == 0, res.output
    module = types.ModuleType("grad")
    exec(compile(out.read_text(), str(out), "exec"), module.__dict__)   # our generated code
    prog = parse_program(example.path.read_text())
    rng = np.random.default_rng(7)
    values = _random_inputs(prog, _sizes(prog, 5), rng)
    args = [values[n] for n in prog.shapes]
    grads = module.backward(*args)
    h = 1e-6
    for p in example.wrt.split(","):
        direction = rng.standard_normal(values[p].shape)
        plus = dict(values); plus[p] = values[p] + h * direction
        minus = dict(values); minus[p] = values[p] - h * direction
        fd = (module.forward(*[plus[n] for n in prog.shapes])["J"]
              - module.forward(*[minus[n] for n in prog.shapes])["J"]) / (2 * h)
        assert grads[p].shape == values[p].shape
        assert abs(float(np.sum(grads[p] * direction)) - fd) < 1e-6 * max(1, abs(fd))


@pytest.mark.latex
@pytest.mark.parametrize("example", BACKPROP_EXAMPLES, ids=IDS)
def test_latex_compiles(example, pdflatex) -> None:
    d = backprop(example.path.read_text(), example.wrt, verify=False)
    log = pdflatex(d.to_latex(standalone=True), example.name)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), f"overfull boxes: {widths}"
