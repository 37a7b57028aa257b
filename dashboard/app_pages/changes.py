"""Changes: every claim added, revised and retracted between two knowledge times, for the shared filter."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.events import changes, exports
from dashboard.events.changes import CHANGE_KINDS, parse_knowledge_time
from dashboard.events.store import utc_now
from dashboard.ui import asof, data, page, tables, text

LAST_7_DAYS, LAST_30_DAYS, SINCE_IMPORT, CUSTOM = "Last 7 days", "Last 30 days", "Since the last import", "Custom"
WINDOWS = (LAST_7_DAYS, LAST_30_DAYS, SINCE_IMPORT, CUSTOM)
COLUMN_CONFIG = {
    "recorded_at": st.column_config.DatetimeColumn("Recorded (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "change": st.column_config.TextColumn("Change"),
    "event_id": st.column_config.TextColumn("Event"),
    "event_date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
    "category": st.column_config.TextColumn("Category"),
    "claimant": st.column_config.TextColumn("Claimant"),
    "what_changed": st.column_config.TextColumn("What changed (old → new)", width="large"),
    "reason": st.column_config.TextColumn("Why"),
    "recorded_by": st.column_config.TextColumn("Who"),
}

view = page.current_view()
store = data.get_store()
st.title("Changes", anchor=False)
asof.past_state_notice(view.as_of)
# "Now" is the sidebar's "As known on" when set: the changes that led up to that state.
until = view.as_of or utc_now()
window = st.selectbox("Changes recorded", WINDOWS, key="window", bind="query-params")
since: dt.datetime | None = until - dt.timedelta(days=30 if window == LAST_30_DAYS else 7)
if window == SINCE_IMPORT:
    last_import = changes.last_import_time(store, until)
    # Just before it: the lower bound is exclusive, and the import's own records must count.
    since = None if last_import is None else last_import - dt.timedelta(microseconds=1)
    if since is None:
        st.info("No import is recorded yet: showing the last 7 days.", icon=":material/info:")
        since = until - dt.timedelta(days=7)
elif window == CUSTOM:
    since_col, until_col = st.columns(2)
    typed_since = since_col.text_input("From (exclusive)", key="since", bind="query-params", placeholder="YYYY-MM-DD")
    typed_until = until_col.text_input("To (inclusive)", key="until", bind="query-params", placeholder="now")
    try:
        if typed_since.strip():
            since = parse_knowledge_time(typed_since)
        if typed_until.strip():
            until = parse_knowledge_time(typed_until)
    except ValueError as exc:
        st.error(text.escape_markdown(str(exc)), icon=":material/error:")
        st.stop()
if since >= until:
    st.error(
        text.escape_markdown(f"The window is empty: {asof.moment_text(since)} is not before {asof.moment_text(until)}.")
    )
    st.stop()

# The claims still current come from the view the app already holds; SQL reads only the others (a week
# holding a 1M-row import read every row: 60–120 s). Fields are compared only for the rows listed (and for
# the CSV when downloaded): reading every revised claim's earlier revision took over a second at 1M events.
current, token = data.current_events_and_token()
found = changes.window_changes(store, since, until, current=current, current_token=token)
found = found.loc[view.filter.mask(found)] if len(found) else found
counts = found["change"].value_counts() if len(found) else {}
st.caption(
    text.escape_markdown(
        f"{len(found):,} claims changed after {asof.moment_text(since)} up to {asof.moment_text(until)}: "
        + ", ".join(f"{int(counts.get(kind, 0)):,} {kind}" for kind in CHANGE_KINDS)
        + ("" if view.filter.is_empty() else f"; filter: {view.filter.describe()}")
        + ". Column headers sort."
    )
)
# The table lists the newest changes only: a week holding a large import has a row per claim, and
# spelling out and sending a million rows takes many seconds. The CSV holds every one (built on click).
shown = changes.newest_changes(found, tables.CHANGES_LISTED_AT_MOST)
listed = changes.change_list(changes.compare_revised(store, shown, since))
if listed.empty:
    st.info("No claim matching the filter changed in this window.", icon=":material/info:")
else:
    if len(found) > len(shown):
        st.info(
            f"The table lists the newest {len(shown):,} of these {len(found):,} changes; "
            "the CSV download holds all of them.",
            icon=":material/table_rows:",
        )
    st.dataframe(listed, hide_index=True, width="stretch", column_config=COLUMN_CONFIG, key="changes-table")
st.download_button(
    "Changes (CSV)",
    # Through the export guard: reasons and claimants come from outside and may start a formula.
    data=lambda: exports.csv_bytes(
        changes.change_list(changes.compare_revised(store, changes.newest_changes(found), since))
    ),
    file_name=f"conflict-monitor-changes-{since:%Y%m%dT%H%M%S}-{until:%Y%m%dT%H%M%S}.csv",
    mime="text/csv",
    on_click="ignore",
    key="changes-csv",
    icon=":material/download:",
)
