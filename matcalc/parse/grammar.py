"""A hand-written recursive-descent parser: tokens -> SymPy objects, built directly.

Grammar (lowest precedence first)::

    list       := '[' expression (',' expression)* ']'        (top level only, parse_list)
    matrix     := '[' list (',' list)* ']' | list             (top level only, parse_matrix)
    expression := product (('+' | '-') product)*
    product    := factor (('*' | '/') factor | <juxtaposition> power)*
    factor     := ('+' | '-')* power                          (-x^2 is -(x^2))
    power      := atom (('^' | '**') ('+' | '-')* atom)*       (right-assoc: x^2^3 = x^(2^3))
    atom       := number | name | function '(' arguments ')' | '(' expression ')'

A sign leading a product is applied to the whole product, -x*y = -(x*y): the same value
as (-x)*y, built the way SymPy builds -(x*y).

Implicit multiplication (juxtaposition: ``3x^2(2y+7)``, ``2x y``, ``2 sin(x)``,
``(x+1)(x-1)``) has the same precedence as ``*`` and ``/`` and groups left to right,
so ``1/2x`` is ``(1/2)*x`` and ``x/2y`` is ``(x/2)*y``. A number may not follow
another operand without an operator (``x 2`` and ``(x+1)2`` are errors).

Function-call rule: a name followed by ``(`` (spaces allowed in between) is a call when
the name is in FUNCTIONS. Otherwise it is a product only when the name is a single
letter, optionally followed by digits (``x(y+1)``, ``a(b+c)``, ``w1(x+1)``), or a
constant (``e(x+1)``, ``pi(x+1)``); any other name followed by ``(`` is the error
"unknown function", so typos such as ``sinn(x)`` are caught. ``sigma`` is sigmoid when
called (``sigma(z)``) and an ordinary symbol otherwise.

Nothing here evaluates text: numbers come from the lexer as exact Integer/Rational,
symbols from ``make_symbol``. Sizes are checked before SymPy builds a number, so hostile
inputs (``10**10**10``, deep nesting) fail fast with ParseError or LimitError.
"""
from __future__ import annotations

import dataclasses
import keyword

import difflib
import math
import re
import time
from typing import Callable, NoReturn

import sympy as sp
from sympy import S

from ..engine.dag import free_symbols
from ..errors import LimitError, ParseError
from ..functions import ABSTRACT_NAME, ConstantMemo, abstract, as_typed, is_constant
from ..ops import BARE_SYMBOLS, BY_NAME, Op, apply, log_any_base, step_at
from ..limits import within
from ..options import Limits
from .latex import is_latex, latex_tokens
from .lexer import END, ERROR, NAME, NEWLINE, NUMBER, Token, describe, tokenize

#: A numeric base of a fractional power (a root) may have at most this many bits:
#: SymPy factors the base to simplify the root, which is slow for big numbers.
MAX_ROOT_BITS = 256

#: max() and min() compare their arguments symbolically, which is slow for big ones
#: (seconds for a sum of 1000 terms, or for 40 arguments): they take at most 10
#: arguments, with at most this many nodes in all.
MAX_MINMAX_NODES = 200

#: Seconds SymPy may spend building one parsed input; some SymPy evaluations are
#: superlinear (nested powers of long sums), so a deadline backs up the size checks.
PARSE_TIME_BUDGET = 2.0


def make_symbol(name: str) -> sp.Symbol:
    """The one place symbols are made, so that equal names compare equal.

    Symbols carry no assumptions (not even real=True): SymPy's assumption queries walk a
    shared sub-expression once per path, which is exponential on deep DAGs. Domains are
    handled by the verifier's sampling instead.
    """
    return sp.Symbol(name)


#: A callable name's row: how to build it (``build``) and how many arguments it takes
#: (``min_args``, ``max_args``; None: no maximum). The rows live in the operator table.
FunctionSpec = Op

_log = log_any_base
_step = step_at

#: Function names users may call, and what they build: the operator table's name index
#: (the same dict, so a function added there is callable here at once).
FUNCTIONS: dict[str, FunctionSpec] = BY_NAME

#: Names that are functions when called and plain symbols otherwise (``sigma``).
SYMBOL_WHEN_BARE = BARE_SYMBOLS

#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"e": S.Exp1, "pi": S.Pi}

#: Names that may stand before '(' as a product: one letter, optionally followed by digits.
_SHORT_NAME = re.compile(r"[A-Za-z][0-9]*")

_UNDEFINED = (S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity)

_MATRIX_HINT = "needs declared matrices (--shape); matrix expressions are not supported yet"


