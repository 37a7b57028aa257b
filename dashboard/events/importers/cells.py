"""Reading the cells of outside datasets (ACLED, UCDP, CNS) into record values.

Columns are found regardless of case and surrounding spaces; numbers, codes and
dates that do not parse raise :class:`RowError` naming the column and the rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable
from typing import Any

from dashboard.events.importers.base import RowError
from dashboard.events.importers.dates import parse_date

# Schema limits for short and long text fields.
SHORT_TEXT, LONG_TEXT = 300, 20_000
# "1,234" and "12,345.5": thousands separators, as spreadsheets write them.
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


@functools.lru_cache(maxsize=4096)  # called for every cell of every row; headers repeat
def column_key(name: str) -> str:
    return name.strip().casefold()


def has_columns(columns: Iterable[str], required: Iterable[str]) -> bool:
    """Whether every required column is in the header, ignoring case and spaces."""
    present = {column_key(c) for c in columns if isinstance(c, str)}
    return {column_key(c) for c in required} <= present


class Cells:
    """One input row, read by column name regardless of case and surrounding spaces."""

    def __init__(self, cells: dict[str, Any]) -> None:
        self._cells = {column_key(k): v for k, v in cells.items() if isinstance(k, str)}

    def __contains__(self, column: str) -> bool:
        return column_key(column) in self._cells

    def text(self, column: str) -> str:
        """The cell as stripped text; "" when the column or the value is missing."""
        value = self._cells.get(column_key(column))
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise RowError(column, value, f"{column} must be text or a number")

    def required(self, column: str) -> str:
        text = self.text(column)
        if not text:
            raise RowError(column, text, f"{column} must not be empty")
        return text

    def number(self, column: str, rule: str) -> float | None:
        """A decimal number ("" gives None); ``rule`` says what was expected."""
        text = self.text(column)
        if not text:
            return None
        cleaned = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
        try:
            value = float(cleaned)
        except ValueError:
            value = math.nan
        if "_" in cleaned or not math.isfinite(value):  # float() takes "1_000", "nan" and "inf"
            raise RowError(column, text, rule)
        return value

    def count(self, column: str) -> float | None:
        """A whole number >= 0, e.g. fatalities ("" gives None)."""
        rule = f"{column} must be a whole number of 0 or more"
        value = self.number(column, rule)
        if value is not None and (value < 0 or not value.is_integer()):
            raise RowError(column, self.text(column), rule)
        return value

    def code(self, column: str, table: dict[str, Any], meaning: str) -> Any:
        """Look a coded cell ("1", "1.0") up in ``table``; unknown codes name the valid ones."""
        text = self.text(column)
        key = text.removesuffix(".0")
        if key not in table:
            raise RowError(column, text, f"{column} must be one of {', '.join(table)} ({meaning})")
        return table[key]

    def date(self, column: str, context: dict[str, Any], default_order: str | None = None) -> dt.date | None:
        """A date in any spelling :func:`parse_date` knows, in the column's day/month order."""
        order = context.get("date_order", {}).get(column) or default_order
        return parse_date(self.text(column), column, order)

    def required_date(self, column: str, context: dict[str, Any], default_order: str | None = None) -> dt.date:
        found = self.date(column, context, default_order)
        if found is None:
            raise RowError(column, "", f"{column} must not be empty")
        return found


def clip(text: str | None, limit: int = SHORT_TEXT) -> str | None:
    """Text shortened to the schema's limit with an ellipsis, None when empty."""
    if not text or not text.strip():
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slug(text: str) -> str | None:
    """ "Shelling/artillery/missile attack" → "shelling_artillery_missile_attack"."""
    return re.sub(r"[\W_]+", "_", text.casefold()).strip("_") or None


def pin_to_precision(date: dt.date, precision: str) -> dt.date:
    """The schema's convention: a month-precise date is the 1st, a year-precise one 1 January."""
    if precision == "month":
        return date.replace(day=1)
    if precision == "year":
        return date.replace(month=1, day=1)
    return date


def join_lines(*parts: str | None) -> str | None:
    """Non-empty parts, one per line, clipped to the schema's long-text limit."""
    return clip("\n".join(p.strip() for p in parts if p and p.strip()), LONG_TEXT)


def dataset_source(outlet: str, title: str, date: dt.date | None, url: str) -> dict[str, Any]:
    """The one source of a dataset row whose own sources come without URLs."""
    return {"outlet": outlet, "title": clip(title), "date": date, "url": url}
