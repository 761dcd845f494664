"""Kind ``check``: is a student's answer, or each line of a hand derivation, right?

read: the function (``EXPR`` with ``answer``), or a derivation - line 1 ``d/dx EXPR``
(``\\frac{d}{dx}``, ``d/dW`` with shapes), then one equality a line (``= ...``, ``&= ...``
as in an ``align`` environment, or ``LHS = ...``) - or, with ``program``, a backward pass
written as ``dW1 = ...`` lines. Every line goes through :func:`parse_line`, which strips
the equality and the prefix and calls matcalc's parser (a line with a backslash or a brace, or every line with
``--from latex``, through its LaTeX reader); nothing reaches eval or sympify.

build: matcalc's own derivation of the true derivative D (the ``derive``, ``shapes`` or
``backprop`` plug-in: its Steps are this derivation's Steps, its answer the expected
line), then every line compared with D and with the line before
(:mod:`matcalc.verify.compare`: values at random points of the domain, several seeds;
exact where SymPy proves it). A line equal to D is ``right``; a wrong line equal to the
line before it ``follows`` from that line (a carried error); any other line is ``wrong``
and gets a diagnosis: the first fault of the mistake catalogue
(:mod:`matcalc.rules.mistakes`) whose derivative it equals, else a constant factor, else a
slip of algebra (when the line before was right), else "not equal".

check: the inner derivation's own verification (matcalc's D is checked numerically as
always). Attachments: ``check`` (the :class:`Report`), ``derivation`` (matcalc's
Derivation of D, which the renderers show as the correct derivation).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from ..engine.step import by_name
from ..errors import InputError, ParseError
from ..options import Options
from ..pipeline import Built, Plugin, run
from .request import Request, shape_args


# ----------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Diagnosis:
    rule: str                 # a name of matcalc.rules.mistakes.MISTAKES
    message: str


@dataclass(frozen=True)
class Line:
    """One checked line: ``status`` is "given" (line 1: the derivative to take),
    "right", "wrong" or "follows" (``follows``: the line it follows from)."""

    line: int
    text: str
    status: str
    expected: str = ""
    diagnosis: Diagnosis | None = None
    follows: int | None = None
    relation: str = ""
    correct_line: str = ""          # the line as it should read (the rule applied right)
    expr: Any = field(default=None, compare=False, repr=False)   # the parsed line

    def to_dict(self) -> dict:
        return {"line": self.line, "text": self.text, "status": self.status,
                "expected": self.expected, "correct_line": self.correct_line or None,
                "diagnosis": None if self.diagnosis is None else
                {"rule": self.diagnosis.rule, "message": self.diagnosis.message},
                "follows": self.follows, "relation": self.relation or None}


@dataclass(frozen=True)
class Report:
    """The verdict on every line; ``problem`` is what was differentiated (d/dx f)."""

    problem: str
    mode: str                        # "answer", "derivation" or "backprop"
    lines: tuple[Line, ...]
    points: int = 0
    proved: bool | None = None

    @property
    def correct(self) -> bool:
        return all(l.status in ("right", "given") for l in self.lines)

    @property
    def first_wrong_line(self) -> int | None:
        return next((l.line for l in self.lines if l.status == "wrong"), None)


# ----------------------------------------------------------------------------- lines

_PREFIX = re.compile(
    r"\s*(?:\\frac\s*\{\s*(?:d|\\partial)\s*\}\s*\{\s*(?:d|\\partial)\s*([A-Za-z][A-Za-z0-9_]*)\s*\}"
    r"|(?:d|∂|\\partial)\s*/\s*(?:d|∂|\\partial)\s*([A-Za-z][A-Za-z0-9_]*)\b)")
_LHS = re.compile(r"[^=]*?(?<![<>!=])=(?!=)")


def _clean(text: str) -> tuple[str, int]:
    """The line without a trailing ``\\\\`` and LaTeX spacing, and its offset (0)."""
    body = re.sub(r"\\\\\s*$", "", text.rstrip())
    return body, 0


#: At most this many lines are checked (each costs a comparison at 72 points).
MAX_LINES = 200

#: A parser message about two operands whose shapes do not fit (it names both shapes).
_SHAPES_MESSAGE = re.compile(r"\([^()]*,[^()]*\).*\([^()]*,[^()]*\)")


@dataclass(frozen=True)
class ShapeProblem:
    """A line whose operands' shapes do not fit (W @ x with W m x n and x k x 1): in a
    student's line a mistake (diagnosis ``shape_mismatch``), not bad input."""

    message: str
    free_symbols: frozenset = frozenset()

    def atoms(self, *types: Any) -> set:
        return set()


