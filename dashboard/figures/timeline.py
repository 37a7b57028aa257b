"""Claims over time: counts per week or month, and running estimates per claimant."""

from __future__ import annotations

from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from dashboard.events.schema import MEASURES, UNITS, Measure
from dashboard.figures import _data
from dashboard.figures.style import (
    MUTED_COLOR,
    base_layout,
    category_color,
    category_label,
    category_order,
    count_axis,
    empty_figure,
    format_number,
    month_axis,
    safe_text,
    series_colors,
)

Freq = Literal["week", "month"]
_PERIOD_START = {"week": _data.week_start, "month": _data.month_start}
_PERIOD_AXIS = {"week": "Week (starting Monday)", "month": "Month"}
_DAY_MS = 86_400_000

COUNT_COLUMNS = {"period": "datetime64[ns]", "category": "object", "count": "int64", "event_ids": "object"}
ESTIMATE_COLUMNS = {
    "event_date": "datetime64[ns]",
    "claimant": "object",
    "low": "float64",
    "best": "float64",
    "high": "float64",
    "value": "float64",
    "kind": "object",
    "event_id": "object",
    "description": "object",
}
# What a claim's figures say, by which of low/best/high it has (see estimate_series).
KIND_TEXT = {"about": "about", "range": "between", "at_least": "more than", "at_most": "up to"}


def period_counts(events: pd.DataFrame, freq: Freq) -> pd.DataFrame:
    """Number of claims per period and category.

    Parameters
    ----------
    events : DataFrame
        Current events as from ``EventStore.query`` (needs ``event_id``,
        ``event_date``, ``category``).
    freq : "week" or "month"
        Weeks start on Monday; months on the 1st. An event counts in the
        period of its ``event_date``.

    Returns
    -------
    DataFrame
        Columns ``period`` (Timestamp, start of the period), ``category``,
        ``count`` (int) and ``event_ids`` (list of str, by date then id); one row
        per period and category that has claims, sorted by period and then
        category in schema order. Every category present in ``events`` appears.
        Empty input gives an empty frame with these columns.
    """
    if freq not in _PERIOD_START:
        raise ValueError(f"freq must be 'week' or 'month', not {freq!r}")
    if events.empty:
        return _data.empty(COUNT_COLUMNS)
    frame = pd.DataFrame(
        {
            "period": _PERIOD_START[freq](pd.to_datetime(events["event_date"])).astype("datetime64[ns]"),
            # Kept categorical (as the store loads it): converting a million labels to str cost 0.4 s.
            "category": events["category"].astype("category").cat.rename_categories(str).to_numpy(),
            "event_id": events["event_id"].astype(str).to_numpy(),
            "event_date": pd.to_datetime(events["event_date"]).to_numpy(),
        }
    ).dropna(subset=["period"])
    # The store returns rows by date then id already; sorting a million string ids costs ~1 s.
    if not _data.sorted_by_date_and_id(frame):
        frame = frame.sort_values(["event_date", "event_id"], kind="stable")
    keys = ["period", "category"]
    counts = frame.groupby(keys, sort=True, observed=True).size().reset_index(name="count")
    counts["event_ids"] = _data.grouped_ids(frame, keys)
    counts["category"] = counts["category"].astype(str).astype(object)
    rank = {c: i for i, c in enumerate(category_order(counts["category"]))}
    counts = counts.assign(_rank=counts["category"].map(rank)).sort_values(["period", "_rank"])
    return counts.drop(columns="_rank").astype({"count": "int64"}).reset_index(drop=True)


