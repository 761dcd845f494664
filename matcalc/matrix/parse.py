"""Reading matrix expressions: the input language with declared shapes (CONTRACTS.md).

``--shape x:n`` declares an n x 1 column vector, ``--shape W:m,n`` an m x n matrix; other
names are scalars, and dimension names (n, m) may appear as scalars too (1/m). The
operators follow NumPy: ``@`` is the matrix product, ``.T`` the transpose, ``* / + -`` are
element-wise with broadcasting of scalars, columns (a bias b:m added to W @ X) and rows.
``X^k`` with an integer k is the matrix power when X is square (X^-1 its inverse) and the
element-wise power otherwise. Functions: element-wise exp, log, tanh, sigmoid, relu, ...;
tr/trace, det, logdet, inv, norm, norm1, sum (axis=0|1), mean, dot, softmax, log_softmax,
logsumexp, diag (of a vector: the diagonal matrix; of a square matrix: its diagonal as a
vector), max (of one matrix: its largest entry; of two of one shape: entry by entry).

Like the scalar parser this never calls eval/exec/sympify/parse_expr: it is the scalar
recursive-descent parser (``parse.grammar.Parser``) with shape-aware operators, built only
through the shape-checked constructors of ``algebra.py``.
"""
from __future__ import annotations

import re
from typing import Callable, NoReturn

import sympy as sp
from sympy import Determinant, Inverse, MatPow, MatrixSymbol, Trace, Transpose
from sympy.matrices.expressions import MatrixExpr

from ..errors import ParseError
from ..options import Limits
from ..parse.grammar import (CONSTANTS, FUNCTIONS, FunctionSpec, Parser, _check_blank,
                             _guarded, is_reserved, make_symbol, usable_name)
from ..parse.lexer import END, NAME, NEWLINE, NUMBER
from . import algebra as al
from .algebra import Shape, ShapeMismatch, fmt_shape, is_matrix, shape
from .nodes import (Diag, DiagOf, LogDet, LogSoftmax, LogSumExp, MaxEntries, MaxMask, Maximum,
                    Norm, Norm1, ScalarOf, Softmax, T)

MAX_DIMENSION = 10**6
_DIM = re.compile(r"\s*(?:([1-9][0-9]*)|([A-Za-z][A-Za-z0-9_]*))\s*")

#: Matrix functions: name -> (min args, max args, accepts axis=).
MATRIX_FUNCTIONS: dict[str, tuple[int, int, bool]] = {
    "tr": (1, 1, False), "trace": (1, 1, False), "det": (1, 1, False),
    "logdet": (1, 1, False), "inv": (1, 1, False), "norm": (1, 1, False),
    "sum": (1, 1, True), "mean": (1, 1, True), "dot": (2, 2, False),
    "softmax": (1, 1, True), "log_softmax": (1, 1, True), "diag": (1, 1, False),
    "norm1": (1, 1, False), "logsumexp": (1, 1, False), "maxmask": (1, 1, False),
    "eye": (1, 1, False), "ones": (1, 2, False), "zeros": (1, 2, False),
}


