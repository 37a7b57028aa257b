"""Date spellings found in real exports, parsed without silent guessing.

Spreadsheet round-trips turn ISO dates into ``1/22/2014 12:00:00 AM`` or
``05/02/2014 00:00``. A slash date whose day and month could be swapped is
*ambiguous*; the caller decides the order for a whole column from the values
that are not (a 22 can only be a day), and a column that never settles it is
reported, not guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable

from dashboard.events.importers.base import RowError

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*([AaPp][Mm]))?)?$")
_MONTH_NAMES = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%B %Y", "%b %Y")

DAY_FIRST, MONTH_FIRST = "day_first", "month_first"


def slash_order(values: Iterable[str]) -> str | None:
    """Settle day/month order for a column of slash dates, or None if nothing settles it.

    Raises RowError if the column contains both orders (e.g. 22/01 and 01/22).
    """
    day_first = month_first = None
    for value in values:
        match = _SLASH.match(value.strip()) if value else None
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            day_first = day_first or value
        elif second > 12 >= first:
            month_first = month_first or value
    if day_first and month_first:
        raise RowError(
            None,
            f"{day_first} / {month_first}",
            f"dates use both day-first ({day_first}) and month-first ({month_first}) order",
        )
    if day_first:
        return DAY_FIRST
    if month_first:
        return MONTH_FIRST
    return None


@functools.lru_cache(maxsize=65_536)  # strptime is slow, and a large file repeats its dates many times
def parse_date(value: str | None, column: str, order: str | None = None) -> dt.date | None:
    """One date cell to a date; empty gives None; anything unclear raises RowError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if match := _ISO.match(text):
        return _make(column, text, int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _SLASH.match(text):
        first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if len(year) == 2:
            raise RowError(column, text, "two-digit year: write the date as YYYY-MM-DD")
        if order is None:
            if first > 12:
                order = DAY_FIRST
            elif second > 12:
                order = MONTH_FIRST
            elif first != second:
                raise RowError(
                    column,
                    text,
                    f"ambiguous date: {text} could be {first} {_month(second)} or "
                    f"{second} {_month(first)}; write it as YYYY-MM-DD",
                )
            else:
                order = DAY_FIRST
        day, month = (first, second) if order == DAY_FIRST else (second, first)
        return _make(column, text, int(year), month, day)
    for pattern in _MONTH_NAMES:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError(column, text, "not a date (expected YYYY-MM-DD)")


def _make(column: str, text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise RowError(column, text, f"impossible date: {exc}") from None


def _month(number: int) -> str:
    return dt.date(2000, number, 1).strftime("%B") if 1 <= number <= 12 else str(number)