def timeline_chart(
    counts: pd.DataFrame,
    freq: Freq,
    title: str | None = "Claims over time",
    *,
    height: int = 420,
    show_legend: bool = True,
) -> go.Figure:
    """Stacked bars of claims per period, one colour per category.

    Parameters
    ----------
    counts : DataFrame
        As from :func:`period_counts`.
    freq : "week" or "month"
        The period ``counts`` was made with (sets bar width and labels).
    title : str, optional
    height : int
        Figure height in pixels.
    show_legend : bool

    Returns
    -------
    plotly.graph_objects.Figure
        One ``go.Bar`` trace per category (schema order), stacked. The trace's
        ``name`` is the category label, and ``meta`` the category key. For bar
        ``i``, ``customdata[i]`` is a str: the ids of the events counted in
        that bar, joined by ``","`` (ids never contain a comma), so
        ``point["customdata"].split(",")`` maps a selection back to rows. Above
        ``_data.MAX_CUSTOMDATA_IDS`` claims in the chart every customdata is ""
        (sending a million ids on each rerun would cost more than the chart).
        Empty ``counts`` give a figure with a "no events" note; pages should
        show a message instead of drawing it.
    """
    if freq not in _PERIOD_START:
        raise ValueError(f"freq must be 'week' or 'month', not {freq!r}")
    if counts.empty:
        return empty_figure(title)
    fig = go.Figure()
    period_kwargs = (
        dict(xperiod="M1", xperiodalignment="middle")
        if freq == "month"
        else dict(xperiod=7 * _DAY_MS, xperiod0="2000-01-03", xperiodalignment="middle")  # a Monday
    )
    for cat in category_order(counts["category"]):
        rows = counts.loc[counts["category"] == cat]
        periods = pd.to_datetime(rows["period"])
        labels = periods.dt.strftime("%B %Y") if freq == "month" else "Week of " + periods.dt.strftime("%d %b %Y")
        fig.add_bar(
            x=periods,
            y=rows["count"],
            name=safe_text(category_label(cat)),
            meta=cat,
            marker=dict(color=category_color(cat), line=dict(width=0)),
            customdata=_data.customdata_ids(rows["event_ids"], int(counts["count"].sum())),
            hovertext=labels.tolist(),
            hovertemplate="<b>%{fullData.name}</b><br>%{hovertext}<br>%{y} claims<extra></extra>",
            **period_kwargs,
        )
    base_layout(fig, title)
    periods = pd.to_datetime(counts["period"])
    xaxis = month_axis(periods.min(), periods.max()) if freq == "month" else dict(type="date")
    fig.update_layout(
        barmode="stack",
        bargap=0.15,
        height=height,
        showlegend=show_legend,
        legend=dict(title=dict(text="Category"), traceorder="normal"),
        xaxis=dict(title=dict(text=_PERIOD_AXIS[freq]), **xaxis),
        yaxis=dict(
            title=dict(text="Claims (records)"),
            rangemode="tozero",
            **count_axis(counts.groupby("period")["count"].sum().max()),
        ),
        hovermode="closest",
    )
    return fig


def _measure(measure: str) -> Measure:
    try:
        return MEASURES[measure]
    except KeyError:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}") from None


