"""Page URLs: every page answers at its own path, the Overview at "/" and at "/overview" alike."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.events.filters import EventFilter

pytestmark = pytest.mark.e2e


def test_overview_path_forwards_to_the_root_with_the_filter(app, log_events):
    app.open("/overview", {"cat": ["Deployment", "Missile test"]})
    # Streamlit answered an unknown path with a "Page not found" modal over the main page.
    expect(app.page.get_by_text("Page not found")).to_have_count(0)
    expect(app.main.locator("h1").first).to_have_text("Overview")
    assert app.path == "/"
    assert app.params.get("cat") == ["Deployment", "Missile test"]
    expected = EventFilter(categories=("deployment", "missile_test")).apply(log_events)
    assert app.shown_count() == len(expected) > 0
    nav = app.page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_role("link", name="Overview")).to_have_count(1)  # the alias is not a second entry
    app.assert_no_error_boxes()


def test_an_unknown_path_still_says_page_not_found(app):
    app.open("/no-such-page")
    expect(app.page.get_by_text("Page not found")).to_be_visible()
