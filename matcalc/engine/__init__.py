"""The engine: Step model, solver (dispatch, recursion, memo, limits), simplification."""
from .step import Step

__all__ = ["Step"]
