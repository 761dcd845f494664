"""Malformed and hostile inputs: each must fail with ParseError or LimitError (exit 2), fast.

Shared by the parser tests and the CLI tests. Newlines count as whitespace in an
expression, so ``"x\\n+ 1"`` is valid and is not listed here.
"""
from __future__ import annotations

BAD_INPUTS: list[str] = [
    # empty
    "",
    "   ",
    "\t\n",
    # unbalanced brackets, both ways
    "(x + 1",
    "x + 1)",
    "((x)",
    "(x))",
    ")(",
    "sin(x",
    "[x, y",
    "x]",
    "()",
    "{x",
    # unknown functions and Python
    "foo(x)",
    "sinn(x)",
    "__import__('os').system('touch pwned')",
    "__import__",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.real",
    "x.T",
    "lambda x: x",
    "'x'",
    '"x"',
    "exec('1')",
    "eval" + "(" + "'open(\"pwned\", \"w\")'" + ")",
    "open('f')",
    "getattr(x, 'y')",
    "import os; os.system('touch pwned')",
    "os.system('touch pwned')",
    # numbers too large or malformed
    "x**(10**10**10)",
    "10**10**10",
    "9" * 80,
    "2^(2^100)",
    "x^100001",
    "1e999999",
    "2..5",
    "1.2.3",
    "1e",
    "2e",
    ".5",
    "0x1F",
    "1/0",
    "0^-1",
    "log(0)",
    "sqrt(-1)",
    "tan(pi/2)",
    # nesting and length
    "(" * 10000 + "x" + ")" * 10000,
    "-" * 20000 + "x",
    "-" * 5000 + "x",
    "x^" * 3000 + "x",
    "sin(" * 300 + "x" + ")" * 300,
    "x+" * 10000 + "x",
    # non-ASCII
    # (theta, the middle dot, x squared, the minus sign and the root sign are read since
    # issue 14: tests/test_input_forms.py)
    "\U0001F600",          # emoji
    "\u00b2x",             # a superscript with nothing to raise
    "sinx",                # a function name glued to a variable (issue 14)
    "x \u2202 y",          # a partial sign outside a d/dx prefix
    "x\u200by",            # zero-width space
    # operators and syntax
    "x +",
    "* x",
    "x y +",
    "sin()",
    "log(x, 2, 3)",
    "sin(x, y)",
    "max(x)",
    "min()",
    "max(" + ", ".join(f"x{i}" for i in range(150)) + ")",   # SymPy would take ~15 s
    "max(x, " + " + ".join(f"x{i}" for i in range(1000)) + ")",
    "sin",
    "sin + x",
    "sin^2(x)",
    "x = 3",
    "x; y",
    "x @ y",
    "x!",
    "x & y",
    "x | y",
    "$x",
    "\\sin(x",
    "x ^",
    "x ** ** 2",
    "x 2",
    "(x+1)2",
    "(x, y)",
    "[x, y]",
    "f(x)'",
    "x # comment",
    "x % 2",
    "x < y",
    "a ? b : c",
    "`x`",
    "\x00",
    "x\x00",
    "x\x1b[31m",
    # names the NumPy output could not use as variables
    "lambda^2",
    "np + x",
    "_t1 + x",
    "x + class",
]
