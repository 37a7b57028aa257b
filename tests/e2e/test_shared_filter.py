"""The shared sidebar filter in the browser: driven by hand, opened from a link, kept across pages."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from e2e_support import wait_until
from playwright.sync_api import expect

from dashboard.events.filters import EventFilter

pytestmark = pytest.mark.e2e

PERIOD, DATES, CATEGORY = "preset", "dates", "cat"  # the sidebar's URL keys (dashboard/ui/sidebar.py)


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def newest_day(events: pd.DataFrame) -> dt.date:
    return events["event_date_end"].fillna(events["event_date"]).max().date()


def type_date(app, end: str, value: dt.date) -> None:
    """Type a day into the start or end field of the sidebar's range, segment by segment, as a user does."""
    field = app.sidebar.locator('[data-testid="stDateInput"]').get_by_role(
        "spinbutton", name=f"year, From – to {end} date"
    )
    field.click()
    app.page.keyboard.type(f"{value:%Y}")
    app.page.keyboard.type(f"{value:%m}")
    app.page.keyboard.type(f"{value:%d}")


def range_inputs(app) -> list[str]:
    return app.sidebar.locator('[data-testid="stDateInput"] input[type="date"]').evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )


def expect_range(app, first: dt.date, last: dt.date) -> None:
    """The sidebar's range fields show ``first`` and ``last`` (waits while the sidebar redraws)."""
    wanted = [first.isoformat(), last.isoformat()]
    wait_until(lambda: range_inputs(app) == wanted, timeout_s=15, describe=lambda: f"range fields {range_inputs(app)}")


def expect_params(app, params: dict[str, list[str]]) -> None:
    """The URL holds ``params`` (Streamlit updates it just after the run)."""
    wait_until(
        lambda: all(app.params.get(k) == v for k, v in params.items()), timeout_s=15, describe=lambda: app.page.url
    )


def test_driving_the_period_widgets_changes_figures_and_url(app, log_events):
    app.open("/")
    total = len(log_events)
    expect(app.metric("Claims")).to_have_text(f"{total:,}")

    # A preset: the last 90 days up to the newest event.
    newest = newest_day(log_events)
    start = newest - dt.timedelta(days=89)
    in_preset = EventFilter(start=start, end=newest).apply(log_events)
    assert 0 < len(in_preset) < total
    app.choose(app.sidebar_select("Period"), "Last 90 days")
    expect(app.caption()).to_have_text(f"{len(in_preset):,} claims, {day(start)} – {day(newest)}")
    expect(app.metric("Claims")).to_have_text(f"{len(in_preset):,}")
    expect_params(app, {PERIOD: ["Last 90 days"]})

    # A custom range typed into the date fields.
    app.choose(app.sidebar_select("Period"), "Custom range")
    first, last = dt.date(2025, 2, 1), dt.date(2025, 4, 30)
    type_date(app, "start", first)
    type_date(app, "end", last)
    assert range_inputs(app) == [first.isoformat(), last.isoformat()]
    app.page.keyboard.press("Enter")
    # The range is sent when the field loses focus: click elsewhere, as a user does.
    app.main.locator("h1").first.click()
    app.wait_idle()
    in_range = EventFilter(start=first, end=last).apply(log_events)
    assert 0 < len(in_range) < total and len(in_range) != len(in_preset)
    expect(app.caption()).to_have_text(f"{len(in_range):,} claims, {day(first)} – {day(last)}")
    expect(app.metric("Claims")).to_have_text(f"{len(in_range):,}")
    expect_params(app, {PERIOD: ["Custom range"], DATES: [first.isoformat(), last.isoformat()]})
    app.assert_no_error_boxes()


def test_deep_link_sets_the_sidebar_and_survives_page_switches(app, log_events):
    first, last = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
    # Multiselect values go into the URL as their labels ("Deployment"), not the schema key.
    params = {PERIOD: ["Custom range"], DATES: [first.isoformat(), last.isoformat()], CATEGORY: ["Deployment"]}
    expected = EventFilter(start=first, end=last, categories=("deployment",)).apply(log_events)
    assert len(expected) > 0
    caption = f"{len(expected):,} claims, {day(first)} – {day(last)}, deployment"

    app.open("/timeline", params)
    expect(app.caption()).to_have_text(caption)
    expect(app.sidebar.get_by_role("combobox", name="Period")).to_have_value("Custom range")
    expect_range(app, first, last)
    categories = app.sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Categories")
    expect(categories.locator("[data-tag]")).to_have_text(["Deployment"])
    expect_params(app, params)

    for label, path in (("Events", "/events"), ("Map", "/map"), ("Overview", "/")):
        app.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label).click()
        app.wait_idle()
        expect(app.main.locator("h1").first).to_have_text(re.compile(f"^{label}$"))
        assert app.path == path
        expect(app.caption()).to_have_text(caption)
        expect_params(app, params)
        expect_range(app, first, last)
    expect(app.metric("Claims")).to_have_text(f"{len(expected):,}")
    app.assert_no_error_boxes()