def usable_name(name: str) -> bool:
    """Whether a variable name can also be used in the emitted NumPy code (not a Python
    keyword, not ``np``, not starting with ``_``, which the emitter's temporaries use)."""
    return not (keyword.iskeyword(name) or name == "np" or name.startswith("_"))


def is_reserved(name: str) -> bool:
    """True for names that cannot be variables: function names (except sigma) and constants."""
    return (name in FUNCTIONS and name not in SYMBOL_WHEN_BARE) or name in CONSTANTS


class Parser:
    """Parses one text. Use the module functions (parse_expression, ...) rather than this."""

    def __init__(self, text: str, limits: Limits, *, newlines: bool = False) -> None:
        if len(text) > limits.max_input_length:
            raise LimitError(f"input is {len(text)} characters long "
                             f"(the limit is {limits.max_input_length})")
        self.text = text
        self.limits = limits
        self.statements = newlines  # parsing assignment statements, not one expression
        self.latex = is_latex(text) if limits.syntax == "auto" else limits.syntax == "latex"
        if self.latex:                       # a backslash or --from latex: parse/latex.py
            self.tokens = latex_tokens(text, set(FUNCTIONS))
        else:
            self.tokens = tokenize(text, limits, newlines=newlines)
            if limits.syntax == "plain" and is_latex(text):
                self.tokens = [t if t.kind != ERROR or text[t.pos:t.pos + 1] != "\\"
                               else dataclasses.replace(
                                   t, message=t.message + " (--from plain reads no LaTeX: "
                                   "use --from latex or auto)") for t in self.tokens]
        self.index = 0
        self.depth = 0
        self.deadline = time.monotonic() + PARSE_TIME_BUDGET
        self.constants: ConstantMemo = {}    # is_constant answers of the nodes built
        self.bars = 0                        # open '|' of absolute values
        self.shorthand_argument = False      # inside the argument of "sin x"

    # ----------------------------------------------------------------- token helpers
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind == ERROR:
            self.fail(token.message, token.pos)
        if token.kind != END:
            self.index += 1
        return token

    def fail(self, message: str, pos: int | None) -> NoReturn:
        raise ParseError(message, self.text, pos)

    def unexpected(self, token: Token, expected: str) -> NoReturn:
        """Raise the right error for ``token`` where ``expected`` was wanted."""
        if token.kind == ERROR:
            self.fail(token.message, token.pos)
        if token.is_op(")"):
            self.fail("unexpected ')' (no matching '(')", token.pos)
        if token.is_op("]"):
            self.fail("unexpected ']' (no matching '[')", token.pos)
        if token.is_op("@"):
            self.fail(f"'@' {_MATRIX_HINT}", token.pos)
        if token.is_op("["):
            self.fail("brackets are only allowed around a whole list: [f1, f2, ...]", token.pos)
        if token.is_op("=") and self.statements:
            self.fail("unexpected '=' (separate assignments with ';' or a new line)", token.pos)
        if token.is_op("="):
            self.fail("'=' is not allowed in an expression (assignments belong in --where)",
                      token.pos)
        if token.is_op(";"):
            self.fail("unexpected ';' (';' separates --where assignments, not expressions)",
                      token.pos)
        self.fail(f"expected {expected}, found {describe(token)}", token.pos)

    def enter(self, pos: int) -> None:
        """One level deeper (parenthesis, call, bracket, sign, power); fail past max_depth."""
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.fail(f"expression nested too deeply (more than {self.limits.max_depth} "
                      "levels of parentheses, signs or powers)", pos)

    def comma_separated(self) -> list[sp.Expr]:
        """expression (',' expression)*"""
        out = [self.expression()]
        while self.peek().is_op(","):
            self.advance()
            out.append(self.expression())
        return out

    def bracket_list(self, opener: Token) -> list[sp.Expr]:
        """'[' expression (',' expression)* ']', the '[' being ``opener`` (not yet consumed)."""
        self.advance()
        self.enter(opener.pos)
        if self.peek().is_op("]"):
            self.fail("empty list '[]'", self.peek().pos)
        out = self.comma_separated()
        self.close(opener, "]")
        return out

    def close(self, opener: Token, closer: str) -> None:
        """Consume ``closer`` matching ``opener``, or say which bracket is left open."""
        token = self.peek()
        if token.is_op(closer):
            self.advance()
            self.depth -= 1
            return
        if token.kind in (END, NEWLINE):
            self.fail(f"missing '{closer}' to close '{opener.text}' opened at column "
                      f"{opener.pos + 1}", token.pos)
        if token.kind == ERROR:
            self.fail(token.message, token.pos)
        self.unexpected(token, f"',' or '{closer}' to close '{opener.text}' opened at "
                               f"column {opener.pos + 1}")

    def expect_end(self, *separators: str) -> None:
        """The statement must end here (at END, a NEWLINE or one of ``separators``)."""
        token = self.peek()
        if token.kind in (END, NEWLINE) or token.is_op(*separators):
            return
        if token.is_op(","):
            self.fail("unexpected ',' (write a list of expressions as [f1, f2, ...])", token.pos)
        self.unexpected(token, "an operator or the end of the expression")

    # ----------------------------------------------------------------- grammar
    def expression(self) -> sp.Expr:
        """expression := product (('+'|'-') product)* ; product := factor (op factor)*."""
        terms: list[sp.Expr] = []
        negative = False                         # after a binary '-'
        while True:
            # A leading sign negates the whole product: -x*y is (-x)*y by precedence, and
            # -(x*y) is the same value, built as SymPy builds -(x*y): Mul(-1, x, y).
            lead, levels = self._signs()
            negative ^= lead
            factors = [self.power_chain()]
            self.depth -= levels
            sizes = _ProductSize(self)
            sizes.add(factors[0], self.peek().pos)
            while True:
                token = self.peek()
                if token.is_op("*", "/"):
                    self.advance()
                    neg, levels = self._signs()      # x * -y (inline: one frame per level)
                    operand = self.power_chain()
                    self.depth -= levels
                    operand = -operand if neg else operand
                    if token.text == "/":
                        operand = self.power(operand, S.NegativeOne, token.pos)
                elif token.kind == NAME or token.is_op("(") \
                        or (token.is_op("|") and not self.bars):
                    if self.shorthand_argument and token.kind == NAME \
                            and self._is_function_name(token):
                        break                        # sin x cos x: the argument ends here
                    operand = self.power_chain()     # juxtaposition: implicit '*'
                elif token.kind == NUMBER:
                    self.fail(f"missing operator before number '{token.text}' "
                              "(write '*' to multiply)", token.pos)
                elif token.is_op("."):
                    self.fail(self._dot_message(), token.pos)
                elif token.is_op("@"):
                    self.fail(f"'@' {_MATRIX_HINT}", token.pos)
                else:
                    break
                sizes.add(operand, token.pos)
                factors.append(operand)
            term = self.build(sp.Mul, factors, self.peek().pos) if len(factors) > 1 else factors[0]
            terms.append(-term if negative else term)   # Python's negation, as SymPy users write
            token = self.peek()
            if not token.is_op("+", "-"):
                break
            self.advance()
            negative = token.text == "-"
        return self.build(sp.Add, terms, self.peek().pos) if len(terms) > 1 else terms[0]

    def power_chain(self) -> sp.Expr:
        """power := atom (('^'|'**') sign* atom)*, folded from the right (x^2^3 = x^(2^3))."""
        levels = 0
        chain: list[tuple[bool, sp.Expr, int]] = [(False, self.atom(), -1)]
        while self.peek().is_op("^", "**"):
            op = self.advance()
            self.enter(op.pos)
            neg, count = self._signs()
            levels += 1 + count
            if self.peek().kind in (END, NEWLINE):
                self.fail(f"expected an exponent after '{op.text}', found end of input",
                          self.peek().pos)
            chain.append((neg, self.atom(), op.pos))
        self.depth -= levels
        neg, result, _ = chain[-1]
        result = -result if neg else result
        for k in range(len(chain) - 2, -1, -1):
            neg, base, _ = chain[k]
            result = self.power(base, result, chain[k + 1][2])
            result = -result if neg else result
        return result

    def _signs(self) -> tuple[bool, int]:
        """Consume a run of unary '+'/'-'; return (is negative, how many), depth raised."""
        negative, count = False, 0
        while self.peek().is_op("+", "-"):
            token = self.advance()
            self.enter(token.pos)
            count += 1
            negative ^= token.text == "-"
        return negative, count

    def atom(self) -> sp.Expr:
        """atom := number | name | function '(' args ')' | '(' expression ')'."""
        token = self.peek()
        if token.kind == NUMBER:
            self.advance()
            return token.value  # type: ignore[return-value]
        spec: FunctionSpec | None = None
        if token.kind == NAME:
            spec = self._callee(token)
            if spec is None:
                if token.text not in CONSTANTS and not usable_name(token.text):
                    self.fail(f"'{token.text}' cannot be a variable name (Python keywords, 'np' "
                              "and names starting with '_' are reserved for the NumPy output)",
                              token.pos)
                self.advance()
                return CONSTANTS.get(token.text) or make_symbol(token.text)
            self.advance()
            if not self.peek().is_op("("):
                return self.shorthand_call(token, spec)
        elif token.is_op("|"):
            return self.absolute_value(token)
        elif not token.is_op("("):
            if token.kind in (END, NEWLINE):
                self.fail("expected an expression, found end of input", token.pos)
            self.unexpected(token, "an expression")
        opener = self.advance()
        self.enter(opener.pos)
        args: list[sp.Expr] = []
        if not self.peek().is_op(")"):
            args.append(self.expression())
            while self.peek().is_op(","):
                comma = self.advance()
                if spec is None:
                    self.fail("unexpected ',' in parentheses (only function calls take "
                              "several arguments)", comma.pos)
                args.append(self.expression())
        self.close(opener, ")")
        if spec is None:
            if not args:
                self.fail("empty parentheses '()'", opener.pos)
            return args[0]
        return self.call(token, spec, args)

    def _is_function_name(self, token: Token) -> bool:
        return token.text in FUNCTIONS and (token.text not in SYMBOL_WHEN_BARE
                                             or self.tokens[self.index + 1].is_op("("))

    def shorthand_call(self, name: Token, spec: FunctionSpec) -> sp.Expr:
        """``sin x``, ``ln 2x``, ``sin x^2``: a one-argument function written without
        parentheses. The argument is the implicit product that follows (numbers, names,
        powers, parentheses, ``|...|``), up to the next operator (``+ - * /``, ``,``, a
        closing bracket) or the next function name: ``sin x cos x`` is sin(x) cos(x),
        ``2x sin x`` is 2x sin(x), ``ln x + 1`` is ln(x) + 1, ``sin 2x`` is sin(2x)."""
        self.enter(name.pos)
        outer = self.shorthand_argument
        self.shorthand_argument = True
        factors = [self.power_chain()]
        while True:
            token = self.peek()
            if token.kind == NAME and not self._is_function_name(token) or token.is_op("(") \
                    or (token.is_op("|") and not self.bars):
                factors.append(self.power_chain())
            else:
                break
        self.shorthand_argument = outer
        self.depth -= 1
        arg = self.build(sp.Mul, factors, name.pos) if len(factors) > 1 else factors[0]
        return self.call(name, spec, [arg])

    def absolute_value(self, opener: Token) -> sp.Expr:
        """``|expr|``: abs(expr). Inside bars the next '|' where an operator may stand
        closes them; where an operand must stand it opens a nested pair (``||x| - 1|``)."""
        self.advance()
        self.enter(opener.pos)
        self.bars += 1
        outer = self.shorthand_argument
        self.shorthand_argument = False
        inner = self.expression()
        self.shorthand_argument = outer
        self.bars -= 1
        token = self.peek()
        if not token.is_op("|"):
            if token.kind in (END, NEWLINE):
                self.fail(f"missing '|' to close '|' opened at column {opener.pos + 1}",
                          token.pos)
            self.unexpected(token, f"'|' to close '|' opened at column {opener.pos + 1}")
        self.advance()
        self.depth -= 1
        return self.call(opener, FUNCTIONS["abs"], [inner])

    def _callee(self, token: Token) -> FunctionSpec | None:
        """The function that ``token`` (a name) calls, or None when it is a value."""
        name = token.text
        following = self.tokens[self.index + 1]
        called = following.is_op("(")
        if name in FUNCTIONS:
            if called:
                return FUNCTIONS[name]
            if name in SYMBOL_WHEN_BARE:
                return None
            spec = FUNCTIONS[name]
            if spec.min_args == 1 and _starts_operand(following):
                return spec                         # sin x: shorthand application
            if following.is_op("^", "**"):
                self.fail(f"function '{name}' needs parentheses: write {name}(x)^2, "
                          f"not {name}^2(x)", token.pos)
            self.fail(f"function '{name}' needs parentheses: {name}(...)", token.pos)
        if called and ABSTRACT_NAME.fullmatch(name) and name not in CONSTANTS:
            return _ABSTRACT                        # f(x): an unknown function
        if "'" in name:
            self.fail(f"'{name}': only f, g, h (and F, G, H, with digits) are unknown "
                      "functions that take primes", token.pos)
        glued = None if called else _glued_function(name)
        if glued is not None:
            f, rest = glued
            self.fail(f"'{name}' reads as one name: write {f}({rest}) for the function "
                      f"{f} of {rest} (or {f} {rest})", token.pos)
        if called and name not in CONSTANTS and not _SHORT_NAME.fullmatch(name):
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"for a product write {name}*(...)"
            self.fail(f"unknown function '{name}' ({hint})", token.pos)
        return None

    def _dot_message(self) -> str:
        following = self.tokens[self.index + 1]
        if self.index and self.tokens[self.index - 1].kind == NUMBER:
            return "unexpected '.' (a decimal number has one '.' with digits on both sides)"
        if following.kind == NAME and following.text == "T":
            return f"'.T' (transpose) {_MATRIX_HINT}"
        return "unexpected '.' (attribute access is not allowed)"

    # ----------------------------------------------------------------- building
    def build(self, func: Callable[..., sp.Expr], args: list[sp.Expr], pos: int) -> sp.Expr:
        """``func(*args)``, turning SymPy failures and undefined values into ParseError."""
        try:
            result = func(*args)
        except RecursionError:
            raise
        except (ArithmeticError, ValueError, TypeError, AttributeError) as exc:
            self.fail(f"cannot evaluate this expression ({type(exc).__name__})", pos)
        if any(result is u for u in _UNDEFINED):
            self.fail("undefined value (division by zero or a pole of a function)", pos)
        if time.monotonic() > self.deadline:
            raise LimitError(f"expression too costly to build (over {PARSE_TIME_BUDGET:g} s)")
        return result

    def call(self, name: Token, spec: FunctionSpec, args: list[sp.Expr]) -> sp.Expr:
        """Check the argument count and domain of a call, then build it."""
        n = len(args)
        if spec is _ABSTRACT:
            if not args:
                self.fail(f"{name.text}() needs an argument", name.pos)
            return self.build(lambda *a: abstract(name.text)(*a), args, name.pos)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            if spec.max_args is None:
                wanted = f"at least {spec.min_args}"
            elif spec.min_args == spec.max_args:
                wanted = f"exactly {spec.min_args}"
            elif spec.max_args == spec.min_args + 1:
                wanted = f"{spec.min_args} or {spec.max_args}"
            else:
                wanted = f"{spec.min_args} to {spec.max_args}"
            plural = "" if wanted.endswith(" 1") else "s"
            self.fail(f"{name.text}() takes {wanted} argument{plural}, got {n}", name.pos)
        if spec.build in (sp.log, _log) and _is_nonpositive_number(args[0]):
            self.fail("the logarithm of a number that is not positive is not real", name.pos)
        if n == 2 and spec.build is _log and (_is_nonpositive_number(args[1]) or args[1] == 1):
            self.fail("the base of a logarithm must be positive and not 1", name.pos)
        if spec.build in (sp.Max, sp.Min) and _has_more_nodes(args, MAX_MINMAX_NODES):
            self.fail(f"{name.text}() arguments are too large (more than {MAX_MINMAX_NODES} "
                      "symbols, numbers and operations in all)", name.pos)
        if spec.build is sp.sqrt:
            return self.power(args[0], S.Half, name.pos)
        result = self.build(lambda *a: apply(spec, a, self.constants), args, name.pos)
        result = self.settle(result, name.pos)
        # asin(2), cos(asin(e)) = sqrt(1 - e^2): only constants are asked (variables are
        # real by convention; SymPy's realness test of tanh(x^1000) expands (a + bi)^1000),
        # and a constant SymPy cannot decide in half a second counts as real
        if is_constant(result, self.constants) and within(0.5, lambda: result.is_extended_real,
                                                None) is False:
            self.fail(f"{name.text}(...) here is not a real number", name.pos)
        return result

    def settle(self, result: sp.Expr, pos: int) -> sp.Expr:
        """Rebuild a call's or power's result once and check it is defined and real.

        SymPy's evaluation is not always idempotent (abs(-abs(x)) gives Abs(Abs(x)),
        sqrt(10)/100 to the power -1/2 gives 10^(1/4)*sqrt(10)); one more evaluation
        settles it, so that printed output parses back to the same tree."""
        if not result.is_Atom and result.args:
            result = self.build(lambda *a: rebuild_node(result, a, self.constants),
                                list(result.args), pos)
        # The operands were checked already, so new trouble sits near the top (zoo^x,
        # I*sqrt(abs(x)), log(1 + abs(x)) + I*pi); _finish checks the whole tree at the end.
        near_top = _near_top(result)
        if any(node is u for node in near_top for u in _UNDEFINED):
            self.fail("undefined value (division by zero or a pole of a function)", pos)
        if any(node is S.ImaginaryUnit or _is_complex_root(node) for node in near_top):
            self.fail("not a real number", pos)     # sqrt(-abs(x)) is I*sqrt(abs(x))
        return result

    def power(self, base: sp.Expr, exponent: sp.Expr, pos: int) -> sp.Expr:
        """``base ** exponent``, refusing (before building) results that would be huge."""
        # numbers only are asked their sign: SymPy's sign test of tanh(x^1000) expands
        # (a + bi)^1000 (minutes), and variables are real by convention
        number = base.is_number and exponent.is_number
        if number and base.is_negative and exponent.is_integer is False:
            self.fail("a negative number to a non-integer power is not real", pos)
        if exponent.is_Rational:
            if number and base.is_zero and exponent.is_negative:
                self.fail("division by zero", pos)
            limit = self.limits.max_number_bits
            bits = _value_bits(base)
            if bits and not exponent.is_zero \
                    and _log2_abs(exponent) + math.log2(bits) > math.log2(limit):
                self.fail(f"number too large (more than {limit} bits)", pos)
            if not exponent.is_Integer:
                if _root_bits(base, every_factor=True) > MAX_ROOT_BITS:
                    self.fail(f"root of a number with more than {MAX_ROOT_BITS} bits", pos)
            with sp.evaluate(True):          # a number, also under parse_structure
                k = abs(exponent)
                if base.is_Pow and base.exp.is_Rational and not base.base.is_Number:
                    k = k * abs(base.exp)
            if not base.is_Number and base is not S.Exp1 and k > self.limits.max_exponent:
                self.fail(f"exponent too large (the limit is {self.limits.max_exponent})", pos)
        return self.settle(self.build(sp.Pow, [base, exponent], pos), pos)


