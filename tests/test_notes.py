"""`matcalc notes`: notes files (TOML) -> one LaTeX document; errors name file, line, entry."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from matcalc.cli import main
from matcalc.gallery import sample_handout
from matcalc.kinds import KINDS, Kind
from matcalc.notes import NotesError, build, load_notes, parse_notes

from .latexcheck import check_latex

ROOT = Path(__file__).resolve().parents[1]
HEAD = 'title = "T"\n[[section]]\ntitle = "One"\n'


def notes_cli(tmp_path: Path, text: str, *args: str):
    path = tmp_path / "n.toml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["notes", str(path), *args])


def overfull(log: str) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]


# ----------------------------------------------------------------- the sample handout
def test_sample_handout_is_shipped_in_three_places_identically() -> None:
    text = sample_handout()
    assert (ROOT / "worked_examples" / "handout.toml").read_text(encoding="utf-8") == text
    assert text in (ROOT / "docs" / "notes-format.md").read_text(encoding="utf-8")


def test_sample_handout_builds_and_verifies() -> None:
    doc = parse_notes(sample_handout(), "handout.toml")
    tex, outcomes = build(doc)
    assert len(outcomes) == len(doc.entries) >= 9
    assert all(o.derivation.verification.status == "passed" for o in outcomes)
    assert check_latex(tex) == []
    assert tex.count(r"\refstepcounter{derivation}") == len(outcomes)
    assert tex.count(r"\footnote{Verified numerically") == len(outcomes)
    assert "numerator layout" in tex
    packages = re.findall(r"\\usepackage\{([^}]*)\}", tex)
    assert set(packages) <= {"amsmath", "amssymb", "bm", "graphicx", "tikz", "pdflscape"}


@pytest.mark.latex
def test_sample_handout_compiles(pdflatex) -> None:
    tex, _ = build(parse_notes(sample_handout(), "handout.toml"))
    log = pdflatex(tex, "handout")
    assert all(w <= 20 for w in overfull(log)), overfull(log)
    assert "Warning" not in "".join(re.findall(r"LaTeX Warning: (?!Label|There were undefined|Reference).*", log))


@pytest.mark.latex
def test_cli_writes_a_pdf(tmp_path: Path) -> None:
    import shutil
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex is not installed")
    r = notes_cli(tmp_path, sample_handout(), "-o", str(tmp_path / "h.pdf"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")
    assert "13 derivations in 5 sections, all verified numerically" in r.output


def test_cli_writes_tex_and_stdout(tmp_path: Path) -> None:
    r = notes_cli(tmp_path, sample_handout(), "-o", str(tmp_path / "h.tex"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "h.tex").read_text().startswith(r"\documentclass")
    r = notes_cli(tmp_path, HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x^2"\n')
    assert r.exit_code == 0 and r.output.startswith(r"\documentclass")


# ----------------------------------------------------------------- notation per document / entry
def test_notation_per_document_and_per_entry() -> None:
    text = ('title = "T"\n[notation]\nsigmoid = "operatorname"\n' + HEAD.split("\n", 1)[1]
            + '[[section.derivation]]\nkind = "derive"\nexpr = "sigmoid(x^2)"\n'
            + '[[section.derivation]]\nkind = "derive"\nexpr = "sigmoid(x^2)"\n'
            + 'notation = { sigmoid = "sigma", detail = "brief" }\n')
    tex, _ = build(parse_notes(text))
    first, second = tex.split(r"\refstepcounter{derivation}")[1:]
    assert r"\operatorname{sigmoid}" in first and r"\sigma" not in first
    assert r"\sigma(" in second and r"\operatorname{sigmoid}" not in second
    assert second.count(r"\tag*") < first.count(r"\tag*")


def test_document_layout_reaches_jacobians() -> None:
    text = ('title = "T"\n[notation]\nlayout = "denominator"\n' + HEAD.split("\n", 1)[1]
            + '[[section.derivation]]\nkind = "jacobian"\nexpr = "[x*y, x + y]"\n')
    doc = parse_notes(text)
    assert doc.entries[0].options["layout"] == "denominator"
    tex, outcomes = build(doc)
    assert outcomes[0].derivation.layout == "denominator"
    assert "denominator layout" in tex


# ----------------------------------------------------------------- bad notes files
BAD = [
    ("unknown key", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\nwrtt = "x"\n',
     7, "derivation 1 (derive x): unknown key 'wrtt'", "did you mean 'wrt'?"),
    ("unknown top key", 'titel = "T"\n' + HEAD, 1, "unknown key 'titel'", ""),
    ("bad TOML", HEAD + '[[section.derivation]]\nkind = "derive\n', 5, "bad TOML", "column"),
    ("unknown kind", HEAD + '[[section.derivation]]\nkind = "integral"\nexpr = "x"\n', 5,
     "unknown kind 'integral'", "derive, grad, jacobian"),
    ("no kind", HEAD + '[[section.derivation]]\nexpr = "x"\n', 4, "needs a kind", ""),
    ("no expr", HEAD + '[[section.derivation]]\nkind = "grad"\n', 4, "needs expr", ""),
    ("wrong type", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\npoints = "9"\n',
     7, "'points' must be an integer", ""),
    ("bad option value", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\npoints = 0\n',
     7, "points must be between 1 and 500", ""),
    ("bad notation", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\n'
     'notation = { detail = "short" }\n', 7, "'detail' must be \"full\" or \"brief\"", ""),
    ("unknown notation", 'title = "T"\n[notation]\nbold = true\n' + HEAD.split("\n", 1)[1], 3,
     "unknown key 'bold'", "bold_vectors"),
    ("section without title", 'title = "T"\n[[section]]\ntext = "x"\n', 2,
     "every section needs a title", ""),
    ("no sections", 'title = "T"\n', None, "no sections", ""),
    ("bad expression", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x^2 +"\n', 6,
     "derivation 1 (derive x^2 +): expected an expression", "column 6 of expr"),
    ("bad where", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "g"\nwrt = "x"\n'
     'where = "g = = x"\n', 8, "derivation 1", "of where"),
    ("inline entries", HEAD + 'derivation = [\n  { kind = "derive", expr = "x" },\n'
     '  { kind = "derive", expr = "x +" },\n]\n', 6, "derivation 2 (derive x +)", "column"),
    ("dotted notation key", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\n'
     'notation.partial = true\nnotation.detail = "all"\n', 8, "'detail' must be", ""),
    ("notation sub-table", HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\n'
     '[section.derivation.notation]\ndetail = "brief"\nbold = true\n', 9,
     "unknown key 'bold'", ""),
]


@pytest.mark.parametrize("what, text, line, message, hint", BAD, ids=[b[0] for b in BAD])
def test_bad_notes_name_file_line_and_entry(tmp_path: Path, what: str, text: str, line,
                                            message: str, hint: str) -> None:
    r = notes_cli(tmp_path, text, "-o", str(tmp_path / "out.tex"))
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output                       # one clear line, no traceback
    place = f"{tmp_path / 'n.toml'}" + (f":{line}:" if line else ":")
    assert lines[0].startswith(f"error: {place}"), lines[0]
    assert message in lines[0] and hint in lines[0], lines[0]
    assert not (tmp_path / "out.tex").exists()


def test_missing_file(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["notes", str(tmp_path / "nope.toml")])
    assert r.exit_code == 2 and "cannot read the notes file" in r.output


def test_no_rule_keeps_its_exit_status(tmp_path: Path, monkeypatch) -> None:
    from matcalc.errors import NoRuleError
    from matcalc.notes import assemble

    def boom(entry):
        raise NotesError("no rule", entry.where, NoRuleError.exit_code)
    monkeypatch.setattr(assemble, "derive_entry", boom)
    r = notes_cli(tmp_path, HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\n')
    assert r.exit_code == 3


def test_keep_going_writes_the_others(tmp_path: Path) -> None:
    text = (HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x^2 +"\n'
            + '[[section.derivation]]\nkind = "derive"\nexpr = "sin(x)"\n')
    out = tmp_path / "out.tex"
    r = notes_cli(tmp_path, text, "-o", str(out))
    assert r.exit_code == 2 and not out.exists()
    r = notes_cli(tmp_path, text, "--keep-going", "-o", str(out))
    assert r.exit_code == 1, r.output
    assert "n.toml:6: section 1 (\"One\"), derivation 1" in r.output
    assert "2 derivations in 1 section, 1 failed" in r.output
    tex = out.read_text()
    assert "This derivation failed" in tex and r"\cos" in tex
    assert check_latex(tex) == []


def test_schema_errors_are_found_before_any_derivation(monkeypatch) -> None:
    from matcalc.notes import assemble
    calls = []
    monkeypatch.setattr(assemble, "derive_entry", lambda e: calls.append(e))
    with pytest.raises(NotesError):
        parse_notes(HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x"\n'
                    '[[section.derivation]]\nkind = "nope"\nexpr = "x"\n')
    assert calls == []


def test_lines_inside_multiline_strings_are_not_headers() -> None:
    text = ('title = "T"\nintro = """\n[[section]]\n"""\n[[section]]\ntitle = "A"\n'
            '[[section.derivation]]\nkind = "derive"\nexpr = "x"\nbad = 1\n')
    with pytest.raises(NotesError) as info:
        parse_notes(text, "n.toml")
    assert info.value.where.line == 10


# ----------------------------------------------------------------- the kind registry
def test_a_new_kind_is_one_registry_row(monkeypatch) -> None:
    """graph and backprop plug in by one row: here a stand-in kind using derive."""
    monkeypatch.setitem(KINDS, "slope", Kind("slope", "matcalc.api:derive", "function",
                                             {"wrt": str}, packages=("tikz",)))
    doc = parse_notes(HEAD + '[[section.derivation]]\nkind = "slope"\nfunction = "3a"\n')
    tex, outcomes = build(doc)
    assert outcomes[0].derivation.result == 3
    assert r"\usepackage{tikz}" in tex


def test_load_notes_from_file(tmp_path: Path) -> None:
    path = tmp_path / "h.toml"
    path.write_text(sample_handout(), encoding="utf-8")
    doc = load_notes(path)
    assert doc.title.startswith("Week 2") and len(doc.sections) == 5
    assert doc.entries[1].notation.detail == "brief" and doc.entries[0].notation.detail == "full"


def test_a_failed_numeric_check_is_written_and_exits_1(tmp_path: Path, monkeypatch) -> None:
    from dataclasses import replace

    from matcalc.notes import assemble

    real = assemble.derive_entry

    def planted(entry):            # as if the result had been wrong
        d = real(entry)
        d.verification = replace(d.verification, status="failed", message="planted")
        return d
    monkeypatch.setattr(assemble, "derive_entry", planted)
    out = tmp_path / "out.tex"
    r = notes_cli(tmp_path, HEAD + '[[section.derivation]]\nkind = "derive"\nexpr = "x^2"\n',
                  "-o", str(out))
    assert r.exit_code == 1, r.output
    assert "1 failed the numeric check" in r.output
    tex = out.read_text()
    assert r"\textbf{numeric check failed}\footnote{NUMERIC CHECK FAILED" in tex


class _Picture:
    """What a kind with its own LaTeX renderer returns (a computation graph, say)."""

    kind = "graph"
    shapes: dict = {}
    verification = None

    def __init__(self, expr: str, at: str = "") -> None:
        self.expr, self.at = expr, at

    def to_latex(self, standalone: bool = False) -> str:
        return "\\begin{tikzpicture}\\node {$%s$ at %s};\\end{tikzpicture}\n" % (self.expr, self.at)


def fake_graph(expr: str, at: str = "", options=None) -> _Picture:
    return _Picture(expr, at)


def test_a_kind_with_its_own_renderer(monkeypatch) -> None:
    """graph and backprop bring their own LaTeX: the document takes their fragment."""
    monkeypatch.setitem(KINDS, "graph", Kind("graph", "tests.test_notes:fake_graph", "expr",
                                             {"at": str}, packages=("tikz",)))
    doc = parse_notes(HEAD + '[[section.derivation]]\nkind = "graph"\nexpr = "3(a + bc)"\n'
                      'at = "a=5,b=3,c=2"\n')
    tex, outcomes = build(doc)
    assert r"\node {$3(a + bc)$ at a=5,b=3,c=2};" in tex and r"\usepackage{tikz}" in tex
    assert check_latex(tex) == []


MIXED = (HEAD + '[[section.derivation]]\nkind = "graph"\nexpr = "3*(a + b*c)"\n'
         'at = { a = 5, b = 3, c = 2 }\n'
         '[[section.derivation]]\nkind = "derive"\nexpr = "x.T @ A @ x"\nwrt = "x"\n'
         'shapes = ["x:n", "A:n,n"]\n'
         '[[section.derivation]]\nkind = "backprop"\nwrt = "w, b"\nprogram = """\n'
         'x: n\nw: n\nb: 1\nz = w.T @ x + b\nJ = sum(sigmoid(z))\n"""\n')


