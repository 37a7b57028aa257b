"""ACLED exports: the Data Export Tool CSV (event_date "28 December 2022") and the API
CSV (adds id, actor_dyad; event_date "14/08/2020 00:00:00", day first as ACLED documents).
Each row is a claim by ACLED; its conservative fatality count is the lower bound. ACLED
cites outlets without URLs: one source per record, ACLED's site, naming the outlets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dashboard.events.importers.base import RowError
from dashboard.events.importers.cells import (
    LONG_TEXT,
    Columns,
    clip,
    dataset_source,
    has_columns,
    join_lines,
    pin_to_precision,
    required_date,
    slug,
)
from dashboard.events.importers.dates import DAY_FIRST, parse_date
from dashboard.events.importers.places import admin1_from_name, country_from_name, country_from_numeric
from dashboard.events.schema import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY

NAME = "acled"
CLAIMANT = "ACLED"
SOURCE_URL = "https://acleddata.com/"

# ACLED's event_type to our category. Strategic developments stay "other" even when
# the sub-event is a deployment: ACLED's only figure is fatalities, which says
# nothing about troop numbers; the sub_event_type slug is kept as subcategory.
EVENT_TYPES: dict[str, str] = {
    "Battles": "battle",
    "Explosions/Remote violence": "strike",
    "Violence against civilians": "attack_on_civilians",
    "Protests": "protest",
    "Riots": "protest",
    "Strategic developments": "other",
}
TIME_PRECISIONS = {"1": "day", "2": "week", "3": "month"}
# ACLED 3 means the coordinates are a region's centroid: region-level, never a point.
GEO_PRECISIONS = {"1": 1, "2": 2, "3": 3}

REQUIRED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
# Only the API layout has these; its event_date is documented as day first.
API_COLUMNS = ("id", "actor_dyad")
DATE_COLUMNS = ("event_date",)
# A row carries its version as the source's date (ACLED's timestamp): an older version of an event
# the log holds is not applied (see importers._without_older_versions).
VERSIONED_BY_SOURCE_DATE = True

MAPPING = [
    ("event_id_cnty", "event_id", '"acled:" + event_id_cnty, e.g. acled:UKR12345'),
    ("event_id_cnty", "original_id", "as is"),
    (
        "event_date",
        "event_date",
        '"28 December 2022" (Export Tool), "14/08/2020 00:00:00" (API: day first) or an '
        "Excel spelling; a month-precise date becomes the 1st",
    ),
    ("time_precision", "date_precision", ", ".join(f"{k} → {v}" for k, v in TIME_PRECISIONS.items())),
    ("event_type", "category", "; ".join(f"{k} → {v}" for k, v in EVENT_TYPES.items())),
    ("sub_event_type", "subcategory", "as a slug, e.g. Armed clash → armed_clash"),
    ("actor1", "actor", "as is"),
    ("actor2", "counterpart", "as is"),
    ("", "claimant", f'"{CLAIMANT}" (ACLED codes the event from its sources)'),
    (
        "fatalities",
        "figure_low",
        "ACLED's conservative count, so a lower bound (0 is kept: a real figure); "
        "figure_best and figure_high stay empty",
    ),
    ("fatalities", "unit", '"killed" when fatalities is given'),
    ("location", "location", "as is"),
    ("latitude, longitude", "latitude, longitude", "decimal degrees"),
    ("geo_precision", "geo_precision", "1 → 1, 2 → 2, 3 → 3 (coordinates are a region's centroid)"),
    ("iso, country", "country_code", "ISO numeric iso to alpha-3, else the country name"),
    (
        "admin1",
        "admin1_name, admin1_code",
        "code only when the name means exactly one region of that country; else filled later from the coordinates",
    ),
    ("notes, assoc_actor_1, assoc_actor_2, tags", "description", "notes, then the associated actors and tags"),
    (
        "event_id_cnty, source, timestamp",
        "sources",
        f'one source: outlet "ACLED", title "ACLED event ID; sources: '
        f'<cited outlets>", date of timestamp (else event_date), '
        f"url {SOURCE_URL} (ACLED cites outlets without URLs)",
    ),
    ("", "confidence", '"medium"'),
    ("", "source_reliability, credibility", '"F", 6: ungraded (schema.IMPORTER_GRADE_RULE)'),
    ("", "origin", f'"{NAME}"'),
]


def matches(columns: list[str]) -> bool:
    return has_columns(columns, REQUIRED_COLUMNS)


def to_record_columns(cells: Columns, context: dict[str, Any]) -> dict[str, list[Any]]:
    """ACLED rows to record fields, column by column; a value ACLED would not write fails its row.

    The columns are read in one fixed order (``Columns`` keeps each row's first problem).
    """
    rows = range(cells.rows)
    event_id = cells.required("event_id_cnty")
    api_layout = [all(has) for has in zip(*(cells.has(column) for column in API_COLUMNS), strict=True)]
    precision = cells.code("time_precision", TIME_PRECISIONS, "ACLED's time precision: 1 day, 2 week, 3 month")
    order = context.get("date_order", {}).get("event_date")
    event_date = cells.each(
        lambda text, api: required_date("event_date", text, order or (DAY_FIRST if api else None)),
        cells.text("event_date"),
        api_layout,
    )
    category = cells.code("event_type", EVENT_TYPES, "ACLED's event types")
    fatalities = cells.count("fatalities")
    by_iso = cells.each(country_from_numeric, cells.text("iso"))
    # The country's name is read only where its ISO number gave no country.
    by_name = cells.each(country_from_name, cells.text_where("country", [code is None for code in by_iso]))
    country_code = [code or name for code, name in zip(by_iso, by_name, strict=True)]
    admin1 = cells.text("admin1")
    region = cells.each(admin1_from_name, admin1, country_code)
    outlets = cells.text("source")
    subcategory = cells.each(slug, cells.text("sub_event_type"))
    actor = cells.required("actor1")
    counterpart = cells.each(clip, cells.text("actor2"))
    location = cells.each(clip, cells.text("location"))
    latitude = cells.number("latitude", "latitude must be decimal degrees, e.g. 51.19")
    longitude = cells.number("longitude", "longitude must be decimal degrees, e.g. 35.27")
    geo_precision = cells.code("geo_precision", GEO_PRECISIONS, "ACLED's geo precision")
    admin1_clipped = cells.each(clip, admin1)
    description = _descriptions(cells)
    coded_on = cells.each(_timestamp_date, cells.text("timestamp"))
    return {
        "event_id": [f"acled:{e}" for e in event_id],
        "original_id": event_id,
        "event_date": cells.each(pin_to_precision, event_date, precision),
        "date_precision": precision,
        "category": category,
        "subcategory": subcategory,
        "actor": actor,
        "counterpart": counterpart,
        "claimant": [CLAIMANT] * cells.rows,
        "figure_low": fatalities,
        "unit": ["killed" if f is not None else None for f in fatalities],
        "location": location,
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": geo_precision,
        "country_code": country_code,
        "admin1_code": [r[0] if r else None for r in region],
        "admin1_name": [r[1] if r else a for r, a in zip(region, admin1_clipped, strict=True)],
        "description": description,
        "sources": [
            [
                dataset_source(
                    CLAIMANT,
                    f"ACLED event {event_id[i]}" + (f"; sources: {outlets[i]}" if outlets[i] else ""),
                    coded_on[i] or event_date[i],
                    SOURCE_URL,
                )
            ]
            for i in rows
        ],
        "confidence": ["medium"] * cells.rows,
        # Ungraded, never guessed (schema.IMPORTER_GRADE_RULE): the dataset grades none of its sources.
        "source_reliability": [UNGRADED_RELIABILITY] * cells.rows,
        "credibility": [UNGRADED_CREDIBILITY] * cells.rows,
        "origin": [NAME] * cells.rows,
    }


def _descriptions(cells: Columns) -> list[str | None]:
    """The notes, then the associated actors and tags, one per line."""
    notes = cells.text("notes")
    extras = [
        [f"{label}: {text}" if text else None for text in cells.text(column)]
        for label, column in (
            ("Associated with actor 1", "assoc_actor_1"),
            ("Associated with actor 2", "assoc_actor_2"),
            ("Tags", "tags"),
        )
    ]
    # Most rows have notes only: those are the notes clipped (the texts are already stripped).
    return [
        join_lines(note, *more) if any(more) else (note if 0 < len(note) <= LONG_TEXT else clip(note, LONG_TEXT))
        for note, *more in zip(notes, *extras, strict=True)
    ]


def _timestamp_date(text: str) -> dt.date | None:
    """ACLED's timestamp: when the row was last coded, as Unix seconds (or a date)."""
    rule = "timestamp must be Unix seconds (e.g. 1672782338) or a date"
    try:
        if text.removesuffix(".0").isdigit():
            return dt.datetime.fromtimestamp(int(text.removesuffix(".0")), dt.UTC).date()
        return parse_date(text, "timestamp")
    except (OverflowError, OSError, ValueError, RowError):
        raise RowError("timestamp", text, rule) from None
