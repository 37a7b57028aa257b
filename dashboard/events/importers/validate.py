"""The validate stage, column-wise: the schema's rules applied to whole columns of mapped rows.

Validating a million records one pydantic model at a time takes minutes (bench/RESULTS.md).
Two checks here make large imports fast, both producing the storage table of
``dashboard.events.columnar``:

* :func:`validate_mapped` checks the records any format maps, each field's distinct values once.
* :func:`validate_native` checks a native CSV column by column. It is a *filter*, never a
  second judge: it either shows that every row is valid and returns exactly the storage
  values the per-record path would (tests/events/test_columnar.py holds the two paths
  equal), or returns None, and the importer takes the per-record path, which names each
  broken rule with its line and column. So it may be stricter than the schema, never laxer.

Each distinct value of a column goes through the field's own validator
(:func:`schema.field_adapter`) after the native importer's own cell conversion: most
columns (categories, claimants, regions, dates, vocabularies) have few distinct values,
so this costs little and is the schema itself. In a large file, the columns that can hold a
different value on every row (descriptions, places, coordinates, figures, sources) are checked
with Arrow compute instead, by rules read from the same field definitions (lengths, bounds),
and anything those rules do
not cover (odd whitespace, number spellings, multi-line sources) sends the row's value
through the field validator or, failing that, the whole file to the per-record path.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

import annotated_types
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from dashboard.events import schema
from dashboard.events.columnar import STORAGE_TYPES, storage_schema
from dashboard.events.importers import native
from dashboard.events.importers.base import RowError

# Above this many rows, a column that has an Arrow rule is checked with it instead of value by value.
ROWS_FOR_ARROW_RULES = 20_000
# Fields whose only checks are "stripped, not empty if required, at most N characters": the
# ones the Arrow text rule may judge. Other text fields (codes, ids) must go value by value.
_PLAIN_TEXT_CHECKS = {"_clean_text", "_required_text"}
# Whitespace Python's str.strip() removes that Arrow's regular expressions may not know: a
# value that starts or ends with any of these is left to the field validator.
_EDGE_SPACE = r"^[\s\x0b\x1c-\x1f\x85\xa0\p{Z}]|[\s\x0b\x1c-\x1f\x85\xa0\p{Z}]$"
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Source URLs the Arrow rule accepts: printable ASCII only, so Python's and RE2's ideas of
# "whitespace" cannot differ; the same shape as schema.Source's check.
_SIMPLE_URL = r"(?i)^https?://[\x21-\x7e]+$"
_BAD_URL_START = r"(?i)^https?://[/$.?#]"


# --- records given as mappings (any importer's per-row output) --------------------------

_MISSING = object()


def validate_mapped(rows: Sequence[dict[str, Any]]) -> pa.Table | None:
    """Record mappings (as the native importer maps rows) to storage values, or None if any may be invalid."""
    if not rows or any(set(row) - _FIELD_SET for row in rows):
        return None  # unknown fields: the record path names them
    return validate_columns({name: [row.get(name, _MISSING) for row in rows] for name in schema.FIELD_NAMES}, len(rows))


def validate_columns(fields: dict[str, Sequence[Any]], rows: int) -> pa.Table | None:
    """Record fields given column by column (as ACLED, UCDP and CNS map) to storage values, or None if any
    may be invalid. A field not given is missing on every row.

    Each field's value goes through the field's own validator once per distinct value (a
    large export repeats its actors, regions, dates and sources' outlets on many rows), then
    the record-level rules run over whole columns. What a pydantic model per record would do,
    at a fraction of its cost; on any doubt the caller validates record by record for the errors.
    """
    if not rows or set(fields) - _FIELD_SET:
        return None
    columns = {}
    for name in schema.FIELD_NAMES:
        given = fields.get(name)
        if name == "sources" and given is not None and rows > ROWS_FOR_ARROW_RULES:
            values = _mapped_sources(given)
        else:
            values = _column_storage(name, given if given is not None else [_MISSING] * rows)
        if values is None:
            return None
        columns[name] = pa.array(values, type=STORAGE_TYPES[schema.field_kind(name)])
    table = pa.table(columns, schema=storage_schema())
    if pc.count_distinct(table.column("event_id")).as_py() != table.num_rows:
        return None
    return table if _rows_consistent(table) else None


def _column_storage(name: str, given: list[Any]) -> list[Any] | None:
    """One field's values for every row, each distinct value validated once; None if one is invalid."""
    kinds = {type(value) for value in given} - {type(None), type(_MISSING)}
    if len(kinds) <= 1:
        # One type (besides missing values): the values themselves are the keys, looked up in C.
        try:
            done = {value: _field_storage(name, value) for value in dict.fromkeys(given)}
        except TypeError:  # unhashable values (sources: lists of mappings)
            done = None
        if done is not None:
            return None if _INVALID in done.values() else [done[value] for value in given]
    # Mixed types (1 and 1.0 are equal keys) or unhashable values: keyed by type and text.
    keyed: dict[Any, Any] = {}
    values = []
    for value in given:
        key = _value_key(value)
        if key not in keyed:
            keyed[key] = _field_storage(name, value)
            if keyed[key] is _INVALID:
                return None
        values.append(keyed[key])
    return values


_FIELD_SET = frozenset(schema.FIELD_NAMES)


def _mapped_sources(given: Sequence[Any]) -> list[Any] | None:
    """The sources of mapped rows as stored; rows of one plain source (ACLED's, GED's) checked with Arrow.

    Each such row holds a different title (it names the event), so a validator call per distinct
    value would be one per row. A row the Arrow check is not certain of goes through the validator.
    """
    simple = [
        type(value) is list
        and len(value) == 1
        and type(value[0]) is dict
        and value[0].keys() == _SOURCE_KEYS
        and type(value[0]["outlet"]) is str
        and type(value[0]["url"]) is str
        and (value[0]["title"] is None or type(value[0]["title"]) is str)
        and (value[0]["date"] is None or type(value[0]["date"]) is dt.date)
        for value in given
    ]
    one = [value[0] for value, plain in zip(given, simple, strict=True) if plain]
    encoded, ok = _one_source_json(
        pa.array([s["outlet"] for s in one], pa.string()),
        pa.array([s["title"] or "" for s in one], pa.string()),
        pa.array([s["date"].isoformat() if s["date"] else "" for s in one], pa.string()),
        pa.array([s["url"] for s in one], pa.string()),
    )
    certain = iter(zip(encoded.to_pylist(), ok.to_pylist() if ok is not None else [False] * len(one), strict=True))
    values = []
    for value, plain in zip(given, simple, strict=True):
        text, sure = next(certain) if plain else (None, False)
        if not sure:
            text = _field_storage("sources", value)
            if text is _INVALID:
                return None
        values.append(text)
    return values


_SOURCE_KEYS = {"outlet", "title", "date", "url"}
_INVALID = object()


def _field_storage(name: str, value: Any) -> Any:
    """One field's value validated by the field's own rules, as stored; _INVALID if it breaks one."""
    shortcut = _SHORTCUTS.get(name)
    if shortcut is not None and shortcut(value):
        return value  # a value the field's validator is certain to return unchanged
    info = schema.EventRecord.model_fields[name]
    if value is _MISSING:
        if info.is_required():
            return _INVALID
        value = info.default
    try:
        return _storage_value(name, schema.field_adapter(name).validate_python(value))
    except (ValueError, ValidationError):
        return _INVALID


def _plain_text_shortcut(name: str):
    """A check that a value is already what a free-text field's validator returns: stripped, not empty,
    no NUL, within the length. Anything else goes through the validator itself."""
    limit = _max_length(name) or 0

    def certain(value: Any) -> bool:
        return type(value) is str and 0 < len(value) <= limit and "\x00" not in value and value == value.strip()

    return certain


def _float_shortcut(name: str):
    """A check that a value is a finite float within the field's bounds (what its validator returns unchanged)."""
    low, high = -math.inf, math.inf
    for item in schema.EventRecord.model_fields[name].metadata:
        low = item.ge if isinstance(item, annotated_types.Ge) else low
        high = item.le if isinstance(item, annotated_types.Le) else high

    def certain(value: Any) -> bool:
        return type(value) is float and math.isfinite(value) and low <= value <= high

    return certain


def _value_key(value: Any) -> Any:
    """A key under which only equal values of one type share a validation."""
    try:
        return (type(value), value, hash(value))
    except TypeError:  # lists and dicts (sources): their text says what they hold
        return ("repr", type(value), repr(value))


# --- the columnar check of a native CSV --------------------------------------------


def validate_native(table: pa.Table, context: dict[str, Any], origin: str | None = None) -> pa.Table | None:
    """All-text columns of a native CSV to storage values, or None if any row may be invalid."""
    rows = table.num_rows
    if rows == 0:
        return None
    out = {}
    for name in schema.FIELD_NAMES:
        if name == "origin" and origin is not None:
            column = pa.array([origin] * rows, pa.string())
        elif name in table.column_names:
            column = table.column(name).combine_chunks()
        else:
            column = pa.array([""] * rows, pa.string())
        if pc.any(pc.match_substring(column, "\x00")).as_py():
            return None
        try:
            values = _checked_column(name, column, context, native)
        except pa.ArrowInvalid:  # e.g. a number spelling Arrow's parser does not take: the per-record path judges
            return None
        if values is None:
            return None
        out[name] = values
    storage = pa.table(out, schema=storage_schema())
    return storage if _rows_consistent(storage) else None


def _checked_column(name: str, column: pa.Array, context: dict[str, Any], native) -> pa.Array | None:
    kind = schema.field_kind(name)
    if name == "event_id":
        ok = pc.all(pc.match_substring_regex(column, schema.EVENT_ID_PATTERN)).as_py()
        return column if ok and pc.count_distinct(column).as_py() == len(column) else None
    if len(column) > ROWS_FOR_ARROW_RULES:
        # Arrow rules for the kinds of column that can have a distinct value on every row of a
        # large file; any other column is judged value by value, however many values it has.
        if name == "sources":
            return _sources(column, native)
        if _is_plain_text(name):
            return _plain_text(name, column, context, native)
        if kind == "float":
            return _numbers(name, column)
    return _by_distinct_value(name, column, pc.unique(column), context, native)


def _by_distinct_value(name, column, distinct, context, native) -> pa.Array | None:
    """Each distinct value through the importer's cell conversion and the field's validator."""
    values = []
    for text in distinct.to_pylist():
        stored = _cell_storage(name, text, context, native)
        if stored is _INVALID:
            return None
        values.append(stored)
    mapped = pa.array(values, type=STORAGE_TYPES[schema.field_kind(name)])
    return mapped.take(pc.index_in(column, value_set=distinct))


def _cell_storage(name: str, text: Any, context: dict[str, Any], native) -> Any:
    """One native cell as stored: the importer's cell conversion, then the field's rules; _INVALID if either fails."""
    try:
        value = native.cell_value(name, text, context)
    except RowError:
        return _INVALID
    return _field_storage(name, _MISSING if value is native.EMPTY else value)


def _storage_value(name: str, value: Any) -> Any:
    return schema.sources_to_json(value) if name == "sources" else value


def _is_plain_text(name: str) -> bool:
    """A free-text field: type str (no vocabulary), checked only for emptiness and length."""
    info = schema.EventRecord.model_fields[name]
    validators = {getattr(m.func, "__name__", "") for m in info.metadata if hasattr(m, "func")}
    return info.annotation in (str, str | None) and validators <= _PLAIN_TEXT_CHECKS


def _max_length(name: str) -> int | None:
    try:
        return _max_length_of(schema.EventRecord, name)
    except LookupError:
        return None


def _plain_text(name: str, column: pa.Array, context, native) -> pa.Array | None:
    """Text with no rule but length and emptiness: empty is missing, edge whitespace goes value by value."""
    odd = pc.match_substring_regex(column, _EDGE_SPACE)
    if pc.any(odd).as_py():
        column = _revalidate(name, column, odd, context, native)
        if column is None:
            return None
    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    info = schema.EventRecord.model_fields[name]
    if info.is_required() and column.null_count:
        return None
    if info.default is not None and column.null_count:  # an empty cell takes the field's default
        column = pc.fill_null(column, schema.field_adapter(name).validate_python(info.default))
    limit = _max_length(name)
    longest = pc.max(pc.utf8_length(column)).as_py() or 0
    return None if limit is not None and longest > limit else column


def _revalidate(name, column, mask, context, native) -> pa.Array | None:
    """The values picked by ``mask`` through the field validator, the rest kept as they are."""
    values = column.to_pylist()
    for index in pc.indices_nonzero(mask).to_pylist():
        values[index] = _cell_storage(name, values[index], context, native)
        if values[index] is _INVALID:
            return None
    return pa.array(values, pa.string())


def _numbers(name: str, column: pa.Array) -> pa.Array | None:
    """Plain decimal numbers, within the field's bounds; other spellings go to the per-record path."""
    empty = pc.equal(column, "")
    if not pc.all(pc.or_(empty, pc.match_substring_regex(column, _NUMBER))).as_py():
        return None
    numbers = pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), column), pa.float64())
    if not pc.all(pc.fill_null(pc.is_finite(numbers), True)).as_py():
        return None
    for item in schema.EventRecord.model_fields[name].metadata:
        if isinstance(item, annotated_types.Ge) and pc.any(pc.less(numbers, item.ge)).as_py():
            return None
        if isinstance(item, annotated_types.Le) and pc.any(pc.greater(numbers, item.le)).as_py():
            return None
    return numbers


