"""The import pipeline up to the database: read → map → validate. Writes nothing.

:func:`parse_bytes` decodes a file (``read``, ``base``), detects its format (``formats``), maps the
rows to record fields with the format's module (``acled``, ``ucdp``, ``cns`` column by column,
``native`` row by row) and checks the records (``validate`` column by column; record by record when
that finds a doubt, for the errors). The result, a :class:`ParsedFile`, is what the write stage (``write``) appends.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from dashboard.events import columnar, schema
from dashboard.events.exports import native_from_export
from dashboard.events.importers import dates, read, validate
from dashboard.events.importers.base import (
    ImportFileError,
    ImportReport,
    RawRow,
    RowError,
    decode,
    header_delimiter,
    is_json,
    read_csv_rows,
    read_json_rows,
)
from dashboard.events.importers.cells import MISSING, Columns
from dashboard.events.importers.formats import detect, format_module, missing_columns
from dashboard.events.schema import EventRecord, FieldError

# Rows per progress update.
_PROGRESS_STEP = 5_000

Progress = Callable[[int], None]


@dataclass
class ParsedFile:
    """A file read and checked: valid records, and the rows that were not."""

    report: ImportReport
    records: list[EventRecord]
    rejected_rows: list[tuple[RawRow, list[FieldError]]]
    # Problems with the file as a whole (e.g. unknown columns): nothing is imported,
    # not even with skip_invalid. They are in report.errors too.
    file_errors: list[FieldError] = field(default_factory=list)
    # The accepted records as a table of storage values, when the columnar path read the file
    # (``records`` is then empty). See :meth:`accepted_table`.
    table: Any = None
    # A file that withdraws events (ACLED deletions): (event id, reason) per valid row, no records.
    retractions: list[tuple[str, str]] = field(default_factory=list)

    def accepted_table(self):
        """The accepted records as an Arrow table of storage values, whichever path read them."""
        return self.table if self.table is not None else columnar.records_table(self.records)

    def accepted_records(self) -> list[EventRecord]:
        """The accepted records as EventRecord objects, whichever path read them (for small files)."""
        if self.table is None:
            return self.records
        rows = self.table.to_pylist()
        for row in rows:
            row["sources"] = json.loads(row["sources"])
        return [EventRecord.model_validate(row) for row in rows]

    def preview(self, rows: int):
        """The first accepted records as a DataFrame of storage values (for the upload page)."""
        if self.retractions:
            return pd.DataFrame(self.retractions[:rows], columns=["event_id", "reason"])
        return self.accepted_table().slice(0, rows).to_pandas()


def parse_bytes(
    data: bytes,
    file_name: str,
    *,
    fmt: str = "auto",
    encoding: str | None = None,
    origin: str | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """Decode, detect the format, map and validate every row. Writes nothing.

    Raises ImportFileError when the file as a whole cannot be read.
    """
    if len(data) > read.MAX_FILE_BYTES:
        raise ImportFileError(file_name, read.too_large())
    if not data.strip():
        raise ImportFileError(file_name, "the file is empty")
    if data[:4] == b"PK\x03\x04":
        read.check_xlsx(data, file_name)  # the limits for hostile workbooks, before anything parses it
    # Our own exports (formula guard marker, XLSX escapes, GeoJSON) read back exactly: exports.py.
    ours = native_from_export(data) if fmt in ("auto", "native") else None
    if ours is not None:
        parsed = parse_bytes(ours, file_name, fmt=fmt, encoding="utf-8", origin=origin, progress=progress)
        parsed.report.sha256 = hashlib.sha256(data).hexdigest()  # the file as given
        return parsed
    if data[:4] == b"PK\x03\x04":
        return _parse_xlsx(data, file_name, fmt, origin, progress)
    decoded = decode(data, file_name, encoding)
    digest = hashlib.sha256(data).hexdigest()
    if is_json(decoded.text):
        header, rows = read_json_rows(decoded.text, file_name)
        return _parse_rows(header, rows, file_name, fmt, decoded.encoding, digest, origin, progress)
    # The header alone first: the row reader holds the whole text again (as 4 bytes a character),
    # which the columnar path does not need.
    header_text = _header_text(decoded.text)
    if header_text is not None:
        header, _ = read_csv_rows(header_text, file_name)
        fast = _parse_native_columns(data, decoded, header, file_name, fmt, digest, origin)
        if fast is None:
            fast = _parse_outside_columns(data, decoded, header, file_name, fmt, digest, origin)
        if fast is not None:
            if progress:
                progress(fast.report.rows_read)
            return fast
    header, rows = read_csv_rows(decoded.text, file_name)
    return _parse_rows(header, rows, file_name, fmt, decoded.encoding, digest, origin, progress)


def _header_text(text: str, limit: int = 1 << 20) -> str | None:
    """The start of ``text`` up to and including its first line, or None if that line is not within ``limit``."""
    end = min((i for i in (text.find("\n", 0, limit), text.find("\r", 0, limit)) if i >= 0), default=-1)
    if end < 0:
        return text if len(text) <= limit else None
    head = text[: end + 1]
    return head if head.count('"') % 2 == 0 else None  # a quoted header cell spanning lines: read it all


def _parse_native_columns(
    data: bytes, decoded, header: list[str], file_name: str, fmt: str, digest: str, origin: str | None
) -> ParsedFile | None:
    """A clean native CSV read and checked column-wise with Arrow, or None to take the per-row path.

    Seconds instead of minutes at a million rows (bench/RESULTS.md). Only taken when its
    answer is certain to equal the per-row path's (see ``dashboard.events.importers.validate``): a
    UTF-8, comma-separated native file whose quoting Arrow and Python's csv module read
    alike, and whose every row is valid. Anything else, including any invalid row, goes the
    per-row way, which reports each problem with its line and column.
    """
    import pyarrow.compute as pc

    if fmt not in ("auto", "native"):
        return None
    native = format_module("native")
    if not native.matches(header) or native.unknown_columns(header):
        return None
    table = _text_table(data, decoded, header)
    if table is None:
        return None
    context = {"date_order": {}}
    for column in schema.DATE_FIELDS:
        if column in header:
            try:
                context["date_order"][column] = dates.slash_order(pc.unique(table.column(column)).to_pylist())
            except RowError:
                return None
    accepted = validate.validate_native(table, context, origin)
    if accepted is None:
        return None
    report = ImportReport(file_name=file_name, format="native", encoding=decoded.encoding, sha256=digest)
    report.rows_read = report.accepted = accepted.num_rows
    return ParsedFile(report, [], [], table=accepted)


def _text_table(data: bytes, decoded, header: list[str]):
    """A UTF-8, comma-separated CSV as an Arrow table of text cells, or None where Arrow might read its
    cells otherwise than Python's csv module (``read_csv_rows``) does."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if decoded.encoding not in ("utf-8", "utf-8-sig") or header_delimiter(decoded.text) != ",":
        return None
    if "\x00" in decoded.text or not _quoting_unambiguous(decoded.text):
        return None
    body = memoryview(data)[len(codecs.BOM_UTF8) :] if decoded.encoding == "utf-8-sig" else data
    try:
        return pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),  # the bytes as they are, not a copy
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=header, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        return None  # e.g. a row with the wrong number of cells: the per-row path names it


