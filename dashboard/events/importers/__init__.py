"""Importers: outside formats to validated schema records, written all-or-nothing.

``validate_file`` reads and checks a file without touching the database;
``import_file`` does the same and then writes the accepted records in one
transaction. By default a file with any invalid row writes nothing; with
``skip_invalid`` the valid rows are imported and the rejects are written, with
their reasons, next to the input.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from dashboard.events import schema
from dashboard.events.importers import dates
from dashboard.events.importers.base import (
    MAX_FILE_BYTES,
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
from dashboard.events.schema import EventRecord, FieldError

__all__ = [
    "FORMATS",
    "ImportFileError",
    "ImportReport",
    "ParsedFile",
    "format_module",
    "import_file",
    "load_seed",
    "parse_bytes",
    "seed_path",
    "validate_file",
]

# The formats, in detection order (native first: its header is the most specific).
FORMATS = ("native", "acled", "ucdp", "cns")
SEED_PATH = Path(__file__).resolve().parents[3] / "data" / "seed" / "events.csv"
# Rows per progress update.
_PROGRESS_STEP = 5_000

Progress = Callable[[int], None]


def format_module(name: str) -> ModuleType:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
    return importlib.import_module(f"dashboard.events.importers.{name}")


def seed_path() -> Path:
    return SEED_PATH


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

    def accepted_table(self):
        """The accepted records as an Arrow table of storage values, whichever path read them."""
        from dashboard.events import columnar

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
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(file_name, _too_large())
    if not data.strip():
        raise ImportFileError(file_name, "the file is empty")
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
    answer is certain to equal the per-row path's (see ``dashboard.events.columnar``): a
    UTF-8, comma-separated native file whose quoting Arrow and Python's csv module read
    alike, and whose every row is valid. Anything else, including any invalid row, goes the
    per-row way, which reports each problem with its line and column.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    from dashboard.events import columnar

    if fmt not in ("auto", "native") or decoded.encoding not in ("utf-8", "utf-8-sig"):
        return None
    native = format_module("native")
    if not native.matches(header) or native.unknown_columns(header) or header_delimiter(decoded.text) != ",":
        return None
    if "\x00" in decoded.text or not _quoting_unambiguous(decoded.text):
        return None
    body = memoryview(data)[len(codecs.BOM_UTF8) :] if decoded.encoding == "utf-8-sig" else data
    try:
        table = pa_csv.read_csv(
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
    context = {"date_order": {}}
    for column in schema.DATE_FIELDS:
        if column in header:
            try:
                context["date_order"][column] = dates.slash_order(pc.unique(table.column(column)).to_pylist())
            except RowError:
                return None
    accepted = columnar.validate_native(table, context, origin)
    if accepted is None:
        return None
    report = ImportReport(file_name=file_name, format="native", encoding=decoded.encoding, sha256=digest)
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


def _too_large() -> str:
    limit = f"{MAX_FILE_BYTES // 2**20} MiB" if MAX_FILE_BYTES >= 2**20 else f"{MAX_FILE_BYTES:,} bytes"
    return f"file is larger than the import limit of {limit}"


def _read(path: Path) -> bytes:
    """A file's bytes, refusing an oversized file before it is read into memory."""
    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(Path(path).name, _too_large())
    return Path(path).read_bytes()


def _parse_xlsx(data: bytes, file_name: str, fmt: str, origin: str | None, progress: Progress | None) -> ParsedFile:
    """Spreadsheets (the CNS database ships as .xlsx): first sheet, first row is the header."""
    import io

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(file_name, f"cannot open the spreadsheet: {exc}") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows()
    try:
        header = [str(h.value).strip() if h.value is not None else "" for h in next(values)]
    except StopIteration:
        raise ImportFileError(file_name, "the spreadsheet is empty") from None

    def rows():
        for line, cells in enumerate(values, start=2):
            if cells is None or all(c.value is None or str(c.value).strip() == "" for c in cells):
                continue
            yield RawRow(line, {h: _cell_text(c.value, c.number_format) for h, c in zip(header, cells, strict=False)})

    return _parse_rows(header, rows(), file_name, fmt, "xlsx", hashlib.sha256(data).hexdigest(), origin, progress)


