"""The one notation for figures (issue 21): every page, hover and export writes claims this way."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.figures import notation


@pytest.mark.parametrize(
    ("low", "best", "high", "unit", "expected"),
    [
        (None, 15000, 18000, "troops", "about 15,000 troops (up to 18,000)"),
        (1000, None, 3000, None, "1,000–3,000"),
        (3000, None, None, None, "at least 3,000"),
        (None, None, 40, "killed", "up to 40 killed"),
        (10000, 11000, 12000, "troops", "about 11,000 troops (10,000–12,000)"),
        (10000, 11000, None, None, "about 11,000 (at least 10,000)"),
        (None, 3000, None, None, "about 3,000"),
        (4000, 4000, 4000, "casualties", "about 4,000 casualties"),
        (2.5, None, None, None, "at least 2.5"),
        (None, 1, None, "missiles", "about 1 missile"),
        (None, 86, None, "percent", "about 86%"),
        (None, None, None, "troops", notation.NO_FIGURE),
        (math.nan, math.nan, math.nan, None, notation.NO_FIGURE),
        (pd.NA, 5, None, None, "about 5"),
    ],
)
def test_figure_text(low, best, high, unit, expected):
    assert notation.figure_text(low, best, high, unit) == expected


def test_no_raw_values_leak():
    for unit in (None, float("nan"), "", "artillery_systems"):
        text = notation.figure_text(None, 20, None, unit)
        assert "None" not in text and "nan" not in text and "_" not in text


def test_short_form_and_totals():
    assert notation.figure_text(None, 15000, 18000, bounds=False) == "about 15,000"
    assert notation.total_text(23, "missiles", lower_bound=True) == "≥ 23 missiles"
    assert notation.total_text(1, "missiles") == "1 missile"
    assert notation.spread_text(3000, 12000, "troops") == "3,000 to 12,000 troops"
