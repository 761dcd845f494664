"""What a worker process computes for one HTTP request: pure functions from a JSON body
(a dict) to a :class:`Reply` (HTTP status, content type, body).

The fields of a body are the CLI's options by their long names (CONTRACTS.md, "Web"):
``{"expr": "x^2", "wrt": "x", "shape": ["x:n"], "dim": ["n=3"], "where": "...",
"points": 20, "seed": 0, "timeout": 3, "verify": true, "simplify": true, "steps": true}``;
the kind's own options come from its row of :data:`matcalc.kinds.KINDS`, so a kind added
to the registry is served with no change here. ``run_kind`` answers exactly what
``matcalc KIND ... --format json`` prints; bad input is a 422 reply
``{"error": "...", "column": N, "exit_status": 2}`` (the column 1-based, or null), as the
CLI's one line on stderr. No user text reaches eval: the input goes to the parser only.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import InputError, MatcalcError, ParseError

#: CLI long names -> the registry's option names (``--shape`` is repeated, so ``shapes``).
ALIASES = {"shape": "shapes", "dim": "dims"}
#: Fields a kind may take besides its own (``Kind.common`` says which its command has):
#: field -> (Options field, types). Their values are checked by ``kinds.FIELDS`` where it
#: has a row (choices, ranges: the CLI's click types come from the same rows).
_NUMBER = (int, float)
COMMON_FIELDS: dict[str, tuple[str, Any]] = {
    "verify": ("verify", bool),
    "simplify": ("simplify", bool),
    "steps": ("steps", bool),
    "points": ("points", int),
    "seed": ("seed", int),
    "timeout": ("simplify_timeout", _NUMBER),
    "assume": ("assume", (list, str)),      # --assume FACT, repeatable: a list of facts
    "from": ("from_", str),                 # --from auto|plain|latex
    "detail": ("detail", str),              # --detail normal|full
}
#: The CLI's defaults of the true/false fields (the others: kinds.FIELDS).
FLAG_DEFAULTS = {"verify": True, "simplify": True, "steps": True}
#: Fields the page sends that are not options of the derivation.
IGNORED = ("format", "standalone")
#: Longest input (characters) any field may hold; the parser has its own limit too.
MAX_FIELD_CHARS = 10_000


@dataclass
class Reply:
    """One HTTP answer: ``status``, ``body`` (text or bytes) and its media type;
    ``exit_status`` is what the CLI would have exited with."""

    status: int
    body: str | bytes
    media_type: str = "application/json"
    exit_status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(exc: BaseException, status: int = 422) -> Reply:
    """The JSON of an error: the CLI's message line, the 1-based column (or null), the
    caret lines as the CLI prints them, and the exit status."""
    if isinstance(exc, MatcalcError):
        text = exc.format()
        code = exc.exit_code
    elif isinstance(exc, RecursionError):
        text, code = "error: expression is nested too deeply", 2
    elif isinstance(exc, MemoryError):
        text, code = "error: the derivation went over the server's memory limit", 2
    else:
        text, code = f"internal error ({type(exc).__name__}): {exc}. Please report it.", 4
        status = 500
    column = None
    if isinstance(exc, ParseError) and exc.position is not None and exc.text:
        column = exc.position + 1
    lines = text.splitlines()
    body = {"error": lines[0], "column": column, "caret": lines[1:], "exit_status": code}
    return Reply(status, json.dumps(body), exit_status=code)


def _is(value: Any, types: Any) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        return False
    if list in types and isinstance(value, list) and not all(isinstance(v, (str, int, float))
                                                              for v in value):
        return False
    return isinstance(value, types)


def _type_name(types: Any) -> str:
    types = types if isinstance(types, tuple) else (types,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "an object"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _long(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > MAX_FIELD_CHARS
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return sum(len(str(v)) for v in items) > MAX_FIELD_CHARS or len(value) > 1000
    return False


def fields_of(kind_name: str, body: Any) -> tuple[Any, Any, dict[str, Any], Any]:
    """Check a body against the kind's registry row: (kind, subject, own options, Options).
    Unknown fields, wrong types and overlong values are InputErrors naming the field."""
    from ..kinds import FIELDS, get_kind
    from ..options import Options

    kind = get_kind(kind_name)
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    subject = body.get(kind.subject)
    if subject is None or (isinstance(subject, str) and not subject.strip()):
        if not kind.subject_optional:
            raise InputError(f"{kind.name}: the field '{kind.subject}' is required")
        subject = None
    if subject is not None and not _is(subject, kind.subject_types):
        raise InputError(f"{kind.name}: '{kind.subject}' must be {_type_name(kind.subject_types)}")
    own: dict[str, Any] = {}
    opts: dict[str, Any] = {}
    for key, value in body.items():
        if key == kind.subject:
            continue
        if _long(value) or (key == kind.subject and _long(subject)):
            raise InputError(f"{kind.name}: '{key}' is longer than {MAX_FIELD_CHARS:,} characters")
        name = ALIASES.get(key, key)
        if key in IGNORED:
            if key == "format" and value != "json":
                raise InputError("the API answers JSON only ('format' must be \"json\")")
            continue
        if value is None:
            continue
        if name in kind.options:
            types = kind.options[name]
            if not _is(value, types):
                raise InputError(f"{kind.name}: '{key}' must be {_type_name(types)}")
            own[name] = FIELDS[key].check(value) if key in FIELDS else value
        elif key in COMMON_FIELDS and key in kind.common:
            target, types = COMMON_FIELDS[key]
            if not _is(value, types):
                raise InputError(f"{kind.name}: '{key}' must be {_type_name(types)}")
            opts[target] = FIELDS[key].check(value) if key in FIELDS else value
        else:
            raise InputError(f"{kind.name}: unknown field '{key}' (known: "
                             f"{', '.join([kind.subject, *field_names(kind)])})")
    if _long(subject):
        raise InputError(f"{kind.name}: '{kind.subject}' is longer than "
                         f"{MAX_FIELD_CHARS:,} characters")
    return kind, subject, own, Options(**opts)


def field_names(kind: Any) -> list[str]:
    """The request fields of ``kind`` besides its subject, as its CLI options are named:
    its own options (``shape``, ``dim`` for the registry's shapes, dims), then the common
    fields its command offers."""
    names = {v: a for a, v in ALIASES.items()}
    return [*[names.get(o, o) for o in kind.options],
            *[c for c in COMMON_FIELDS if c in kind.common]]


def derivation(kind_name: str, body: Any) -> Any:
    """The Derivation the CLI would make for this body (the simplify budget shared by the
    request's simplify steps, as the CLI's --timeout)."""
    from ..engine.simplify import simplify_budget

    kind, subject, own, options = fields_of(kind_name, body)
    with simplify_budget(options.simplify_timeout):
        return kind.call(subject, own, options=options)


def _exit_status(d: Any) -> int:
    """The CLI's exit status for ``d``: 1 when the numeric check failed (check: when a
    line is wrong), else 0 ("Not verified" for lack of evidence is 0, as in the CLI)."""
    report = getattr(d, "attachments", {}).get("check")
    if report is not None:
        return 0 if report.correct else 1
    v = getattr(d, "verification", None)
    return 1 if v is not None and v.status == "failed" else 0


def guarded(compute: Any) -> Reply:
    """``compute()`` with every failure as one error reply, never a traceback."""
    try:
        return compute()
    except (MatcalcError, RecursionError, MemoryError) as exc:
        return error_reply(exc)
    except Exception as exc:  # a bug: one line, status 500
        return error_reply(exc)


def run_kind(kind_name: str, body: Any) -> Reply:
    """``POST /api/<kind>``: exactly the CLI's ``--format json`` output (with its final
    newline); the CLI's exit status in the header X-Matcalc-Exit-Status."""
    def compute() -> Reply:
        d = derivation(kind_name, body)
        code = _exit_status(d)
        return Reply(200, d.to_json() + "\n", exit_status=code,
                     headers={"X-Matcalc-Exit-Status": str(code)})
    return guarded(compute)


