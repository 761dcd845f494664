"""LaTeX input: our own reader, LaTeX text -> the grammar's tokens -> the same trees.

An expression containing a backslash is read as LaTeX (CONTRACTS.md). Nothing here calls
eval, exec, sympify or any of SymPy's LaTeX parsers: :func:`latex_tokens` turns the LaTeX
into the tokens of the plain grammar (``lexer.Token``, each carrying the column of the
LaTeX it came from, so errors point into the LaTeX as typed), and the ordinary
recursive-descent parser builds the tree. The tokenizer is one loop over the text (no
recursion), so 10,000 nested ``\\frac`` cost linear time and stop at the nesting limit.

What it reads:

* ``\\frac{a}{b}``, ``\\dfrac``, ``\\tfrac``: (a)/(b); ``\\sqrt{x}``, ``\\sqrt[3]{x}``;
  braces group: ``x^{2}``, ``e^{x}``;
* letters are separate symbols (``xy`` is x y, as in LaTeX); names with subscripts
  are one symbol: ``\\theta_1`` is theta1, ``w_{12}`` is w12 (a number subscript joins the
  name, as matcalc prints w12), ``x_i`` is x_i; Greek letters (``\\alpha`` ...);
  ``\\mathbf{x}``, ``\\boldsymbol{x}``, ``\\mathrm{x}`` are the symbol x (words in
  ``\\mathrm{tr}`` and ``\\operatorname{relu}`` are a function name);
* ``\\ln``, ``\\log``, ``\\log_{b}``, ``\\exp``, ``\\sin`` ... ``\\arctan``, ``\\sinh`` ...,
  ``\\det``, ``\\log\\det``, ``\\sigma``; ``\\sin^2 x`` is sin(x)^2, ``\\sin^{-1} x`` is
  asin(x); a function's argument without parentheses is read as in the plain syntax
  (``\\sin x \\cos x``);
* ``\\cdot``, ``\\times``, ``\\odot`` (element-wise), ``\\left( \\right)``, ``\\left| \\right|``,
  ``|x|``, ``\\lvert \\rvert``, ``\\|x\\|_2``, ``\\|X\\|_F`` (norm), ``^\\top``, ``^T``,
  ``^{-1}`` of a matrix, spacing commands (``\\,``, ``\\;``, ``\\quad``);
* the prefixes ``\\frac{d}{dx}`` and ``\\frac{\\partial}{\\partial x}`` (``prefix.py``).

Anything else - ``\\input``, ``\\def``, ``\\csname``, ``\\sum``, unbalanced braces - is a
ParseError at its column (exit status 2): commands are looked up in fixed tables, never
expanded, and no file is ever read.
"""
from __future__ import annotations

import dataclasses
import re

import sympy as sp

from ..errors import ParseError
from .lexer import END, NAME, NUMBER, OP, Token

#: Commands that stand for a function name of the plain syntax.
FUNCTION_COMMANDS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "coth": "coth", "exp": "exp", "ln": "ln", "log": "log", "det": "det",
    "max": "max", "min": "min", "tr": "tr", "erf": "erf", "sech": "sech", "csch": "csch",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "sgn": "sign",
}
#: The inverse of a function written f^{-1}.
INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh",
            "tanh": "atanh", "cot": "acot", "sec": "asec", "csc": "acsc"}
GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa "
         "lambda mu nu xi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
         "Lambda Xi Pi Sigma Phi Psi Omega").split()
#: Commands that print nothing here (spacing, sizes).
SILENT = {",", ";", ":", "!", " ", "quad", "qquad", "left", "right", "big", "Big", "bigg",
          "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle", "textstyle", "limits"}
OPERATOR_COMMANDS = {"cdot": "*", "times": "*", "odot": "*", "circ": "*", "ast": "*",
                     "div": "/"}
#: Font commands whose argument is a name: \mathbf{x} is x, \mathrm{tr} the function tr.
FONTS = {"mathbf", "boldsymbol", "bm", "mathrm", "operatorname", "mathit", "text", "textrm",
         "vec", "mathsf"}
FORBIDDEN_HINT = {"input", "include", "def", "csname", "edef", "gdef", "let", "write",
                  "read", "openin", "openout", "catcode", "newcommand", "renewcommand",
                  "immediate", "expandafter", "usepackage", "begin", "end", "verb"}

_WORD = re.compile(r"[A-Za-z]+")
_SUBSCRIPT = re.compile(r"_(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]))")


def is_latex(text: str) -> bool:
    """An expression is LaTeX when it contains a backslash or a brace (neither is part of
    the plain syntax)."""
    return "\\" in text or "{" in text


