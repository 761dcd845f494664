"""Computation graphs as Steps and as pictures: the renderers read the Steps (never an
analysis record), the forward pass puts the numbers where the symbols stand, and the
pictures in a handout stay legible - no font below 8 pt, nothing wider than the line
(else a landscape page or parts), no edge through a label or a node (a geometry check on
the layout's coordinates, and the layout's text boxes checked against pdflatex)."""
from __future__ import annotations

import dataclasses
import re

import pytest
import sympy as sp

import matcalc.render.graph_common as graph_common
import matcalc.render.graph_dot as graph_dot
import matcalc.render.graph_json as graph_json
import matcalc.render.graph_latex as graph_latex
import matcalc.render.graph_text as graph_text
import matcalc.render.graph_tikz as graph_tikz
from matcalc import graph
from matcalc.engine import graph as engine_graph
from matcalc.engine.graph import AdjointPart, PathSumPart
from matcalc.gallery import sample_handout
from matcalc.gallery.data import GALLERY
from matcalc.notes import build, parse_notes
from matcalc.render.graph_common import view
from matcalc.render.graph_tikz import Box, crossings, picture, text_cm

LOGISTIC = ("-(y*log(a) + (1-y)*log(1-a))", "z = w1*x1 + w2*x2 + b; a = sigmoid(z)")

#: graphs whose pictures are checked: the gallery's, with and without a point, and some
#: harder shapes (fan-out, long edges, a wide sum, a deep chain, a shared DAG)
PICTURES = [(e.input, e.options.get("at"), e.options.get("where")) for e in GALLERY["graph"]] + [
    (LOGISTIC[0], "w1=1,x1=2,w2=-1,x2=1,b=0,y=1", LOGISTIC[1]),
    ("3*(a + b*c)", None, None),
    ("x*exp(x^2)", "x=1/2", None),
    ("(x - y)/(x + 1) - 2*sqrt(x*y) + x*y", "x=2,y=3", None),
    ("+".join(f"w{i}*x{i}" for i in range(1, 11)), None, None),
    ("sin(cos(tan(exp(x^2 + 1))))*x", "x=1/3", None),
    ("sin(x^2) + x^2 + exp(sin(x^2))*y + y^3", None, None),
]
IDS = [f"{e[0][:24]}@{e[1]}" for e in PICTURES]

#: font sizes (pt) of LaTeX's size commands in a 10 pt document (article's size10.clo)
SIZES_10PT = {"tiny": 5.0, "scriptsize": 7.0, "footnotesize": 8.0, "small": 9.0,
              "normalsize": 10.0, "large": 12.0, "Large": 14.4}


def _graph(expr: str, at: str | None, where: str | None):
    return graph(expr, at, where=where)


# ----------------------------------------------------------------------- Steps only

def test_the_steps_carry_the_forward_and_backward_pass() -> None:
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    forward = next(s for s in d.steps if s.rule == "forward_pass")
    assert [(s.name, v) for s, v in forward.definitions] == [
        ("a", 5), ("b", 3), ("c", 2), ("u", 6), ("v", 11), ("J", 33)]
    backward = next(s for s in d.steps if s.rule == "backward_pass")
    parts = {s.wrt.name: s.parts[0] for s in backward.children}
    assert all(isinstance(p, AdjointPart) for p in parts.values())
    assert {k: p.value for k, p in parts.items()} == {"J": 1, "v": 3, "a": 3, "u": 3,
                                                      "b": 6, "c": 9}
    (term,) = parts["b"].terms             # dJ/db = dJ/du * du/db, du/db = c = 2
    assert (term.consumer.name, term.operand.name, term.local, term.local_value) == (
        "u", "b", sp.Symbol("c"), 2)
    assert term.rule == "constant_multiple" and term.operation == sp.Symbol("b") * sp.Symbol("c")
    paths = [s.parts[0] for s in d.steps if s.rule == "path_sum"]
    assert all(isinstance(p, PathSumPart) for p in paths)
    assert [[n.name for n in p.paths[0].route] for p in paths] == [
        ["J", "v", "a"], ["J", "v", "u", "b"], ["J", "v", "u", "c"]]
    assert [p.paths[0].value for p in paths] == [3, 6, 9]


