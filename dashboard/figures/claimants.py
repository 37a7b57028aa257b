"""The claimant page's figures: one originator's claims over time, their estimates against other
originators', their grades. Pure functions over a graded events frame (``grading.with_grades``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.events import schema
from dashboard.figures import timeline
from dashboard.figures.style import empty_figure

GRADE_COUNT_COLUMNS = {"grade": "object", "claims": "int64", "reliability": "object", "credibility": "object"}


def claims_of(events: pd.DataFrame, originator: str) -> pd.DataFrame:
    """The claims whose originator is ``originator`` (relays included), as a new frame."""
    if events.empty or "originator" not in events:
        return events.iloc[0:0]
    return events.loc[(events["originator"].astype(object) == originator).to_numpy(dtype=bool)]


def by_originator(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with ``claimant`` replaced by the originator, so that series group voices, not relays:
    "Ukrainian intelligence via Financial Times" and "Ukraine HUR" draw one line."""
    return events.assign(claimant=events["originator"].astype(object))


def claims_over_time(claims: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Claims per month by category (the Timeline's chart, for one originator's claims)."""
    if claims.empty:
        return empty_figure(title, "No claims by this originator in the current filter.")
    return timeline.timeline_chart(timeline.period_counts(claims, "month"), freq="month", title=title)


def measures_of(events: pd.DataFrame, originator: str) -> list[str]:
    """The measures (``schema.MEASURES`` keys) the originator gave a figure for, most claims first."""
    claims = claims_of(events, originator)
    if claims.empty:
        return []
    keys = [
        schema.measure_of(c, s, u, a)
        for c, s, u, a, lo, be, hi in zip(
            claims["category"],
            claims["subcategory"],
            claims["unit"],
            claims["actor"],
            claims["figure_low"],
            claims["figure_best"],
            claims["figure_high"],
            strict=True,
        )
        if pd.notna(lo) or pd.notna(be) or pd.notna(hi)
    ]
    counts = pd.Series([k for k in keys if k is not None], dtype=object).value_counts(sort=False)
    return sorted(counts.index, key=lambda k: (-counts[k], k))


def estimates_against_others(
    events: pd.DataFrame, originator: str, measure: str, title: str | None = None
) -> go.Figure:
    """The estimate chart of ``measure`` with one line per originator (relays merged into their originator),
    the chosen originator's among them; other originators are the ones that claimed the same measure."""
    series = timeline.estimate_series(by_originator(events), measure)
    if series.empty or originator not in set(series["claimant"]):
        return empty_figure(title, "This originator gave no figure for that measure in the current filter.")
    return timeline.estimate_chart(series, measure, title=title)


def grade_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """How many of the claims carry each grade, best first, with the grade spelled out."""
    if claims.empty or "grade" not in claims:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in GRADE_COUNT_COLUMNS.items()})
    counts = claims["grade"].astype(str).value_counts()
    frame = pd.DataFrame({"grade": counts.index.astype(object), "claims": counts.to_numpy(dtype="int64")})
    frame["reliability"] = frame["grade"].str[0].map(schema.RELIABILITY_LEVELS)
    frame["credibility"] = frame["grade"].str[1:].astype(int).map(schema.CREDIBILITY_LEVELS)
    return frame.sort_values("grade", ignore_index=True)
