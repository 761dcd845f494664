"""matcalc test suite."""