def _sources(column: pa.Array, native) -> pa.Array | None:
    """One ``outlet | title | date | url`` line per cell checked with Arrow; other cells one by one."""
    parts = pc.split_pattern(column, "|")
    four = pc.and_(
        pc.equal(pc.list_value_length(parts), 4),
        pc.invert(pc.match_substring_regex(column, r"[\r\n]|^\s*\[")),
    )
    candidates = pc.indices_nonzero(four)
    every_row = len(candidates) == len(column)
    if not every_row:
        parts = parts.take(candidates)
    encoded, ok = _one_source_json(*(pc.list_element(parts, i) for i in range(4)))
    if ok is None:
        return None
    is_simple = ok if every_row else pc.replace_with_mask(four, four, ok)
    result = pc.replace_with_mask(pa.nulls(len(column), pa.string()), is_simple, pc.filter(encoded, ok))
    others = pc.invert(is_simple)
    if not pc.any(others).as_py():
        return result
    one_by_one = [_cell_storage("sources", cell, {}, native) for cell in pc.filter(column, others).to_pylist()]
    if _INVALID in one_by_one:
        return None
    return pc.replace_with_mask(result, others, pa.array(one_by_one, pa.string()))


def _one_source_json(outlet, title, date, url) -> tuple[pa.Array, pa.Array | None]:
    """Rows of one source each (outlet, title, date, url as text; "" for none) checked with Arrow:
    the stored JSON of each row and whether the check is certain of it (ok); ok is None when a date
    is impossible (e.g. 2024-02-30: the caller lets the per-record path say which row)."""
    # Trim spaces only, then refuse any part still edged by whitespace: so the result is what
    # Python's str.strip() gives, whatever Arrow counts as whitespace.
    outlet, title, date, url = (pc.utf8_trim(part, " ") for part in (outlet, title, date, url))
    short = _max_length_of(schema.Source, "outlet")
    ok = pc.and_(pc.greater(pc.utf8_length(outlet), 0), pc.less_equal(pc.utf8_length(outlet), short))
    checks = [
        pc.less_equal(pc.utf8_length(title), _max_length_of(schema.Source, "title")),
        pc.or_(pc.equal(date, ""), pc.match_substring_regex(date, _ISO_DATE)),
        pc.or_(pc.greater(pc.utf8_length(title), 0), pc.greater(pc.utf8_length(date), 0)),
        pc.match_substring_regex(url, _SIMPLE_URL),
        pc.invert(pc.match_substring_regex(url, _BAD_URL_START)),
        pc.less_equal(pc.utf8_length(url), _max_length_of(schema.Source, "url")),
        *(pc.invert(pc.match_substring_regex(part, _EDGE_SPACE)) for part in (outlet, title, date, url)),
        # The schema refuses NUL characters in text; the validator says so.
        *(pc.invert(pc.match_substring(part, "\x00")) for part in (outlet, title, url)),
    ]
    for check in checks:
        ok = pc.and_(ok, check)
    for value in pc.unique(date).to_pylist():
        try:
            if value:
                dt.date.fromisoformat(value)
        except ValueError:
            return date, None
    # The canonical JSON of one source (schema.sources_to_json: sorted keys, ensure_ascii=False).
    encoded = pc.binary_join_element_wise(
        '[{"date": ',
        pc.if_else(pc.equal(date, ""), "null", pc.binary_join_element_wise('"', date, '"', "")),
        ', "outlet": ',
        _json_text(outlet),
        ', "title": ',
        pc.if_else(pc.equal(title, ""), "null", _json_text(title)),
        ', "url": ',
        _json_text(url),
        "}]",
        "",
    )
    return encoded, ok


