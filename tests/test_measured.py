"""tests/measured.py: snapshots compare equal but for measured error figures, and only
for figures that agree (the comparison can fail both ways)."""
from __future__ import annotations

from .measured import difference, masked

LINE = ("Verified numerically (20 random points): max relative error {r}, max absolute\n"
        "error {a} (tolerance 1e-06).")


def test_rounding_noise_in_the_figures_is_not_a_change() -> None:
    assert difference(LINE.format(r="1.8e-10", a="1.0e-11"),
                      LINE.format(r="2.4e-10", a="3.4e-11")) == ""
    assert difference('"max_rel_error": 1.5967730826460524e-07,',
                      '"max_rel_error": 1.596773083201164e-07,') == ""
    assert difference(LINE.format(r="0", a="0"), LINE.format(r="3e-11", a="1e-12")) == ""


def test_a_figure_that_grows_a_hundredfold_is_a_change() -> None:
    why = difference(LINE.format(r="1.0e-06", a="1.0e-11"), LINE.format(r="1.8e-10", a="1.0e-11"))
    assert "moved" in why and "1.8e-10 -> 1e-06" in why


def test_any_other_difference_is_a_change() -> None:
    assert difference(LINE.format(r="1e-10", a="1e-11").replace("20", "21"),
                      LINE.format(r="1e-10", a="1e-11")) != ""
    assert difference("Result: 2*x", "Result: 2*y") != ""
    # the tolerance is not a measured figure
    assert masked("max relative error 1e-10 (tolerance 1e-06)")[1] == [1e-10]