class _ProductSize:
    """Running size estimates of a product's factors, checked before SymPy multiplies them."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser
        self.value_bits = 0.0
        self.root_bits = 0.0
        self.count = 0

    def add(self, factor: sp.Expr, pos: int) -> None:
        self.value_bits += _value_bits(factor)
        self.root_bits += _root_bits(factor)
        self.count += 1
        limit = self.parser.limits.max_number_bits
        if self.value_bits > limit:
            self.parser.fail(f"number too large (more than {limit} bits)", pos)
        if self.count > 1 and self.root_bits > MAX_ROOT_BITS:
            self.parser.fail(f"product of roots of numbers with more than {MAX_ROOT_BITS} "
                             "bits", pos)


#: The callee of an unknown function f(x) (parsed like a call; built by ``abstract``).
_ABSTRACT = Op("abstract_function", None, (), (1, 10), rule="abstract_function")


def _starts_operand(token: Token) -> bool:
    """Whether ``token`` can begin the argument of a shorthand call (``sin x``)."""
    return token.kind in (NAME, NUMBER) or token.is_op("|")


#: A name glued to a function name: the rest is one letter with optional digits, or
#: digits and one letter (sinx, lnx, cosx1, sin2x); relu1 or cost2 stay names.
_GLUED_REST = re.compile(r"[A-Za-z][0-9]*|[0-9]+[A-Za-z]")


def _glued_function(name: str) -> tuple[str, str] | None:
    """``sinx`` -> ("sin", "x"): a known function followed by a variable, without a space
    (never read silently as one variable named sinx)."""
    for k in range(len(name) - 1, 1, -1):
        head, rest = name[:k], name[k:]
        if head in FUNCTIONS and head not in SYMBOL_WHEN_BARE and _GLUED_REST.fullmatch(rest):
            return head, rest
    return None


def _has_more_nodes(exprs: list[sp.Expr], limit: int) -> bool:
    """True when the trees ``exprs`` have more than ``limit`` symbols, numbers and
    operations in all, counted as written: a sum of 30 terms is 29 operations, not one
    node (stops early)."""
    stack, count = list(exprs), 0
    while stack:
        node = stack.pop()
        count += 1 + max(0, len(node.args) - 2)
        if count > limit:
            return True
        stack.extend(node.args)
    return False


def _is_complex_root(node: sp.Basic) -> bool:
    """(-1)^(1/1000): a negative number to a fractional power."""
    return bool(node.is_Pow and node.base.is_Number and node.base.is_negative
                and node.exp.is_Rational and not node.exp.is_Integer)


def _near_top(expr: sp.Basic, levels: int = 3) -> list[sp.Basic]:
    """The nodes of ``expr`` down to ``levels`` deep (the root is level 1)."""
    nodes, frontier = [], [expr]
    for _ in range(levels):
        nodes.extend(frontier)
        frontier = [arg for node in frontier for arg in node.args]
    return nodes


def _is_nonpositive_number(expr: sp.Expr) -> bool:
    """True for a constant known to be <= 0 (its logarithm would not be real)."""
    return bool(expr.is_positive is False and expr.is_number)


def _log2_abs(r: sp.Rational) -> float:
    """log2 |r| for a nonzero Rational, without converting huge numbers to float."""
    return math.log2(abs(r.p)) - math.log2(r.q)


def _rational_bits(r: sp.Rational) -> float:
    """Bits in the larger of numerator and denominator (0 for 0 and +-1)."""
    return max(math.log2(abs(r.p)) if abs(r.p) > 1 else 0.0, math.log2(r.q))


def _value_bits(expr: sp.Expr, depth: int = 3) -> float:
    """An upper estimate of the bits of the numbers SymPy multiplies when ``expr`` is a
    factor of a product or the base of a rational power (coefficients, distributed sums,
    powers of numbers). Looks ``depth`` levels down; function arguments do not count."""
    if expr.is_Rational:
        return _rational_bits(expr)
    if depth == 0:
        return 0.0
    if expr.is_Pow and expr.exp.is_Rational:
        inner = _value_bits(expr.base, depth - 1)
        return inner and inner * 2.0 ** min(_log2_abs(expr.exp), 1000.0)
    if expr.is_Mul:
        return sum(_value_bits(a, depth - 1) for a in expr.args)
    if expr.is_Add:
        return max(_value_bits(a, depth - 1) for a in expr.args)
    return 0.0


def _root_bits(expr: sp.Expr, every_factor: bool = False) -> float:
    """Bits of the numbers under roots among the factors of ``expr`` (SymPy merges roots
    of numbers in a product, sqrt(a)*sqrt(b) -> sqrt(a*b), and must factor the result).
    With ``every_factor`` plain rational factors count too (the base of a new root)."""
    total = 0.0
    for factor in sp.Mul.make_args(expr):
        if every_factor and factor.is_Rational:
            total += _rational_bits(factor)
        elif factor.is_Pow and factor.base.is_Rational and factor.exp.is_Rational \
                and not factor.exp.is_Integer:
            total += _rational_bits(factor.base)
    return total


def rebuild_node(node: sp.Basic, args: tuple[sp.Basic, ...] | list[sp.Basic],
                 memo: ConstantMemo | None = None) -> sp.Basic:
    """``node`` with ``args``: a function application as typed (``functions.as_typed``),
    anything else (sums, products, powers) with SymPy's evaluation."""
    if isinstance(node, (sp.Function, sp.Max, sp.Min)):
        return as_typed(node.func, tuple(args), memo)
    return node.func(*args)


