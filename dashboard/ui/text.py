"""Safe text: data strings shown in Markdown-rendering elements, and the lines pages share.

Descriptions, claimants, file names and search text come from outside. Streamlit's
captions, titles and metric labels render Markdown (links, images, colours, maths),
so any data string that goes into one passes through :func:`escape_markdown`.
Tables (``st.dataframe``) show their cells as plain text and need no escaping.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import streamlit as st

from dashboard.events.filters import EventFilter
from dashboard.events.schema import CATEGORIES
from dashboard.figures import notation

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them
# stops links, images, HTML, styling and ``$…$`` maths.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:$~=&\"'^%@/;?,])")
_WHITESPACE = re.compile(r"\s+")
# Streamlit's Markdown (GFM) still turns "https://…", "www.…" and "name@host.org" into links, escaped or
# not: its autolink pass runs on the parsed text (seen in Chromium, Streamlit 1.67). A word joiner
# (U+2060, invisible) after ":", "www" and "@" leaves nothing it recognises; the text reads the same.
_AUTOLINK_START = re.compile(r":(?=//)|(?i:www)(?=\.)|@")


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that renders literally: no links (not even bare URLs), images, HTML, maths or styling.

    Line breaks become spaces, so one value stays on one line.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    flat = _WHITESPACE.sub(" ", str(text)).strip()
    unlinked = _AUTOLINK_START.sub(lambda m: m.group(0) + "\u2060", flat)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def preview(value: object, limit: int = 120) -> str:
    """A value as short plain text for a table cell ("" for None)."""
    if value is None:
        return ""
    shown = value if isinstance(value, str) else repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def day(value: dt.date | pd.Timestamp | None) -> str:
    """``5 Nov 2024``."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value.day} {value:%b %Y}"


def event_span(events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day covered by ``events`` (spans included), or None when empty."""
    if events.empty:
        return None
    ends = events["event_date_end"].fillna(events["event_date"])
    return events["event_date"].min(), ends.max()


def number(value: float | None) -> str:
    """``11,000``; ``—`` for a missing figure."""
    return notation.number(value) or "—"


def figure(low: object, best: object, high: object, unit: object = None) -> str:
    """A claim's figures for a table cell, in the one notation (``notation.figure_text``); "" without a figure."""
    written = notation.figure_text(low, best, high, unit)
    return "" if written == notation.NO_FIGURE else written


def _category_list(categories: tuple[str, ...]) -> str:
    names = [c.replace("_", " ") for c in categories if c in CATEGORIES]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def shown_line(events: pd.DataFrame, flt: EventFilter, noun: str = "claims") -> str:
    """What a page shows, e.g. ``42 claims, 5 Nov 2024 – 30 Apr 2025, deployment and casualties``.

    The result is escaped Markdown, ready for ``st.caption``.
    """
    count = len(events)
    line = f"{count:,} {noun if count != 1 else noun.removesuffix('s')}"
    # The chosen period when there is one (it says what was asked for), else the claims' own span.
    span = event_span(events)
    first = flt.start or (span[0] if span else None)
    last = flt.end or (span[1] if span else None)
    if first is not None or last is not None:
        line += f", {day(first) if first else 'start'} – {day(last) if last else 'end'}"
    if flt.categories:
        line += f", {_category_list(flt.categories)}"
    rest = EventFilter(
        countries=flt.countries,
        admin1=flt.admin1,
        claimants=flt.claimants,
        min_confidence=flt.min_confidence,
        min_reliability=flt.min_reliability,
        min_credibility=flt.min_credibility,
        text=flt.text,
    )
    if not rest.is_empty():
        line += f"; {rest.describe()}"
    return escape_markdown(line)


def page_caption(events: pd.DataFrame, flt: EventFilter, noun: str = "claims") -> None:
    """The caption under a page title: what is shown."""
    st.caption(shown_line(events, flt, noun))


def no_events(flt: EventFilter, what: str = "events") -> None:
    """The one message for an empty result."""
    st.info(
        f"No {what} match the current filter ({escape_markdown(flt.describe())}). "
        "Widen the date range or clear some filters in the sidebar (or press **Reset filters**).",
        icon=":material/filter_alt_off:",
    )
