"""The small pure helpers pages rely on: safe Markdown, range text, selections."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from page_support import plain

from dashboard.ui import selection, text


@pytest.mark.parametrize(
    "raw",
    [
        "[click](javascript:alert(1))",
        "![img](https://evil.example/x.png)",
        "<script>alert(1)</script>",
        "https://evil.example and www.evil.example",
        "$x^2$ :red[alert] **bold** _it_ `code` # heading",
        "line one\nline two\r\n- item",
    ],
)
def test_escape_markdown_keeps_the_text_and_disarms_the_markup(raw):
    escaped = text.escape_markdown(raw)
    assert plain(escaped) == " ".join(raw.split())
    # Every character Markdown (or Streamlit's directives) could act on is backslash-escaped.
    unescaped = re.sub(r"\\.", "", escaped)
    assert not set(unescaped) & set("[]()<>!*_`#$:.~|\\/-")


def test_escape_markdown_of_missing_values():
    assert text.escape_markdown(None) == ""
    assert text.escape_markdown(math.nan) == ""


@pytest.mark.parametrize(
    ("low", "best", "high", "expected"),
    [
        (10000, 11000, 12000, "10,000–11,000–12,000"),
        (None, 3000, None, "3,000"),
        (10000, None, None, "≥ 10,000"),
        (None, None, 40, "≤ 40"),
        (100, None, 200, "100–200"),
        (2.5, None, None, "≥ 2.5"),
        (None, None, None, ""),
        (math.nan, math.nan, math.nan, ""),
    ],
)
def test_figure_range(low, best, high, expected):
    assert text.figure_range(low, best, high) == expected


def test_selected_event_ids_from_bars_and_points():
    state = {"selection": {"points": [{"customdata": "A,B"}, {"customdata": ["B,C"]}, {"x": 1}]}}
    assert selection.selected_event_ids(state) == ["A", "B", "C"]
    assert selection.selected_event_ids(None) == []
    assert selection.selected_event_ids({"selection": {"points": []}}) == []


def test_place_names_a_region_given_only_by_its_code():
    from dashboard.ui.tables import _place

    frame = pd.DataFrame(
        {
            "location": ["Sudzha", None, None],
            "admin1_name": ["Kursk Oblast", None, None],
            "admin1_code": ["RU-KRS", "UA-59", None],
            "country_code": ["RUS", "UKR", "PRK"],
        }
    )
    assert _place(frame).tolist() == ["Sudzha, Kursk Oblast, RUS", "Sumy Oblast, UKR", "PRK"]
