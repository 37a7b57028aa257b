"""Cached loaders: the store, the current events and the region boundaries.

The store is a resource (one engine per database URL). The events frame is a shared,
read-only resource keyed on the store's revision token, so an import shows on the very next rerun
without anyone clearing a cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard.events import changes, geo, grading, register_store
from dashboard.events.claimants import Register
from dashboard.events.db_errors import DATABASE_ERRORS, database_error_message
from dashboard.events.importers import seed_store
from dashboard.events.store import EventStore, StoreError, default_url, is_default_database, open_store, utc_now
from dashboard.ui import text


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> EventStore:
    store = open_store(url)
    if is_default_database(url) and store.is_empty():
        seed_store(store)  # the default database's first start opens on the built-in log; others stay as they are
    return store


def get_store() -> EventStore:
    """The event store of ``CONFLICT_MONITOR_DB`` (or the default SQLite file)."""
    return _open_store(default_url())


# A resource, not data: st.cache_data pickles and unpickles the ~400 MB frame (1M events) on every
# read, which cost seconds per rerun and a copy per session. st.cache_resource hands every session
# the same object, so it is READ-ONLY: pages select rows (EventFilter.apply returns a new frame via
# .loc) and derive new frames, never assign into it (pandas copy-on-write also turns an accidental
# write into a copy, never a change to the shared frame). Keyed on the revision token, so an import
# shows on the next rerun; max_entries=2 keeps the old revision only while sessions move over.
@st.cache_resource(max_entries=2, show_spinner="Loading the event log…")
def load_events(url: str, token: str, _store: EventStore) -> pd.DataFrame:
    """Current events of the store at ``url`` as of revision ``token`` (shared: do not mutate), graded
    by the store's claimant register (``token`` names the register's state too: see :func:`frame_token`)."""
    return _graded(_one_chunk_per_column(_store.current_events()), _store)


def _graded(frame: pd.DataFrame, store: EventStore) -> pd.DataFrame:
    """``frame`` with its grade columns (originator, grade…), from the store's claimant register."""
    return grading.with_grades(frame, register_store.load_register(store))


def frame_token(store: EventStore, revision: str | None = None) -> str:
    """The key of the loaded frame: the log's revision (``revision``, read now when None) and the claimant
    register's state (an edit to a claimant's reliability changes every grade of its claims without a
    revision of the log)."""
    return f"{revision or store.revision_token()}|{register_store.register_token(store)}"


