"""dashboard.figures.timeline: claims per period, running estimates per claimant."""

from __future__ import annotations

import pandas as pd
import pytest
from figure_support import assert_explicit_template, stacked_totals

from dashboard.events.schema import MEASURES
from dashboard.figures import estimate_chart, estimate_series, period_counts, timeline, timeline_chart
from dashboard.figures.style import CATEGORY_COLORS
from dashboard.figures.timeline import SYMBOL_NAMES


@pytest.fixture
def events(make_events):
    return make_events(
        [
            {"event_date": "2024-11-04", "category": "deployment"},  # Monday        E001
            {"event_date": "2024-11-10", "category": "deployment"},  # Sunday, same week
            {"event_date": "2024-11-10", "category": "missile_test"},  # E003
            {"event_date": "2024-11-11", "category": "deployment"},  # next Monday   E004
            {"event_date": "2024-12-01", "category": "battle"},  # E005
            {"event_date": "2024-12-31", "category": "battle"},  # E006
        ]
    )


def test_weekly_counts_start_on_monday(events):
    counts = period_counts(events, "week")
    assert list(counts.columns) == ["period", "category", "count", "event_ids"]
    rows = {(p.date().isoformat(), c): (n, ids) for p, c, n, ids in counts.itertuples(index=False)}
    assert rows == {
        ("2024-11-04", "deployment"): (2, ["E001", "E002"]),
        ("2024-11-04", "missile_test"): (1, ["E003"]),
        ("2024-11-11", "deployment"): (1, ["E004"]),
        ("2024-11-25", "battle"): (1, ["E005"]),
        ("2024-12-30", "battle"): (1, ["E006"]),
    }
    assert all(p.weekday() == 0 for p in counts["period"])


def test_monthly_counts_and_every_category_present(events):
    counts = period_counts(events, "month")
    totals = counts.groupby("period")["count"].sum()
    assert totals.to_dict() == {pd.Timestamp("2024-11-01"): 4, pd.Timestamp("2024-12-01"): 2}
    assert set(counts["category"]) == set(events["category"])
    # Within a period, categories follow the schema's order.
    november = counts.loc[counts["period"] == pd.Timestamp("2024-11-01"), "category"].tolist()
    assert november == ["deployment", "missile_test"]


def test_counts_do_not_touch_the_input(events):
    before = events.copy(deep=True)
    period_counts(events, "week")
    timeline_chart(period_counts(events, "month"), "month")
    pd.testing.assert_frame_equal(events, before)


def test_empty_and_invalid_input(events):
    empty = period_counts(events.iloc[0:0], "week")
    assert empty.empty and list(empty.columns) == ["period", "category", "count", "event_ids"]
    with pytest.raises(ValueError, match="week"):
        period_counts(events, "day")
    fig = timeline_chart(empty, "week", title="Nothing")
    assert len(fig.data) == 0 and "No events" in fig.layout.annotations[0].text


def test_timeline_chart_stacks_bars_whose_ids_map_back(events):
    counts = period_counts(events, "week")
    fig = timeline_chart(counts, "week", title="Claims per week")
    assert fig.layout.barmode == "stack"
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert [t.meta for t in fig.data] == ["deployment", "missile_test", "battle"]
    assert [t.name for t in fig.data] == ["Deployment", "Missile test", "Battle"]
    assert fig.data[0].marker.color == CATEGORY_COLORS["deployment"]
    # Stacked totals per week equal the number of events that week.
    assert stacked_totals(fig) == {
        pd.Timestamp("2024-11-04"): 3,
        pd.Timestamp("2024-11-11"): 1,
        pd.Timestamp("2024-11-25"): 1,
        pd.Timestamp("2024-12-30"): 1,
    }
    # customdata of a bar = the ids of exactly the rows it counts.
    by_id = events.set_index("event_id")
    for trace in fig.data:
        for x, ids in zip(trace.x, trace.customdata, strict=True):
            rows = by_id.loc[ids.split(",")]
            assert set(rows["category"]) == {trace.meta}
            assert set(rows["event_date"].dt.to_period("W-SUN").dt.start_time) == {pd.Timestamp(x)}
    assert sorted(i for t in fig.data for c in t.customdata for i in c.split(",")) == sorted(events["event_id"])
    assert fig.layout.xaxis.title.text == "Week (starting Monday)"
    assert fig.layout.yaxis.title.text == "Claims (records)"
    assert fig.layout.title.text == "Claims per week"
    assert_explicit_template(fig)