def _parse_outside_columns(
    data: bytes, decoded, header: list[str], file_name: str, fmt: str, digest: str, origin: str | None
) -> ParsedFile | None:
    """An ACLED, UCDP or CNS CSV read with Arrow and mapped column-wise, or None to read it row by row.

    The same mapping and checks as the row reader's path, minus the per-row reading: taken only
    when every row maps and validates, since only the row reader knows each row's line for the
    errors. (A row Arrow reads that the row reader skips, one of empty cells only, fails the
    mapping: every outside format requires its id.)
    """
    import pyarrow.compute as pc

    try:
        fmt = detect(header, file_name) if fmt == "auto" else fmt
        module = format_module(fmt)
    except (ImportFileError, ValueError):
        return None  # the row path says what is wrong with the header
    if not hasattr(module, "to_record_columns") or not module.matches(header):
        return None
    table = _text_table(data, decoded, header)
    if table is None or table.num_rows == 0:
        return None
    orders: dict[str, Any] = {}
    for column in getattr(module, "DATE_COLUMNS", ()):
        if column in header:
            try:
                orders[column] = dates.slash_order(pc.unique(table.column(column)).to_pylist())
            except RowError:
                orders[column] = None
    cells = Columns({name: table.column(name).to_pylist() for name in header}, table.num_rows)
    fields = module.to_record_columns(cells, {"date_order": orders})
    if cells.errors:
        return None
    if origin is not None:
        fields["origin"] = [origin] * table.num_rows
    accepted = validate.validate_columns(fields, table.num_rows)
    if accepted is None:
        return None
    report = ImportReport(file_name=file_name, format=fmt, encoding=decoded.encoding, sha256=digest)
    report.rows_read = report.accepted = accepted.num_rows
    return ParsedFile(report, [], [], table=accepted)


