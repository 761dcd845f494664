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

#: Operator tokens, longest first (``**`` before ``*``). ``|`` delimits an absolute value.
OPERATORS = ("**", "+", "-", "*", "/", "^", "(", ")", ",", "[", "]", "=", ";", "@", ".", "|")

#: Unicode that people paste, read as the ASCII operator it stands for.
UNICODE_OPERATORS = {"\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u00d7": "*", "\u2217": "*",
                     "\u2212": "-", "\u2013": "-", "\u00f7": "/", "\u2215": "/"}

#: Superscript characters: x\u00b2 is x^2, x\u207b\u00b9 is x^-1.
SUPERSCRIPTS = {"\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4",
                "\u2075": "5", "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9",
                "\u207b": "-"}

#: Blanks between tokens. A carriage return is not one: it is refused with its code
#: (an expression "x\r+1" pasted from a file would otherwise read as something else).
_SPACES = " \t\n"

#: Friendlier words for ASCII characters that are not part of the language.
_ASCII_HINTS = {
    "'": "strings are not allowed (found a quote ')",
    '"': 'strings are not allowed (found a quote ")',
    "{": "braces are not allowed; use parentheses (LaTeX input needs a backslash command "
         "or --from latex)",
    "}": "braces are not allowed; use parentheses",
    "!": "'!' is not supported (no factorials or negation)",
    ":": "unexpected ':'",
    "#": "unexpected '#' (comments are not allowed in an expression)",
    "\\": "unexpected backslash",
    "`": "unexpected backtick",
}

#: Non-ASCII look-alikes of operators, with the ASCII to type instead.
_LOOKALIKES = {
    "\u2014": "-",
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
    width: int = -1              # characters read, when not len(text) (Unicode: \u03c0 is 'pi')

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
        elif ch in UNICODE_OPERATORS:
            token = Token(OP, UNICODE_OPERATORS[ch], i, width=1)
        elif ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            digits = "".join(SUPERSCRIPTS[c] for c in text[i:j])
            if not digits.lstrip("-").isdigit() or digits.count("-") > 1:
                token = _error(i, f"superscript '{text[i:j]}' is not a number")
            else:
                tokens.append(Token(OP, "^", i, width=0))
                if digits.startswith("-"):
                    tokens.append(Token(OP, "-", i, width=0))
                    digits = digits[1:]
                token = Token(NUMBER, digits, i, value=sp.Integer(int(digits)), width=j - i)
        elif ch == "\u221a":                      # \u221ax is sqrt(x), \u221a(x + 1) sqrt(x + 1)
            token = Token(NAME, "sqrt", i, width=1)
        elif unicode_name(ch):
            token = Token(NAME, unicode_name(ch), i, width=1)
        else:
            token = _error(i, _bad_character_message(ch))
        tokens.append(token)
        if token.kind == ERROR:
            return tokens
        i = token.pos + (len(token.text) if token.width < 0 else token.width)
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
    while i < len(text) and text[i] == "'" and i + 1 <= len(text):
        i += 1                          # f'(x), f''(x): the derivative of a function
    name = text[start:i]
    if name.startswith("__"):
        return _error(start, "names may not begin with '__'")
    if "'" in name and not (i < len(text) and text[i] == "("):
        return _error(start + name.index("'"), "a prime belongs to a function applied to "
                                               "its argument, as in f'(x)")
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
    return f"non-ASCII character '{shown}' ({code}) is not part of the input language"


def unicode_name(ch: str) -> str:
    """The ASCII name of a letter people paste: \u03c0 -> 'pi', \u03b8 -> 'theta',
    \u0394 -> 'Delta' (Greek letters only; '' for anything else)."""
    if ch.isascii() or not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    if not name.startswith("GREEK") or "WITH" in name or "SYMBOL" in name:
        return ""
    return _greek_name(name)


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
