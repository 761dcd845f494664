"""Old import path: the matrix evaluator now lives in :mod:`matcalc.verify.evaluate`."""
from ..verify.evaluate import NumPyBackend, SymPyBackend, evaluate

__all__ = ["NumPyBackend", "SymPyBackend", "evaluate"]
