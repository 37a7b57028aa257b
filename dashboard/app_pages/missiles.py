"""Missile tests: launches and missiles per month by type, launch sites, flight profiles, the launch table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.figures import missiles, overview
from dashboard.ui import data, downloads, page, selection, tables, text

view = page.start("Missile tests")
tests = view.shown.loc[(view.shown["category"] == "missile_test").fillna(False).to_numpy(dtype=bool)]
if tests.empty:
    text.no_events(view.filter, "missile tests")
    st.stop()

monthly = missiles.missile_monthly(tests)
launches = int(monthly["launches"].sum())
whose = missiles.whose_launches(tests)  # titles say whose missiles
first, second, third = st.columns(3)
first.metric("Launch events", f"{launches:,}", border=True)
second.metric(
    "Missiles fired",
    overview.missiles_text(monthly).removesuffix(" missiles").removesuffix(" missile"),
    border=True,
    help="Per launch: the best figure, else the lower bound, else one missile; ≥ when some launches "
    'gave only a lower bound ("at least 2") or no count.',
)
third.metric("Missile types", f"{monthly['missile_type'].nunique():,}", border=True)

monthly_title = f"{whose} missiles fired per month by type"
monthly_fig = missiles.missile_monthly_chart(monthly, title=None)
st.plotly_chart(monthly_fig, width="stretch", key="missiles-monthly", config=downloads.CHART_CONFIG)
downloads.chart_downloads(
    monthly_fig, key="missiles-monthly", title=monthly_title, flt=view.filter, events=tests, chart_data=monthly
)

sites_col, profile_col = st.columns(2)
with sites_col:
    st.subheader("Launch sites", anchor=False)
    sites = missiles.launch_sites(tests)
    sites_fig = missiles.launch_site_map(sites, data.load_boundaries(), title=None, height=520)
    clicked_sites = st.plotly_chart(
        sites_fig,
        width="stretch",
        key="missiles-sites",
        config=downloads.MAP_CONFIG,
        on_select="rerun",
        selection_mode="points",
    )
    downloads.chart_downloads(
        sites_fig,
        key="missiles-sites",
        title=f"{whose} missile launch sites",
        flt=view.filter,
        events=tests,
        chart_data=sites,
    )
    unlocated = len(tests) - int(sites["launches"].sum()) if len(sites) else len(tests)
    if unlocated:
        st.caption(
            f"{unlocated:,} {'launch claim names' if unlocated == 1 else 'launch claims name'} no precise site "
            "(region-level or unknown) and not drawn."
        )
with profile_col:
    st.subheader("Flight profiles", anchor=False)
    profiled = tests.loc[(tests["apogee_km"].notna() & tests["distance_km"].notna()).to_numpy()]
    if profiled.empty:
        st.info(
            text.escape_markdown(f"No launch can be plotted: {missiles.profile_note(tests)}"), icon=":material/info:"
        )
    else:
        profile_fig = missiles.apogee_distance_chart(tests, title=None, height=520)
        st.plotly_chart(profile_fig, width="stretch", key="missiles-profile", config=downloads.CHART_CONFIG)
        downloads.chart_downloads(
            profile_fig,
            key="missiles-profile",
            title=f"{whose} missiles: apogee and distance flown",
            flt=view.filter,
            events=profiled,
            chart_data=profiled[["event_id", "event_date", "subcategory", "missile_name", "apogee_km", "distance_km"]],
        )
        # Say how many launches the chart cannot plot, and why, rather than leave them silently out.
        st.caption(text.escape_markdown(missiles.profile_note(tests)))

st.subheader("Launches", anchor=False)
TABLE_ROWS = 1000  # a launch log is short; a synthetic or bulk one must still not all go to the browser
newest = tables.sorted_slice(tests, ["event_date"], [False], 0, TABLE_ROWS)  # only the rows the table shows
table = pd.DataFrame(
    {
        "Date": pd.to_datetime(newest["event_date"]).dt.date,
        "Type": newest["subcategory"].map(lambda t: missiles.missile_type_label(t) if isinstance(t, str) else ""),
        "Missile": newest["missile_name"],
        "Missiles": [
            text.figure(lo, be, hi, "missiles")
            for lo, be, hi in zip(newest["figure_low"], newest["figure_best"], newest["figure_high"], strict=True)
        ],
        "Launch site": newest["launch_site"].fillna(newest["location"]),
        "Apogee (km)": newest["apogee_km"],
        "Distance (km)": newest["distance_km"],
        "Outcome": newest["outcome"],
        "Claimant": newest["claimant"],
        "Confidence": newest["confidence"],
        "Event": newest["event_id"],
    }
)
st.caption("Click a launch (or a bubble on the map) to list its claims with their sources.")
launch_key = selection.rows_key("missiles-table", view.filter)
picked_table = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key=launch_key,
    # Most launches report no apogee, missile name or outcome: without a placeholder every such cell
    # reads a grey "None". The values stay missing (numbers sort as numbers); only the display is blank.
    placeholder="",
    column_config={"Date": st.column_config.DateColumn(format="YYYY-MM-DD")},
    on_select="rerun",
    selection_mode="single-row",
)
if len(tests) > TABLE_ROWS:
    st.caption(f"The newest {TABLE_ROWS:,} of {len(tests):,} launches; the Events page lists them all.")

# --- the claims behind a launch ------------------------------------------------------------
selection.follow_clicked_row(picked_table, launch_key, tuple(newest["event_id"].astype(str)))
bubble_ids = selection.selected_event_ids(clicked_sites)
picked = selection.selected_event(tests["event_id"])
if bubble_ids:
    behind = missiles.launch_claims(tests, bubble_ids)
    heading = "Claims behind the selected launch site"
elif picked is not None:
    behind = missiles.launch_claims(tests, [picked])
    heading = f"Claims about the launch of {text.day(behind['event_date'].min())}"
else:
    st.stop()
st.subheader(heading, anchor=False)
st.dataframe(
    tables.claim_sources(view.with_text(behind)),
    hide_index=True,
    width="stretch",
    key="missiles-claims",
    column_config=tables.CLAIM_SOURCE_COLUMN_CONFIG,
)
