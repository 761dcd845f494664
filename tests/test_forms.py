"""Results in the form a lecturer writes (issue 11): the table of textbook forms, the
declared facts (--assume) with and without them, the verifier's samples that respect
them, and the steps that say what they used."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

import matcalc
from matcalc.assume import assuming, parse_assumption, parse_assumptions
from matcalc.cli import main
from matcalc.errors import MatcalcError, ParseError

from .forms_table import CASES, Case, length, measure

# ------------------------------------------------------------------ the table


def test_the_table_is_large_and_covers_every_kind_and_fact() -> None:
    assert len(CASES) >= 40
    kinds = {c.kind for c in CASES}
    assert {"derive", "grad", "jacobian", "backprop"} <= kinds
    assert sum(bool(c.shapes) for c in CASES) >= 10
    facts = {parse_assumption(a).kind for c in CASES for a in c.assume}
    assert facts == {"symmetric", "spd", "sums_to_one", "positive"}


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_result_equals_the_textbook_form_and_is_no_longer(case: Case) -> None:
    row = measure(case)
    assert not row.error, row.error
    assert row.equal, (row.result, case.textbook)
    assert length(row.result) <= 1.15 * length(case.textbook), (row.result, case.textbook)


def test_the_equality_check_can_fail() -> None:
    """The table's numeric comparison tells a wrong form from a right one."""
    from .forms_table import equal_numerically, run
    wrong = Case("derive", "x/(x+1)", "x", "1/(x + 1)^3")
    d, out = run(wrong)
    assert not equal_numerically(wrong, d, out)
    general = Case("derive", "-sum(y * log(softmax(z)))", "z", "softmax(z) - y", "z",
                   ("z:n", "y:n"))
    d, out = run(general)                     # without sum(y) = 1 the two differ
    assert not equal_numerically(general, d, out)


# ------------------------------------------------------------------ exact forms


@pytest.mark.parametrize("expr, wrt, expected", [
    ("(x^2+1)/(x-1)", "x", "(x^2 - 2*x - 1)/(x - 1)^2"),
    ("-(y*log(p) + (1-y)*log(1-p))", "p", "(p - y)/(p*(1 - p))"),
    ("-(y*log(sigmoid(z)) + (1-y)*log(1-sigmoid(z)))", "z", "sigmoid(z) - y"),
    ("exp(-x^2/2)/sqrt(2*pi)", "x", "-x*exp(-x^2/2)/sqrt(2*pi)"),
    ("x/(x+1)", "x", "1/(x + 1)^2"),
])
def test_scalar_forms_a_lecturer_writes(expr: str, wrt: str, expected: str) -> None:
    d = matcalc.derive(expr, wrt)
    assert json.loads(d.to_json())["results"][wrt]["result"] == expected
    assert d.verification.status == "passed"
    oracle = sp.diff(matcalc.derive(expr, wrt, simplify=False).expr, sp.Symbol(wrt))
    assert sp.simplify(d.result - oracle) == 0


def test_every_gradient_entry_gets_the_same_treatment() -> None:
    d = matcalc.gradient("(w*x + b - y)^2", "w,b")
    out = json.loads(d.to_json())["results"]
    assert out["w"]["result"] == "2*x*(b + w*x - y)"
    assert out["b"]["result"] == "2*(b + w*x - y)"


def test_matrix_forms_and_their_named_rules() -> None:
    d = matcalc.jacobian("softmax(z)", "z", shapes=["z:n"])
    assert json.loads(d.to_json())["results"]["jacobian"]["result"] == \
        "diag(softmax(z)) - softmax(z) @ softmax(z).T"
    rules = {s.rule for top in d.steps for s in top.walk()}
    assert "matrix_simplify" not in rules      # read off at once: ds = s o dz - s s^T dz
    d = matcalc.jacobian("softmax(z)", "z", shapes=["z:n"], detail="full")
    assert json.loads(d.to_json())["results"]["jacobian"]["result"] == \
        "diag(softmax(z)) - softmax(z) @ softmax(z).T"
    rules = {s.rule for top in d.steps for s in top.walk()}
    assert {"matrix_simplify", "distribute", "outer_product"} <= rules
    d = matcalc.derive("det(X.T @ X)", "X", shapes=["X:m,n"])
    assert json.loads(d.to_json())["results"]["X"]["result"] == \
        "2*det(X.T @ X)*X @ inv(X.T @ X)"
    assert d.verification.status == "passed"


