"""Every page against the real seed log (skipped until data/seed/events.csv exists)."""

from __future__ import annotations

import pytest
import streamlit as st
from page_support import APP, TIMEOUT
from streamlit.testing.v1 import AppTest

from dashboard.events.importers import seed_path, seed_store
from dashboard.events.store import DB_URL_ENV, open_store

PAGES = ["overview", "timeline", "map", "events", "missiles", "changes", "data"]

pytestmark = pytest.mark.skipif(not seed_path().exists(), reason="no seed log yet")


@pytest.fixture(scope="module")
def seed_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.sqlite'}"
    store = open_store(url)
    seed_store(store)
    store.engine.dispose()
    return url


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_the_seed(seed_url, monkeypatch, page):
    monkeypatch.setenv(DB_URL_ENV, seed_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error
    assert "claims" in at.main.caption[0].value
    st.cache_resource.clear()
