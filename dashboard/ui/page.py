"""What a page starts from: the log, the shared filter, the rows it selects.

The entry file loads the log and draws the filter once per run, then hands both to
the page through :func:`sharing` (the cached frame is not copied a second time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import streamlit as st

from dashboard.events.filters import EventFilter
from dashboard.ui import data, text

_SHARED_KEY = "_conflict_monitor_page_view"


@dataclass
class PageView:
    """The whole current log, the sidebar's filter, and the rows that match."""

    events: pd.DataFrame
    filter: EventFilter

    @cached_property
    def shown(self) -> pd.DataFrame:
        return self.filter.apply(self.events)


@contextmanager
def sharing(events: pd.DataFrame, flt: EventFilter) -> Iterator[None]:
    """Make this run's log and filter available to the page that runs inside."""
    st.session_state[_SHARED_KEY] = PageView(events, flt)
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
    text.page_caption(view.shown, view.filter, noun)
    if view.shown.empty:
        text.no_events(view.filter)
        st.stop()
    return view
