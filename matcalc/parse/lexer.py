"""Tokenizer for matcalc's input language: numbers, names and operators, with positions.

The lexer never raises for a bad character: it ends the token list with an ``error`` token
that carries the message, so the parser reports whichever problem comes first in the text.

Numbers are read exactly: ``12`` -> Integer(12), ``0.5`` -> Rational(1, 2),
``2.25`` -> Rational(9, 4), ``1e-3`` -> Rational(1, 1000). A decimal needs a digit on
both sides of its point (``0.5``, not ``.5`` or ``5.``). A letter ``e``/``E`` right after
digits starts an exponent only when digits follow (``1e5``, ``2e-3``); ``2exp(x)`` and
``2ex`` are 2*exp(x) and 2*ex, and a bare ``2e`` is an error (write ``2*e`` or ``2e0``).
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import sympy as sp

from ..options import Limits

NUMBER, NAME, OP, NEWLINE, END, ERROR = "number", "name", "op", "newline", "end", "error"

#: Operator tokens, longest first (``**`` before ``*``).
OPERATORS = ("**", "+", "-", "*", "/", "^", "(", ")", ",", "[", "]", "=", ";", "@", ".")

#: Blanks between tokens. A carriage return is not one: it is refused with its code
#: (an expression "x\r+1" pasted from a file would otherwise read as something else).
_SPACES = " \t\n"

#: Friendlier words for ASCII characters that are not part of the language.
_ASCII_HINTS = {
    "'": "strings are not allowed (found a quote ')",
    '"': 'strings are not allowed (found a quote ")',
    "{": "braces are not allowed; use parentheses",
    "}": "braces are not allowed; use parentheses",
    "!": "'!' is not supported (no factorials or negation)",
    ":": "unexpected ':'",
    "#": "unexpected '#' (comments are not allowed in an expression)",
    "\\": "unexpected backslash",
    "`": "unexpected backtick",
}

#: Non-ASCII look-alikes of operators, with the ASCII to type instead.
_LOOKALIKES = {
    "\u00b7": "*", "\u00d7": "*", "\u2219": "*", "\u22c5": "*", "\u2217": "*",
    "\u00f7": "/", "\u2215": "/",
    "\u2212": "-", "\u2013": "-", "\u2014": "-",
    "\u221a": "sqrt(...)",
    "\u2018": "no quotes", "\u2019": "no quotes", "\u201c": "no quotes", "\u201d": "no quotes",
}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``kind`` (NUMBER, NAME, OP, NEWLINE, END or ERROR), its text and 0-based
    position; ``value`` is the exact number of a NUMBER, ``message`` the error of an ERROR."""

    kind: str
    text: str
    pos: int
    value: sp.Rational | None = None
    message: str = ""

    def is_op(self, *ops: str) -> bool:
        """True when this is one of the operators ``ops``."""
        return self.kind == OP and self.text in ops


def describe(token: Token) -> str:
    """How a token is named in a message: ``'+'``, ``number '2'``, ``end of input`` ..."""
    if token.kind == END:
        return "end of input"
    if token.kind == NEWLINE:
        return "end of line"
    if token.kind == NUMBER:
        return f"number '{token.text}'"
    if token.kind == NAME:
        return f"name '{token.text}'"
    return f"'{token.text}'"


