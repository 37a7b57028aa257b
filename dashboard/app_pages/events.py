"""Events: the filtered log as a sorted, paginated table; one claim in detail; downloads.

Only one page of rows goes to the browser, so a log of a million claims stays light.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard.events import changes, grading
from dashboard.figures.style import category_label
from dashboard.ui import data, desk, downloads, page, selection, tables, text

PAGE_SIZES = (100, 250, 500)
SORTS = {
    "newest": ("Newest first", ["event_date", "event_id"], [False, True]),
    "oldest": ("Oldest first", ["event_date", "event_id"], [True, True]),
    "category": ("Category, then newest", ["category", "event_date", "event_id"], [True, False, True]),
    "claimant": ("Claimant, then newest", ["claimant", "event_date", "event_id"], [True, False, True]),
    "figure": ("Largest figure first", ["figure_best", "event_date", "event_id"], [False, False, True]),
}
view = page.start("Events")
desk.notice()
shown = view.shown

left, middle, right = st.columns([3, 2, 2])
sort = left.selectbox("Sort by", list(SORTS), format_func=lambda k: SORTS[k][0], key="sort", bind="query-params")
size = middle.selectbox("Rows per page", PAGE_SIZES, key="rows")
pages = max(1, math.ceil(len(shown) / size))
number = right.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key="page")
number = min(int(number), pages)

_, by, ascending = SORTS[sort]
window = tables.sorted_slice(shown, by, ascending, (number - 1) * size, number * size)
st.caption(
    f"Rows {(number - 1) * size + 1:,}–{(number - 1) * size + len(window):,} of {len(shown):,}. "
    "Click a row for its sources and revision history; column headers sort this page."
)
# The table's own selection is by row position: keyed by what the rows are (filter, sort, page), it
# starts empty whenever they change, so a tick never moves to another claim. The claim shown in
# detail is kept by its event id, in the URL (``?event=D08``), and set by the click's callback.
table_key = selection.rows_key("events-table", view.filter, sort, size, number)
window_ids = tuple(window["event_id"].astype(str))
# A stable container key around it, so the table is found by one name (``.st-key-events-table``).
table = st.container(key="events-table").dataframe(
    tables.event_rows(view.with_text(window)),
    hide_index=True,
    width="stretch",
    key=table_key,
    column_config=tables.EVENT_COLUMN_CONFIG,
    on_select="rerun",
    selection_mode="single-row",
    height=min(640, 38 + 35 * len(window)),
)

st.markdown(
    "**Download all matching claims** (every field, in the import format; text a spreadsheet would run "
    "as a formula is prefixed with a quote)"
)
downloads.table_downloads(shown, key="events", complete=view.with_text)

# --- one claim in detail -------------------------------------------------------------------
selection.follow_clicked_row(table, table_key, window_ids)
picked_id = selection.selected_event(shown["event_id"])  # says so when the URL's claim left the filter
options = list(window_ids) if picked_id is None or picked_id in window_ids else [picked_id, *window_ids]
st.session_state["detail"] = picked_id  # the box shows the selected claim (or none), whatever it showed before
st.selectbox(
    "Show the details of",
    options,
    key="detail",
    placeholder="Pick an event id, or click a row above",
    on_change=selection.select_event_from_widget,
    args=("detail",),
)
if picked_id is None:
    st.stop()

event = view.with_text(shown.loc[shown["event_id"] == picked_id]).iloc[0]
st.subheader(f"Event {text.escape_markdown(picked_id)}", anchor=False)
st.caption(
    text.escape_markdown(
        f"{category_label(event['category'])}, {text.day(event['event_date'])}, claimed by {event['claimant']}"
        f": {text.figure(event['figure_low'], event['figure_best'], event['figure_high'], event['unit']) or 'no figure'}"
    )
)
if isinstance(event["description"], str):
    st.text(event["description"])
if "grade" in event:
    # Who stands behind it: the grade, the originator (relays resolved) and the independent voices that agree.
    voices = grading.independent_voices(shown, [picked_id])
    agreeing = voices["corroborated_by"].iloc[0] if len(voices) else ""
    relayed = f", relayed by {event['relayed_by']}" if event.get("relayed_by") else ""
    st.caption(
        text.escape_markdown(
            f"Grade {event['grade']}: originator {event['originator']}{relayed}. "
            + (f"Also said by: {agreeing}." if agreeing else "No other originator says the same (see Claimants).")
        )
    )

if view.as_of is None:  # a past state is read, not corrected
    desk.claim_controls(picked_id, int(event["revision"]), key="events-detail")


fields, sources, history = st.tabs(["Fields", "Sources", "Revision history"])
with fields:
    st.dataframe(tables.claim_fields(event), hide_index=True, width="stretch")
with sources:
    st.dataframe(
        tables.sources_frame(event["sources"]),
        hide_index=True,
        width="stretch",
        column_config=tables.SOURCE_COLUMN_CONFIG,
    )
with history:
    # Each revision: when, who, why, and the fields it changed (old → new); imports as well as edits.
    desk.history_table(changes.revision_log(data.get_store(), picked_id, as_of=view.as_of))
