"""The Overview's Brief control, and the brief's dashboard link opening the same filter."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from page_support import plain, shown_caption

from dashboard.brief import dashboard_url
from dashboard.events.filters import EventFilter
from dashboard.ui import text


def test_overview_offers_the_brief_as_pdf_and_html_built_on_click(open_page):
    at = open_page()
    buttons = {b.proto.label: b for b in at.get("download_button")}
    for label in ("Brief (PDF)", "Brief (HTML)"):
        assert label in buttons, list(buttons)
        button = buttons[label]
        # Deferred: nothing built while the page ran (charts and printing take seconds), no rerun on click.
        assert button.proto.deferred_file_id and not button.proto.url, label
        assert button.proto.ignore_rerun
    assert [s.value for s in at.selectbox if s.label == "Paper"] == ["a4"]


def test_the_briefs_dashboard_link_opens_the_same_filter(open_page, page_store):
    flt = EventFilter(
        start=dt.date(2024, 11, 1),
        end=dt.date(2025, 1, 31),
        categories=("deployment", "casualties"),
        countries=("RUS",),
        admin1=("RU-KRS",),
        claimants=("South Korea NIS", "Ukraine President"),
        min_confidence="medium",
    )
    query = parse_qs(urlsplit(dashboard_url(flt)).query)
    at = open_page(None, **query)
    expected = flt.apply(page_store.current_events())
    assert 0 < len(expected) < len(page_store.current_events())
    assert shown_caption(at) == plain(text.shown_line(expected, flt))


def test_the_buttons_build_the_brief_of_the_pages_filter(page_store, monkeypatch):
    from dashboard.ui import brief as brief_control

    monkeypatch.setattr(
        "dashboard.figures.export.figure_png", lambda fig, **kwargs: b"\x89PNG\r\n\x1a\n"
    )  # not the subject
    page = brief_control._build("html", EventFilter(categories=("deployment",)), "letter").decode("utf-8")
    assert "Filter: deployment." in page and "size: Letter;" in page
    assert "conflict-monitor brief --out conflict-monitor-brief.html --category deployment" in page