def estimate_series(events: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The claims that answer one measure (e.g. "troops_in_russia"), as a series.

    Parameters
    ----------
    events : DataFrame
        Current events.
    measure : str
        A key of ``schema.MEASURES``: records of its category and unit whose
        subcategory is one of its subcategories.

    Returns
    -------
    DataFrame
        Columns ``event_date``, ``claimant``, ``low``, ``best``, ``high``, ``value``,
        ``kind``, ``event_id``, ``description``; sorted by claimant, date and id.
        ``value`` is ``best``, else the midpoint of ``low`` and ``high``, else
        ``low``, else ``high``; ``kind`` says what the figures are: ``"about"``
        (a best estimate), ``"range"`` (low and high only), ``"at_least"`` (only a
        lower bound: "more than ..."), ``"at_most"`` (only an upper bound: "up
        to ..."). Records without any figure are left out.
    """
    spec = _measure(measure)
    if events.empty:
        return _data.empty(ESTIMATE_COLUMNS)
    # Category and unit first (cheap on categoricals), then only the used columns of those rows:
    # stripping the subcategory text or taking every column of a million rows costs seconds.
    candidates = (events["category"] == spec.category).fillna(False).to_numpy(dtype=bool) & (
        events["unit"] == spec.unit
    ).fillna(False).to_numpy(dtype=bool)
    used = ["event_date", "claimant", "subcategory", "event_id", "figure_low", "figure_best", "figure_high"]
    # description is optional: pages pass a frame without the long text columns.
    rows = events[used + (["description"] if "description" in events else [])].loc[candidates]
    subcategory = rows["subcategory"].astype("string").str.strip()
    rows = rows.loc[subcategory.isin(spec.subcategories).fillna(False).to_numpy(dtype=bool)]
    series = pd.DataFrame(
        {
            "event_date": pd.to_datetime(rows["event_date"]).astype("datetime64[ns]"),
            "claimant": rows["claimant"].astype(str),
            "low": rows["figure_low"].astype("float64"),
            "best": rows["figure_best"].astype("float64"),
            "high": rows["figure_high"].astype("float64"),
            "value": _data.claim_value(rows),
            "kind": _claim_kind(rows),
            "event_id": rows["event_id"].astype(str),
            "description": (
                rows["description"].astype(object).where(rows["description"].notna(), None)
                if "description" in rows
                else None
            ),
        }
    )
    series = series.loc[series["value"].notna()]
    series = series.sort_values(["claimant", "event_date", "event_id"], kind="stable")
    return series.astype({"claimant": object, "event_id": object, "kind": object}).reset_index(drop=True)


def _claim_kind(rows: pd.DataFrame) -> pd.Series:
    low, best, high = (rows[c].notna() for c in ("figure_low", "figure_best", "figure_high"))
    kind = pd.Series("about", index=rows.index, dtype=object)
    kind[~best & low & high] = "range"
    kind[~best & low & ~high] = "at_least"
    kind[~best & ~low & high] = "at_most"
    return kind


def claim_text(row) -> str:
    """A claim's figures in words: "about 12,000 (10,000–15,000)", "more than 10,000"."""
    low, best, high = (format_number(row[c]) for c in ("low", "best", "high"))
    kind = row["kind"]
    if kind == "about":
        has_range = row["low"] == row["low"] or row["high"] == row["high"]
        return f"about {best}" + (f" (range {low}–{high})" if has_range else "")
    if kind == "range":
        return f"between {low} and {high}"
    return f"{KIND_TEXT[kind]} {low if kind == 'at_least' else high}"


# Above this many claims the estimate chart keeps each claimant's latest claim per week (then month,
# quarter, year): a running estimate is what a claimant said last, so the step lines keep their
# meaning at a coarser step. 166k troop claims in a 1M log took ~14 s to draw claim by claim.
MAX_ESTIMATE_CLAIMS = 5_000
MAX_NAMED_CLAIMANTS = 8
_THINNING = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
_OTHERS_COLOR = "#9a9a9a"
_ESTIMATE_HOVER = "<b>%{customdata[1]}</b><br>%{x|%d %b %Y}<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"


def thin_estimates(series: pd.DataFrame, max_claims: int = MAX_ESTIMATE_CLAIMS) -> pd.DataFrame:
    """``series`` (as from :func:`estimate_series`) reduced to at most ``max_claims`` claims if possible.

    Keeps each claimant's latest claim per week; if that is still too many, per month, then
    quarter, then year. Unchanged when small enough. A reduced series says so in ``attrs``:
    ``"thinned"`` (the period) and ``"claims"`` (claims before thinning).
    """
    if len(series) <= max_claims:
        return series
    dates = pd.to_datetime(series["event_date"])
    ordered = series.assign(_date=dates).sort_values(["claimant", "_date", "event_id"], kind="stable")
    for label in _THINNING:
        period = ordered["_date"].dt.to_period(_THINNING[label])
        kept = ordered.assign(_period=period).groupby(["claimant", "_period"], sort=False).tail(1)
        if len(kept) <= max_claims:
            break
    kept = kept.drop(columns=["_date", "_period"]).reset_index(drop=True)
    kept.attrs.update(thinned=label, claims=len(series))
    return kept


def _claim_customdata(rows: pd.DataFrame) -> list[list[str]]:
    """Per claim: [event_id, claimant (escaped), claim text, "low · best · high"]."""
    return [
        [
            r.event_id,
            safe_text(r.claimant),
            claim_text(r._asdict()),
            f"low {format_number(r.low)} · best {format_number(r.best)} · high {format_number(r.high)}",
        ]
        for r in rows.itertuples(index=False)
    ]


def estimate_chart(
    series: pd.DataFrame,
    measure: str,
    key_events: pd.DataFrame | None = None,
    title: str | None = None,
    *,
    height: int = 460,
) -> go.Figure:
    """Running estimates of one measure: a step line per claimant with its range.

    Parameters
    ----------
    series : DataFrame
        As from :func:`estimate_series`.
    measure : str
        The ``schema.MEASURES`` key the series was made for (axis label, title).
    key_events : DataFrame, optional
        Rows with ``event_date`` and ``label`` (else ``description``) drawn as
        dotted vertical lines with a short label; those outside the series'
        dates are left out.
    title : str, optional
        Defaults to the measure's label.

    Returns
    -------
    plotly.graph_objects.Figure
        Per claimant (one colour, one legend entry; traces share
        ``legendgroup`` = claimant):

        - a translucent band (``fill="toself"``) from low to high for each claim
          that gives both, held until the claimant's next claim;
        - a step line (``line_shape="hv"``) through the claim values, with
          markers: circles for "about", diamonds for a range's midpoint;
        - "more than" claims (only a lower bound) as upward triangles with a
          line pointing up; "up to" claims as downward triangles pointing down.

        Marker traces carry ``customdata[i] = [event_id, claimant, claim text,
        "low · best · high" text]``. Empty ``series`` give a figure with a note.

        Large inputs: above ``MAX_ESTIMATE_CLAIMS`` claims the series is first reduced by
        :func:`thin_estimates` (latest claim per claimant per week, month…); only the
        ``MAX_NAMED_CLAIMANTS`` claimants with most claims get their own colour, line and
        bands, the others share one grey marker trace named "N other claimants".
    """
    spec = _measure(measure)
    title = spec.label if title is None else title
    if series.empty:
        return empty_figure(title)
    series = thin_estimates(series)
    # The claimants with most claims get a colour, a step line and bands; the rest share one grey
    # marker trace. Eight colours is all a reader can tell apart, and a trace per claimant (hundreds
    # in a large log) cost seconds to build and send.
    claims_per_claimant = series["claimant"].value_counts(sort=False)
    ranked = sorted(claims_per_claimant.index, key=lambda c: (-claims_per_claimant[c], c))
    named = set(ranked[:MAX_NAMED_CLAIMANTS])
    claimants = [c for c in dict.fromkeys(series["claimant"]) if c in named]
    colors = series_colors(claimants)
    last_date = pd.to_datetime(series["event_date"]).max()
    tail = float(series["value"].max()) * 0.06  # length of the "more than" / "up to" pointers
    # Traces are collected and handed to go.Figure once: fig.add_scatter validates and copies the
    # figure's data on every call.
    traces: list[go.Scatter] = []
    symbol_of = {"about": "circle", "range": "diamond", "at_least": "triangle-up", "at_most": "triangle-down"}
    by_claimant = dict(tuple(series.groupby("claimant", sort=False)))

    for claimant in claimants:
        rows = by_claimant[claimant].sort_values(["event_date", "event_id"])
        color = colors[claimant]
        name = safe_text(claimant)
        band_x, band_y = _band_polygons(rows, last_date)
        if band_x:
            traces.append(
                go.Scatter(
                    x=band_x,
                    y=band_y,
                    fill="toself",
                    mode="lines",
                    line=dict(width=0),
                    fillcolor=_translucent(color, 0.18),
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=claimant,
                    name=f"{name} range",
                )
            )
        symbols = rows["kind"].map(symbol_of).tolist()
        traces.append(
            go.Scatter(
                x=rows["event_date"],
                y=rows["value"],
                name=name,
                legendgroup=claimant,
                mode="lines+markers",
                line=dict(shape="hv", color=color, width=2.5),
                marker=dict(
                    symbol=symbols,
                    size=[12 if s.startswith("triangle") else 8 for s in symbols],
                    color=color,
                    line=dict(color="white", width=1),
                ),
                customdata=_claim_customdata(rows),
                hovertemplate=_ESTIMATE_HOVER,
            )
        )
        for kind, sign in (("at_least", 1), ("at_most", -1)):
            bound = rows.loc[rows["kind"] == kind]
            if bound.empty:
                continue
            # A line pointing away from the bound: "more than" reads as open upwards.
            traces.append(
                go.Scatter(
                    x=bound["event_date"],
                    y=bound["value"],
                    mode="markers",
                    legendgroup=claimant,
                    showlegend=False,
                    hoverinfo="skip",
                    name=f"{name} {KIND_TEXT[kind]}",
                    marker=dict(size=1, color=color),
                    error_y=dict(
                        type="data",
                        symmetric=False,
                        array=[tail if sign > 0 else 0] * len(bound),
                        # Never below zero: an "up to 40" pointer stops at the axis.
                        arrayminus=[min(tail, v) if sign < 0 else 0 for v in bound["value"]],
                        width=0,
                        thickness=2,
                        color=color,
                    ),
                )
            )

    others = series.loc[~series["claimant"].isin(named).to_numpy()]
    if len(others):
        count = others["claimant"].nunique()
        traces.append(
            go.Scatter(
                x=others["event_date"],
                y=others["value"],
                mode="markers",
                name=f"{count:,} other claimant{'s' if count != 1 else ''}",
                legendgroup="_others",
                marker=dict(symbol=others["kind"].map(symbol_of).tolist(), size=6, color=_OTHERS_COLOR, opacity=0.6),
                customdata=_claim_customdata(others),
                hovertemplate=_ESTIMATE_HOVER,
            )
        )

    for text, symbol in (
        ("about (best estimate)", "circle"),
        ("midpoint of a range", "diamond"),
        ("more than (lower bound only)", "triangle-up"),
        ("up to (upper bound only)", "triangle-down"),
    ):
        if _uses_symbol(series, symbol):
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=text,
                    legendgroup="_key",
                    legendgrouptitle=dict(text="Markers"),
                    hoverinfo="skip",
                    marker=dict(symbol=symbol, size=10, color="#888888"),
                )
            )
    fig = go.Figure(data=traces)

    base_layout(fig, title)
    unit_text = UNITS.get(spec.unit, spec.unit).rstrip(".")
    fig.update_layout(
        height=height,
        hovermode="closest",
        legend=dict(title=dict(text="Claimant"), groupclick="toggleitem"),
        xaxis=dict(title=dict(text="Date of claim"), type="date"),
        yaxis=dict(
            title=dict(text=f"{spec.unit.replace('_', ' ').capitalize()} ({unit_text.lower()})"),
            rangemode="tozero",
            tickformat=",d",
        ),
    )
    if key_events is not None and not key_events.empty:
        _add_key_events(fig, key_events, pd.to_datetime(series["event_date"]).min(), last_date)
    return fig