def _quoting_unambiguous(text: str) -> bool:
    """Whether Arrow's CSV reader reads the quotes of ``text`` as Python's csv module (strict) does.

    They differ on one thing: a closing quote followed by more text (``"a"b``), an error for
    Python and a joined cell for Arrow. Walk the runs of quote characters, tracking whether
    each opens, escapes or closes a quoted cell, and refuse the file if a closing quote is
    followed by anything but a comma, a line break or the end.
    """
    if '"' not in text:
        return True
    quoted = False
    for run in _QUOTE_RUN.finditer(text):
        start, count = run.start(), run.end() - run.start()
        if not quoted:
            if start and text[start - 1] not in ",\r\n":
                continue  # quotes inside an unquoted cell are plain characters to both readers
            quoted, count = True, count - 1
        if count % 2:  # pairs are escaped quotes; an odd one out closes the cell
            quoted = False
            if text[run.end() : run.end() + 1] not in ("", ",", "\r", "\n"):
                return False
    return not quoted


_QUOTE_RUN = re.compile(r'"+')


def _parse_xlsx(data: bytes, file_name: str, fmt: str, origin: str | None, progress: Progress | None) -> ParsedFile:
    """Spreadsheets (the CNS database ships as .xlsx): first sheet, first row is the header."""
    header, rows = read.xlsx_rows(data, file_name)
    return _parse_rows(header, rows, file_name, fmt, "xlsx", hashlib.sha256(data).hexdigest(), origin, progress)


def _parse_rows(header, rows, file_name, fmt, encoding, sha256, origin, progress, *, by_column=True) -> ParsedFile:
    """Map every row by its format and validate the records (``by_column=False``: record by record only)."""
    fmt = detect(header, file_name) if fmt == "auto" else fmt
    module = format_module(fmt)
    if not module.matches(header):
        raise ImportFileError(
            file_name,
            f"the header does not look like {fmt}: missing columns "
            f"{', '.join(sorted(missing_columns(module, header))) or '(unknown)'}",
            1,
        )
    report = ImportReport(file_name=file_name, format=fmt, encoding=encoding, sha256=sha256)
    if getattr(module, "RETRACTS", False):
        return _parse_retractions(module, rows, report)
    unknown = module.unknown_columns(header) if hasattr(module, "unknown_columns") else []
    file_errors = (
        [
            FieldError(
                1,
                ", ".join(unknown),
                None,
                "unknown column(s); the native format has exactly the schema's fields (see `conflict-monitor schema`)",
            )
        ]
        if unknown
        else []
    )
    report.errors.extend(file_errors)

    raw_rows = list(rows)
    context = _column_context(module, header, raw_rows)
    mapped = _map_rows(module, header, raw_rows, context, origin)
    if progress:
        for done in range(0, len(raw_rows), _PROGRESS_STEP):
            progress(min(_PROGRESS_STEP, len(raw_rows) - done))
    report.rows_read = len(raw_rows)
    if report.rows_read == 0:
        report.warnings.append("the file has a header but no data rows")
    if by_column and not file_errors and not mapped.failures:
        # Every row mapped: check them column by column; record by record only if that finds a doubt.
        table = (
            validate.validate_columns(mapped.fields, len(raw_rows))
            if mapped.fields is not None
            else validate.validate_mapped(mapped.records)
        )
        if table is not None:
            report.accepted = table.num_rows
            return ParsedFile(report, [], [], table=table)
    records: list[EventRecord] = []
    rejected: list[tuple[RawRow, list[FieldError]]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rows):
        data = mapped.failures.get(index) or mapped.record(index)
        errors = data if isinstance(data, list) else schema.validate_record(data, line=raw.line)
        if isinstance(errors, EventRecord):
            record = errors
            if record.event_id in seen:
                errors = [
                    FieldError(
                        raw.line, "event_id", record.event_id, f"duplicate id: also on line {seen[record.event_id]}"
                    )
                ]
            else:
                seen[record.event_id] = raw.line
                records.append(record)
                errors = []
        if errors:
            rejected.append((raw, errors))
            report.errors.extend(errors)
    report.accepted, report.rejected = len(records), len(rejected)
    if file_errors:
        report.accepted, records = 0, []
    return ParsedFile(report, records, rejected, file_errors)


