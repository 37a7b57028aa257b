"""Figures for print: series that differ in colour also differ in pattern or dash."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures import printable, timeline


def test_bars_get_distinct_patterns_and_the_input_is_left_alone(make_events):
    events = make_events(
        [
            {"event_date": "2024-11-05", "category": "deployment"},
            {"event_date": "2024-11-06", "category": "casualties"},
            {"event_date": "2024-12-01", "category": "missile_test"},
        ]
    )
    fig = timeline.timeline_chart(timeline.period_counts(events, "month"), "month")
    printed = printable.for_print(fig)
    shapes = [t.marker.pattern.shape for t in printed.data if t.type == "bar"]
    assert len(shapes) == 3 and len(set(shapes)) == 3
    assert all(t.marker.pattern.shape is None for t in fig.data if t.type == "bar")  # not modified


def test_lines_get_one_dash_per_legend_group():
    fig = go.Figure(
        [
            go.Scatter(x=[1, 2], y=[1, 2], mode="lines+markers", legendgroup="NIS", name="NIS"),
            go.Scatter(x=[1, 2], y=[2, 3], mode="lines", legendgroup="NIS", name="NIS pointer", showlegend=False),
            go.Scatter(x=[1, 2], y=[3, 1], mode="lines+markers", legendgroup="HUR", name="HUR"),
            go.Scatter(x=[1, 2, 2], y=[1, 1, 2], mode="lines", fill="toself", legendgroup="HUR", name="band"),
            go.Scatter(x=[1], y=[1], mode="markers", name="others"),
        ]
    )
    printed = printable.for_print(fig)
    dashes = [t.line.dash for t in printed.data]
    assert dashes[0] == dashes[1] == "solid"
    assert dashes[2] == "dash"
    assert dashes[3] is None and dashes[4] is None  # bands and marker-only traces keep their look
