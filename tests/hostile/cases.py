"""The hostile corpus (issue 16): malformed, hostile, oversized and endless inputs for every
entry point of the ``matcalc`` command, each with the exit status CONTRACTS.md promises.

A :class:`Case` is one real run of ``python -m matcalc ARGS`` in an empty temporary folder
(``files`` are written there first; ``{tmp}`` in an argument is that folder). The runner
(:mod:`tests.hostile.runner`) checks the exit status, at most 4 lines on stderr, no
traceback, no NUL byte echoed, the time bound, and that no file appears except the
``outputs`` the case allows.

Arguments cannot hold a NUL byte (the operating system cuts them there), so NUL reaches
matcalc through standard input and files only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..bad_inputs import BAD_INPUTS

#: exit statuses
OK, FAILED_CHECK, BAD, NO_RULE = 0, 1, 2, 3
#: seconds a case may take by default (a rejection should take well under a second of work;
#: the rest is Python and SymPy starting on a loaded machine)
DEFAULT_SECONDS = 20.0


@dataclass(frozen=True)
class Case:
    """One run: ``args`` after ``matcalc``; ``expect`` the allowed exit statuses."""

    name: str
    args: tuple[str, ...]
    expect: frozenset[int] = frozenset({BAD})
    stdin: bytes | None = None
    files: tuple[tuple[str, bytes], ...] = ()     # written into the temporary folder first
    sparse: tuple[tuple[str, int], ...] = ()      # (name, size): a file of zeros, made sparse
    outputs: tuple[str, ...] = ()                 # files the run may create (relative)
    seconds: float = DEFAULT_SECONDS
    stderr_has: str = ""                          # a substring the message must hold
    stdout_empty: bool = False                    # nothing may be printed on stdout
    family: str = ""                              # default: the name without its number
    real: bool = False                            # always a real process (runner.sample)

    @property
    def rejection(self) -> bool:
        """True when the case must be refused (exit 2 is the only status allowed)."""
        return self.expect == frozenset({BAD})


CASES: list[Case] = []


def add(name: str, *args: str, expect: set[int] | frozenset[int] = frozenset({BAD}),
        **kw: object) -> None:
    CASES.append(Case(name, tuple(args), frozenset(expect), **kw))  # type: ignore[arg-type]


MLP = b"""X: nx, m
W1: n1, nx
b1: n1
W2: 1, n1
b2: 1
Y: 1, m
Z1 = W1 @ X + b1
A1 = tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = sigmoid(Z2)
J = -sum(Y * log(A2) + (1 - Y) * log(1 - A2)) / m
"""

NOTES_HEAD = 'title = "T"\n\n[[section]]\ntitle = "S"\n\n'


def notes_entry(**keys: object) -> bytes:
    """A notes file with one derivation whose keys are ``keys`` (values as TOML)."""
    body = "".join(f"{k} = {json.dumps(v) if not isinstance(v, _Raw) else v.text}\n"
                   for k, v in keys.items())
    return (NOTES_HEAD + "[[section.derivation]]\n" + body).encode()


@dataclass(frozen=True)
class _Raw:
    text: str


# ------------------------------------------------------------------ expression text
# Every malformed expression of the parser's own list, through the command line (the NUL
# ones go through a backprop program instead, below).
for i, text in enumerate(BAD_INPUTS):
    if "\x00" in text:
        continue
    add(f"expr-bad-{i}", "derive", text)

# Control characters, each inside an expression: exit 2 naming the code (NUL: via stdin).
for code in list(range(1, 32)) + [127]:
    ch = chr(code)
    if ch in "\t\n":
        continue
    add(f"expr-control-{code:02x}", "derive", f"x{ch}+1", stderr_has=f"U+{code:04X}")
    add(f"graph-control-{code:02x}", "graph", f"a*b{ch}", stderr_has=f"U+{code:04X}")
add("expr-cr-only", "derive", "x\r", stderr_has="U+000D")
add("expr-crlf", "derive", "x\r\n+1", stderr_has="U+000D")
add("grad-cr", "grad", "x*y\r", "--wrt", "x,y", stderr_has="U+000D")
add("jacobian-cr", "jacobian", "[x\r, y]", "--wrt", "x,y", stderr_has="U+000D")
add("where-cr", "derive", "g", "--where", "g = x^2\r", "--wrt", "x", stderr_has="U+000D")
add("where-cr-sep", "derive", "g", "--where", "g = x^2\r; h = 2", "--wrt", "x")

# Unicode look-alikes and invisible characters
for i, ch in enumerate("\u00b7\u00d7\u2212\u2013\u2014\u00f7\u2215\u221a\u2018\u201c\u200b"
                       "\u200d\u2060\ufeff\u00a0\u2028\u2029\u202e\u0391\u03c3\uff58\u0445"
                       "\u00b2\u2081\u2202\u2207\u222b\u221e\U0001d465\ufffd"):
    # the operators people paste (issue 14: x · 2, x × 2, x − 2, x ÷ 2, √) are read now
    add(f"expr-unicode-{i}", "derive", f"x {ch} 2",
        expect={OK} if ch in "\u00b7\u00d7\u2212\u2013\u00f7\u2215\u221a" else {BAD})
add("expr-fullwidth-x", "derive", "\uff58^2")
add("expr-cyrillic-x", "derive", "\u0445^2")
add("expr-bidi", "derive", "x\u202e+1")
add("expr-surrogate-escape", "derive", "x\udcff")

# Huge numbers and exponents
for i, text in enumerate(["x^(10^10)", "x^1e300", "2^2^2^2^2^2", "10^(10^6)",
                          "x^99999999999999999999", "1e308^1e308", "(x^1000)^1000",
                          "x^100000", "exp(10^10)", "factorial(1000)", "9" * 51,
                          "0." + "0" * 60 + "1", "1e-999999", "x^(1/0)", "x^(-10^5)",
                          "2^(2^(2^(2^10)))", "(1+x)^10000", "sin(10^30 * x)^(10^4)"]):
    add(f"expr-huge-{i}", "derive", text, expect={BAD, OK, FAILED_CHECK})

# Deep nesting and long input (each refused by a limit, not by Python's stack)
for i, text in enumerate(["(" * 60_000 + "x" + ")" * 60_000, "[" * 5000 + "x" + "]" * 5000,
                          "exp(" * 2000 + "x" + ")" * 2000, "-(" * 3000 + "x" + ")" * 3000,
                          "x" + "^x" * 200, "+".join(["x"] * 60_000), "x*" * 50_000 + "x",
                          "sin(" * 101 + "x" + ")" * 101, "a" * 100_000,
                          "max(" * 200 + "x" + ", 1)" * 200, "log(x, " * 300 + "2" + ")" * 300]):
    add(f"expr-deep-{i}", "derive", text, "--wrt", "x")

# Budgets: each accepted (or refused with one line) within its time bound
add("tanh-x1000-nosteps", "derive", "tanh(x^1000)", "--no-steps",
    expect={OK, FAILED_CHECK, BAD}, seconds=15)
add("tanh-x1000", "derive", "tanh(x^1000)", expect={OK, FAILED_CHECK, BAD}, seconds=15)
add("tanh-x1000-json", "derive", "tanh(x^1000)", "--format", "json", "--no-steps",
    expect={OK, FAILED_CHECK, BAD}, seconds=15)
add("exp-max-nan-json", "derive", "exp(-max(exp(1/z), 2))", "--format", "json",
    expect={OK, FAILED_CHECK}, seconds=15)
add("exp-max-nan-text", "derive", "exp(-max(exp(1/z), 2))", expect={OK, FAILED_CHECK},
    seconds=15)
add("exp-max-nan-latex", "derive", "exp(-max(exp(1/z), 2))", "--format", "latex",
    expect={OK, FAILED_CHECK}, seconds=15)
thirty_a = " + ".join(f"a{i}*x" for i in range(30))
thirty_b = " + ".join(f"b{i}*x^2" for i in range(30))
add("max-two-30-term-sums", "derive", f"max({thirty_a}, {thirty_b})", "--wrt", "x",
    stderr_has="max() arguments are too large")
add("max-nested-sums", "derive", "max(" * 20 + "x" + ", x^2)" * 20, "--wrt", "x",
    expect={OK, FAILED_CHECK, BAD}, seconds=15)
# the product rule over n factors prints n^2 factors: 100 factors are 10,000 in the steps
# (about 5 s of CPU, most of it SymPy's printer; 20 s of wall time was passed at load 3
# with the suite and another test run on 2 cores: the bound is 40 s)
add("expr-product-100", "derive", "*".join(f"sin(x + {i})" for i in range(100)), "--wrt", "x",
    expect={OK, FAILED_CHECK, BAD}, seconds=40)
add("expr-exp-tower", "derive", "exp(" * 60 + "x" + ")" * 60, expect={OK, FAILED_CHECK, BAD})
add("expr-x-tower-30", "derive", "x^" * 30 + "x", expect={OK, FAILED_CHECK, BAD})

# Python and shell injection (never evaluated)
for i, text in enumerate(["__import__('os').system('touch pwned')", "x; rm -rf /",
                          "$(touch pwned)", "`touch pwned`", "x.__class__", "exec",
                          "globals()", "open('pwned','w')", "sympify('x')", "x if x else x",
                          "[i for i in x]", "x.__dict__", "breakpoint()", "x\\\\input{/etc/passwd}",
                          "\\input{/etc/passwd}", "\\write18{touch pwned}", "\\def\\a{\\a}\\a"]):
    add(f"expr-inject-{i}", "derive", text, expect={BAD, NO_RULE} if text != "exec" else {OK})

# ------------------------------------------------------------------ --wrt
for i, wrt in enumerate(["", " ", ",", "x,,y", "1x", "x y", "sin", "__import__", "lambda",
                         "x.y", "x[0]", "x=1", "x\x7f", "\u0445", "q", "x," * 5000 + "x",
                         "a" * 5000, "pi", "e", "E", "I", "oo", "nan"]):
    # a valid name that does not occur: the derivative is 0, with a note (issue 12)
    add(f"wrt-{i}", "derive", "x^2 + y", "--wrt", wrt,
        expect={OK} if wrt in ("lambda", "q", "a" * 5000, "E", "I", "oo", "nan") else {BAD})
add("grad-wrt-dup", "grad", "x*y", "--wrt", "x,x", expect={BAD, OK})
add("grad-wrt-bad", "grad", "x*y", "--wrt", "x,1")
add("jacobian-wrt-empty", "jacobian", "[x, y]", "--wrt", ",")

# ------------------------------------------------------------------ --where
for i, where in enumerate(["", ";", "=", "g =", "= x", "g = g", "g = h; h = g", "g = x^2; g = 3",
                           "x = 2", "sin = x", "__import__ = x", "g == x", "g = (", "g: x",
                           "g = x; " * 2000, "; ".join(f"g{i} = g{i+1}" for i in range(3000)),
                           "g = x\x1b", "g = \u2212x", "lambda = x", "g = x = y"]):
    add(f"where-{i}", "derive", "g + 1", "--where", where, "--wrt", "x",
        expect={OK} if where == "g = \u2212x" else {BAD})          # − is minus (issue 14)
add("where-chain-1000", "derive", "g0", "--where",
    "; ".join([f"g{i} = g{i+1}^2" for i in range(1000)] + ["g1000 = x"]), "--wrt", "x",
    expect={BAD, OK, FAILED_CHECK})

# ------------------------------------------------------------------ --shape and sizes
for i, shape in enumerate(["x", "x:", ":n", "x:0", "x:-1", "x:n,", "x:,n", "x:n,n,n", "x:1.5",
                           "x:1e9", "x:a b", "sin:n", "__import__:n", "lambda:n", "x:n:m",
                           "x:" + "9" * 40, "x:n\x1b", "x:\u0445", "1x:n", "x:__import__",
                           "x:" + ",".join(["n"] * 1000)]):
    add(f"shape-{i}", "derive", "sum(x)", "--shape", shape, "--wrt", "x")
add("shape-twice", "derive", "sum(x)", "--shape", "x:n", "--shape", "x:m", "--wrt", "x")
add("shape-mismatch", "derive", "W @ x", "--shape", "W:m,n", "--shape", "x:k", "--wrt", "x",
    stderr_has="inner dimensions")
big = ("--shape", "x:100000", "--shape", "A:100000,100000")
add("shape-huge-quadratic", "derive", "x.T @ A @ x", *big, "--wrt", "x",
    expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-quadratic-json", "derive", "x.T @ A @ x", *big, "--wrt", "x", "--format",
    "json", expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-ones", "derive", "sum(ones(100000, 100000) @ x)", "--shape", "x:100000",
    "--wrt", "x", expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-vector", "derive", "sum(exp(x))", "--shape", "x:1000000000", "--wrt", "x",
    expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-matrix-grad", "grad", "tr(W)", "--shape", "W:50000,50000", "--wrt", "W",
    expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-jacobian", "jacobian", "tanh(x)", "--shape", "x:100000",
    expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("shape-huge-mixed", "derive", "sum(W @ x)", "--shape", "W:m,100000000", "--shape",
    "x:100000000", "--wrt", "x", expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("ones-huge-no-shape", "derive", "sum(ones(100000, 100000))", expect={BAD, OK})
add("eye-huge", "derive", "tr(eye(100000000) @ A)", "--shape", "A:100000000,100000000",
    "--wrt", "A", expect={BAD, OK, FAILED_CHECK}, seconds=20)

# ------------------------------------------------------------------ --dim
for i, dim in enumerate(["n", "n=", "=3", "n=0", "n=-1", "n=1.5", "n=abc", "n=1e9", "m=3",
                         "n=3=4", "n=" + "9" * 40, "n=3\x1b", "n=\u0663", "n=10000",
                         "n=100000000"]):
    add(f"dim-{i}", "derive", "sum(x)", "--shape", "x:n", "--wrt", "x", "--dim", dim,
        seconds=20)
for i, (expr, n) in enumerate([("det(A)", 12), ("logdet(A)", 12), ("det(inv(A) @ A.T)", 8),
                               ("tr(inv(A))", 12), ("det(A)", 40), ("inv(A)", 30),
                               ("logdet(A @ A.T)", 10), ("det(A) * det(A.T)", 9)]):
    add(f"dim-explicit-{i}", "derive", expr, "--shape", "A:n,n", "--wrt", "A", "--dim",
        f"n={n}", expect={BAD, OK, FAILED_CHECK}, seconds=20)
add("dim-jacobian-big", "jacobian", "tanh(W @ x)", "--shape", "W:n,n", "--shape", "x:n",
    "--wrt", "x", "--dim", "n=200", expect={BAD, OK, FAILED_CHECK}, seconds=20)

# ------------------------------------------------------------------ --seed --timeout --points
for i, seed in enumerate(["-1", "-99999999999999999999", "abc", "1.5", "nan", "", "0x10",
                          str(2 ** 64), "1e3", " "]):
    add(f"seed-{i}", "derive", "x^2", "--seed", seed)
    add(f"seed-backprop-{i}", "backprop", "p.mc", "--seed", seed, files=(("p.mc", MLP),))
for i, timeout in enumerate(["nan", "NaN", "inf", "-inf", "-1", "0", "1e309", "abc", "",
                             "601", "1e-9", "0x1"]):
    add(f"timeout-{i}", "derive", "x^2", "--timeout", timeout)
add("timeout-graph-nan", "graph", "a*b", "--timeout", "nan")
for i, points in enumerate(["0", "-1", "501", "1000000000", "abc", "1.5", "", "nan",
                            "9" * 30]):
    add(f"points-{i}", "derive", "x^2", "--points", points)
add("points-grad-0", "grad", "x*y", "--points", "0")

# ------------------------------------------------------------------ graph: --at and --name
for i, at in enumerate(["a=", "=5", "a", "a=5,", "a=5,a=6", "a=nan", "a=inf", "a=1/0",
                        "a=10^10^10", "a=__import__", "a=5;;b=3", "a=5,b=3,c=", "z=1",
                        "a=" + "9" * 80, "a=1e999999", "a=\u2212" + "1", "a=5,b=3\x1b",
                        "a=(", "a=" + "(" * 5000 + "1" + ")" * 5000, "a=sin(", "a=x",
                        "a=5," * 3000]):
    add(f"at-{i}", "graph", "a*b", "--at", at)
for i, name in enumerate(["__import__", "sin", "lambda", "", " ", "1x", "x y", "exp", "a",
                          "class", "None", "np", "a.b", "x\x1b", "\u0445", "J" * 5000,
                          "def", "import", "log", "sqrt", "max", "pi", "e", "_x"]):
    add(f"name-{i}", "graph", "a*b", "--name", name)
add("name-ok", "graph", "a*b", "--name", "out", expect={OK})
add("graph-20-term-sum", "graph", " + ".join(f"x{i}*y{i}" for i in range(1, 21)),
    expect={OK, FAILED_CHECK, BAD}, seconds=20)
add("graph-20-term-sum-json", "graph", " + ".join(f"x{i}*y{i}" for i in range(1, 21)),
    "--format", "json", expect={OK, FAILED_CHECK, BAD}, seconds=20)
add("graph-diamond-tower", "graph", "u", "--where",
    "; ".join([f"u{i} = u{i+1} * u{i+1} + u{i+1}" for i in range(30)] + ["u30 = x"])
    .replace("u0", "u"), expect={OK, FAILED_CHECK, BAD}, seconds=20)
add("graph-40-inputs", "graph", "*".join(f"(a{i} + b{i})" for i in range(40)),
    expect={OK, FAILED_CHECK, BAD}, seconds=40)
add("graph-bad-expr", "graph", "a*(b")
add("graph-dot-devfull", "graph", "a*b", "--format", "dot", "-o", "/dev/full")
add("graph-png-proc", "graph", "a*b", "-o", "/proc/g.png")         # cannot be created
add("graph-png-dir", "graph", "a*b", "-o", "sub/", files=(("sub/.keep", b""),))
add("graph-png-json", "graph", "a*b", "-o", "g.png", "--format", "json")

# ------------------------------------------------------------------ -o
for i, out in enumerate(["", ".", "/", "/nonexistent/dir/out.txt", "/dev/full", "/proc/out.txt",
                         "/sys/out.txt", "sub", "sub/"]):
    add(f"output-{i}", "derive", "x^2", "-o", out, files=(("sub/.keep", b""),))
    add(f"output-grad-{i}", "grad", "x*y", "-o", out, files=(("sub/.keep", b""),))
    add(f"output-backprop-{i}", "backprop", "p.mc", "-o", out,
        files=(("p.mc", MLP), ("sub/.keep", b"")))
    add(f"output-notes-{i}", "notes", "n.toml", "-o", out,
        files=(("n.toml", notes_entry(kind="derive", expr="x^2")), ("sub/.keep", b"")))
    add(f"output-handout-{i}", "examples", "handout", "-o", out, files=(("sub/.keep", b""),))
add("output-ok", "derive", "x^2", "-o", "out.txt", expect={OK}, outputs=("out.txt",),
    stdout_empty=True)
add("output-devfull-json", "derive", "x^2", "--format", "json", "-o", "/dev/full")
add("output-proc-tex", "notes", "n.toml", "-o", "/proc/n.tex",
    files=(("n.toml", notes_entry(kind="derive", expr="x^2")),))
add("output-render-devfull", "examples", "render", "ln_sin_cube_squared", "-o", "/dev/full")
add("output-control-name", "derive", "x^2", "-o", "out\x1b.txt")

# ------------------------------------------------------------------ backprop programs
PROGRAMS: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("blank", b"\n\n   \n"),
    ("comments", b"# nothing\n# at all\n"),
    ("no-objective", b"X: n, m\nW: k, n\nZ = W @ X\n"),
    ("decls-only", b"X: n, m\nW: k, n\n"),
    ("objective-not-scalar", b"X: n, m\nW: k, n\nZ = W @ X\n"),
    ("J-matrix", b"X: n, m\nJ = X\n"),
    ("undeclared", b"J = sum(W @ X)\n"),
    ("redeclared", b"X: n\nX: m\nJ = sum(X)\n"),
    ("reassigned", b"x: n\nA = x\nA = 2*x\nJ = sum(A)\n"),
    ("self-reference", b"x: n\nA = A + x\nJ = sum(A)\n"),
    ("bad-decl", b"X: n,\nJ = sum(X)\n"),
    ("bad-decl-zero", b"X: 0\nJ = sum(X)\n"),
    ("bad-decl-negative", b"X: -3\nJ = sum(X)\n"),
    ("bad-syntax", b"x: n\nJ = sum(x\n"),
    ("garbage", b"!!!@@@###\n"),
    ("python", b"import os\nos.system('touch pwned')\n"),
    ("keyword-name", b"x: n\nlambda = x\nJ = sum(lambda)\n"),
    ("builtin-name", b"x: n\n__import__ = x\nJ = sum(x)\n"),
    ("function-name", b"x: n\nsin = x\nJ = sum(sin)\n"),
    ("nul", b"x: n\nJ = sum(x)\x00\n"),
    ("nul-only", b"\x00\x00\x00"),
    ("nul-in-name", b"x\x00y: n\nJ = sum(x)\n"),
    ("escape", b"x: n\nJ = sum(x)\x1b[2J\n"),
    ("cr-inside", b"x: n\nJ = sum(x\r+ x)\n"),
    ("bell", b"x: n\nJ = sum(x)\x07\n"),
    ("latin1", "x: n\nJ = sum(x) # caf\xe9\n".encode("latin-1")),
    ("invalid-utf8", b"x: n\nJ = sum(x)\xff\xfe\n"),
    ("utf16", "x: n\nJ = sum(x)\n".encode("utf-16")),
    ("bom-utf8", b"\xef\xbb\xbfx: n\nJ = sum(x)\n"),
    ("unicode-minus", "x: n\nJ = \u2212sum(x)\n".encode()),
    ("deep", b"x: n\nJ = sum(" + b"(" * 20000 + b"x" + b")" * 20000 + b")\n"),
    ("long-line", b"x: n\nJ = sum(" + b"x + " * 30000 + b"x)\n"),
    ("many-lines", b"x: n\n" + b"".join(b"A%d = x\n" % i for i in range(60000))
     + b"J = sum(A0)\n"),
    ("chain-400", b"x: n\nA0 = x\n" + b"".join(b"A%d = tanh(A%d)\n" % (i + 1, i)
                                                for i in range(400)) + b"J = sum(A400)\n"),
    ("huge-sizes", b"x: 100000\nA: 100000, 100000\nJ = x.T @ A @ x\n"),
    ("huge-ones", b"x: 100000\nJ = sum(ones(100000, 100000) @ x)\n"),
    ("huge-size-literal", b"x: " + b"9" * 40 + b"\nJ = sum(x)\n"),
    ("shape-error", b"W: m, n\nx: k\nJ = sum(W @ x)\n"),
    ("det-program", b"A: n, n\nJ = logdet(A) + det(inv(A) @ A.T)\n"),
    ("exp-tower", b"x: n\nJ = sum(" + b"exp(" * 60 + b"x" + b")" * 60 + b")\n"),
]
for label, body in PROGRAMS:
    expect = {BAD, OK, FAILED_CHECK} if label in ("huge-sizes", "huge-ones", "det-program",
                                                  "exp-tower", "chain-400", "bom-utf8") \
        else {OK} if label == "unicode-minus" else {BAD}      # − is read as minus (issue 14)
    # a 400-layer chain is derived and verified in full: allow it 60 s on a busy machine
    seconds = 60 if label in ("chain-400", "exp-tower") else 20
    add(f"backprop-file-{label}", "backprop", "p.mc", files=(("p.mc", body),), expect=expect,
        seconds=seconds, family="backprop-file")
    add(f"backprop-stdin-{label}", "backprop", "-", stdin=body, expect=expect, seconds=seconds,
        family="backprop-stdin")
add("backprop-no-objective-line", "backprop", "p.mc", stderr_has="line",
    files=(("p.mc", b"X: n, m\nW: k, n\nZ = W @ X\n"),))


def add_bad_paths(command: str, missing: str) -> None:
    """The input files a program or notes file must not be: endless devices, an empty
    one, a directory, a missing file, an empty name."""
    kw = {"family": f"{command}-path"}
    add(f"{command}-dev-zero", command, "/dev/zero", seconds=10, **kw)
    add(f"{command}-dev-urandom", command, "/dev/urandom", seconds=10, **kw)
    add(f"{command}-dev-null", command, "/dev/null", **kw)
    add(f"{command}-directory", command, ".", **kw)
    add(f"{command}-missing", command, missing, **kw)
    add(f"{command}-empty-name", command, "", **kw)


add_bad_paths("backprop", "missing.mc")
add("backprop-proc", "backprop", "/proc/self/environ")
add("backprop-stdin-zero", "backprop", "-", stdin=b"\x00" * 5_000_000, seconds=10)
add("backprop-stdin-random", "backprop", "-", stdin=bytes(range(256)) * 20000, seconds=10)
add("backprop-giant-file", "backprop", "big.mc", sparse=(("big.mc", 200_000_000),), seconds=10)
add("backprop-wrt-unknown", "backprop", "p.mc", "--wrt", "W9", files=(("p.mc", MLP),))
add("backprop-wrt-bad", "backprop", "p.mc", "--wrt", "__import__", files=(("p.mc", MLP),))
add("backprop-wrt-empty", "backprop", "p.mc", "--wrt", "", files=(("p.mc", MLP),))
add("backprop-ok", "backprop", "p.mc", "--no-steps", files=(("p.mc", MLP),), expect={OK},
    seconds=30)

# ------------------------------------------------------------------ notes (TOML)
NOTES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("syntax", b"title = \n"),
    ("unterminated", b'title = "T\n'),
    ("no-title", b"[[section]]\ntitle = 'S'\n"),
    ("unknown-top", b'title = "T"\nbogus = 1\n'),
    ("unknown-kind", notes_entry(kind="rm", expr="x")),
    ("no-kind", notes_entry(expr="x^2")),
    ("bad-expr", notes_entry(kind="derive", expr="x +")),
    ("cr-expr", notes_entry(kind="derive", expr="x\r+1")),
    ("escape-expr", notes_entry(kind="derive", expr="x\x1b")),
    ("nul-literal", NOTES_HEAD.encode() + b'[[section.derivation]]\nkind = "derive"\n'
     b'expr = "x\x00"\n'),
    ("nul-escaped", notes_entry(kind="derive", expr="x\u0000")),
    ("seed-negative", notes_entry(kind="derive", expr="x^2", seed=-1)),
    ("seed-float", notes_entry(kind="derive", expr="x^2", seed=1.5)),
    ("seed-huge", notes_entry(kind="derive", expr="x^2", seed=_Raw("9223372036854775807"))),
    ("timeout-nan", notes_entry(kind="derive", expr="x^2", timeout=_Raw("nan"))),
    ("timeout-inf", notes_entry(kind="derive", expr="x^2", timeout=_Raw("inf"))),
    ("timeout-negative", notes_entry(kind="derive", expr="x^2", timeout=-1)),
    ("points-zero", notes_entry(kind="derive", expr="x^2", points=0)),
    ("points-huge", notes_entry(kind="derive", expr="x^2", points=10 ** 9)),
    ("graph-name-import", notes_entry(kind="graph", expr="a*b", name="__import__")),
    ("graph-name-sin", notes_entry(kind="graph", expr="a*b", name="sin")),
    ("wrt-int", notes_entry(kind="derive", expr="x^2", wrt=3)),
    ("shapes-huge", notes_entry(kind="derive", expr="x.T @ A @ x", wrt="x",
                                shapes=["x:100000", "A:100000,100000"])),
    ("shapes-ones", notes_entry(kind="derive", expr="sum(ones(100000, 100000) @ x)", wrt="x",
                                shapes=["x:100000"])),
    ("dims-det", notes_entry(kind="derive", expr="det(A)", wrt="A", shapes=["A:n,n"],
                             dims={"n": 12})),
    ("dims-negative", notes_entry(kind="derive", expr="sum(x)", wrt="x", shapes=["x:n"],
                                  dims={"n": -1})),
    ("backprop-no-J", notes_entry(kind="backprop", program="X: n, m\nW: k, n\nZ = W @ X\n")),
    ("backprop-huge", notes_entry(kind="backprop",
                                  program="x: 100000\nA: 100000, 100000\nJ = x.T @ A @ x\n")),
    ("deep-tables", b'title = "T"\n' + b"[" + b".".join(b"a%d" % i for i in range(5000))
     + b"]\nx = 1\n"),
    ("deep-arrays", b'title = "T"\nx = ' + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    ("deep-inline", b'title = "T"\nx = ' + b"{a = " * 50_000 + b"1" + b"}" * 50_000 + b"\n"),
    ("dotted-key-deep", b'title = "T"\n' + b".".join(b"k" for _ in range(50_000)) + b" = 1\n"),
    ("latin1", 'title = "caf\xe9"\n'.encode("latin-1")),
    ("invalid-utf8", b'title = "\xff\xfe"\n'),
    ("utf16", 'title = "T"\n'.encode("utf-16")),
    ("huge-string", b'title = "' + b"x" * 30_000_000 + b'"\n'),
    ("many-sections", b'title = "T"\n' + b"[[section]]\ntitle = 'S'\n" * 200_000),
    ("many-derivations", NOTES_HEAD.encode() + b'[[section.derivation]]\nkind = "derive"\n'
     b'expr = "x^2"\n' * 5000),
    ("section-not-array", b'title = "T"\n[section]\ntitle = "S"\n'),
    ("derivation-string", NOTES_HEAD.encode() + b'derivation = "x"\n'),
    ("title-table", b"[title]\nx = 1\n"),
    ("tanh-x1000", notes_entry(kind="derive", expr="tanh(x^1000)")),
]
for label, body in NOTES:
    expect = {BAD} if label not in ("tanh-x1000", "shapes-huge", "shapes-ones", "dims-det",
                                    "backprop-huge") else {BAD, OK, FAILED_CHECK}
    add(f"notes-{label}", "notes", "n.toml", files=(("n.toml", body),), expect=expect,
        seconds=20, family="notes-file")
PDF = ("-o", "x.pdf", "--latex-timeout", "5")
PROSE = 'title = "T"\n[[section]]\ntitle = "S"\ntext = "%s"\n'
add("notes-endless-macro-pdf", "notes", "n.toml", *PDF, seconds=25, outputs=("x.pdf",),
    files=(("n.toml", (PROSE % "\\\\def\\\\a{\\\\a}\\\\a").encode()),),
    stderr_has="time limit")
add("notes-endless-loop-pdf", "notes", "n.toml", *PDF, seconds=25, outputs=("x.pdf",),
    files=(("n.toml", (PROSE % "\\\\loop\\\\iftrue\\\\repeat").encode()),),
    stderr_has="time limit")
add("notes-shell-escape-pdf", "notes", "n.toml", *PDF, seconds=25, outputs=("x.pdf",),
    files=(("n.toml", (PROSE % "\\\\immediate\\\\write18{touch pwned}").encode()),),
    expect={OK, BAD})
add("notes-input-missing-pdf", "notes", "n.toml", *PDF, seconds=25, outputs=("x.pdf",),
    files=(("n.toml", (PROSE % "\\\\input{/nonexistent/file}").encode()),))
add("notes-pdf-devfull", "notes", "n.toml", "-o", "/dev/full", seconds=25,
    files=(("n.toml", (PROSE % "ok").encode()),))
add("notes-pdf-proc", "notes", "n.toml", "-o", "/proc/x.pdf", seconds=25,
    files=(("n.toml", (PROSE % "ok").encode()),))
for i, value in enumerate(["0", "-1", "nan", "inf", "abc", "99999"]):
    add(f"notes-latex-timeout-{i}", "notes", "n.toml", "--latex-timeout", value,
        files=(("n.toml", (PROSE % "ok").encode()),))
add_bad_paths("notes", "missing.toml")
add("notes-giant", "notes", "big.toml", sparse=(("big.toml", 200_000_000),), seconds=10)
add("notes-stdin-dash", "notes", "-", stdin=b'title = "T"\n', expect={BAD, OK})

# ------------------------------------------------------------------ examples
for i, name in enumerate(["", "nope", "../../etc/passwd", "x\x1b", "\u0445", "a" * 10_000,
                          "__import__", "-"]):
    add(f"examples-render-{i}", "examples", "render", name)
    add(f"examples-run-{i}", "examples", "run", name)
for i, item in enumerate(["detail", "detail=", "=brief", "detail=huge", "bogus=1",
                          "partial=maybe", "sigmoid=\\\\def", "naming=\x1b"]):
    add(f"examples-notation-{i}", "examples", "render", "ln_sin_cube_squared", "--notation",
        item)
add("examples-render-format", "examples", "render", "ln_sin_cube_squared", "--format", "pdf")
add("examples-bad-subcommand", "examples", "frobnicate")

# ------------------------------------------------------------------ jacobian / grad lists
for i, text in enumerate(["[", "]", "[]", "[x,]", "[,x]", "[[x]]", "[x, [y]]", "[x; y]",
                          "[" + ", ".join(["x"] * 5000) + "]", "[" * 1000 + "x" + "]" * 1000,
                          "[x, y", "x, y]", "[x\r, y]", "[x = 1]"]):
    add(f"jacobian-{i}", "jacobian", text, "--wrt", "x,y")
add("grad-empty", "grad", "")
add("grad-no-vars", "grad", "3")
add("jacobian-layout-bad", "jacobian", "[x, y]", "--wrt", "x,y", "--layout", "diagonal")

# ------------------------------------------------------------------ the command line itself
# (click's own usage errors and its program name: always real processes)
add("format-bad", "derive", "x^2", "--format", "html", real=True)
add("unknown-option", "derive", "x^2", "--frobnicate", real=True)
add("unknown-command", "frobnicate", real=True)
add("no-expr", "derive", real=True)
add("two-exprs", "derive", "x", "y", real=True)
add("rules-format-bad", "rules", "--format", "json", real=True)

# ------------------------------------------------------------------ LaTeX input (issue 14)
#: hostile LaTeX: never expanded, no file read, exit 2 with one line, fast
HOSTILE_LATEX = [
    "\\input{/etc/passwd}", "\\include{/etc/passwd}", "x + \\input /etc/passwd",
    "\\def\\a{\\a}\\a", "\\edef\\x{1}", "\\let\\x\\y", "\\csname input\\endcsname{/etc/passwd}",
    "\\catcode`\\{=12", "\\newcommand{\\x}{1}", "\\write18{touch pwned}",
    "\\immediate\\write18{ls}", "\\openin1=/etc/passwd", "\\usepackage{x}",
    "\\begin{document}", "\\verb|x|", "\\frac{1}{", "\\frac{1}{x}}", "{{{{x", "x}}}}",
    "\\frac" * 10_000 + "{1}{2}" * 10_000, "\\frac{" * 5_000 + "x" + "}{2}" * 5_000,
    "\\sqrt[" + "9" * 60 + "]{x}", "\\sqrt[x]{2}", "\\left(" * 3000 + "x" + "\\right)" * 3000,
    "\\sum_i x_i", "\\infty", "\\nabla f", "\\unknowncommand{x}", "\\", "x \\", "\\sin",
    "\\sin^{-2} x", "\\|x", "\\mathbf{}", "\\mathbf{x", "\\log_{x} y", "\\x00",
    "e^{" * 200 + "x" + "}" * 200,
]
for i, text in enumerate(HOSTILE_LATEX):
    add(f"latex-hostile-{i}", "derive", text, seconds=10.0)
    add(f"latex-hostile-shape-{i}", "derive", text, "--shape", "x:n", "--wrt", "x",
        seconds=10.0)

#: the operating system's limit on one argument (MAX_ARG_STRLEN)
MAX_ARGUMENT = 131_072
assert all(len(a.encode("utf-8", "surrogatepass")) < MAX_ARGUMENT and "\x00" not in a
           for c in CASES for a in c.args)
assert len({c.name for c in CASES}) == len(CASES)
