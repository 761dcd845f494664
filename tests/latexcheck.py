"""A LaTeX-aware well-formedness check: balanced braces, environments, \\left/\\right, $.

Not a TeX parser, but it reads the source as TeX tokenises it (``\\{`` is not a brace,
``%`` starts a comment), so it catches what string counting would miss: an ``\\end``
closing the wrong environment, a ``\\right`` outside its group, a brace closed inside a
different environment.
"""
from __future__ import annotations

import re

TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|%[^\n]*|[{}$]", re.S)


def check_latex(source: str) -> list[str]:
    """Problems found in ``source`` (empty when it is well formed)."""
    problems: list[str] = []
    stack: list[tuple[str, str, int]] = []     # (kind, name, line): "{", "env", "left"
    dollars = 0
    tokens = list(TOKEN.finditer(source))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        tok = m.group(0)
        line = source.count("\n", 0, m.start()) + 1
        i += 1
        if tok.startswith("%"):
            continue
        if tok in (r"\begin", r"\end"):
            name = re.match(r"\s*\{([^}]*)\}", source[m.end():])
            if not name:
                problems.append(f"line {line}: {tok} without {{name}}")
                continue
            env = name.group(1)
            # skip the tokens of "{name}"
            end = m.end() + name.end()
            while i < len(tokens) and tokens[i].start() < end:
                i += 1
            if tok == r"\begin":
                stack.append(("env", env, line))
            else:
                if not stack or stack[-1][:2] != ("env", env):
                    top = f"{stack[-1][0]} {stack[-1][1]} (line {stack[-1][2]})" if stack else "nothing"
                    problems.append(f"line {line}: \\end{{{env}}} closes {top}")
                    return problems
                stack.pop()
        elif tok == "{":
            stack.append(("{", "", line))
        elif tok == "}":
            if not stack or stack[-1][0] != "{":
                problems.append(f"line {line}: '}}' closes {stack[-1][0] + ' ' + stack[-1][1] if stack else 'nothing'}")
                return problems
            stack.pop()
        elif tok == r"\left":
            stack.append(("left", "", line))
        elif tok == r"\right":
            if not stack or stack[-1][0] != "left":
                problems.append(f"line {line}: \\right without its \\left in the same group")
                return problems
            stack.pop()
        elif tok == "$":
            dollars += 1
    for kind, name, line in stack:
        problems.append(f"line {line}: {kind} {name} never closed")
    if dollars % 2:
        problems.append("an odd number of $")
    return problems
