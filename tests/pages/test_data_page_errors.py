"""Data page (issue 12): a database failure during an upload's import is a plain st.error, not a traceback."""

from __future__ import annotations

import sqlite3

import pytest
import streamlit as st
from page_support import APP, FIXTURE, FIXTURE_EVENTS, TIMEOUT, plain
from streamlit.testing.v1 import AppTest
from test_data_page import GOOD, csv_bytes

from dashboard.events.importers import import_file
from dashboard.events.store import DB_URL_ENV, open_store


@pytest.mark.sqlite_only  # a SQLite write lock held by another connection
@pytest.mark.timeout(180)
def test_a_locked_database_is_an_error_message_and_nothing_is_written(tmp_path, monkeypatch):
    db = tmp_path / "pages.sqlite"
    url = f"sqlite:///{db}?timeout=0.2"  # a short wait for the lock, so the test is quick
    store = open_store(url, seed=False)
    assert import_file(store, FIXTURE, fmt="native", origin="seed").new == FIXTURE_EVENTS
    token = store.revision_token()
    monkeypatch.setenv(DB_URL_ENV, url)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
        at.switch_page("app_pages/data.py").run()
        at.file_uploader[0].upload("upload.csv", csv_bytes(GOOD), "text/csv")
        at.run()
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program is writing
        try:
            at.button(key="import").click().run()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert not at.exception, [e.message for e in at.exception]
        errors = [plain(e.value) for e in at.error]
        assert len(errors) == 1 and "is locked" in errors[0] and "0.2 s" in errors[0]
        assert store.revision_token() == token
        assert "U-1" not in set(store.current_events()["event_id"])
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        store.engine.dispose()


@pytest.mark.sqlite_only  # files that are not databases, a database another program holds locked
def test_a_database_that_cannot_be_read_is_a_plain_message_on_every_page(tmp_path, monkeypatch):
    """Opening the dashboard on a file that is not a database: one plain error, no traceback box."""
    not_a_database = tmp_path / "notes.sqlite"
    not_a_database.write_bytes(b"these are an analyst's notes, not a database\n" * 200)
    monkeypatch.setenv(DB_URL_ENV, f"sqlite:///{not_a_database}")
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        (error,) = at.error
        assert "not a database" in plain(error.value).lower() or "damaged" in plain(error.value).lower()
        assert str(not_a_database) in plain(error.value)
        assert not_a_database.read_bytes().startswith(b"these are an analyst's notes")  # left as it was
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