def _cell_text(value: Any, number_format: str | None = None) -> str:
    import datetime as dt

    if value is None:
        return ""
    shown = (number_format or "").lower()
    if isinstance(value, dt.date) and "m" in shown and "y" in shown and "d" not in shown:
        # A date shown as "Apr-84" (format mmm-yy) is known to the month only: say so.
        return f"{value:%Y-%m}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detect(header: list[str], file_name: str) -> str:
    for name in FORMATS:
        if format_module(name).matches(header):
            return name
    shown = ", ".join(header[:12]) + (" …" if len(header) > 12 else "")
    # A header with most of our required fields is a native file with a column missing: name it.
    native = format_module("native")
    native_missing = _missing(native, header)
    hint = (
        f"; as a native file it lacks the required column(s) {', '.join(sorted(native_missing))}"
        if len(native_missing) <= len(native.REQUIRED_COLUMNS) // 2
        else ""
    )
    raise ImportFileError(
        file_name,
        f"unrecognised header ({shown}); expected the columns of one of: "
        f"{', '.join(FORMATS)} (see `conflict-monitor schema`){hint}",
        1,
    )


def _parse_rows(header, rows, file_name, fmt, encoding, sha256, origin, progress, *, by_column=True) -> ParsedFile:
    """Map every row by its format and validate the records (``by_column=False``: record by record only)."""
    fmt = _detect(header, file_name) if fmt == "auto" else fmt
    module = format_module(fmt)
    if not module.matches(header):
        raise ImportFileError(
            file_name,
            f"the header does not look like {fmt}: missing columns "
            f"{', '.join(sorted(_missing(module, header))) or '(unknown)'}",
            1,
        )
    report = ImportReport(file_name=file_name, format=fmt, encoding=encoding, sha256=sha256)
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
    mapped = []
    for count, raw in enumerate(raw_rows, start=1):
        mapped.append(_mapped(module, raw, context, origin))
        if progress and count % _PROGRESS_STEP == 0:
            progress(_PROGRESS_STEP)
    if progress:
        progress(len(raw_rows) % _PROGRESS_STEP)
    report.rows_read = len(raw_rows)
    if report.rows_read == 0:
        report.warnings.append("the file has a header but no data rows")
    if by_column and not file_errors and all(isinstance(data, dict) for data in mapped):
        # Every row mapped: check them column by column; record by record only if that finds a doubt.
        from dashboard.events import columnar

        table = columnar.validate_mapped(mapped)
        if table is not None:
            report.accepted = table.num_rows
            return ParsedFile(report, [], [], table=table)
    records: list[EventRecord] = []
    rejected: list[tuple[RawRow, list[FieldError]]] = []
    seen: dict[str, int] = {}
    for raw, data in zip(raw_rows, mapped, strict=True):
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


def _missing(module: ModuleType, header: list[str]) -> set[str]:
    required = getattr(module, "REQUIRED_COLUMNS", ())
    return set(required) - set(header)


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


def _mapped(module, raw: RawRow, context, origin) -> dict[str, Any] | list[FieldError]:
    """One row mapped to record fields by its format, or the problem that stops the mapping."""
    if "__shape__" in raw.cells:
        return [FieldError(raw.line, None, None, raw.cells["__shape__"])]
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
    return parse_bytes(_read(path), Path(path).name, fmt=fmt, encoding=encoding, progress=progress)


