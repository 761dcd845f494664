"""The worked examples with declared shapes: seed 001's element-wise vector derivatives
(worked_examples/elementwise.py) and the matrix examples (worked_examples/matrix.py: least
squares, ridge, softmax regression, a Gaussian log-likelihood ...). matcalc's symbolic
answer equals the seed's or the textbook's closed form at random sizes (positive
definite, well-conditioned S and X), it verifies, and its LaTeX compiles."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from matcalc.cli import main
from matcalc.verify.evaluate import evaluate
from matcalc.matrix.parse import parse_matrix_expression, shape_table
from worked_examples.elementwise import ELEMENTWISE_EXAMPLES as SEED_001
from worked_examples.matrix import MATRIX_EXAMPLES

from matcalc.gallery import examples as gallery_examples

#: the gallery's examples with declared shapes, as the same records
GALLERY_SHAPED = tuple(
    type(SEED_001[0])(f"gallery_{e.name}", e.source, e.command(), e.seed_answer, e.note)
    for e in gallery_examples() if "shapes" in e.options)
ELEMENTWISE_EXAMPLES = SEED_001 + MATRIX_EXAMPLES + GALLERY_SHAPED
IDS = [e.name for e in ELEMENTWISE_EXAMPLES]


def _shapes(example) -> list[str]:
    c = list(example.command)
    return [c[i + 1] for i, a in enumerate(c) if a == "--shape"]


def _values(table: dict, sizes: dict, rng: np.random.Generator) -> dict:
    out = {}
    for name, (r, c) in table.items():
        rows, cols = int(r.xreplace(sizes)), int(c.xreplace(sizes))
        out[name] = rng.uniform(0.5, 2.0, (rows, cols))
        if name in ("S", "X") and rows == cols:     # well conditioned, positive determinant
            q = rng.standard_normal((rows, rows))
            out[name] = q @ q.T + rows * np.eye(rows) if name == "S" else \
                np.eye(rows) + 0.3 * q / np.sqrt(rows)
    for name in ("z", "b", "lam"):
        out[name] = float(rng.uniform(-1.0, 1.0))
    return out


@pytest.mark.parametrize("example", ELEMENTWISE_EXAMPLES, ids=IDS)
def test_matches_the_seed_at_random_sizes(example) -> None:
    res = CliRunner().invoke(main, [*example.command, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["verification"]["status"] == "passed"
    key = doc["kind"] if doc["kind"] in ("jacobian", "hessian") else doc["wrt"][0]
    table = shape_table(_shapes(example))
    ours = parse_matrix_expression(doc["results"][key]["result"], table)
    seed = parse_matrix_expression(example.seed_answer, table)
    rng = np.random.default_rng(1)
    for n_val, N_val in ((2, 3), (4, 5), (6, 2)):
        sizes = {sp.Symbol("n"): n_val, sp.Symbol("N"): N_val, sp.Symbol("m"): N_val + 1,
                 sp.Symbol("k"): n_val + 1}
        values = _values(table, sizes, rng)
        a = np.asarray(evaluate(ours, values, sizes), dtype=float)
        b = np.asarray(evaluate(seed, values, sizes), dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_symbolic_result_does_not_grow_with_n() -> None:
    """diag(x) is one node whatever n is: the same text for n, 3 and 300 declared."""
    texts = []
    for n in ("n", "3", "300"):
        res = CliRunner().invoke(main, ["jacobian", "tanh(x)", "--shape", f"x:{n}",
                                        "--no-verify", "--format", "json"])
        texts.append(json.loads(res.output)["results"]["jacobian"]["result"])
    assert texts[0] == texts[1] == texts[2] == "diag(1 - tanh(x)^2)"


def test_dim_shows_the_components() -> None:
    res = CliRunner().invoke(main, ["jacobian", "w * x", "--wrt", "w", "--shape", "w:n",
                                    "--shape", "x:n", "--dim", "n=3"])
    assert res.exit_code == 0, res.output
    # the components as a matrix, one row a line, columns aligned (the scalar house style)
    assert "J = diag(x) = [[x1, 0,  0]," in res.output
    assert "[0,  x2, 0]," in res.output and "[0,  0,  x3]]" in res.output
    assert "[components at n = 3]" in res.output


@pytest.mark.latex
@pytest.mark.parametrize("example", ELEMENTWISE_EXAMPLES, ids=IDS)
def test_latex_compiles(example, pdflatex) -> None:
    res = CliRunner().invoke(main, [*example.command, "--format", "latex", "--standalone"])
    assert res.exit_code == 0, res.output
    log = pdflatex(res.output, example.name)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 20 for w in widths), f"overfull boxes: {widths}"
