"""Matrix and backprop derivations are presented like the scalar ones (issue 10, item 2):
the same plan and renderers, numbered steps with rule names in words, 80 columns, math
in math mode in LaTeX, the read-off stated as what it is, no no-op lines, the same JSON
step fields, and the lecturer's Notation honoured in notes."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from matcalc import backprop, derive, jacobian
from matcalc.notes import build, parse_notes
from worked_examples.elementwise import ELEMENTWISE_EXAMPLES
from worked_examples.matrix import MATRIX_EXAMPLES

from .latexcheck import check_latex
from .matrix_cases import CASES, sizes_for

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = sorted((ROOT / "worked_examples" / "programs").glob("*.mc"))
#: the parameters of each program, as its docs call it
PARAMS = {"mlp_2layer": "W1,b1,W2,b2", "softmax_relu": "W1,b1,W2,b2",
          "logistic_regression": "w,b"}
SMALL = {"n": 2, "m": 3, "p": 2, "q": 3, "k": 2}


def _call(args: tuple[str, ...]):
    """The Derivation of a worked example's command line (derive/grad/jacobian ...)."""
    args = list(args)
    command, expr = args[0], args[1]
    shapes = [args[i + 1] for i, a in enumerate(args) if a == "--shape"]
    wrt = next((args[i + 1] for i, a in enumerate(args) if a == "--wrt"), None)
    call = jacobian if command == "jacobian" else derive
    return call(expr, wrt, shapes=shapes, verify=False)


@cache
def shaped() -> list[tuple[str, object]]:
    """(name, Derivation) for every worked example and test case with declared shapes, the
    cases again with their components written out (--dim), and every backprop program."""
    out = []
    for e in ELEMENTWISE_EXAMPLES + MATRIX_EXAMPLES:
        out.append((e.name, _call(tuple(e.command[1:]) if e.command[0] == "matcalc"
                                  else tuple(e.command))))
    for case in CASES:
        call = jacobian if case.kind == "jacobian" else derive
        out.append((case.id, call(case.expr, case.wrt, shapes=list(case.shapes), verify=False)))
        dims = [f"{k}={v}" for k, v in sizes_for(case, SMALL).items()]
        out.append((case.id + "-dim", call(case.expr, case.wrt, shapes=list(case.shapes),
                                           dims=dims, verify=False)))
    for path in PROGRAMS:
        out.append((path.stem, backprop(path.read_text(), PARAMS[path.stem], verify=False)))
    return out


def test_the_collection_is_not_empty() -> None:
    names = [n for n, _ in shaped()]
    assert len(names) > 60 and "mlp_2layer" in names and any(n.endswith("-dim") for n in names)


# --------------------------------------------------------------------------- text
def test_text_house_style_for_every_example_with_shapes() -> None:
    """At most 80 columns, numbered steps with their rule's title in brackets on the right
    (never a snake_case id), and no line that says A = A."""
    for name, d in shaped():
        text = d.to_text()
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80, (name, max(lines, key=len))
        assert not re.search(r"\[[a-z]+_[a-z_]+\]", text), (name, text)
        assert "[d_" not in text
        numbered = [line for line in lines if re.match(r"^\s*\d+(\.\d+)*\.?  \S", line)]
        assert numbered, (name, text)
        for line in numbered:
            body = re.sub(r"\s+\[[^\]]*\]$", "", line).split("  ", 1)[-1].strip()
            members = body.split(" = ")
            assert all(a != b for a, b in zip(members, members[1:])), (name, line)


def test_a_lecturers_order_and_names() -> None:
    """The differential of the whole first, then each rule applied inside it, then the
    moves to the trace form and the read-off; rule names as words on the right."""
    d = derive("tr(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"], verify=False)
    text = d.to_text()
    steps = [line.strip() for line in text.splitlines() if re.match(r"^\s+1\.\d", line)]
    assert steps[0].startswith("1.1  df = d tr(X.T @ A @ X) = tr(")
    assert steps[0].endswith("[trace rule]")
    assert steps[1].startswith("1.1.1  d(X.T @ A @ X) = dX.T @ A @ X + X.T @ A @ dX")
    assert "1.1.1.1  d(X.T) = dX.T" in text and "[transpose rule]" in text
    assert text.index("[expand the differential]") < text.index("[read off the gradient]")
    # the no-op tr(X.T @ A @ dX) = tr(X.T @ A @ dX) ("already of this form") is gone
    assert "tr(X.T @ A @ dX) = tr(X.T @ A @ dX)" not in text
    assert "already of this form" not in d.to_json()


