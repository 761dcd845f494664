"""The rule catalogue as Markdown, generated from the registry (docs/rules.md is this output)."""
from __future__ import annotations


def catalogue_markdown() -> str:
    """A Markdown page listing every rule: name, title, identity (LaTeX), example, convention."""
    from ..rules import RULES

    lines = [
        "# Rule catalogue",
        "",
        "Generated from `matcalc.rules.RULES` by `matcalc rules --format markdown`;",
        "a test fails when this page is out of date. The rule name is the stable",
        "`steps[].rule` field of the JSON output.",
        "",
        "| rule | title | identity | example | convention |",
        "|---|---|---|---|---|",
    ]
    for r in RULES.values():
        latex = r.latex.replace("|", r"\vert ")
        lines.append(f"| `{r.name}` | {r.title} | ${latex}$ | `{r.example}` | {r.note} |")
    return "\n".join(lines) + "\n" + mistakes_markdown()


def mistakes_markdown() -> str:
    """The catalogue of common mistakes that ``matcalc check`` names (rules/mistakes.py)."""
    from ..rules.mistakes import MISTAKES

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "",
        "## Common mistakes (`matcalc check`)",
        "",
        "Generated from `matcalc.rules.mistakes.MISTAKES`. The name is the stable",
        "`lines[].diagnosis.rule` field of `matcalc check --format json`; each example",
        "is a test (the checker must name it). See [check.md](check.md).",
        "",
        "| diagnosis | mistake | written | right | example (function, wrong answer) |",
        "|---|---|---|---|---|",
    ]
    for m in MISTAKES:
        f, wrong = m.example
        shapes = "".join(f" --shape {s}" for s in m.shapes)
        wrt = f" --wrt {m.wrt}" if m.shapes else ""
        lines.append(f"| `{m.name}` | {cell(m.title)} | {cell(m.wrong)} | {cell(m.right)} | "
                     f"`{cell(f)}`{cell(shapes + wrt)}, `{cell(wrong)}` |")
    return "\n".join(lines) + "\n"


#: The markers around the generated function table of docs/input-language.md.
FUNCTIONS_BEGIN = ("<!-- the function table is generated from matcalc/ops.py by "
                   "`python -m matcalc.docs`; do not edit it here -->")
FUNCTIONS_END = "<!-- end of the generated function table -->"


def _arguments(low: int, high: int | None) -> str:
    if high is None:
        return f"{low} or more"
    if low == high:
        return str(low)
    return f"{low} or {high}" if high == low + 1 else f"{low} to {high}"


def functions_markdown() -> str:
    """The function table of docs/input-language.md: every name users can type, one
    line per row of the operator table (``matcalc.ops``), with its markers."""
    from .. import ops

    lines = [FUNCTIONS_BEGIN, "", "| name | arguments | meaning | domain | rule |",
             "|---|---|---|---|---|"]
    for op in ops.OPS.values():
        if not op.names:
            continue
        name = f"`{op.names[0]}`"
        others = [f"`{n}`" for n in op.names[1:]]
        if others:
            bare = [f"`{n}`" for n in op.bare_symbols]
            name += f" (also {', '.join(others)}"
            name += f"; {', '.join(bare)} is a plain variable when not called)" if bare else ")"
        domain = op.domain.replace("<=", "≤").replace(">=", "≥").replace("!=", "≠") \
            or "all real numbers"
        meaning = op.meaning.replace("|", r"\|")
        lines.append(f"| {name} | {_arguments(*op.arity)} | {meaning} | {domain} | "
                     f"`{op.rule_name}` |")
    return "\n".join(lines + ["", FUNCTIONS_END])


def with_functions_table(page: str) -> str:
    """``page`` (docs/input-language.md) with its generated function table brought up to date."""
    begin, end = page.index(FUNCTIONS_BEGIN), page.index(FUNCTIONS_END) + len(FUNCTIONS_END)
    return page[:begin] + functions_markdown() + page[end:]
