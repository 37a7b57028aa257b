"""CSV / XLSX / GeoJSON writers, with the spreadsheet formula guard in one place.

A text cell that starts with ``= + - @``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection). Such text is prefixed with a
single quote; numbers stay numbers, so ``-3.5`` in a numeric column is untouched.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from dashboard.events import schema

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = (*schema.FIELD_NAMES, "revision", "recorded_at")
# Rows per chunk when streaming a CSV, so a million rows never sit in one string.
_CSV_CHUNK = 50_000


def neutralise_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised; numeric columns are left as numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    return out


def export_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Events in the native column order, sources in the native cell spelling, dates as ISO text."""
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


def write_csv(frame: pd.DataFrame, target: Path | BinaryIO) -> None:
    if isinstance(target, (str, Path)):
        with open(target, "wb") as handle:
            write_csv(frame, handle)
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
        for row in frame.itertuples(index=False):
            sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        # openpyxl stores a string starting with "=" as a formula; the guard prevents that.
        return neutralise_cell(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def geojson_dict(frame: pd.DataFrame) -> dict[str, Any]:
    """A FeatureCollection; events without coordinates have a null geometry (valid GeoJSON)."""
    return {"type": "FeatureCollection", "features": list(_features(frame))}


def _features(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    for row in frame.to_dict(orient="records"):
        lat, lon = row.get("latitude"), row.get("longitude")
        has_point = _is_number(lat) and _is_number(lon)
        properties = {k: _json_value(v) for k, v in row.items() if k not in ("latitude", "longitude")}
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
