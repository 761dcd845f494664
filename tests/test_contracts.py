"""Contracts every kind keeps, checked on every gallery example (one pipeline, one Step
language, one verifier): the same JSON step fields, text within 80 columns, LaTeX with no
text-mode math, renderers that only read, ``--points`` honoured, results that parse back.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import sympy as sp

from matcalc.gallery import derive_example, examples
from matcalc.options import Options

from tests.matrix_cases import CASES as MATRIX_CASES

EXAMPLES = examples()
#: Derivations over declared shapes beyond the gallery: the matrix cases, and the ones
#: the one-pipeline issue names.
SHAPED = {f"matrix_{c.id}": (c.kind, c.expr, c.wrt, c.shapes) for c in MATRIX_CASES}
SHAPED.update({
    "issue_trace_quadratic": ("gradient", "tr(X.T @ A @ X)", "X", ("X:n,k", "A:n,n")),
    "issue_log_sandwich": ("gradient", "a.T @ log(A @ sin(X) @ B) @ b", "X",
                           ("a:k", "A:k,k", "X:k,k", "B:k,k", "b:k")),
    "issue_sum_log": ("gradient", "sum(log(A @ x))", "x", ("A:m,n", "x:n")),
    "issue_det_gram": ("gradient", "det(X @ X.T)", "X", ("X:n,k",)),
    "issue_neg_sum": ("gradient", "-sum(y * log(softmax(z)))", "z", ("z:n", "y:n")),
    "issue_half_squares": ("gradient", "sum((Yhat - Y)^2)/2", "Yhat", ("Yhat:k,m", "Y:k,m")),
    "issue_sum": ("gradient", "sum(x)", "x", ("x:n",)),
})
IDS = [e.name for e in EXAMPLES] + sorted(SHAPED)
#: The documented step kinds (engine/step.py).
STEP_KINDS = {"derivative", "rewrite", "define", "reuse"}
#: Fields every JSON step has, whatever the kind of derivation.
STEP_FIELDS = {"rule", "title", "description", "kind", "number", "expr", "result", "latex",
               "children", "definitions", "held_constant"}

_cache: dict[str, object] = {}


def derivation(name: str, options: Options | None = None):
    """The derivation of a gallery example or of a SHAPED case (cached with default options)."""
    if name not in _cache or options is not None:
        if name in SHAPED:
            from matcalc import derive, jacobian
            kind, expr, wrt, shapes = SHAPED[name]
            call = jacobian if kind == "jacobian" else derive
            d = call(expr, wrt, shapes=list(shapes), options=options)
        else:
            e = next(x for x in EXAMPLES if x.name == name)
            d = derive_example(e, **({"options": options} if options else {}))
        if options is not None:
            return d
        _cache[name] = d
    return _cache[name]


def _steps(items):
    for s in items:
        yield s
        yield from _steps(s.get("children", []))


@pytest.mark.parametrize("name", IDS)
def test_json_steps_have_the_same_fields_for_every_kind(name: str) -> None:
    data = json.loads(derivation(name).to_json())
    assert data["kind"] in {"derivative", "gradient", "jacobian", "hessian", "graph",
                            "backprop", "check"}
    for step in _steps(data["steps"]):
        assert STEP_FIELDS <= set(step), (step.get("rule"), STEP_FIELDS - set(step))
        assert step["kind"] in STEP_KINDS, step["rule"]


@pytest.mark.parametrize("name", IDS)
def test_text_fits_80_columns(name: str) -> None:
    text = derivation(name).to_text()
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert wide == []


def _outside_math(latex: str) -> str:
    """The LaTeX with every math region removed (what pdflatex sets as text)."""
    latex = re.sub(r"%[^\n]*", "", latex)
    for env in ("align\\*", "aligned", "equation\\*", "gather\\*", "multline\\*",
                "tikzpicture", "bmatrix", "pmatrix"):
        latex = re.sub(r"\\begin\{%s\}.*?\\end\{%s\}" % (env, env), " ", latex, flags=re.S)
    latex = re.sub(r"\\\[.*?\\\]", " ", latex, flags=re.S)
    latex = re.sub(r"\\\(.*?\\\)", " ", latex, flags=re.S)
    latex = re.sub(r"(?<!\\)\$.*?(?<!\\)\$", " ", latex, flags=re.S)
    latex = re.sub(r"\\(usepackage|documentclass|setcounter|newcommand|renewcommand|"
                   r"DeclareMathOperator|input|include|includegraphics|tikzset|"
                   r"usetikzlibrary|label|ref)\*?(\[[^\]]*\])?\{[^}]*\}(\{[^}]*\})*", " ", latex)
    return latex


def _text_args(latex: str) -> list[str]:
    """The arguments of \\text{...} and \\intertext{...} (text even inside math), with
    the math inside them removed."""
    out = []
    for m in re.finditer(r"\\(?:text|intertext|textrm|mbox)\{", latex):
        depth, i = 1, m.end()
        while i < len(latex) and depth:
            depth += {"{": 1, "}": -1}.get(latex[i], 0) if latex[i - 1] != "\\" else 0
            i += 1
        out.append(_outside_math(latex[m.end():i - 1]))
    return out


@pytest.mark.parametrize("name", IDS)
def test_latex_has_no_text_mode_math(name: str) -> None:
    latex = derivation(name).to_latex(standalone=True)
    text = "\n".join([_outside_math(latex), *_text_args(latex)])
    for bad in ("^", "@", ".T", "_"):
        found = [line for line in text.splitlines() if bad in line.replace("\\_", "")
                 and not line.strip().startswith("\\")]
        assert found == [], f"{bad!r} outside math: {found[:2]}"


@pytest.mark.parametrize("name", IDS)
def test_renderers_only_read_the_steps(name: str, request: pytest.FixtureRequest) -> None:
    d = derivation(name)

    request.getfixturevalue("no_computing")      # SymPy's diff/simplify raise
    for fmt in ("text", "latex", "markdown", "json", "numpy"):
        assert d.render(fmt)


@pytest.mark.parametrize("name", IDS)
def test_points_option_is_honoured(name: str) -> None:
    d = derivation(name, replace(Options(), points=7))
    v = d.verification
    assert v is not None
    if v.status == "skipped":
        pytest.skip(v.message)
    assert v.points == 7, (v.method, v.points)


@pytest.mark.parametrize("name", IDS)
def test_verification_record_is_the_same_for_every_kind(name: str) -> None:
    data = json.loads(derivation(name).to_json())["verification"]
    assert set(data) >= {"status", "method", "points", "max_abs_error", "max_rel_error",
                         "tolerance"}
    assert data["status"] == "passed"