def test_transpose_of_an_inverse_is_written_x_minus_t() -> None:
    d = matcalc.derive("logdet(S)", "S", shapes=["S:n,n"])
    out = json.loads(d.to_json())["results"]["S"]
    assert out["result"] == "inv(S).T" and out["latex"] == "S^{-T}"


# ------------------------------------------------------------------ assumptions


@pytest.mark.parametrize("text, kind, name, axis", [
    ("symmetric(S)", "symmetric", "S", None), ("spd( S )", "spd", "S", None),
    ("sum(y) = 1", "sums_to_one", "y", None), ("sum(Y, axis=0) = 1", "sums_to_one", "Y", 0),
    ("x > 0", "positive", "x", None)])
def test_assumptions_parse_and_print_back(text, kind, name, axis) -> None:
    a = parse_assumption(text)
    assert (a.kind, a.name, a.axis) == (kind, name, axis)
    assert parse_assumption(a.source()) == a


@pytest.mark.parametrize("text", ["x >= 0", "sym(S)", "sum(y) = 2", "__import__('os')", ""])
def test_bad_assumptions_are_one_line_exit_2(text: str) -> None:
    with pytest.raises(ParseError):
        parse_assumption(text)
    r = CliRunner().invoke(main, ["derive", "x^2", "--assume", text])
    assert r.exit_code == 2 and "unknown assumption" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args, says", [
    (["derive", "x^2", "--assume", "y > 0"], "'y' is not a variable"),
    (["derive", "logdet(S)", "--shape", "S:n,n", "--assume", "sum(S) = 1"], "axis=0"),
    (["derive", "sum(x)", "--shape", "x:n", "--assume", "spd(x)"], "square matrix"),
])
def test_an_assumption_must_fit_its_variable(args, says) -> None:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and says in r.output, r.output


def test_with_and_without_each_assumption() -> None:
    """The general form stays without the fact; with it the step names the fact."""
    pairs = [
        (dict(expr="logdet(S)", wrt="S", shapes=["S:n,n"]), "spd(S)", "inv(S).T", "inv(S)"),
        (dict(expr="x.T @ A @ x", wrt="x", shapes=["x:n", "A:n,n"]), "symmetric(A)",
         "(A + A.T) @ x", "2*A @ x"),
        (dict(expr="x.T @ inv(A) @ x", wrt="x", shapes=["x:n", "A:n,n"]), "symmetric(A)",
         "(inv(A) + inv(A).T) @ x", "2*inv(A) @ x"),
        (dict(expr="-sum(y * log(softmax(z)))", wrt="z", shapes=["z:n", "y:n"]), "sum(y) = 1",
         "sum(y)*softmax(z) - y", "softmax(z) - y"),
        (dict(expr="sqrt(x^2)", wrt="x"), "x > 0", "x/sqrt(x^2)", "1"),
    ]
    for kw, fact, general, special in pairs:
        plain = matcalc.derive(**kw)
        used = matcalc.derive(**kw, assume=[fact])
        assert json.loads(plain.to_json())["results"][kw["wrt"]]["result"] == general
        assert json.loads(used.to_json())["results"][kw["wrt"]]["result"] == special
        assert plain.verification.status == used.verification.status == "passed"
        assert "assume" in used.to_text() and "assume" not in plain.to_text()
        says = [s.description for top in used.steps for s in top.walk() if "assumed" in
                s.description]
        assert says and all(fact.split("(")[-1].rstrip(")").split(" ")[0] in s for s in says)


