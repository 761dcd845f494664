"""Exceptions that carry matcalc's exit statuses (see CONTRACTS.md).

Exit status: 2 bad input (syntax, limits, unknown name or option), 3 no rule applies.
Status 1 (numeric check failed) is not an exception: the result is still printed.
"""
from __future__ import annotations


class MatcalcError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def format(self) -> str:
        """The message shown to a user: one clear line (plus, for parse errors, the caret)."""
        return f"error: {_printable(str(self))}"


def _printable(text: str) -> str:
    """Control and invisible characters as <U+XXXX>: a message never writes a NUL byte or
    an escape sequence to the terminal."""
    return "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text)


class InputError(MatcalcError):
    """Bad input that is not tied to a column (unknown option value, bad --wrt, ...)."""

    exit_code = 2


class ParseError(MatcalcError):
    """A syntax or limit error at a position of the input text.

    ``position`` is a 0-based index into ``text`` (or None when the whole input is at fault).
    """

    exit_code = 2

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.position = position

    def format(self) -> str:
        if self.position is None or not self.text:
            return f"error: {_printable(self.message)}"
        col = self.position + 1
        head = f"error: {_printable(self.message)} (column {col})"
        # Show a window of at most 70 characters around the position, caret underneath.
        text = self.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        start = max(0, self.position - 35)
        window = text[start:start + 70]
        window = "".join(ch if ch.isprintable() else "?" for ch in window)
        prefix = "..." if start > 0 else ""
        caret = " " * (len(prefix) + self.position - start) + "^"
        return f"{head}\n  {prefix}{window}\n  {caret}"


class LimitError(MatcalcError):
    """Input exceeds a safety limit (length, depth, exponent size, time budget)."""

    exit_code = 2


class NoRuleError(MatcalcError):
    """No rule in the catalogue applies to a sub-expression; names it."""

    exit_code = 3

    def __init__(self, message: str, subexpr: object = None) -> None:
        super().__init__(message)
        self.subexpr = subexpr
