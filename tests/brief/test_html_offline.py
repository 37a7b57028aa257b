"""The HTML brief opened in Chromium: nothing requested from anywhere, no script run, every image drawn."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from brief_support import ARTIFACTS, HOSTILE_SCRIPT
from playwright.sync_api import sync_playwright

from dashboard.brief import BriefRequest, brief_html, build_brief

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fast_charts")]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.mark.sqlite_only
def test_html_brief_requests_nothing_and_runs_no_script_when_opened(brief_store, chromium, tmp_path):
    page_file = tmp_path / "brief.html"
    page_file.write_text(brief_html(build_brief(brief_store, BriefRequest())), encoding="utf-8")
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            def route(handled):
                url = handled.request.url
                if url.startswith("data:") or url == page_file.as_uri():
                    handled.continue_()
                else:  # anything else (the network, another local file) is a request the brief must not make
                    requested.append(url)
                    handled.abort("internetdisconnected")

            page.route("**/*", route)
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            assert page.evaluate("() => window.__pwned") is None
            images = page.evaluate("() => [...document.images].map(i => [i.complete, i.naturalWidth])")
            assert images and all(done and width > 0 for done, width in images), images
            hrefs = page.evaluate("() => [...document.links].map(a => a.getAttribute('href'))")
            assert hrefs and all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
            assert HOSTILE_SCRIPT in page.inner_text("body")
            assert page.locator("script").count() == 0
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "brief-html.png")  # the top of the document, as a reader opens it
            page.get_by_role("link", name="Sources", exact=False).first.click()  # the contents link inside the file
            assert page.url.endswith("#sec-sources")
        finally:
            browser.close()
    assert not dialogs
    assert requested == [], requested
