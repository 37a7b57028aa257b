"""What a page starts from: the log, the shared filter, the rows it selects.

The entry file loads the log and draws the filter once per run, then hands both to
the page through :func:`sharing` (the cached frame is not copied a second time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import streamlit as st

from dashboard.events.filters import EventFilter
from dashboard.events.importers import seed_store
from dashboard.ui import asof, data, text

_SHARED_KEY = "_conflict_monitor_page_view"
# Long free text that only a table's visible rows, the detail view and the downloads show.
# ``shown`` leaves them out: copying them for every filtered row was most of a filter's cost
# (0.25 s of 0.3 s at 1M events) and memory; ``with_text`` adds them back to the rows that need them.
WIDE_COLUMNS = ("description", "sources")


@dataclass
class PageView:
    """The whole current log, the sidebar's filter, and the rows that match.

    ``events`` is the shared cached frame (``ui.data.load_events``): read-only, never assign into it.
    """

    events: pd.DataFrame
    filter: EventFilter
    as_of: dt.datetime | None = None  # "As known on" (naive UTC): ``events`` is the log as it stood then

    @cached_property
    def shown(self) -> pd.DataFrame:
        """The matching rows without ``WIDE_COLUMNS`` (a new frame, index labels as in ``events``)."""
        # The mask reads the whole log (the text search looks into descriptions); drop() is lazy
        # under copy-on-write, so only the rows taken are copied, and only the narrow columns.
        narrow = self.events.drop(columns=[c for c in WIDE_COLUMNS if c in self.events])
        mask = self.filter.mask(self.events)
        # Everything matches (the default view, and the cold start): no copy at all. Under copy-on-write
        # the narrow frame shares the cached frame's columns, so this saves ~330 MB and ~0.2 s at 1M.
        return narrow if bool(mask.all()) else narrow.loc[mask]

    def with_text(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` (taken from ``shown``) with the wide columns back, in the log's column order."""
        missing = [c for c in WIDE_COLUMNS if c in self.events and c not in rows]
        if not missing:
            return rows
        # Columns first, then positions: .loc[labels, columns] on the million-row frame took ~0.5 s.
        positions = self.events.index.get_indexer(rows.index)
        extra = self.events[missing].iloc[positions].set_axis(rows.index)
        full = pd.concat([rows, extra], axis=1)
        return full[[c for c in self.events.columns if c in full]]


@contextmanager
def sharing(events: pd.DataFrame, flt: EventFilter, as_of: dt.datetime | None = None) -> Iterator[None]:
    """Make this run's log and filter (and its "as known on" moment) available to the page that runs inside."""
    st.session_state[_SHARED_KEY] = PageView(events, flt, as_of)
    try:
        yield
    finally:
        # Not kept between runs: a session idle in the browser holds no copy of the log.
        st.session_state.pop(_SHARED_KEY, None)


def current_view() -> PageView:
    """This run's view; a page run on its own (without the entry file) gets an unfiltered one."""
    view = st.session_state.get(_SHARED_KEY)
    if view is None:
        view = PageView(data.current_events(), EventFilter())
    return view


def start(title: str, *, noun: str = "claims") -> PageView:
    """Title, the "what is shown" caption, and the view. Stops the page with a message when nothing matches."""
    view = current_view()
    st.title(title, anchor=False)
    asof.past_state_notice(view.as_of)
    text.page_caption(view.shown, view.filter, noun)
    if view.events.empty:
        if view.as_of is not None:
            st.info("The log held no claim yet at that moment.", icon=":material/history:")
        else:
            offer_seed()
        st.stop()
    if view.shown.empty:
        text.no_events(view.filter)
        st.stop()
    return view


def offer_seed() -> None:
    """An empty log: say so, and offer to load the built-in log (opening a database never seeds it)."""
    st.info(
        "The log is empty. Import a file on the Data page, or load the built-in log of North Korea's "
        "military support to Russia.",
        icon=":material/inbox:",
    )
    if st.button("Load the built-in log", key="seed-log", icon=":material/download:"):
        with st.spinner("Loading the built-in log…"):
            report = seed_store(data.get_store())
        st.toast(report.summary() if report else "The built-in log is loaded already.")
        st.rerun()
