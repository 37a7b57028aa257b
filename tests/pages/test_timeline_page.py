"""Timeline page: claims per week or month, the bar selection, estimate evolution."""

from __future__ import annotations

from page_support import charts, no_match_shown, plain, shown_caption, values

from dashboard.events.schema import MEASURES


def bars(figure: dict) -> list[tuple[str, str, int]]:
    """(category, period, count) of every bar."""
    return [
        (trace["meta"], x, y)
        for trace in figure["data"]
        if trace["type"] == "bar"
        for x, y in zip(values(trace["x"]), values(trace["y"]), strict=True)
    ]


def test_renders_bars_and_estimates(open_page):
    at = open_page("timeline")
    weekly, estimates = charts(at)
    assert sum(count for _, _, count in bars(weekly)) == 18
    assert len(bars(weekly)) == 17  # (category, week) pairs with claims
    # The estimate chart of the default measure (troops in Russia): three claims by two claimants.
    names = {t.get("name") for t in estimates["data"]}
    assert {"South Korea NIS", "US DoD"} <= names
    assert len(at.dataframe[0].value) == 18


def test_week_month_switch_changes_the_bars(open_page):
    at = open_page("timeline")
    weekly = bars(charts(at)[0])
    at.segmented_control(key="freq").set_value("month").run()
    assert not at.exception
    monthly = bars(charts(at)[0])
    assert len(monthly) == 12 < len(weekly)
    assert sum(c for *_, c in monthly) == sum(c for *_, c in weekly) == 18
    assert at.query_params.get("freq", "month") == "month"


def test_preset_changes_the_chart(open_page):
    at = open_page("timeline")
    at.selectbox(key="preset").set_value("Last 30 days").run()
    weekly = bars(charts(at)[0])
    assert sum(c for *_, c in weekly) == 3
    assert shown_caption(at).startswith("3 claims")


def test_selected_bars_narrow_the_table(open_page):
    at = open_page("timeline")
    # What the browser sends when a bar is clicked: the bar's customdata (its event ids).
    at.session_state["timeline-bars-week"] = {
        "selection": {
            "points": [{"customdata": "T-D01,T-D02", "x": "2024-10-14", "y": 2}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["Event"]) == ["T-D01", "T-D02"]
    assert any("2 claims in the selected bars" in c.value for c in at.main.caption)


def test_measure_choice_and_a_measure_without_figures(open_page):
    at = open_page("timeline")
    at.selectbox(key="measure").set_value("killed").run()
    estimates = charts(at)[1]
    assert any(t.get("name") == "South Korea NIS" for t in estimates["data"])
    at.selectbox(key="preset").set_value("Last 30 days").run()
    # The filter holds no killed figure any more: the chart moves to a measure that has claims, and says so.
    assert not at.exception
    assert at.selectbox(key="measure").value != "killed"
    assert any("“DPRK killed” has no claim in the filter" in c.value for c in at.main.caption)
    assert len(charts(at)) == 2


def test_measure_options_are_the_measures_in_the_filter(open_page):
    at = open_page("timeline", cat=["Casualties"])
    options = at.selectbox(key="measure").options
    by_label = {m.label: m for m in MEASURES.values()}
    assert options and all(by_label[o].category == "casualties" for o in options)
    # A casualties filter opens on a casualty measure, not on troops ("No claim…").
    assert MEASURES[at.selectbox(key="measure").value].category == "casualties"
    assert not any("No claim" in i.value for i in at.info)


def test_statement_marks_are_escaped(open_page):
    at = open_page("timeline", preset="Custom range", dates=["2024-10-18", "2025-04-28"])
    estimates = charts(at)[1]
    labels = [a["text"] for a in estimates["layout"].get("annotations", [])]
    assert labels  # Russia General Staff and KCNA statements fall after the last troop claim: none inside
    assert all("<" not in label for label in labels)


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("timeline", cat="Weapons transfer")
    assert no_match_shown(at)
    assert not charts(at)
    assert "0 claims" in plain(at.main.caption[0].value)


def test_selected_bars_narrow_the_table_when_the_chart_carries_no_ids(open_page, monkeypatch):
    # Charts of very many claims leave customdata empty; the page finds the bar by trace and position.
    monkeypatch.setattr("dashboard.figures._data.MAX_CUSTOMDATA_IDS", 0)
    at = open_page("timeline")
    deployment = next(i for i, t in enumerate(charts(at)[0]["data"]) if t["meta"] == "deployment")
    assert set(values(charts(at)[0]["data"][deployment]["customdata"])) == {""}
    at.session_state["timeline-bars-week"] = {
        "selection": {
            "points": [{"curve_number": deployment, "point_index": 2, "point_number": 2, "customdata": ""}],
            "point_indices": [2],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    # The third deployment week with claims: 4 Nov 2024 (the State Department's Kursk estimate).
    assert list(at.dataframe[0].value["Event"]) == ["T-D03"]