def _parse_retractions(module: ModuleType, rows, report: ImportReport) -> ParsedFile:
    """A file whose rows withdraw events: (event id, reason) per row, each bad row named."""
    retractions: list[tuple[str, str]] = []
    rejected: list[tuple[RawRow, list[FieldError]]] = []
    seen: dict[str, int] = {}
    for raw in rows:
        report.rows_read += 1
        try:
            if "__shape__" in raw.cells:
                raise RowError(None, None, raw.cells["__shape__"])
            event_id, reason = module.to_retraction(raw.cells)
            if event_id in seen:
                raise RowError("event_id_cnty", event_id, f"duplicate id: also on line {seen[event_id]}")
        except RowError as exc:
            errors = [FieldError(raw.line, exc.column, exc.value, exc.rule)]
            rejected.append((raw, errors))
            report.errors.extend(errors)
            continue
        seen[event_id] = raw.line
        retractions.append((event_id, reason))
    report.accepted, report.rejected = len(retractions), len(rejected)
    if report.rows_read == 0:
        report.warnings.append("the file has a header but no data rows")
    return ParsedFile(report, [], rejected, retractions=retractions)


def _column_context(module: ModuleType, header: list[str], rows: list[RawRow]) -> dict[str, Any]:
    """Per-file facts a row cannot know alone, e.g. the day/month order of each date column."""
    order = {}
    for column in getattr(module, "DATE_COLUMNS", schema.DATE_FIELDS):
        if column in header:
            try:
                order[column] = dates.slash_order(
                    r.cells.get(column, "") for r in rows if isinstance(r.cells.get(column), str)
                )
            except RowError:
                order[column] = None  # each ambiguous row is then reported on its own
    return {"date_order": order}


@dataclass
class _MappedRows:
    """Rows mapped to record fields: by field (``fields``: ACLED, UCDP, CNS) or by row (``records``: native),
    and the problems that stopped the mapping of some rows, by row index."""

    fields: dict[str, list[Any]] | None
    records: list[dict[str, Any] | None]
    failures: dict[int, list[FieldError]]

    def record(self, index: int) -> dict[str, Any]:
        if self.fields is None:
            return self.records[index]
        return {name: values[index] for name, values in self.fields.items()}


def _map_rows(module: ModuleType, header: list[str], rows: list[RawRow], context, origin) -> _MappedRows:
    """Every row mapped by its format: column-wise where the format maps columns, else row by row."""
    failures = {
        index: [FieldError(raw.line, None, None, raw.cells["__shape__"])]
        for index, raw in enumerate(rows)
        if "__shape__" in raw.cells
    }
    if not hasattr(module, "to_record_columns"):
        records = [None if i in failures else _mapped_row(module, raw, context, origin) for i, raw in enumerate(rows)]
        for index, data in enumerate(records):
            if isinstance(data, list):
                failures[index] = data
        return _MappedRows(None, records, failures)
    # Rows with the wrong number of cells are not mapped; the others are, as whole columns.
    kept = [index for index in range(len(rows)) if index not in failures] if failures else range(len(rows))
    cells = [rows[index].cells for index in kept]
    columns = {name: [row.get(name, MISSING) for row in cells] for name in header}
    table = Columns(columns, len(cells))
    fields = module.to_record_columns(table, context)
    if origin is not None:
        fields["origin"] = [origin] * len(cells)
    for position, exc in table.errors.items():
        failures[kept[position]] = [FieldError(rows[kept[position]].line, exc.column, exc.value, exc.rule)]
    if len(kept) != len(rows):  # the fields back to one entry per row (shape failures get none of their own)
        where = dict(zip(kept, range(len(kept)), strict=True))
        fields = {
            name: [values[where[i]] if i in where else None for i in range(len(rows))]
            for name, values in fields.items()
        }
    return _MappedRows(fields, [], failures)


def _mapped_row(module, raw: RawRow, context, origin) -> dict[str, Any] | list[FieldError]:
    """One row mapped to record fields by a row-wise format (native), or the problem that stops the mapping."""
    try:
        data = module.to_record_data(raw.cells, context)
    except RowError as exc:
        return [FieldError(raw.line, exc.column, exc.value, exc.rule)]
    if origin is not None:
        data["origin"] = origin
    return data


def validate_file(
    path: Path, *, fmt: str = "auto", encoding: str | None = None, progress: Progress | None = None
) -> ParsedFile:
    return parse_bytes(read.read_path(path), Path(path).name, fmt=fmt, encoding=encoding, progress=progress)
