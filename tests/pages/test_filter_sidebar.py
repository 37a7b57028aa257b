"""The shared sidebar filter: URL state, presets, page switches, reset."""

from __future__ import annotations

import datetime as dt

import pytest
from page_support import FIXTURE_EVENTS, plain, shown_caption

from dashboard.ui import sidebar

EVERY_FILTER = {
    "preset": "Last 12 months",
    "cat": ["Deployment", "Casualties"],
    "country": "Russia (RUS)",
    "region": "Kursk Oblast (RU-KRS)",
    "claimant": ["South Korea NIS", "Ukraine HUR"],
    "conf": "medium",
    "q": "fixture",
}


def test_a_url_sets_every_filter(open_page):
    at = open_page(None, **EVERY_FILTER)
    assert at.selectbox(key="preset").value == "Last 12 months"
    assert at.multiselect(key="cat").value == ["deployment", "casualties"]
    assert at.multiselect(key="region").value == ["RU-KRS"]
    assert at.selectbox(key="conf").value == "medium"
    assert at.text_input(key="q").value == "fixture"
    # NIS's killed and wounded counts (13 Jan 2025) and HUR's reinforcements (10 Apr 2025).
    assert shown_caption(at) == (
        "3 claims, 29 Apr 2024 – 28 Apr 2025, deployment and casualties; countries RUS; "
        "regions RU-KRS; claimants South Korea NIS; Ukraine HUR; confidence ≥ medium; "
        "text “fixture”"
    )
    assert at.query_params == EVERY_FILTER


@pytest.mark.parametrize("page", ["timeline", "map", "events", "missiles", "data"])
def test_the_filter_follows_a_page_switch(open_page, page):
    at = open_page(None, preset="Last 90 days", cat="Statement")
    first = shown_caption(at)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    assert at.query_params == {"preset": "Last 90 days", "cat": "Statement"}
    assert at.selectbox(key="preset").value == "Last 90 days"
    if page != "data":  # the Data page describes the whole log
        assert shown_caption(at) == first == "2 claims, 29 Jan 2025 – 28 Apr 2025, statement"


def test_params_lost_on_a_page_switch_are_written_back(open_page):
    # A click on another page before the browser has mounted every sidebar widget
    # sends the switch without their params; the filter stays, and so must the URL.
    at = open_page(None, preset="Last 90 days", q="fixture")
    at.query_params.clear()
    at.switch_page("app_pages/map.py").run()
    assert at.query_params == {"preset": "Last 90 days", "q": "fixture"}
    assert "text “fixture”" in shown_caption(at)


def test_presets_count_back_from_the_newest_event(open_page):
    at = open_page()
    at.selectbox(key="preset").set_value("Last 90 days").run()
    assert shown_caption(at).startswith("4 claims, 29 Jan 2025 – 28 Apr 2025")
    assert any("newest event in the log (28 Apr 2025), not from today" in c.value for c in at.sidebar.caption)
    assert sidebar.preset_range("Last 30 days", dt.date(2025, 4, 28)) == (dt.date(2025, 3, 30), dt.date(2025, 4, 28))
    assert sidebar.preset_range("Last 12 months", dt.date(2025, 4, 28)) == (dt.date(2024, 4, 29), dt.date(2025, 4, 28))
    assert sidebar.preset_range("All dates", dt.date(2025, 4, 28)) == (None, None)


def test_custom_range_is_bounded_by_the_log_and_handles_a_half_picked_range(open_page):
    at = open_page()
    at.selectbox(key="preset").set_value("Custom range").run()
    picker = at.date_input(key="dates")
    assert picker.value == (dt.date(2024, 10, 18), dt.date(2025, 4, 28))
    # The picker reaches beyond the log, so a shared range past it is clamped with a note, not refused.
    assert picker.min < dt.date(2024, 10, 18) and picker.max > dt.date(2025, 4, 28)
    picker.set_value((dt.date(2025, 1, 12),)).run()  # the first click of a range
    assert not at.exception
    assert shown_caption(at).startswith("7 claims, 12 Jan 2025 – 28 Apr 2025")
    assert any("Pick the end date" in c.value for c in at.sidebar.caption)
    at.date_input(key="dates").set_value((dt.date(2025, 1, 12), dt.date(2025, 1, 31))).run()
    assert shown_caption(at).startswith("3 claims, 12 Jan 2025 – 31 Jan 2025")


