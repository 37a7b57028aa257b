"""The read stage: bytes from a path, and rows from a spreadsheet, with limits for hostile files.

A file from outside may be built to exhaust the machine: a 400 KB .xlsx holding one 400 MiB shared
string, a 176 KB one with 20 million empty rows, a FIFO that never ends, ``/dev/zero``. Everything
here is checked *before* it is parsed (file type, size, the zip's declared and real uncompressed
sizes, compression ratios, shared-string and cell counts) and while it is read (rows), and each
limit is a clear :class:`ImportFileError` naming the file and the limit; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl

from dashboard.events.importers.base import ImportFileError, RawRow

# The largest file an import reads (decompressed, for a spreadsheet: see MAX_XLSX_UNCOMPRESSED).
MAX_FILE_BYTES = 1024 * 1024 * 1024
# Limits for .xlsx files, far above what a real export of events needs (the CNS database is ~2 MB).
MAX_XLSX_UNCOMPRESSED = 256 * 2**20  # all parts together, decompressed
MAX_XLSX_SHARED_STRINGS_BYTES = 64 * 2**20
MAX_XLSX_SHARED_STRINGS = 2_000_000
MAX_XLSX_ROWS = 1_100_000  # a little over Excel's own 1,048,576
MAX_XLSX_CELLS = 50_000_000
# Over 1 MiB a part compressing more than this is a bomb: XML of real data compresses 5-30 times.
MAX_XLSX_RATIO = 200
_RATIO_FLOOR = 2**20
_MEMBERS = 10_000
_READ_CHUNK = 2**20


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB" if size >= 2**20 else f"{size:,} bytes"


def read_path(path: Path) -> bytes:
    """A regular file's bytes, at most ``MAX_FILE_BYTES``; anything else refused by name.

    The type is checked on the opened descriptor (O_NONBLOCK, so opening a FIFO never waits), and at
    most one byte more than the limit is read, so neither a FIFO, a device such as ``/dev/zero`` nor
    a file that grows while it is read can hang the import or fill memory.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ImportFileError(name, "No such file or directory") from None
    except IsADirectoryError:
        raise ImportFileError(name, _DIRECTORY) from None
    kind = _file_kind(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        if kind == "a directory":
            raise ImportFileError(name, _DIRECTORY)
        raise ImportFileError(name, f"is {kind}, not a regular file: import reads regular files only")
    with os.fdopen(fd, "rb", buffering=0) as handle:
        if os.fstat(fd).st_size > MAX_FILE_BYTES:
            raise ImportFileError(name, too_large())
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(name, too_large())
    return data


_DIRECTORY = "Is a directory: import reads regular files (a CSV, JSON or XLSX file)"


def _file_kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def too_large() -> str:
    return f"file is larger than the import limit of {_mib(MAX_FILE_BYTES)}"


# --- spreadsheets -------------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="(\d+)"')


def check_xlsx(data: bytes, file_name: str) -> None:
    """Refuse a spreadsheet whose parts would take too much memory or time to parse, before parsing it."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(file_name, "cannot open the spreadsheet: not a valid .xlsx file (damaged zip)") from None
    with book:
        members = book.infolist()
        if len(members) > _MEMBERS:
            raise ImportFileError(file_name, f"the .xlsx holds {len(members):,} parts; a workbook has a few dozen")
        declared = sum(m.file_size for m in members)
        # The upload limit holds for the decompressed content too.
        allowed = min(MAX_XLSX_UNCOMPRESSED, MAX_FILE_BYTES)
        if declared > allowed:
            raise ImportFileError(
                file_name,
                f"the .xlsx decompresses to {_mib(declared)}, over the limit of {_mib(allowed)}: "
                "save it as CSV, or split it",
            )
        names = {m.filename for m in members}
        sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
        if not sheets:
            charts = any(n.startswith("xl/chartsheets/") for n in names)
            raise ImportFileError(
                file_name,
                "the workbook has no worksheet"
                + (" (only chart sheets)" if charts else "")
                + ": put the data in a worksheet with a header row, or save it as CSV",
            )
        total = 0
        for member in members:
            limit = allowed - total
            if member.filename == "xl/sharedStrings.xml":
                limit = min(limit, MAX_XLSX_SHARED_STRINGS_BYTES)
            total += _checked_size(book, member, limit, file_name)
        if "xl/sharedStrings.xml" in names:
            head = _head(book, "xl/sharedStrings.xml")
            if (match := _COUNT.search(head)) and int(match.group(1)) > MAX_XLSX_SHARED_STRINGS:
                raise ImportFileError(
                    file_name,
                    f"the .xlsx declares {int(match.group(1)):,} shared strings, over the limit of "
                    f"{MAX_XLSX_SHARED_STRINGS:,}",
                )
        for sheet in sheets:
            _check_dimension(_head(book, sheet), file_name, sheet)


def _checked_size(book: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int, file_name: str) -> int:
    """A part's real decompressed size (the zip's directory may lie), stopping as soon as it is over a limit."""
    what = "the shared strings" if member.filename == "xl/sharedStrings.xml" else f"part {member.filename}"
    if member.file_size > limit:
        raise ImportFileError(
            file_name, f"{what} decompress(es) to {_mib(member.file_size)}, over the limit of {_mib(limit)}"
        )
    if member.file_size > _RATIO_FLOOR and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
        raise ImportFileError(
            file_name,
            f"{what} is compressed {member.file_size // max(member.compress_size, 1):,} to 1 "
            f"(limit {MAX_XLSX_RATIO} to 1): a zip bomb, not a spreadsheet of events",
        )
    size = 0
    try:
        with book.open(member) as part:
            while chunk := part.read(_READ_CHUNK):
                size += len(chunk)
                if size > min(limit, member.file_size):
                    raise ImportFileError(
                        file_name, f"{what} decompress(es) to more than its declared or allowed size ({_mib(limit)})"
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ImportFileError(file_name, f"not a valid .xlsx file: {member.filename}: {exc}") from None
    return size


def _head(book: zipfile.ZipFile, name: str, size: int = 65_536) -> bytes:
    with book.open(name) as part:
        return part.read(size)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.decode():
        number = number * 26 + ord(letter) - 64
    return number


def _check_dimension(head: bytes, file_name: str, sheet: str) -> None:
    match = _DIMENSION.search(head)
    if not match:
        return  # no dimension written: rows are counted while reading
    first_col, first_row, last_col, last_row = match.groups()
    rows = int(last_row or first_row)
    columns = _column_number(last_col or first_col) - _column_number(first_col) + 1
    if rows > MAX_XLSX_ROWS:
        raise ImportFileError(
            file_name, f"{sheet} spans {rows:,} rows, over the limit of {MAX_XLSX_ROWS:,}: save it as CSV, or split it"
        )
    if rows * max(columns, 1) > MAX_XLSX_CELLS:
        raise ImportFileError(
            file_name, f"{sheet} spans {rows * columns:,} cells, over the limit of {MAX_XLSX_CELLS:,}"
        )


def xlsx_rows(data: bytes, file_name: str) -> tuple[list[str], Iterator[RawRow]]:
    """The first worksheet's header and rows (line numbers as the spreadsheet shows them), after :func:`check_xlsx`."""
    check_xlsx(data, file_name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(file_name, f"cannot open the spreadsheet: {exc}") from None
    if not book.worksheets:
        raise ImportFileError(file_name, "the workbook has no worksheet: save the data in a worksheet, or as CSV")
    values = book.worksheets[0].iter_rows()
    try:
        header = [str(h.value).strip() if h.value is not None else "" for h in next(values)]
    except StopIteration:
        raise ImportFileError(file_name, "the spreadsheet is empty") from None

    def rows() -> Iterator[RawRow]:
        for line, cells in enumerate(values, start=2):
            if line > MAX_XLSX_ROWS:  # the dimension may be missing or lie: count the rows read
                raise ImportFileError(file_name, f"more than {MAX_XLSX_ROWS:,} rows: save it as CSV, or split it", line)
            if cells is None or all(c.value is None or str(c.value).strip() == "" for c in cells):
                continue
            yield RawRow(line, {h: cell_text(c.value, c.number_format) for h, c in zip(header, cells, strict=False)})

    return header, rows()


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A spreadsheet cell as the text a CSV of it would hold."""
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
