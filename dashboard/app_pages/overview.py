"""Overview: headline figures of the filtered period, what changed lately, a small timeline."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.events.schema import MEASURES
from dashboard.figures import missiles as missile_figures
from dashboard.figures import overview, timeline
from dashboard.ui import brief, data, downloads, page, tables, text

view = page.start("Overview")
shown = view.shown
period_end = view.filter.end or text.event_span(shown)[1].date()


# The newest claim of each claimant, per measure with claims: the headline cards and the table share them.
latest_by_measure = overview.latest_by_measure(shown)
# Each card shows the first measure of its group that the filter holds (troops in Russia, else troops sent…).
TROOP_CARD = ("troops_in_russia", "troops_sent_total", "troops_in_kursk", "troops_near_border")
LOSS_CARD = ("total_casualties", "killed", "wounded")


def _estimate_card(column, measure: str) -> None:
    """A metric for one measure: the newest claim's figure, whose and when, then the spread across claimants."""
    card = overview.headline(latest_by_measure.get(measure, overview.latest_by_claimant(shown, measure)), measure)
    with column:
        if card is None:
            st.metric(text.escape_markdown(MEASURES[measure].label), "—", border=True)
            st.caption("No claim in the filtered period.")
            return
        st.metric(
            text.escape_markdown(card.label),
            card.value,
            border=True,
            help="The newest claim in the filtered period; under it, who said it and when, and the spread of "
            "each claimant's latest claim over the last six months before it.",
        )
        lines = [f"Newest: {card.newest}; {card.span}."]
        if card.spread:
            lines.append(f"Spread: {card.spread}.")
        if card.older:
            lines.append(card.older + ".")
        related = overview.related_line(latest_by_measure, measure)
        if related:
            lines.append(f"Beside it: {related}.")
        st.caption(" ".join(text.escape_markdown(line) for line in lines))


recent = data.recent_change_count(7, view.as_of)
st.page_link(
    "app_pages/changes.py",
    label=f"{recent:,} change{'' if recent == 1 else 's'} in the last 7 days",
    icon=":material/difference:",
    query_params={"window": "Last 7 days"},
)

st.subheader("Headline figures", anchor=False)
# Two cards a row: a figure in words ("about 10,000", "at least 6,000") was cut off in a quarter width.
troops_col, casualties_col = st.columns(2)
missiles_col, events_col = st.columns(2)
_estimate_card(troops_col, overview.headline_measure(shown, TROOP_CARD))
_estimate_card(casualties_col, overview.headline_measure(shown, LOSS_CARD))

monthly = missile_figures.missile_monthly(shown)
with missiles_col:
    launches = int(monthly["launches"].sum()) if len(monthly) else 0
    st.metric(
        "DPRK missile launches",
        f"{launches:,}",
        border=True,
        help="Launch events in the filtered period; missiles fired counts each missile of a salvo "
        "(≥ when some launches gave only a lower bound).",
    )
    tests = shown.loc[shown["category"] == "missile_test"]
    if len(tests):
        first, last = tests["event_date"].min(), tests["event_date"].max()
        latest = tests.sort_values("event_date").iloc[-1]
        st.caption(
            text.escape_markdown(
                f"{overview.missiles_text(monthly)} fired, {text.day(first)} – {text.day(last)}. "
                f"Latest: {latest['claimant']}, {text.day(last)}"
            )
        )
    else:
        st.caption("No missile launch in the filtered period.")
with events_col:
    st.metric("Claims", f"{len(shown):,}", border=True, help="Records in the event log matching the filter.")
    first, last = text.event_span(shown)
    st.caption(
        text.escape_markdown(f"From {shown['claimant'].nunique():,} claimants, {text.day(first)} – {text.day(last)}")
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

brief.brief_downloads(view.filter, as_of=view.as_of)
