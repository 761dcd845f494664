"""Frozen options for one derivation. The CLI turns flags into an Options; the API takes one."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal


@dataclass(frozen=True)
class Limits:
    """Safety limits on user input (CONTRACTS.md: bad input fails fast, never hangs)."""

    max_input_length: int = 10_000     # characters
    max_depth: int = 100               # nesting of parentheses, calls, unary signs, powers
    max_literal_digits: int = 50       # digits in one number literal
    max_exponent: int = 10_000         # |k| for an integer power x^k
    max_number_bits: int = 12_000      # size of a number produced by folding literals (2^100 ok)
    # wall-clock budgets of the pipeline's stages, in seconds (0: no limit); over budget
    # is exit 2 naming the stage (simplify has its own, Options.simplify_timeout)
    read_seconds: float = 10.0
    build_seconds: float = 30.0
    verify_seconds: float = 30.0
    # how expression text is read (set from Options.from_): "auto" reads a text with a
    # backslash or a brace as LaTeX (parse/latex.py), "latex" and "plain" force one syntax
    syntax: Literal["auto", "plain", "latex"] = "auto"


@dataclass(frozen=True)
class Options:
    """How to derive, simplify, verify and show one derivation."""

    steps: bool = True                          # show steps (renderers); the engine always records them
    simplify: bool = True                       # run the named, budgeted simplify step
    simplify_timeout: float = 10.0              # seconds: the safety net (the budget is work)
    simplify_max_size: int = 4_000              # tree size above which simplify is skipped outright
    verify: bool = True                         # numeric check by finite differences
    points: int = 20                            # points the check must use
    rtol: float = 1e-6
    atol: float = 1e-8
    seed: int = 0                               # random points are reproducible
    layout: Literal["numerator", "denominator"] = "numerator"
    standalone: bool = False                    # LaTeX: a complete document
    assume: tuple[str, ...] = ()                # declared facts (matcalc/assume.py), e.g. "spd(S)"
    # how many steps the engine builds: "normal" shows the chain rule of a linear inner
    # function as one step (d/dx sin(3x) = 3 cos(3x), rule linear_chain); "full" keeps
    # every sub-step (intermediate variable, local derivatives, product, substitution).
    # (The LaTeX Notation's detail="brief" is separate: it drops shown table look-ups.)
    detail: Literal["normal", "full"] = "normal"
    limits: Limits = Limits()
    from_: Literal["auto", "plain", "latex"] = "auto"  # --from: the syntax of the input text

    def __post_init__(self) -> None:
        from .errors import InputError
        checks = [(isinstance(self.points, int) and 1 <= self.points <= 500,
                   "points must be between 1 and 500"),
                  (self.rtol > 0 and self.atol >= 0, "rtol must be > 0 and atol >= 0"),
                  (isinstance(self.seed, int) and 0 <= self.seed <= 2 ** 32 - 1,
                   "seed must be an integer from 0 to 2^32 - 1"),
                  (isinstance(self.simplify_timeout, (int, float))
                   and 0 < self.simplify_timeout <= 600,      # nan and inf fail this too
                   "simplify_timeout must be a number of seconds in (0, 600]"),
                  (self.layout in ("numerator", "denominator"),
                   "layout must be 'numerator' or 'denominator'"),
                  (self.from_ in ("auto", "plain", "latex"),
                   "from (--from, from_) must be 'auto', 'plain' or 'latex'"),
                  (self.detail in ("normal", "full"), "detail must be 'normal' or 'full'")]
        for ok, message in checks:
            if not ok:
                raise InputError(f"bad option: {message}")
        if self.limits.syntax != self.from_:        # the parsers read it from the limits
            object.__setattr__(self, "limits", replace(self.limits, syntax=self.from_))
        if self.assume:                             # checked and written one way: "sum(y) = 1"
            from .assume import parse_assumptions
            object.__setattr__(self, "assume", tuple(
                a.source() for a in parse_assumptions(self.assume)))

    @property
    def assumptions(self) -> tuple:
        """The declared facts as :class:`matcalc.assume.Assumption` records."""
        if not self.assume:
            return ()
        from .assume import parse_assumptions
        return parse_assumptions(self.assume)

    def with_(self, **changes: object) -> "Options":
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_OPTIONS = Options()