def test_renderers_never_use_an_analysis_record() -> None:
    assert not hasattr(engine_graph, "Analysis")
    for module in (graph_common, graph_text, graph_latex, graph_tikz, graph_dot, graph_json):
        assert "Analysis" not in vars(module), module.__name__
    d = graph(LOGISTIC[0], "w1=1,x1=2,w2=-1,x2=1,b=0,y=1", where=LOGISTIC[1])
    assert not hasattr(d, "graph")
    structure = {k: d.attachments[k] for k in ("nodes", "edges")}
    assert set(d.attachments) == set(structure)           # a graph attaches its structure only
    bare = dataclasses.replace(d, attachments=structure)  # nothing but Steps and structure
    assert bare.to_text() == d.to_text()
    assert bare.to_latex() == d.to_latex()
    assert bare.to_json() == d.to_json()
    assert bare.to_markdown() == d.to_markdown() and bare.to_dot() == d.to_dot()
    # text and Markdown read the Steps alone: without the structure they are the same
    steps_only = dataclasses.replace(d, attachments={})
    assert steps_only.to_text() == d.to_text()
    assert steps_only.to_markdown() == d.to_markdown()


def test_renderers_read_what_the_steps_say() -> None:
    """Change a value in the Steps: every format shows the changed value."""
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    steps = list(d.steps)
    i = next(i for i, s in enumerate(steps) if s.rule == "forward_pass")
    defs = tuple((s, sp.Integer(777) if s.name == "v" else v) for s, v in steps[i].definitions)
    steps[i] = dataclasses.replace(steps[i], definitions=defs)
    changed = dataclasses.replace(d, steps=tuple(steps))
    assert "v = a + u = 5 + 6 = 777" in changed.to_text()
    assert "= 777" in changed.to_latex() and '"value": "777"' in changed.to_json()


def test_rendering_never_differentiates_or_simplifies(monkeypatch) -> None:
    d = graph(LOGISTIC[0], "w1=1,x1=2,w2=-1,x2=1,b=0,y=1", where=LOGISTIC[1])

    def refuse(*args, **kwargs):
        raise AssertionError("a renderer differentiated or simplified")

    for name in ("diff", "simplify", "together", "cancel", "factor"):
        monkeypatch.setattr(sp, name, refuse)
    monkeypatch.setattr(sp.Basic, "diff", refuse, raising=False)
    for render in (d.to_text, d.to_latex, d.to_json, d.to_markdown, d.to_dot):
        render()


# ----------------------------------------------------------------------- forward pass

@pytest.mark.parametrize("at, line", [
    ("b=-4,u=1,y=-6", "L = b + u - y = -4 + 1 - (-6) = 3"),
    ("b=1,u=-4,y=6", "L = b + u - y = 1 + (-4) - 6 = -9"),
    ("b=2,u=3,y=-1", "L = b + u - y = 2 + 3 - (-1) = 6"),
])
def test_forward_numbers_stand_where_their_symbols_stand(at: str, line: str) -> None:
    d = graph("b + u - y", at)
    assert line in d.to_text()
    latex = line.replace("L = ", "L &= ").replace("(-", "(-")
    assert latex in d.to_latex()


def test_forward_numbers_follow_the_symbols_in_every_operation() -> None:
    """Distinct values per input: in every forward line, the numbers put in come in the
    order in which the operand names are printed, in text and in LaTeX."""
    d = graph("q*p - r*s + 2*t + (p - q)^2", "p=3,q=5,r=7,s=11,t=-13")
    g = view(d)
    for name, expr in g.operations.items():
        operands = [s for s in g.values if s in expr.free_symbols]
        printed = graph_text.show(expr)
        order = sorted(operands, key=lambda s: re.search(rf"\b{s.name}\b", printed).start())
        put = graph_text.plugged_text(g, name)
        numbers = [int(x) for x in re.findall(r"(?<![\^\d])\d+", put)]   # not exponents
        wanted = [abs(int(g.values[s])) for s in order]
        assert [n for n in numbers if n in wanted] == wanted, (printed, put)
    text = d.to_text()
    assert "u1 = p*q = 3*5 = 15" in text and "u2 = -r*s = -7*11 = -77" in text
    assert "u3 = 2*t = 2*(-13) = -26" in text and "u5 = u4^2 = (-2)^2 = 4" in text
    assert "J = u1 + u2 + u3 + u5 = 15 + (-77) + (-26) + 4 = -84" in text
    assert r"2 \cdot \left(-13\right)" in d.to_latex() or r"2 \cdot (-13)" in d.to_latex()


def test_fraction_and_negative_values_are_parenthesised() -> None:
    text = graph("x*exp(x^2)", "x=1/2", simplify=False).to_text()
    assert "u = x^2 = (1/2)^2 = 1/4" in text
    assert "*(1/2)" in text
    assert "(-3)^2" in graph("x^2 + 1", "x=-3").to_text()