def _json_text(column: pa.Array) -> pa.Array:
    """Each value as json.dumps writes it with ensure_ascii=False: quoted, ``"`` and ``\\`` escaped,
    control characters through Python's own encoder."""
    escaped = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    control = pc.fill_null(pc.match_substring_regex(column, r"[\x00-\x1f]"), False)
    if not pc.any(control).as_py():
        return quoted
    others = [encode_basestring(v) for v in pc.filter(column, control).to_pylist()]
    return pc.replace_with_mask(quoted, control, pa.array(others, pa.string()))


def _max_length_of(model, name: str) -> int:
    for item in model.model_fields[name].metadata:
        if isinstance(item, annotated_types.MaxLen):
            return item.max_length
    raise LookupError(f"{model.__name__}.{name} has no maximum length")


def _rows_consistent(table: pa.Table) -> bool:
    """Every record rule of ``schema.RECORD_RULES`` over whole columns: True only if each holds on every row."""
    return all(holds(table) for holds in COLUMN_RULES.values())


def _date_order(t: pa.Table) -> bool:
    return pc.all(pc.fill_null(pc.greater_equal(t["event_date_end"], t["event_date"]), True)).as_py()


def _figure_order(t: pa.Table) -> bool:
    low, best, high = t["figure_low"], t["figure_best"], t["figure_high"]
    # A record whose flags say the source gives its figures out of order is exempt.
    flags = pc.fill_null(t["quality_flags"], "")
    ok = pc.match_substring_regex(flags, "(^|,)(" + "|".join(sorted(schema.FIGURE_ORDER_FLAGS)) + ")(,|$)")
    in_order = pa.array([True] * t.num_rows)
    for a, b in ((low, best), (best, high), (low, high)):
        in_order = pc.and_(in_order, pc.fill_null(pc.less_equal(a, b), True))
    return pc.all(pc.or_(ok, in_order)).as_py()