def test_monthly_chart_labels_months(events):
    fig = timeline_chart(period_counts(events, "month"), "month")
    assert fig.layout.xaxis.title.text == "Month"
    assert fig.layout.xaxis.dtick == "M1"
    assert "November 2024" in fig.data[0].hovertext[0]


@pytest.fixture
def estimates(make_events):
    def claim(date, claimant, low=None, best=None, high=None, sub="in_russia", unit="troops", **extra):
        return {
            "event_date": date,
            "category": "deployment",
            "subcategory": sub,
            "claimant": claimant,
            "figure_low": low,
            "figure_best": best,
            "figure_high": high,
            "unit": unit,
            **extra,
        }

    return make_events(
        [
            claim("2024-10-18", "South Korea NIS", low=10000, best=11000, high=12000, description="NIS: about 11,000"),
            claim("2024-12-01", "South Korea NIS", best=11000),
            claim("2024-11-04", "US DoD", low=10000),  # "more than 10,000"
            claim("2024-11-20", "Ukraine HUR", low=11000, high=13000),  # a range, no best
            claim("2025-01-05", "Ukraine HUR", high=15000),  # "up to 15,000"
            claim("2024-11-10", "Ukraine HUR", best=3000, sub="in_kursk"),  # another measure
            claim("2024-11-11", "Ukraine HUR", best=500, unit="people"),  # another unit
            claim("2024-11-12", "Ukraine HUR"),  # no figure at all
            {"event_date": "2024-11-13", "category": "statement", "subcategory": "in_russia"},
        ]
    )


def test_estimate_series_picks_the_measure_and_applies_the_value_rule(estimates):
    series = estimate_series(estimates, "troops_in_russia")
    assert list(series.columns) == [
        "event_date",
        "claimant",
        "low",
        "best",
        "high",
        "value",
        "kind",
        "event_id",
        "description",
    ]
    assert series["event_id"].tolist() == ["E001", "E002", "E003", "E004", "E005"]  # by claimant, then date
    assert series["claimant"].tolist() == ["South Korea NIS"] * 2 + ["US DoD"] + ["Ukraine HUR"] * 2
    assert series["value"].tolist() == [11000, 11000, 10000, 12000, 15000]  # best, best, low, midpoint, high
    assert series["kind"].tolist() == ["about", "about", "at_least", "range", "at_most"]
    assert series["description"].iloc[0] == "NIS: about 11,000"
    kursk = estimate_series(estimates, "troops_in_kursk")
    assert kursk["event_id"].tolist() == ["E006"]
    assert estimate_series(estimates.iloc[0:0], "killed").empty
    with pytest.raises(ValueError, match="troops_in_russia"):
        estimate_series(estimates, "troops_on_mars")