def _svg(dot_source: str) -> str | None:
    """Graphviz SVG of DOT source, or None when dot is missing or fails (10 s at most)."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    try:
        proc = subprocess.run([exe, "-Tsvg"], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if "\n" in str(value):
        text = str(value).replace("\\", "\\\\").replace('"""', '\\"""')
        return f'"""\n{text}"""'
    return json.dumps(str(value), ensure_ascii=False)     # a TOML basic string


def notes_entry(kind_name: str, body: Mapping[str, Any]) -> str:
    """The derivation as an entry of a notes file (docs/notes-format.md), its keys the
    registry's names."""
    kind, subject, own, _ = fields_of(kind_name, dict(body))
    lines = ["[[section.derivation]]", f"kind = {_toml_value(kind.name)}"]
    if subject is not None:
        lines.append(f"{kind.subject} = {_toml_value(subject)}")
    for key, value in own.items():
        lines.append(f"{key} = {_toml_value(value)}")
    from ..kinds import COMMON_OPTIONS
    for key in COMMON_OPTIONS:              # the notes' common keys (steps is not one)
        if key in body and body[key] is not None:
            lines.append(f"{key} = {_toml_value(body[key])}")
    return "\n".join(lines) + "\n"


def page(kind_name: str, body: Any) -> Reply:
    """What the page shows for one derivation, from one run: the CLI's JSON, the LaTeX
    (fragment and standalone document), the NumPy text, the notes entry, the graph as SVG."""
    def compute() -> Reply:
        d = derivation(kind_name, body)
        data: dict[str, Any] = {"json": json.loads(d.to_json()), "exit_status": _exit_status(d)}
        for key, make in (("latex", lambda: d.to_latex(standalone=False)),
                          ("tex", lambda: d.to_latex(standalone=True)),
                          ("numpy", d.to_numpy), ("text", d.to_text)):
            try:
                data[key] = make()
            except MatcalcError as exc:
                data[key] = None
                data.setdefault("notes_on_formats", []).append(f"{key}: {exc}")
        data["notes"] = notes_entry(kind_name, body)
        data["svg"] = None
        if getattr(d, "nodes", None):
            try:
                data["svg"] = _svg(d.to_dot())
            except MatcalcError:
                pass
        return Reply(200, json.dumps(data))
    return guarded(compute)