def test_reset_filters_clears_everything(open_page):
    at = open_page(None, **EVERY_FILTER)
    at.button(key="reset_filters").click().run()
    assert not at.exception
    assert shown_caption(at) == f"{FIXTURE_EVENTS} claims, 18 Oct 2024 – 28 Apr 2025"
    assert at.multiselect(key="cat").value == []
    assert at.text_input(key="q").value == ""


def test_a_region_set_through_session_state_narrows_every_page(open_page):
    # What a click on the map does (through a callback, before the sidebar is drawn).
    at = open_page("map")
    at.session_state["region"] = ["KP-01"]
    at.run()
    assert at.multiselect(key="region").value == ["KP-01"]
    assert shown_caption(at) == "3 claims, 31 Oct 2024 – 28 Apr 2025; regions KP-01"
    at.switch_page("app_pages/events.py").run()
    assert len(at.dataframe[0].value) == 3


def test_picked_range_cases():
    first, last = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    assert sidebar.picked_range((), first, last) == (None, None)
    assert sidebar.picked_range((dt.date(2024, 5, 1),), first, last) == (dt.date(2024, 5, 1), last)
    assert sidebar.picked_range((dt.date(2024, 6, 1), dt.date(2024, 5, 1)), first, last) == (
        dt.date(2024, 5, 1),
        dt.date(2024, 6, 1),
    )
    assert sidebar.picked_range(dt.date(2024, 5, 1), first, last) == (dt.date(2024, 5, 1), dt.date(2024, 5, 1))


def test_untrusted_strings_in_the_caption_are_escaped(open_page):
    at = open_page(None, q="[click](javascript:alert(1)) ![x](https://evil.example/x.png) <b>")
    raw = at.main.caption[0].value
    assert "](" not in raw and "<b>" not in raw
    assert "[click](javascript:alert(1))" in plain(raw)


def test_a_range_past_the_log_is_clamped_with_a_visible_note(open_page):
    # Issue 21: a range past the newest event failed quietly (a red "!" and all dates still shown).
    at = open_page(None, preset="Custom range", dates=["2025-03-01", "2026-12-31"])
    assert not at.exception
    assert at.date_input(key="dates").value == (dt.date(2025, 3, 1), dt.date(2026, 12, 31))
    assert shown_caption(at).startswith("4 claims, 1 Mar 2025 – 28 Apr 2025")
    note = "The period 1 Mar 2025 – 31 Dec 2026 reaches past the log, which runs from 18 Oct 2024 to 28 Apr 2025"
    assert any(note in plain(i.value) for i in at.main.info)
    assert any(note in plain(c.value) for c in at.sidebar.caption)


def test_calendar_year_presets(open_page):
    assert sidebar.preset_range("This year", dt.date(2025, 4, 28), today=dt.date(2026, 11, 30)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert sidebar.preset_range("Last year", dt.date(2025, 4, 28), today=dt.date(2026, 1, 5)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    at = open_page()
    assert {"This year", "Last year", "Last 12 months"} <= set(at.selectbox(key="preset").options)


def test_clamp_range_cases():
    first, last = dt.date(2024, 10, 18), dt.date(2025, 4, 28)
    assert sidebar.clamp_range(dt.date(2025, 1, 1), dt.date(2025, 2, 1), first, last)[2] is None
    start, end, note = sidebar.clamp_range(dt.date(2025, 1, 1), dt.date(2025, 12, 31), first, last)
    assert (start, end) == (dt.date(2025, 1, 1), last) and "reaches past the log" in note
    start, end, note = sidebar.clamp_range(dt.date(2020, 1, 1), dt.date(2024, 12, 31), first, last)
    assert (start, end) == (first, dt.date(2024, 12, 31)) and note
    # Wholly outside: left alone, so the page says nothing matches rather than showing other dates.
    assert sidebar.clamp_range(dt.date(2026, 1, 1), dt.date(2026, 12, 31), first, last) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        None,
    )
    assert sidebar.clamp_range(None, None, first, last) == (None, None, None)


def test_grade_minimums_come_from_the_url_and_narrow_every_page(open_page):
    everything = open_page("events")
    every_grade = set(everything.dataframe[0].value["Grade"])
    at = open_page("events", rel="B", cred="2")
    assert (at.selectbox(key="rel").value, at.selectbox(key="cred").value) == ("B", "2")
    grades = set(at.dataframe[0].value["Grade"])
    assert grades and grades <= {"A1", "A2", "B1", "B2"} and grades < every_grade
    assert "source reliability B or better; credibility 2 or better" in shown_caption(at)
    # Driven as a user would: loosening the credibility brings back the B3 claims.
    at.selectbox(key="cred").set_value("3").run()
    assert "B3" in set(at.dataframe[0].value["Grade"])