def canonical(expr: sp.Expr, deadline: float = math.inf) -> sp.Expr:
    """Rebuild ``expr`` bottom-up once, iteratively (no recursion), evaluating every node.

    SymPy sometimes leaves a node in a form that evaluates further when built again
    (Abs's argument comes back as -(w1 - x) from signsimp). Parsing the printed text
    builds every node anew, so the parser returns this settled form: then
    parse(to_syntax(e)) == e.

    Symbols carry no assumptions, so SymPy sometimes answers for complex variables
    (abs(e^x) -> exp(re(x))); matcalc's variables are real, so re(u) -> u, im(u) -> 0
    and conjugate(u) -> u here."""
    done: dict[sp.Basic, sp.Basic] = {}
    memo: ConstantMemo = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if node.is_Atom or not node.args:
            done[node] = node
        elif not ready:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args if arg not in done)
        elif isinstance(node, (sp.re, sp.conjugate)):
            done[node] = done[node.args[0]]
        elif isinstance(node, sp.im):
            done[node] = S.Zero
        else:
            try:
                done[node] = rebuild_node(node, tuple(done[arg] for arg in node.args), memo)
            except (ArithmeticError, ValueError, TypeError):
                done[node] = node
            if time.monotonic() > deadline:
                raise LimitError(f"expression too costly to build (over {PARSE_TIME_BUDGET:g} s)")
    return done[expr]  # type: ignore[return-value]