#: What each function of a matrix means, for the generated table of docs/input-language.md
#: (``python -m matcalc.docs``): name -> (arguments, meaning, differential rule).
MATRIX_FUNCTION_DOCS: dict[str, tuple[str, str, str]] = {
    "tr": ("X (square)", "trace (also `trace`)", "d_trace"),
    "det": ("X (square)", "determinant", "d_det"),
    "logdet": ("X (square)", "log det X (det X > 0)", "d_logdet"),
    "inv": ("X (square)", "inverse, the same as `X^-1`", "d_inverse"),
    "norm": ("x or X", "2-norm of a vector, Frobenius norm of a matrix", "d_norm"),
    "norm1": ("x or X", "sum of the absolute values of the entries, ||x||_1", "d_norm1"),
    "sum": ("X [, axis=0 or 1]", "sum of the entries (axis=0: a row of column sums, "
            "axis=1: a column of row sums)", "d_sum_entries"),
    "mean": ("X [, axis=0 or 1]", "mean of the entries (per column or row with axis)",
             "d_sum_entries"),
    "dot": ("x, y", "x^T y of two column vectors", "d_scalar_product"),
    "max": ("X, or X and Y", "max(X): the largest entry; max(X, Y) of one shape: entry by "
            "entry (max(X, 0) with a scalar: entry by entry, as relu)",
            "d_max_entries, d_maximum"),
    "logsumexp": ("x (column)", "log(sum(exp(x))), gradient softmax(x)", "d_logsumexp"),
    "softmax": ("X [, axis=0 or 1]", "exp(X) over its sum per column (axis=0, a vector's "
                "entries) or row", "d_softmax"),
    "log_softmax": ("X [, axis=0 or 1]", "log(softmax(X))", "d_log_softmax"),
    "diag": ("x, or X (square)", "diag(x) of a vector: the diagonal matrix; diag(X) of a "
             "square matrix: its diagonal as a column vector", "d_diag, d_diag_of"),
    "maxmask": ("X", "1/k at each of the k entries equal to max(X), 0 elsewhere (the "
                "gradient of max(X)); piecewise constant", "d_maxmask"),
    "eye": ("n", "the n x n identity", "-"),
    "ones": ("r [, c]", "r x c matrix of ones (c = 1 when left out)", "-"),
    "zeros": ("r [, c]", "r x c matrix of zeros", "-"),
}


def parse_dims(text: str, name: str = "") -> Shape:
    """``"n"`` -> (n, 1), ``"m,n"`` -> (m, n), ``"3"`` -> (3, 1); dimension names are
    plain symbols (so that ``m`` in an expression is the same symbol)."""
    parts = text.split(",")
    where = f" for '{name}'" if name else ""
    if len(parts) > 2:
        raise ParseError(f"a shape has one or two dimensions{where}, got {len(parts)}: '{text}'")
    dims: list[sp.Expr] = []
    for part in parts:
        m = _DIM.fullmatch(part)
        if not m:
            raise ParseError(f"bad dimension '{part.strip()}'{where}: a positive integer or "
                             "a name such as n")
        if m.group(1):
            value = int(m.group(1))
            if value > MAX_DIMENSION:
                raise ParseError(f"dimension {value}{where} is too large (the limit is "
                                 f"{MAX_DIMENSION})")
            dims.append(sp.Integer(value))
        else:
            dname = m.group(2)
            if is_reserved(dname) or not usable_name(dname):
                raise ParseError(f"'{dname}' cannot be a dimension name{where}")
            dims.append(make_symbol(dname))
    if len(dims) == 1:
        dims.append(sp.Integer(1))
    return (dims[0], dims[1])


def parse_shape_decl(text: str) -> tuple[str, Shape]:
    """``"W:m,n"`` -> ("W", (m, n)), as given to ``--shape``."""
    name, sep, dims = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise ParseError(f"bad --shape '{text}': write NAME:DIMS, e.g. x:n or W:m,n")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or is_reserved(name) \
            or not usable_name(name):
        raise ParseError(f"bad --shape '{text}': '{name}' cannot be a variable name")
    return name, parse_dims(dims, name)


def _dim(d: int | sp.Expr) -> sp.Expr:
    """A dimension given in Python: an int becomes an Integer, a SymPy object stays."""
    return sp.Integer(d) if isinstance(d, int) else d


def shape_table(decls: dict[str, Shape] | list[str] | tuple[str, ...] | None) -> dict[str, Shape]:
    """Shapes from ``--shape`` texts or a ready dict; checks no name is declared twice and
    no matrix is also a dimension."""
    if not decls:
        return {}
    if isinstance(decls, dict):
        table = {k: (_dim(v[0]), _dim(v[1]) if len(v) > 1 else sp.Integer(1))
                 for k, v in ((k, tuple(v)) for k, v in decls.items())}
    else:
        table = {}
        for text in decls:
            name, s = parse_shape_decl(text)
            if name in table:
                raise ParseError(f"'{name}' has two --shape declarations")
            table[name] = s
    dims = {str(d) for s in table.values() for d in s if isinstance(d, sp.Symbol)}
    clash = sorted(dims & set(table))
    if clash:
        raise ParseError(f"'{clash[0]}' is declared as a matrix and used as a dimension")
    return table