def test_the_read_off_is_stated_as_what_it_is() -> None:
    d = derive("tr(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"], verify=False)
    text = d.to_text()
    assert "df = tr(G.T @ dX) for every dX, where G = A @ X + A.T @ X, so df/dX = G" in text
    # never the false equation tr(... @ dX) = G
    assert not re.search(r"tr\([^\n]*dX\) = A @ X", text)
    v = derive("x.T @ A @ x", "x", shapes=["x:n", "A:n,n"], verify=False).to_text()
    assert "df = g.T @ dx for every dx, where g = A @ x + A.T @ x, so df/dx = g" in v
    j = jacobian("A @ x", "x", shapes=["A:m,n", "x:n"], verify=False).to_text()
    assert "df = J @ dx for every dx, where J = A, so df/dx = J" in j


def _rule_of(d, expr_text: str) -> set[str]:
    from matcalc.matrix.printing import matrix_syntax
    return {s.rule for top in d.steps for s in top.walk()
            if matrix_syntax(s.expr) == expr_text and s.rule != "matrix_differential"}


def test_rule_names_are_right() -> None:
    """Under detail="full" every rule is its own step: -sum(...) and sum(...)/2 are
    constant multiples, sum(x) is the sum rule, a product with one varying factor keeps
    the constant factors (not "product rule")."""
    bce = backprop((ROOT / "worked_examples/programs/mlp_2layer.mc").read_text(), "W2",
                   verify=False, detail="full")
    assert "d_constant_multiple" in _rule_of(bce, "-sum(Y*log(A2) + (1 - Y)*log(1 - A2))")
    sq = derive("sum((X @ w - y)^2)/2", "w", shapes=["X:m,n", "w:n", "y:m"], verify=False,
                detail="full")
    assert _rule_of(sq, "sum((X @ w - y)^2)/2") == {"d_constant_multiple"}
    assert "[constant multiple rule]" in sq.to_text()
    assert "product rule" not in sq.to_text()
    s = derive("sum(x)", shapes=["x:n"], verify=False)
    assert _rule_of(s, "sum(x)") == {"d_sum_entries"}
    assert "[sum rule (sum of the entries)]" in s.to_text()
    assert "1 x 1 product" not in s.to_text()
    from matcalc.rules.catalogue import RULES
    assert RULES["d_sum_entries"].identity == "d sum(X) = sum(dX) = 1^T dX 1"
    lin = derive("tr(A @ X)", "X", shapes=["A:n,n", "X:n,n"], verify=False, detail="full")
    assert "d_constant_factor" in {s.rule for s in lin.steps[0].walk()}


def _depth(step, level: int = 1) -> int:
    return max([level] + [_depth(c, level + 1) for c in step.children])


def test_linear_rules_in_a_row_are_one_step_by_default() -> None:
    """Under the default detail the sum rule, constant factors, trace and sum of the entries
    met in a row are one "linearity" step (d(W2 A1 + b2) = dW2 A1), with the first other
    rule below it as its child; the answer is the same as under detail="full"."""
    program = (ROOT / "worked_examples/programs/mlp_2layer.mc").read_text()
    normal = backprop(program, "W1,b1,W2,b2", verify=False)
    full = backprop(program, "W1,b1,W2,b2", verify=False, detail="full")
    assert normal.to_text().split("Result:")[1] == full.to_text().split("Result:")[1]
    rules = {s.rule for top in normal.steps for s in top.walk()}
    assert "d_linear" in rules and not rules & {"d_sum", "d_constant_factor",
                                                "d_constant_multiple", "d_sum_entries"}
    # d(W2 @ A1 + b2) = dW2 @ A1 is one step with nothing below it
    from matcalc.matrix.printing import matrix_syntax
    z2 = [s for top in normal.steps for s in top.walk()
          if s.rule == "d_linear" and matrix_syntax(s.expr) == "W2 @ A1 + b2"]
    assert z2 and all(not s.children for s in z2)
    assert max(_depth(t) for t in normal.steps) < max(_depth(t) for t in full.steps)
    # a linear run above a non-linear rule keeps that rule as its child
    sq = derive("sum((y - relu(X @ w + b))^2)/N", "w",
                shapes=["X:m,n", "w:n", "y:m", "b:m"], verify=False)
    top = [s for s in sq.steps[0].walk() if s.rule == "d_linear"][0]
    assert [c.rule for c in top.children] == ["d_elementwise"]
    text = sq.to_text()
    assert "[linearity]" in text and "[constant multiple rule]" not in text


