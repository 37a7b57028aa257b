"""dashboard.figures.overview: latest claims, recent change, completeness note, compact timeline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from figure_support import assert_explicit_template, stacked_totals

from dashboard.figures import compact_timeline, incomplete_note, latest_by_claimant, overview, window_change


@pytest.fixture
def events(make_events):
    def troops(date, claimant, **figures):
        return {
            "event_date": date,
            "category": "deployment",
            "subcategory": "in_russia",
            "unit": "troops",
            "claimant": claimant,
            **figures,
        }

    return make_events(
        [
            troops("2024-10-18", "South Korea NIS", figure_best=11000),  # E001
            troops("2025-01-13", "South Korea NIS", figure_low=10000, figure_high=12000),  # E002
            troops("2024-11-04", "US DoD", figure_low=11000),  # E003
            troops("2024-12-20", "Ukraine HUR", figure_best=12000),  # E004
            {"event_date": "2024-12-01", "category": "battle"},  # E005: before both windows
            {"event_date": "2024-12-02", "category": "battle"},  # E006: first day of the previous window
            {"event_date": "2025-01-01", "category": "battle"},  # E007: first day of the current window
            {"event_date": "2025-01-30", "category": "missile_test"},  # E008: the window's last day
            {"event_date": "2025-01-31", "category": "strike"},  # E009: after the end
            {"event_date": "2024-12-31", "category": "battle"},  # E010: last day of the previous window
        ]
    )


def test_latest_by_claimant_newest_first(events):
    latest = latest_by_claimant(events, "troops_in_russia")
    assert latest["claimant"].tolist() == ["South Korea NIS", "Ukraine HUR", "US DoD"]
    assert latest["event_id"].tolist() == ["E002", "E004", "E003"]
    assert latest["value"].tolist() == [11000, 12000, 11000]
    assert {"claimant", "event_date", "low", "best", "high", "value", "event_id"} <= set(latest.columns)
    assert latest_by_claimant(events.iloc[0:0], "troops_in_russia").empty


def test_window_change(events):
    change = window_change(events, dt.date(2025, 1, 30), days=30).set_index("category")
    # Current window: (31 Dec 2024, 30 Jan 2025] = 1..30 Jan; previous: (1 Dec, 31 Dec] = 2..31 Dec.
    assert change.loc["battle", ["current", "previous", "change"]].tolist() == [1, 2, -1]
    assert change.loc["missile_test", ["current", "previous", "change"]].tolist() == [1, 0, 1]
    assert change.loc["deployment", ["current", "previous", "change"]].tolist() == [1, 1, 0]
    assert change.loc["strike", ["current", "previous"]].tolist() == [0, 0]
    assert change.index.tolist() == ["deployment", "missile_test", "battle", "strike"]  # schema order
    assert change.loc["missile_test", "label"] == "Missile test"
    full = window_change(events, dt.date(2025, 1, 30))
    assert full.attrs["current"] == (dt.date(2025, 1, 1), dt.date(2025, 1, 30))
    assert full.attrs["previous"] == (dt.date(2024, 12, 2), dt.date(2024, 12, 31))
    assert window_change(events.iloc[0:0], dt.date(2025, 1, 30)).empty


def test_incomplete_note(events):
    today = dt.date(2025, 2, 10)
    note = incomplete_note(events, dt.date(2025, 2, 1), today)
    assert note is not None and note.startswith("The last two weeks are likely incomplete")
    assert incomplete_note(events, today, today) is not None
    assert incomplete_note(events, dt.date(2025, 1, 27), today) is None  # 14 days before
    assert incomplete_note(events, dt.date(2024, 6, 1), today) is None


def test_incomplete_note_quotes_the_reporting_delay(make_events):
    lagged = make_events(
        [{"event_date": f"2025-01-{d:02d}", "reported_date": f"2025-01-{d + 9:02d}"} for d in range(1, 7)]
    )
    note = incomplete_note(lagged, dt.date(2025, 1, 20), dt.date(2025, 1, 25))
    assert "median delay in this selection: 9 days" in note


def test_compact_timeline(events):
    fig = compact_timeline(events, title="Per month")
    assert fig.layout.height == 260 and fig.layout.barmode == "stack"
    assert stacked_totals(fig) == {
        pd.Timestamp("2024-10-01"): 1,
        pd.Timestamp("2024-11-01"): 1,
        pd.Timestamp("2024-12-01"): 4,
        pd.Timestamp("2025-01-01"): 4,
    }
    assert fig.layout.yaxis.title.text == "Claims"
    assert_explicit_template(fig)
    assert len(compact_timeline(events.iloc[0:0]).data) == 0


def _latest(rows):
    frame = pd.DataFrame(rows, columns=["claimant", "event_date", "low", "best", "high", "event_id"])
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    frame["value"] = frame["best"].fillna((frame["low"] + frame["high"]) / 2).fillna(frame["low"]).fillna(frame["high"])
    return frame


def test_headline_puts_the_newest_figure_first_and_names_old_claims_apart():
    # Issue 20: "3k – 12k" set an October 2024 NIS figure beside a February 2026 one.
    latest = _latest(
        [
            ("South Korea NIS", "2024-10-23", None, 3000.0, None, "D03"),
            ("Ukraine President Zelensky", "2026-02-20", None, 10000.0, None, "D24"),
            ("US DoD", "2025-12-01", 11000.0, None, 12000.0, "X1"),
        ]
    )
    card = overview.headline(latest, "troops_in_russia")
    assert card.label == "DPRK troops in Russia"
    assert card.value == "about 10,000"
    assert card.newest == "about 10,000 troops: Ukraine President Zelensky, 20 Feb 2026"
    assert card.span == "claims of 23 Oct 2024 – 20 Feb 2026"
    assert card.spread == "10,000 to 11,500 troops across 2 claimants' latest claims since 1 Dec 2025"
    assert card.older == "Older latest claims: South Korea NIS (23 Oct 2024: about 3,000 troops)"
    assert overview.headline(latest.iloc[0:0], "troops_in_russia") is None


def test_missiles_text_says_at_least_when_a_count_is_a_bound():
    monthly = pd.DataFrame({"missiles": [20.0, 3.0], "lower_bounds": [0, 1]})
    assert overview.missiles_text(monthly) == "≥ 23 missiles"
    assert overview.missiles_text(monthly.assign(lower_bounds=0)) == "23 missiles"


def test_related_measure_is_named_beside_a_headline():
    # Troops in Russia read beside troops sent in total (a stock is not everyone ever sent).
    in_russia = _latest([("Ukraine President Zelensky", "2026-02-20", None, 10000.0, None, "D24")])
    sent = _latest([("South Korea NIS", "2025-04-30", None, 15000.0, 18000.0, "D15")])
    latest = {"troops_in_russia": in_russia, "troops_sent_total": sent}
    assert overview.related_line(latest, "troops_in_russia") == (
        "DPRK troops sent in total: about 15,000 troops (up to 18,000) (South Korea NIS, 30 Apr 2025)"
    )
    assert overview.related_line({"troops_in_russia": in_russia}, "troops_in_russia") is None


def test_latest_by_measure_equals_one_pass_per_measure(tmp_path):
    # The Overview's cards and the brief read every measure at once; it must give what a pass per
    # measure over all 200 gives, also for a filtered view (a subset, its index not 0..n-1).
    from dashboard.events.importers import seed_store
    from dashboard.events.schema import MEASURES
    from dashboard.events.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'seed.sqlite'}")
    seed_store(store)
    log = store.current_events()
    store.engine.dispose()
    for shown in (log, log.loc[log["event_date"] >= "2025-01-01"], log.iloc[::2]):
        expected = {key: overview.latest_by_claimant(shown, key) for key in MEASURES}
        expected = {key: rows for key, rows in expected.items() if len(rows)}
        found = overview.latest_by_measure(shown)
        assert list(found) == list(expected)
        for key, rows in expected.items():
            pd.testing.assert_frame_equal(found[key], rows, check_index_type=False)
