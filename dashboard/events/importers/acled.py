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
    Cells,
    clip,
    dataset_source,
    has_columns,
    join_lines,
    pin_to_precision,
    slug,
)
from dashboard.events.importers.dates import DAY_FIRST
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


def to_record_data(row: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """One ACLED row to record fields; raises RowError for a value ACLED would not write."""
    cells = Cells(row)
    event_id = cells.required("event_id_cnty")
    api_layout = all(column in cells for column in API_COLUMNS)
    precision = cells.code("time_precision", TIME_PRECISIONS, "ACLED's time precision: 1 day, 2 week, 3 month")
    event_date = cells.required_date("event_date", context, DAY_FIRST if api_layout else None)
    category = cells.code("event_type", EVENT_TYPES, "ACLED's event types")
    fatalities = cells.count("fatalities")
    country_code = country_from_numeric(cells.text("iso")) or country_from_name(cells.text("country"))
    region = admin1_from_name(cells.text("admin1"), country_code)
    outlets = cells.text("source")
    return {
        "event_id": f"acled:{event_id}",
        "original_id": event_id,
        "event_date": pin_to_precision(event_date, precision),
        "date_precision": precision,
        "category": category,
        "subcategory": slug(cells.text("sub_event_type")),
        "actor": cells.required("actor1"),
        "counterpart": clip(cells.text("actor2")),
        "claimant": CLAIMANT,
        "figure_low": fatalities,
        "unit": "killed" if fatalities is not None else None,
        "location": clip(cells.text("location")),
        "latitude": cells.number("latitude", "latitude must be decimal degrees, e.g. 51.19"),
        "longitude": cells.number("longitude", "longitude must be decimal degrees, e.g. 35.27"),
        "geo_precision": cells.code("geo_precision", GEO_PRECISIONS, "ACLED's geo precision"),
        "country_code": country_code,
        "admin1_code": region[0] if region else None,
        "admin1_name": region[1] if region else clip(cells.text("admin1")),
        "description": join_lines(
            cells.text("notes"),
            _labelled("Associated with actor 1", cells.text("assoc_actor_1")),
            _labelled("Associated with actor 2", cells.text("assoc_actor_2")),
            _labelled("Tags", cells.text("tags")),
        ),
        "sources": [
            dataset_source(
                CLAIMANT,
                f"ACLED event {event_id}" + (f"; sources: {outlets}" if outlets else ""),
                _timestamp_date(cells) or event_date,
                SOURCE_URL,
            )
        ],
        "confidence": "medium",
        # Ungraded, never guessed (schema.IMPORTER_GRADE_RULE): the dataset grades none of its sources.
        "source_reliability": UNGRADED_RELIABILITY,
        "credibility": UNGRADED_CREDIBILITY,
        "origin": NAME,
    }


def _labelled(label: str, text: str) -> str | None:
    return f"{label}: {text}" if text else None


def _timestamp_date(cells: Cells) -> dt.date | None:
    """ACLED's timestamp: when the row was last coded, as Unix seconds (or a date)."""
    text = cells.text("timestamp")
    rule = "timestamp must be Unix seconds (e.g. 1672782338) or a date"
    try:
        if text.removesuffix(".0").isdigit():
            return dt.datetime.fromtimestamp(int(text.removesuffix(".0")), dt.UTC).date()
        return cells.date("timestamp", {})
    except (OverflowError, OSError, ValueError, RowError):
        raise RowError("timestamp", text, rule) from None
