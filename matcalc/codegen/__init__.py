"""Code emitters for derivation results: NumPy expression text (no NumPy import needed)."""
from matcalc.codegen.numpy import to_numpy

__all__ = ["to_numpy"]
