"""The analyst's desk in a real browser: record a claim and find it on Events; a concurrent edit refused.

A server of its own (``e2e_support.serve``) over a small log of its own, so the claims written
here never change what the other browser tests count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import VIEWPORT, AppPage, is_local, serve
from playwright.sync_api import Locator, expect

from dashboard.events.importers import import_file
from dashboard.events.store import EventStore, open_store

pytestmark = pytest.mark.e2e
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "events.csv"


@pytest.fixture(scope="module")
def desk_log(tmp_path_factory) -> Iterator[tuple[str, EventStore]]:
    """A small log (the page fixture's 18 claims), and the test's own connection to it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'desk.sqlite'}"
    store = open_store(url)
    assert import_file(store, FIXTURE, fmt="native", origin="seed").written
    yield url, store
    store.engine.dispose()


@pytest.fixture(scope="module")
def desk_server(chromium_path, desk_log, tmp_path_factory) -> Iterator[str]:
    with serve(desk_log[0], tmp_path_factory.mktemp("desk-server") / "server.log") as base_url:
        yield base_url


@pytest.fixture
def tab(browser, desk_server):
    """``tab()`` -> a new tab in a context of its own (its own session), checked clean at the end."""
    opened: list[tuple[object, AppPage]] = []

    def make() -> AppPage:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        page = context.new_page()
        app = AppPage(page=page, base_url=desk_server)

        def route(handled):
            if is_local(handled.request.url):
                handled.continue_()
            else:
                app.blocked.append(handled.request.url)
                handled.abort("internetdisconnected")

        page.route("**/*", route)
        page.on("pageerror", lambda error: app.errors.append(str(error)))
        opened.append((context, app))
        return app

    yield make
    for context, app in opened:
        try:
            app.assert_clean()
        finally:
            context.close()


def _widget(app: AppPage, testid: str, label: str) -> Locator:
    """The widget of kind ``testid`` (e.g. stTextInput) whose label is exactly ``label``."""
    labels = app.page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(f"^{re.escape(label)}$"))
    return app.main.locator(f'[data-testid="{testid}"]').filter(has=labels).first


def _type(app: AppPage, testid: str, label: str, value: str) -> None:
    field = _widget(app, testid, label).locator("input, textarea").first
    field.fill(value)
    field.press("Enter" if testid != "stTextArea" else "Tab")
    app.wait_idle(settle_ms=200)


def _select(app: AppPage, label: str, typed: str, option: str | None = None) -> None:
    """Type into a select box (type-ahead) and take ``option``, or the typed text itself as a new option."""
    box = _widget(app, "stSelectbox", label)
    box.click()
    app.page.keyboard.type(typed)
    if option is None:
        app.page.keyboard.press("Enter")
    else:
        app.page.get_by_role("option", name=re.compile(f"^{re.escape(option)}")).first.click()
    app.wait_idle(settle_ms=200)


def test_a_claim_recorded_in_the_browser_is_on_the_events_page(tab, desk_log):
    _, store = desk_log
    app = tab()
    app.open("/record")
    expect(app.main.locator("h1").first).to_have_text("Record a claim")
    event_id = _widget(app, "stTextInput", "Event id *").locator("input").input_value()
    assert re.fullmatch(r"desk-\d{8}-[0-9a-f]{6}", event_id)

    _select(app, "Category *", "deploy", "deployment")
    _type(app, "stTextInput", "Type", "in_kursk")
    _type(app, "stDateInput", "Date *", "2025-05-02")
    _select(app, "Claimed by *", "Lithuania VSD")  # a claimant the log has never named
    _type(app, "stTextInput", "Whose forces *", "North Korea")
    _select(app, "Unit", "troops", "troops")
    _type(app, "stNumberInput", "Best estimate", "2400")
    _select(app, "A place from the gazetteer", "Sudzha", "Sudzha")
    expect(_widget(app, "stTextInput", "Place").locator("input")).to_have_value("Sudzha")
    expect(app.main.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)  # the place preview
    _type(app, "stTextInput", "Source 1: outlet", "LRT")
    _type(app, "stTextInput", "Title", "VSD: a new rotation near Sudzha")
    _type(app, "stTextInput", "Link (http/https)", "https://example.org/lrt/1")
    assert store.current_fields([event_id], ["event_id"]).empty  # nothing written before Save

    app.main.get_by_role("button", name=re.compile("Save the claim")).click()
    app.wait_idle()
    expect(app.main.get_by_text(f"Claim {event_id} recorded")).to_be_visible()
    app.assert_no_error_boxes()
    assert store.current_fields([event_id], ["claimant"])["claimant"].tolist() == ["Lithuania VSD"]

    app.open("/events", {"event": event_id})
    expect(app.main.get_by_role("heading", name=f"Event {event_id}")).to_be_visible()
    expect(app.main.get_by_text("claimed by Lithuania VSD")).to_be_visible()


def test_a_concurrent_edit_from_a_second_browser_is_refused(tab, desk_log):
    _, store = desk_log
    first, second = tab(), tab()
    for app in (first, second):  # both open the same claim at the same revision
        app.open("/record", {"edit": "T-D05"})
        expect(app.main.locator("h1").first).to_have_text("Correct claim T-D05")
    opened = store.head_revision("T-D05")
    before = store.current_fields(["T-D05"], ["figure_best"])["figure_best"].iloc[0]

    _type(first, "stNumberInput", "Best estimate", str(int(before) + 100))
    _type(first, "stTextInput", "Why this correction *", "first analyst's correction")
    first.main.get_by_role("button", name=re.compile("Save the correction")).click()
    first.wait_idle()
    expect(first.main.get_by_text("Claim T-D05 corrected.")).to_be_visible()
    assert store.head_revision("T-D05") == opened + 1

    _type(second, "stNumberInput", "Best estimate", str(int(before) + 999))
    _type(second, "stTextInput", "Why this correction *", "second analyst's correction")
    second.main.get_by_role("button", name=re.compile("Save the correction")).click()
    second.wait_idle()
    expect(
        second.main.get_by_text(re.compile(f"claim T-D05 changed since you opened it at revision {opened}"))
    ).to_be_visible()
    expect(second.main.get_by_text("What changed since you opened it")).to_be_visible()
    reload = second.main.get_by_role("button", name=re.compile("Reload the claim as it is now"))
    expect(reload).to_be_visible()
    # nothing overwritten: the first analyst's figure stands
    assert store.head_revision("T-D05") == opened + 1
    assert store.current_fields(["T-D05"], ["figure_best"])["figure_best"].iloc[0] == before + 100
    reload.click()
    second.wait_idle()
    expect(_widget(second, "stNumberInput", "Best estimate").locator("input")).to_have_value(
        re.compile(str(int(before) + 100))
    )
    second.assert_clean()