def import_file(
    store,
    path: Path | None = None,
    *,
    data: bytes | None = None,
    file_name: str | None = None,
    fmt: str = "auto",
    encoding: str | None = None,
    skip_invalid: bool = False,
    origin: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a file and, if it passes (or ``skip_invalid``), append it to the store.

    All or nothing: one transaction for the whole file, and nothing at all when any
    row is invalid and ``skip_invalid`` is false.
    """
    import datetime as dt

    from dashboard.events.store import BatchInfo

    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if data is None:
        if path is None:
            raise ValueError("give a path or data")
        data = _read(path)
    name = file_name or Path(path).name
    parsed = parse_bytes(data, name, fmt=fmt, encoding=encoding, origin=origin, progress=progress)
    del data  # the file's bytes (hundreds of MB for a large import) are not needed while writing
    report = parsed.report
    if (report.errors and not skip_invalid) or parsed.file_errors or report.rows_read == 0:
        return report  # nothing to write; a header-only file leaves no trace but its warning
    if skip_invalid and parsed.rejected_rows and path is not None:
        report.rejects_path = write_rejects(Path(path), parsed.rejected_rows)
    table = _with_region(parsed.accepted_table(), report)
    batch = BatchInfo(
        file_name=name,
        sha256=report.sha256,
        format=report.format,
        encoding=report.encoding,
        origin=origin or report.format,
        rows_read=report.rows_read,
        rows_rejected=report.rejected,
        started_at=started,
    )
    result, batch_id = store.append(table, batch=batch)
    report.new, report.revised, report.unchanged = result.new, result.revised, result.unchanged
    report.batch_id, report.written = batch_id, True
    return report


def _with_region(table, report: ImportReport | None = None):
    """Fill admin1 for records with coordinates but no region, by point-in-polygon.

    Unmatched region names and name/coordinate disagreements go to ``report.warnings``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from dashboard.events import geo
    from dashboard.events.importers.places import region_warnings

    try:
        boundaries = geo.load_boundaries()
    except FileNotFoundError:
        return table
    if report is not None and table.num_rows:
        columns = ["event_id", "country_code", "admin1_code", "admin1_name", "latitude", "longitude"]
        report.warnings += region_warnings(table.select(columns).to_pandas(), boundaries)
    missing = pc.indices_nonzero(
        pc.and_(pc.is_valid(table.column("latitude")), pc.is_null(table.column("admin1_code")))
    )
    if len(missing) == 0:
        return table
    frame = (
        table.select(["latitude", "longitude", "admin1_code", "admin1_name", "country_code"]).take(missing).to_pandas()
    )
    given_country = table.column("country_code").take(missing).to_pylist()  # None, not pandas' NaN
    filled = geo.assign_admin1(frame, boundaries)
    codes, names, countries = (filled[c].tolist() for c in ("admin1_code", "admin1_name", "country_code"))
    columns = {c: table.column(c).to_pylist() for c in ("admin1_code", "admin1_name", "country_code")}
    for position, index in enumerate(missing.to_pylist()):
        code = codes[position]
        if isinstance(code, str) and code:
            country = given_country[position] or countries[position]
            if country and not code.startswith(_alpha2(country)):
                continue  # the point lies in another country than the record says: leave it to the analyst
            columns["admin1_code"][index] = code
            columns["admin1_name"][index] = columns["admin1_name"][index] or names[position]
            columns["country_code"][index] = country
    for name, values in columns.items():
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, pa.string()))
    return table


def _alpha2(alpha3: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else ""


def write_rejects(path: Path, rejected: list[tuple[RawRow, list[FieldError]]]) -> Path:
    """Write rejected rows with their reasons next to the input: ``NAME.rejects.csv``."""
    out = path.with_name(path.stem + ".rejects.csv")
    columns = sorted({c for raw, _ in rejected for c in raw.cells if c != "__shape__"})
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "errors", *columns])
        for raw, errors in rejected:
            # The line has its own column; a bare "4 column 'x'" in the reasons would only confuse.
            reasons = "; ".join(replace(e, line=None).describe() for e in errors)
            writer.writerow([raw.line, reasons, *(_neutral(raw.cells.get(c, "")) for c in columns)])
    return out


def _neutral(value: Any) -> Any:
    from dashboard.events.exports import neutralise_cell

    return neutralise_cell(value)


def load_seed(store) -> ImportReport:
    """Load the curated seed log; any invalid row is a bug in data/, so it raises."""
    report = import_file(store, SEED_PATH, fmt="native", origin="seed")
    if not report.written:
        raise ImportFileError(SEED_PATH.name, "the seed log does not validate:\n" + "\n".join(report.error_lines()))
    return report
