"""End-to-end fixtures: one real Streamlit server and one headless Chromium per session.

The server is started as ``conflict-monitor serve`` starts it (``python -m dashboard.server run
dashboard/app.py`` from the repository root, so ``.streamlit/config.toml`` applies) on a free port, over
a temp database holding the seed log plus one hostile record
(``tests/fixtures/e2e/hostile.csv``). Every tab blocks requests that leave the machine
and records them, with dialogs and uncaught script errors; a test fails if any of
those happened (see ``AppPage.assert_clean``). The server process itself runs with
``tests/outbound/sitecustomize.py``, which records every attempt to reach another machine; at the
end of the session (pages visited, charts exported as PNG/SVG/HTML, a file imported) there must
be none.

Needs Debian's Chromium at /usr/bin/chromium (``playwright install`` cannot download
here): without it the tests are skipped, except on CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from e2e_support import ARTIFACTS, HOSTILE_CSV, HOSTILE_ID, VIEWPORT, AppPage, is_local, serve
from playwright.sync_api import sync_playwright

from dashboard.events.importers import import_file, seed_store
from dashboard.events.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    """Skip here; fail on CI, where a missing browser must not pass as green."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"end-to-end tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    return CHROMIUM


# --- the database ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory) -> Iterator[str]:
    """URL of a temp SQLite log: the seed plus the hostile record."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'events.sqlite'}"
    store = open_store(url)
    seed_store(store)
    seeded = store.stats()["events"]
    assert seeded > 100, f"the seed log did not load: {seeded} events"
    report = import_file(store, HOSTILE_CSV, origin="e2e")
    assert report.written and report.new == 1, report.summary()
    assert HOSTILE_ID in set(store.current_events()["event_id"])
    store.engine.dispose()
    yield url


@pytest.fixture(scope="session")
def log_store(e2e_db):
    """The test's own read connection to the log the server shows (for expected numbers)."""
    store = open_store(e2e_db, seed=False)
    yield store
    store.engine.dispose()


@pytest.fixture
def log_events(log_store) -> pd.DataFrame:
    """The log's current events, read afresh."""
    return log_store.current_events()


# --- the server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(chromium_path, e2e_db, tmp_path_factory) -> Iterator[str]:
    """Base URL of a running dashboard over the e2e log; stopped (no orphans) at the end."""
    with serve(e2e_db, tmp_path_factory.mktemp("e2e-server") / "server.log") as base_url:
        yield base_url


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium_path):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def outside_requests() -> Iterator[dict[str, set[str]]]:
    """Every blocked request to the outside, by test; written to the artifacts at the end."""
    seen: dict[str, set[str]] = {}
    yield seen
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lines = [f"{url}\t{len(tests)} tests, e.g. {min(tests)}" for url, tests in sorted(seen.items())]
    (ARTIFACTS / "outside-requests.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def app(browser, server, outside_requests, request):
    """A fresh tab (own context: no shared session) on the dashboard; checked clean at the end."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    tab = AppPage(page=page, base_url=server)

    def route(handled):
        url = handled.request.url
        if is_local(url):
            handled.continue_()
        else:
            tab.blocked.append(url)
            handled.abort("internetdisconnected")

    def on_dialog(dialog):
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.route("**/*", route)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    try:
        yield tab
        tab.assert_clean()
    finally:
        context.close()
        for url in tab.blocked:
            outside_requests.setdefault(url, set()).add(request.node.name)