def _read(body: str, offset: int, lineno: int, line: str,
          reader: Callable[[str], sp.Basic], shapes_ok: bool = False) -> Any:
    """``reader(body)``; a ParseError is re-located in the whole line and names it. With
    ``shapes_ok``, a shape mismatch is returned as a :class:`ShapeProblem`."""
    try:
        return reader(body)
    except ParseError as exc:
        if shapes_ok and _SHAPES_MESSAGE.search(exc.message):
            return ShapeProblem(exc.message)
        pos = None if exc.position is None else exc.position + offset
        raise ParseError(f"line {lineno}: {exc.message}", line, pos) from None


def parse_line(text: str, lineno: int, reader: Callable[[str], sp.Basic], *,
               first: bool = False, shapes_ok: bool = False) -> tuple[Any, str | None]:
    """One line of a derivation -> (expression, variable of ``d/dx`` or None).

    Line 1 (``first``) must be ``d/dx EXPR`` (or ``\\frac{d}{dx} EXPR``, ``d/dW ...``);
    every other line an equality: ``= EXPR``, ``&= EXPR`` or ``LHS = EXPR`` (the right side
    is read). ``reader`` parses the expression (the scalar or the matrix parser); errors
    are ParseErrors naming the line, with the column in it.
    """
    body, offset = _clean(text)
    if first:
        m = _PREFIX.match(body)
        if not m:
            col = len(body) - len(body.lstrip())
            raise ParseError(f"line {lineno}: the first line must be the derivative to take, "
                             "e.g. d/dx (x^2 + 1)/(x - 1)", text, col)
        var = m.group(1) or m.group(2)
        rest = body[m.end():]
        if not rest.strip():
            raise ParseError(f"line {lineno}: nothing to differentiate after d/d{var}", text,
                             m.end())
        return _read(rest, offset + m.end(), lineno, text, reader), var
    stripped = body.lstrip()
    start = len(body) - len(stripped)
    if stripped.startswith("&="):
        start += 2
    elif stripped.startswith("="):
        start += 1
    else:
        m = _LHS.match(body)
        if not m:
            raise ParseError(f"line {lineno}: not an equality: write it as = EXPR", text,
                             start)
        start = m.end()
    rest = body[start:]
    if not rest.strip():
        raise ParseError(f"line {lineno}: nothing after '='", text, start)
    return _read(rest, start, lineno, text, reader, shapes_ok), None


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the lines that are not blank or ``#`` comments, with LaTeX
    environment lines (``\\begin{align*}``) left out."""
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s or s.startswith("#") or re.match(r"\\(begin|end)\{", s):
            continue
        out.append((i, raw))
    return out


# ----------------------------------------------------------------------------- problem

@dataclass(frozen=True)
class Problem:
    mode: str                                # "answer", "derivation", "backprop"
    text: str                                # the input as given
    f: sp.Basic | None                       # the function (None for backprop)
    f_text: str
    wrt: str | None
    lines: tuple[tuple[int, str, sp.Basic, str | None], ...]  # (lineno, text, expr, target)
    shapes: dict[str, Any]
    program: str | None
    options: Options


def read(request: Request) -> Problem:
    opts = request.options
    answer, derivation = request.get("answer"), request.get("derivation")
    program, wrt = request.get("program"), request.get("wrt")
    shapes_in = request.get("shapes")
    if program is not None:
        return _read_backprop(program, derivation, wrt, opts)
    shapes: dict[str, Any] = {}
    if shapes_in:
        from ..matrix.parse import shape_table
        shapes = shape_table(shape_args(shapes_in))
    reader = _reader(shapes, opts)
    if (answer is None) == (derivation is None):
        raise InputError("check needs either an answer (--answer ANS) or a derivation "
                         "(--derivation FILE)")
    if answer is not None:
        subject = request.subject
        if not isinstance(subject, str) or not isinstance(answer, str):
            raise InputError("check: the expression and the answer must be text")
        f = reader(subject)
        try:
            a = reader(answer)
        except ParseError as exc:
            raise ParseError(f"--answer: {exc.message}", answer, exc.position) from None
        return Problem("answer", subject, f, subject, wrt, ((1, answer, a, None),), shapes,
                       None, opts)
    if not isinstance(derivation, str):
        raise InputError("check: the derivation must be text")
    rows = _lines(derivation)
    if not rows:
        raise InputError("the derivation is empty: line 1 is d/dx EXPR, then one = line each")
    n0, t0 = rows[0]
    f, var = parse_line(t0, n0, reader, first=True)
    if wrt is not None and var != wrt:
        raise InputError(f"line {n0} differentiates by {var}, but --wrt is {wrt}")
    if len(rows) < 2:
        raise InputError(f"the derivation has no line after line {n0}: write = ... lines")
    if len(rows) > MAX_LINES:
        raise InputError(f"the derivation has {len(rows)} lines; at most {MAX_LINES} are "
                         "checked")
    parsed = tuple((n, t, parse_line(t, n, reader, shapes_ok=bool(shapes))[0], None)
                   for n, t in rows[1:])
    f_text = t0.strip()
    return Problem("derivation", derivation, f, f_text, var, parsed, shapes, None, opts)


def _reader(shapes: dict[str, Any], opts: Options) -> Callable[[str], sp.Basic]:
    if shapes:
        from ..matrix.parse import parse_matrix_expression
        return lambda t: parse_matrix_expression(t, shapes, opts.limits)
    from ..parse import parse
    return lambda t: parse(t, opts.limits)


def _read_backprop(program: str, derivation: Any, wrt: Any, opts: Options) -> Problem:
    from ..matrix.algebra import shape
    from ..matrix.program import parse_program
    if not isinstance(derivation, str):
        raise InputError("with a program, give the student's backward pass with "
                         "--derivation FILE (lines dZ2 = ..., dW2 = ...)")
    prog = parse_program(program, opts.limits)
    shapes = dict(prog.shapes)
    for target, value in prog.assignments:
        s = shape(value)
        if s is not None:
            shapes.setdefault(target.name, s)
    for name, s in list(shapes.items()):
        shapes.setdefault(f"d{name}", s)
    reader = _reader(shapes, opts)
    parsed = []
    for n, t in _lines(derivation):
        m = re.match(r"\s*(d[A-Za-z][A-Za-z0-9_]*)\s*=(?!=)", t)
        if not m:
            raise ParseError(f"line {n}: write each line as dNAME = EXPR (e.g. dW2 = dZ2 @ "
                             "A1.T / m)", t, len(t) - len(t.lstrip()))
        name = m.group(1)
        if name[1:] not in shapes and name[1:] not in {s.name for s, _ in prog.assignments}:
            raise ParseError(f"line {n}: '{name[1:]}' is not a variable of the program", t,
                             m.start(1))
        expr = _read(t[m.end():], m.end(), n, t, reader, shapes_ok=True)
        parsed.append((n, t, expr, name))
    if len(parsed) > MAX_LINES:
        raise InputError(f"the backward pass has {len(parsed)} lines; at most {MAX_LINES} "
                         "are checked")
    if not parsed:
        raise InputError("the backward pass is empty: write dNAME = EXPR lines")
    return Problem("backprop", derivation, None, program, wrt, tuple(parsed), shapes, program,
                   opts)


# ----------------------------------------------------------------------------- build

def _say(shapes: dict[str, Any]) -> Callable[[sp.Basic], str]:
    if shapes:
        from ..matrix.printing import matrix_syntax
        return matrix_syntax
    from ..syntax import to_syntax
    return to_syntax


def build(p: Problem) -> Built:
    from ..kinds import plugin
    inner_opts = p.options
    if p.mode == "backprop":
        params = p.wrt or ",".join(sorted({t[1:] for _, _, _, t in p.lines if t and t[1:]
                                           in p.shapes and t[1:] in _declared(p)}))
        d = run(plugin("backprop"), Request("backprop", p.program, {"wrt": params or None},
                                            inner_opts))
        report = _check_backprop(p, d)
    elif p.shapes:
        from ..matrix.algebra import is_matrix
        task = "jacobian" if is_matrix(p.f) else "gradient"
        d = run(plugin("shapes"), Request("shapes", _matrix_text(p), {
            "task": task, "wrt": p.wrt, "shapes": [f"{k}:{','.join(map(str, v))}" for k, v in
                                                   p.shapes.items()]}, inner_opts))
        report = _check_matrix(p, d)
    else:
        d = run(plugin("derive"), Request("derive", p.f, {"wrt": p.wrt}, inner_opts))
        report = _check_scalar(p, d)
    return Built("check", p.text, d.expr, d.wrt, d.steps, d.results, d.result,
                 shapes=dict(d.shapes), layout=d.layout,
                 attachments={"check": report, "derivation": d})


def _declared(p: Problem) -> set[str]:
    from ..matrix.program import parse_program
    prog = parse_program(p.program or "", p.options.limits)
    return set(prog.shapes)


def _matrix_text(p: Problem) -> str:
    if p.mode == "answer":
        return p.f_text
    from ..matrix.printing import matrix_syntax
    return matrix_syntax(p.f)


def check(p: Problem, built: Built):
    return built.attachments["derivation"].verification


# ----------------------------------------------------------------------------- scalar

def _check_scalar(p: Problem, d: Any) -> Report:
    from ..rules.mistakes import candidates, d as rule_form
    from ..verify.compare import (ScalarPoints, agree_precisely, compare_values,
                                  constant_ratio, nice_number, proved_equal, relation)
    say = _say({})
    f, true = p.f, d.result
    x = d.wrt[0]
    symbols = sorted(f.free_symbols | {x}, key=by_name)
    pts = ScalarPoints(f, true, symbols)
    if len(pts) < 8:
        raise InputError("check: no usable sample point in the domain of the function and "
                         "its derivative")
    expected = say(true)
    out: list[Line] = []
    if p.mode == "derivation":
        out.append(Line(_first_lineno(p), p.f_text, "given", expr=f))
    cands: list | None = None
    prev: tuple[int, str, np.ndarray | None, sp.Basic] | None = None   # lineno, status, vals
    proved: bool | None = None
    for lineno, text, expr, _ in p.lines:
        vals = pts.values(expr)
        foreign = sorted(s.name for s in expr.free_symbols - set(symbols))
        v = compare_values(pts, vals, pts.true)
        precise = True
        is_proved = bool(v.equal) and proved_equal(expr, true)
        if v.equal and not is_proved:
            precise = agree_precisely(expr, true, pts)
            v = v if precise else replace(v, equal=False)
        if v.equal:
            proved = is_proved
            out.append(Line(lineno, text, "right", expected,
                            relation=relation(expr, true), expr=expr))
            prev = (lineno, "right", vals, expr)
            continue
        if prev is not None and prev[1] in ("wrong", "follows") and \
                compare_values(pts, vals, prev[2]).equal:
            out.append(Line(lineno, text, "follows", expected, follows=prev[0], expr=expr))
            prev = (lineno, "follows", vals, expr)
            continue
        diag = None
        correct_line = ""
        if foreign:
            diag = Diagnosis("foreign_symbol", f"{', '.join(foreign)} is not a name of the "
                             f"function {say(f)}")
        elif prev is not None and prev[1] == "right" and prev[2] is not None:
            k = constant_ratio(vals, prev[2])
            diag = Diagnosis("constant_factor", f"off by a constant factor {nice_number(k)} "
                             f"from line {prev[0]}") if k is not None else \
                Diagnosis("algebra_slip", f"line {prev[0]} was right, but this line does not "
                          f"equal it{_at(v.where)}")
        else:
            if cands is None:
                cands = candidates(f, x, say)
            for c in cands:
                if compare_values(pts, vals, pts.values(c.expr)).equal:
                    diag = Diagnosis(c.rule, c.message)
                    correct_line = say(rule_form(f, x))
                    break
            if diag is None:
                k = constant_ratio(vals, pts.true)
                if k is not None:
                    diag = Diagnosis("constant_factor", f"off by a constant factor: this is "
                                     f"{nice_number(k)} times the derivative")
        if diag is None and not precise:
            diag = Diagnosis("not_equal", f"not equal to the derivative {expected}: they "
                             "agree to 8 digits, but not at 40 digits")
        if diag is None:
            diag = Diagnosis("not_equal", f"not equal to the derivative {expected}"
                             f"{_at(v.where)}")
        elif prev is not None and prev[1] == "right" and correct_line == "":
            correct_line = say(prev[3])
        out.append(Line(lineno, text, "wrong", expected, diag, correct_line=correct_line,
                        expr=expr))
        prev = (lineno, "wrong", vals, expr)
    return Report(f"d/d{x} {say(f)}", p.mode, tuple(out), len(pts), proved)


def _first_lineno(p: Problem) -> int:
    from_text = _lines(p.text)
    return from_text[0][0] if from_text else 1


def _at(where: str) -> str:
    return f" (they differ at {where})" if where else ""


# ----------------------------------------------------------------------------- matrices

def _check_matrix(p: Problem, d: Any) -> Report:
    from ..matrix.algebra import shape
    from ..matrix.printing import matrix_syntax
    from ..verify.matrix import conditioned
    from ..verify.compare import MatrixPoints
    var = d.wrt[0]
    true = d.result
    variables = _variables(p)
    dims = {s for sh in p.shapes.values() for s in sh if isinstance(s, sp.Symbol)}
    cond = conditioned(p.f)
    mp = MatrixPoints.draw(variables, dims, cond)
    tv = mp.values(true)
    if tv is None:
        raise InputError("check: matcalc's derivative could not be evaluated at the sample "
                         "sizes")
    ctx = _MatrixContext(p, var, true, tv, mp, variables, dims, cond)
    out: list[Line] = []
    if p.mode == "derivation":
        out.append(Line(_first_lineno(p), p.f_text, "given", expr=p.f))
    expected = matrix_syntax(true)
    prev: tuple[int, str, Any, Any] | None = None
    for lineno, text, expr, _ in p.lines:
        if isinstance(expr, ShapeProblem):
            out.append(Line(lineno, text, "wrong", expected,
                            Diagnosis("shape_mismatch", f"shapes do not match: {expr.message}")))
            prev = (lineno, "wrong", None, None)
            continue
        vals = mp.values(expr)
        same = _shape_of(expr) == _shape_of(true) and _same(vals, tv)
        if same:
            out.append(Line(lineno, text, "right", expected,
                            relation="equal to matcalc's form at every sample"
                            if expr != true else "the same expression as matcalc's", expr=expr))
            prev = (lineno, "right", vals, _shape_of(expr))
            continue
        if prev is not None and prev[1] in ("wrong", "follows") and prev[3] == _shape_of(expr) \
                and _same(vals, prev[2]):
            out.append(Line(lineno, text, "follows", expected, follows=prev[0], expr=expr))
            prev = (lineno, "follows", vals, _shape_of(expr))
            continue
        out.append(Line(lineno, text, "wrong", expected, ctx.diagnose(expr, vals), expr=expr))
        prev = (lineno, "wrong", vals, _shape_of(expr))
    return Report(f"d/d{var} {matrix_syntax(p.f)}", p.mode, tuple(out),
                  len(mp.samples), None)


def _shape_of(e: sp.Basic) -> tuple | None:
    """The shape, with 1 x 1 the same as a scalar (sum(dZ2, axis=1) of a 1 x m row)."""
    from ..matrix.algebra import shape
    s = shape(e)
    return None if s is not None and s[0] == 1 and s[1] == 1 else s


def _same(a: Any, b: Any) -> bool:
    from ..verify.compare import same_values
    return same_values(a, b)


def _variables(p: Problem) -> list[sp.Basic]:
    from sympy import MatrixSymbol
    found = {m.name: m for m in p.f.atoms(MatrixSymbol)}
    exprs = [l[2] for l in p.lines if not isinstance(l[2], ShapeProblem)]
    for e in exprs:
        found.update({m.name: m for m in e.atoms(MatrixSymbol)})
    scalars = {s.name: s for e in [p.f, *exprs] for s in e.free_symbols
               if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)}
    dims = {str(x) for sh in p.shapes.values() for x in sh}
    for name, s in scalars.items():
        if name not in found and name not in dims:
            found[name] = s
    return list(found.values())


@dataclass
class _MatrixContext:
    p: Problem
    var: sp.Basic
    true: sp.Basic
    tv: Any
    mp: Any
    variables: list
    dims: set
    cond: set
    symmetric: bool = True          # try each square matrix symmetric (not in a backward pass)
    what: str = ""                  # how the derivative is named ("d f/dW", "dW2")

    def diagnose(self, expr: sp.Basic, vals: Any) -> Diagnosis:
        from ..matrix.algebra import fmt_shape, shape
        from ..verify.compare import (MatrixPoints, dimension_factor, nice_number,
                                      ratio_per_sample, same_values)
        s_got, s_want = _shape_of(expr), _shape_of(self.true)
        name = getattr(self.var, "name", str(self.var))
        what = self.what or f"d f/d{name}"
        if vals is None:
            return Diagnosis("not_equal", "the line could not be evaluated at the sample sizes")
        if s_got != s_want:
            if s_got is not None and s_want is not None and s_got == (s_want[1], s_want[0]) \
                    and same_values(vals, self.tv, lambda v: v.T):
                return Diagnosis("layout_transpose", f"the transpose of the right answer "
                                 f"(layout): {what} has the shape of {name}, "
                                 f"{fmt_shape(s_want)}, not {fmt_shape(s_got)}")
            rows = 1 if s_want is None else s_want[0]
            if s_got is not None and s_got[0] == rows and s_got[1] != 1 and \
                    (s_want is None or s_want[1] == 1):
                for total, how in ((lambda v: v.sum(axis=1, keepdims=True), "sum"),
                                   (lambda v: v.mean(axis=1, keepdims=True), "mean")):
                    if same_values(vals, self.tv, total):
                        return Diagnosis("missing_batch_sum", f"a missing {how} over the "
                                         f"batch: {name} is one column {fmt_shape(s_want)}, so "
                                         f"its gradient {how}s the {fmt_shape(s_got)} "
                                         f"matrix over axis=1")
            return Diagnosis("shape_mismatch", f"shapes do not match: the line has shape "
                             f"{fmt_shape(s_got)}, but {what} has the shape of {name}, "
                             f"{fmt_shape(s_want)}")
        if s_got is not None and s_got[0] == s_got[1] and \
                same_values(vals, self.tv, lambda v: v.T):
            return Diagnosis("layout_transpose", f"the transpose of the right answer "
                             f"(layout): {what} has the shape of {name}, with entry (i, j) "
                             f"= d f/d {name}[i, j]")
        for a in self._square_matrices() if self.symmetric else ():
            mp = MatrixPoints.draw(self.variables, self.dims, self.cond, symmetric=[a])
            if same_values(mp.values(expr), mp.values(self.true)):
                return Diagnosis("symmetric_assumed", f"right only if {a} is symmetric "
                                 f"({a} = {a}^T); in general the answer is "
                                 f"{_say(self.p.shapes)(self.true)}")
        ratios = ratio_per_sample(vals, self.tv)
        if ratios is not None:
            dim = dimension_factor(ratios, self.mp.samples)
            if dim is not None and dim[1] == 1:
                return Diagnosis("missing_mean", f"a missing 1/{dim[0]}: the line is {dim[0]} "
                                 f"times {what}")
            if dim is not None:
                return Diagnosis("constant_factor", f"off by the factor 1/{dim[0]}")
            if max(ratios) - min(ratios) <= 1e-8 * max(abs(r) for r in ratios):
                return Diagnosis("constant_factor", f"off by a constant factor: this is "
                                 f"{nice_number(ratios[0])} times {what}")
        return Diagnosis("not_equal", f"not equal to {what} = {_say(self.p.shapes)(self.true)}")

    def _square_matrices(self) -> list[str]:
        from sympy import MatrixSymbol
        return [m.name for m in self.p.f.atoms(MatrixSymbol)
                if m.shape[0] == m.shape[1] and m.shape[0] != 1]


# ----------------------------------------------------------------------------- backprop

def _check_backprop(p: Problem, d: Any) -> Report:
    """Each dNAME line against matcalc's adjoint, with the true earlier adjoints in place
    (a new error), then with the student's own (a carried error: "follows")."""
    from ..matrix.algebra import shape
    from ..matrix.printing import matrix_syntax
    from ..verify.compare import MatrixPoints, same_values
    from ..verify.evaluate import evaluate
    from ..verify.matrix import conditioned
    prog, bp = d.attachments["program"]
    true_exprs: dict[str, sp.Basic] = {}
    for step in bp.steps:
        if step.rule == "backprop_adjoint" and step.wrt is not None:
            true_exprs.setdefault(f"d{step.wrt.name}", step.result)
    true_exprs.update(bp.equations)
    inputs = [sp.MatrixSymbol(n, *s) for n, s in prog.shapes.items()]
    dims = prog.dims()
    mp = MatrixPoints.draw(inputs, dims, conditioned(prog.assignments[-1][1]))
    true_env = []
    for sizes, values in mp.samples:
        env = dict(values)
        for target, value in prog.assignments:
            env[target.name] = np.asarray(evaluate(value, env, sizes), dtype=float)
        for step in bp.steps:
            key = f"d{step.wrt.name}" if step.wrt is not None else ""
            if key in true_exprs and key not in env:
                env[key] = np.asarray(evaluate(true_exprs[key], env, sizes), dtype=float)
        true_env.append(env)
    out: list[Line] = []
    state: dict[str, tuple[int, str]] = {}          # dNAME -> (line, status)
    for lineno, text, expr, name in p.lines:
        want = true_exprs.get(name)
        if want is None:
            raise InputError(f"line {lineno}: matcalc's backward pass has no {name} (its "
                             f"adjoints: {', '.join(true_exprs)})")
        expected = matrix_syntax(want)
        if isinstance(expr, ShapeProblem):
            out.append(Line(lineno, text, "wrong", expected,
                            Diagnosis("shape_mismatch", f"shapes do not match: {expr.message}")))
            state[name] = (lineno, "wrong")
            continue
        got_true = _values(expr, true_env, mp)
        want_vals = [env[name] for env in true_env]
        refs = sorted(n for n in (s.name for s in expr.free_symbols | expr.atoms(sp.MatrixSymbol))
                      if n in state)
        bad_refs = [state[r][0] for r in refs if state[r][1] != "right"]
        if _shape_of(expr) == _shape_of(want) and same_values(got_true, want_vals):
            status = "follows" if bad_refs else "right"
            out.append(Line(lineno, text, status, expected,
                            follows=min(bad_refs) if bad_refs else None))
        else:
            ctx = _MatrixContext(p, sp.MatrixSymbol(name[1:], *p.shapes[name[1:]])
                                 if name[1:] in p.shapes else sp.Symbol(name[1:]),
                                 want, want_vals, _Frozen(mp.samples, true_env), inputs, dims,
                                 set(), symmetric=False, what=name)
            diag = _activation_factor(prog, name, got_true, true_env) or \
                ctx.diagnose(expr, got_true)
            out.append(Line(lineno, text, "wrong", expected, diag))
        state[name] = (lineno, out[-1].status)
    return Report(f"the backward pass of {prog.objective.name}", "backprop", tuple(out),
                  len(mp.samples), None)


