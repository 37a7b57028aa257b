"""Issue 21 in a real browser: selections that stay put, clamped dates, downloads that cite
sources, launches that open their claims, defaults that follow the filter, and no visual slips.

Also writes the screenshots an analyst would look at: every page with no filter, a casualties
filter and a 2026 missile filter (``tests/artifacts/e2e/answers-*.png``).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from e2e_support import PAGES, unescape_markdown
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

MISSILES_2026 = {"cat": ["Missile test"], "preset": "Custom range", "dates": ["2026-01-01", "2026-12-31"]}
CASUALTIES = {"cat": ["Casualties"]}


def subheaders(app) -> list[str]:
    return [unescape_markdown(t) for t in app.main.locator("h3").all_inner_texts()]


def search(app, words: str) -> None:
    box = app.sidebar.get_by_role("textbox", name="Search text")
    box.fill(words)
    box.press("Enter")
    app.wait_idle()


def test_the_selected_claim_stays_put_when_the_filter_changes(app):
    app.open("/events", {"event": "D08"})
    expect(app.main.get_by_role("heading", name="Event D08")).to_be_visible()
    # A filter that keeps the claim and moves it to another row: the detail still shows D08.
    search(app, "defence ministry")
    expect(app.main.get_by_role("heading", name="Event D08")).to_be_visible()
    assert app.params.get("event") == ["D08"]
    # A filter that drops it: cleared with a word, and no other claim takes its place.
    search(app, "Sudzha")
    expect(app.main.get_by_text("Event D08 is not among the filtered claims")).to_be_visible()
    expect(app.main.get_by_role("heading", name=re.compile(r"^Event "))).to_have_count(0)
    assert "event" not in app.params
    app.assert_clean()


def test_picking_a_claim_puts_it_in_the_url(app):
    app.open("/events", {"cat": ["Casualties"]})
    box = app.main.locator('[data-testid="stSelectbox"]').filter(has_text="Show the details of")
    box.click()
    app.page.keyboard.type("C14-total")  # the option list is long: narrow it as a user would
    app.page.get_by_role("option", name="C14-total", exact=True).click()
    app.wait_idle()
    expect(app.main.get_by_role("heading", name="Event C14-total")).to_be_visible()
    assert app.params.get("event") == ["C14-total"]
    fields = app.grid_rows(app.main.locator('[data-testid="stDataFrame"]').nth(1))
    text = " ".join(" ".join(row) for row in fields)
    assert "Claimed by" in text and "figure_" not in text and "None" not in text
    assert "at least 3,000 casualties" in text


def test_a_range_past_the_log_is_clamped_with_a_note(app, log_events):
    newest = log_events["event_date"].max()
    app.open("/timeline", {"preset": "Custom range", "dates": ["2025-06-01", "2027-12-31"]})
    note = app.main.locator('[data-testid="stAlert"]').filter(has_text="reaches past the log")
    expect(note).to_be_visible()
    expect(app.caption()).to_contain_text(f"1 Jun 2025 – {newest.day} {newest:%b %Y}")
    # The presets a user reaches for.
    app.sidebar_select("Period").click()
    for option in ("This year", "Last year", "Last 12 months"):
        expect(app.page.get_by_role("option", name=option, exact=True)).to_be_visible()
    app.page.keyboard.press("Escape")
    app.assert_clean()


def test_the_estimate_download_cites_every_claims_sources(app):
    app.open("/timeline", CASUALTIES)
    body = app.open_downloads(1)  # the estimate chart
    _, data = app.download(body.get_by_role("button", name="Chart data (CSV)"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows
    for column in ("event_id", "claimant", "unit", "outlet", "title", "source_date", "url"):
        assert column in rows[0], column
    assert all(r["url"].startswith(("http://", "https://")) and r["outlet"] for r in rows)
    assert {r["unit"] for r in rows} <= {"casualties", "killed", "wounded", "captured", "missing"}
    app.page.keyboard.press("Escape")
    body = app.open_downloads(1)
    _, html = app.download(body.get_by_role("button", name="Interactive HTML"))
    page = html.decode("utf-8")
    assert "Sources: " in page and "DPRK" in page  # the source line names outlets; the title says whose
    app.assert_clean()


def test_a_launch_row_opens_its_claims(app):
    app.open("/missiles", MISSILES_2026)
    grid = app.main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The first data row's selection cell (glide grid: a 35 px header, then 35 px rows).
    app.page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    app.wait_idle()
    expect(app.main.get_by_role("heading", name=re.compile("^Claims about the launch of"))).to_be_visible()
    assert app.params.get("event")
    claims = app.grid_rows(app.main.locator('[data-testid="stDataFrame"]').last)
    header = claims[0]
    assert "Outlet" in header and len(claims) > 1  # the grid draws the columns in view only
    app.assert_clean()


def test_the_flight_profile_says_what_it_cannot_plot(app):
    app.open("/missiles", MISSILES_2026)
    expect(app.main.get_by_text(re.compile(r"^\d+ of \d+ launch claims plotted"))).to_be_visible()


def test_defaults_follow_the_filter(app):
    app.open("/timeline", CASUALTIES)
    measure = app.main.get_by_role("combobox", name="Measure")
    expect(measure).to_have_value(re.compile(r"^DPRK (killed|wounded|total casualties|captured|missing)$"))
    expect(app.main.get_by_text("No claim in the filtered events")).to_have_count(0)
    app.open("/map", MISSILES_2026)
    expect(app.main.get_by_role("combobox", name="View")).to_have_value("Korean peninsula")
    app.assert_clean()


def test_the_estimate_axis_title_stays_inside_the_plot(app):
    # The casualties chart's long y-axis title ran past the plot into the chart title above it.
    app.open("/timeline", CASUALTIES)
    chart = app.main.locator('[data-testid="stPlotlyChart"]').nth(1)
    chart.scroll_into_view_if_needed()
    title = chart.locator(".g-ytitle").bounding_box()
    plot = chart.locator(".nsewdrag").first.bounding_box()
    assert title and plot
    assert title["y"] >= plot["y"] - 1 and title["y"] + title["height"] <= plot["y"] + plot["height"] + 1


@pytest.mark.parametrize("name", list(PAGES))
# The whole log's screenshots come from test_pages.py (which checks those pages more closely).
@pytest.mark.parametrize(("label", "params"), [("casualties", CASUALTIES), ("missiles-2026", MISSILES_2026)])
def test_screenshots_for_review(app, name, label, params):
    path, heading, _ = PAGES[name]
    app.open(path, params)
    expect(app.main.get_by_role("heading", name=heading).first).to_be_visible()
    app.assert_no_error_boxes()
    app.full_screenshot(f"answers-{name}-{label}")
