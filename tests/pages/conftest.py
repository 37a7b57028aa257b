"""Page tests: every page of the app run through Streamlit's AppTest against a small temp log.

The log is ``tests/fixtures/pages/events.csv`` (18 claims, 18 Oct 2024 – 28 Apr 2025),
imported into a fresh database that ``CONFLICT_MONITOR_DB`` points at, so the
numbers the tests expect never move when the seed log grows. Every page test runs on
both back ends: a SQLite file, and a schema of its own on the PostgreSQL test server
(``make_url`` in ``tests/conftest.py``; skipped without a server, a failure in CI).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import streamlit as st
from page_support import APP, FIXTURE, FIXTURE_EVENTS, TIMEOUT  # noqa: E402
from streamlit.testing.v1 import AppTest

from dashboard.events.importers import import_file
from dashboard.events.store import DB_URL_ENV, EventStore, open_store


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def page_store(make_url, monkeypatch) -> EventStore:
    """A temp store holding the page fixture; the app opens it through the environment.

    Streamlit's caches (the store the app opens per URL, its frames per revision token)
    are cleared before and after, so no test sees another's store or data.
    """
    url = make_url("pages")
    store = open_store(url, seed=False)
    report = import_file(store, FIXTURE, fmt="native", origin="seed")
    assert report.written and report.new == FIXTURE_EVENTS, report.summary()
    monkeypatch.setenv(DB_URL_ENV, url)
    _clear_caches()
    yield store
    _clear_caches()
    store.engine.dispose()


@pytest.fixture
def open_page(page_store) -> Callable[..., AppTest]:
    """``open_page("timeline", **query)`` -> an AppTest that has run the entry file, then the page."""

    def run(name: str | None = None, **query: str | list[str]) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.query_params.update(query)
        at.run()
        if name is not None:
            at.switch_page(f"app_pages/{name}.py").run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run