def test_backprop_text_reads_like_the_notes() -> None:
    d = backprop((ROOT / "worked_examples/programs/mlp_2layer.mc").read_text(), "W1,b1,W2,b2")
    text = d.to_text()
    assert text.startswith("Backward pass of J = ")
    assert re.search(r"^1\.  J = .* = L/m +\[normalisation J = c L\]$", text, re.M)
    assert re.search(r"^\d+\.  dW2 = dJ/dW2 = 1/m\*dZ2 @ A1\.T +\[vector-Jacobian product\]$",
                     text, re.M), text
    assert re.search(r"^  2\.1  dL = d\(-sum\(", text, re.M)
    assert "dZ2 = A2 - Y" in text and "Verified numerically" in text


# --------------------------------------------------------------------------- LaTeX
MATH_ENVS = {"align*", "align", "aligned", "equation", "equation*", "bmatrix", "gather*"}
TEXT_IN_MATH = {"text", "tag*", "intertext", "textit", "textbf", "mbox"}


def text_mode(src: str) -> str:
    """The characters of ``src`` that TeX sets in text mode (outside $...$, \\[ \\] and
    math environments, or inside \\text{}, \\tag*{}, \\intertext{} within them); an
    escaped caret ``\\^{}`` counts as a caret."""
    out: list[str] = []
    stack: list[tuple[str, object]] = [("text", None)]
    depth, i = 0, 0
    while i < len(src):
        mode, closer = stack[-1]
        env = re.match(r"\\(begin|end)\{([^}]*)\}", src[i:])
        if env:
            if env.group(2) in MATH_ENVS:
                if env.group(1) == "begin" and mode == "text":
                    stack.append(("math", env.group(2)))
                elif env.group(1) == "end" and closer == env.group(2):
                    stack.pop()
            i += env.end()
            continue
        if src.startswith("\\[", i) and mode == "text":
            stack.append(("math", "]"))
            i += 2
            continue
        if src.startswith("\\]", i) and closer == "]":
            stack.pop()
            i += 2
            continue
        cs = re.match(r"\\([A-Za-z]+\*?|.)", src[i:])
        if cs:
            if mode == "math" and cs.group(1) in TEXT_IN_MATH and src[i + cs.end():].startswith("{"):
                depth += 1
                stack.append(("text", depth))
                i += cs.end() + 1
                continue
            if mode == "text" and cs.group(1) in ("^", "@"):
                out.append(cs.group(1))
            i += cs.end()
            continue
        c = src[i]
        if c == "$":
            if mode == "text":
                stack.append(("math", "$"))
            elif closer == "$":
                stack.pop()
        elif c == "{":
            depth += 1
        elif c == "}":
            if mode == "text" and closer == depth:
                stack.pop()
            depth -= 1
        elif mode == "text":
            out.append(c)
        i += 1
    return "".join(out)


def test_text_mode_reader() -> None:
    assert text_mode(r"a $x^2$ \[ y^T \] b") == "a   b"
    assert "^" in text_mode(r"into tr(G\^{}T dX)")
    assert "^" in text_mode(r"\begin{align*} x &= y \tag*{tr(G^T)} \end{align*}")
    assert "^" not in text_mode(r"\begin{align*} x &= y \tag*{$G^{T}$} \end{align*}")


def test_latex_has_math_in_math_mode_for_every_example_with_shapes() -> None:
    for name, d in shaped():
        tex = d.to_latex(standalone=True)
        words = text_mode(tex)
        for bad in ("^", "@", ".T"):
            assert bad not in words, (name, bad, words)
        assert check_latex(tex) == [], name
        assert r"\tag*{(1) " in tex or r"\tag*{(1.1) " in tex, name   # numbered steps


def test_latex_differentials_are_upright_on_both_sides() -> None:
    tex = derive("tr(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"], verify=False).to_latex()
    assert r"\mathrm{d}f &= \mathrm{d}\,\operatorname{tr}(X^{T} A X)" in tex
    assert r"\operatorname{tr}(G^{T}\, \mathrm{d}X)" in tex
    assert not re.search(r"(?<![A-Za-z{\\])dX", tex)          # never an italic dX
    assert r"\tag*{(1.3) into the form $\operatorname{tr}(G^{T}\,\mathrm{d}X)$}" in tex


