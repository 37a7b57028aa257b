"""The one filter every page shares, in the sidebar, kept in the URL.

Each widget is bound to a query parameter (``bind="query-params"``) under a short
key, so a copied URL reopens the same view. The widgets live in the entry file,
before ``pg.run()``: Streamlit keeps the entry file's bound parameters when the
user switches pages, so the filter follows the user from page to page.

URL keys: ``preset`` (period: counted back from the newest event, or a calendar year: this year,
last year), ``dates`` (custom range, two repeated values; clamped to the log with a note),
``cat``, ``country``, ``region``, ``claimant`` (repeated values), ``conf``
(minimum confidence), ``rel`` and ``cred`` (minimum source reliability A–E and information
credibility 1–5: grades, see ``events/grading.py``), ``q`` (text search). Streamlit writes a choice as the label
the widget shows, e.g. ``?preset=Last+90+days&cat=Missile+test&region=Kursk+Oblast+(RU-KRS)
&dates=2024-11-01&dates=2024-12-31`` (``dates`` only with ``preset=Custom+range``).
A value equal to the default is left out of the URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import pycountry
import streamlit as st

from dashboard.events.filters import EventFilter
from dashboard.events.schema import CATEGORIES, CONFIDENCE_RANK, CREDIBILITY_LEVELS, RELIABILITY_LEVELS
from dashboard.figures.style import category_label
from dashboard.ui import data, selection, text, url_notices

# Period presets, counted back from the newest event in the log (not from today:
# the log is curated, and "last 30 days" of a log last updated in spring means spring).
ALL_DATES = "All dates"
CUSTOM = "Custom range"
PRESETS: dict[str, pd.DateOffset | None] = {
    ALL_DATES: None,
    "Last 30 days": pd.DateOffset(days=30),
    "Last 90 days": pd.DateOffset(days=90),
    "Last 12 months": pd.DateOffset(months=12),
    "This year": None,
    "Last year": None,
    CUSTOM: None,
}
# Calendar years count from today's date (how many years back), then are clamped to the log.
CALENDAR_PRESETS = {"This year": 0, "Last year": 1}
# How far the custom range picker reaches beyond the log: a shared link may carry dates past its
# newest claim (the picker refused them and kept showing all dates); they are clamped, with a note.
PICKER_MARGIN_YEARS = 10
ANY_CONFIDENCE = "any"
CONFIDENCE_OPTIONS = (ANY_CONFIDENCE, *sorted(CONFIDENCE_RANK, key=CONFIDENCE_RANK.get))
# Grades: "at least B" keeps A and B. F and 6 ("cannot be judged") are the floor, so they are "any".
ANY_GRADE = "any"
RELIABILITY_OPTIONS = (ANY_GRADE, *list(RELIABILITY_LEVELS)[:-1])
CREDIBILITY_OPTIONS = (ANY_GRADE, *[str(c) for c in list(CREDIBILITY_LEVELS)[:-1]])

# Widget keys = URL query parameter names. Short and stable: URLs are shared.
PRESET, DATES, CATEGORY, COUNTRY, REGION, CLAIMANT, CONFIDENCE, TEXT = (
    "preset",
    "dates",
    "cat",
    "country",
    "region",
    "claimant",
    "conf",
    "q",
)
RELIABILITY, CREDIBILITY = "rel", "cred"
FILTER_KEYS = (PRESET, DATES, CATEGORY, COUNTRY, REGION, CLAIMANT, CONFIDENCE, RELIABILITY, CREDIBILITY, TEXT)
_DEFAULTS = {
    PRESET: ALL_DATES,
    CATEGORY: [],
    COUNTRY: [],
    REGION: [],
    CLAIMANT: [],
    CONFIDENCE: ANY_CONFIDENCE,
    RELIABILITY: ANY_GRADE,
    CREDIBILITY: ANY_GRADE,
    TEXT: "",
}


def preset_range(preset: str, newest: dt.date, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The inclusive date range of a preset: a period ending on the newest event's day, or a calendar year."""
    if preset in CALENDAR_PRESETS:
        year = (today or dt.date.today()).year - CALENDAR_PRESETS[preset]
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    offset = PRESETS.get(preset)
    if offset is None:
        return None, None
    start = (pd.Timestamp(newest) - offset + pd.Timedelta(days=1)).date()
    return start, newest


def picked_range(picked: object, first: dt.date, last: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """A date_input range value as (start, end).

    While the user is halfway through picking, the widget returns a one-element
    tuple: the range then runs from that day to the end of the log.
    """
    if isinstance(picked, dt.date):
        return picked, picked
    values = [v for v in (picked or ()) if v is not None]
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], max(values[0], last)
    start, end = sorted(values[:2])
    return start, end


