"""The download controls: a chart's PNG, SVG, interactive HTML and data; a table's CSV, XLSX, GeoJSON.

Each button gets a callable, so a file is built only when someone clicks
(``on_click="ignore"``: clicking does not rerun the page). The exported figure
carries its title, the filter in words and the sources line.

Memory: Streamlit keeps the bytes a button's callable returns in its in-memory file store
for as long as the session references them (the ``st.download_button`` docs: data "is stored
in-memory while the user is connected"). So a table download of a million rows still costs
the file's size in server RAM once clicked; what the builders below avoid is everything
around it (a whole-log copy with the text columns, a string of the whole file, a list of
blocks joined into a second copy). The path that streams to disk is the command line:
``conflict-monitor export --format csv --out FILE``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.events import exports
from dashboard.events.filters import EventFilter
from dashboard.figures import export
from dashboard.ui import page

# Plotly's own "download as PNG" saves the bare chart, without title, filters or sources:
# the Download control below each chart replaces it.
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}
MAP_CONFIG = {**CHART_CONFIG, "scrollZoom": True}


def _stem(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"conflict-monitor-{slug or 'chart'}"


def _legend_beside(fig: go.Figure) -> go.Figure:
    """``fig``, or a copy with a legend laid out above the plot moved back beside it.

    A chart in a narrow page column puts its legend in a row above the plot (the flight profiles):
    beside it, the legend took half the plot's width. An exported image is wide, and above the plot
    the legend would run into the title and filter lines the export writes there.
    """
    legend = fig.layout.legend
    if legend.orientation != "h" or legend.y is None or legend.y < 1:
        return fig
    return go.Figure(fig).update_layout(
        legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top", title=dict(side="top"))
    )


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
        The claims the chart is drawn from (for the sources line and the CSV's claim rows).
    chart_data : DataFrame
        What the chart plots. The CSV holds it with one row per claim behind each mark and per
        source of that claim (event id, claimant, unit, outlet, title, date, URL): see
        ``export.chart_claims``.
    """
    stem = _stem(title)
    filters_text = flt.describe()

    def cited() -> pd.DataFrame:
        # The sources column is left out of the page's rows (page.WIDE_COLUMNS): added on click only.
        return events if "sources" in events else page.current_view().with_text(events)

    def annotated() -> go.Figure:
        return export.annotate_for_export(_legend_beside(fig), title, filters_text, export.source_line(cited()))

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
            data=lambda: export.chart_data_csv(export.chart_claims(chart_data, cited())),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"dl-{key}-csv",
            on_click="ignore",
            width="stretch",
        )


@dataclass(frozen=True)
class TableFormat:
    """One table download: its button label, file extension, MIME type and chunk-wise writer."""

    label: str
    extension: str
    mime: str
    write: Callable[[Iterable[pd.DataFrame]], bytes]
    max_rows: int | None = None

    def build(self, rows: pd.DataFrame, complete: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> bytes:
        """The file of ``rows``, made 50,000 rows at a time (``complete`` adds the text columns per chunk)."""
        return self.write(exports.iter_export_frames(rows, complete=complete))


TABLE_FORMATS = {
    "csv": TableFormat("CSV", "csv", "text/csv", exports.csv_from_frames),
    "xlsx": TableFormat(
        "Excel (XLSX)",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.xlsx_from_frames,
        # A worksheet holds at most 1,048,576 rows (one is the header): Excel cuts a longer sheet.
        max_rows=1_048_575,
    ),
    "geojson": TableFormat("GeoJSON", "geojson", "application/geo+json", exports.geojson_from_frames),
}


def table_downloads(
    rows: pd.DataFrame,
    *,
    key: str,
    stem: str = "conflict-monitor-events",
    complete: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """The filtered claims as CSV (formula cells neutralised), XLSX and GeoJSON, built on click.

    ``complete`` adds columns ``rows`` leave out (``PageView.with_text``); it runs only on a click,
    one chunk of rows at a time.
    """
    for column, fmt in zip(st.columns(len(TABLE_FORMATS)), TABLE_FORMATS.values(), strict=True):
        too_many = fmt.max_rows is not None and len(rows) > fmt.max_rows
        column.download_button(
            f"{fmt.label} · {len(rows):,} row{'' if len(rows) == 1 else 's'}",
            data=functools.partial(fmt.build, rows, complete),
            file_name=f"{stem}.{fmt.extension}",
            mime=fmt.mime,
            key=f"dl-{key}-{fmt.extension}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
            disabled=too_many,
            help=f"A worksheet holds at most {fmt.max_rows:,} rows: narrow the filter, or use CSV."
            if too_many
            else None,
        )
