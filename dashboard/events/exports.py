"""CSV / XLSX / GeoJSON writers, with the spreadsheet formula guard in one place.

A text cell that starts with ``= + - @``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection). Such text is prefixed with a
single quote; numbers stay numbers, so ``-3.5`` in a numeric column is untouched.

An event export (:func:`export_frame`) carries a last column named ``formula_guard``
(cells empty): it says the guard was applied, reversibly. In such a file a text that
itself starts with a quote gets one more, so the importer (:func:`native_from_export`)
removes exactly one leading quote from every text cell that has one and gets the
logged text back. XLSX exports also spell a carriage return ``_x000D_`` (the Office
Open XML escape, which spreadsheet programs show as a line break; XML itself would turn
``\r\n`` into ``\n``) and write every float with all its digits.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from dashboard.events import grading, safe_write, schema
from dashboard.events.claimants import builtin_register

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GUARD_MARK = "'"
# The marker column of an event export: its presence says every text cell went through the
# reversible guard (see the module docstring). Spreadsheets show it as one more empty column.
FORMULA_GUARD_COLUMN = "formula_guard"
# ``grade``, ``originator`` and ``relayed_by`` are read, not recorded: the claim's grade (B2) and whose word
# it is, from the claimant register (grading.with_grades) when the frame carries them; an import ignores them.
EXPORT_COLUMNS = (*schema.FIELD_NAMES, "grade", "originator", "relayed_by", "revision", "recorded_at")
# Rows per chunk when streaming a CSV, so a million rows never sit in one string.
_CSV_CHUNK = 50_000


def neutralise_cell(value: Any, *, reversible: bool = False) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote.

    ``reversible``: a text that already starts with a quote gets one too, so that removing one
    leading quote from every quoted cell (:func:`unguard_cell`) gives back exactly the text.
    """
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or (reversible and value.startswith(GUARD_MARK))):
        return GUARD_MARK + value
    return value


