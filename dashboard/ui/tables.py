"""Claims as display tables: readable columns, figures as range text, sources as safe links.

``st.dataframe`` shows cells as plain text, so descriptions and claimants need no
escaping here. Links are the one exception: only ``http(s)`` URLs become links;
anything else (``javascript:``, ``data:``) is dropped before it reaches the browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard.events import geo, schema
from dashboard.events.schema import FIELD_LABELS, FIELD_NAMES, GEO_PRECISIONS, MEASURES
from dashboard.figures import notation, sorted_by_date_and_id
from dashboard.figures.style import category_label
from dashboard.ui import text

# Rows the Changes page's table lists (the newest); its caption counts them all, its CSV holds them all.
CHANGES_LISTED_AT_MOST = 5_000
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def safe_url(url: object) -> str | None:
    """``url`` if it is an http(s) URL, else None (never a ``javascript:`` link)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if _HTTP_URL.match(url) else None


def sources_frame(cell: object) -> pd.DataFrame:
    """One row per source: outlet, title, date, link (http(s) only)."""
    rows = [
        {"Outlet": s.get("outlet"), "Title": s.get("title"), "Date": s.get("date"), "Link": safe_url(s.get("url"))}
        for s in schema.stored_sources(cell)
    ]
    return pd.DataFrame(rows, columns=["Outlet", "Title", "Date", "Link"])


def _place(frame: pd.DataFrame) -> pd.Series:
    parts = [frame[c].astype(object).where(frame[c].notna(), None) for c in ("location", "admin1_name", "country_code")]
    if "admin1_code" in frame:
        # A record may name its region by code only (imports fill codes by point-in-polygon):
        # show the region's name from the boundaries, or the code itself, rather than nothing.
        codes = frame["admin1_code"].astype(object).where(frame["admin1_code"].notna(), None)
        if any(code and not name for name, code in zip(parts[1], codes, strict=True)):
            names = _region_names()
            parts[1] = pd.Series(
                [name or (names.get(code, code) if code else None) for name, code in zip(parts[1], codes, strict=True)],
                index=frame.index,
                dtype=object,
            )
    return pd.Series(
        [", ".join(dict.fromkeys(p for p in row if isinstance(p, str) and p)) for row in zip(*parts, strict=True)],
        index=frame.index,
        dtype=object,
    )


def _region_names() -> dict[str, str]:
    try:
        return geo.region_names()
    except FileNotFoundError:  # boundaries not built: the code itself still says where
        return {}


def sorted_slice(frame: pd.DataFrame, by: list[str], ascending: list[bool], start: int, stop: int) -> pd.DataFrame:
    """Rows ``start:stop`` of ``frame`` sorted by ``by`` (missing values last), without sorting ``frame``.

    Only the key columns are sorted and only the slice's rows are taken: reordering every
    column of a million rows to show a page of 100 cost about a second per rerun.
    """
    keys = frame[by].reset_index(drop=True)
    if by[-1] == "event_id" and ascending[-1] and "event_date" in by and sorted_by_date_and_id(frame):
        # The store's order (date, then id) already breaks every tie by id ascending, so a stable
        # sort on the other keys gives the same rows without comparing strings (the slow part).
        by, ascending = by[:-1], ascending[:-1]
    order = keys.sort_values(by, ascending=ascending, na_position="last", kind="stable").index.to_numpy()
    return frame.iloc[order[start:stop]]