@pytest.mark.latex
def test_latex_of_every_example_with_shapes_compiles(pdflatex) -> None:
    docs = [d.to_latex(standalone=True) for _, d in shaped()]
    head = docs[0][:docs[0].index("\\begin{document}")]
    if r"\usepackage{bm}" not in head:
        head += "\\usepackage{bm}\n"
    bodies = [t[t.index("\\begin{document}") + 16:t.index("\\end{document}")] for t in docs]
    pdflatex(head + "\\begin{document}\n" + "\n\\clearpage\n".join(bodies) +
             "\n\\end{document}\n", "shaped")


# --------------------------------------------------------------------------- JSON
def _fields(steps: list[dict]) -> set[frozenset]:
    out, stack = set(), list(steps)
    while stack:
        s = stack.pop()
        out.add(frozenset(k for k in s if k not in ("same_as", "variables")))
        stack.extend(s["children"])
    return out


def test_json_steps_have_the_fields_of_scalar_steps() -> None:
    scalar = json.loads(derive("3x^2(2y+7)", "y").to_json())
    fields = _fields(scalar["steps"])
    assert len(fields) == 1
    kinds = {"derivative", "rewrite", "define", "reuse"}
    for name, d in shaped():
        doc = json.loads(d.to_json())
        assert _fields(doc["steps"]) == fields, name
        stack = list(doc["steps"])
        while stack:
            s = stack.pop()
            assert s["kind"] in kinds, (name, s["kind"])
            assert s["title"] and "_" not in s["title"], (name, s["title"])
            stack.extend(s["children"])


# --------------------------------------------------------------------------- notes
NOTES = ('title = "T"\n{notation}[[section]]\ntitle = "One"\n'
         '[[section.derivation]]\nkind = "derive"\nexpr = "x.T @ A @ x"\nwrt = "x"\n'
         'shapes = ["x:n", "A:n,n"]\n'
         '[[section.derivation]]\nkind = "backprop"\nwrt = "w, b"\nprogram = """\n'
         'x: n\nw: n\nb: 1\nz = w.T @ x + b\nJ = sum(sigmoid(z))\n"""\n')


def test_notation_is_honoured_for_matrix_and_backprop_entries() -> None:
    plain, _ = build(parse_notes(NOTES.format(notation="")))
    bold, _ = build(parse_notes(NOTES.format(
        notation='[notation]\nbold_vectors = true\ndetail = "brief"\n')))
    assert r"\bm{x}" not in plain and r"\bm{x}" in bold and r"\mathrm{d}\bm{x}" in bold
    assert r"\bm{w}" in bold                      # the backprop entry too
    # brief: the leaf rule d(x^T) = dx^T is dropped, the read-off stays
    assert bold.count(r"\tag*") < plain.count(r"\tag*")
    assert "read off the gradient" in bold
    assert r"\frac{\partial f}{\partial \bm{x}}" in bold
    assert check_latex(bold) == []
    one, _ = build(parse_notes(NOTES.replace('expr = "x.T @ A @ x"', 'expr = "sum(x)"')
                               .replace('shapes = ["x:n", "A:n,n"]', 'shapes = ["x:n"]')
                               .format(notation="[notation]\npartial = true\n")))
    assert r"\frac{\partial f}{\partial x}" in one
    plain_one, _ = build(parse_notes(NOTES.replace('expr = "x.T @ A @ x"', 'expr = "sum(x)"')
                                     .replace('shapes = ["x:n", "A:n,n"]', 'shapes = ["x:n"]')
                                     .format(notation="")))
    assert r"\frac{df}{dx}" in plain_one


def test_renderers_only_read_matrix_steps(request: pytest.FixtureRequest) -> None:
    """Rendering a matrix derivation or a backward pass never differentiates or simplifies."""
    import sympy as sp

    from matcalc.render.json import render_json
    from matcalc.render.latex import render_latex
    from matcalc.render.markdown import render_markdown
    from matcalc.render.text import render_text
    built = [derive("tr(X.T @ A @ X)", "X", shapes=["X:n,k", "A:n,n"], verify=False),
             jacobian("tanh(W @ x + b)", "x", shapes=["W:m,n", "x:n", "b:m"], dims=["n=2", "m=2"],
                      verify=False),
             backprop((ROOT / "worked_examples/programs/softmax_relu.mc").read_text(),
                      "W1,b1,W2,b2", verify=False)]

    request.getfixturevalue("no_computing")      # SymPy's diff/simplify raise
    for d in built:
        for render in (render_text, render_latex, render_markdown, render_json):
            assert render(d)