def _activation_factor(prog: Any, name: str, got: list | None, envs: list[dict]
                       ) -> Diagnosis | None:
    """dZ written as dA for A = g(Z): the element-wise factor g'(Z) is missing."""
    from ..matrix.nodes import Elementwise
    from ..verify.compare import same_values
    for target, value in prog.assignments:
        if isinstance(value, Elementwise) and getattr(value.arg, "name", "") == name[1:] \
                and f"d{target.name}" in envs[0] and \
                same_values(got, [env[f"d{target.name}"] for env in envs]):
            return Diagnosis("missing_chain_factor", f"missing the element-wise chain factor: "
                             f"{name} = d{target.name} * g'({name[1:]}) for {target.name} = "
                             f"g({name[1:]})")
    return None


def _values(expr: sp.Basic, envs: list[dict], mp: Any) -> list | None:
    from ..verify.evaluate import evaluate
    out = []
    for (sizes, _), env in zip(mp.samples, envs):
        try:
            with np.errstate(all="ignore"):
                out.append(np.asarray(evaluate(expr, env, sizes), dtype=float))
        except Exception:
            return None
    return out


@dataclass
class _Frozen:
    """Sample points with fixed environments (a backward pass: forward values and true
    adjoints), in MatrixPoints' shape."""

    samples: list
    envs: list

    def values(self, e: sp.Basic) -> list | None:
        return _values(e, self.envs, self)


PLUGIN = Plugin("check", read, build, check)