class MatrixParser(Parser):
    """The scalar parser with shape-aware operators (see the module docstring)."""

    def __init__(self, text: str, limits: Limits, shapes: dict[str, Shape],
                 values: dict[str, sp.Basic] | None = None, *, newlines: bool = False) -> None:
        super().__init__(text, limits, newlines=newlines)
        self.shapes = shapes
        self.values = values if values is not None else {}

    # ----------------------------------------------------------------- helpers
    def snippet(self, start: int) -> str:
        end = self.tokens[self.index - 1]
        return self.text[start:end.pos + len(end.text)].strip() or "?"

    def shape_fail(self, what: str, exc: ShapeMismatch, pos: int) -> NoReturn:
        self.fail(f"{what}: {exc}", pos)

    def variable(self, name: str) -> sp.Basic:
        if name in self.values:
            return self.values[name]
        if name in self.shapes:
            r, c = self.shapes[name]
            return MatrixSymbol(name, r, c)
        return make_symbol(name)

    # ----------------------------------------------------------------- grammar
    def expression(self) -> sp.Basic:
        """sum := product (('+'|'-') product)*, with broadcasting."""
        start = self.peek().pos
        negative, levels = self._signs()
        result = self.product()
        self.depth -= levels
        if negative:
            result = al.mmul(-1, result)
        while self.peek().is_op("+", "-"):
            op = self.advance()
            neg2, levels = self._signs()
            right_start = self.peek().pos
            right = self.product()
            self.depth -= levels
            if (op.text == "-") ^ neg2:
                right = al.mmul(-1, right)
            result = self.combine("+" if op.text == "+" else "-", result, right, start,
                                  right_start, op.pos)
        return result

    def product(self) -> sp.Basic:
        """product := power (('*' | '/' | '@' | juxtaposition) power)*, left to right."""
        start = self.peek().pos
        result = self.postfix_chain()
        while True:
            token = self.peek()
            if token.is_op("*", "/", "@"):
                self.advance()
                neg, levels = self._signs()
                right_start = self.peek().pos
                right = self.postfix_chain()
                self.depth -= levels
                if neg:
                    right = al.mmul(-1, right)
                op = token.text
            elif token.kind == NAME or token.is_op("("):
                right_start = token.pos
                right = self.postfix_chain()
                op = "*"
                if is_matrix(result) and is_matrix(right) and self.latex:
                    op = "@"                          # LaTeX: x^T A x is a matrix product
                elif is_matrix(result) and is_matrix(right):
                    self.fail("two matrices side by side: write '@' for the matrix product "
                              "or '*' for the element-wise product", token.pos)
            elif token.kind == NUMBER:
                self.fail(f"missing operator before number '{token.text}' "
                          "(write '*' to multiply)", token.pos)
            else:
                return result
            result = self.combine(op, result, right, start, right_start, token.pos)

    def combine(self, op: str, a: sp.Basic, b: sp.Basic, start: int, right_start: int,
                pos: int) -> sp.Basic:
        """``a op b`` with shape checks; errors name the operands' text and both shapes."""
        left_text = self.text[start:right_start].rstrip().rstrip("+-*/@").rstrip()
        right_text = self.snippet(right_start)
        try:
            if op == "@":
                return matmul(a, b)
            if op in "+-":
                if not is_matrix(a) and not is_matrix(b):
                    return self.build(sp.Add, [a, b], pos)
                return add(a, b)
            if op == "*":
                if not is_matrix(a) and not is_matrix(b):
                    return self.build(sp.Mul, [a, b], pos)
                return multiply(a, b)
            if not is_matrix(b):
                if b == 0:
                    self.fail("division by zero", pos)
                inverse = self.power(b, sp.S.NegativeOne, pos)
                return self.build(sp.Mul, [a, inverse], pos) if not is_matrix(a) \
                    else al.mmul(inverse, a)
            return multiply(a, al.elementwise(1 / T, b))
        except ShapeMismatch as exc:
            sym = {"+": "+", "-": "-", "*": "*", "/": "/", "@": "@"}[op]
            self.shape_fail(f"{left_text} {sym} {right_text}", exc, pos)

    def postfix_chain(self) -> sp.Basic:
        """power_chain, then any number of '.T' (transpose binds tightest: x.T @ A)."""
        return self.power_chain()

    def atom(self) -> sp.Basic:
        token = self.peek()
        result = self._atom()
        while self.peek().is_op(".") and self.tokens[self.index + 1].kind == NAME \
                and self.tokens[self.index + 1].text == "T":
            self.advance()
            self.advance()
            result = transpose(result)
        return result

    def _atom(self) -> sp.Basic:
        token = self.peek()
        if token.kind == NAME and token.text in MATRIX_FUNCTIONS \
                and self.tokens[self.index + 1].is_op("("):
            return self.matrix_call()
        if token.kind == NAME and token.text in self.shapes | self.values \
                and not self.tokens[self.index + 1].is_op("("):
            self.advance()
            return self.variable(token.text)
        if token.kind == NAME and token.text in (self.shapes | self.values) \
                and self.tokens[self.index + 1].is_op("("):
            self.fail(f"'{token.text}' is a matrix: write '@' or '*' before '('", token.pos)
        return super().atom()

    def matrix_call(self) -> sp.Basic:
        name = self.advance()
        opener = self.advance()
        self.enter(opener.pos)
        low, high, takes_axis = MATRIX_FUNCTIONS[name.text]
        args: list[sp.Basic] = []
        axis: int | None = None
        while True:
            token = self.peek()
            if token.kind == NAME and token.text == "axis" \
                    and self.tokens[self.index + 1].is_op("="):
                if not takes_axis:
                    self.fail(f"{name.text}() takes no axis", token.pos)
                self.advance()
                self.advance()
                num = self.peek()
                if num.kind != NUMBER or num.text not in ("0", "1"):
                    self.fail("axis must be 0 or 1", num.pos)
                self.advance()
                axis = int(num.text)
            else:
                args.append(self.expression())
            if not self.peek().is_op(","):
                break
            self.advance()
        self.close(opener, ")")
        if not low <= len(args) <= high:
            wanted = f"exactly {low}" if low == high else f"{low} to {high}"
            self.fail(f"{name.text}() takes {wanted} argument{'s' if high > 1 else ''}, "
                      f"got {len(args)}", name.pos)
        try:
            return call_matrix_function(name.text, args, axis)
        except ShapeMismatch as exc:
            self.shape_fail(f"{name.text}(...)", exc, name.pos)

    def call(self, name, spec: FunctionSpec, args: list[sp.Basic]) -> sp.Basic:
        """A scalar function: on scalars as before, on a matrix entry by entry."""
        mats = [a for a in args if is_matrix(a)]
        if not mats:
            return super().call(name, spec, [al.as_scalar(a) for a in args])
        if name.text == "max" and (len(args) == 1 or len(mats) == 2):
            return self.matrix_max(name, args)
        if len(mats) > 1:
            self.fail(f"{name.text}() of several matrices is not supported", name.pos)
        m = mats[0]
        if any(not is_matrix(a) and a.free_symbols for a in args):
            self.fail(f"{name.text}() of a matrix takes only constant scalar arguments",
                      name.pos)
        body = super().call(name, spec, [T if a is m else a for a in args])
        return al.elementwise(body, m)

    def matrix_max(self, name, args: list[sp.Basic]) -> sp.Basic:
        """max(X): the largest entry; max(X, Y) of two matrices of one shape: entry by
        entry (max(X, 0) with a scalar stays the element-wise scalar max, as relu)."""
        if len(args) == 1:
            return MaxEntries(args[0])
        if len(args) > 2:
            self.fail("max() of matrices takes one matrix or two", name.pos)
        a, b = args
        if a.shape != b.shape:
            self.fail(f"max() of two matrices needs one shape, got {fmt_shape(shape(a))} and "
                      f"{fmt_shape(shape(b))}", name.pos)
        return Maximum(a, b)

    def power(self, base: sp.Basic, exponent: sp.Basic, pos: int) -> sp.Basic:
        if is_matrix(exponent):
            self.fail("a matrix exponent is not supported", pos)
        if not is_matrix(base):
            return super().power(base, exponent, pos)
        if exponent.free_symbols:
            self.fail("the power of a matrix needs a constant exponent", pos)
        if not exponent.is_Integer and not exponent.is_Rational:
            self.fail("the power of a matrix needs a rational exponent", pos)
        r, c = base.shape
        if r == c and r != 1 and exponent.is_Integer:
            k = int(exponent)
            if abs(k) > self.limits.max_exponent:
                self.fail(f"exponent too large (the limit is {self.limits.max_exponent})", pos)
            if k == 0:
                return sp.Identity(r)
            if k == -1:
                return Inverse(base)
            if k == 1:
                return base
            return MatPow(base, k) if k > 0 else Inverse(MatPow(base, -k))
        return al.elementwise(T ** exponent, base)


