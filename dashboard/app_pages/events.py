"""Events: the filtered log as a sorted, paginated table; one claim in detail; downloads.

Only one page of rows goes to the browser, so a log of a million claims stays light.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard.events import grading
from dashboard.events.schema import FIELD_LABELS, FIELD_NAMES
from dashboard.figures.style import category_label
from dashboard.ui import data, downloads, page, selection, tables, text

PAGE_SIZES = (100, 250, 500)
SORTS = {
    "newest": ("Newest first", ["event_date", "event_id"], [False, True]),
    "oldest": ("Oldest first", ["event_date", "event_id"], [True, True]),
    "category": ("Category, then newest", ["category", "event_date", "event_id"], [True, False, True]),
    "claimant": ("Claimant, then newest", ["claimant", "event_date", "event_id"], [True, False, True]),
    "figure": ("Largest figure first", ["figure_best", "event_date", "event_id"], [False, False, True]),
}
# Revision history: which fields to compare between revisions.
_HISTORY_FIELDS = [f for f in FIELD_NAMES if f not in ("event_id", "origin")]

view = page.start("Events")
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


def _value(v: object) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return str(v)


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
    revisions = data.get_store().history(picked_id)
    if view.as_of is not None:  # a past state: the revisions known then, not those recorded since
        revisions = revisions.loc[revisions["recorded_at"] <= view.as_of].reset_index(drop=True)
    changed = []
    for i in range(len(revisions)):
        if i == 0:
            changed.append("first version")
            continue
        before, after = revisions.iloc[i - 1], revisions.iloc[i]
        diff = [f for f in _HISTORY_FIELDS if _value(before[f]) != _value(after[f])]
        changed.append(
            ", ".join(FIELD_LABELS[f] for f in diff)
            if diff
            else ("retracted" if after["retracted"] else "no field changed")
        )
    st.dataframe(
        pd.DataFrame(
            {
                "Revision": revisions["revision"],
                "Recorded (UTC)": revisions["recorded_at"],
                "Changed": changed,
                "Reason": revisions["reason"],
                "Retracted": revisions["retracted"],
                "Figure": [
                    text.figure(lo, be, hi, unit)
                    for lo, be, hi, unit in zip(
                        revisions["figure_low"],
                        revisions["figure_best"],
                        revisions["figure_high"],
                        revisions["unit"],
                        strict=True,
                    )
                ],
                "Batch": revisions["batch_id"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
