"""Timeline: claims per week or month by category, and how one estimate evolved.

Selecting bars narrows the table under the chart to the claims counted in them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.events.schema import MEASURES
from dashboard.figures import timeline
from dashboard.ui import asof, desk, downloads, page, selection, tables, text

FREQUENCIES = {"week": "Week", "month": "Month"}

view = page.start("Timeline")
shown = view.shown


def official_statements(events: pd.DataFrame, max_marks: int = 8, min_gap_days: int = 21) -> pd.DataFrame:
    """Well-corroborated statements to mark on the estimate chart, spaced so their labels stay legible."""
    statements = events.loc[
        ((events["category"] == "statement") & (events["confidence"] == "high")).to_numpy(), ["event_date", "claimant"]
    ]
    # Oldest first, each at least min_gap_days after the last one kept; stops at max_marks, so the
    # loop reads a few dozen dates, not every statement (thousands in a year of a large log).
    order = np.argsort(statements["event_date"].to_numpy(), kind="stable")
    days = statements["event_date"].to_numpy().astype("datetime64[D]")[order]
    kept: list[int] = []
    last_day = None
    for position, day in zip(order, days, strict=True):
        if last_day is None or day - last_day >= np.timedelta64(min_gap_days, "D"):
            kept.append(int(position))
            last_day = day
            if len(kept) == max_marks:
                break
    chosen = statements.iloc[kept]
    # Labels are data; estimate_chart escapes them (style.safe_text), so they go in as they are.
    return pd.DataFrame(
        {"event_date": chosen["event_date"].to_numpy(), "label": chosen["claimant"].astype(str).to_numpy(dtype=object)}
    )


# --- claims per period ----------------------------------------------------------------
st.subheader("Claims over time", anchor=False)
freq = st.segmented_control(
    "Count per",
    list(FREQUENCIES),
    format_func=FREQUENCIES.get,
    default="week",
    key="freq",
    bind="query-params",
    required=True,
)
freq = freq or "week"
counts = timeline.period_counts(shown, freq)
bars_title = f"Claims per {freq} by category"
bars = timeline.timeline_chart(counts, freq, title=None)
chosen = st.plotly_chart(
    bars,
    width="stretch",
    key=f"timeline-bars-{freq}",
    on_select="rerun",
    selection_mode=("points", "box"),
    config=downloads.CHART_CONFIG,
)
downloads.chart_downloads(bars, key="timeline-bars", title=bars_title, flt=view.filter, events=shown, chart_data=counts)

ids = selection.selected_bar_ids(chosen, bars, counts)
listed = shown.loc[shown["event_id"].isin(ids)] if ids else shown
if ids:
    st.caption(f"{len(listed):,} claims in the selected bars (click an empty spot or double-click to clear).")
else:
    st.caption("Click a bar (or drag a box) to list only its claims below.")
limit = 500
st.dataframe(
    tables.event_rows(view.with_text(tables.sorted_slice(listed, ["event_date", "event_id"], [False, True], 0, limit))),
    hide_index=True,
    width="stretch",
    column_config=tables.EVENT_COLUMN_CONFIG,
    key="timeline-table",
    height=320,
)
if len(listed) > limit:
    st.caption(f"Showing the newest {limit:,} of {len(listed):,}; the Events page lists them all.")
if ids and view.as_of is None and desk.may_write("revise"):
    # The selection's claims can be corrected or retracted right here (the Events page offers the same).
    picked = st.selectbox(
        "Correct or retract one of the selected claims",
        sorted(listed["event_id"].astype(str)),
        index=None,
        key="timeline-desk-claim",
        placeholder="Pick an event id",
    )
    if picked is not None:
        row = listed.loc[listed["event_id"].astype(str) == picked].iloc[0]
        desk.claim_controls(picked, int(row["revision"]), key="timeline-desk")

# --- estimate evolution ---------------------------------------------------------------
st.subheader("How estimates evolved", anchor=False)
present = timeline.measures_present(shown)
# The chart opens on a measure with claims in the filter (a casualties filter opens on casualties);
# a measure from the URL that the filter no longer holds falls back the same way, with a word.
asked = st.session_state.get("measure") or timeline.measure_from_label(st.query_params.get("measure"))
measure = timeline.default_measure(present, asked)
if measure is None:
    st.info("No claim in the filtered events gives a figure that the estimate chart plots.", icon=":material/info:")
    st.stop()
if asked != measure:
    st.session_state["measure"] = measure
    if asked in MEASURES and asked is not None:
        st.caption(
            text.escape_markdown(
                f"“{MEASURES[asked].label}” has no claim in the filter: showing “{MEASURES[measure].label}”."
            )
        )
measure = st.selectbox(
    "Measure",
    present,
    format_func=lambda m: MEASURES[m].label,
    key="measure",
    bind="query-params",
    help="Every measure with a claim in the filtered period; the label says whose forces or losses it counts.",
)
series = timeline.thin_estimates(timeline.estimate_series(shown, measure))
if series.empty:
    st.info(f"No claim in the filtered events gives a figure for “{MEASURES[measure].label}”.", icon=":material/info:")
else:
    key_events = official_statements(shown)
    estimate_title = f"{MEASURES[measure].label}: claims by claimant"
    earlier, earlier_label = asof.earlier_estimates(view, measure)
    estimates = timeline.estimate_chart(
        series, measure, key_events=key_events, title=None, earlier=earlier, earlier_label=earlier_label
    )
    st.plotly_chart(estimates, width="stretch", key="timeline-estimates", config=downloads.CHART_CONFIG)
    downloads.chart_downloads(
        estimates,
        key="timeline-estimates",
        title=estimate_title,
        flt=view.filter,
        events=shown.loc[shown["event_id"].isin(series["event_id"])],
        chart_data=series.drop(columns=["description"]),
    )
    st.caption(
        text.escape_markdown(
            f"{len(series):,} claims from {series['claimant'].nunique():,} claimants. Dotted lines mark official "
            "statements (high confidence) in the filtered period, labelled with who made them. Bands show low–high ranges where a claim gives both."
        )
    )
    if series.attrs.get("thinned"):
        st.caption(
            f"{series.attrs['claims']:,} claims in the filter: the chart shows each claimant's latest claim per "
            f"{series.attrs['thinned']} ({len(series):,} claims); the chart data download holds the same. "
            "Narrow the dates to see every claim."
        )
