"""Figures: pure functions from an events DataFrame to a plotly Figure (no Streamlit, no SQL).

Every function takes the frame of current events (as from ``EventStore.query``)
or a frame derived from it, returns a new frame or figure, and never modifies
its input. Empty input never raises: frame functions return an empty frame with
the documented columns and chart functions a figure with a short note; pages
show a "no events match" message instead of drawing an empty chart.
"""

from dashboard.figures._data import sorted_by_date_and_id
from dashboard.figures.export import (
    ChartExportUnavailable,
    annotate_for_export,
    chart_claims,
    chart_data_csv,
    chromium_available,
    figure_html,
    figure_png,
    figure_svg,
    source_line,
)
from dashboard.figures.maps import MAP_VIEWS, MapView, point_events, region_map, region_values
from dashboard.figures.missiles import (
    apogee_distance_chart,
    launch_site_map,
    launch_sites,
    missile_monthly,
    missile_monthly_chart,
)
from dashboard.figures.overview import compact_timeline, incomplete_note, latest_by_claimant, window_change
from dashboard.figures.style import CATEGORY_COLORS, TEMPLATE, base_layout, category_label
from dashboard.figures.timeline import estimate_chart, estimate_series, period_counts, timeline_chart

__all__ = [
    "CATEGORY_COLORS",
    "MAP_VIEWS",
    "TEMPLATE",
    "ChartExportUnavailable",
    "MapView",
    "annotate_for_export",
    "apogee_distance_chart",
    "base_layout",
    "category_label",
    "chart_claims",
    "chart_data_csv",
    "chromium_available",
    "compact_timeline",
    "estimate_chart",
    "estimate_series",
    "figure_html",
    "figure_png",
    "figure_svg",
    "incomplete_note",
    "latest_by_claimant",
    "launch_site_map",
    "launch_sites",
    "missile_monthly",
    "missile_monthly_chart",
    "period_counts",
    "point_events",
    "region_map",
    "region_values",
    "sorted_by_date_and_id",
    "source_line",
    "timeline_chart",
    "window_change",
]
