"""Claims over time: counts per week or month, and running estimates per claimant."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.events.schema import MEASURES, Measure, measure_of
from dashboard.figures import _data, notation
from dashboard.figures.style import (
    MUTED_COLOR,
    category_color,
    category_label,
    category_order,
    count_axis,
    empty_figure,
    layout,
    merged,
    month_axis,
    safe_text,
    safe_texts,
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
# Grades in charts: a claim's marker is as opaque as its information is credible (1–2 solid, 6 faint),
# the same rule for every chart; the legend's "Credibility" group says so. Its grade (B2) is in the hover.
CREDIBILITY_OPACITY = {1: 1.0, 2: 1.0, 3: 0.75, 4: 0.5, 5: 0.3, 6: 0.3}
CREDIBILITY_KEY = (
    ("1–2 confirmed or probably true", 1),
    ("3 possibly true", 3),
    ("4 doubtful", 4),
    ("5–6 improbable or not judged", 6),
)


def credibility_opacity(rows: pd.DataFrame) -> np.ndarray | None:
    """Marker opacity per claim from ``grade_credibility`` (None when the rows carry no grades)."""
    if "grade_credibility" not in rows:
        return None
    levels = pd.to_numeric(rows["grade_credibility"], errors="coerce").fillna(6).astype(int)
    return levels.map(CREDIBILITY_OPACITY).to_numpy(dtype=float)


# What a claim's figures say, by which of low/best/high it has (see estimate_series).
KIND_TEXT = {"about": "about", "range": "between", "at_least": "at least", "at_most": "up to"}


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
        ``count`` (int) and ``event_ids`` (list of str, by date then id; an Arrow list
        column, see ``_data.ids_by_group``); one row
        per period and category that has claims, sorted by period and then
        category in schema order. Every category present in ``events`` appears.
        Empty input gives an empty frame with these columns.
    """
    if freq not in _PERIOD_START:
        raise ValueError(f"freq must be 'week' or 'month', not {freq!r}")
    if events.empty:
        return _data.empty(COUNT_COLUMNS)
    # Numbers only until the result: period starts by calendar arithmetic, categories as their
    # codes, one counting pass over (period, category) pairs. Period objects, string labels and
    # group-bys over a frame built for the purpose cost ~0.12 s for 200k rows; this is a few ms
    # plus the id lists.
    dates = events["event_date"].to_numpy()
    categories = events["category"].astype("category")  # the store's categorical: no work
    labels = [str(c) for c in categories.cat.categories]
    codes = categories.cat.codes.to_numpy()
    # Rows in (date, id) order, as each bar lists its ids. The store returns them so already; only
    # other frames are sorted, and then only the three arrays used here.
    rows = np.arange(len(events))
    if not _data.sorted_by_date_and_id(events):
        rows = np.lexsort((events["event_id"].astype(str).to_numpy(dtype=object), dates))
    period = _data.period_start(dates[rows], freq)
    codes = codes[rows]
    dated = np.flatnonzero(~np.isnat(period) & (codes >= 0))  # a row without date or category is in no bar
    period_of_row, periods = pd.factorize(period[dated], sort=True)
    codes = codes[dated]
    # Groups numbered period first, then category in schema order: the result's sort order.
    ranked = category_order(labels)
    rank_of_code = np.array([ranked.index(label) for label in labels], dtype="int64")
    group = period_of_row.astype("int64") * len(ranked) + rank_of_code[codes]
    sizes = np.bincount(group, minlength=len(periods) * len(ranked))
    present, bar = _data.dense_codes(group, sizes)
    ids = _data.ids_by_group(events["event_id"].iloc[rows[dated]], bar, len(present))
    return pd.DataFrame(
        {
            "period": pd.DatetimeIndex(periods).astype("datetime64[ns]")[present // len(ranked)],
            "category": pd.Series(np.asarray(ranked, dtype=object)[present % len(ranked)], dtype=object),
            "count": sizes[present].astype("int64"),
            "event_ids": ids,
        }
    )


def timeline_chart(
    counts: pd.DataFrame,
    freq: Freq,
    title: str | None = "Claims over time",
    *,
    height: int = 420,
    show_legend: bool = True,
    layout_settings: dict | None = None,
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
    layout_settings : dict, optional
        Layout merged over the chart's own, key by key (e.g. a compact margin),
        so the figure is still built with one layout.

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
    period_kwargs = (
        dict(xperiod="M1", xperiodalignment="middle")
        if freq == "month"
        else dict(xperiod=7 * _DAY_MS, xperiod0="2000-01-03", xperiodalignment="middle")  # a Monday
    )
    customdata = np.array(_data.customdata_ids(counts["event_ids"], int(counts["count"].sum())), dtype=object)
    # Trace dicts and one layout, given to go.Figure once (validated once): fig.add_bar and each
    # update_layout validated and copied the figure built so far.
    traces = []
    for cat in category_order(counts["category"]):
        rows = np.flatnonzero((counts["category"] == cat).to_numpy())
        periods = pd.to_datetime(counts["period"].iloc[rows])
        labels = periods.dt.strftime("%B %Y") if freq == "month" else "Week of " + periods.dt.strftime("%d %b %Y")
        traces.append(
            dict(
                type="bar",
                x=periods.to_numpy(),
                y=counts["count"].to_numpy()[rows],
                name=safe_text(category_label(cat)),
                meta=cat,
                marker=dict(color=category_color(cat), line=dict(width=0)),
                customdata=customdata[rows],
                hovertext=labels.to_numpy(dtype=object),
                hovertemplate="<b>%{fullData.name}</b><br>%{hovertext}<br>%{y} claims<extra></extra>",
                **period_kwargs,
            )
        )
    periods = pd.to_datetime(counts["period"])
    xaxis = month_axis(periods.min(), periods.max()) if freq == "month" else dict(type="date")
    own = dict(
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
    return go.Figure(data=traces, layout=layout(title, **merged(own, layout_settings or {})))


def _measure(measure: str) -> Measure:
    try:
        return MEASURES[measure]
    except KeyError:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}") from None


def estimate_series(events: pd.DataFrame, measure: str, *, latest_only: bool = False) -> pd.DataFrame:
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
        to ..."). Records without any figure are left out. With ``latest_only``,
        only each claimant's newest claim (the last by date, then id).
    """
    spec = _measure(measure)
    if events.empty:
        return _data.empty(ESTIMATE_COLUMNS)
    # Category and unit first (cheap on categoricals), then only the used columns of those rows:
    # stripping the subcategory text or taking every column of a million rows costs seconds.
    candidates = (events["category"] == spec.category).fillna(False).to_numpy(dtype=bool) & (
        events["unit"] == spec.unit
    ).fillna(False).to_numpy(dtype=bool)
    used = ["event_date", "claimant", "subcategory", "actor", "event_id", "figure_low", "figure_best", "figure_high"]
    used += ["quality_flags"] if "quality_flags" in events else []
    graded = [c for c in ("grade", "grade_credibility") if c in events]  # grading.with_grades: kept when present
    used += graded
    # description is optional: pages pass a frame without the long text columns.
    rows = events[used + (["description"] if "description" in events else [])].loc[candidates]
    # Records without any figure are left out before any text is converted; so are claims about
    # another side's forces (combined DPRK and Russian losses are not DPRK losses).
    answers = (
        _data.text_in(rows["subcategory"], spec.subcategories)
        & _data.claim_value(rows).notna().to_numpy()
        & _data.actor_sides(rows["actor"]).eq(spec.side).to_numpy()
    )
    rows = rows.loc[answers]
    if latest_only:
        if not _data.sorted_by_date_and_id(rows):
            rows = rows.iloc[np.lexsort((rows["event_id"].astype(str).to_numpy(dtype=object), rows["event_date"]))]
        # In (date, id) order a claimant's last row is its newest claim; chosen before any text is built.
        rows = rows.loc[~rows["claimant"].duplicated(keep="last").to_numpy()]
    band_low, band_high = _data.band_bounds(rows)  # no band where the source's bounds are out of order
    series = pd.DataFrame(
        {
            "event_date": pd.to_datetime(rows["event_date"]).astype("datetime64[ns]"),
            "claimant": rows["claimant"].astype(str),
            "low": band_low,
            "best": rows["figure_best"].astype("float64"),
            "high": band_high,
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
    for column in graded:
        series[column] = rows[column].astype(object if column == "grade" else "int64").to_numpy()
    series = series.astype({"claimant": object, "event_id": object, "kind": object})
    # Rows in the store's (date, id) order need a stable sort on the claimant alone: comparing
    # dates and string ids again cost more than the rest of this function.
    by = ["claimant"] if _data.sorted_by_date_and_id(rows) else ["claimant", "event_date", "event_id"]
    return series.sort_values(by, kind="stable").reset_index(drop=True)


def _claim_kind(rows: pd.DataFrame) -> pd.Series:
    low, best, high = (rows[c].notna().to_numpy() for c in ("figure_low", "figure_best", "figure_high"))
    # The first that holds: a best figure, both bounds, only the lower, only the upper.
    kind = np.select([best, low & high, low, high], ["about", "range", "at_least", "at_most"], default="about")
    return pd.Series(kind, index=rows.index, dtype=object)


def claim_text(row, unit: str | None = None) -> str:
    """A claim's figures in words, in the one notation (``notation.figure_text``)."""
    return notation.figure_text(row["low"], row["best"], row["high"], unit)


def measure_keys(events: pd.DataFrame) -> pd.Series:
    """The measure each claim with a figure answers (a ``schema.MEASURES`` key), indexed by the claim's
    position in ``events``; claims without a figure or a measure are left out.

    ``measure_of`` runs over the distinct (category, subcategory, unit, actor) combinations, not every row.
    """
    if events.empty:
        return pd.Series(dtype=object)
    figures = _data.claim_value(events).notna().to_numpy()
    combos = events.loc[figures, ["category", "subcategory", "unit", "actor"]].astype(object)
    distinct = combos.drop_duplicates()
    measure = pd.Series(
        [measure_of(*combo) for combo in distinct.itertuples(index=False)],
        index=pd.MultiIndex.from_frame(distinct),
        dtype=object,
    )
    keys = pd.Series(measure.reindex(pd.MultiIndex.from_frame(combos)).to_numpy(), index=np.flatnonzero(figures))
    return keys.dropna()


def measures_present(events: pd.DataFrame) -> list[str]:
    """Keys of the measures that have at least one claim with a figure in ``events``, in schema order."""
    found = set(measure_keys(events))
    return [key for key in MEASURES if key in found]


def measure_from_label(value: str | None) -> str | None:
    """A measure key from a URL value: the key itself, or the label the bound widget writes."""
    if value in MEASURES or value is None:
        return value
    return next((key for key, m in MEASURES.items() if m.label == value), None)


def default_measure(present: list[str], wanted: str | None = None) -> str | None:
    """The measure a chart opens on: ``wanted`` if it has claims, else the first present one (or None)."""
    if wanted in present:
        return wanted
    return present[0] if present else None


# Above this many claims the estimate chart keeps each claimant's latest claim per week (then month,
# quarter, year): a running estimate is what a claimant said last, so the step lines keep their
# meaning at a coarser step. 166k troop claims in a 1M log took ~14 s to draw claim by claim.
MAX_ESTIMATE_CLAIMS = 5_000
MAX_NAMED_CLAIMANTS = 8
_THINNING = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
_OTHERS_COLOR = "#9a9a9a"
# The marker of each kind of claim, and plotly's numeric code of each of these symbols.
_KIND_SYMBOL = {"about": "circle", "range": "diamond", "at_least": "triangle-up", "at_most": "triangle-down"}
SYMBOL_CODES = {"circle": 0, "diamond": 2, "triangle-up": 5, "triangle-down": 6}
SYMBOL_NAMES = {code: name for name, code in SYMBOL_CODES.items()}
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


def _claim_customdata(rows: pd.DataFrame, unit: str | None = None) -> np.ndarray:
    """Per claim: [event_id, claimant (escaped), claim text, "event ID"], as an (n, 4) object array.

    An array, not a list of lists: plotly checks a nested list item by item, an array at once.
    """
    low, best, high = (rows[c].to_numpy(dtype=float) for c in ("low", "best", "high"))
    texts = [safe_text(notation.figure_text(lo, be, hi, unit)) for lo, be, hi in zip(low, best, high, strict=True)]
    out = np.empty((len(rows), 4), dtype=object)
    out[:, 0] = rows["event_id"].astype(str).to_numpy(dtype=object)
    out[:, 1] = safe_texts(rows["claimant"])
    out[:, 2] = texts
    ids = safe_texts(rows["event_id"].astype(str))
    if "grade" in rows:
        out[:, 3] = [f"event {i} · grade {g}" for i, g in zip(ids, safe_texts(rows["grade"].astype(str)), strict=True)]
    else:
        out[:, 3] = ["event " + t for t in ids]
    return out


def estimate_chart(
    series: pd.DataFrame,
    measure: str,
    key_events: pd.DataFrame | None = None,
    title: str | None = None,
    *,
    height: int = 460,
    earlier: pd.DataFrame | None = None,
    earlier_label: str | None = None,
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
    earlier : DataFrame, optional
        The same measure's series (as from :func:`estimate_series`) as the log stood at another
        knowledge time: drawn per named claimant as a faint dotted step line in the claimant's colour
        (``name`` "<claimant> · <earlier_label>", ``meta`` "earlier"), so claims that arrived or
        changed since stand out. Claimants only in ``earlier`` are not drawn.
    earlier_label : str, optional
        How the legend names that state, e.g. "as known on 2024-12-01".

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
    # Trace dicts and one layout, handed to go.Figure once: plotly validates each trace once (a
    # go.Scatter validated its arrays, and go.Figure validated them all again), and fig.add_scatter
    # or update_layout validated and copied the figure built so far on every call.
    traces: list[dict] = []
    # Plotly's numeric codes of the marker symbols (circle, diamond, triangle-up, triangle-down): a
    # symbol name is checked against ~500 names and patterns, ~40 µs a marker (0.1 s for a few thousand
    # claims); a code is checked in a few comparisons. ``SYMBOL_NAMES`` reads them back.
    symbol_of = {kind: SYMBOL_CODES[name] for kind, name in _KIND_SYMBOL.items()}
    claimant_column = series["claimant"].to_numpy(dtype=object)

    for claimant in claimants:
        # One selection per named claimant: splitting the series by every claimant (hundreds) cost more.
        rows = series.loc[claimant_column == claimant].sort_values(["event_date", "event_id"])
        color = colors[claimant]
        name = safe_text(claimant)
        band_x, band_y = _band_polygons(rows, last_date)
        if band_x:
            traces.append(
                dict(
                    type="scatter",
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
        if earlier is not None and len(earlier):
            before = earlier.loc[earlier["claimant"] == claimant].sort_values(["event_date", "event_id"])
            if len(before):
                traces.append(
                    dict(
                        type="scatter",
                        x=before["event_date"],
                        y=before["value"],
                        mode="lines",
                        line=dict(shape="hv", color=color, width=1.5, dash="dot"),
                        opacity=0.45,
                        legendgroup=claimant,
                        showlegend=False,
                        name=f"{name} · {safe_text(earlier_label or 'earlier')}",
                        meta="earlier",
                        # The name through fullData, not pasted into the template: a claimant's "%{…}" stays text.
                        hovertemplate="%{fullData.name}: %{y:,}<extra></extra>",
                    )
                )
        symbols = rows["kind"].map(symbol_of).to_numpy(dtype="int64")
        traces.append(
            dict(
                type="scatter",
                x=rows["event_date"],
                y=rows["value"],
                name=name,
                legendgroup=claimant,
                mode="lines+markers",
                line=dict(shape="hv", color=color, width=2.5),
                marker=dict(
                    symbol=symbols.tolist(),  # a plain JSON list, not a typed array, for an enumerated attribute
                    size=np.where(symbols >= SYMBOL_CODES["triangle-up"], 12, 8),
                    color=color,
                    line=dict(color="white", width=1),
                    **({} if (opacity := credibility_opacity(rows)) is None else {"opacity": opacity}),
                ),
                customdata=_claim_customdata(rows, spec.unit),
                hovertemplate=_ESTIMATE_HOVER,
            )
        )
        for kind, sign in (("at_least", 1), ("at_most", -1)):
            bound = rows.loc[rows["kind"] == kind]
            if bound.empty:
                continue
            # A line pointing away from the bound: "more than" reads as open upwards.
            traces.append(
                dict(
                    type="scatter",
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
            dict(
                type="scatter",
                x=others["event_date"],
                y=others["value"],
                mode="markers",
                name=f"{count:,} other claimant{'s' if count != 1 else ''}",
                legendgroup="_others",
                marker=dict(symbol=others["kind"].map(symbol_of).tolist(), size=6, color=_OTHERS_COLOR, opacity=0.6),
                customdata=_claim_customdata(others, spec.unit),
                hovertemplate=_ESTIMATE_HOVER,
            )
        )

    for text, symbol in (
        ("about (best estimate)", "circle"),
        ("midpoint of a range", "diamond"),
        ("at least (lower bound only)", "triangle-up"),
        ("up to (upper bound only)", "triangle-down"),
    ):
        if _uses_symbol(series, symbol):
            traces.append(_legend_entry(text, "_key", "Markers", dict(symbol=symbol, size=10, color="#888888")))
    if "grade_credibility" in series:
        present = set(pd.to_numeric(series["grade_credibility"], errors="coerce").fillna(6).astype(int))
        for text, level in CREDIBILITY_KEY:
            if present & {lv for lv, op in CREDIBILITY_OPACITY.items() if op == CREDIBILITY_OPACITY[level]}:
                marker = dict(symbol="circle", size=10, color="#444444", opacity=CREDIBILITY_OPACITY[level])
                traces.append(_legend_entry(text, "_credibility", "Credibility (marker opacity)", marker))
    if any(trace.get("meta") == "earlier" for trace in traces):
        traces.append(
            dict(
                type="scatter",
                x=[None],
                y=[None],
                mode="lines",
                name=safe_text(earlier_label or "earlier"),
                legendgroup="_key",
                legendgrouptitle=dict(text="Markers"),
                hoverinfo="skip",
                line=dict(color="#888888", width=1.5, dash="dot"),
            )
        )
    shapes, notes = (
        _key_event_marks(key_events, pd.to_datetime(series["event_date"]).min(), last_date)
        if key_events is not None and not key_events.empty
        else ([], [])
    )
    return go.Figure(
        data=traces,
        layout=layout(
            title,
            height=height,
            hovermode="closest",
            legend=dict(title=dict(text="Claimant"), groupclick="toggleitem"),
            xaxis=dict(title=dict(text="Date of claim"), type="date"),
            yaxis=dict(
                # The unit alone: a long axis title ran into the chart title (casualties' was 60 characters).
                title=dict(text=axis_title(spec)),
                rangemode="tozero",
                tickformat=",d",
            ),
            shapes=shapes,
            annotations=notes,
        ),
    )


def axis_title(spec: Measure) -> str:
    """The y-axis title of an estimate chart: the unit as a short capitalised noun ("Troops", "Km²")."""
    return notation.unit_label(spec.unit).capitalize()


def _uses_symbol(series: pd.DataFrame, symbol: str) -> bool:
    kinds = {name: kind for kind, name in _KIND_SYMBOL.items()}
    return bool((series["kind"] == kinds[symbol]).any())


def _band_polygons(rows: pd.DataFrame, last_date: pd.Timestamp) -> tuple[list, list]:
    """Rectangles low..high from each claim with both bounds to the claimant's next claim.

    The last claim's band runs to the series' last date, or one day wide if it
    is the last date itself. Rectangles are separated by None (one trace).
    """
    xs: list = []
    ys: list = []
    dates = pd.to_datetime(rows["event_date"]).tolist()
    lows, highs = rows["low"].to_numpy(dtype=float).tolist(), rows["high"].to_numpy(dtype=float).tolist()
    for i, (low, high) in enumerate(zip(lows, highs, strict=True)):
        if low != low or high != high:  # NaN: no range
            continue
        start = dates[i]
        end = dates[i + 1] if i + 1 < len(dates) else last_date
        if end <= start:
            end = start + pd.Timedelta(days=1)
        xs += [start, end, end, start, start, None]
        ys += [low, low, high, high, low, None]
    return xs, ys


def _translucent(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _key_event_marks(key_events: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> tuple[list, list]:
    """Dotted lines (layout shapes) and their labels (annotations) for the key events between ``first`` and ``last``."""
    label_column = "label" if "label" in key_events else "description"
    dates = pd.to_datetime(key_events["event_date"])
    shapes, notes = [], []
    for date, label in zip(dates, key_events[label_column], strict=True):
        if pd.isna(date) or date < first or date > last:
            continue
        text = str(label) if label is not None and label == label else ""
        text = text if len(text) <= 40 else text[:39] + "…"
        # Plain dicts, set with the layout: add_vline/add_annotation copy the layout on every call.
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
    return shapes, notes


def _legend_entry(name: str, group: str, title: str, marker: dict) -> dict:
    """A legend-only trace (no point drawn): explains a marker's symbol or opacity under ``title``."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=group,
        legendgrouptitle=dict(text=title),
        hoverinfo="skip",
        marker=marker,
    )