class _Reader:
    """One pass over the LaTeX text, producing grammar tokens (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[Token] = []
        # what each open brace closes into: ")" (a group), "))" (\frac's second half ...)
        self.closers: list[tuple[str, int]] = []

    def fail(self, message: str, pos: int) -> None:
        raise ParseError(message, self.text, pos)

    def emit(self, kind: str, text: str, pos: int, value: sp.Rational | None = None) -> None:
        self.out.append(Token(kind, text, pos, value=value, width=0))

    def op(self, text: str, pos: int) -> None:
        self.emit(OP, text, pos)

    # ------------------------------------------------------------------ braces
    def open_group(self, pos: int, closer: str = ")", opener: str = "(") -> None:
        """Consume '{' at ``self.i`` and emit ``opener``; '}' will emit ``closer``."""
        self.skip_spaces()
        if self.i >= len(self.text) or self.text[self.i] != "{":
            self.fail("expected '{' here", self.i if self.i < len(self.text) else pos)
        self.closers.append((closer, self.i))
        for ch in opener:
            self.op(ch, self.i)
        self.i += 1

    def skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\n":
            self.i += 1

    # ------------------------------------------------------------------ main loop
    def read(self) -> list[Token]:
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            pos = self.i
            if ch in " \t\n~":
                self.i += 1
            elif ch.isdigit():
                j = self.i
                while j < n and text[j].isdigit():
                    j += 1
                if j + 1 < n and text[j] == "." and text[j + 1].isdigit():
                    j += 1
                    while j < n and text[j].isdigit():
                        j += 1
                literal = text[self.i:j]
                whole, _, frac = literal.partition(".")
                value = sp.Rational(int(whole + frac), 10 ** len(frac)) if frac \
                    else sp.Integer(int(whole))
                if len(whole) + len(frac) > 50:
                    self.fail("number has too many digits", pos)
                self.emit(NUMBER, literal, pos, value)
                self.i = j
            elif ch.isalpha() and ch.isascii():
                self.i += 1
                self.name(ch, pos)
            elif ch == "{":
                self.closers.append((")", pos))
                self.op("(", pos)
                self.i += 1
            elif ch == "}":
                if not self.closers:
                    self.fail("unbalanced '}' (no matching '{')", pos)
                closer, _ = self.closers.pop()
                if closer.startswith("\1"):          # the radicand of \sqrt[n]{...}
                    n_ = closer[1:]
                    self.op(")", pos)
                    self.op("^", pos)
                    self.op("(", pos)
                    self.emit(NUMBER, "1", pos, sp.Integer(1))
                    self.op("/", pos)
                    self.emit(NUMBER, n_, pos, sp.Integer(int(n_)))
                    self.op(")", pos)
                    self.op(")", pos)
                    closer = ""
                for c in closer:
                    if c == "\0":
                        self.after_frac_numerator(pos)
                    else:
                        self.op(c, pos)
                self.i += 1
            elif ch in "+-*/^(),=|[]":
                if ch == "^":
                    self.i += 1
                    self.superscript(pos)
                    continue
                self.op(ch, pos)
                self.i += 1
            elif ch == "'":
                self.fail("primes are not read in an expression (write the function)", pos)
            elif ch == "\\":
                self.command(pos)
            else:
                self.fail(f"unexpected character '{ch}' in LaTeX", pos)
        if self.closers:
            self.fail("unbalanced '{' (no matching '}')", self.closers[-1][1])
        self.out.append(Token(END, "", n))
        return self.out

    def name(self, first: str, pos: int) -> None:
        """One letter (LaTeX letters are separate symbols), with an optional subscript."""
        name = first + self.subscript()
        self.emit(NAME, name, pos)

    def subscript(self) -> str:
        """A subscript joins the name: digits directly (w_{12} is w12, \\theta_1 is theta1,
        as matcalc prints those names), letters with '_' (x_i is x_i)."""
        m = _SUBSCRIPT.match(self.text, self.i)
        if m is None:
            return ""
        self.i = m.end()
        index = m.group(1) or m.group(2)
        return index if index.isdigit() else "_" + index

    def superscript(self, pos: int) -> None:
        """'^' already consumed: ^\\top and ^T are the transpose, anything else a power."""
        self.skip_spaces()
        rest = self.text[self.i:]
        for t in ("\\top", "{\\top}", "{T}", "\\intercal", "{\\intercal}", "{\\mathsf{T}}"):
            if rest.startswith(t) and not (t == "\\top" and rest[4:5].isalpha()):
                self.op(".", pos)
                self.emit(NAME, "T", pos)
                self.i += len(t)
                return
        if rest.startswith("T") and not rest[1:2].isalnum():
            self.op(".", pos)
            self.emit(NAME, "T", pos)
            self.i += 1
            return
        self.op("^", pos)

    def command(self, pos: int) -> None:
        text = self.text
        self.i += 1
        if self.i >= len(text):
            self.fail("a backslash at the end of the input", pos)
        m = _WORD.match(text, self.i)
        if m is None:                                    # \, \; \! \| \{ \}
            ch = text[self.i]
            self.i += 1
            if ch in ",;:! ":
                return
            if ch == "|":
                self.norm_bar(pos)
                return
            if ch in "{}":
                self.op("(" if ch == "{" else ")", pos)
                return
            self.fail(f"unknown LaTeX command '\\{ch}'", pos)
        word = m.group(0)
        self.i = m.end()
        if word in FORBIDDEN_HINT:
            self.fail(f"LaTeX command '\\{word}' is not allowed in an expression", pos)
        if word in SILENT:
            if word in ("left", "right"):
                self.skip_spaces()
                if text.startswith(".", self.i):          # \left. \right|
                    self.i += 1
                elif text.startswith("\\|", self.i) or text.startswith("\\Vert", self.i):
                    pass                                  # \left\| is a norm bar
            return
        if word in ("frac", "dfrac", "tfrac"):
            self.op("(", pos)
            self.open_group(pos, closer="\0", opener="(")
            return
        if word == "sqrt":
            self.skip_spaces()
            if text.startswith("[", self.i):
                close = text.find("]", self.i)
                if close < 0:
                    self.fail("missing ']' of \\sqrt[n]", self.i)
                index = text[self.i + 1:close].strip()
                if not index.isdigit() or not 2 <= int(index[:6]) <= 1000 or len(index) > 4:
                    self.fail("the index of \\sqrt[n]{...} must be a whole number from 2 "
                              "to 1000", self.i)
                self.i = close + 1
                self.op("(", pos)
                self.open_group(pos, closer=f"\1{index}", opener="(")
                return
            self.emit(NAME, "sqrt", pos)
            return
        if word in OPERATOR_COMMANDS:
            self.op(OPERATOR_COMMANDS[word], pos)
            return
        if word in ("lvert", "rvert", "vert"):
            self.op("|", pos)
            return
        if word in ("lVert", "rVert", "Vert"):
            self.norm_bar(pos)
            return
        if word in FONTS:
            self.skip_spaces()
            if not text.startswith("{", self.i):
                self.fail(f"expected '{{' after \\{word}", self.i)
            close = text.find("}", self.i)
            if close < 0:
                self.fail("unbalanced '{' (no matching '}')", self.i)
            inner = text[self.i + 1:close].strip()
            self.i = close + 1
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", inner):
                self.fail(f"expected a name inside \\{word}{{...}}", pos)
            if word in ("mathrm", "operatorname", "text", "textrm") and len(inner) > 1:
                self.function(inner, pos)
            else:
                self.emit(NAME, inner + self.subscript(), pos)
            return
        if word == "log" and text.startswith("\\det", self.i):
            self.i += 4
            self.function("logdet", pos)
            return
        if word in FUNCTION_COMMANDS:
            self.function(FUNCTION_COMMANDS[word], pos)
            return
        if word in GREEK:
            self.emit(NAME, word + self.subscript(), pos)
            return
        if word == "pi":
            self.emit(NAME, "pi", pos)
            return
        if word in ("sum", "prod", "int", "lim", "infty", "partial", "nabla"):
            self.fail(f"'\\{word}' is not supported in an expression (write the sum-free "
                      "form, e.g. sum(x) with --shape)", pos)
        self.fail(f"unknown LaTeX command '\\{word}'", pos)

    def function(self, name: str, pos: int) -> None:
        """A function name, with ^{-1} (inverse), ^{k} (power of the value) or _{b} (base
        of a logarithm) right after it."""
        self.skip_spaces()
        text = self.text
        power: str | None = None
        m = re.match(r"\^\s*(?:\{\s*(-?\s*[0-9]+)\s*\}|(-?[0-9]))", text[self.i:])
        if m is not None:
            power = (m.group(1) or m.group(2)).replace(" ", "")
            self.i += m.end()
            if power == "-1" and name in INVERSES:
                name, power = INVERSES[name], None
            elif power.startswith("-"):
                self.fail(f"\\{name}^{{{power}}} is ambiguous: write "
                          f"\\left(\\{name} x\\right)^{{{power}}}", pos)
        base: str | None = None
        if name == "log":
            m = re.match(r"_\s*(?:\{\s*([0-9]+|e)\s*\}|([0-9]|e))", text[self.i:])
            if m is not None:
                base = m.group(1) or m.group(2)
                self.i += m.end()
        self.emit(NAME, name, pos)
        self.skip_spaces()
        bare = not (text.startswith(("(", "{", "\\left", "\\bigl", "\\Bigl"), self.i))
        if power is not None or base is not None or bare:
            # marks for the post-pass: wrap the call and raise it, or add the base
            self.out.append(Token(OP, "\0call", pos, width=0,
                                  message=f"{power or ''}|{base or ''}"))

    def norm_bar(self, pos: int) -> None:
        """``\\|`` opens norm( and, when a norm is open, closes it (a _2 or _F after the
        closing bar names the norm: both are matcalc's norm; _1 makes it norm1)."""
        opened = [c for c in self.closers if c[0] == "norm"]
        if opened:
            self.closers.remove(opened[-1])
            self.op(")", pos)
            m = re.match(r"_\s*(?:\{\s*(1|2|F)\s*\}|(1|2|F))", self.text[self.i:])
            if m is not None:
                self.i += m.end()
                if "1" in (m.group(1), m.group(2)):      # \|x\|_1: the 1-norm, norm1
                    at = opened[-1][1]
                    k = max(j for j, t in enumerate(self.out)
                            if t.kind == NAME and t.text == "norm" and t.pos == at)
                    self.out[k] = dataclasses.replace(self.out[k], text="norm1")
            return
        self.closers.append(("norm", pos))
        self.emit(NAME, "norm", pos)
        self.op("(", pos)

    def after_frac_numerator(self, pos: int) -> None:
        """'}' of \\frac's numerator: ')' '/' and the denominator's '{' must follow."""
        self.op(")", pos)
        self.op("/", pos)
        self.i += 1                      # the '}' itself (read() adds 1 again: undo below)
        self.open_group(pos, closer="))", opener="(")
        self.i -= 1


def _group_end(tokens: list[Token], i: int) -> int:
    """Index after the balanced '(' group starting at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].is_op("("):
            depth += 1
        elif tokens[j].is_op(")"):
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens) - 1


def _atom_end(tokens: list[Token], i: int) -> int:
    """Index after one operand of a shorthand argument: a name or number or group,
    followed by any ^ operand chains."""
    t = tokens[i]
    if t.is_op("("):
        j = _group_end(tokens, i)
    elif t.kind in (NAME, NUMBER):
        j = i + 1
        if t.kind == NAME and j < len(tokens) and tokens[j].is_op("("):
            j = _group_end(tokens, j)
    else:
        return i
    while j < len(tokens) and tokens[j].is_op("^", "."):
        if tokens[j].is_op("."):
            j += 2
            continue
        j += 1
        while j < len(tokens) and tokens[j].is_op("-", "+"):
            j += 1
        if j < len(tokens):
            j = _atom_end(tokens, j)
    return j


def _resolve_calls(tokens: list[Token], function_names: set[str]) -> list[Token]:
    """Rewrite each marked call ``f \\0call ARG`` into ``( f ( ARG [, base] ) ) ^ ( k )``."""
    while True:
        k = next((i for i, t in enumerate(tokens) if t.is_op("\0call")), None)
        if k is None:
            return tokens
        mark = tokens[k]
        power, base = mark.message.split("|")
        name = tokens[k - 1]
        start = k + 1
        if start < len(tokens) and tokens[start].is_op("("):
            end = _group_end(tokens, start)
            inner = tokens[start + 1:end - 1]
        else:
            end = start
            while end < len(tokens) and tokens[end].kind in (NAME, NUMBER) \
                    or end < len(tokens) and tokens[end].is_op("("):
                if tokens[end].kind == NAME and tokens[end].text in function_names:
                    break
                end = _atom_end(tokens, end)
            inner = tokens[start:end]
            if not inner:
                raise ParseError(f"\\{name.text} needs an argument", "", mark.pos)
        pos = mark.pos
        mk = lambda kind, text, value=None: Token(kind, text, pos, value=value, width=0)  # noqa: E731
        body = [mk(OP, "(")] + inner
        if base:
            body += [mk(OP, ","), mk(NAME, "e") if base == "e" else
                     mk(NUMBER, base, sp.Integer(int(base)))]
        body += [mk(OP, ")")]
        call = [name] + body
        if power:
            call = [mk(OP, "(")] + call + [mk(OP, ")"), mk(OP, "^"),
                                           mk(NUMBER, power, sp.Integer(int(power)))]
        tokens = tokens[:k - 1] + call + tokens[end:]


def latex_tokens(text: str, function_names: set[str]) -> list[Token]:
    """The grammar's tokens for a LaTeX expression (errors at the LaTeX column)."""
    tokens = _Reader(text).read()
    tokens = [t for t in tokens]
    try:
        return _resolve_calls(tokens, function_names)
    except ParseError as exc:
        raise ParseError(str(exc), text, exc.position) from None