def event_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Claims as the Events table shows them (one row per claim, same order)."""
    sources = [schema.stored_sources(cell) for cell in frame["sources"]]  # each cell's JSON read once
    first_urls = [next((u for u in (safe_url(s.get("url")) for s in cell) if u), None) for cell in sources]
    source_counts = [len(cell) for cell in sources]
    figures = [
        text.figure(lo, be, hi, unit)
        for lo, be, hi, unit in zip(
            frame["figure_low"], frame["figure_best"], frame["figure_high"], frame["unit"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "Date": pd.to_datetime(frame["event_date"]).dt.date,
            "Category": frame["category"].map(category_label),
            "Claimant": frame["claimant"],
            # NATO/Admiralty: source reliability A–F and information credibility 1–6 (B2), next to who says it.
            "Grade": frame.get("grade"),
            "Figure": figures,
            # The unit's reader label; a claim without one shows an empty cell, never a grey "None".
            "Unit": [notation.unit_label(u) for u in frame["unit"]],
            "Place": _place(frame),
            "Description": frame["description"],
            "Confidence": frame["confidence"],
            "Originator": frame.get("originator"),
            "Source": first_urls,
            "Sources": source_counts,
            "Event": frame["event_id"],
            # The source's own oddities (schema.QUALITY_FLAGS): the figures are shown as the source gives them.
            "Flags": frame.get("quality_flags"),
        },
        index=frame.index,
    ).reset_index(drop=True)


EVENT_COLUMN_CONFIG = {
    "Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width="small"),
    "Figure": st.column_config.TextColumn(
        "Figure", help="As claimed: about (best estimate), at least, up to, or a range", width="medium"
    ),
    # Fixed widths for the free-text columns: sized to content, a long place or claimant
    # pushed the description out of view. Full text shows on hover and in the detail view.
    "Claimant": st.column_config.TextColumn("Claimant", width="medium"),
    "Place": st.column_config.TextColumn("Place", width="medium"),
    "Description": st.column_config.TextColumn("Description", width="large"),
    "Source": st.column_config.LinkColumn(
        "Source",
        help="First source; the detail view lists all",
        display_text=r"https?://(?:www\.)?([^/?#]+)",
        width="medium",
    ),
    "Sources": st.column_config.NumberColumn("Sources", help="Number of sources", width="small"),
    "Flags": st.column_config.TextColumn("Flags", help="Data-quality flags: see the Data page", width="small"),
    "Grade": st.column_config.TextColumn(
        "Grade",
        help="Source reliability A (completely reliable) to F (cannot be judged) and information credibility "
        "1 (confirmed by other sources) to 6 (cannot be judged); see the claimant page",
        width="small",
    ),
    "Originator": st.column_config.TextColumn(
        "Originator", help="Whose word the claim is: relaying outlets resolved (claimant register)", width="medium"
    ),
}
SOURCE_COLUMN_CONFIG = {"Link": st.column_config.LinkColumn("Link", width="large")}
LATEST_COLUMN_CONFIG = {"Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD")}


def claim_fields(event: pd.Series) -> pd.DataFrame:
    """One claim's fields for the detail view: reader labels, values in words, empty fields left out.

    The figures are one "Figure" row in the one notation, not three raw numbers; vocabularies show
    their labels (category, unit, place precision); nothing reads "None" or "nan".
    """
    rows: list[tuple[str, str]] = []
    figure = text.figure(event.get("figure_low"), event.get("figure_best"), event.get("figure_high"), event.get("unit"))
    for field in FIELD_NAMES:
        if field in ("sources", "description", "figure_best", "figure_high", "unit"):
            continue
        if field == "figure_low":
            rows.append(("Figure", figure))
            continue
        rows.append((FIELD_LABELS[field], _field_value(field, event.get(field))))
    return pd.DataFrame([r for r in rows if r[1]], columns=["Field", "Value"])


def _field_value(field: str, value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if field == "category":
        return category_label(str(value))
    if field == "geo_precision":
        return GEO_PRECISIONS.get(int(value), str(value))
    if field == "date_precision":
        return str(value)
    if field == "admin1_code":
        return f"{_region_names().get(str(value), str(value))} ({value})"
    if isinstance(value, pd.Timestamp):
        return text.day(value)
    if isinstance(value, float):
        return notation.number(value)
    return str(value).strip()


def claim_sources(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims with their sources, one row per source: what a click on a launch opens.

    Needs the ``sources`` column (``PageView.with_text``). Links are http(s) only.
    """
    rows = []
    for claim in claims.itertuples(index=False):
        base = {
            "Event": claim.event_id,
            "Date": pd.Timestamp(claim.event_date).date(),
            "Claimant": claim.claimant,
            "Figure": text.figure(claim.figure_low, claim.figure_best, claim.figure_high, claim.unit),
            "Missile": claim.missile_name if isinstance(claim.missile_name, str) else "",
        }
        sources = schema.stored_sources(claim.sources) or [{}]
        rows += [
            {
                **base,
                "Outlet": s.get("outlet") or "",
                "Title": s.get("title") or "",
                "Source date": s.get("date") or "",
                "Link": safe_url(s.get("url")),
            }
            for s in sources
        ]
    columns = ["Event", "Date", "Claimant", "Figure", "Missile", "Outlet", "Title", "Source date", "Link"]
    return pd.DataFrame(rows, columns=columns)


CLAIM_SOURCE_COLUMN_CONFIG = {
    "Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
    "Link": st.column_config.LinkColumn("Link", width="large"),
}


def latest_claims(latest_by_measure: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The newest claim of each claimant for each measure (as from ``latest_by_claimant``), as one table."""
    parts = []
    for measure, latest in latest_by_measure.items():
        if latest.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "Measure": MEASURES[measure].label,
                    "Claimant": latest["claimant"],
                    "Date": pd.to_datetime(latest["event_date"]).dt.date,
                    "Figure": [
                        text.figure(lo, be, hi, MEASURES[measure].unit)
                        for lo, be, hi in zip(latest["low"], latest["best"], latest["high"], strict=True)
                    ],
                    "Event": latest["event_id"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["Measure", "Claimant", "Date", "Figure", "Event"])
    return pd.concat(parts, ignore_index=True)