def _figure_unit(t: pa.Table) -> bool:
    any_figure = pc.or_(
        pc.or_(pc.is_valid(t["figure_low"]), pc.is_valid(t["figure_best"])), pc.is_valid(t["figure_high"])
    )
    return not pc.any(pc.and_(any_figure, pc.is_null(t["unit"]))).as_py()


def _coordinate_pair(t: pa.Table) -> bool:
    return pc.all(pc.equal(pc.is_null(t["latitude"]), pc.is_null(t["longitude"]))).as_py()


def _no_null_island(t: pa.Table) -> bool:
    return not pc.any(pc.fill_null(pc.and_(pc.equal(t["latitude"], 0.0), pc.equal(t["longitude"], 0.0)), False)).as_py()


def _precision_needs_point(t: pa.Table) -> bool:
    needs_point = pc.is_in(t["geo_precision"], value_set=pa.array([1, 2]))
    return not pc.any(pc.and_(needs_point, pc.is_null(t["latitude"]))).as_py()


def _admin1_in_country(t: pa.Table) -> bool:
    pairs = pa.table({"a": t["admin1_code"], "c": t["country_code"]}).group_by(["a", "c"]).aggregate([])
    return all(
        schema.admin1_in_country(a, country)
        for a, country in zip(pairs.column("a").to_pylist(), pairs.column("c").to_pylist(), strict=True)
        if a and country
    )


# Each rule of schema.RECORD_RULES, by the same name (tests/events/test_rules.py holds the two sets equal).
COLUMN_RULES = {
    "date_order": _date_order,
    "figure_order": _figure_order,
    "figure_unit": _figure_unit,
    "coordinate_pair": _coordinate_pair,
    "no_null_island": _no_null_island,
    "precision_needs_point": _precision_needs_point,
    "admin1_in_country": _admin1_in_country,
}


# Columns that hold a different value on nearly every row of a large export (descriptions, places,
# coordinates, figures): their values are checked by these shortcuts, read from the same field
# definitions, at a fraction of a validator call; a value they are not certain of goes to the validator.
def _event_id_shortcut(value: Any) -> bool:
    """A value the event id check returns unchanged: stripped text of the id pattern."""
    return type(value) is str and value == value.strip() and _EVENT_ID.fullmatch(value) is not None


_EVENT_ID = re.compile(schema.EVENT_ID_PATTERN)

_SHORTCUTS = {
    "event_id": _event_id_shortcut,
    **{name: _plain_text_shortcut(name) for name in schema.FIELD_NAMES if _is_plain_text(name) and _max_length(name)},
    **{name: _float_shortcut(name) for name in schema.FLOAT_FIELDS},
}