def _finish(parser: Parser, expr: sp.Expr) -> sp.Expr:
    """The settled form of a parsed expression, which must be defined and real."""
    result = canonical(expr, parser.deadline)
    if result.has(*_UNDEFINED):
        parser.fail("undefined value (division by zero or a pole of a function)", None)
    if result.has(S.ImaginaryUnit):
        parser.fail("not a real number", None)
    return result


# --------------------------------------------------------------------- entry points
def _guarded(run: Callable[[], object], text: str) -> object:
    """Run a parse, turning a RecursionError (a too-generous max_depth) into ParseError."""
    try:
        return run()
    except RecursionError:
        raise ParseError("expression nested too deeply", text, None) from None


def _check_blank(text: str, what: str = "empty expression") -> None:
    if not text.strip():
        raise ParseError(what, text, None)


def parse_expression(text: str, limits: Limits = Limits()) -> sp.Expr:
    """Parse one scalar expression."""
    parser = Parser(text, limits)
    _check_blank(text)

    def run() -> sp.Expr:
        if parser.peek().is_op("["):
            parser.fail("expected one expression, not a list '[...]'", parser.peek().pos)
        result = parser.expression()
        parser.expect_end()
        return _finish(parser, result)

    return _guarded(run, text)  # type: ignore[return-value]


