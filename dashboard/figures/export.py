"""Figures as files: annotated PNG/SVG through kaleido and Debian's Chromium, HTML, CSV.

No Streamlit here. Every export is made from a copy with the explicit template
(``style.TEMPLATE``, plotly_white's look): inside the app ``import streamlit`` has
made plotly's default template one with placeholder colours (``#000001``…) that
only the browser replaces, so an image rendered from the default comes out near-black.

One kaleido server (one headless Chromium) is started on first use and kept:
starting a browser per image costs seconds. Calls are serialised with a lock
because kaleido's sync server hands results back through one shared queue.
"""

from __future__ import annotations

import html
import os
import queue
import shutil
import textwrap
import threading
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa

from dashboard.events import geo, schema
from dashboard.events.exports import csv_bytes
from dashboard.figures import notation
from dashboard.figures.style import FONT_FAMILY, MUTED_COLOR, TEMPLATE, TEXT_COLOR

# Names of the data sets behind the ``origin`` field; anything else is an upload.
ORIGIN_NAMES = {
    "seed": "Conflict Monitor seed log",
    "native": "Conflict Monitor log",
    "acled": "ACLED",
    "ucdp": "UCDP GED",
    "cns": "CNS North Korea Missile Test Database",
}
EXPORT_TIMEOUT_S = 120
_MAP_TRACES = {"choroplethmap", "scattermap", "densitymap"}
_WRAP_CHARS = 140

_lock = threading.Lock()
_server_path: str | None = None


class ChartExportUnavailable(RuntimeError):
    """Image export cannot run here (no Chromium, or it failed to start)."""


# --- annotation ---------------------------------------------------------------


def source_line(events: pd.DataFrame, max_claimants: int = 6, max_outlets: int = 6) -> str:
    """The image's source line: the outlets behind the claims, who claims, and the data set.

    "Sources: Yonhap, KBS, Reuters. Claims by South Korea NIS, Ukraine HUR. Data: Conflict Monitor seed log."
    Outlets (from the claims' ``sources``) and claimants are listed most frequent first; beyond
    ``max_outlets`` outlets the line says "N sources from M outlets, listed in the chart data CSV".
    A frame without its ``sources`` column still points at the CSV rather than naming no source.
    """
    if events.empty:
        return "Data: Conflict Monitor (no claims in this selection)."
    origins = events["origin"].astype(str).map(lambda o: ORIGIN_NAMES.get(o, "uploaded data")).value_counts()
    claimants = events["claimant"].dropna().astype(str).value_counts()
    # Most frequent first; names break ties so the line is stable.
    ordered = sorted(claimants.items(), key=lambda kv: (-kv[1], kv[0]))
    names = [name for name, _ in ordered[:max_claimants]]
    rest = len(ordered) - len(names)
    who = ", ".join(names) + (f" and {rest} other{'s' if rest != 1 else ''}" if rest > 0 else "")
    data = ", ".join(sorted(origins.index, key=lambda o: (-origins[o], o)))
    outlets = _outlet_counts(events["sources"]) if "sources" in events else {}
    total = sum(outlets.values())
    if not outlets:
        cited = "Sources: listed per claim in the chart data CSV"
    elif len(outlets) <= max_outlets:
        cited = "Sources: " + ", ".join(sorted(outlets, key=lambda o: (-outlets[o], o)))
    else:
        cited = f"Sources: {total:,} sources from {len(outlets):,} outlets, listed in the chart data CSV"
    return f"{cited}. Claims by {who}. Data: {data}."


def _outlet_counts(cells: pd.Series) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sources in map(schema.stored_sources, cells):
        for source in sources:
            outlet = str(source.get("outlet") or "").strip()
            if outlet:
                counts[outlet] = counts.get(outlet, 0) + 1
    return counts


# ``grade``: the claim's NATO/Admiralty code (B2) where the claims carry one (grading.with_grades), else "".
CLAIM_COLUMNS = (
    "event_id",
    "claimant",
    "grade",
    "claim_date",
    "figure",
    "unit",
    "outlet",
    "title",
    "source_date",
    "url",
)


