"""Map: regions coloured by claims or by a figure, precise places as points.

Clicking a region narrows the shared filter (every page) to it. The month slider
steps through the filtered period one month at a time.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from dashboard.figures import maps
from dashboard.ui import data, downloads, page, sidebar, text

ALL_MONTHS = "All months"
# What regions can be coloured by: the number of claims, or the sum of one unit's figures.
VALUES = {
    "count": "Number of claims",
    **{
        unit: unit.replace("_", " ").capitalize()
        for unit in ("troops", "killed", "wounded", "casualties", "captured", "missiles")
    },
}

view = page.start("Map")
shown = view.shown


def month_options(events: pd.DataFrame) -> list[str]:
    """``All months`` then every month of the filtered period, oldest first (e.g. ``Nov 2024``)."""
    span = text.event_span(events)
    months = pd.period_range(span[0], span[1], freq="M") if span is not None else []
    return [ALL_MONTHS, *(f"{m:%b %Y}" for m in months)]


def in_month(events: pd.DataFrame, month: str) -> pd.DataFrame:
    """Claims whose span overlaps ``month`` (``All months``: all of them)."""
    if month == ALL_MONTHS:
        return events
    period = pd.Period(pd.Timestamp(f"1 {month}"), freq="M")
    ends = events["event_date_end"].fillna(events["event_date"])
    return events.loc[((events["event_date"] <= period.end_time) & (ends >= period.start_time)).to_numpy()]


# The map opens framing the filtered claims (a 2026 missile filter opens on the Korean peninsula);
# a view from the URL, or chosen by the user, is kept.
if "view" not in st.session_state and "view" not in st.query_params:
    st.session_state["view"] = maps.opening_view(shown, data.log_facets().values["country_code"])
controls = st.columns([2, 2, 3])
view_keys = [maps.FIT_VIEW, *maps.MAP_VIEWS]
view_key = controls[0].selectbox(
    "View",
    view_keys,
    format_func=lambda k: maps.MAP_VIEWS[k].label if k in maps.MAP_VIEWS else maps.FIT_VIEW_LABEL,
    key="view",
    bind="query-params",
)
value = controls[1].selectbox(
    "Colour regions by",
    list(VALUES),
    format_func=VALUES.get,
    key="colour",
    bind="query-params",
    help="A figure (troops, killed, …) is summed over the claims in each region that give one in that unit.",
)
options = month_options(shown)
month = controls[2].select_slider("Month", options, value=ALL_MONTHS, key="month", bind="query-params")
if month not in options:
    month = ALL_MONTHS

in_view = in_month(shown, month)
if in_view.empty:
    st.info(f"No claims in {month}: pick another month or {ALL_MONTHS}.", icon=":material/info:")
    st.stop()

regions = maps.region_values(in_view, value)
points, aggregated = maps.point_events(in_view)
value_label = "Claims" if value == "count" else VALUES[value]
# Titles say whose: a figure map sums what the claims say, whichever side they count.
map_title = (
    f"Claims by region, {month.lower() if month == ALL_MONTHS else month}"
    if value == "count"
    else f"{value_label} claimed by region (figures summed over claims, any side), "
    f"{month.lower() if month == ALL_MONTHS else month}"
)
# A new key whenever the region filter changes: the chart starts without a selection,
# so the next click on any region (the same one included) registers.
map_key = "region-map-" + ("-".join(view.filter.admin1) or "all")
boundaries = data.load_boundaries()
map_view = maps.view_for(view_key, in_view, boundaries)
fig = maps.region_map(
    regions,
    points,
    boundaries,
    view=map_view,
    title=None,
    value_label=value_label,
    value_is_count=value == "count",
)
st.plotly_chart(
    fig,
    width="stretch",
    key=map_key,
    on_select=functools.partial(sidebar.narrow_to_clicked_region, map_key, frozenset(regions["admin1_code"])),
    selection_mode="points",
    config=downloads.MAP_CONFIG,
)
downloads.chart_downloads(fig, key="region-map", title=map_title, flt=view.filter, events=in_view, chart_data=regions)

# Regions newer than the boundaries' edition have no outline: said, never silently left uncoloured.
unoutlined = maps.regions_without_outline(regions, in_view, boundaries)
if len(unoutlined):
    st.info(text.escape_markdown(maps.no_outline_notice(unoutlined)), icon=":material/info:")

notes = []
framed = maps.claims_in_views(in_view)
# "Fit to data" frames every filtered claim by construction; a named view may frame none of them.
if view_key in framed and framed[view_key] == 0 and max(framed.values()):
    better = maps.best_view(in_view)
    notes.append(
        f"None of the located claims in the filter is in this view: {maps.MAP_VIEWS[better].label} frames "
        f"{framed[better]:,} of them."
    )
if value != "count" and regions["value"].notna().sum() == 0:
    notes.append(f"No claim here gives a figure in {value.replace('_', ' ')}: regions show as outlines only.")
# Counted on the one column: selecting the rows would copy every column just to take len().
region_level = int((in_view["geo_precision"] == 3).fillna(False).sum())
if region_level:
    notes.append(
        f"{region_level:,} region-level {'claim colours its' if region_level == 1 else 'claims colour their'} "
        "region and " + ("is" if region_level == 1 else "are") + " not drawn as points."
    )
country_level = int((in_view["geo_precision"] == 4).fillna(False).sum())
if country_level:
    notes.append(
        f"{country_level:,} country-level or unlocated {'claim is' if country_level == 1 else 'claims are'} "
        "not on the map."
    )
if aggregated:
    notes.append(
        f"{int(points['count'].sum()):,} points aggregated into grid cells of {points.attrs.get('cell_degrees', 0):g}°."
    )
notes.append("Click a region to narrow every page to it (Reset filters in the sidebar undoes it).")
for note in notes:
    st.caption(text.escape_markdown(note))
