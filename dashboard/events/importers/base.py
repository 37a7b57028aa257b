"""What every importer shares: decoding, reading rows with line numbers, the report.

A format module (``native``, ``acled``, ``ucdp``, ``cns``) provides:

``NAME``
    the format's name on the command line;
``MAPPING``
    the documented mapping, a list of ``(source column, record field, rule)``
    rows printed by ``conflict-monitor schema``;
``matches(columns) -> bool``
    whether a header belongs to this format (``--format auto``);
``to_record_columns(cells, context) -> dict[str, list]`` (``acled``, ``ucdp``, ``cns``)
    all rows' cells (a :class:`~dashboard.events.importers.cells.Columns`) to record fields, one
    list of values per field; a problem the schema cannot see (e.g. an ambiguous date) is a
    :class:`RowError` recorded against its row in ``cells.errors``;
``to_record_data(row, context) -> dict`` (``native``)
    one input row (column -> text) to record fields, raising :class:`RowError` likewise.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.events.schema import FieldError

# Python's csv module refuses fields over 128 KiB by default; allow a bit more so
# that an oversized field reaches the schema and gets a named-column error.
csv.field_size_limit(4 * 1024 * 1024)
MAX_COLUMNS = 500


class ImportFileError(Exception):
    """The whole file is unusable (cannot decode, no header, unknown format)."""

    def __init__(self, file_name: str, message: str, line: int | None = None) -> None:
        self.file_name, self.line = file_name, line
        where = f"{file_name}:{line}" if line else file_name
        super().__init__(f"{where}: {message}")


class RowError(Exception):
    """A row-level problem found while mapping, before schema validation."""

    def __init__(self, column: str | None, value: Any, rule: str) -> None:
        super().__init__(rule)
        self.column, self.value, self.rule = column, value, rule


@dataclass
class DecodedText:
    text: str
    encoding: str


@dataclass
class RawRow:
    """One data row as read: its first line number in the file and its cells."""

    line: int
    cells: dict[str, str]


@dataclass
class ImportReport:
    """What an import (or a validation) found and did."""

    file_name: str
    format: str
    encoding: str
    sha256: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    # Rows older than the version the log holds (ACLED's timestamp): not applied.
    older: int = 0
    batch_id: int | None = None
    written: bool = False
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejects_path: Path | None = None

    def summary(self) -> str:
        done = (
            f"{self.new} new, {self.revised} {'retracted' if self.format == 'acled_deletions' else 'revised'}, "
            f"{self.unchanged} unchanged" + (f", {self.older} older than the log's version" if self.older else "")
            if self.written
            else "nothing written"
        )
        return (
            f"{self.file_name}: {self.format} ({self.encoding}), {self.rows_read} rows read, "
            f"{self.accepted} valid, {self.rejected} invalid; {done}"
        )

    def error_lines(self, limit: int = 50) -> list[str]:
        lines = [e.describe(self.file_name) for e in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"… and {len(self.errors) - limit} more errors (see the rejects file or use `validate`)")
        return lines


def decode(data: bytes, file_name: str, encoding: str | None = None) -> DecodedText:
    """Bytes to text: a BOM wins, then UTF-8, then the best legacy single-byte guess.

    Never guesses silently: the encoding used is returned and reported.
    """
    if encoding:
        try:
            return DecodedText(data.decode(encoding), encoding)
        except LookupError:
            raise ImportFileError(file_name, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFileError(
                file_name,
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid "
                f"{encoding}; try --encoding with the file's real encoding",
                line,
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(decode(data[len(codecs.BOM_UTF8) :], file_name, "utf-8").text, "utf-8-sig")
    # UTF-32's byte-order marks first: the little-endian one starts with UTF-16's.
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return decode(data, file_name, name)
    if wide := _wide_encoding(data):
        try:
            return DecodedText(data.decode(wide), wide)
        except UnicodeDecodeError:
            raise ImportFileError(
                file_name,
                f"looks like {wide.upper()} without a byte-order mark but does not decode as it; "
                "pass the file's encoding with --encoding (e.g. --encoding utf-16-le), or save it as UTF-8",
            ) from None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] or _looks_binary(data):
        raise ImportFileError(file_name, "this is not a text file (binary content); expected CSV or JSON")
    _refuse_mixed_encodings(data, file_name)
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["cp1251", "cp1252", "latin_1"]).best()
    guess = best.encoding if best is not None else "cp1252"
    name = {"windows_1251": "cp1251", "windows_1252": "cp1252", "latin_1": "cp1252"}.get(guess, guess)
    try:
        return DecodedText(data.decode(name), name)
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return DecodedText(data.decode("latin-1"), "latin-1")


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where the zero bytes fall; None if neither.

    Text of mostly ASCII characters (a CSV's commas, digits and header) has a zero in the high
    bytes of nearly every UTF-16 unit (every UTF-32 one), and almost never elsewhere.
    """
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    zeros = [sample[offset::4].count(0) / (len(sample) // 4) for offset in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.1:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.1:
        return "utf-32-be"
    even, odd = (zeros[0] + zeros[2]) / 2, (zeros[1] + zeros[3]) / 2
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _refuse_mixed_encodings(data: bytes, file_name: str) -> None:
    """Refuse a file whose lines are partly UTF-8 and partly a legacy encoding.

    Decoding such a file with any one encoding silently garbles some of its text
    (Курск becomes РљСѓСЂСЃРє), so it is an error, not a guess.
    """
    utf8_line = legacy_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            legacy_line = legacy_line or number
        if utf8_line and legacy_line:
            raise ImportFileError(
                file_name,
                f"mixed encodings: line {utf8_line} is UTF-8 but line {legacy_line} "
                "is not; save the whole file as UTF-8, or force one encoding with --encoding",
                legacy_line,
            )


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and control / len(sample) > 0.05


def read_csv_rows(text: str, file_name: str) -> tuple[list[str], Iterator[RawRow]]:
    """The header and an iterator of rows with the line each starts on.

    Uses the csv module rather than pandas because it reports physical line
    numbers (quoted cells may span lines) and lets one bad row be reported
    without losing the others.
    """
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(file_name, "contains a NUL byte: the file is damaged or not CSV", line)
    if not text.strip():
        raise ImportFileError(file_name, "the file is empty")
    delimiter = header_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFileError(file_name, f"cannot read the header: {exc}", 1) from None
    header = [h.strip() for h in header]
    _refuse_unnamed_columns(header, delimiter, file_name)
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(file_name, f"{len(header)} columns: more than the {MAX_COLUMNS} any known format has", 1)
    duplicates = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicates:
        raise ImportFileError(file_name, f"duplicate column names: {', '.join(duplicates)}", 1)

    def rows() -> Iterator[RawRow]:
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # Report the line the broken row starts on: an unclosed quote swallows the rest of the file.
                hint = (
                    " (a quoted cell is never closed: the file is cut short or has a stray quote)"
                    if "unexpected end of data" in str(exc)
                    else ""
                )
                raise ImportFileError(file_name, f"unreadable CSV: {exc}{hint}", start) from None
            line, start = start, reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(header):
                trailing = len(cells) == len(header) + 1 and not cells[-1].strip()
                hint = f"; the line ends with a trailing {delimiter!r}: remove it" if trailing else ""
                yield RawRow(
                    line,
                    {
                        "__shape__": f"{len(cells)} cells where the header has {len(header)} columns"
                        f" (delimiter {delimiter!r}){hint}"
                    },
                )
                continue
            yield RawRow(line, dict(zip(header, cells, strict=True)))

    return header, rows()


def _refuse_unnamed_columns(header: list[str], delimiter: str, file_name: str) -> None:
    """A header cell with no name is almost always a trailing delimiter: name the column and the fix."""
    unnamed = [i for i, name in enumerate(header) if not name]
    if not unnamed or len(header) == 1:
        return
    position = unnamed[0]
    if all(i >= len(header) - len(unnamed) for i in unnamed):
        after = next((h for h in reversed(header) if h), None)
        raise ImportFileError(
            file_name,
            f"column {position + 1} of the header (after {after!r}) has no name: the lines end with a trailing "
            f"{delimiter!r}. Remove the trailing {delimiter!r} from the end of every line (or name the column)",
            1,
        )
    before = header[position - 1] if position else None
    where = f"after {before!r}" if before else "the first"
    raise ImportFileError(
        file_name,
        f"column {position + 1} of the header ({where}) has no name; name it, or remove the column "
        f"(an extra {delimiter!r} in the header line)",
        1,
    )


def header_delimiter(text: str) -> str:
    """The delimiter of the header line: the commonest of comma, semicolon and tab outside quotes.

    Counted rather than left to csv.Sniffer, whose regular expressions take seconds
    (quadratic time) on a long first line full of quotes. Comma wins a tie.
    """
    first_line = re.split(r"\r\n|\r|\n", text[:20_000], maxsplit=1)[0]
    bare = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def read_json_rows(text: str, file_name: str) -> tuple[list[str], Iterator[RawRow]]:
    """A JSON array of objects (or ``{"events": [...]}``); the line is the record's index + 1."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(file_name, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ImportFileError(file_name, "invalid JSON: nested too deeply to be a list of events") from None
    # {"events": [...]} is ours; {"data": [...]} is how ACLED's API wraps its rows.
    if isinstance(data, dict):
        data = next((data[key] for key in ("events", "data") if isinstance(data.get(key), list)), data)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ImportFileError(
            file_name, 'JSON must be an array of event objects, {"events": [...]} or ACLED\'s {"data": [...]}'
        )
    if not data:
        raise ImportFileError(file_name, "the JSON array is empty: no events to import")
    header = sorted({key for item in data for key in item})

    def rows() -> Iterator[RawRow]:
        for index, item in enumerate(data, start=1):
            yield RawRow(index, {k: v for k, v in item.items()})

    return header, rows()


def is_json(text: str) -> bool:
    return text.lstrip()[:1] in ("[", "{")
