"""The input edge (issue 16): input files read with a size limit, names checked, output
written only when every byte reached the file. No SymPy here: the CLI uses it before any
derivation starts. The limits are documented in docs/limits.md.
"""
from __future__ import annotations

import keyword
import os
import sys
from typing import BinaryIO

from .errors import InputError, LimitError

#: Bytes of a backprop program or a notes file (an endless file stops at this many + 1).
MAX_FILE_BYTES = 1_000_000


def printable(text: str, limit: int = 200) -> str:
    """``text`` for a one-line message: control and invisible characters written as
    U+XXXX (a NUL byte never reaches the terminal), cut to ``limit`` characters."""
    out = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text[:limit])
    return out + ("..." if len(text) > limit else "")


def read_input(path: str, what: str, limit: int = MAX_FILE_BYTES,
               stdin: BinaryIO | None = None, named: bool = True) -> str:
    """The UTF-8 text of the file ``path`` (``-``: standard input), read as at most
    ``limit`` + 1 bytes: a larger or endless file (/dev/zero) is refused at once.
    InputError (exit 2) with one line for every problem, naming the file (``named``;
    otherwise "the <what> file", for a caller that names it itself)."""
    if not path:
        raise InputError(f"no {what} file given (an empty name)")
    if not named:
        shown = f"the {what} file"
    else:
        shown = "standard input" if path == "-" else printable(path)
    try:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read(limit + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise LimitError(f"{shown if not named else what + ' ' + shown} is larger than "
                         f"{limit:,} bytes (the limit for a {what} file)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown if not named else what + ' ' + shown} is not UTF-8 text "
                         f"(byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return text[1:] if text.startswith("\ufeff") else text      # a byte-order mark


def check_name(name: str, what: str = "") -> str:
    """``name`` if it can name a variable, node or output, with the rules of variables
    (ASCII letters, digits and _; not a keyword, not starting with _, not a function or
    a constant of matcalc);
    otherwise an InputError saying why."""
    from .parse.grammar import is_reserved, usable_name

    shown, head = printable(name, 40), f"{what}: " if what else ""
    if not name:
        raise InputError(f"{head}an empty name")
    if not (name.isascii() and name.isidentifier()):
        raise InputError(f"{head}'{shown}' is not a name (letters, digits and _, "
                         "starting with a letter)")
    if len(name) > 64:
        raise LimitError(f"{head}a name of {len(name)} characters (the limit is 64)")
    if name.startswith("_") or keyword.iskeyword(name) or not usable_name(name):
        raise InputError(f"{head}'{shown}' is a Python name and cannot name a variable")
    if is_reserved(name):
        raise InputError(f"{head}'{shown}' is a function or constant of matcalc and "
                         "cannot name a variable")
    return name


def check_output_path(path: str) -> str:
    """``path`` if a file can be written there: not empty, not a directory, its folder
    exists. (Whether the bytes fit is only known when writing: see write_output.)"""
    shown = printable(path)
    if not path:
        raise InputError("an empty file name")
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise InputError(f"{shown} is a directory, not a file")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {shown}: the folder {printable(folder)} does not "
                         "exist")
    if any(not ch.isprintable() for ch in path):
        raise InputError(f"{shown}: control characters in a file name")
    return path


def write_output(path: str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` and make sure it reached the file (flushed, synced,
    closed); on any failure an InputError naming the path, and no partial file is left
    behind when the file was new."""
    check_output_path(path)
    existed = os.path.exists(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(path, "wb") as fh:
            fh.write(raw)
            fh.flush()
            try:
                os.fsync(fh.fileno())
            except OSError as exc:
                if exc.errno not in _FSYNC_UNSUPPORTED:
                    raise
    except OSError as exc:
        if not existed:
            try:
                os.remove(path)
            except OSError:
                pass
        raise InputError(f"cannot write {printable(path)}: {exc.strerror or exc}") from None


import errno as _errno  # noqa: E402

#: fsync on a pipe, a terminal or /dev/null is not an error of the write
_FSYNC_UNSUPPORTED = {_errno.EINVAL, _errno.ENOTSUP, _errno.EROFS, _errno.EBADF}
