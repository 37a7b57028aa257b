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
        "https://evil.example and www.evil.example and WWW.evil.example and me@evil.example",
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
    # Nor is any bare address left whole: GFM would link it, escaped or not.
    unslashed = escaped.replace("\\", "")
    assert "://" not in unslashed and "www." not in unslashed.lower() and not re.search(r"@\w", unslashed)


def test_escape_markdown_of_missing_values():
    assert text.escape_markdown(None) == ""
    assert text.escape_markdown(math.nan) == ""


@pytest.mark.parametrize(
    ("low", "best", "high", "unit", "expected"),
    [
        (10000, 11000, 12000, "troops", "about 11,000 troops (10,000–12,000)"),
        (None, 3000, None, None, "about 3,000"),
        (10000, None, None, None, "at least 10,000"),
        (None, None, 40, "killed", "up to 40 killed"),
        (100, None, 200, None, "100–200"),
        (None, None, None, "troops", ""),
        (math.nan, math.nan, math.nan, None, ""),
    ],
)
def test_table_figure_cell(low, best, high, unit, expected):
    # Tables write figures in the one notation (notation.figure_text); a claim without one is an empty cell.
    assert text.figure(low, best, high, unit) == expected


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
