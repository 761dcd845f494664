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
    return "\n".join(lines) + "\n"
