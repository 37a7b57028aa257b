"""Our own format: CSV or JSON whose columns are the schema's fields."""

from __future__ import annotations

from typing import Any

from dashboard.events import schema
from dashboard.events.importers.base import RowError
from dashboard.events.importers.dates import parse_date

NAME = "native"
MAPPING = [(name, name, "as is") for name in schema.FIELD_NAMES if name != "sources"] + [
    ("sources", "sources", "one source per line `outlet | title | date | url`, or a JSON array"),
]


def matches(columns: list[str]) -> bool:
    return {"event_id", "event_date", "category", "claimant", "sources"} <= set(columns)


def unknown_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c not in schema.FIELD_NAMES]


def to_record_data(cells: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Cells to record fields: empty text is "no value"; dates in Excel spellings are accepted."""
    data: dict[str, Any] = {}
    for name, value in cells.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if value is None:
            continue
        if name in schema.DATE_FIELDS and isinstance(value, str):
            value = parse_date(value, name, context.get("date_order", {}).get(name))
        elif name in schema.FLOAT_FIELDS and isinstance(value, str):
            value = _number(name, value)
        elif name == "sources":
            value = schema.parse_sources(value)
        data[name] = value
    return data


def _number(column: str, text: str) -> float:
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        pass
    if "," in cleaned and "." not in cleaned and cleaned.replace(",", "", 1).lstrip("-").isdigit():
        raise RowError(column, text, "comma as decimal separator: write numbers with a point (e.g. 51.19)")
    raise RowError(column, text, "not a number")
