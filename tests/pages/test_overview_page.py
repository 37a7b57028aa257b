"""Overview page: headline figures, the last-30-days change, the compact timeline."""

from __future__ import annotations

from page_support import FIXTURE_EVENTS, charts, no_match_shown, plain, shown_caption


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_renders_headline_figures(open_page):
    at = open_page("overview")
    values = metrics(at)
    assert values["Claims"] == str(FIXTURE_EVENTS)
    # The newest troop claim first (South Korea NIS, 13 Nov 2024), then whose, when, and the spread
    # of each claimant's latest claim (US DoD 3,000 of 23 Oct 2024), labelled as a spread.
    assert values["DPRK troops in Russia"] == "about 11,000"
    assert values["DPRK missile launches"] == "4"
    captions = [plain(c.value) for c in at.main.caption]
    assert any(
        "Newest: about 11,000 troops (10,000–12,000): South Korea NIS, 13 Nov 2024; claims of 23 Oct 2024 – 13 Nov 2024"
        in c
        for c in captions
    ), captions
    assert any(
        "Spread: 3,000 to 11,000 troops across 2 claimants' latest claims since 23 Oct 2024" in c for c in captions
    )
    assert any("missiles fired" in c for c in captions)
    assert shown_caption(at) == "18 claims, 18 Oct 2024 – 28 Apr 2025"
    # The compact timeline has one bar trace per category present.
    (figure,) = charts(at)
    assert {t["type"] for t in figure["data"]} == {"bar"}
    assert len(figure["data"]) == 5  # deployment, missile test, casualties, battle, statement


def test_last_30_days_counts_up_and_down(open_page):
    at = open_page("overview")
    change = {m.label: (m.value, m.delta) for m in at.metric if m.label in ("Deployment", "Statement", "Casualties")}
    # 30 Mar – 28 Apr 2025: one deployment, two statements; the 30 days before: one casualty claim.
    assert change == {"Deployment": ("1", "+1"), "Casualties": ("0", "-1"), "Statement": ("2", "+2")}


def test_preset_changes_the_numbers(open_page):
    at = open_page("overview")
    at.selectbox(key="preset").set_value("Last 30 days").run()
    assert not at.exception
    assert metrics(at)["Claims"] == "3"
    assert shown_caption(at) == "3 claims, 30 Mar 2025 – 28 Apr 2025"
    assert metrics(at)["DPRK missile launches"] == "0"


def test_custom_range_from_the_url(open_page):
    at = open_page("overview", preset="Custom range", dates=["2024-10-18", "2024-11-30"])
    assert metrics(at)["Claims"] == "7"
    assert shown_caption(at).startswith("7 claims, 18 Oct 2024 – 30 Nov 2024")


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("overview", q="no such words anywhere")
    assert no_match_shown(at)
    assert not at.metric
    assert not charts(at)
