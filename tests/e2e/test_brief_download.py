"""The brief as a user gets it: the Overview's Brief buttons, for the filter in the URL."""

from __future__ import annotations

import io

import pytest
from e2e_support import ARTIFACTS, HOSTILE_ID
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

# Charts drawn and the PDF printed on the click: seconds, more on a busy machine.
BRIEF_TIMEOUT_MS = 240_000


def test_overview_downloads_the_brief_as_pdf(app, log_events):
    app.open("/", {"cat": ["Missile test"]})
    button = app.main.get_by_role("button", name="Brief (PDF)")
    button.scroll_into_view_if_needed()
    name, data = app.download(button, timeout_ms=BRIEF_TIMEOUT_MS)
    assert name == "conflict-monitor-brief.pdf"
    assert data.startswith(b"%PDF-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "overview-brief.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    launches = int((log_events["category"] == "missile_test").sum())
    assert "Filter: missile test." in text
    assert f"{launches:,} launch events in the period" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert {round(float(p.mediabox.width)) for p in reader.pages} == {595}  # A4 by default
    app.assert_no_error_boxes()


def test_overview_downloads_the_brief_as_html_with_hostile_text_as_text(app):
    app.open("/", {"q": "E2E"})
    button = app.main.get_by_role("button", name="Brief (HTML)")
    button.scroll_into_view_if_needed()
    name, data = app.download(button, timeout_ms=BRIEF_TIMEOUT_MS)
    assert name == "conflict-monitor-brief.html"
    page = data.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and HOSTILE_ID in page
    assert "<script" not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "Filter: text “E2E”." in page
    assert "?q=E2E" in page  # the same view in the dashboard
