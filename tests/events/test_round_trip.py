"""Our own exports read back exactly (issue 12): CSV, XLSX and GeoJSON.

- the CSV/XLSX formula guard is marked (the ``formula_guard`` column) and the importer removes
  exactly the quote it added, so formula-like text, and text that itself starts with a quote,
  come back as they were;
- XLSX keeps ``\\r\\n`` (spelt ``_x000D_``) and every float's digits;
- re-importing an export into the log it came from changes nothing (no revision, no new row);
- the GeoJSON export imports;
- property: export -> import into a fresh log -> export gives the same content (every column
  but the log's own ``recorded_at``), for each format.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import AWKWARD, PLAIN, SETTINGS, records

from dashboard.events import exports
from dashboard.events.importers import import_file
from dashboard.events.store import open_store

WRITERS = {"csv": exports.csv_bytes, "xlsx": exports.xlsx_bytes, "geojson": exports.geojson_bytes}
# Text the guard must touch (formula prefixes, a leading quote) beside text it must not.
TRICKY = [
    "=SUM(A1:A3)",
    "- first point\r\n- second point",
    "@user said",
    "+7 495",
    "'quoted already",
    "''=twice",
    "'",
    "it's fine",
    "line one\r\nline two\rthree\nfour",
    "_x000D_ literally",
    "_x005F_x000D_ twice escaped",
]


def exported(store, fmt: str) -> bytes:
    return WRITERS[fmt](exports.export_frame(store.current_events()))


def comparable(store) -> pd.DataFrame:
    """The export frame without the log's own write time."""
    return exports.export_frame(store.current_events()).drop(columns=["recorded_at"])


@pytest.fixture
def tricky_log(store, make_record):
    store.append(
        [
            make_record(
                event_id=f"R{i}",
                description=text,
                location=text.replace("\r", " ").replace("\n", " ")[:300] if text.strip() == text else None,
                figure_low=0.1 + 0.2,
                figure_best=1 / 3,
                figure_high=12345.678901234567,
                latitude=51.19200000000001,
                longitude=35.27100000000001,
            )
            for i, text in enumerate(TRICKY)
        ]
    )
    return store


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_reimport_into_the_same_log_changes_nothing(tricky_log, state, fmt):
    before = state(tricky_log)
    report = import_file(tricky_log, data=exported(tricky_log, fmt), file_name=f"export.{fmt}")
    assert report.errors == [], report.error_lines()
    assert (report.new, report.revised, report.unchanged) == (0, 0, len(TRICKY))
    token, rows, batches = state(tricky_log)
    assert (token.split(".")[0], rows, batches) == (before[0].split(".")[0], before[1], before[2] + 1)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_an_export_imports_into_a_fresh_log_exactly(tricky_log, make_store, fmt):
    copy = make_store(f"copy-{fmt}")
    report = import_file(copy, data=exported(tricky_log, fmt), file_name=f"export.{fmt}")
    assert report.errors == [] and report.new == len(TRICKY)
    back = copy.current_events().set_index("event_id")
    for i, text in enumerate(TRICKY):
        assert back.loc[f"R{i}", "description"] == text
    assert back.loc["R0", "figure_low"] == 0.1 + 0.2 and back.loc["R0", "figure_best"] == 1 / 3
    assert back.loc["R0", "latitude"] == 51.19200000000001
    pd.testing.assert_frame_equal(comparable(copy), comparable(tricky_log))


def test_the_csv_export_is_still_guarded_and_marked(tricky_log):
    rows = list(csv.DictReader(io.StringIO(exported(tricky_log, "csv").decode("utf-8"), newline="")))
    by_id = {row["event_id"]: row for row in rows}
    assert by_id["R0"]["description"] == "'=SUM(A1:A3)"  # still inert in a spreadsheet
    assert by_id["R4"]["description"] == "''quoted already"  # the text's own quote, kept by the extra one
    assert by_id["R7"]["description"] == "it's fine"
    assert all(row[exports.FORMULA_GUARD_COLUMN] == "" for row in rows)


def test_the_xlsx_export_keeps_carriage_returns_and_digits(tricky_log):
    book = openpyxl.load_workbook(io.BytesIO(exported(tricky_log, "xlsx")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=False))  # trailing empty cells are left out
    assert header[-1] == exports.FORMULA_GUARD_COLUMN
    assert first["figure_low"] == 0.1 + 0.2  # openpyxl alone writes 0.3
    assert isinstance(first["figure_low"], float)  # a number to a spreadsheet, not text
    cells = [dict(zip(header, row, strict=False))["description"] for row in rows[1:]]
    assert "- first point_x000D_\n- second point" in [c.removeprefix("'") for c in cells]


def test_an_unmarked_file_keeps_its_quotes(store, native_csv, record_data):
    """Only a file that says it was guarded loses a quote: someone's own CSV is data as written."""
    data = native_csv([record_data(event_id="Q1", description="'=not ours")]).encode()
    assert import_file(store, data=data, file_name="theirs.csv").written
    assert store.current_events()["description"].tolist() == ["'=not ours"]


def test_xlsx_escape_is_its_own_inverse():
    for text in [*TRICKY, "_x", "_x00", "_xZZZZ_", "a\rb"]:
        assert exports.xlsx_unescape(exports.xlsx_escape(text)) == text
        assert "\r" not in exports.xlsx_escape(text)


# --- the property ----------------------------------------------------------------------------------
ROUND_TRIP_TEXT = st.lists(st.one_of(AWKWARD, PLAIN, st.sampled_from(["'", "''", "_x000D_", "\r\n"])), max_size=5).map(
    "".join
)


def record_lists():
    return st.integers(1, 3).flatmap(lambda n: st.tuples(*[records(f"P{i}", ROUND_TRIP_TEXT) for i in range(n)]))


def fresh_store():
    return open_store("sqlite://", seed=False)  # in memory, one per example (see test_properties)


def content(fmt: str, data: bytes):
    """What a file says: CSV and GeoJSON bytes; an XLSX's cells (its zip has timestamps)."""
    if fmt != "xlsx":
        return data
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_export_import_export_is_the_identity(fmt):
    @settings(parent=SETTINGS, max_examples=10)  # x3 formats; test_properties covers CSV at length
    @given(record_lists())
    def check(generated):
        original = fresh_store()
        original.append(list(generated))
        first = exported(original, fmt)

        copy = fresh_store()
        report = import_file(copy, data=first, file_name=f"export.{fmt}")
        assert report.errors == [], report.error_lines()
        assert report.new == len(generated)
        pd.testing.assert_frame_equal(comparable(copy), comparable(original))
        second = WRITERS[fmt](comparable(copy).assign(recorded_at="x"))
        assert content(fmt, second) == content(fmt, WRITERS[fmt](comparable(original).assign(recorded_at="x")))
        again = import_file(original, data=first, file_name=f"export.{fmt}")
        assert (again.new, again.revised, again.unchanged) == (0, 0, len(generated))

    check()