# ----------------------------------------------------------------------- geometry

@pytest.mark.parametrize("case", PICTURES, ids=IDS)
def test_no_edge_crosses_a_label_or_a_node(case) -> None:
    d = _graph(*case)
    pic = picture(d)
    assert crossings(pic, d) == []
    # every edge ends at the left side of its node, on a horizontal run under its labels
    for i, e in enumerate(d.edges):
        (x0, y0), (x1, y1) = pic.edges[i][-2:]
        assert y0 == y1 and abs(x1 - pic.nodes[e.dst].x0) < 1e-9
        assert pic.nodes[e.dst].y0 < y1 < pic.nodes[e.dst].y1     # the arrow meets the box
        above = pic.labels[i][0]
        assert above.y0 >= y1 and above.x1 <= x1 and above.x0 >= x0


def test_the_geometry_check_finds_a_planted_crossing() -> None:
    d = graph("3*(a + b*c)", "a=5,b=3,c=2")
    pic = picture(d)
    assert crossings(pic, d) == []
    # put the first label of one edge across another edge's slanted segment
    (p, q) = next(((p, q) for pts in pic.edges.values() for p, q in zip(pts, pts[1:])
                   if p[1] != q[1]))
    mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
    last = max(pic.labels)
    pic.labels[last] = [Box(mid[0] - 0.3, mid[1] - 0.1, mid[0] + 0.3, mid[1] + 0.1)]
    assert any("crosses the label" in c for c in crossings(pic, d))


@pytest.mark.parametrize("case", PICTURES, ids=IDS)
def test_parts_fit_the_line_and_keep_every_edge(case) -> None:
    d = _graph(*case)
    parts = graph_tikz.render_tikz_parts(d, graph_latex.LINE_CM)
    pic = picture(d)
    if len(parts) == 1:
        assert parts[0][1] <= graph_tikz.LANDSCAPE_CM
        return
    assert all(w <= graph_latex.LINE_CM for _, w in parts)
    drawn = "\n".join(t for t, _ in parts)
    # every node drawn (solid) exactly once, and every edge's label in some part
    for k in range(len(d.nodes)):
        solid = re.findall(r"\\node\[mc(?:input|op|out),[^]]*\] \(n%d\)" % k, drawn)
        assert len(solid) == 1, d.nodes[k].name
    assert drawn.count("mclabel, anchor") == len(d.edges)
    assert pic.width > graph_latex.LINE_CM


# ----------------------------------------------------------------------- handout

def _pictures(tex: str) -> list[tuple[str, float]]:
    """Every tikzpicture of a document with the scale it is drawn at (1 unless inside a
    \\scalebox{s} or a \\resizebox, whose factor is then computed)."""
    out = []
    for m in re.finditer(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", tex, re.S):
        before = tex[max(0, m.start() - 200):m.start()]
        scale = 1.0
        if (s := re.search(r"\\scalebox\{([0-9.]+)\}\{%?\s*$", before)):
            scale = float(s.group(1))
        assert not re.search(r"\\resizebox\{[^}]*\}\{[^}]*\}\{%?\s*$", before), \
            "a picture fitted to the line: its scale is unknown"
        out.append((m.group(0), scale))
    return out


def _fonts(tex: str, picture_: str) -> list[float]:
    """The font sizes (pt) a picture uses: its styles' fonts and any size command in it."""
    styles = {name: body for name, body in
              re.findall(r"(mc\w+)/\.style=\{(.*?)\},?\n", tex)}
    used = set(re.findall(r"\\(?:node|draw)\[(mc\w+)", picture_))
    sizes = []
    for name in used:
        body = styles[name]
        parent = re.match(r"(mc\w+)\b", body)
        fonts = re.findall(r"font=\\(\w+)", body + (styles.get(parent.group(1), "")
                                                    if parent else ""))
        sizes += [SIZES_10PT[f] for f in fonts] or [10.0]
    sizes += [SIZES_10PT[f] for f in re.findall(r"\\(%s)\b" % "|".join(SIZES_10PT), picture_)]
    return sizes


def test_gallery_handout_pictures_are_at_least_8pt() -> None:
    notes = parse_notes(sample_handout(), "handout.toml")
    tex, outcomes = build(notes)
    graphs = [o.derivation for o in outcomes if o.derivation.kind == "graph"]
    assert max(len(d.nodes) for d in graphs) >= 17          # the 17-node graph is there
    assert re.search(r"\\documentclass(\[[^]]*10pt[^]]*\])?\{article\}", tex)
    pictures = _pictures(tex)
    assert len(pictures) >= len(graphs)
    for body, scale in pictures:
        # an inline \frac sets its parts two sizes down: pictures use \dfrac
        assert r"\frac{" not in body.replace(r"\dfrac{", "")
        fonts = _fonts(tex, body)
        assert fonts and min(fonts) * scale >= graph_tikz.MIN_FONT_PT, (min(fonts), scale)


@pytest.mark.latex
def test_gallery_handout_graphs_fit_the_page(pdflatex) -> None:
    """Only the handout's graph entries, compiled: no box wider than the line."""
    text = sample_handout()
    head, _, rest = text.partition("[[section]]")
    graphs = "[[section]]" + rest.split("[[section]]\ntitle = \"Computation graphs\"")[-1]
    graphs = "[[section]]\ntitle = \"Computation graphs\"" + graphs[len("[[section]]"):]
    tex, outcomes = build(parse_notes(head + graphs, "graphs.toml"))
    assert sum(o.derivation.kind == "graph" for o in outcomes) >= 3
    log = pdflatex(tex, "graphs")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]
    assert all(w <= 1.0 for w in widths), widths