def test_no_false_equation_for_a_vjp_or_a_layout() -> None:
    """A 3-D Jacobian is shown as the vector-Jacobian product dL/dW, and the denominator
    layout as J^T: never "G.T @ dW @ x = G @ x.T" or "A = A.T"."""
    vjp = jacobian("W @ x", "W", shapes=["W:m,n", "x:n"], form="vjp", verify=False).to_text()
    assert "dL = G.T @ dW @ x for every dW, with G = dL/df, so dL/dW = G @ x.T" in vjp
    assert "Result:  dL/dW = G @ x.T" in vjp and "J = G @ x.T" not in vjp
    den = jacobian("A @ x", "x", shapes=["A:m,n", "x:n"], layout="denominator",
                   verify=False).to_text()
    assert "J.T = A.T" in den and not re.search(r"\bA = A\.T", den)


def test_a_number_before_the_ones_vector_is_not_read_as_a_longer_number() -> None:
    """2 1_N^T printed side by side reads "21": a dot separates them."""
    from matcalc import derive
    latex = derive("sum((y - relu(X @ w + b))^2) / N", "w",
                   shapes=["X:N,n", "w:n", "y:N"]).to_latex()
    assert re.search(r"\d\s*\\mathbf\{1\}", latex) is None
    assert r"2 \cdot \mathbf{1}_{N}^{T}" in latex


