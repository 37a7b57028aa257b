"""The "as known on" moment: the log as it stood at a past moment, chosen in the sidebar and kept in the URL.

URL key ``asof``: empty = now; ``2024-12-01`` = the end of that day (UTC); ``2024-12-01T12:00``
= that UTC time; a time with an offset is converted to UTC. Every page reads the log through
``ui.data.events_as_of``, so charts, tables, downloads and headlines all show that state, and
:func:`past_state_notice` says so under each page's title.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pandas as pd
import streamlit as st

from dashboard.events.changes import parse_knowledge_time
from dashboard.figures import timeline
from dashboard.ui import data, text

AS_OF = "asof"  # widget key = URL query parameter
COMPARE = "compare"  # the estimate chart's "as known on another date" (URL query parameter)


def render_as_of() -> dt.datetime | None:
    """The "As known on" field in the sidebar; returns the moment (naive UTC) or None for now.

    A value that is not a date or time is shown as an error and the page shows the current log.
    """
    if st.session_state.get(AS_OF) and AS_OF not in st.query_params:
        # Lost from the URL on a fast page switch (see sidebar.restore_lost_params): put it back.
        st.session_state[AS_OF] = st.session_state[AS_OF]
    with st.sidebar:
        typed = st.text_input(
            "As known on",
            key=AS_OF,
            bind="query-params",
            placeholder="now — or YYYY-MM-DD, YYYY-MM-DD HH:MM (UTC)",
            help="Show the log as it stood then: revisions recorded later are ignored, later retractions not "
            "applied. A day alone means its end (23:59:59 UTC); a revision recorded exactly then counts as known.",
        )
    if not typed or not typed.strip():
        return None
    try:
        return parse_knowledge_time(typed)
    except ValueError as exc:
        st.sidebar.error(text.escape_markdown(f"As known on: {exc}; showing the log as it is now."))
        st.error(text.escape_markdown(f"As known on: {exc}. Showing the log as it is now."), icon=":material/error:")
        return None


def moment_text(moment: dt.datetime) -> str:
    """``2024-12-01 23:59:59 UTC (+00:00)``, then the reader's local time with its offset when the browser tells it."""
    utc = moment.replace(tzinfo=dt.UTC)
    shown = f"{utc:%Y-%m-%d %H:%M:%S} UTC (+00:00)"
    zone = _browser_zone()
    if zone is not None and zone.utcoffset(utc) != dt.timedelta(0):
        local = utc.astimezone(zone)
        shown += f"; {local.isoformat(sep=' ', timespec='seconds')} in {zone.key}"
    return shown


def _browser_zone() -> zoneinfo.ZoneInfo | None:
    try:
        name = st.context.timezone
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, AttributeError):
        return None


def past_state_notice(as_of: dt.datetime | None) -> None:
    """Under a page's title: this page shows a past state of the log (nothing when ``as_of`` is None)."""
    if as_of is None:
        return
    st.warning(
        text.escape_markdown(
            f"A past state: the log as known on {moment_text(as_of)}. Revisions recorded after it are "
            "ignored and later retractions not applied. Clear “As known on” in the sidebar for the current log."
        ),
        icon=":material/history:",
    )


def earlier_estimates(view, measure: str) -> tuple[pd.DataFrame | None, str | None]:
    """The estimate chart's comparison: a field for another knowledge time, and ``measure``'s series then.

    ``view`` is the page's ``PageView``; the same filter applies to the earlier log. Returns
    (None, None) when the field is empty or not a time (said under the field).
    """
    typed = st.text_input(
        "Compare with the log as known on",
        key=COMPARE,
        bind="query-params",
        placeholder="YYYY-MM-DD or YYYY-MM-DD HH:MM (UTC)",
        help="Draws each claimant's estimates as they stood then as a faint dotted line: what arrived or changed "
        "since stands out.",
    )
    if not typed or not typed.strip():
        return None, None
    try:
        moment = parse_knowledge_time(typed)
    except ValueError as exc:
        st.error(text.escape_markdown(f"Compare with: {exc}"), icon=":material/error:")
        return None, None
    then = data.events_as_of(moment)
    series = timeline.thin_estimates(timeline.estimate_series(then.loc[view.filter.mask(then)], measure))
    label = f"as known on {moment:%Y-%m-%d %H:%M} UTC"
    st.caption(
        text.escape_markdown(
            f"Dotted lines: the estimates {label} ({len(series):,} claims then; solid lines: "
            f"{'the log as known on ' + moment_text(view.as_of) if view.as_of else 'now'})."
        )
    )
    return series, label
