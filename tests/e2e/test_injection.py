"""Issue 6 in the browser: a record full of HTML, Markdown and script shows as plain text.

The hostile record (``tests/fixtures/e2e/hostile.csv``) is in the server's log: a
description with ``<script>`` and ``<img onerror>``, a claimant and a place with
``<b>`` and a ``javascript:`` Markdown link, a formula-like counterpart. Its
``javascript:`` source URL cannot even be imported (first test).
"""

from __future__ import annotations

import pytest
from e2e_support import HOSTILE_ID, HOSTILE_JAVASCRIPT_URL_CSV, PAGES
from playwright.sync_api import expect

from dashboard.events.importers import import_file
from dashboard.events.store import open_store

pytestmark = pytest.mark.e2e

HOSTILE_DESCRIPTION = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> E2E hostile description'
HOSTILE_CLAIMANT = "E2E <b>bold</b> [link](javascript:alert(1)) claimant"
HOSTILE_PLACE = "<b>bold</b> [link](javascript:alert(1)) place"

# What data must never turn into: run script, an element built from its markup, a script link.
INERT_STATE = """() => ({
    pwned: typeof window.__pwned,
    imgFromData: document.querySelectorAll('img[src="x"], [onerror], [onload]:not(body)').length,
    scriptFromData: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
    scriptLinks: document.querySelectorAll('[*|href^="javascript:" i], [src^="javascript:" i]').length,
    linksFromData: document.querySelectorAll('a[href*="evil.example" i]').length,
    boldFromData: [...document.querySelectorAll('b, strong')].filter(e => e.textContent.trim() === 'bold').length,
})"""
INERT = {
    "pwned": "undefined",
    "imgFromData": 0,
    "scriptFromData": 0,
    "scriptLinks": 0,
    "linksFromData": 0,
    "boldFromData": 0,
}


def assert_inert(app) -> None:
    assert app.page.evaluate(INERT_STATE) == INERT
    app.assert_clean()


def test_javascript_source_url_is_refused_at_import(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'refused.sqlite'}", seed=False)
    try:
        report = import_file(store, HOSTILE_JAVASCRIPT_URL_CSV)
        assert not report.written
        assert [(e.line, e.column, e.rule) for e in report.errors] == [(2, "sources[1].url", "must be an http(s) URL")]
        assert store.stats()["events"] == 0
    finally:
        store.engine.dispose()


def test_events_table_and_detail_show_hostile_text_as_text(app):
    app.open("/events", {"q": "E2E"})
    expect(app.caption()).to_have_text("1 claim, 15 Jan 2025 – 15 Jan 2025; text “E2E”")
    table = app.grid_rows(app.main.locator(".st-key-events-table"))
    header, row = table[0], dict(zip(table[0], table[1], strict=False))
    assert "Claimant" in header
    assert row["Claimant"] == HOSTILE_CLAIMANT
    assert row["Description"] == HOSTILE_DESCRIPTION
    assert row["Place"].startswith(HOSTILE_PLACE)

    app.choose(app.main.locator('[data-testid="stSelectbox"]').filter(has_text="Show the details of"), HOSTILE_ID)
    expect(app.main.get_by_role("heading", name=f"Event {HOSTILE_ID}")).to_be_visible()
    expect(app.main.get_by_text(f"claimed by {HOSTILE_CLAIMANT}", exact=False)).to_be_visible()
    expect(app.main.get_by_test_id("stText")).to_have_text(HOSTILE_DESCRIPTION)
    assert_inert(app)

    app.main.get_by_role("tab", name="Sources").click()
    sources = app.main.locator('[data-testid="stDataFrame"]').filter(has_text="Outlet")
    expect(sources).to_be_visible()
    rows = app.grid_rows(sources)
    assert rows[0] == ["Outlet", "Title", "Date", "Link"]
    assert [r[1] for r in rows[1:]] == ["<b>title</b> [x](javascript:alert(1))", "second source"]
    assert [r[3] for r in rows[1:]] == ["https://example.org/e2e/hostile", "https://example.org/e2e/second"]
    app.main.get_by_role("tab", name="Fields").click()
    app.page.wait_for_timeout(500)
    app.full_screenshot("events-detail-hostile")
    assert_inert(app)


@pytest.mark.parametrize("name", [n for n in PAGES if n != "events"])
def test_hostile_record_is_inert_on_every_page(app, name):
    path, title, _ = PAGES[name]
    app.open(path)
    expect(app.main.locator("h1").first).to_have_text(title)
    app.page.mouse.wheel(0, 4000)  # bring every chart and table into view
    app.wait_idle()
    if name == "timeline":
        # The hostile claim is a high-confidence statement: its claimant labels a dotted line.
        label = app.main.locator("svg text", has_text="E2E")
        expect(label).to_have_count(1)
        assert label.text_content().startswith("E2E <b>bold</b>")
    assert_inert(app)


def test_hostile_search_text_from_the_url_is_inert(app):
    # Bare addresses too: Streamlit's Markdown makes links of them even backslash-escaped.
    hostile = (
        '<img src=x onerror="window.__pwned=3"> [x](javascript:alert(3)) **bold** '
        "www.evil.example https://evil.example/a me@evil.example"
    )
    app.open("/events", {"q": hostile})
    info = app.main.locator('[data-testid="stAlertContentInfo"]')
    # The escape puts an invisible word joiner (U+2060) inside each would-be link; the text reads the same.
    expect(info).to_contain_text("text “<img src=x onerror=")
    assert hostile in info.inner_text().replace("\u2060", "")
    expect(app.sidebar.get_by_role("textbox", name="Search text")).to_have_value(hostile)
    assert_inert(app)
