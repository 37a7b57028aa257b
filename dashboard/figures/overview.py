"""The overview page's pieces: latest figures, recent change, completeness note, a small timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.events.schema import MEASURES
from dashboard.figures import _data, notation
from dashboard.figures.style import category_label, category_order
from dashboard.figures.timeline import estimate_series, measure_keys, measures_present, period_counts, timeline_chart

LATEST_COLUMNS = ("claimant", "event_date", "low", "best", "high", "value", "event_id")
CHANGE_COLUMNS = {"category": "object", "label": "object", "current": "int64", "previous": "int64", "change": "int64"}
# Claims are published days or weeks after the fact: the newest weeks fill in later.
REPORTING_LAG_DAYS = 14


def latest_by_claimant(events: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The newest claim of each claimant for a measure (a key of ``schema.MEASURES``).

    Returns
    -------
    DataFrame
        Columns ``claimant``, ``event_date``, ``low``, ``best``, ``high``,
        ``value`` (as in ``estimate_series``), ``kind`` and ``event_id``; newest
        first (ties by claimant). Of two claims on the same day, the one with
        the larger id is taken.
    """
    latest = estimate_series(events, measure, latest_only=True)
    latest = latest.sort_values(["event_date", "claimant"], ascending=[False, True], kind="stable")
    return latest.loc[:, [*LATEST_COLUMNS[:-1], "kind", "event_id"]].reset_index(drop=True)