def parse_expression_list(text: str, limits: Limits = Limits()) -> list[sp.Expr]:
    """Parse ``[f1, f2, ...]`` (or one plain expression, giving a one-element list)."""
    parser = Parser(text, limits)
    _check_blank(text)

    def run() -> list[sp.Expr]:
        opener = parser.peek()
        if not opener.is_op("["):
            result = parser.expression()
            parser.expect_end()
            return [_finish(parser, result)]
        items = parser.bracket_list(opener)
        parser.expect_end()
        return [_finish(parser, item) for item in items]

    return _guarded(run, text)  # type: ignore[return-value]


def parse_expression_matrix(text: str, limits: Limits = Limits()) -> list[list[sp.Expr]]:
    """Parse a matrix ``[[a, b], [c, d]]`` (one list per row, all of one length) or a row
    ``[a, b]``, into its rows (what the JSON output of a Jacobian or gradient writes)."""
    parser = Parser(text, limits)
    _check_blank(text)

    def run() -> list[list[sp.Expr]]:
        opener = parser.peek()
        if not opener.is_op("["):
            parser.unexpected(opener, "'[' to start a matrix")
        parser.advance()
        parser.enter(opener.pos)
        if not parser.peek().is_op("["):           # a single row [a, b]
            row = parser.comma_separated()
            parser.close(opener, "]")
            parser.expect_end()
            return [[_finish(parser, e) for e in row]]
        rows = [parser.bracket_list(parser.peek())]
        while parser.peek().is_op(","):
            parser.advance()
            if not parser.peek().is_op("["):
                parser.unexpected(parser.peek(), "'[' to start a row")
            start = parser.peek().pos
            rows.append(parser.bracket_list(parser.peek()))
            if len(rows[-1]) != len(rows[0]):
                parser.fail(f"row {len(rows)} has {len(rows[-1])} entries, row 1 has "
                            f"{len(rows[0])}", start)
        parser.close(opener, "]")
        parser.expect_end()
        return [[_finish(parser, e) for e in row] for row in rows]

    return _guarded(run, text)  # type: ignore[return-value]