def chart_claims(chart_data: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """What a chart plots, one row per mark × claim behind it × source of that claim.

    Parameters
    ----------
    chart_data : DataFrame
        The chart's own table: with an ``event_ids`` list column (bars, regions, sites) or an
        ``event_id`` column (one claim per mark).
    claims : DataFrame
        The claims, with ``sources`` (the stored JSON), ``claimant``, ``event_date``, figures and ``unit``.

    Returns
    -------
    DataFrame
        The mark's columns (a region code gets a ``region`` column with its name and code), then
        ``CLAIM_COLUMNS``: event id, claimant, grade, claim date, the figure in words, unit, and the
        source's outlet, title, date and URL. A claim without a readable source keeps one row.
        Chart data without claim ids is returned unchanged.
    """
    marks = chart_data.reset_index(drop=True)
    if "event_ids" in marks:
        ids = [list(v) if v is not None else [] for v in marks["event_ids"]]
        marks = marks.drop(columns="event_ids").assign(event_id=ids).explode("event_id", ignore_index=True)
    elif "event_id" not in marks:
        return marks
    if "admin1_code" in marks:
        names = _region_names()
        marks.insert(
            marks.columns.get_loc("admin1_code"),
            "region",
            [f"{names.get(c, c)} ({c})" if isinstance(c, str) else "" for c in marks["admin1_code"]],
        )
    marks["event_id"] = marks["event_id"].astype(object).where(marks["event_id"].notna(), None)
    # Each claim's details and sources are read once, then joined to every mark that counts it.
    wanted = claims.loc[claims["event_id"].astype(str).isin(set(marks["event_id"].dropna().astype(str)))]
    wanted = wanted.drop_duplicates("event_id")
    details = pd.DataFrame(
        {
            "event_id": wanted["event_id"].astype(str).to_numpy(dtype=object),
            "claimant": wanted["claimant"].astype(object).to_numpy(),
            "grade": wanted["grade"].astype(object).to_numpy() if "grade" in wanted else [""] * len(wanted),
            "claim_date": pd.to_datetime(wanted["event_date"]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
            "figure": [
                "" if text == notation.NO_FIGURE else text
                for text in (
                    notation.figure_text(lo, be, hi, unit)
                    for lo, be, hi, unit in zip(
                        wanted["figure_low"], wanted["figure_best"], wanted["figure_high"], wanted["unit"], strict=True
                    )
                )
            ],
            "unit": [notation.unit_label(u) for u in wanted["unit"]],
        }
    )
    cells = wanted["sources"] if "sources" in wanted else pd.Series([None] * len(wanted), index=wanted.index)
    sources = pd.DataFrame(
        [
            (event_id, s.get("outlet"), s.get("title"), s.get("date"), s.get("url"))
            for event_id, cell in zip(details["event_id"], cells, strict=True)
            for s in schema.stored_sources(cell)
        ],
        columns=["event_id", "outlet", "title", "source_date", "url"],
    )
    keep = [c for c in marks.columns if c not in CLAIM_COLUMNS or c == "event_id"]
    out = marks[keep].astype({"event_id": object})
    out = out.merge(details, on="event_id", how="left").merge(sources, on="event_id", how="left")
    return out[[c for c in keep if c != "event_id"] + list(CLAIM_COLUMNS)]


def _region_names() -> dict[str, str]:
    try:
        return geo.region_names()
    except FileNotFoundError:  # boundaries not built: the code alone still says where
        return {}


def _wrap(text: str, width: int = _WRAP_CHARS) -> list[str]:
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    return [html.escape(line, quote=False) for line in lines]


def with_export_template(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` on the explicit export template and a white background."""
    copy = go.Figure(fig)
    copy.update_layout(template=TEMPLATE, paper_bgcolor="white")
    if copy.layout.plot_bgcolor is None:
        copy.update_layout(plot_bgcolor="white")
    return copy


def annotate_for_export(fig: go.Figure, title: str, filters_text: str, source_line: str) -> go.Figure:
    """A copy of ``fig`` ready to stand alone as an image.

    Explicit template (``style.TEMPLATE``, plotly_white's look) and white background; ``title`` as the
    title, ``filters_text`` (the active period and selections, e.g.
    ``EventFilter.describe()``) as a subtitle, ``source_line`` at the bottom
    left. Margins grow with the number of wrapped lines so nothing overlaps.
    Text is escaped: user-typed filters cannot inject markup. ``fig`` is not
    modified.
    """
    out = with_export_template(fig)
    title_lines = _wrap(title, 90)
    filter_lines = _wrap(f"Filters: {filters_text}" if filters_text else "Filters: none")
    source_lines = _wrap(source_line)
    margin = out.layout.margin
    top = 24 + 24 * len(title_lines) + 18 * len(filter_lines) + 16
    # Room under the plot for tick labels and the axis title (none on maps), then the source.
    has_axes = any(trace.type not in _MAP_TRACES for trace in out.data)
    reserve = max(margin.b if margin.b is not None else 60, 72 if has_axes else 10)
    bottom = reserve + 16 * len(source_lines) + 14
    left = margin.l if margin.l is not None else 70
    out.update_layout(
        title=dict(
            text="<b>" + "<br>".join(title_lines) + "</b>",
            subtitle=dict(text="<br>".join(filter_lines), font=dict(size=13, color=MUTED_COLOR)),
            x=0.01,
            xanchor="left",
            xref="container",
            y=1,
            yanchor="top",
            yref="container",
            pad=dict(t=16, l=4),
            font=dict(size=20, color=TEXT_COLOR, family=FONT_FAMILY),
        ),
        margin=dict(t=max(top, (margin.t or 0)), b=bottom, l=left, r=margin.r if margin.r is not None else 30),
    )
    # Annotations can only be placed relative to the plot area: start ``reserve``
    # pixels below it (clear of the axis) and at the image's left edge.
    out.add_annotation(
        text="<br>".join(source_lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-reserve - 4,
        xshift=-left + 12,
        showarrow=False,
        align="left",
        font=dict(size=11, color=MUTED_COLOR),
    )
    return out


# --- static images ---------------------------------------------------------------


def chromium_path() -> str | None:
    """The browser kaleido should use: ``BROWSER_PATH``, else ``chromium`` on the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_available() -> bool:
    """True when a Chromium for image export is installed."""
    return chromium_path() is not None


# Chromium's own traffic, switched off: background requests (variations, component and safe-browsing
# updates, domain reliability, metrics), DNS over HTTPS (Chrome's "automatic" mode asks a public
# resolver), translation and other Google services. choreographer's own list already carries
# --disable-component-update, --disable-sync and --metrics-recording-only; these are the rest.
OFFLINE_CHROMIUM_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-sync",
    "--safebrowsing-disable-auto-update",
    "--no-pings",
    "--no-service-autorun",
    "--disable-features=DnsOverHttps,Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying",
)


def _start_chromium_offline() -> None:
    """Make every Chromium that kaleido starts run with :data:`OFFLINE_CHROMIUM_FLAGS`.

    Neither kaleido nor choreographer takes extra browser arguments (choreographer 1.4's
    ``Chromium.__init__`` rejects unknown keywords), so the command line it builds is extended here;
    tests/test_outbound.py reads the running browser's command line to hold this in place.
    """
    from choreographer.browsers import chromium

    built = chromium.Chromium.get_cli
    if getattr(built, "offline_flags", False):
        return

    def get_cli(self) -> list[str]:
        return [*built(self), *OFFLINE_CHROMIUM_FLAGS]

    get_cli.offline_flags = True
    chromium.Chromium.get_cli = get_cli


def _ensure_server() -> None:
    """Start the shared kaleido server once (caller holds ``_lock``)."""
    global _server_path
    import kaleido

    path = chromium_path()
    if path is None:
        raise ChartExportUnavailable(
            "Image export needs Chromium, and none was found. Install it (Debian: apt-get install chromium) "
            "or set BROWSER_PATH to a Chrome/Chromium executable. HTML and CSV downloads still work."
        )
    server = kaleido._global_server  # the singleton behind start_sync_server
    thread = getattr(server, "_thread", None)
    if server.is_running() and (thread is None or not thread.is_alive() or path != _server_path):
        server.close(silence_warnings=True)  # the browser died, or another was asked for
    if not server.is_running():
        _start_chromium_offline()
        # mathjax=False: MathJax would come from a CDN; plotly.js comes from the plotly package.
        kaleido.start_sync_server(path=path, mathjax=False, timeout=EXPORT_TIMEOUT_S, silence_warnings=True)
        _server_path = path


def _render(fig: go.Figure, fmt: str, width: int, height: int, scale: float) -> bytes:
    import kaleido

    fig_dict = with_export_template(fig).to_dict()
    opts = dict(format=fmt, width=width, height=height, scale=scale)
    with _lock:
        _ensure_server()
        # kaleido's sync server waits forever if its browser thread has died; wait
        # from a daemon thread instead, so a broken browser is an error, not a hang.
        result: queue.Queue = queue.Queue(maxsize=1)

        def call() -> None:
            try:
                result.put(kaleido.calc_fig_sync(fig_dict, opts=opts))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                result.put(exc)

        threading.Thread(target=call, name="figure-export", daemon=True).start()
        try:
            answer = result.get(timeout=EXPORT_TIMEOUT_S + 10)
        except queue.Empty:
            raise ChartExportUnavailable("Image export timed out: Chromium did not answer.") from None
    if isinstance(answer, BaseException):
        raise ChartExportUnavailable(f"Image export failed: {answer}") from answer
    return answer


def figure_png(fig: go.Figure, width: int = 1200, height: int = 700, scale: float = 2) -> bytes:
    """PNG bytes of ``fig`` (``width`` × ``height`` layout pixels, times ``scale``).

    Rendered from a copy on the explicit white template. Raises
    :class:`ChartExportUnavailable` when no Chromium is installed.
    """
    return _render(fig, "png", width, height, scale)


def figure_svg(fig: go.Figure, width: int = 1200, height: int = 700, scale: float = 1) -> bytes:
    """SVG bytes of ``fig``; see :func:`figure_png`. Map layers are embedded as images."""
    return _render(fig, "svg", width, height, scale)


# --- HTML and data -------------------------------------------------------------------


def figure_html(fig: go.Figure) -> bytes:
    """A self-contained interactive HTML page: plotly.js is embedded, so it opens offline.

    (The embedded plotly.js contains the text "cdn.plot.ly" as the default
    ``topojsonURL`` for ``geo`` maps; we never draw ``geo`` maps, so nothing is fetched.)
    """
    page = with_export_template(fig).to_html(
        include_plotlyjs=True,
        full_html=True,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
    )
    return page.encode("utf-8")


def chart_data_csv(frame: pd.DataFrame) -> bytes:
    """The data behind a chart as CSV, through the log's formula-cell guard.

    List cells (``event_ids``) become comma-joined text, dates ISO text.
    """
    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        # Id lists come as an Arrow list column (figures' grouped ids) or as Python lists in an object column.
        arrow_lists = isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype)
        if arrow_lists or (
            out[column].dtype == object and out[column].map(lambda v: isinstance(v, (list, tuple))).any()
        ):
            # Iterating reads each Arrow list back as a Python list.
            joined = [",".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in out[column]]
            out[column] = pd.Series(joined, index=out.index, dtype=object)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            dates = out[column]
            only_days = bool((dates.dropna() == dates.dropna().dt.normalize()).all())
            out[column] = dates.dt.strftime("%Y-%m-%d" if only_days else "%Y-%m-%dT%H:%M:%S").astype(object)
            out[column] = out[column].where(dates.notna(), None)
    return csv_bytes(out)
