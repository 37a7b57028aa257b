""" "As known on" in the browser: a pasted URL reaches a past state of the log; clearing the field returns to now."""

from __future__ import annotations

import datetime as dt

import pytest
from e2e_support import HOSTILE_ID
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_pasted_url_reaches_the_log_before_the_last_import(app, log_store, log_events):
    # The e2e log is the seed, then one more import (the hostile record): just before that import's
    # record, the log held every claim but that one.
    imported = log_store.history(HOSTILE_ID)["recorded_at"].iloc[0].to_pydatetime()
    before = imported - dt.timedelta(microseconds=1)
    app.open("/events", {"asof": before.isoformat()})
    assert app.params.get("asof") == [before.isoformat()]
    notice = app.main.get_by_text("A past state", exact=False)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"{before:%Y-%m-%d %H:%M:%S} UTC")
    assert app.shown_count() == len(log_events) - 1

    # As known exactly at the import's instant: the record counts as known.
    app.open("/events", {"asof": imported.isoformat()})
    assert app.shown_count() == len(log_events)

    # Drive the field once, as a user would: clearing it shows the log as it is now.
    field = app.sidebar.get_by_role("textbox", name="As known on")
    field.fill("")
    field.press("Enter")
    app.wait_idle()
    expect(app.main.get_by_text("A past state", exact=False)).to_have_count(0)
    assert app.shown_count() == len(log_events)
    assert "asof" not in app.params
    app.assert_no_error_boxes()