def _uses_symbol(series: pd.DataFrame, symbol: str) -> bool:
    kinds = {"circle": "about", "diamond": "range", "triangle-up": "at_least", "triangle-down": "at_most"}
    return bool((series["kind"] == kinds[symbol]).any())


def _band_polygons(rows: pd.DataFrame, last_date: pd.Timestamp) -> tuple[list, list]:
    """Rectangles low..high from each claim with both bounds to the claimant's next claim.

    The last claim's band runs to the series' last date, or one day wide if it
    is the last date itself. Rectangles are separated by None (one trace).
    """
    xs: list = []
    ys: list = []
    dates = pd.to_datetime(rows["event_date"]).tolist()
    for i, row in enumerate(rows.itertuples(index=False)):
        if row.low != row.low or row.high != row.high:  # NaN: no range
            continue
        start = dates[i]
        end = dates[i + 1] if i + 1 < len(dates) else last_date
        if end <= start:
            end = start + pd.Timedelta(days=1)
        xs += [start, end, end, start, start, None]
        ys += [row.low, row.low, row.high, row.high, row.low, None]
    return xs, ys


def _translucent(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _add_key_events(fig: go.Figure, key_events: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> None:
    label_column = "label" if "label" in key_events else "description"
    dates = pd.to_datetime(key_events["event_date"])
    shapes, notes = [], []
    for date, label in zip(dates, key_events[label_column], strict=True):
        if pd.isna(date) or date < first or date > last:
            continue
        text = str(label) if label is not None and label == label else ""
        text = text if len(text) <= 40 else text[:39] + "…"
        # Plain dicts set once: add_vline/add_annotation copy the layout on every call.
        shapes.append(
            dict(
                type="line",
                x0=date,
                x1=date,
                xref="x",
                y0=0,
                y1=1,
                yref="y domain",
                line=dict(color="#999999", width=1, dash="dot"),
                layer="below",
            )
        )
        notes.append(
            dict(
                x=date,
                y=1,
                xref="x",
                yref="paper",
                text=safe_text(text),
                showarrow=False,
                textangle=-90,
                xanchor="right",
                yanchor="top",
                font=dict(size=10, color=MUTED_COLOR),
                xshift=-2,
            )
        )
    if shapes:
        fig.update_layout(shapes=list(fig.layout.shapes) + shapes, annotations=list(fig.layout.annotations) + notes)
