"""The outcome of a numeric check, as shown in the output and in JSON."""
from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import Literal


@dataclass(frozen=True)
class Verification:
    """What the finite-difference check found.

    ``points`` is how many sample points were actually compared; ``rejected`` how many
    candidates were dropped (outside the domain, not finite, or too close to a kink).
    """

    status: Literal["passed", "failed", "skipped"]
    method: str
    points: int = 0
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    tolerance: float = 1e-6
    rejected: int = 0
    message: str = ""

    def to_dict(self) -> dict:
        """The JSON ``verification`` object: the same fields for every kind."""
        return asdict(self)

    @classmethod
    def not_run(cls, rtol: float = 1e-6) -> "Verification":
        """The one "not verified" record: verification was switched off (``--no-verify``)."""
        return cls("skipped", "none", tolerance=rtol, message="verification was not run")

    @classmethod
    def skipped(cls, method: str, reason: str, *, points: int = 0, rtol: float = 1e-6,
                rejected: int = 0) -> "Verification":
        """Verification ran but could not decide: ``reason`` says why (no usable point,
        a node with no numeric evaluation ...)."""
        return cls("skipped", method, points=points, tolerance=rtol, rejected=rejected,
                   message=reason)

    def summary(self) -> str:
        """One line for a terminal, e.g. 'Verified numerically: 20 points, max rel. error 3.1e-11.'"""
        if self.status == "passed":
            return (f"Verified numerically ({self.method}): "
                    f"max relative error {self.max_rel_error:.1e}, "
                    f"max absolute error {self.max_abs_error:.1e} (tolerance {self.tolerance:g}).")
        if self.status == "failed":
            return (f"NUMERIC CHECK FAILED ({self.method}): {self.message} "
                    f"[{self.points} points, max relative error {self.max_rel_error:.1e}]")
        return f"Not verified: {self.message}"
