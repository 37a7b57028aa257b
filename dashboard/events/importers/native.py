"""Our own format: CSV or JSON whose columns are the schema's fields."""

from __future__ import annotations

from typing import Any

from dashboard.events import schema
from dashboard.events.exports import EXPORT_COLUMNS
from dashboard.events.importers.base import RowError
from dashboard.events.importers.dates import parse_date

NAME = "native"
MAPPING = [(name, name, "as is") for name in schema.FIELD_NAMES if name != "sources"] + [
    ("sources", "sources", "one source per line `outlet | title | date | url`, or a JSON array"),
]

REQUIRED_COLUMNS = schema.REQUIRED_FIELDS
# Columns an export writes besides the schema's fields: the log's own bookkeeping
# (revision, recorded_at), which the importing log assigns afresh. They are read
# and ignored, so that an export can be imported again.
EXPORT_ONLY_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in schema.FIELD_NAMES)
# Columns a ``--skip-invalid`` rejects file adds (the input's line and the reasons): read and
# ignored too, so a corrected rejects file imports as it is.
REJECTS_ONLY_COLUMNS = ("line", "errors")
IGNORED_COLUMNS = EXPORT_ONLY_COLUMNS + REJECTS_ONLY_COLUMNS


def matches(columns: list[str]) -> bool:
    return set(REQUIRED_COLUMNS) <= set(columns)


def unknown_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c not in schema.FIELD_NAMES and c not in IGNORED_COLUMNS]


# cell_value's answer for an empty cell: the field is left out, so the schema's default applies.
EMPTY = object()


def to_record_data(cells: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Cells to record fields: empty text is "no value"; dates in Excel spellings are accepted."""
    data: dict[str, Any] = {}
    for name, value in cells.items():
        if name in IGNORED_COLUMNS:
            continue
        value = cell_value(name, value, context)
        if value is not EMPTY:
            data[name] = value
    return data


def cell_value(name: str, value: Any, context: dict[str, Any]) -> Any:
    """One cell of column ``name`` to the value given to the schema (or EMPTY); RowError if unreadable.

    Shared by the per-record path and the columnar one, which calls it once per distinct value.
    """
    if isinstance(value, bool) and (name in schema.FLOAT_FIELDS or name == "geo_precision"):
        # JSON true/false would otherwise pass as 1/0.
        raise RowError(name, value, "not a number (true/false)")
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return EMPTY
    if value is None:
        return EMPTY
    if name in schema.DATE_FIELDS and isinstance(value, str):
        return parse_date(value, name, context.get("date_order", {}).get(name))
    if name in schema.FLOAT_FIELDS and isinstance(value, str):
        return _number(name, value)
    if name == "sources":
        value = schema.parse_sources(value)
        if isinstance(value, str):  # neither lines of four parts nor a JSON array
            raise RowError(
                name,
                value,
                "write one source per line as `outlet | title | date | url` "
                "(title or date may be empty), or a JSON array of such objects",
            )
    return value


def _number(column: str, text: str) -> float:
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        pass
    if "," in cleaned and cleaned.replace(",", "").replace(".", "").lstrip("+-").isdigit():
        # "51,19" is a decimal comma, "11,000" a thousands separator: say how to write both.
        raise RowError(
            column, text, "comma in a number: write decimals with a point (51.19) and no thousands separators (11000)"
        )
    raise RowError(column, text, "not a number")