def test_estimate_chart_bands_steps_and_bounds(estimates):
    series = estimate_series(estimates, "troops_in_russia")
    before = series.copy(deep=True)
    fig = estimate_chart(series, "troops_in_russia")
    pd.testing.assert_frame_equal(series, before)
    assert fig.layout.title.text == "DPRK troops in Russia"
    assert_explicit_template(fig)

    lines = {t.name: t for t in fig.data if t.mode == "lines+markers"}
    assert set(lines) == {"South Korea NIS", "US DoD", "Ukraine HUR"}
    assert all(t.line.shape == "hv" for t in lines.values())
    assert list(lines["Ukraine HUR"].y) == [12000, 15000]

    bands = {t.legendgroup: t for t in fig.data if t.fill == "toself"}
    # NIS's first claim has 10,000-12,000; HUR's range 11,000-13,000; DoD has no range.
    assert set(bands) == {"South Korea NIS", "Ukraine HUR"}
    nis = [y for y in bands["South Korea NIS"].y if y is not None]
    assert min(nis) == 10000 and max(nis) == 12000
    # The band holds until the claimant's next claim (1 Dec).
    nis_x = {pd.Timestamp(x) for x in bands["South Korea NIS"].x if x is not None}
    assert nis_x == {pd.Timestamp("2024-10-18"), pd.Timestamp("2024-12-01")}
    hur = [y for y in bands["Ukraine HUR"].y if y is not None]
    assert min(hur) == 11000 and max(hur) == 13000

    # "More than" differs visibly from "about": an upward triangle with a line pointing up.
    # Markers carry plotly's numeric symbol codes (checked far faster than names).
    def symbols(trace):
        return [SYMBOL_NAMES[code] for code in trace.marker.symbol]

    assert symbols(lines["US DoD"]) == ["triangle-up"]
    assert symbols(lines["South Korea NIS"]) == ["circle", "circle"]
    assert symbols(lines["Ukraine HUR"]) == ["diamond", "triangle-down"]
    pointer = next(t for t in fig.data if t.legendgroup == "US DoD" and t.error_y.array is not None)
    assert pointer.error_y.array[0] > 0 and pointer.error_y.arrayminus[0] == 0
    down = next(t for t in fig.data if t.legendgroup == "Ukraine HUR" and t.error_y.array is not None)
    assert down.error_y.array[0] == 0 and down.error_y.arrayminus[0] > 0
    assert down.error_y.arrayminus[0] <= down.y[0]  # never below zero

    # Hover: claimant, date, the claim in the one notation (notation.figure_text) and its event id.
    custom = lines["South Korea NIS"].customdata[0]
    assert custom[0] == "E001" and custom[1] == "South Korea NIS"
    assert custom[2] == "about 11,000 troops (10,000–12,000)"
    assert custom[3] == "event E001"
    assert lines["US DoD"].customdata[0][2] == "at least 10,000 troops"
    assert "%{x|%d %b %Y}" in lines["US DoD"].hovertemplate
    assert fig.layout.yaxis.title.text.startswith("Troops")
    assert fig.layout.xaxis.title.text == "Date of claim"


def test_estimate_chart_key_events(estimates):
    series = estimate_series(estimates, "troops_in_russia")
    key = pd.DataFrame(
        {"event_date": pd.to_datetime(["2024-11-15", "2023-01-01"]), "label": ["Kursk counter-offensive", "Too early"]}
    )
    fig = estimate_chart(series, "troops_in_russia", key_events=key)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["Kursk counter-offensive"]
    assert len(fig.layout.shapes) == 1 and pd.Timestamp(fig.layout.shapes[0].x0) == pd.Timestamp("2024-11-15")


def test_estimate_chart_empty():
    fig = estimate_chart(estimate_series(pd.DataFrame(), "killed"), "killed")
    assert len(fig.data) == 0 and fig.layout.title.text == "DPRK killed"


def test_estimate_axis_title_is_short_enough_to_stay_clear_of_the_title():
    # The casualties chart's axis title ran into the chart title: the unit's noun alone now.
    titles = {key: timeline.axis_title(m) for key, m in MEASURES.items()}
    assert titles["total_casualties"] == "Casualties"
    assert titles["troops_in_russia"] == "Troops"
    assert max(len(t) for t in titles.values()) <= 30


def test_combined_losses_are_never_in_the_dprk_series():
    events = pd.DataFrame(
        {
            "event_id": ["A", "B", "C"],
            "event_date": pd.to_datetime(["2024-12-14", "2024-12-20", "2025-01-03"]),
            "category": "casualties",
            "subcategory": "total",
            "unit": "casualties",
            "actor": ["North Korea", "North Korea and Russia", "North Korea"],
            "claimant": ["Ukraine HUR", "Ukraine HUR", "Forbes"],
            "figure_low": [30.0, None, None],
            "figure_best": [None, 200.0, None],
            "figure_high": [None, None, 400.0],
        }
    )
    dprk = estimate_series(events, "total_casualties")["event_id"].tolist()
    combined = estimate_series(events, "combined_total_casualties")["event_id"].tolist()
    assert sorted(dprk) == ["A", "C"] and combined == ["B"]
    assert timeline.measures_present(events) == ["total_casualties", "combined_total_casualties"]
