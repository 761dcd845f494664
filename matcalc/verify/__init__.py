"""Numeric verification: compiled NumPy kernels, domain-aware sampling, finite differences.

NumPy is imported only inside this package (the rest of matcalc imports it lazily).
"""
from matcalc.verify.check import check_derivative, check_entries, check_partials
from matcalc.verify.result import Verification

__all__ = ["check_derivative", "check_entries", "check_partials", "Verification"]