def clamp_range(
    start: dt.date | None, end: dt.date | None, first: dt.date, last: dt.date
) -> tuple[dt.date | None, dt.date | None, str | None]:
    """``start``–``end`` cut to the log's ``first``–``last`` day, and a note saying so (None if nothing was cut).

    A range wholly outside the log is left as it is: it matches nothing, and the page says so.
    """
    if start is None or end is None or end < first or start > last:
        return start, end, None
    clamped = (max(start, first), min(end, last))
    if clamped == (start, end):
        return start, end, None
    note = (
        f"The period {text.day(start)} – {text.day(end)} reaches past the log, which runs from "
        f"{text.day(first)} to {text.day(last)}: showing {text.day(clamped[0])} – {text.day(clamped[1])}."
    )
    return clamped[0], clamped[1], note


def reset_filters() -> None:
    """Back to "everything": through session state (bound parameters follow).

    The URL notice goes too: it named values of filters the user has just set anew.
    """
    url_notices.dismiss()
    for key, value in _DEFAULTS.items():
        st.session_state[key] = value
    st.session_state.pop(DATES, None)


def set_region(code: str) -> None:
    """Narrow every page to one region (the map's click). Call from a widget callback."""
    st.session_state[REGION] = [code]


def narrow_to_clicked_region(chart_key: str, clickable: frozenset[str]) -> None:
    """The map's ``on_select`` callback: narrow every page to the clicked region, if it is one of ``clickable``.

    Defined here rather than in the page on purpose. Streamlit keeps each chart's callback in the
    session for good (a chart's widget id changes with its figure), and a function defined in a page
    script holds that run's whole namespace, the filtered log included: ~50 MB more per map rerun
    at 1M events. ``clickable`` (the regions the chart drew) is bound with functools.partial.
    """
    # A callback runs before the script, so the sidebar's region widget may still be set.
    code = selection.clicked_region(st.session_state.get(chart_key))
    if code and code in clickable:
        set_region(code)


def _country_names() -> dict[str, str]:
    boundaries = data.load_boundaries()
    return dict(zip(boundaries["country_code"], boundaries["country_name"], strict=True))


def _country_label(code: str, known: dict[str, str]) -> str:
    if code in known:
        return f"{known[code]} ({code})"
    country = pycountry.countries.get(alpha_3=code)
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{name} ({code})" if name else code


def _options(facets: data.LogFacets, column: str, key: str) -> list[str]:
    """Values present in the log, plus whatever the URL or the map already selected."""
    chosen = st.session_state.get(key) or []
    return sorted(set(facets.values.get(column, ())) | {str(c) for c in chosen})