def preview(body: Any) -> Reply:
    """The parsed input as LaTeX while the user types (parse only: no derivation), or the
    parse error with its column. A program (backprop) or a LaTeX input the parser does
    not read yet is previewed as nothing."""
    def compute() -> Reply:
        from ..render.latex import tex

        if not isinstance(body, dict) or not isinstance(body.get("expr"), str):
            raise InputError("preview: the field 'expr' (a string) is required")
        text = body["expr"]
        if len(text) > MAX_FIELD_CHARS:
            raise InputError(f"preview: 'expr' is longer than {MAX_FIELD_CHARS:,} characters")
        if not text.strip():
            return Reply(200, json.dumps({"latex": ""}))
        from ..kinds import FIELDS
        from ..options import Limits
        syntax = FIELDS["from"].check(body.get("from") or "auto")
        limits = Limits(syntax=syntax)
        shapes = body.get("shape") or []
        if shapes:
            if not (isinstance(shapes, list) and all(isinstance(s, str) for s in shapes)):
                raise InputError("preview: 'shape' must be a list of strings")
            from ..matrix.parse import parse_matrix_expression, shape_table
            from types import SimpleNamespace

            from ..render.naming import printing_for
            expr = parse_matrix_expression(text, shape_table(shapes), limits)
            with printing_for(SimpleNamespace(shapes=shapes)):  # type: ignore[arg-type]
                return Reply(200, json.dumps({"latex": tex(expr)}))
        from ..parse import parse, parse_list
        if text.lstrip().startswith("["):
            exprs = parse_list(text, limits)
            latex = r"\left[" + ", ".join(tex(e) for e in exprs) + r"\right]"
        else:
            latex = tex(parse(text, limits))
        return Reply(200, json.dumps({"latex": latex}))
    return guarded(compute)


def pdf(kind_name: str, body: Any, seconds: float) -> Reply:
    """The standalone LaTeX compiled to PDF by pdflatex (when installed)."""
    def compute() -> Reply:
        import tempfile

        from ..notes.pdf import compile_pdf, latex_engine
        if latex_engine() is None:
            return Reply(501, json.dumps({"error": "error: pdflatex is not installed on "
                                          "the server", "column": None, "caret": [],
                                          "exit_status": 2}), exit_status=2)
        d = derivation(kind_name, body)
        with tempfile.TemporaryDirectory(prefix="matcalc-web-") as tmp:
            target = os.path.join(tmp, "derivation.pdf")
            compile_pdf(d.to_latex(standalone=True), target, seconds)
            with open(target, "rb") as fh:
                data = fh.read()
        return Reply(200, data, media_type="application/pdf")
    return guarded(compute)


