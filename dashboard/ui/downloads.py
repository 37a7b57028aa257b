"""The download control of a chart: PNG, SVG, interactive HTML and the chart's data.

Each button gets a callable, so an image is rendered only when someone clicks
(``on_click="ignore"``: clicking does not rerun the page). The exported figure
carries its title, the filter in words and the sources line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.events import exports
from dashboard.events.filters import EventFilter
from dashboard.figures import export

# Plotly's own "download as PNG" saves the bare chart, without title, filters or sources:
# the Download control below each chart replaces it.
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}
MAP_CONFIG = {**CHART_CONFIG, "scrollZoom": True}


def _stem(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"conflict-monitor-{slug or 'chart'}"


def chart_downloads(
    fig: go.Figure, *, key: str, title: str, flt: EventFilter, events: pd.DataFrame, chart_data: pd.DataFrame
) -> None:
    """One compact "Download" popover for ``fig``.

    Parameters
    ----------
    fig : Figure
        The chart as shown on the page.
    key : str
        Stable, unique per chart; the buttons' keys derive from it.
    title : str
        Title printed on the exported image and used for the file names.
    flt : EventFilter
        The filter in force, written under the title.
    events : DataFrame
        The claims the chart is drawn from (for the sources line).
    chart_data : DataFrame
        What the chart plots, offered as CSV.
    """
    stem = _stem(title)
    filters_text = flt.describe()

    def annotated() -> go.Figure:
        return export.annotate_for_export(fig, title, filters_text, export.source_line(events))

    with st.popover("Download", icon=":material/download:"):
        if export.chromium_available():
            st.download_button(
                "PNG image",
                data=lambda: export.figure_png(annotated()),
                file_name=f"{stem}.png",
                mime="image/png",
                key=f"dl-{key}-png",
                on_click="ignore",
                width="stretch",
            )
            st.download_button(
                "SVG image",
                data=lambda: export.figure_svg(annotated()),
                file_name=f"{stem}.svg",
                mime="image/svg+xml",
                key=f"dl-{key}-svg",
                on_click="ignore",
                width="stretch",
            )
        else:
            st.caption(
                "PNG and SVG need Chromium on the server, and it is not installed here. "
                "The interactive HTML and the chart's data still download."
            )
        st.download_button(
            "Interactive HTML",
            data=lambda: export.figure_html(annotated()),
            file_name=f"{stem}.html",
            mime="text/html",
            key=f"dl-{key}-html",
            on_click="ignore",
            width="stretch",
        )
        st.download_button(
            "Chart data (CSV)",
            data=lambda: export.chart_data_csv(chart_data),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"dl-{key}-csv",
            on_click="ignore",
            width="stretch",
        )


def table_downloads(
    rows: pd.DataFrame,
    *,
    key: str,
    stem: str = "conflict-monitor-events",
    complete: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """The filtered claims as CSV (formula cells neutralised), XLSX and GeoJSON, built on click.

    ``complete`` adds columns ``rows`` leave out (``PageView.with_text``); it runs only on a click.
    """
    columns = st.columns(3)

    def export_rows() -> pd.DataFrame:
        return exports.export_frame(complete(rows) if complete else rows)

    formats = (
        ("CSV", lambda: exports.csv_bytes(export_rows()), "csv", "text/csv"),
        (
            "Excel (XLSX)",
            lambda: exports.xlsx_bytes(export_rows()),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("GeoJSON", lambda: exports.geojson_bytes(export_rows()), "geojson", "application/geo+json"),
    )
    for column, (label, build, extension, mime) in zip(columns, formats, strict=True):
        column.download_button(
            f"{label} · {len(rows):,} row{'' if len(rows) == 1 else 's'}",
            data=build,
            file_name=f"{stem}.{extension}",
            mime=mime,
            key=f"dl-{key}-{extension}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
