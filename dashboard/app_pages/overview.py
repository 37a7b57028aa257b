"""Overview: headline figures of the filtered period, what changed lately, a small timeline."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.events.schema import MEASURES
from dashboard.figures import missiles as missile_figures
from dashboard.figures import overview, timeline
from dashboard.ui import brief, downloads, page, tables, text

view = page.start("Overview")
shown = view.shown
period_end = view.filter.end or text.event_span(shown)[1].date()


# The newest claim of each claimant, per measure: the headline cards and the table below share them.
latest_by_measure = {measure: overview.latest_by_claimant(shown, measure) for measure in MEASURES}


def _estimate_card(column, measure: str) -> None:
    """A metric for the latest claims of one measure: the range across claimants, the newest claim under it."""
    latest = latest_by_measure[measure]
    label = MEASURES[measure].label
    with column:
        if latest.empty:
            st.metric(label, "—", border=True)
            st.caption("No claim in the filtered period.")
            return
        values = latest["value"].astype(float)
        low, high = values.min(), values.max()
        # Compact in the card (a full "3,000 – 12,000" is cut off in a quarter-width card);
        # the exact figures are in the caption and the "Latest figures by claimant" table.
        shown_value = text.number(low) if low == high else f"{text.compact_number(low)} – {text.compact_number(high)}"
        claimants = len(latest)
        st.metric(
            label,
            shown_value,
            border=True,
            help="Latest claim of each claimant in the filtered period; the range runs across claimants.",
        )
        newest = latest.iloc[0]
        st.caption(
            text.escape_markdown(
                f"Latest of {claimants} claimant{'s' if claimants != 1 else ''}"
                + (f" ({text.number(low)} – {text.number(high)})" if low != high else "")
                + f". Newest: {newest['claimant']}, "
                f"{text.day(newest['event_date'])}: {text.figure_range(newest['low'], newest['best'], newest['high'])}"
            )
        )


st.subheader("Headline figures", anchor=False)
troops_col, casualties_col, missiles_col, events_col = st.columns(4)
_estimate_card(troops_col, "troops_in_russia")
_estimate_card(casualties_col, "total_casualties")

monthly = missile_figures.missile_monthly(shown)
with missiles_col:
    launches = int(monthly["launches"].sum()) if len(monthly) else 0
    fired = float(monthly["missiles"].sum()) if len(monthly) else 0.0
    st.metric(
        "Missile launches",
        f"{launches:,}",
        border=True,
        help="Launch events in the filtered period; missiles fired counts each missile of a salvo.",
    )
    tests = shown.loc[shown["category"] == "missile_test"]
    if len(tests):
        last = tests.sort_values("event_date").iloc[-1]
        st.caption(
            text.escape_markdown(
                f"{text.number(fired)} missiles fired. Latest: {last['claimant']}, {text.day(last['event_date'])}"
            )
        )
    else:
        st.caption("No missile launch in the filtered period.")
with events_col:
    st.metric("Claims", f"{len(shown):,}", border=True, help="Records in the event log matching the filter.")
    st.caption(
        text.escape_markdown(
            f"From {shown['claimant'].nunique():,} claimants; newest {text.day(text.event_span(shown)[1])}"
        )
    )

by_claimant = tables.latest_claims(latest_by_measure)
if len(by_claimant):
    with st.expander("Latest figures by claimant", expanded=False, icon=":material/groups:"):
        st.dataframe(by_claimant, hide_index=True, width="stretch", column_config=tables.LATEST_COLUMN_CONFIG)

st.subheader("Last 30 days", anchor=False)
change = overview.window_change(shown, period_end, days=30)
current_window, previous_window = change.attrs["current"], change.attrs["previous"]
st.caption(
    f"Claims from {text.day(current_window[0])} to {text.day(current_window[1])} (the last 30 days of the "
    f"period) against {text.day(previous_window[0])} – {text.day(previous_window[1])}."
)
moving = change.loc[(change["current"] > 0) | (change["previous"] > 0)]
if moving.empty:
    st.info("No claims in either window: the period's last 60 days are quiet.", icon=":material/info:")
else:
    for start in range(0, len(moving), 5):
        columns = st.columns(5)
        for column, row in zip(columns, moving.iloc[start : start + 5].itertuples(index=False), strict=False):
            delta = int(row.change)
            column.metric(
                row.label,
                f"{row.current:,}",
                delta=f"{delta:+,d}" if delta else "no change",
                delta_color="off",
                delta_arrow="auto" if delta else "off",
                delta_description=f"vs {row.previous:,} before",
            )

st.subheader("Claims per month", anchor=False)
timeline_title = "Claims per month"
counts = timeline.period_counts(shown, "month")  # once: the chart and its CSV download share it
fig = overview.compact_timeline(shown, title=None, counts=counts)
st.plotly_chart(fig, width="stretch", key="overview-timeline", config=downloads.CHART_CONFIG)
downloads.chart_downloads(
    fig, key="overview-timeline", title=timeline_title, flt=view.filter, events=shown, chart_data=counts
)
note = overview.incomplete_note(shown, period_end, dt.date.today())
if note:
    st.caption(text.escape_markdown(note))

brief.brief_downloads(view.filter)