def _one_chunk_per_column(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each Arrow-backed column (the text columns) in one contiguous chunk.

    The Parquet snapshot reads in chunks of 131,072 rows, and taking rows by position from a chunked
    column cost ~9 ms per column per call at 1M events (the table's visible rows, a bar's ids, the
    date-order check), ~0.01 ms from one chunk. Joining the chunks once per revision costs ~40 ms.
    """
    # Arrow's allocator (mimalloc) keeps freed memory for reuse: ~200 MB after the Parquet read at
    # 1M events, and each replaced column's old chunks. Handing it back to the system after each
    # column keeps the joined copies from adding to the peak.
    pool = pa.default_memory_pool()
    pool.release_unused()
    for column in frame.columns:
        values = frame[column].array
        chunked = values.__arrow_array__() if hasattr(values, "__arrow_array__") else None
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            frame[column] = pd.array(chunked.combine_chunks(), dtype=frame[column].dtype)
            del values, chunked
            pool.release_unused()
    return frame


def current_events() -> pd.DataFrame:
    """The log's current view; reloaded whenever the revision token changes."""
    return current_events_and_token()[0]


def current_events_and_token() -> tuple[pd.DataFrame, str]:
    """The log's current view (shared: do not mutate) and the revision token it is cached under, which a
    data-layer read compares with the log's own (``changes.window_changes``): a write landing while the
    view loaded makes the two differ, and the read then does not trust the view."""
    store = get_store()
    revision = store.revision_token()
    return load_events(default_url(), frame_token(store, revision), store), revision


# A past state is the current view with the events changed since replaced (their earlier revisions read
# from SQL: seconds at 1M events when 5% changed), so it is cached too: keyed on the moment and on the
# revision token the log had then, which moves only if something is recorded at or before it (a moment
# still in the future). Read-only like the current frame.
@st.cache_resource(max_entries=4, show_spinner="Loading the log as it stood then…")
def load_events_as_of(url: str, as_of: dt.datetime, token: str, _store: EventStore) -> pd.DataFrame:
    """The events of the store at ``url`` as known at ``as_of`` (naive UTC; shared: do not mutate)."""
    return _graded(_one_chunk_per_column(_store.current_events(as_of=as_of)), _store)


def events_as_of(as_of: dt.datetime | None) -> pd.DataFrame:
    """The log as known at ``as_of`` (naive UTC), or its current view when None."""
    if as_of is None:
        return current_events()
    store = get_store()
    if changes.change_count(store, as_of) == 0:
        # Nothing recorded after it: that state is the current view, already loaded and shared; no second
        # copy of it cached per moment. One indexed count decides.
        return current_events()
    token = f"{changes.revision_token_as_of(store, as_of)}|{register_store.register_token(store)}"
    return load_events_as_of(default_url(), as_of, token, store)


def events_as_of_or_stop(as_of: dt.datetime | None) -> pd.DataFrame:
    """:func:`events_as_of`, or, when the database cannot be read (locked, unreachable, damaged, not a
    database), its cause and fix in one plain message and the page stopped: never a traceback box."""
    try:
        return events_as_of(as_of)
    except StoreError as exc:  # open_store explains what it could not open
        message = str(exc)
    except DATABASE_ERRORS as exc:
        message = database_error_message(exc, default_url())
        if message is None:
            raise
    st.error(text.escape_markdown(message), icon=":material/error:")
    st.stop()


@dataclass(frozen=True)
class LogFacets:
    """What the sidebar filter offers, from the whole current log.

    ``values``: the distinct values of ``country_code``, ``admin1_code`` and ``claimant``, as text;
    ``region_names``: ISO 3166-2 code to a name (boundaries first, else the name the log gives).
    """

    values: dict[str, list[str]]
    region_names: dict[str, str]


# Per revision, like the log itself: the sidebar offers the same distinct values on every rerun of
# every page, and reading them off a million rows took ~50 ms each time.
@st.cache_resource(max_entries=2, show_spinner=False)
def _log_facets(url: str, token: str, _store: EventStore) -> LogFacets:
    events = load_events(url, token, _store)
    names = dict(region_names())
    if "admin1_code" in events and "admin1_name" in events:
        # first() takes a region's first non-missing name; a group-by over the categorical code.
        known = events.groupby("admin1_code", observed=True, sort=False)["admin1_name"].first()
        for code, name in known.items():
            names.setdefault(code, name if isinstance(name, str) else code)
    return LogFacets(
        values={
            column: [str(v) for v in events[column].dropna().unique()] if column in events else []
            for column in ("country_code", "admin1_code", "claimant")
        },
        region_names=names,
    )


# Per revision and minute: the Overview's "N changes in the last 7 days" counted ~1M rows (0.45 s at
# 1M events after a fresh import) on every rerun. The window starts on a whole minute, so the count
# can lag the clock by under a minute; a new revision of the log changes the key at once.
@st.cache_resource(max_entries=8, show_spinner=False)
def _change_count(url: str, token: str, since: dt.datetime, until: dt.datetime | None, _store: EventStore) -> int:
    return changes.change_count(_store, since, until)


def recent_change_count(days: int, as_of: dt.datetime | None) -> int:
    """How many claims changed in the ``days`` before ``as_of`` (now if None), cached per revision and minute."""
    store = get_store()
    since = (as_of or utc_now()).replace(second=0, microsecond=0) - dt.timedelta(days=days)
    return _change_count(default_url(), store.revision_token(), since, as_of, store)


def log_facets() -> LogFacets:
    """The sidebar's options for the current revision of the log (computed once per revision)."""
    store = get_store()
    return _log_facets(default_url(), frame_token(store), store)


@st.cache_resource(show_spinner=False)
def load_boundaries() -> geopandas.GeoDataFrame:
    """Region polygons, read once per server; treat as read-only."""
    return geo.load_boundaries()


@st.cache_resource(show_spinner=False)
def region_names() -> dict[str, str]:
    """ISO 3166-2 code to English region name."""
    return geo.region_names(load_boundaries())


@st.cache_resource(max_entries=2, show_spinner=False)
def _claimant_register(url: str, token: str, _store: EventStore) -> Register:
    return register_store.load_register(_store)


def claimant_register() -> Register:
    """The store's claimant register, read once per state of it (read-only)."""
    store = get_store()
    return _claimant_register(default_url(), register_store.register_token(store), store)
