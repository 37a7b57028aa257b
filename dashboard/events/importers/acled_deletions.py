"""ACLED deletions: the list of events ACLED has withdrawn (``event_id_cnty``, ``deleted_timestamp``),
from the Export Tool's CSV or the API's ``deleted`` endpoint (CSV, or JSON under ``data``). Each row
retracts the event ``acled:<event_id_cnty>`` with the deletion time as the reason; the event's history
stays. An event the log does not hold is counted and skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dashboard.events.importers.base import RowError
from dashboard.events.importers.cells import Cells, has_columns
from dashboard.events.importers.dates import parse_date

NAME = "acled_deletions"
# Not records: each row withdraws an event already in the log.
RETRACTS = True
REQUIRED_COLUMNS = ("event_id_cnty", "deleted_timestamp")
DATE_COLUMNS = ("deleted_timestamp",)

MAPPING = [
    ("event_id_cnty", "event_id", '"acled:" + event_id_cnty: the event retracted'),
    (
        "deleted_timestamp",
        "reason",
        '"deleted by ACLED on <UTC time> (deleted_timestamp <value>)"; Unix seconds or a date',
    ),
]


def matches(columns: list[str]) -> bool:
    return has_columns(columns, REQUIRED_COLUMNS)


def to_retraction(row: dict[str, Any]) -> tuple[str, str]:
    """One row to (event id, reason); raises RowError for an id or time ACLED would not write."""
    cells = Cells(row)
    event_id = cells.required("event_id_cnty")
    text = cells.required("deleted_timestamp")
    return f"acled:{event_id}", f"deleted by ACLED on {_deleted_at(text)} (deleted_timestamp {text})"


def _deleted_at(text: str) -> str:
    rule = "deleted_timestamp must be Unix seconds (e.g. 1672782338) or a date"
    seconds = text.removesuffix(".0")
    try:
        if seconds.isdigit():
            return f"{dt.datetime.fromtimestamp(int(seconds), dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        found = parse_date(text, "deleted_timestamp")
    except (OverflowError, OSError, ValueError, RowError):
        raise RowError("deleted_timestamp", text, rule) from None
    if found is None:
        raise RowError("deleted_timestamp", text, rule)
    return found.isoformat()
