"""Cached loaders: the store, the current events and the region boundaries.

The store is a resource (one engine per database URL). The events frame is data,
keyed on the store's revision token, so an import shows on the very next rerun
without anyone clearing a cache.
"""

from __future__ import annotations

import geopandas
import pandas as pd
import streamlit as st

from dashboard.events import geo
from dashboard.events.store import EventStore, default_url, open_store


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> EventStore:
    return open_store(url)


def get_store() -> EventStore:
    """The event store of ``CONFLICT_MONITOR_DB`` (or the default SQLite file)."""
    return _open_store(default_url())


@st.cache_data(ttl=3600, max_entries=4, show_spinner="Loading the event log…")
def load_events(url: str, token: str, _store: EventStore) -> pd.DataFrame:
    """Current events of the store at ``url`` as of revision ``token``."""
    return _store.current_events()


def current_events() -> pd.DataFrame:
    """The log's current view; reloaded whenever the revision token changes."""
    store = get_store()
    return load_events(default_url(), store.revision_token(), store)


@st.cache_resource(show_spinner=False)
def load_boundaries() -> geopandas.GeoDataFrame:
    """Region polygons, read once per server; treat as read-only."""
    return geo.load_boundaries()


@st.cache_resource(show_spinner=False)
def region_names() -> dict[str, str]:
    """ISO 3166-2 code to English region name."""
    return geo.region_names(load_boundaries())
