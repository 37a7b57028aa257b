"""Text from the data never becomes markup in a figure.

Plotly renders ``<b>``, ``<i>``, ``<a href>`` and ``<br>`` in trace names, hover
text and annotations. Every figure function escapes the data values it puts
there (``style.safe_text``); plotly decodes the entities when it draws, so the
user reads the literal text.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from figure_support import SOHAE, SUDZHA

from dashboard.events.geo import load_boundaries
from dashboard.figures import (
    apogee_distance_chart,
    compact_timeline,
    estimate_chart,
    estimate_series,
    figure_svg,
    launch_site_map,
    launch_sites,
    missile_monthly,
    missile_monthly_chart,
    period_counts,
    point_events,
    region_map,
    region_values,
    timeline_chart,
)
from dashboard.figures.style import safe_text

EVIL = '<a href="https://evil.example">x</a><b>y</b>'
ESCAPED = '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;&lt;b&gt;y&lt;/b&gt;'


@pytest.fixture
def evil_events(make_events) -> pd.DataFrame:
    frame = make_events(
        [
            {
                "event_date": "2024-11-01",
                "category": "deployment",
                "subcategory": "in_russia",
                "figure_best": 11000,
                "unit": "troops",
                **SUDZHA,
            },
            {
                "event_date": "2024-11-20",
                "category": "deployment",
                "subcategory": "in_russia",
                "figure_low": 10000,
                "figure_high": 12000,
                "unit": "troops",
                **SUDZHA,
            },
            {
                "event_date": "2024-11-05",
                "category": "missile_test",
                "subcategory": "srbm",
                "figure_best": 2,
                "unit": "missiles",
                "apogee_km": 100,
                "distance_km": 400,
                **SOHAE,
            },
        ]
    )
    # Frames can come from any importer or database: put the markup straight into every text column drawn.
    text = {
        c: pd.Series([EVIL] * len(frame), index=frame.index, dtype=object)
        for c in ("claimant", "location", "launch_site", "missile_name")
    }
    frame = frame.assign(**text)
    frame["subcategory"] = frame["subcategory"].astype(object)
    frame.loc[frame["category"] == "missile_test", "subcategory"] = EVIL
    frame["category"] = frame["category"].astype(object)
    frame.loc[frame.index[0], "category"] = EVIL  # an unknown category from the data
    frame.loc[frame.index[0], "subcategory"] = "in_russia"
    return frame


def _figures(events: pd.DataFrame) -> dict:
    boundaries = load_boundaries()
    deployments = events.loc[events["category"] != EVIL].assign(category="deployment")
    series = estimate_series(deployments, "troops_in_russia")
    key = pd.DataFrame({"event_date": pd.to_datetime(["2024-11-10"]), "label": [EVIL]})
    return {
        "timeline": timeline_chart(period_counts(events, "month"), "month"),
        "compact": compact_timeline(events),
        "estimate": estimate_chart(series, "troops_in_russia", key_events=key),
        "region_map": region_map(
            region_values(events), point_events(events)[0], boundaries, "kursk_border", value_label=EVIL
        ),
        "missile_monthly": missile_monthly_chart(missile_monthly(events)),
        "launch_sites": launch_site_map(launch_sites(events), boundaries),
        "apogee": apogee_distance_chart(events),
    }


def _strings(fig) -> list[str]:
    """Every string of the figure's JSON that plotly may render as text (names, hover, annotations)."""
    out: list[str] = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                # meta and legendgroup are keys for the page, never drawn (no template uses %{meta}).
                if k not in {"geojson", "hovertemplate", "meta", "legendgroup"}:
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            out.append(value)

    spec = json.loads(fig.to_json())
    walk(spec["data"])
    walk(spec["layout"].get("annotations", []))
    walk(spec["layout"].get("title", {}))
    return out


def test_safe_text_escapes_markup_only():
    assert safe_text(EVIL) == ESCAPED
    assert safe_text('A & B\'s "report"') == 'A &amp; B\'s "report"'
    assert safe_text(12) == "12"


def test_no_figure_carries_markup_from_the_data(evil_events):
    for name, fig in _figures(evil_events).items():
        strings = _strings(fig)
        joined = "\n".join(strings)
        assert "<a " not in joined, name
        assert "<b>y" not in joined and "</a>" not in joined, name
        assert ESCAPED in joined, f"{name}: the data text is missing, not escaped"


def test_hovertemplates_insert_only_escaped_customdata(evil_events):
    fig = _figures(evil_events)["estimate"]
    markers = [t for t in fig.data if t.customdata is not None]
    assert markers
    for trace in markers:
        assert all(row[1] == ESCAPED for row in trace.customdata)
        assert {t.name for t in markers} == {ESCAPED}


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium for kaleido")
def test_svg_shows_the_literal_text_not_markup(evil_events):
    svg = figure_svg(_figures(evil_events)["estimate"]).decode("utf-8")
    root = ElementTree.fromstring(svg)
    # No link or bold element came from the data ...
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "a"]
    # ... and the legend and key-event label read exactly as the data: markup as text, not "&lt;" entities.
    texts = ["".join(e.itertext()) for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "text"]
    assert EVIL in texts
    assert not any("&lt;" in t or "&amp;" in t for t in texts)