def unguard_cell(value: Any) -> Any:
    """Inverse of ``neutralise_cell(value, reversible=True)``."""
    if isinstance(value, str) and value.startswith(GUARD_MARK):
        return value[len(GUARD_MARK) :]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised; numeric columns are left as numbers.

    Reversibly when ``frame`` carries the marker column (an event export).
    """
    out = frame.copy()
    reversible = FORMULA_GUARD_COLUMN in out.columns
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: neutralise_cell(v, reversible=reversible))
    return out


def export_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Events in the native column order, sources in the native cell spelling, dates as ISO text.

    Every export carries the grade columns: a frame without them (not read through
    ``register_store.graded_events``) is graded by the built-in claimant register.
    """
    if "grade" not in events.columns and "claimant" in events.columns:
        events = grading.with_grades(events, builtin_register())
    columns = [c for c in EXPORT_COLUMNS if c in events.columns]
    out = events.loc[:, columns].copy()
    for name in schema.DATE_FIELDS:
        if name in out:
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d").astype(object).where(out[name].notna(), None)
    if "recorded_at" in out:
        out["recorded_at"] = pd.to_datetime(out["recorded_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if "sources" in out:
        out["sources"] = out["sources"].map(lambda s: schema.format_sources(json.loads(s)) if isinstance(s, str) else s)
    if "geo_precision" in out:
        out["geo_precision"] = out["geo_precision"].astype("Int64")
    for name in out.select_dtypes("float").columns:
        # Whole numbers as whole numbers ("10000", not "10000.0"), whichever read made the frame (the
        # current view, a past one): one spelling for a figure, in every export and every as-of.
        values = out[name]
        if bool((values.dropna() % 1 == 0).all()):
            out[name] = values.astype("Int64")
    out[FORMULA_GUARD_COLUMN] = pd.Series([None] * len(out), index=out.index, dtype=object)
    return out


def iter_export_frames(
    events: pd.DataFrame,
    *,
    complete: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    chunk_rows: int = _CSV_CHUNK,
) -> Iterator[pd.DataFrame]:
    """``export_frame`` of ``events``, ``chunk_rows`` rows at a time (at least one frame, for the header).

    ``complete``, if given, runs on each slice first: it adds columns ``events`` leave out (the
    dashboard's long text, ``PageView.with_text``), so only one chunk's text is ever copied.
    """
    for part in _slices(events, chunk_rows):
        yield export_frame(complete(part) if complete else part)


def _slices(frame: pd.DataFrame, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Consecutive row slices (views, not copies); one empty slice for an empty frame."""
    for start in range(0, max(len(frame), 1), chunk_rows):
        yield frame.iloc[start : start + chunk_rows]


def iter_csv_frames(frames: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """Neutralised CSV, UTF-8, one block per frame (the header with the first)."""
    for number, frame in enumerate(frames):
        # CRLF rows (RFC 4180): the csv writer then quotes every cell holding a CR or LF;
        # with "\n" rows a lone CR inside a description went out unquoted and split the row.
        text = neutralise_frame(frame).to_csv(index=False, header=number == 0, lineterminator="\r\n")
        yield text.encode("utf-8")


def iter_csv(frame: pd.DataFrame, chunk_rows: int = _CSV_CHUNK) -> Iterator[bytes]:
    """Neutralised CSV, UTF-8, streamed chunk by chunk (header in the first)."""
    return iter_csv_frames(_slices(frame, chunk_rows))


def csv_from_frames(frames: Iterable[pd.DataFrame]) -> bytes:
    """The CSV of ``frames`` (as from :func:`iter_export_frames`) as one bytes object.

    Blocks go into one growing buffer as they are made: joining a list of blocks held every
    block and the joined copy at once (twice the file), and no chunk outlives its write.
    """
    buffer = io.BytesIO()
    for block in iter_csv_frames(frames):
        buffer.write(block)
    # getvalue() hands over the buffer's own bytes (trimmed in place), not a second copy.
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, target: Path | BinaryIO, *, force: bool = False, protected=()) -> None:
    """The CSV of ``frame`` to a handle, or safely to a path (see ``safe_write``)."""
    if isinstance(target, (str, Path)):
        safe_write.write_chunks(target, iter_csv(frame), force=force, protected=protected)
        return
    for block in iter_csv(frame):
        target.write(block)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return csv_from_frames(_slices(frame, _CSV_CHUNK))


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "events") -> bytes:
    """XLSX where every value is data: strings are written as strings, never formulas."""
    return xlsx_from_frames([frame], sheet_name)


def xlsx_from_frames(frames: Iterable[pd.DataFrame], sheet_name: str = "events") -> bytes:
    """One sheet of the rows of ``frames`` in turn (the header from the first)."""
    import openpyxl

    # Write-only mode streams rows to a temporary file, so only the finished workbook is held.
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    for number, frame in enumerate(frames):
        if number == 0:
            sheet.append(list(frame.columns))
        reversible = FORMULA_GUARD_COLUMN in frame.columns
        for row in frame.itertuples(index=False):
            sheet.append([_xlsx_cell(sheet, _xlsx_value(v, reversible=reversible)) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any, *, reversible: bool = False) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        # openpyxl stores a string starting with "=" as a formula; the guard prevents that.
        guarded = neutralise_cell(value, reversible=reversible)
        return xlsx_escape(guarded) if reversible else guarded
    if hasattr(value, "item"):
        return value.item()
    return value


_XLSX_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
# Characters an XLSX cell cannot hold as they are: \r (XML reads \r\n as \n) and the control
# characters XML forbids (openpyxl refuses them outright).
_XLSX_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")
# An underscore that starts an escape-like run (runs may share it: "_x005F_x000D_").
_XLSX_ESCAPABLE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_escape(text: str) -> str:
    """Office Open XML's escape for what XML cannot keep: ``\\r`` as ``_x000D_``, control characters alike.

    A literal ``_xHHHH_`` in the text is protected as ``_x005F_xHHHH_`` (the underscore escaped),
    as Excel does, so :func:`xlsx_unescape` is its exact inverse.
    """
    text = _XLSX_ESCAPABLE.sub("_x005F_", text)
    return _XLSX_UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def xlsx_unescape(text: str) -> str:
    return _XLSX_ESCAPE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), text)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A float as a cell holding all its digits; anything else as it is.

    openpyxl writes numbers with 16 significant digits ("%.16g"), which rounds 0.1 + 0.2 to 0.3;
    Python's repr is the shortest text that reads back as the same float.
    """
    if not isinstance(value, float) or not math.isfinite(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell._value = repr(value)  # written as the cell's <v> text; data_type stays "n" (a number)
    return cell


def geojson_dict(frame: pd.DataFrame) -> dict[str, Any]:
    """A FeatureCollection; events without coordinates have a null geometry (valid GeoJSON)."""
    return {"type": "FeatureCollection", "features": list(_features(frame))}


def _features(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    for row in frame.to_dict(orient="records"):
        lat, lon = row.get("latitude"), row.get("longitude")
        has_point = _is_number(lat) and _is_number(lon)
        # GeoJSON is never opened as a spreadsheet: no formula guard, so no marker column.
        properties = {
            k: _json_value(v) for k, v in row.items() if k not in ("latitude", "longitude", FORMULA_GUARD_COLUMN)
        }
        if "sources" in properties and isinstance(properties["sources"], str):
            # Stored JSON or the export's cell spelling (lines or JSON): always a list of sources.
            properties["sources"] = schema.parse_sources(properties["sources"])
        yield {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]} if has_point else None,
            "properties": properties,
        }


def geojson_bytes(frame: pd.DataFrame) -> bytes:
    return geojson_from_frames([frame])


def geojson_from_frames(frames: Iterable[pd.DataFrame]) -> bytes:
    """The FeatureCollection of the rows of ``frames``, written feature by feature into one buffer.

    The same bytes as ``json.dumps(geojson_dict(...))``, without a dict of every feature first.
    """
    buffer = io.BytesIO()
    buffer.write(b'{"type": "FeatureCollection", "features": [')
    first = True
    for frame in frames:
        for feature in _features(frame):
            if not first:
                buffer.write(b", ")
            buffer.write(json.dumps(feature, ensure_ascii=False).encode("utf-8"))
            first = False
    buffer.write(b"]}")
    return buffer.getvalue()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value))


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


# --- reading our own exports back ---------------------------------------------------------------
def native_from_export(data: bytes) -> bytes | None:
    """An event export of ours (guarded CSV or XLSX, or GeoJSON) as plain native CSV/JSON bytes.

    None for any other file, which the importers then read as they are. The guard is undone
    only in a file that carries the marker column, and exactly: one leading quote per quoted
    cell (the writer doubled any quote a text started with); XLSX escapes are undone and numbers
    read at full precision; a GeoJSON feature's point becomes ``latitude``/``longitude``.
    """
    if data[:4] == b"PK\x03\x04":
        return _native_from_xlsx(data)
    head = data[:65536].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"{") and b'"FeatureCollection"' in head[:200]:
        return _native_from_geojson(data)
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if FORMULA_GUARD_COLUMN.encode() not in first_line.split(b","):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None  # not as we wrote it: the importer reports the encoding
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return _csv_without_guard(rows[0], rows[1:])