def latest_by_measure(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`latest_by_claimant` of every measure with a claim in ``events`` (schema order).

    Each measure's claims are picked out once (:func:`measure_keys`), so each measure's pass reads
    its own few rows: one pass per measure over every row cost ~0.3 s at 1M events (the Overview's
    cards) and seconds in the brief, which tried all 200 measures.
    """
    keys = measure_keys(events)
    positions = keys.groupby(keys, sort=False).indices  # measure -> positions within keys
    at = keys.index.to_numpy()
    return {
        key: latest_by_claimant(events.iloc[np.sort(at[positions[key]])], key) for key in MEASURES if key in positions
    }


# A headline ranges over the claims of the last few months before the newest one; older claims
# are named below it, so "3,000 to 12,000" never sets an October 2024 figure beside a 2026 one.
HEADLINE_RECENT_DAYS = 183


@dataclass(frozen=True)
class Headline:
    """What a headline card says about one measure: the newest figure first, then its context."""

    label: str
    value: str  # the newest claim's figure, short: "about 10,000"
    newest: str  # "about 10,000 troops: Ukraine President Zelensky, 20 Feb 2026"
    span: str  # "claims of 8 Oct 2024 – 20 Feb 2026"
    spread: str | None  # "3,000 to 12,000 troops across 4 claimants since 20 Aug 2025"
    older: str | None  # "older: South Korea NIS (23 Oct 2024: about 3,000 troops)"


def headline(latest: pd.DataFrame, measure: str, recent_days: int = HEADLINE_RECENT_DAYS) -> Headline | None:
    """The card of one measure from :func:`latest_by_claimant`'s rows (None when there are none)."""
    if latest.empty:
        return None
    spec = MEASURES[measure]
    rows = latest.sort_values(["event_date", "event_id"], ascending=[False, False], kind="stable")
    newest = rows.iloc[0]
    dates = pd.to_datetime(rows["event_date"])
    cutoff = dates.iloc[0] - pd.Timedelta(days=recent_days)
    recent, older = rows.loc[(dates >= cutoff).to_numpy()], rows.loc[(dates < cutoff).to_numpy()]
    spread = None
    if len(recent) > 1:
        values = recent["value"].astype(float)
        spread = (
            f"{notation.spread_text(values.min(), values.max(), spec.unit)} across {len(recent)} claimants' "
            f"latest claims since {_day(dates.loc[recent.index].min())}"
        )
    older_text = None
    if len(older):
        named = [
            f"{r.claimant} ({_day(r.event_date)}: {notation.figure_text(r.low, r.best, r.high, spec.unit)})"
            for r in older.head(3).itertuples()
        ]
        more = len(older) - len(named)
        older_text = "Older latest claims: " + "; ".join(named) + (f"; and {more} more" if more else "")
    return Headline(
        label=spec.label,
        value=notation.figure_text(newest["low"], newest["best"], newest["high"], bounds=False),
        newest=(
            f"{notation.figure_text(newest['low'], newest['best'], newest['high'], spec.unit)}: "
            f"{newest['claimant']}, {_day(newest['event_date'])}"
        ),
        span=f"claims of {_day(dates.min())} – {_day(dates.max())}",
        spread=spread,
        older=older_text,
    )


def related_line(latest_by_measure: dict[str, pd.DataFrame], measure: str) -> str | None:
    """The newest claim of the first other measure of ``measure``'s group, as one line for its card.

    "Troops sent in total: about 15,000 troops (South Korea NIS, 30 Apr 2025)": troops in Russia
    read beside troops sent in total, so a stock figure is not mistaken for everyone ever sent.
    """
    spec = MEASURES[measure]
    if spec.group is None:
        return None
    for other, latest in latest_by_measure.items():
        related = MEASURES[other]
        if other == measure or related.group != spec.group or related.side != spec.side or latest.empty:
            continue
        if related.kind == spec.kind and spec.kind != "stock":
            continue  # another loss count beside a loss count adds little; a different kind of figure helps
        newest = latest.sort_values(["event_date", "event_id"], ascending=[False, False]).iloc[0]
        figure = notation.figure_text(newest["low"], newest["best"], newest["high"], related.unit)
        return f"{related.label}: {figure} ({newest['claimant']}, {_day(newest['event_date'])})"
    return None


def headline_measure(events: pd.DataFrame, preferred: tuple[str, ...]) -> str:
    """The first of ``preferred`` measures with claims in ``events`` (the first one if none has)."""
    present = set(measures_present(events))
    return next((m for m in preferred if m in present), preferred[0])


def missiles_text(monthly: pd.DataFrame) -> str:
    """Missiles fired over ``missile_monthly``'s rows: "23 missiles", "≥ 23 missiles" when some were bounds."""
    total = float(monthly["missiles"].sum()) if len(monthly) else 0.0
    bounded = bool(len(monthly)) and int(monthly["lower_bounds"].sum()) > 0
    return notation.total_text(total, "missiles", lower_bound=bounded)


def _day(value) -> str:
    value = pd.Timestamp(value)
    return f"{value.day} {value:%b %Y}"


def window_change(events: pd.DataFrame, end: dt.date, days: int = 30) -> pd.DataFrame:
    """Claims per category in the last ``days`` days up to ``end``, against the ``days`` before.

    Parameters
    ----------
    events : DataFrame
    end : date
        Last day of the current window (inclusive).
    days : int
        Window length.

    Returns
    -------
    DataFrame
        Columns ``category``, ``label``, ``current`` (event_date in
        ``(end - days, end]``), ``previous`` (in ``(end - 2*days, end - days]``) and
        ``change`` (current - previous); one row per category present in
        ``events``, in schema order. The window bounds are in ``frame.attrs``.
    """
    if days <= 0:
        raise ValueError("days must be positive")
    end_ts = pd.Timestamp(end)
    current_start = end_ts - pd.Timedelta(days=days)
    previous_start = current_start - pd.Timedelta(days=days)
    if events.empty:
        out = _data.empty(CHANGE_COLUMNS)
    else:
        dates = pd.to_datetime(events["event_date"])
        # Only the category column of each window: the rows' other columns are never read.
        category = events["category"]
        now = category.loc[((dates > current_start) & (dates <= end_ts)).to_numpy()].astype(str).value_counts()
        before = (
            category.loc[((dates > previous_start) & (dates <= current_start)).to_numpy()].astype(str).value_counts()
        )
        categories = category_order(category)
        out = pd.DataFrame(
            {
                "category": categories,
                "label": [category_label(c) for c in categories],
                "current": [int(now.get(c, 0)) for c in categories],
                "previous": [int(before.get(c, 0)) for c in categories],
            }
        )
        out["change"] = out["current"] - out["previous"]
        out = out.astype({"current": "int64", "previous": "int64", "change": "int64"})
    out.attrs.update(
        current=(current_start.date() + dt.timedelta(days=1), end_ts.date()),
        previous=(previous_start.date() + dt.timedelta(days=1), current_start.date()),
    )
    return out


def incomplete_note(events: pd.DataFrame, end: dt.date, today: dt.date) -> str | None:
    """A plain note when the end of the period is recent enough to be incomplete.

    Returns the note when ``end`` is less than ``REPORTING_LAG_DAYS`` (14) days
    before ``today`` (or after it), else None. When the selection has records
    with a ``reported_date``, the note quotes their median reporting delay.
    """
    if (today - end).days >= REPORTING_LAG_DAYS:
        return None
    note = "The last two weeks are likely incomplete: claims are often published days or weeks later."
    if len(events) and "reported_date" in events:
        delay = (pd.to_datetime(events["reported_date"]) - pd.to_datetime(events["event_date"])).dt.days
        delay = delay[delay >= 0]
        if len(delay) >= 5:
            median = int(delay.median())
            note = note[:-1] + f" (median delay in this selection: {median} day{'s' if median != 1 else ''})."
    return note


def compact_timeline(
    events: pd.DataFrame,
    title: str | None = "Claims per month",
    *,
    height: int = 260,
    counts: pd.DataFrame | None = None,
) -> go.Figure:
    """A small monthly stacked bar of claims by category (same traces as ``timeline_chart``).

    ``counts``: ``period_counts(events, "month")`` if the caller has it already (it costs
    a group-by over every row).
    """
    counts = period_counts(events, "month") if counts is None else counts
    return timeline_chart(
        counts,
        "month",
        title,
        height=height,
        layout_settings=dict(
            margin=dict(l=50, r=10, t=40 if title else 10, b=30),
            legend=dict(title=None, font=dict(size=11)),
            xaxis=dict(title=None),
            yaxis=dict(title=dict(text="Claims")),
        ),
    )
