"""Helpers of the figure tests: events frames exactly as ``EventStore.current_events()`` returns them.

Records go through the schema's validation and an in-memory store, so the
frames have the store's columns and dtypes (datetime64 dates, float64 figures,
Int64 geo_precision, JSON ``sources``) without depending on the seed CSV. A module
of its own (not conftest) so test files import it by a unique name.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from dashboard.events import schema
from dashboard.events.store import open_store

DEFAULTS: dict[str, Any] = {
    "category": "statement",
    "actor": "North Korea",
    "claimant": "South Korea NIS",
    "confidence": "medium",
    "origin": "seed",
    "sources": [{"outlet": "Yonhap", "title": "A report", "url": "https://example.org/report"}],
}

# Places from data/boundaries/gazetteer.csv.
SUDZHA = {
    "location": "Sudzha",
    "admin1_code": "RU-KRS",
    "country_code": "RUS",
    "latitude": 51.192,
    "longitude": 35.271,
    "geo_precision": 1,
}
KURSK_REGION = {
    "location": "Kursk Oblast",
    "admin1_code": "RU-KRS",
    "country_code": "RUS",
    "latitude": 51.73,
    "longitude": 36.19,
    "geo_precision": 3,
}
SUMY = {
    "location": "Sumy",
    "admin1_code": "UA-59",
    "country_code": "UKR",
    "latitude": 50.91,
    "longitude": 34.80,
    "geo_precision": 2,
}
SOHAE = {
    "location": "Sohae",
    "launch_site": "Sohae",
    "admin1_code": "KP-07",
    "country_code": "PRK",
    "latitude": 39.66,
    "longitude": 124.705,
    "geo_precision": 1,
}
SUNAN = {
    "location": "Sunan",
    "launch_site": "Sunan (Pyongyang)",
    "admin1_code": "KP-01",
    "country_code": "PRK",
    "latitude": 39.2,
    "longitude": 125.67,
    "geo_precision": 1,
}


def build_events(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A current-events frame from partial records (defaults fill the rest; ids E001…)."""
    counter = itertools.count(1)
    records = []
    for row in rows:
        data = {**DEFAULTS, "event_id": f"E{next(counter):03d}", **row}
        checked = schema.validate_record(data)
        if isinstance(checked, list):
            raise AssertionError("; ".join(e.describe() for e in checked))
        records.append(checked)
    store = open_store("sqlite://", seed=False)
    if records:
        store.append(records)
    return store.current_events()


def frame_snapshot(frame: pd.DataFrame) -> pd.DataFrame:
    """A deep copy to compare against after a call (inputs must never change)."""
    return frame.copy(deep=True)


def assert_explicit_template(fig) -> None:
    """The figure carries plotly_white's look itself (style.TEMPLATE), so Streamlit's default template never applies."""
    import plotly.io as pio

    assert fig.layout.template.layout.colorway == pio.templates["plotly_white"].layout.colorway
    assert fig.layout.template.layout.colorway[0] != "#000001"


def trace_types(fig) -> set[str]:
    return {trace.type for trace in fig.data}


def stacked_totals(fig) -> dict:
    """Height of each stack: the sum of the bars' y per x, over all traces."""
    totals: dict = {}
    for trace in fig.data:
        for x, y in zip(trace.x, trace.y, strict=True):
            totals[pd.Timestamp(x)] = totals.get(pd.Timestamp(x), 0) + y
    return totals