def answer(kind_name: str, body: Any) -> Reply:
    """Check my answer: is the user's ``answer`` equal, as a function, to the derived
    result (compared numerically at random points, as the gallery compares the notes)?"""
    def compute() -> Reply:
        from ..gallery import agrees
        body_ = dict(body) if isinstance(body, dict) else {}
        given = body_.pop("answer", None)
        if not isinstance(given, str) or not given.strip():
            raise InputError("check: the field 'answer' (your derivative) is required")
        if len(given) > MAX_FIELD_CHARS:
            raise InputError(f"check: 'answer' is longer than {MAX_FIELD_CHARS:,} characters")
        d = derivation(kind_name, body_)
        try:
            right = agrees(d.result, given)
        except MatcalcError as exc:
            exc_reply = error_reply(exc)
            return Reply(422, exc_reply.body, exit_status=2)
        from ..syntax import to_syntax
        try:
            expected = to_syntax(d.result)
        except Exception:  # a matrix result: its str
            expected = str(d.result)
        return Reply(200, json.dumps({"correct": bool(right), "expected": expected}))
    return guarded(compute)


def rules() -> Reply:
    """The rule catalogue (name, title, identity, LaTeX, example) for the rules page."""
    from ..rules import RULES
    rows = [{"name": r.name, "title": r.title, "identity": r.identity, "latex": r.latex,
             "example": r.example, "kind": r.kind, "note": r.note} for r in RULES.values()]
    return Reply(200, json.dumps(rows))


def _describe(name: str, types: Any, option: str) -> dict[str, Any]:
    """One field for the page: its name, types, CLI flag, choices or range, default."""
    from ..kinds import FIELDS
    ts = types if isinstance(types, tuple) else (types,)
    out: dict[str, Any] = {"name": name, "option": option, "flag": f"--{name}",
                           "types": [t.__name__ for t in ts],
                           "default": FLAG_DEFAULTS.get(name)}
    spec = FIELDS.get(name)
    if spec is not None:
        out.update(flag=spec.flag, default=spec.default, choices=list(spec.choices),
                   min=spec.low, max=spec.high, integer=spec.integer)
    return out


def kinds() -> Reply:
    """The kinds of the registry with their fields, for the page's selector and forms:
    ``fields`` the kind's own (as its CLI options are named), ``common`` the checking and
    simplifying options its command offers, each with its choices or range and default
    (the CLI's, from ``kinds.FIELDS``)."""
    from ..kinds import KINDS
    names = {v: a for a, v in ALIASES.items()}
    out = []
    for k in KINDS.values():
        fields = [_describe(names.get(o, o), t, o) for o, t in k.options.items()]
        common = [_describe(c, COMMON_FIELDS[c][1], COMMON_FIELDS[c][0])
                  for c in COMMON_FIELDS if c in k.common]
        out.append({"name": k.name, "summary": k.summary, "subject": k.subject,
                    "subject_types": [t.__name__ for t in (k.subject_types if isinstance(
                        k.subject_types, tuple) else (k.subject_types,))],
                    "fields": fields, "common": common})
    return Reply(200, json.dumps({"kinds": out, "common": list(COMMON_FIELDS),
                                  "pdf": shutil.which("pdflatex") is not None,
                                  "graphviz": shutil.which("dot") is not None}))


def hang(seconds: float) -> Reply:     # pragma: no cover - used by the pool's own tests
    """Busy for ``seconds`` (a stand-in for a pathological input in the pool's tests)."""
    import time
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return Reply(200, json.dumps({"slept": seconds}))


def limits() -> Reply:
    """The worker's own address-space limit (RLIMIT_AS, bytes; -1 for none)."""
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return Reply(200, json.dumps({"address_space": soft}))


#: op -> function(args...): the jobs a worker accepts (a name, never code). The HTTP
#: routes reach only kind, page, preview, pdf, answer and rules; hang and limits are for
#: the pool's own tests.
JOBS = {"kind": run_kind, "page": page, "preview": preview, "pdf": pdf, "answer": answer,
        "rules": rules, "kinds": kinds, "hang": hang, "limits": limits}