@pytest.mark.latex
def test_a_graph_wider_than_the_line_gets_a_landscape_page(pdflatex, monkeypatch) -> None:
    monkeypatch.setattr(graph_latex, "LINE_CM", 13.0)
    d = graph("x*exp(x^2)", "x=1")
    assert 13.0 < picture(d).width <= graph_tikz.LANDSCAPE_CM
    fragment = d.to_latex(standalone=False)
    assert r"\begin{landscape}" in fragment and r"\scalebox" not in fragment
    assert "pdflscape" in fragment.splitlines()[0]
    doc = ("\\documentclass{article}\n\\usepackage{amsmath,graphicx,tikz,pdflscape}\n"
           "\\setlength{\\textwidth}{6.3in}\n\\begin{document}\n" + fragment
           + "\\end{document}\n")
    log = pdflatex(doc, "landscape")
    assert not re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)


@pytest.mark.latex
def test_layout_boxes_hold_the_typeset_text(pdflatex) -> None:
    """The width model of the layout is not below what pdflatex sets: every node line
    and edge label of the checked graphs, measured in a box, is at most its estimate
    plus 0.05 cm (so the geometry check is about the real picture)."""
    items: dict[tuple[str, str], float] = {}
    for case in PICTURES[:8]:
        d = _graph(*case)
        pic = picture(d)
        for k, lines in pic.node_text.items():
            for t in lines:
                items[("small", graph_tikz._plain(t))] = text_cm(t, "small")
        for above, below in pic.label_text.values():
            for t in (above, below):
                if t:
                    items[("footnotesize", t)] = text_cm(t, "footnotesize")
    keys = list(items)
    doc = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\newsavebox\mb",
           r"\begin{document}"]
    for n, (size, t) in enumerate(keys):
        doc.append(r"\sbox\mb{\%s $%s$}\typeout{MEASURE %d \the\wd\mb}" % (size, t, n))
    doc += ["x", r"\end{document}", ""]
    log = pdflatex("\n".join(doc), "measure")
    found = re.findall(r"MEASURE (\d+) ([0-9.]+)pt", log)
    assert len(found) == len(keys)
    for n, pt in found:
        real = float(pt) / 72.27 * 2.54
        key = keys[int(n)]
        assert real <= items[key] + 0.05, (key, real, items[key])


def test_a_graph_too_large_for_a_page_is_said_so_not_shrunk() -> None:
    wide = graph("+".join(f"sin(x{i})*x{i + 1}" for i in range(30)), verify=False)
    fragment = wide.to_latex()
    assert r"\begin{tikzpicture}" not in fragment and "too many to draw" in fragment
    assert r"\scalebox" not in fragment and r"\resizebox" not in fragment
    whole = wide.to_latex(standalone=True)      # a page as large as the picture
    paper = re.search(r"paperwidth=([0-9.]+)cm, paperheight=([0-9.]+)cm", whole)
    pic = picture(wide)
    assert float(paper.group(1)) >= pic.width and float(paper.group(2)) >= pic.height


def test_deep_shared_graph_renders_in_linear_time() -> None:
    """A DAG whose tree is exponential: the header names its operations instead of
    printing the expression written out (which took minutes)."""
    import time
    x = sp.Symbol("x")
    f = x
    for _ in range(40):
        f = sp.sin(f) + f ** 2
    d = graph(f, verify=False, simplify=False)
    start = time.perf_counter()
    latex = d.to_latex()
    assert time.perf_counter() - start < 20
    assert "too large to print" in latex