# ----------------------------------------------------------------------- operations
def matmul(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a @ b: inner dimensions must agree; a 1 x 1 result is a scalar."""
    a, b = al.as_matrix(a), al.as_matrix(b)
    if not is_matrix(a) or not is_matrix(b):
        raise ShapeMismatch(f"'@' needs two matrices, got {fmt_shape(shape(a))} @ "
                            f"{fmt_shape(shape(b))}" + (_undeclared_hint([a, b])
                                                       or " (use * with a scalar)"))
    if a.shape[1] != b.shape[0]:
        raise ShapeMismatch(f"inner dimensions differ, {fmt_shape(shape(a))} @ "
                            f"{fmt_shape(shape(b))}")
    out = al.mmul(a, b)
    return al.as_scalar(out) if al.is_one_by_one(out) and not _declared_1x1(a, b) else out


def _declared_1x1(a: MatrixExpr, b: MatrixExpr) -> bool:
    return False


def add(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a + b with NumPy broadcasting (scalars, columns across columns, rows across rows)."""
    target = al.broadcast_shape(shape(a), shape(b))
    return al.madd(al.broadcast(a, target), al.broadcast(b, target))


def multiply(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """a * b: scalar times matrix, or the element-wise (Hadamard) product."""
    if not is_matrix(a) or not is_matrix(b):
        return al.mmul(a, b)
    if al.is_one_by_one(a) and not al.is_one_by_one(b):
        return al.mmul(ScalarOf(a), b) if not isinstance(a, MatrixSymbol) else \
            al.hadamard(al.broadcast(a, b.shape), b)
    target = al.broadcast_shape(shape(a), shape(b))
    return al.hadamard(al.broadcast(a, target), al.broadcast(b, target))


def transpose(a: sp.Basic) -> sp.Basic:
    if not is_matrix(a):
        if a.free_symbols:
            raise ShapeMismatch("'.T' of a scalar" + _undeclared_hint([a]))
        return a
    if isinstance(a, MatrixSymbol) and a.shape == (1, 1):
        return a
    return Transpose(a)


def _undeclared_hint(args: list[sp.Basic]) -> str:
    names = sorted({s.name for a in args if not is_matrix(a) for s in a.free_symbols})
    if not names:
        return ""
    return (f" ('{names[0]}' has no --shape, so it is a scalar: declare it, e.g. "
            f"--shape {names[0]}:n)")


def _square(x: MatrixExpr, what: str) -> None:
    if not is_matrix(x) or x.shape[0] != x.shape[1]:
        raise ShapeMismatch(f"{what} needs a square matrix, got {fmt_shape(shape(x))}")


def call_matrix_function(name: str, args: list[sp.Basic], axis: int | None) -> sp.Basic:
    """tr, det, logdet, inv, norm, norm1, sum, mean, dot, softmax, log_softmax, logsumexp,
    diag, maxmask."""
    if name in ("eye", "ones", "zeros"):
        dims = []
        for a in args:
            if is_matrix(a) or not (a.is_Integer and a > 0 or isinstance(a, sp.Symbol)):
                raise ShapeMismatch(f"{name}() takes dimensions (positive integers or names)")
            dims.append(a)
        if name == "eye":
            return sp.Identity(dims[0])
        r, c = dims[0], dims[1] if len(dims) > 1 else sp.Integer(1)
        return al.ones(r, c) if name == "ones" else sp.ZeroMatrix(r, c)
    x = al.as_matrix(args[0])
    if not all(is_matrix(al.as_matrix(a)) for a in args) and name != "norm":
        raise ShapeMismatch(f"{name}() needs a vector or matrix, but its argument is a "
                            f"scalar{_undeclared_hint(args)}")
    if name in ("tr", "trace"):
        _square(x, name)
        return Trace(x)
    if name in ("det", "logdet", "inv"):
        _square(x, name)
        return {"det": Determinant, "logdet": LogDet, "inv": Inverse}[name](x)
    if name == "norm":
        return Norm(x) if is_matrix(x) else sp.Abs(x)
    if name in ("sum", "mean"):
        r, c = x.shape
        if axis is None:
            total = al.as_scalar(al.mmul(al.ones(1, r), x, al.ones(c, 1)))
            return total if name == "sum" else total / (r * c)
        if axis == 0:
            out = al.mmul(al.ones(1, r), x)
            count = r
        else:
            out = al.mmul(x, al.ones(c, 1))
            count = c
        out = al.as_scalar(out) if al.is_one_by_one(out) else out
        return out if name == "sum" else al.mmul(1 / count, out) if is_matrix(out) else out / count
    if name == "dot":
        a, b = al.as_matrix(args[0]), al.as_matrix(args[1])
        if not is_matrix(a) or not is_matrix(b) or a.shape[1] != 1 or b.shape[1] != 1:
            raise ShapeMismatch(f"dot needs two column vectors, got {fmt_shape(shape(a))} and "
                                f"{fmt_shape(shape(b))}")
        if a.shape[0] != b.shape[0]:
            raise ShapeMismatch(f"vectors of different lengths, {fmt_shape(shape(a))} and "
                                f"{fmt_shape(shape(b))}")
        return al.as_scalar(al.mmul(al.mT(a), b))
    if name in ("softmax", "log_softmax"):
        if not is_matrix(x):
            raise ShapeMismatch(f"{name} needs a vector or matrix, got a scalar")
        return (Softmax if name == "softmax" else LogSoftmax)(x, axis or 0)
    if name == "diag":
        if is_matrix(x) and x.shape[1] != 1 and x.shape[0] == x.shape[1]:
            return DiagOf(x)
        if not is_matrix(x) or x.shape[1] != 1:
            raise ShapeMismatch(f"diag needs a column vector or a square matrix, got "
                                f"{fmt_shape(shape(x))}")
        return Diag(x)
    if name == "norm1":
        return Norm1(x)
    if name == "maxmask":
        return MaxMask(x)
    if name == "logsumexp":
        if x.shape[1] != 1:
            raise ShapeMismatch(f"logsumexp needs a column vector, got {fmt_shape(shape(x))}")
        return LogSumExp(x)
    raise AssertionError(name)


# ----------------------------------------------------------------------- entry points
def parse_matrix_expression(text: str, shapes: dict[str, Shape],
                            limits: Limits = Limits()) -> sp.Basic:
    """Parse one expression over declared matrices (and scalars)."""
    parser = MatrixParser(text, limits, shapes)
    _check_blank(text)

    def run() -> sp.Basic:
        result = parser.expression()
        parser.expect_end()
        return result

    return _guarded(run, text)