def test_graph_matrix_and_backprop_entries() -> None:
    """The kinds with renderers of their own: their LaTeX, and one verification footnote
    each in place of their own verification paragraph."""
    tex, outcomes = build(parse_notes(MIXED, "mixed.toml"))
    assert [o.derivation.kind for o in outcomes] == ["graph", "derivative", "backprop"]
    assert all(o.derivation.verification.status == "passed" for o in outcomes)
    assert r"\usepackage{tikz}" in tex and r"\begin{tikzpicture}" in tex
    assert tex.count(r"\footnote{Verified numerically") == 3
    assert tex.count("Verified numerically") == 3          # no second statement of a check
    assert check_latex(tex) == []


@pytest.mark.latex
def test_graph_matrix_and_backprop_entries_compile(pdflatex) -> None:
    tex, _ = build(parse_notes(MIXED, "mixed.toml"))
    log = pdflatex(tex, "mixed")
    assert all(w <= 20 for w in overfull(log)), overfull(log)


def test_bad_backprop_program_names_the_entry(tmp_path: Path) -> None:
    r = notes_cli(tmp_path, HEAD + '[[section.derivation]]\nkind = "backprop"\n'
                  'program = "x: n\\nJ = sum(x @@ x)"\n')
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {tmp_path / 'n.toml'}:")
    assert "derivation 1 (backprop" in r.output
