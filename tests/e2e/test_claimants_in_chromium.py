"""The Claimants page in a real browser: opened by a relayed claimant's name in the URL, it shows the
originator with its grade and rationale and draws its charts; choosing another claimant follows the URL.
The Events table shows the grade code beside each claim."""

from __future__ import annotations

import pytest
from e2e_support import coloured_fraction, element_image
from playwright.sync_api import expect

from dashboard.events.claimants import builtin_register

pytestmark = pytest.mark.e2e


def test_claimant_page_shows_the_originator_grade_rationale_and_charts(app):
    register = builtin_register()
    app.open("/claimants", {"who": "Ukrainian intelligence via Financial Times"})
    expect(app.main.locator("h1").first).to_have_text("Claimants")
    app.assert_no_error_boxes()
    hur = register.claimants["Ukraine HUR"]
    expect(app.main.locator("h3").first).to_have_text("Ukraine HUR")
    expect(app.metric("Default source reliability")).to_have_text(hur.reliability)
    expect(app.main.get_by_text("Why: " + hur.rationale, exact=True)).to_be_visible()
    expect(app.main.get_by_text("Ukrainian intelligence via Financial Times", exact=False).first).to_be_attached()

    charts = app.main.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(2)  # claims over time, estimates against other originators
    for index in range(2):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart.locator("g.trace").first).to_be_attached()
        assert coloured_fraction(element_image(chart)) > 0.003, f"chart {index} looks blank"
    expect(app.main.get_by_text("Method: For each claim with a figure", exact=False)).to_be_visible()

    # Chosen as a user would: the URL follows, and the page shows the other claimant.
    picker = app.main.locator('[data-testid="stSelectbox"]').filter(has_text="Claimant").first
    picker.click()
    app.page.keyboard.type("South Korea NIS")  # the list of ~60 names draws only what is in view: narrow it
    app.page.get_by_role("option", name="South Korea NIS", exact=True).click()
    app.wait_idle()
    assert app.params.get("who") == ["South Korea NIS"]
    expect(app.main.locator("h3").first).to_have_text("South Korea NIS")
    expect(app.metric("Default source reliability")).to_have_text(register.claimants["South Korea NIS"].reliability)
    app.assert_no_error_boxes()
    app.full_screenshot("claimants")


def test_events_table_shows_the_grade_code(app):
    app.open("/events", {"rel": "B", "cred": "2"})
    app.assert_no_error_boxes()
    rows = app.grid_rows(app.main.locator(".st-key-events-table"))
    header = rows[0]
    assert "Grade" in header, header
    grades = {row[header.index("Grade")] for row in rows[1:] if len(row) == len(header)}
    assert grades and grades <= {"A1", "A2", "B1", "B2"}, grades
