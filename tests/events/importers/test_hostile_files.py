"""Hostile files: every bomb is generated here, refused with a clear error before it is parsed, nothing written."""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from dashboard import cli
from dashboard.events.importers import ImportFileError, import_file, parse_bytes, read, validate_file

NATIVE_HEADER = ["event_id", "event_date", "category", "actor", "claimant", "sources"]


def small_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(NATIVE_HEADER)
    sheet.append(["X1", "2024-11-05", "statement", "North Korea", "KCNA", "KCNA | t | 2024-11-05 | https://kcna.kp/1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_parts(base: bytes, parts: dict[str, object]) -> bytes:
    """``base`` with parts replaced or added; a part given as a callable writes itself in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item, source.read(item))
        for name, content in parts.items():
            if callable(content):
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(info, "w", force_zip64=True) as part:
                    content(part)
            else:
                target.writestr(name, content)
    return out.getvalue()


def huge_shared_string(size: int):
    def write(part) -> None:
        part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">')
        part.write(b"<si><t>")
        chunk = b"A" * 2**20
        for _ in range(size // len(chunk)):
            part.write(chunk)
        part.write(b"</t></si></sst>")

    return write


def empty_rows(count: int, dimension: bool = True):
    def write(part) -> None:
        part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        if dimension:
            part.write(b'<dimension ref="A1:F2"/>')  # a lie: the rows below say otherwise
        header = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % name.encode() for name in NATIVE_HEADER)
        part.write(b'<sheetData><row r="1">' + header + b"</row>")
        # Without row numbers, as in the 176 KB original: an empty row is 6 bytes that compress to nothing.
        step = 100_000
        block = b"<row/>" * step
        for start in range(0, count, step):
            part.write(block if count - start >= step else b"<row/>" * (count - start))
        part.write(b"</sheetData></worksheet>")

    return write


@pytest.fixture(scope="module")
def shared_string_bomb() -> bytes:
    """About 400 KB holding one 400 MiB shared string (the issue's example)."""
    return with_parts(small_workbook(), {"xl/sharedStrings.xml": huge_shared_string(400 * 2**20)})


def test_a_huge_shared_string_is_refused_before_parsing(shared_string_bomb):
    assert len(shared_string_bomb) < 2 * 2**20
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        parse_bytes(shared_string_bomb, "bomb.xlsx")
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert message.startswith("bomb.xlsx: ")
    assert "decompresses to 400 MiB, over the limit of 256 MiB" in message


def test_a_shared_strings_part_over_its_own_limit_is_named():
    bomb = with_parts(small_workbook(), {"xl/sharedStrings.xml": huge_shared_string(80 * 2**20)})
    with pytest.raises(ImportFileError, match="the shared strings decompress"):
        parse_bytes(bomb, "strings.xlsx")


def test_twenty_million_empty_rows_are_refused():
    bomb = with_parts(small_workbook(), {"xl/worksheets/sheet1.xml": empty_rows(20_000_000)})
    assert len(bomb) < 2 * 2**20
    with pytest.raises(ImportFileError, match=r"rows.xlsx: .*(decompresses to|compressed .* to 1)"):
        parse_bytes(bomb, "rows.xlsx")


def test_rows_beyond_the_limit_are_counted_while_reading(monkeypatch):
    """A sheet without a dimension, small enough for the size checks: the row count stops it."""
    monkeypatch.setattr(read, "MAX_XLSX_ROWS", 1_000)
    bomb = with_parts(small_workbook(), {"xl/worksheets/sheet1.xml": empty_rows(5_000, dimension=False)})
    with pytest.raises(ImportFileError, match=r"rows.xlsx:1001: more than 1,000 rows"):
        parse_bytes(bomb, "rows.xlsx")


def test_a_declared_dimension_over_the_limits_is_refused():
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:C20000000"/><sheetData/></worksheet>'
    )
    with pytest.raises(ImportFileError, match="spans 20,000,000 rows, over the limit of 1,100,000"):
        parse_bytes(with_parts(small_workbook(), {"xl/worksheets/sheet1.xml": sheet}), "dim.xlsx")


def test_too_many_shared_strings_are_refused():
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9000000"/>'
    )
    with pytest.raises(ImportFileError, match="declares 9,000,000 shared strings"):
        parse_bytes(with_parts(small_workbook(), {"xl/sharedStrings.xml": strings}), "count.xlsx")


def test_a_zip_that_lies_about_its_sizes_is_caught_while_decompressing():
    honest = with_parts(small_workbook(), {"xl/sharedStrings.xml": huge_shared_string(4 * 2**20)})
    lying = bytearray(honest)
    with zipfile.ZipFile(io.BytesIO(honest)) as book:
        info = book.getinfo("xl/sharedStrings.xml")
    # Rewrite the uncompressed size the central directory declares (what a reader checks first) to 1 KiB.
    real = info.file_size.to_bytes(4, "little")
    at = lying.rfind(real)
    assert at > len(honest) - 2000  # in the central directory at the end, not in the data
    lying[at : at + 4] = (1024).to_bytes(4, "little")
    with pytest.raises(ImportFileError, match="lying.xlsx: .*(more than its declared|not a valid .xlsx)"):
        parse_bytes(bytes(lying), "lying.xlsx")


def test_a_chart_only_workbook_says_so():
    book = openpyxl.Workbook()
    data = book.active
    for row in ([1, 2], [3, 4]):
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Chart").add_chart(chart)
    out = io.BytesIO()
    book.save(out)
    only_chart = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(only_chart, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item))
    with pytest.raises(ImportFileError, match=r"chart.xlsx: the workbook has no worksheet \(only chart sheets\)"):
        parse_bytes(only_chart.getvalue(), "chart.xlsx")


def test_a_damaged_zip_is_named():
    with pytest.raises(ImportFileError, match="not a valid .xlsx file"):
        parse_bytes(b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx")


def test_nothing_is_written_when_a_bomb_is_refused(store, shared_string_bomb, tmp_path, state):
    before = state(store)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(shared_string_bomb)
    with pytest.raises(ImportFileError):
        import_file(store, path)
    assert state(store) == before


# --- only regular files -----------------------------------------------------------------------


def _in_thread(target, timeout: float = 10):
    """Run ``target``; fail (instead of hanging the suite) if it does not return within ``timeout``."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the import hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_fifo_is_refused_by_name_without_hanging(tmp_path):
    fifo = tmp_path / "events.csv"
    os.mkfifo(fifo)
    with pytest.raises(ImportFileError, match=r"events.csv: is a FIFO \(named pipe\), not a regular file"):
        _in_thread(lambda: validate_file(fifo))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused_as_a_device():
    with pytest.raises(ImportFileError, match="/dev/zero: is a device, not a regular file"):
        _in_thread(lambda: validate_file(Path("/dev/zero")))


def test_a_directory_is_refused_by_name(tmp_path):
    with pytest.raises(ImportFileError, match=r"Is a directory: import reads regular files"):
        validate_file(tmp_path)


def test_the_cli_refuses_a_fifo_and_writes_nothing(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    code = _in_thread(lambda: cli.main(["--db", url, "import", str(fifo), "--no-progress"]))
    assert code == 1
    assert f"error: {fifo}: is a FIFO (named pipe), not a regular file" in capsys.readouterr().err
