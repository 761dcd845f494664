"""The generated pages of docs/: the command-line reference and the rule catalogue.

``cli_reference()`` walks the click group ``matcalc.cli.main`` and every (sub)command it
holds, so a new command appears in docs/cli.md without anyone writing about it by hand;
``rule_catalogue()`` is the catalogue page, and the function table of
docs/input-language.md comes from the operator table (``matcalc/ops.py``).
``python -m matcalc.docs`` rewrites docs/cli.md, docs/rules.md and that table;
tests/test_docs.py and tests/test_ops.py fail when they are out of date.
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import click
from click.formatting import join_options

try:  # click >= 8.3 marks an option without a default with a sentinel, not None
    from click._utils import UNSET as _UNSET
except ImportError:  # pragma: no cover - older click
    _UNSET = None

CLI_PAGE = "docs/cli.md"
RULES_PAGE = "docs/rules.md"
INPUT_PAGE = "docs/input-language.md"   # only its function table is generated

_PREAMBLE = """\
# Command-line reference

Generated from the click objects in `matcalc/cli.py` by `python -m matcalc.docs`;
a test fails when this page is out of date. For what the commands print and how to read
it, see the [guide](guide.md); for exit statuses, see [the Python API page](api.md#errors-and-exit-statuses).
"""


def _escape(text: str) -> str:
    """Plain text made safe for Markdown prose and table cells."""
    return re.sub(r"([\\`*_<>\[\]|])", r"\\\1", text)


def _help_markdown(help_text: str) -> list[str]:
    """A click help text as Markdown.

    Paragraphs are separated by blank lines. Click rewraps ordinary paragraphs, so they
    become one line each. A paragraph that starts with click's ``\\b`` marker keeps its
    lines: unindented lines stay prose lines, runs of indented lines (examples) become a
    ``text`` code block.
    """
    text = inspect.cleandoc(help_text).split("\f", 1)[0]
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        lines = para.splitlines()
        if not lines:
            continue
        if lines[0].strip() != "\b":
            out += [_escape(" ".join(line.strip() for line in lines)), ""]
            continue
        block: list[str] = []
        prose: list[str] = []
        for line in lines[1:] + [""]:
            if line.startswith((" ", "\t")) and line.strip():
                if prose:
                    out += [" ".join(prose), ""]
                    prose = []
                block.append(line)
                continue
            if block:
                body = inspect.cleandoc("\n".join(block))
                out += ["```text", body, "```", ""]
                block = []
            if line.strip():
                prose.append(_escape(line.strip()))
        if prose:
            out += [" ".join(prose), ""]
    return out


def _names(param: click.Parameter) -> str:
    """``-o, --output`` or ``--steps / --no-steps``, ordered as click's help shows them."""
    def joined(opts: list[str]) -> str:
        return ", ".join(f"`{o}`" for o in join_options(opts)[0].split(", "))

    names = joined(param.opts)
    if getattr(param, "secondary_opts", None):
        names += " / " + joined(param.secondary_opts)
    return names


def _bound(value: float, open_: bool, below: bool) -> str:
    op = "<" if open_ else "≤"
    return f"{value} {op} x" if below else f"x {op} {value}"


def _type(param: click.Parameter) -> str:
    """The value an option takes: its choices, its range, or the kind of value."""
    if isinstance(param, click.Option) and param.is_flag:
        return "flag"
    t = param.type
    if isinstance(t, click.Choice):
        return " \\| ".join(f"`{c}`" for c in t.choices)
    if isinstance(t, click.types._NumberRangeBase):  # IntRange and FloatRange
        kind = "integer" if isinstance(t, click.IntRange) else "number"
        bounds = []
        if t.min is not None:
            bounds.append(_bound(t.min, t.min_open, below=True))
        if t.max is not None:
            bounds.append(_bound(t.max, t.max_open, below=False))
        if len(bounds) == 2:
            lo, hi = bounds
            return f"{kind}, {lo} {hi.split(' ', 1)[1]}"
        return f"{kind}, {bounds[0]}" if bounds else kind
    if isinstance(t, click.Path):
        return "file" if not t.dir_okay else ("directory" if not t.file_okay else "path")
    name = {"integer": "integer", "float": "number", "text": "text", "boolean": "boolean"}
    kind = name.get(t.name, t.name)
    metavar = getattr(param, "metavar", None)
    return f"{kind} ({_escape(metavar)})" if metavar else kind


def _default(param: click.Parameter, ctx: click.Context) -> str:
    """The default as a user sees it: the flag that is on, a value, or nothing."""
    if not param.expose_value:          # --help, --version
        return ""
    default = param.get_default(ctx, call=False)
    if default is _UNSET or callable(default):
        return ""
    if isinstance(param, click.Option) and param.is_flag:
        if param.secondary_opts:
            return f"`{(param.opts if default else param.secondary_opts)[-1]}`"
        return "on" if default else "off"
    if default is None:
        return ""
    return f"`{default}`"


def _options_table(params: list[click.Parameter], ctx: click.Context) -> list[str]:
    rows = ["| option | value | default | description |", "|---|---|---|---|"]
    for p in params:
        if not isinstance(p, click.Option) or p.hidden:
            continue
        help_text = _escape(" ".join((p.help or "").split()))
        rows.append(f"| {_names(p)} | {_type(p)} | {_default(p, ctx)} | {help_text} |")
    return rows


def _arguments(params: list[click.Parameter]) -> list[str]:
    out = []
    for p in params:
        if isinstance(p, click.Argument):
            need = "required" if p.required else "optional"
            many = ", may be repeated" if p.nargs != 1 else ""
            out.append(f"- `{p.human_readable_name}` ({need}{many})")
    return out


def _command_section(cmd: click.Command, ctx: click.Context, level: int) -> list[str]:
    params = cmd.get_params(ctx)
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    out = [f"{'#' * level} `{ctx.command_path}`", "", "```text",
           f"{ctx.command_path} {usage}".rstrip(), "```", ""]
    if cmd.help:
        out += _help_markdown(cmd.help)
    arguments = _arguments(params)
    if arguments:
        out += ["Arguments:", "", *arguments, ""]
    out += ["Options:", "", *_options_table(params, ctx), ""]
    return out


def _context(cmd: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """The context click would make for ``cmd`` (with its context_settings: -h, widths)."""
    return cmd.context_class(cmd, info_name=name, parent=parent, **cmd.context_settings)


def _walk(cmd: click.Command, ctx: click.Context, level: int) -> list[str]:
    out = _command_section(cmd, ctx, level)
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            sub = cmd.commands[name]
            if sub.hidden:
                continue
            sub_ctx = _context(sub, name, ctx)
            out += _walk(sub, sub_ctx, level + 1)
    return out


def cli_reference() -> str:
    """docs/cli.md: every command of ``matcalc``, generated from the click objects."""
    from .cli import main

    ctx = _context(main, "matcalc", None)
    lines = [_PREAMBLE, *_walk(main, ctx, 2)]
    return "\n".join(lines).rstrip("\n") + "\n"


def rule_catalogue() -> str:
    """docs/rules.md: the rule catalogue."""
    from .render.catalogue import catalogue_markdown

    return catalogue_markdown()


MATRIX_BEGIN = ("<!-- the matrix function table is generated from matcalc/matrix/parse.py by "
                "`python -m matcalc.docs`; do not edit it here -->")
MATRIX_END = "<!-- end of the generated matrix function table -->"


def matrix_functions_markdown() -> str:
    """The table of functions of vectors and matrices (with --shape), with its markers."""
    from .matrix.parse import MATRIX_FUNCTION_DOCS

    lines = [MATRIX_BEGIN, "", "| name | arguments | meaning | rule |", "|---|---|---|---|"]
    for name, (args, meaning, rule) in MATRIX_FUNCTION_DOCS.items():
        rules = ", ".join(f"`{r.strip()}`" for r in rule.split(",")) if rule != "-" else "-"
        lines.append(f"| `{name}` | {args} | {meaning.replace('|', chr(92) + '|')} | {rules} |")
    return "\n".join(lines + ["", MATRIX_END])


def input_language(root: Path) -> str:
    """docs/input-language.md with its function tables generated from the operator table
    and from the matrix function table."""
    from .render.catalogue import with_functions_table

    page = with_functions_table((Path(root) / INPUT_PAGE).read_text(encoding="utf-8"))
    if MATRIX_BEGIN in page:
        begin, end = page.index(MATRIX_BEGIN), page.index(MATRIX_END) + len(MATRIX_END)
        page = page[:begin] + matrix_functions_markdown() + page[end:]
    return page


def write_docs(root: Path) -> list[Path]:
    """Write docs/cli.md, docs/rules.md and the function table of docs/input-language.md
    under ``root`` (the repository); return the paths."""
    written = []
    for name, text in ((CLI_PAGE, cli_reference()), (RULES_PAGE, rule_catalogue()),
                       (INPUT_PAGE, input_language(root))):
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _repository() -> Path:
    """The checkout this module lives in (an editable install), else the current directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


CONSOLE_BLOCK = re.compile(r"^```console[ \t]*\n(\$ matcalc.*?)^```[ \t]*$", re.S | re.M)


#: entries of the repository root that a console example never reads
_NOT_LINKED = frozenset({".git", ".hypothesis", ".pytest_cache", "__pycache__", "build", "dist"})


def link_repository(root: Path, into: Path) -> None:
    """Make ``into`` look like the repository root ``root``: a symbolic link to each of its
    entries. A path a reader types at the root (``worked_examples/programs/mlp_2layer.mc``)
    then resolves in ``into``, while a file an example writes at the top level (``-o
    handout.tex``) lands in ``into``, not in the checkout."""
    for entry in sorted(Path(root).iterdir()):
        if entry.name not in _NOT_LINKED and not (into / entry.name).exists():
            (into / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())


def _run_console(body: str, root: Path) -> str:
    """Re-run every ``$ matcalc ...`` line of a console block, in order, where a reader runs
    them: in one temporary directory that looks like the repository root ``root``
    (``link_repository``); return the block with the real output pasted under each command
    (stdout and stderr, as a terminal shows them)."""
    import os
    import shlex
    import tempfile

    from click.testing import CliRunner

    from .cli import main

    out: list[str] = []
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:  # -o FILE lands here; one place per block
        link_repository(root, Path(tmp))
        os.chdir(tmp)
        try:
            for row in body.splitlines():
                if not row.startswith("$ "):
                    continue
                args = shlex.split(row[2:])
                result = CliRunner().invoke(main, args[1:], prog_name="matcalc")
                out.append(row)
                text = result.output.rstrip("\n")
                if text:
                    out.append(text)
        finally:
            os.chdir(here)
    return "\n".join(out) + "\n"


def refresh_console(root: Path) -> list[Path]:
    """Paste real output into every ``$ matcalc`` console block of README.md and docs/*.md."""
    changed = []
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        new = CONSOLE_BLOCK.sub(
            lambda m: "```console\n" + _run_console(m.group(1), root) + "```", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


USAGE = """usage: python -m matcalc.docs [--console] [ROOT]

Regenerate docs/cli.md, docs/rules.md and the input-language function table of the
repository at ROOT (default: this checkout); --console also re-runs every `$ matcalc`
console example pasted in README.md and docs/*.md and pastes its real output."""


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(USAGE)
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a != "--console"]
    if any(a.startswith("-") for a in args) or len(args) > 1 or (
            args and not (Path(args[0]) / "docs").is_dir()):
        print(f"error: expected [--console] [ROOT] (a checkout with docs/), got "
              f"{' '.join(args)!r}\n\n{USAGE}", file=sys.stderr)
        sys.exit(2)
    target = Path(args[0]) if args else _repository()
    for page in write_docs(target):
        print(f"wrote {page}")
    if "--console" in sys.argv:  # also re-run the pasted console examples
        for page in refresh_console(target):
            print(f"refreshed console output in {page}")