def test_backprop_softmax_cross_entropy_with_one_hot_labels() -> None:
    text = open("worked_examples/programs/softmax_relu.mc").read()
    plain = matcalc.backprop(text)
    hot = matcalc.backprop(text, assume=["sum(Y, axis=0) = 1"])
    out = json.loads(hot.to_json())["results"]
    assert out["Z2"]["result"] == "softmax(Z2) - Y"
    assert json.loads(plain.to_json())["results"]["Z2"]["result"] == \
        "-Y + (ones(k, k) @ Y)*softmax(Z2)"          # the general form stays
    assert hot.verification.status == plain.verification.status == "passed"
    assert "since every column of Y sums to 1 (assumed)" in hot.to_text()


def test_assumptions_in_notes_files() -> None:
    from matcalc.notes import build, parse_notes
    text = ('title = "T"\n[[section]]\ntitle = "One"\n[[section.derivation]]\n'
            'kind = "derive"\nexpr = "logdet(S)"\nshapes = ["S:n,n"]\nassume = ["spd(S)"]\n')
    tex, _ = build(parse_notes(text))
    assert "\\frac{df}{dS} &= S^{-1}\n\\end{align*}" in tex


# ------------------------------------------------------------------ the verifier's draws


def _drawn(facts: list[str], names: dict[str, tuple[int, int]]) -> dict:
    from matcalc.verify.matrix import draw
    variables = [sp.MatrixSymbol(n, *s) for n, s in names.items()]
    rng = np.random.default_rng(0)
    with assuming(parse_assumptions(facts)):
        return draw(variables, {}, rng, set())


def test_spd_samples_have_positive_eigenvalues() -> None:
    for seed in range(20):
        S = _drawn(["spd(S)"], {"S": (5, 5)})["S"]
        assert np.allclose(S, S.T) and np.linalg.eigvalsh(S).min() > 0


def test_symmetric_samples_are_symmetric_and_others_untouched() -> None:
    v = _drawn(["symmetric(S)"], {"S": (4, 4), "A": (4, 4)})
    assert np.allclose(v["S"], v["S"].T) and not np.allclose(v["A"], v["A"].T)
    assert not np.allclose(_drawn([], {"S": (4, 4)})["S"], _drawn([], {"S": (4, 4)})["S"].T)


def test_one_hot_labels_sum_to_one() -> None:
    Y = _drawn(["sum(Y, axis=0) = 1"], {"Y": (4, 7)})["Y"]
    assert np.allclose(Y.sum(axis=0), 1) and set(np.unique(Y)) <= {0.0, 1.0}
    y = _drawn(["sum(y) = 1"], {"y": (5, 1)})["y"]
    assert np.isclose(y.sum(), 1) and (y > 0).all()


def test_positive_scalars_are_sampled_positive() -> None:
    from matcalc.verify.sampling import draw_candidates
    x, y = sp.symbols("x y")
    rng = np.random.default_rng(0)
    with assuming(parse_assumptions(["x > 0"])):
        pts = draw_candidates(rng, [x, y], 400)
    assert (pts[:, 0] > 0).all() and (pts[:, 1] < 0).any()


def test_the_verifier_uses_the_assumption() -> None:
    """Without the fact the special form is wrong, and the verifier says so: the samples
    that satisfy the fact are what lets it pass."""
    from matcalc.verify.matrix import check_derivation
    d = matcalc.derive("logdet(S)", "S", shapes=["S:n,n"], assume=["spd(S)"])
    S = sp.MatrixSymbol("S", sp.Symbol("n"), sp.Symbol("n"))
    wrong = {"S": sp.Inverse(S)}                       # inv(S) for a general S
    from matcalc.matrix.derive import _dims
    v = check_derivation(d.expr, "derivative", "numerator", [S], wrong, d.shapes,
                         _dims(d.shapes), d.options.with_(assume=()))
    assert v.status == "failed"
    with assuming(d.options.assumptions):
        v = check_derivation(d.expr, "derivative", "numerator", [S], wrong, d.shapes,
                             _dims(d.shapes), d.options)
    assert v.status == "passed"


def test_options_normalize_and_reject() -> None:
    assert matcalc.Options(assume=("spd( S )", "spd(S)")).assume == ("spd(S)",)
    with pytest.raises(MatcalcError):
        matcalc.Options(assume=("S is nice",))