def log_bounds(events: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    span = text.event_span(events)
    return None if span is None else (span[0].date(), span[1].date())


def restore_lost_params(bounds: tuple[dt.date, dt.date] | None) -> None:
    """Write back filter values that the URL lost while the session kept them.

    Streamlit carries the entry file's bound parameters over a page switch, but
    only those of widgets the browser has already mounted: a click on another page
    within a second of opening a link drops the rest from the URL while the filter
    still applies. Re-assigning such a value through session state makes Streamlit
    put it back in the URL, so a copied URL always reopens the view on screen.
    """
    defaults = {**_DEFAULTS, DATES: bounds}
    for key in FILTER_KEYS:
        if key in st.session_state and key not in st.query_params:
            value = st.session_state[key]
            default = defaults[key]
            if key == DATES and isinstance(value, Sequence) and bounds is not None:
                value, default = tuple(value), tuple(bounds)
            if value != default:
                st.session_state[key] = st.session_state[key]


def render_filter(events: pd.DataFrame) -> EventFilter:
    """Draw the filter in the sidebar and return what it selects.

    The date bounds come from ``events`` (the log this run shows); the lists of countries, regions
    and claimants from ``data.log_facets()``, computed once per revision of the log.
    """
    bounds = log_bounds(events)
    facets = data.log_facets()
    url = url_notices.UrlValues()  # before any widget: a widget drops what it does not offer from the URL
    restore_lost_params(bounds)
    start = end = None
    clamped_note = None
    with st.sidebar:
        st.subheader("Filter", anchor=False)
        url.choice(PRESET, "Period", list(PRESETS), ALL_DATES)
        preset = st.selectbox("Period", list(PRESETS), key=PRESET, bind="query-params")
        if bounds is not None:
            first, last = bounds
            reach = (
                first.replace(year=first.year - PICKER_MARGIN_YEARS, month=1, day=1),
                max(last, dt.date.today()).replace(
                    year=max(last, dt.date.today()).year + PICKER_MARGIN_YEARS, month=12, day=31
                ),
            )
            clamped_url_range = url.date_range(
                DATES,
                "From – to",
                reach,
                applies=preset == CUSTOM,
                why_not=f"dates apply with the period “{CUSTOM}”",
                depends_on=(PRESET,),
            )
            if clamped_url_range is not None:
                st.session_state[DATES] = clamped_url_range  # the picker would drop it for the whole log
            if preset == CUSTOM:
                picked = st.date_input(
                    "From – to",
                    value=(first, last),
                    min_value=reach[0],
                    max_value=reach[1],
                    key=DATES,
                    bind="query-params",
                    format="YYYY-MM-DD",
                )
                start, end = picked_range(picked, first, last)
                if isinstance(picked, Sequence) and len(picked) == 1:
                    st.caption("Pick the end date; until then the range runs to the newest event.")
            else:
                start, end = preset_range(preset, last)
                if preset in CALENDAR_PRESETS:
                    st.caption(f"Calendar year {start.year}.")
                else:
                    st.caption(
                        f"Periods count back from the newest event in the log ({text.day(last)}), not from today."
                    )
            if preset == CUSTOM or preset in CALENDAR_PRESETS:
                # (Periods counted back from the newest event end on it; their start may precede the log harmlessly.)
                start, end, clamped_note = clamp_range(start, end, first, last)
            if clamped_note:
                st.caption(text.escape_markdown(clamped_note))
        url.choices(CATEGORY, "Categories", [category_label(c) for c in CATEGORIES], "category")
        categories = st.multiselect(
            "Categories",
            list(CATEGORIES),
            format_func=category_label,
            key=CATEGORY,
            bind="query-params",
            placeholder="All categories",
        )
        countries_known = _country_names()
        country_options = _options(facets, "country_code", COUNTRY)
        url.choices(COUNTRY, "Countries", [_country_label(c, countries_known) for c in country_options], "country")
        countries = st.multiselect(
            "Countries",
            country_options,
            format_func=lambda c: _country_label(c, countries_known),
            key=COUNTRY,
            bind="query-params",
            placeholder="All countries",
        )
        region_options = _options(facets, "admin1_code", REGION)
        url.choices(REGION, "Regions", [f"{facets.region_names.get(c, c)} ({c})" for c in region_options], "region")
        regions = st.multiselect(
            "Regions",
            region_options,
            format_func=lambda c: f"{facets.region_names.get(c, c)} ({c})",
            key=REGION,
            bind="query-params",
            placeholder="All regions",
        )
        claimant_options = _options(facets, "claimant", CLAIMANT)
        url.choices(CLAIMANT, "Claimants", claimant_options, "claimant")
        claimants = st.multiselect(
            "Claimants",
            claimant_options,
            key=CLAIMANT,
            bind="query-params",
            placeholder="All claimants",
        )
        url.choice(CONFIDENCE, "Minimum confidence", CONFIDENCE_OPTIONS, ANY_CONFIDENCE)
        confidence = st.selectbox("Minimum confidence", CONFIDENCE_OPTIONS, key=CONFIDENCE, bind="query-params")
        reliability = st.selectbox(
            "Minimum source reliability",
            RELIABILITY_OPTIONS,
            key=RELIABILITY,
            bind="query-params",
            help="A completely reliable … E unreliable (F: cannot be judged). B keeps A and B.",
        )
        credibility = st.selectbox(
            "Minimum credibility",
            CREDIBILITY_OPTIONS,
            key=CREDIBILITY,
            bind="query-params",
            help="1 confirmed by other sources … 5 improbable (6: cannot be judged). 2 keeps 1 and 2.",
        )
        search = st.text_input(
            "Search text", key=TEXT, bind="query-params", placeholder="place, claimant, missile, words…"
        )
        st.button("Reset filters", on_click=reset_filters, icon=":material/restart_alt:", key="reset_filters")
    url.show()
    if clamped_note:
        # In the main area too: the sidebar may be collapsed, and the page must not seem to show the asked range.
        st.info(text.escape_markdown(clamped_note), icon=":material/date_range:")
    return EventFilter(
        start=start,
        end=end,
        categories=tuple(c for c in categories if c in CATEGORIES),
        countries=tuple(countries),
        admin1=tuple(regions),
        claimants=tuple(claimants),
        min_confidence=None if confidence == ANY_CONFIDENCE else confidence,
        min_reliability=None if reliability == ANY_GRADE else reliability,
        min_credibility=None if credibility == ANY_GRADE else int(credibility),
        text=search.strip() or None,
    )
