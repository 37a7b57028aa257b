"""A pasted URL with values the filter does not offer: each is kept, clamped or ignored, and the page says which.

Issue 17, point 7: a widget bound to the URL drops a value it does not offer without a word (Streamlit
1.67), so an unknown claimant, region, category, confidence or period, an unusable date range and
thousands of repeated values all used to show "everything" as if asked for.
"""

from __future__ import annotations

import datetime as dt

import pytest
from page_support import plain, shown_caption


def _notices(at) -> list[str]:
    return [plain(w.value) for w in at.main.warning if "does not offer" in plain(w.value)]


def _notice(at) -> str:
    found = _notices(at)
    assert len(found) == 1, [plain(w.value) for w in at.main.warning]
    return found[0]


def test_unknown_values_are_named_with_the_reason(open_page):
    at = open_page(
        None,
        claimant=["South Korea NIS", "Atlantis Ministry"],
        region=["Kursk Oblast (RU-KRS)", "Narnia (XX-NAR)"],
        cat=["Deployment", "Alien landing"],
        conf="certain",
        preset="Last 5 decades",
    )
    notice = _notice(at)
    assert "Claimants: “Atlantis Ministry” — not a claimant in the log, ignored" in notice
    assert "Regions: “Narnia (XX-NAR)” — not a region in the log, ignored" in notice
    assert "Categories: “Alien landing” — not a category in the log, ignored" in notice
    assert "Minimum confidence: “certain” is not one of the choices" in notice and "showing “any”" in notice
    assert "Period: “Last 5 decades” is not one of the choices" in notice and "showing “All dates”" in notice
    # The known values are kept.
    assert at.multiselect(key="claimant").value == ["South Korea NIS"]
    assert at.multiselect(key="region").value == ["RU-KRS"]
    assert at.multiselect(key="cat").value == ["deployment"]
    assert any("were ignored" in plain(c.value) for c in at.sidebar.caption)


def test_thousands_of_repeated_values_count_once_and_say_so(open_page):
    # Up to Streamlit's 1,000 parameters (beyond, the server answers with a page: tests/test_server_limits.py).
    at = open_page(None, claimant=["South Korea NIS"] * 600, region=[f"Nowhere {i} (XX-{i})" for i in range(390)])
    notice = _notice(at)
    assert "Claimants: 599 repeated values ignored (each value counts once)" in notice
    assert "Regions: “Nowhere 0 (XX-0)”" in notice and "and 385 more — not a region in the log, ignored" in notice
    assert at.multiselect(key="claimant").value == ["South Korea NIS"]


def test_a_range_beyond_the_picker_is_cut_with_a_notice_not_dropped(open_page):
    # Before: the picker refused a start decades before the log and showed all dates without a word.
    at = open_page(None, preset="Custom range", dates=["1900-01-01", "2025-01-31"])
    notice = _notice(at)
    assert "From – to: 1 Jan 1900 – 31 Jan 2025 reaches beyond the dates the picker offers" in notice
    picker = at.date_input(key="dates")
    assert picker.value == (picker.min, dt.date(2025, 1, 31))
    # Then clamped to the log itself, as any range reaching past it is.
    assert "18 Oct 2024 – 31 Jan 2025" in shown_caption(at)


def test_dates_without_the_custom_period_and_bad_dates_are_named(open_page):
    ignored = _notice(open_page(None, dates=["2025-01-01", "2025-02-01"]))
    assert "From – to: “2025-01-01”, “2025-02-01” ignored — dates apply with the period “Custom range”" in ignored
    bad = _notice(open_page(None, preset="Custom range", dates=["soon", "2025-02-01"]))
    assert "From – to: “soon” is not a date (write YYYY-MM-DD); showing all dates" in bad


def test_a_url_the_filter_fully_offers_gets_no_notice(open_page):
    at = open_page(None, claimant="South Korea NIS", region="Kursk Oblast (RU-KRS)", conf="medium")
    assert not [w for w in at.main.warning if "does not offer" in plain(w.value)]


# The notice lives in the session, not the store: one back end is enough, and CI time is short.
@pytest.mark.sqlite_only
def test_the_notice_stays_on_reruns_and_pages_until_dismissed(open_page):
    # The widgets drop what they do not offer from the URL on the first run; the notice used to go with it.
    at = open_page(
        None, claimant=["South Korea NIS", "[Atlantis](https://evil.example)"], dates=["2025-01-01", "2025-02-01"]
    )
    named = "Claimants: “[Atlantis](https://evil.example)” — not a claimant in the log, ignored"
    assert named in _notice(at)
    at.run()  # any click: a tab, a checkbox, a chart selection
    assert named in _notice(at)
    (raw,) = [w.value for w in at.main.warning if "does not offer" in w.value]
    assert "[Atlantis]" not in raw and r"\[Atlantis\]" in raw  # still escaped: shown as text, never a link
    # Streamlit would turn "https://…" into a link even escaped: an invisible word joiner (U+2060) stops it.
    assert "https\\:\u2060" in raw
    at.switch_page("app_pages/events.py").run()
    assert named in _notice(at) and "dates apply with the period “Custom range”" in _notice(at)
    assert any("were ignored (2)" in plain(c.value) for c in at.sidebar.caption)
    at.button(key="url-notice-dismiss").click().run()
    assert not _notices(at)
    # The dates stay in the URL (their picker is not drawn): not news, so the dismissed part stays away.
    assert at.query_params.get("dates")
    at.run()
    assert not _notices(at) and not any("were ignored" in plain(c.value) for c in at.sidebar.caption)


@pytest.mark.sqlite_only
def test_changing_a_filter_ends_its_part_and_a_new_url_replaces_what_it_asks_again(open_page):
    at = open_page(None, claimant=["South Korea NIS", "Atlantis Ministry"], conf="certain", preset="Last 5 decades")
    at.selectbox(key="conf").set_value("high").run()
    notice = _notice(at)
    assert "Minimum confidence" not in notice  # the user chose one: that part no longer applies
    assert "“Atlantis Ministry”" in notice and "“Last 5 decades”" in notice  # the others still do
    # A new address asking other claimants: its claimants replace the old ones, the period stays, once.
    at.query_params["claimant"] = ["South Korea NIS", "Narnia Ministry"]
    at.query_params["region"] = "Narnia (XX-NAR)"
    at.run()
    notice = _notice(at)
    assert "“Narnia Ministry”" in notice and "Atlantis" not in notice
    assert "Regions: “Narnia (XX-NAR)”" in notice and notice.count("“Last 5 decades”") == 1
    at.button(key="reset_filters").click().run()  # every filter set anew: nothing of the notice applies
    assert not _notices(at)
