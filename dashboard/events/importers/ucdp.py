"""UCDP Georeferenced Event Dataset (GED) CSV: one row per event with low, best and
high death estimates. Each row is one claim by UCDP. GED cites its sources as text
without URLs, so each record has one source: UCDP's site, with the cited offices and
headlines in the title.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dashboard.events.importers.base import RowError
from dashboard.events.importers.cells import (
    FAILED,
    Columns,
    clip,
    dataset_source,
    has_columns,
    join_lines,
    pin_to_precision,
    required_date,
)
from dashboard.events.importers.dates import parse_date
from dashboard.events.importers.places import admin1_from_name, country_from_name
from dashboard.events.schema import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY, figure_order_flags

NAME = "ucdp"
CLAIMANT = "UCDP"
SOURCE_URL = "https://ucdp.uu.se/"

# type_of_violence → (category, subcategory)
VIOLENCE_TYPES: dict[str, tuple[str, str]] = {
    "1": ("battle", "state_based"),
    "2": ("battle", "non_state"),
    "3": ("attack_on_civilians", "one_sided"),
}
# date_prec: 1 exact day, 2 within 2-6 days, 3 week, 4 month, 5 longer (within a year).
DATE_PRECISIONS = {"1": "day", "2": "day", "3": "week", "4": "month", "5": "year"}
# where_prec → our geo_precision. 1 exact place; 2 within 25 km of a place; 3 second-
# order division known: all points. 4 first-order division, 5 a larger area within the
# country: region-level. 6 only the country, 7 international waters or airspace: the
# coordinates are a centroid, so they are dropped.
WHERE_PRECISIONS = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3, "6": 4, "7": 4}
# Gleditsch-Ward numbers (country_id) of the countries this dashboard covers; other
# countries are looked up by name.
GLEDITSCH_WARD = {"365": "RUS", "369": "UKR", "370": "BLR", "731": "PRK", "732": "KOR", "740": "JPN", "710": "CHN"}
# code_status values (candidate datasets) that become a quality flag.
CODE_STATUS_FLAGS = {"check deaths": "check_deaths"}
# event_clarity 2 means UCDP could not fully tell this event apart from others.
CLARITY_CONFIDENCE = {"1": "medium", "2": "low"}

REQUIRED_COLUMNS = (
    "id",
    "relid",
    "type_of_violence",
    "side_a",
    "side_b",
    "where_prec",
    "latitude",
    "longitude",
    "country",
    "date_prec",
    "date_start",
    "date_end",
    "low",
    "best",
    "high",
)
DATE_COLUMNS = ("date_start", "date_end")

MAPPING = [
    ("id", "event_id", '"ucdp:" + id'),
    ("id", "original_id", "as is"),
    ("date_start", "event_date", "YYYY-MM-DD (a time part is ignored); a month-precise date becomes the 1st"),
    ("date_end", "event_date_end", "as is"),
    ("date_prec", "date_precision", ", ".join(f"{k} → {v}" for k, v in DATE_PRECISIONS.items())),
    ("type_of_violence", "category, subcategory", "; ".join(f"{k} → {c}, {s}" for k, (c, s) in VIOLENCE_TYPES.items())),
    ("side_a", "actor", "as is"),
    ("side_b", "counterpart", "as is"),
    ("", "claimant", f'"{CLAIMANT}"'),
    (
        "low, best, high",
        "figure_low, figure_best, figure_high",
        "deaths, as is, even out of order (GED has high = 0 beside best > 0, best > high, low > best)",
    ),
    (
        "low, best, high, code_status",
        "quality_flags",
        "high = 0 beside a larger figure → source_high_zero; other out-of-order figures → "
        'source_figures_out_of_order; code_status "Check deaths" → check_deaths',
    ),
    ("", "unit", '"killed"'),
    ("where_coordinates", "location", "as is"),
    ("latitude, longitude", "latitude, longitude", "decimal degrees; dropped when where_prec is 6 or 7"),
    ("where_prec", "geo_precision", ", ".join(f"{k} → {v}" for k, v in WHERE_PRECISIONS.items())),
    (
        "iso3, country_id, country",
        "country_code",
        "iso3 if given, else the Gleditsch-Ward number for "
        + ", ".join(f"{k} {v}" for k, v in GLEDITSCH_WARD.items())
        + ", else the country name",
    ),
    (
        "adm_1",
        "admin1_name, admin1_code",
        "code only when the name means exactly one region of that country; else filled later from the coordinates",
    ),
    ("where_description, deaths_*, source_headline", "description", "place description, deaths by side, headlines"),
    (
        "id, source_office, source_headline, source_date",
        "sources",
        f'one source: outlet "UCDP GED", title "UCDP GED event ID (<offices>): <headlines>", date the '
        f"first source_date (else date_end), url {SOURCE_URL} (GED cites sources without URLs)",
    ),
    (
        "event_clarity",
        "confidence",
        ", ".join(f"{k} → {v}" for k, v in CLARITY_CONFIDENCE.items()) + "; empty → medium",
    ),
    ("", "source_reliability, credibility", '"F", 6: ungraded (schema.IMPORTER_GRADE_RULE)'),
    ("", "origin", f'"{NAME}"'),
]


def matches(columns: list[str]) -> bool:
    return has_columns(columns, REQUIRED_COLUMNS)


def to_record_columns(cells: Columns, context: dict[str, Any]) -> dict[str, list[Any]]:
    """GED rows to record fields, column by column; a value GED would not write fails its row.

    The columns are read in one fixed order (``Columns`` keeps each row's first problem).
    """
    orders = context.get("date_order", {})
    event_id = [text.removesuffix(".0") for text in cells.required("id")]
    violence = cells.code("type_of_violence", VIOLENCE_TYPES, "UCDP's types of violence")
    precision = cells.code("date_prec", DATE_PRECISIONS, "UCDP's date precision")
    start = cells.each(
        lambda text: required_date("date_start", text, orders.get("date_start")), cells.text("date_start")
    )
    end = cells.date("date_end", orders.get("date_end"))
    geo_precision = cells.code("where_prec", WHERE_PRECISIONS, "UCDP's where precision")
    latitude = cells.number("latitude", "latitude must be decimal degrees, e.g. 51.19")
    longitude = cells.number("longitude", "longitude must be decimal degrees, e.g. 35.27")
    centroid = [p == 4 for p in geo_precision]  # a country's centroid is no place
    country_code = _countries(cells)
    admin1 = cells.text("adm_1")
    region = cells.each(admin1_from_name, admin1, country_code)
    offices, headlines = cells.text("source_office"), cells.text("source_headline")
    low, best, high = cells.count("low"), cells.count("best"), cells.count("high")
    # Kept as GED gives them, flagged: refusing these rows dropped a third of a real extract's deaths.
    order_flags = cells.each(lambda *figures: tuple(figure_order_flags(*figures)), low, best, high, placeholder=())
    status_flag = [CODE_STATUS_FLAGS.get(text.casefold()) for text in cells.text("code_status")]
    actor = cells.required("side_a")
    counterpart = cells.each(clip, cells.text("side_b"))
    location = cells.each(clip, cells.text("where_coordinates"))
    admin1_clipped = cells.each(clip, admin1)
    description = _descriptions(cells, headlines)
    cited_on = cells.each(_first_date, cells.text("source_date"))
    clarity = cells.text("event_clarity")
    rows = range(cells.rows)
    return {
        "event_id": [f"ucdp:{e}" for e in event_id],
        "original_id": event_id,
        "event_date": cells.each(pin_to_precision, start, precision),
        "event_date_end": end,
        "date_precision": precision,
        "category": [v[0] if v is not FAILED else v for v in violence],
        "subcategory": [v[1] if v is not FAILED else v for v in violence],
        "actor": actor,
        "counterpart": counterpart,
        "claimant": [CLAIMANT] * cells.rows,
        "figure_low": low,
        "figure_best": best,
        "figure_high": high,
        "unit": ["killed"] * cells.rows,
        "location": location,
        "latitude": [None if c else v for c, v in zip(centroid, latitude, strict=True)],
        "longitude": [None if c else v for c, v in zip(centroid, longitude, strict=True)],
        "geo_precision": geo_precision,
        "country_code": country_code,
        "admin1_code": [r[0] if r else None for r in region],
        "admin1_name": [r[1] if r else a for r, a in zip(region, admin1_clipped, strict=True)],
        "description": description,
        "sources": [
            [
                dataset_source(
                    "UCDP GED",
                    f"UCDP GED event {event_id[i]}"
                    + (f" ({_listed(offices[i])})" if offices[i] else "")
                    + (f": {_listed(headlines[i])}" if headlines[i] else ""),
                    cited_on[i] or end[i] or start[i],
                    SOURCE_URL,
                )
            ]
            for i in rows
        ],
        "confidence": [CLARITY_CONFIDENCE.get(text.removesuffix(".0"), "medium") for text in clarity],
        # Ungraded, never guessed (schema.IMPORTER_GRADE_RULE): the dataset grades none of its sources.
        "source_reliability": [UNGRADED_RELIABILITY] * cells.rows,
        "credibility": [UNGRADED_CREDIBILITY] * cells.rows,
        "origin": [NAME] * cells.rows,
        "quality_flags": [
            [*flags, status] if status else (list(flags) if flags else None)
            for flags, status in zip(order_flags, status_flag, strict=True)
        ],
    }


def _countries(cells: Columns) -> list[str | None]:
    """iso3 if it is a known code, else the Gleditsch-Ward number, else the country's name.

    A later column is read only in the rows the earlier ones left without a country.
    """
    iso3 = [text.upper() for text in cells.text("iso3")]
    by_iso = [code if len(code) == 3 and country_from_name(code) == code else None for code in iso3]
    numbers = cells.text_where("country_id", [code is None for code in by_iso])
    by_number = [code or GLEDITSCH_WARD.get(n.removesuffix(".0")) for code, n in zip(by_iso, numbers, strict=True)]
    names = cells.text_where("country", [code is None for code in by_number])
    by_name = cells.each(country_from_name, names)
    return [code or name for code, name in zip(by_number, by_name, strict=True)]


def _descriptions(cells: Columns, headlines: list[str]) -> list[str | None]:
    """The place description, the deaths by side, the headlines, one per line."""
    places = cells.text("where_description")
    sides = [
        [f"{label} {text}" if text else None for text in cells.text(column)]
        for label, column in (
            ("side A", "deaths_a"),
            ("side B", "deaths_b"),
            ("civilians", "deaths_civilians"),
            ("unknown", "deaths_unknown"),
        )
    ]
    deaths = [
        "Deaths (best): " + ", ".join(s for s in shown if s) if any(shown) else None
        for shown in zip(*sides, strict=True)
    ]
    return [
        join_lines(place, death, f"Headlines: {_listed(headline)}" if headline else None)
        for place, death, headline in zip(places, deaths, headlines, strict=True)
    ]


def _listed(text: str) -> str:
    """GED's ";"-separated lists ("Reuters;TASS") as "Reuters; TASS"."""
    return "; ".join(p.strip() for p in text.split(";") if p.strip())


def _first_date(text: str) -> dt.date | None:
    """The first readable date of GED's source_date ("2022-03-01;2022-03-02"); None if none.

    Lenient on purpose: source_date only dates the citation, and the event's own
    dates are checked strictly.
    """
    for part in text.split(";"):
        try:
            if found := parse_date(part, "source_date"):
                return found
        except RowError:
            continue
    return None
