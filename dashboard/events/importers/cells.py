"""Reading the cells of outside datasets (ACLED, UCDP, CNS) into record values, a whole column at a time.

Columns are found regardless of case and surrounding spaces; numbers, codes and dates that do not
parse are a :class:`RowError` naming the column, the value and the rule, recorded against the row
(:class:`Columns`; :class:`Cells` reads one row, for ACLED's deletion lists).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
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
    """One input row, read by column name regardless of case and surrounding spaces (ACLED deletions)."""

    def __init__(self, cells: dict[str, Any]) -> None:
        self._cells = {column_key(k): v for k, v in cells.items() if isinstance(k, str)}

    def __contains__(self, column: str) -> bool:
        return column_key(column) in self._cells

    def text(self, column: str) -> str:
        """The cell as stripped text; "" when the column or the value is missing."""
        return cell_text(column, self._cells.get(column_key(column)))

    def required(self, column: str) -> str:
        return required_text(column, self.text(column))


def cell_text(column: str, value: Any) -> str:
    """A cell as stripped text; "" when missing. Numbers (from JSON or a spreadsheet) as Python writes them."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RowError(column, value, f"{column} must be text or a number")


def required_text(column: str, text: str) -> str:
    if not text:
        raise RowError(column, text, f"{column} must not be empty")
    return text


def to_number(column: str, text: str, rule: str) -> float | None:
    """A decimal number ("" gives None); ``rule`` says what was expected."""
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


def to_count(column: str, text: str) -> float | None:
    """A whole number >= 0, e.g. fatalities ("" gives None)."""
    rule = f"{column} must be a whole number of 0 or more"
    value = to_number(column, text, rule)
    if value is not None and (value < 0 or not value.is_integer()):
        raise RowError(column, text, rule)
    return value


def to_code(column: str, text: str, table: dict[str, Any], meaning: str) -> Any:
    """Look a coded cell ("1", "1.0") up in ``table``; unknown codes name the valid ones."""
    key = text.removesuffix(".0")
    if key not in table:
        raise RowError(column, text, f"{column} must be one of {', '.join(table)} ({meaning})")
    return table[key]


def required_date(column: str, text: str, order: str | None) -> dt.date:
    found = parse_date(text, column, order)
    if found is None:
        raise RowError(column, "", f"{column} must not be empty")
    return found


# A column a row does not have (JSON objects need not share their keys); read as "".
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
# The value of a cell whose row has already failed: never looked at, only carried.
FAILED: Any = type("Failed", (), {"__repr__": lambda self: "FAILED"})()


class Columns:
    """The cells of many rows, column by column, by name regardless of case and surrounding spaces.

    The mapping of ACLED, UCDP and CNS files: each conversion runs once per distinct value of its
    column (a large export repeats its codes, dates, places and outlets on many rows), and a whole
    column of text is stripped in one pass. A value that does not convert records a
    :class:`RowError` against its rows: the first per row, in the order the mapping asks for its
    columns, so a row reports the problem a mapping that stops at its first problem would.
    Rows that failed carry :data:`FAILED` (or "" for text) in later conversions.
    """

    def __init__(self, columns: dict[str, Sequence[Any]], rows: int) -> None:
        self._columns = {column_key(k): v for k, v in columns.items() if isinstance(k, str)}
        self.rows = rows
        self.errors: dict[int, RowError] = {}
        self._texts: dict[str, list[str]] = {}

    def has(self, column: str) -> list[bool]:
        """Per row, whether the row has the column at all (a JSON object may lack it)."""
        values = self._columns.get(column_key(column))
        if values is None:
            return [False] * self.rows
        return [value is not MISSING for value in values]

    def text(self, column: str) -> list[str]:
        """Each cell as stripped text ("" when missing); a cell that is neither text nor a number fails its row."""
        key = column_key(column)
        if key in self._texts:
            return self._texts[key]
        values = self._columns.get(key)
        if values is None:
            texts = [""] * self.rows
        elif set(map(type, values)) == {str}:
            texts = [value.strip() for value in values]
        else:
            texts = self.each(lambda cell: cell_text(column, cell.value), _typed(values), placeholder="")
        self._texts[key] = texts
        return texts

    def text_where(self, column: str, wanted: Sequence[bool]) -> list[str]:
        """:meth:`text` read only in the ``wanted`` rows (the others give ""): for a column a mapping
        consults only when another gave no answer, so that only those rows can fail on it."""
        values = self._columns.get(column_key(column))
        if values is None or set(map(type, values)) <= {str}:
            return self.text(column)
        texts = []
        for index, (value, want) in enumerate(zip(values, wanted, strict=True)):
            try:
                texts.append(cell_text(column, value) if want else "")
            except RowError as error:
                self.errors.setdefault(index, error)
                texts.append("")
        return texts

    def required(self, column: str) -> list[str]:
        return self.each(lambda text: required_text(column, text), self.text(column), placeholder="")

    def number(self, column: str, rule: str) -> list[float | None]:
        return self.each(lambda text: to_number(column, text, rule), self.text(column))

    def count(self, column: str) -> list[float | None]:
        return self.each(lambda text: to_count(column, text), self.text(column))

    def code(self, column: str, table: dict[str, Any], meaning: str) -> list[Any]:
        return self.each(lambda text: to_code(column, text, table, meaning), self.text(column))

    def date(self, column: str, order: str | None) -> list[dt.date | None]:
        return self.each(lambda text: parse_date(text, column, order), self.text(column))

    def each(self, convert: Callable[..., Any], *columns: Sequence[Any], placeholder: Any = FAILED) -> list[Any]:
        """``convert`` applied to each row's values of ``columns``, once per distinct combination.

        A RowError fails the rows with that combination (and gives them ``placeholder``); a row
        whose input is already FAILED is passed over.
        """
        keys: Sequence[Any] = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
        done: dict[Any, Any] = {}
        failed: set[Any] = set()
        for key in dict.fromkeys(keys):
            if key is FAILED or (len(columns) > 1 and FAILED in key):
                done[key] = placeholder
                continue
            try:
                done[key] = convert(*key) if len(columns) > 1 else convert(key)
            except RowError as error:
                done[key] = error
                failed.add(key)
        out = [done[key] for key in keys]
        if failed:
            for index, key in enumerate(keys):
                if key in failed:
                    self.errors.setdefault(index, done[key])
                    out[index] = placeholder
        return out


def _typed(values: Sequence[Any]) -> list[Any]:
    """Cells as keys under which only equal values of one type meet (1, 1.0 and True are equal keys)."""
    return [_TypedCell(value) for value in values]


class _TypedCell:
    """A cell as a dictionary key: equal only to a cell of the same type and value; lists and dicts by identity."""

    __slots__ = ("value", "_key")

    def __init__(self, value: Any) -> None:
        self.value = value
        try:
            hash(value)
            self._key = (type(value), value)
        except TypeError:
            self._key = (type(value), id(value))

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TypedCell) and self._key == other._key


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