# ------------------------------------------------------------------ softmax on the board
def _softmax_np(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _eval_printed(text: str, values: dict):
    """A printed matcalc-syntax result, parsed back and evaluated (what a user reads)."""
    import sympy as sp

    from matcalc.matrix.parse import parse_dims, parse_matrix_expression
    from matcalc.verify.evaluate import evaluate
    decl = {k: parse_dims("n", k) for k in values}           # every input n x 1
    n = next(iter(values.values())).shape[0]
    return np.asarray(evaluate(parse_matrix_expression(text, decl), values,
                               {sp.Symbol("n"): n}), float)


def test_softmax_jacobian_is_read_off_as_on_the_board() -> None:
    """ds = s o dz - s s^T dz: the Jacobian diag(s) - s s^T comes straight from the
    read-off (no 1 1^T to simplify away), and equals NumPy's closed form."""
    d = jacobian("softmax(z)", "z", shapes=["z:n"], verify=False)
    text = d.render("text")
    assert "softmax(z)*dz - softmax(z) @ softmax(z).T @ dz" in text
    assert "ones(n, n)" not in text and "matrix simplify" not in text
    line = text.split("Result:  J = ")[1].split("\n")[0]
    assert line == "diag(softmax(z)) - softmax(z) @ softmax(z).T"
    z = np.random.default_rng(3).standard_normal((5, 1))
    s = _softmax_np(z)
    assert np.allclose(_eval_printed(line, {"z": z}), np.diag(s[:, 0]) - s @ s.T)
    # --detail full keeps the column-wise form and simplifies it by named identities
    full = jacobian("softmax(z)", "z", shapes=["z:n"], verify=False, detail="full")
    assert {"outer_product", "distribute"} <= {s.rule for st in full.steps for s in st.walk()}


def test_log_softmax_jacobian_never_prints_a_broadcast_beside_the_identity() -> None:
    """J = I - 1 s^T: printed eye(n) - ones(n, 1) @ softmax(z).T, never the broadcast
    eye(n) - softmax(z).T (which NumPy would evaluate to the same, but a reader would not)."""
    d = jacobian("log(softmax(z))", "z", shapes=["z:n"], verify=False)
    line = d.render("text").split("Result:  J = ")[1].split("\n")[0]
    assert line == "eye(n) - ones(n, 1) @ softmax(z).T"
    z = np.random.default_rng(4).standard_normal((4, 1))
    s = _softmax_np(z)
    assert np.allclose(_eval_printed(line, {"z": z}), np.eye(4) - np.ones((4, 1)) @ s.T)


@pytest.mark.parametrize("expr", ["-y.T @ log(softmax(z))", "-sum(y * log(softmax(z)))"])
def test_cross_entropy_gradient_reads_sum_y_softmax_minus_y(expr: str) -> None:
    """Both spellings of the cross-entropy: sum(y) s - y, no "- -", no (-eye(n) + s) @ y,
    the 1^T y written as sum(y) in the expanded differential; equal to the closed form."""
    d = derive(expr, "z", shapes=["z:n", "y:n"], verify=False)
    text = d.render("text")
    assert "Result:  df/dz = sum(y)*softmax(z) - y" in text
    assert "- -" not in text and "--" not in text and "eye(n)" not in text
    assert "(y.T @ ones(n, 1))" not in text
    rng = np.random.default_rng(5)
    z, y = rng.standard_normal((6, 1)), rng.random((6, 1))
    assert np.allclose(_eval_printed("sum(y)*softmax(z) - y", {"z": z, "y": y}),
                       y.sum() * _softmax_np(z) - y)


def test_a_one_by_one_factor_is_read_off_as_a_scalar() -> None:
    """s^T dW x (y^T 1): the 1 x 1 product y^T 1 is the scalar sum(y), so G = sum(y) s x^T
    at once, not (s 1^T y) x^T folded back by a later simplification; and the sum in the
    collected gradient starts with its positive term. Equal to NumPy's closed form."""
    d = derive("-y.T @ log(softmax(W @ x + b))", "W",
               shapes=["W:k,n", "x:n", "b:k", "y:k"], verify=False)
    text = d.render("text")
    assert "ones(1, k)" not in text and "sum broadcast" not in text
    line = text.split("Result:  df/dW = ")[1].split("\n")[0]
    assert line == "(sum(y)*softmax(W @ x + b) - y) @ x.T"
    import sympy as sp

    from matcalc.matrix.parse import parse_dims, parse_matrix_expression
    from matcalc.verify.evaluate import evaluate
    rng = np.random.default_rng(8)
    k, n = 4, 3
    W, x, b = rng.standard_normal((k, n)), rng.standard_normal((n, 1)), rng.standard_normal((k, 1))
    y = rng.random((k, 1))
    decl = {"W": parse_dims("k,n", "W"), "x": parse_dims("n", "x"), "b": parse_dims("k", "b"),
            "y": parse_dims("k", "y")}
    got = evaluate(parse_matrix_expression(line, decl), {"W": W, "x": x, "b": b, "y": y},
                   {sp.Symbol("k"): k, sp.Symbol("n"): n})
    s = _softmax_np(W @ x + b)
    assert np.allclose(np.asarray(got, float), (y.sum() * s - y) @ x.T)
    # the gradient is the one of f = -y^T log softmax(W x + b): central differences
    f = lambda M: float(-(y.T @ np.log(_softmax_np(M @ x + b)))[0, 0])  # noqa: E731
    h, E = 1e-6, np.zeros((k, n))
    E[1, 2] = 1
    assert abs((f(W + h * E) - f(W - h * E)) / (2 * h) - np.asarray(got, float)[1, 2]) < 1e-6


def test_a_function_cancels_against_its_own_reciprocal_factor() -> None:
    """d log(sigmoid(z)) = sigmoid'(z) / sigmoid(z) dz: the gradient of -sum(y log sigmoid(z))
    is -y o (1 - sigmoid(z)), named as the cancel-quotient identity; equal to the closed
    form, and NumPy's finite differences agree."""
    d = derive("sum(-y * log(sigmoid(z)))", "z", shapes=["z:n", "y:n"], verify=False)
    text = d.render("text")
    line = text.split("Result:  df/dz = ")[1].split("\n")[0]
    assert line == "-y*(1 - sigmoid(z))"
    assert "= (1 - sigmoid(z))*dz" in text      # cancelled in the chain rule already
    full = derive("sum(-y * log(sigmoid(z)))", "z", shapes=["z:n", "y:n"], verify=False,
                  detail="full").render("text")
    assert "cancel quotient" in full                # as derived, then the named identity
    assert full.split("Result:  df/dz = ")[1].split("\n")[0] == line
    rng = np.random.default_rng(9)
    z, y = rng.standard_normal((5, 1)), rng.random((5, 1))
    sig = 1 / (1 + np.exp(-z))
    assert np.allclose(_eval_printed(line, {"z": z, "y": y}), -y * (1 - sig))
    f = lambda v: float(np.sum(-y * np.log(1 / (1 + np.exp(-v)))))  # noqa: E731
    e = np.zeros((5, 1))
    e[2] = 1
    assert abs((f(z + 1e-6 * e) - f(z - 1e-6 * e)) / 2e-6 - float(-y[2, 0] * (1 - sig[2, 0]))) < 1e-6


def test_the_full_log_softmax_jacobian_simplifies_to_the_board_form() -> None:
    """--detail full: diag(s / s) = diag(1) = I, and 1 1^T diag(s) = 1 s^T, so the
    column-wise route ends where the board does, I - 1 s^T (it printed
    diag(ones(n, 1)) - softmax(z).T, a broadcast, before)."""
    d = jacobian("log(softmax(z))", "z", shapes=["z:n"], verify=False, detail="full")
    text = d.render("text")
    line = text.split("Result:  J = ")[1].split("\n")[0]
    assert line == "eye(n) - ones(n, 1) @ softmax(z).T"
    assert "diag(ones" not in text.split("Result:")[1]
    z = np.random.default_rng(10).standard_normal((4, 1))
    assert np.allclose(_eval_printed(line, {"z": z}),
                       np.eye(4) - np.ones((4, 1)) @ _softmax_np(z).T)


_LOGISTIC = "-sum(y*log(sigmoid(X @ w)) + (1 - y)*log(1 - sigmoid(X @ w)))"
_LOGISTIC_SHAPES = ["X:m,n", "w:n", "y:m"]


def _logistic_values(rng):
    m, n = 6, 3
    return {"X": rng.standard_normal((m, n)), "w": rng.standard_normal((n, 1)),
            "y": (rng.random((m, 1)) > 0.5).astype(float)}, m, n


def test_the_logistic_regression_gradient_is_x_transpose_times_sigmoid_minus_y() -> None:
    """The binary cross-entropy of sigmoid(X w): the chain rule through log and sigmoid
    cancels entry by entry on the way (d log sigmoid(u) = (1 - sigmoid(u)) o du), and the
    gradient ends as the board's X^T (sigmoid(X w) - y); NumPy's closed form and central
    differences of f agree with the printed result."""
    import sympy as sp

    from matcalc.matrix.parse import parse_dims, parse_matrix_expression
    from matcalc.verify.evaluate import evaluate
    d = derive(_LOGISTIC, "w", shapes=_LOGISTIC_SHAPES, verify=False)
    text = d.render("text")
    line = text.split("Result:  df/dw = ")[1].split("\n")[0]
    assert line == "X.T @ (sigmoid(X @ w) - y)"
    assert "d log(sigmoid(X @ w))" in text and "= (1 - sigmoid(X @ w))*(X @ dw)" in text
    assert "= -sigmoid(X @ w)*(X @ dw)" in text            # d log(1 - sigmoid(X w))
    assert "simplify entry by entry" in text
    assert "sigmoid(w.T @ X.T)" not in text                 # transposes stay outside
    assert len(text.splitlines()) < 50        # 61 lines before, with the quotients left in
    values, m, n = _logistic_values(np.random.default_rng(11))
    decl = {k: parse_dims(v.split(":")[1], k) for k, v in
            zip("Xwy", _LOGISTIC_SHAPES)}
    got = np.asarray(evaluate(parse_matrix_expression(line, decl), values,
                              {sp.Symbol("m"): m, sp.Symbol("n"): n}), float)
    X, w, y = values["X"], values["w"], values["y"]
    sig = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731
    assert np.allclose(got, X.T @ (sig(X @ w) - y))

    def f(v):
        s = sig(X @ v)
        return float(-np.sum(y * np.log(s) + (1 - y) * np.log(1 - s)))
    e = np.zeros((n, 1))
    e[1] = 1
    assert abs((f(w + 1e-6 * e) - f(w - 1e-6 * e)) / 2e-6 - got[1, 0]) < 1e-5


def test_latex_writes_one_minus_a_function_with_the_one_first() -> None:
    """The LaTeX of the logistic page reads (1 - sigma(Xw)), as the text does; the terms
    of other sums keep their order (the notes' dA = -Y/A + ...)."""
    d = derive(_LOGISTIC, "w", shapes=_LOGISTIC_SHAPES, verify=False)
    latex = d.render("latex")
    assert r"\sigma(X w) + 1" not in latex and r"(1 - \sigma(X w)) \odot y" in latex
    text = (ROOT / "worked_examples" / "programs" / "mlp_2layer.mc").read_text()
    page = backprop(text, PARAMS["mlp_2layer"], verify=False).render("latex")
    assert r"-Y \odot \frac{1}{A_{2}} + (1 - Y)" in page


def test_detail_full_keeps_the_chain_rule_uncancelled() -> None:
    """--detail full shows f'(g(u)) o g'(u) as derived; the matrix simplification still
    ends at the same gradient."""
    d = derive(_LOGISTIC, "w", shapes=_LOGISTIC_SHAPES, verify=False, detail="full")
    text = d.render("text")
    assert "*sigmoid(X @ w)*(X @ dw)/sigmoid(X @ w)" in text
    assert text.split("Result:  df/dw = ")[1].split("\n")[0] == "X.T @ (sigmoid(X @ w) - y)"


def test_the_notes_form_of_da_is_kept() -> None:
    """The entry-by-entry simplification only takes a clearly shorter form: the notes'
    dA2 = -Y/A2 + (1 - Y)/(1 - A2) is not traded for (Y - A2)/(A2^2 - A2)."""
    text = (ROOT / "worked_examples" / "programs" / "mlp_2layer.mc").read_text()
    d = backprop(text, PARAMS["mlp_2layer"], verify=False)
    out = json.loads(d.to_json())["results"]
    assert out["A2"]["result"] == "-Y/A2 + (1 - Y)/(1 - A2)"
    assert out["Z2"]["result"] == "A2 - Y"


@pytest.mark.parametrize("expr, expected", [("trace(A @ diag(x))", "diag(A)"),
                                            ("trace(A @ B @ diag(x))", "diag(A @ B)")])
def test_a_diagonal_is_written_with_the_fewest_transposes(expr: str, expected: str) -> None:
    """tr(A diag(dx)) = diag(A)^T dx (diag(M^T) = diag(M)): the gradient reads diag(A),
    not diag(A.T); and it is the diagonal (NumPy's np.diag) numerically."""
    d = derive(expr, "x", shapes=["A:n,n", "B:n,n", "x:n"], verify=False)
    line = d.render("text").split("Result:  df/dx = ")[1].split("\n")[0]
    assert line == expected
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    M = A if "B" not in expr else A @ B
    # central differences of tr(M diag(x)) at a random x: the gradient is diag(M)
    x, h = rng.standard_normal(4), 1e-6
    fd = [(np.trace(M @ np.diag(x + h * e)) - np.trace(M @ np.diag(x - h * e))) / (2 * h)
          for e in np.eye(4)]
    assert np.allclose(fd, np.diag(M), atol=1e-6)


def test_a_tall_fraction_in_the_task_sentence_is_displayed() -> None:
    """In a LaTeX document the objective J = -1^T (...) 1 / m of a backward pass is set on
    its own line (inline, its numerator shrinks and crowds the line above); a plain 1/N
    stays inline, and the fragment (web page, --format latex) is unchanged."""
    from matcalc.render.latex import _tall_fraction
    prog = (ROOT / "worked_examples" / "programs" / "softmax_relu.mc").read_text()
    d = backprop(prog, "W1,b1,W2,b2", verify=False)
    doc = d.to_latex(standalone=True)
    head = doc.split(r"\begin{document}")[1].split(r"\begin{align*}")[0]
    assert head.startswith("\n\\noindent Backward pass of \\[ J = - \\frac{")
    assert "\\]\n\\noindent for $W_{1}$" in head
    assert check_latex(doc) == []
    assert not _tall_fraction(r"\frac{1}{N} \cdot \mathbf{1}_{N}^{T} x")
    assert _tall_fraction(r"\frac{x}{e^{x}}") and not _tall_fraction(r"\frac{x + 1}{x - 1}")


def test_a_long_read_off_breaks_between_phrases_not_inside_an_equation() -> None:
    """"df = g^T dw for every dw, where" / "g = ..., so df/dw = g": no line of any gallery
    example ends in a dangling "=" (the old break: "... where g =" / "-X.T @ ...")."""
    from matcalc.gallery import derive_example, examples
    dangling = []
    for e in examples():
        for line in derive_example(e).render("text").splitlines():
            math = re.sub(r"\s{2,}\[[^\]]*\]$", "", line).rstrip()   # the rule tag aside
            if math.endswith(" =") or math.endswith(" = "):
                dangling.append((e.name, line))
    assert dangling == []