def tokenize(text: str, limits: Limits = Limits(), *, newlines: bool = False) -> list[Token]:
    """Split ``text`` into tokens, ending with END (or with ERROR at the first bad character).

    With ``newlines=True`` a line break is a NEWLINE token (a statement separator);
    otherwise it is whitespace.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACES:
            if ch == "\n" and newlines:
                tokens.append(Token(NEWLINE, ch, i))
            i += 1
            continue
        if ch.isascii() and ch.isdigit():
            token = _read_number(text, i, limits)
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            token = _read_name(text, i)
        elif text.startswith("**", i):
            token = Token(OP, "**", i)
        elif ch == "." and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit():
            token = _error(i, "a number must start with a digit (write 0.5, not .5)")
        elif ch in OPERATORS:
            token = Token(OP, ch, i)
        else:
            token = _error(i, _bad_character_message(ch))
        tokens.append(token)
        if token.kind == ERROR:
            return tokens
        i = token.pos + len(token.text)
    tokens.append(Token(END, "", n))
    return tokens


def _error(pos: int, message: str) -> Token:
    return Token(ERROR, "", pos, message=message)


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _read_name(text: str, start: int) -> Token:
    """An identifier ``[A-Za-z_][A-Za-z0-9_]*``; names beginning with ``__`` are refused."""
    i = start
    while i < len(text) and _is_name_char(text[i]):
        i += 1
    name = text[start:i]
    if name.startswith("__"):
        return _error(start, "names may not begin with '__'")
    return Token(NAME, name, start)


def _digits_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isascii() and text[i].isdigit():
        i += 1
    return i


def _read_number(text: str, start: int, limits: Limits) -> Token:
    """A literal ``123``, ``2.25`` or ``1e-3``, read exactly as an Integer or Rational."""
    n = len(text)
    i = _digits_end(text, start)
    whole, frac = text[start:i], ""
    if i + 1 < n and text[i] == "." and text[i + 1].isascii() and text[i + 1].isdigit():
        j = _digits_end(text, i + 1)
        frac, i = text[i + 1:j], j
    if len(whole) + len(frac) > limits.max_literal_digits:
        return _error(start, f"number has {len(whole) + len(frac)} digits "
                             f"(the limit is {limits.max_literal_digits})")
    if whole == "0" and not frac and i + 1 < n and text[i] in "xXbBoO" \
            and text[i + 1] in "0123456789abcdefABCDEF":
        return _error(start, "hexadecimal, octal and binary literals are not supported")
    exponent = 0
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isascii() and text[j].isdigit():
            k = _digits_end(text, j)
            if k - j > limits.max_literal_digits:
                return _error(start, "number too large")
            exponent, i = int(text[i + 1:k]), k
        elif not (i + 1 < n and _is_name_char(text[i + 1])):
            # "2e" alone: neither 2*e nor a number in scientific notation; make the user say.
            word = text[start:i + 1]
            return _error(start, f"'{word}' is not a number: write {word[:-1]}*{word[-1]} "
                                 f"for a product or {word}0 for scientific notation")
    mantissa = int(whole + frac)
    scale = exponent - len(frac)
    if mantissa and abs(scale) * math.log2(10) + math.log2(mantissa) > limits.max_number_bits:
        return _error(start, f"number too large (more than {limits.max_number_bits} bits)")
    if mantissa == 0:
        value: sp.Rational = sp.Integer(0)
    elif scale >= 0:
        value = sp.Integer(mantissa * 10 ** scale)
    else:
        value = sp.Rational(mantissa, 10 ** -scale)
    return Token(NUMBER, text[start:i], start, value=value)


def _bad_character_message(ch: str) -> str:
    """Say what is wrong with a character that is not part of the language, and what to type."""
    if ch in _ASCII_HINTS:
        return _ASCII_HINTS[ch]
    code = f"U+{ord(ch):04X}"
    if ch.isascii():
        if not ch.isprintable():
            return f"control character {code} is not allowed"
        return f"unexpected character '{ch}'"
    name = unicodedata.name(ch, "")
    if ch in _LOOKALIKES:
        hint = _LOOKALIKES[ch]
        if hint == "no quotes":
            return f"strings are not allowed (found a quote {code})"
        return f"non-ASCII '{ch}' ({code}): write {hint} instead"
    if unicodedata.category(ch) in ("Zs", "Cf", "Cc", "Zl", "Zp"):
        return f"invisible or control character {code} ({name or 'unnamed'}) is not allowed"
    if name.startswith("GREEK"):
        spelled = _greek_name(name)
        if spelled:
            return f"non-ASCII Greek letter '{ch}': write its name, e.g. '{spelled}'"
    if name.startswith("SUPERSCRIPT") or name.startswith("SUBSCRIPT"):
        return f"non-ASCII '{ch}' ({name.lower()}): write ^2 for powers, x_1 or x1 for indices"
    shown = ch if ch.isprintable() else code
    return f"non-ASCII character '{shown}' ({code}) is not allowed: matcalc reads ASCII only"


def _greek_name(unicode_name: str) -> str:
    """'GREEK SMALL LETTER THETA' -> 'theta', 'GREEK CAPITAL LETTER DELTA' -> 'Delta'."""
    words = unicode_name.split()
    if "LETTER" not in words or words.index("LETTER") + 1 >= len(words):
        return ""
    letter = words[-1].lower()
    letter = {"lamda": "lambda"}.get(letter, letter)
    if not letter.isalpha():
        return ""
    return letter.capitalize() if "CAPITAL" in words else letter