def _csv_without_guard(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    keep = [i for i, name in enumerate(header) if name != FORMULA_GUARD_COLUMN]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header[i] for i in keep])
    for row in rows:
        writer.writerow([unguard_cell(row[i]) if i < len(row) else "" for i in keep])
    return buffer.getvalue().encode("utf-8")


def _native_from_xlsx(data: bytes) -> bytes | None:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - not a workbook we can read: the importer reports it
        return None
    values = book.worksheets[0].iter_rows(values_only=True)
    header = [str(v) if v is not None else "" for v in next(values, ())]
    if FORMULA_GUARD_COLUMN not in header:
        return None
    rows = ([_xlsx_text(v) for v in row] for row in values if any(v is not None and v != "" for v in row))
    return _csv_without_guard(header, rows)


def _xlsx_text(value: Any) -> str:
    """A cell of our XLSX export as the text of the CSV export (before the guard is undone)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # all the digits the file holds
    if isinstance(value, str):
        return xlsx_unescape(value)
    return str(value)


def _native_from_geojson(data: bytes) -> bytes | None:
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None  # the importer reports the JSON error with its line
    features = collection.get("features") if isinstance(collection, dict) else None
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        return None
    events = []
    for feature in features:
        if not isinstance(feature, dict):
            return None
        row = dict(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates") or []
            if len(coordinates) >= 2:
                row["longitude"], row["latitude"] = coordinates[0], coordinates[1]
        events.append(row)
    return json.dumps({"events": events}, ensure_ascii=False).encode("utf-8")