def parse_assignment_list(text: str, limits: Limits = Limits()) -> list[tuple[sp.Symbol, sp.Expr]]:
    """Parse ``name = expr`` statements separated by ';' or line breaks, in order."""
    parser = Parser(text, limits, newlines=True)
    _check_blank(text, "no assignments")

    def run() -> list[tuple[sp.Symbol, sp.Expr]]:
        result: list[tuple[sp.Symbol, sp.Expr]] = []
        first_seen: dict[str, int] = {}
        while True:
            while parser.peek().kind == NEWLINE or parser.peek().is_op(";"):
                parser.advance()
            target = parser.peek()
            if target.kind == END:
                break
            if target.kind != NAME:
                parser.unexpected(target, "a name to assign to (name = expression)")
            if is_reserved(target.text):
                parser.fail(f"cannot assign to '{target.text}': it is a function or constant",
                            target.pos)
            parser.advance()
            if not parser.peek().is_op("="):
                parser.unexpected(parser.peek(), f"'=' after '{target.text}'")
            parser.advance()
            value = parser.expression()
            parser.expect_end(";")
            if target.text in first_seen:
                parser.fail(f"'{target.text}' is assigned twice (first at column "
                            f"{first_seen[target.text] + 1})", target.pos)
            first_seen[target.text] = target.pos
            result.append((make_symbol(target.text), _finish(parser, value)))
        if not result:
            parser.fail("no assignments", None)
        return result

    return _guarded(run, text)  # type: ignore[return-value]


def parse_symbols(text: str, limits: Limits = Limits()) -> list[sp.Symbol]:
    """Parse a comma-separated list of variable names, such as ``x,y`` or ``W1, b1``
    (a ``--wrt`` value: plain names whatever --from says; ``\\theta`` still reads as LaTeX)."""
    parser = Parser(text, dataclasses.replace(limits, syntax="auto"))
    _check_blank(text, "empty list of variables")
    names: dict[str, int] = {}
    while True:
        token = parser.peek()
        if token.kind != NAME:
            parser.unexpected(token, "a variable name")
        if is_reserved(token.text):
            parser.fail(f"'{token.text}' is a function or constant, not a variable", token.pos)
        if token.text in names:
            parser.fail(f"'{token.text}' is listed twice", token.pos)
        names[token.text] = token.pos
        parser.advance()
        if parser.peek().kind == END:
            break
        if not parser.peek().is_op(","):
            parser.unexpected(parser.peek(), "',' between variable names")
        parser.advance()
    return [make_symbol(name) for name in names]
