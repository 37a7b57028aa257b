"""Bad input, file by file: every case names its problem and leaves the database as it was.

Each case is a file an analyst could really hand us. A file-level problem raises
ImportFileError (with the line where there is one); a row-level problem is a
FieldError naming line and column. Either way the revision token, the row count
and the import history are unchanged. A second group of awkward but valid files
checks that they are read as data, not refused and not mangled.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from dashboard.events import exports
from dashboard.events import importers as importers_package
from dashboard.events.importers import ImportFileError, import_file

HEADER = "event_id,event_date,category,actor,claimant,figure_best,unit,sources"
SOURCE = "Yonhap | NIS | 2024-11-05 | https://example.org/a"


@dataclass(frozen=True)
class Case:
    """A bad file: how to build it, and what the importer must say about it."""

    name: str
    build: Callable[..., bytes]  # (native_csv, record_data) -> file bytes
    fragment: str  # expected in the error message
    line: int | None = None
    column: str | None = None
    file_level: bool = False  # ImportFileError rather than row errors
    file_name: str = "bad.csv"
    valid_rows: int = 0  # rows of the file that are fine on their own


def rows(*changes: dict, **common) -> Callable[..., bytes]:
    """A builder: one valid row per dict of changes, as native CSV bytes."""

    def build(native_csv, record_data) -> bytes:
        return native_csv([record_data(**{**common, **c}) for c in changes]).encode("utf-8")

    return build


def raw(data: bytes) -> Callable[..., bytes]:
    return lambda native_csv, record_data: data


def _truncated(native_csv, record_data) -> bytes:
    text = native_csv([record_data(), record_data(description="A quoted, long description that is cut")])
    return text[: text.index("that is cut")].encode()


def _mixed_encodings(native_csv, record_data) -> bytes:
    text = native_csv([record_data(location="Курск"), record_data(location="Sudzha")])
    return text.encode("utf-8").replace(b"Sudzha", "Суджа".encode("cp1251"))


def _nul(native_csv, record_data) -> bytes:
    return native_csv([record_data()]).replace("North Korea", "North\x00Korea").encode()


def _ten_thousand_columns(native_csv, record_data) -> bytes:
    return (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n").encode()


def _missing_column(native_csv, record_data) -> bytes:
    row = record_data()
    del row["claimant"]
    return native_csv([row]).encode()


def _short_row(native_csv, record_data) -> bytes:
    return (native_csv([record_data()]) + "T9,2024-11-05\n").encode()


def _json(value) -> Callable[..., bytes]:
    return raw(json.dumps(value).encode())


def _json_rows(*changes: dict) -> Callable[..., bytes]:
    return lambda native_csv, record_data: json.dumps([record_data(**c) for c in changes]).encode()


FIGURE_ONLY = {"figure_low": None, "figure_high": None}
NO_PLACE = {"latitude": None, "longitude": None, "geo_precision": 4}

CASES = [
    # --- the file as a whole --------------------------------------------------
    Case("empty file", raw(b""), "the file is empty", file_level=True),
    Case("only blank lines", raw(b"  \n\r\n\n"), "the file is empty", file_level=True),
    Case("binary junk", raw(bytes(range(256)) * 40), "not a text file (binary content)", file_level=True),
    Case("NUL byte", _nul, "contains a NUL byte", line=2, file_level=True),
    Case("truncated mid-quoted-field", _truncated, "a quoted cell is never closed", line=3, file_level=True),
    Case(
        "mixed encodings",
        _mixed_encodings,
        "mixed encodings: line 2 is UTF-8 but line 3 is not",
        line=3,
        file_level=True,
    ),
    Case("10,000 columns", _ten_thousand_columns, "10000 columns: more than the 500", line=1, file_level=True),
    Case(
        "duplicate column names",
        raw(f"{HEADER},event_id\n".encode()),
        "duplicate column names: event_id",
        line=1,
        file_level=True,
    ),
    Case("missing required column", _missing_column, "lacks the required column(s) claimant", line=1, file_level=True),
    Case(
        "not our header at all", raw(b"name,age\nBob,42\n"), "unrecognised header (name, age)", line=1, file_level=True
    ),
    Case(
        "spreadsheet that is not one",
        raw(b"PK\x03\x04" + b"\x00junk" * 50),
        "cannot open the spreadsheet",
        file_level=True,
        file_name="bad.xlsx",
    ),
    Case(
        "JSON not an array",
        _json({"event_id": "T1"}),
        "JSON must be an array of event objects",
        file_level=True,
        file_name="bad.json",
    ),
    Case(
        "JSON array of numbers",
        _json([1, 2, 3]),
        "JSON must be an array of event objects",
        file_level=True,
        file_name="bad.json",
    ),
    Case("JSON cut short", raw(b'[{"event_id": "T1", '), "invalid JSON", line=1, file_level=True, file_name="bad.json"),
    Case("JSON empty array", _json([]), "the JSON array is empty", file_level=True, file_name="bad.json"),
    # --- one row ----------------------------------------------------------------
    Case("unknown column", rows({"colour": "red"}), "unknown column(s)", line=1, column="colour"),
    Case("swapped lat/lon", rows({"latitude": 135.2, "longitude": 51.7}), "less than or equal to 90", 2, "latitude"),
    Case("longitude out of range", rows({"longitude": 200.0}), "less than or equal to 180", 2, "longitude"),
    Case("comma decimal", rows({"latitude": "51,19"}), "comma in a number", 2, "latitude"),
    Case(
        "thousands separator",
        rows({"figure_best": "11,000", **FIGURE_ONLY}),
        "no thousands separators",
        2,
        "figure_best",
    ),
    Case(
        "impossible date",
        rows({"event_date": "2024-02-30"}),
        "impossible date: day is out of range for month",
        2,
        "event_date",
    ),
    Case("two-digit year", rows({"event_date": "31/12/24"}), "two-digit year", 2, "event_date"),
    Case("ambiguous date", rows({"event_date": "05/02/2014 00:00"}), "ambiguous date", 2, "event_date"),
    Case(
        "not a date",
        rows({}, {"reported_date": "yesterday"}),
        "not a date (expected YYYY-MM-DD)",
        3,
        "reported_date",
        valid_rows=1,
    ),
    Case("200 KB field", rows({"description": "x" * 200_000}), "at most 20000 characters", 2, "description"),
    Case(
        "duplicate ids in one file",
        rows({"event_id": "D1"}, {"event_id": "D1"}),
        "duplicate id: also on line 2",
        3,
        "event_id",
        valid_rows=1,
    ),
    Case(
        "javascript: URL",
        rows({"sources": "A | t | 2024-11-05 | javascript:alert(1)"}),
        "must be an http(s) URL",
        2,
        "sources[0].url",
    ),
    Case(
        "data: URL",
        rows({"sources": "A | t | 2024-11-05 | data:text/html,<script>alert(1)</script>"}),
        "must be an http(s) URL",
        2,
        "sources[0].url",
    ),
    Case(
        "source with neither title nor date",
        rows({"sources": "A |  |  | https://example.org/a"}),
        "a source needs a title or a date",
        2,
        "sources[0]",
    ),
    Case(
        "sources cell of the wrong shape",
        rows({"sources": "Yonhap | https://example.org/a"}),
        "one source per line as `outlet | title | date | url`",
        2,
        "sources",
    ),
    Case("0,0 placeholder", rows({"latitude": 0.0, "longitude": 0.0}), "0,0 is a placeholder", 2, "latitude"),
    Case(
        "latitude without longitude", rows({"longitude": None}), "must both be given or both be empty", 2, "longitude"
    ),
    Case("negative figure", rows({"figure_best": -5, **FIGURE_ONLY}), "greater than or equal to 0", 2, "figure_best"),
    Case("non-numeric figure", rows({"figure_best": "about 100", **FIGURE_ONLY}), "not a number", 2, "figure_best"),
    Case("infinite figure", rows({"figure_best": "inf", **FIGURE_ONLY}), "finite number", 2, "figure_best"),
    Case(
        "low above high",
        rows({"figure_low": 50, "figure_best": None, "figure_high": 40}),
        "figure_low (50) is greater than figure_high (40)",
        2,
        "figure_low",
    ),
    Case("figure without unit", rows({"unit": None}), "a figure needs a unit", 2, "unit"),
    Case(
        "end before start",
        rows({"event_date_end": "2024-11-01"}),
        "event_date_end is before event_date",
        2,
        "event_date_end",
    ),
    Case(
        "exact place without coordinates",
        rows({**NO_PLACE, "geo_precision": 1}),
        "geo_precision 1 needs latitude and longitude",
        2,
        "geo_precision",
    ),
    Case(
        "region outside the country",
        rows({"admin1_code": "UA-59"}),
        "admin1_code UA-59 is not in country RUS",
        2,
        "admin1_code",
    ),
    Case("unknown category", rows({"category": "war"}), "Input should be 'deployment'", 2, "category"),
    Case("empty required cell", rows({"claimant": ""}), "Field required", 2, "claimant"),
    Case("row with too few cells", _short_row, "2 cells where the header has", 3, None, valid_rows=1),
    Case(
        "NUL escaped in JSON",
        _json_rows({"description": "a\x00b"}),
        "contains a NUL byte",
        1,
        "description",
        file_name="bad.json",
    ),
    Case(
        "JSON boolean figure",
        _json_rows({"figure_best": True, **FIGURE_ONLY}),
        "not a number (true/false)",
        1,
        "figure_best",
        file_name="bad.json",
    ),
]


@pytest.fixture
def populated(store, native_csv, record_data):
    """A store holding one import, so "unchanged" is about a real log."""
    import_file(
        store,
        data=native_csv([record_data(event_id="KEEP1"), record_data(event_id="KEEP2")]).encode(),
        file_name="first.csv",
    )
    return store


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_named_and_changes_nothing(case, populated, native_csv, record_data, state):
    data = case.build(native_csv, record_data)
    before = state(populated)
    if case.file_level:
        with pytest.raises(ImportFileError) as caught:
            import_file(populated, data=data, file_name=case.file_name)
        assert case.fragment in str(caught.value)
        assert str(caught.value).startswith(case.file_name)
        assert caught.value.line == case.line
    else:
        report = import_file(populated, data=data, file_name=case.file_name)
        assert not report.written
        first = report.errors[0]
        assert case.fragment in first.rule, report.errors
        assert (first.line, first.column) == (case.line, case.column)
        assert any(case.fragment in line for line in report.error_lines())
    assert state(populated) == before


@pytest.mark.parametrize("case", [c for c in CASES if not c.file_level], ids=lambda c: c.name)
def test_skip_invalid_writes_nothing_when_every_row_is_bad(case, populated, native_csv, record_data, state):
    """With --skip-invalid a bad row is still not written; only the batch records the attempt."""
    _, rows_before, batches = state(populated)
    report = import_file(
        populated, data=case.build(native_csv, record_data), file_name=case.file_name, skip_invalid=True
    )
    _, rows_after, batches_after = state(populated)
    assert report.new == case.valid_rows
    assert rows_after == rows_before + case.valid_rows
    assert batches_after in (batches, batches + 1)


def test_file_larger_than_the_limit(populated, tmp_path, monkeypatch, native_csv, record_data, state):
    monkeypatch.setattr(importers_package.read, "MAX_FILE_BYTES", 1000)  # the read stage holds the limits
    path = tmp_path / "big.csv"
    path.write_text(native_csv([record_data() for _ in range(10)]))
    before = state(populated)
    with pytest.raises(ImportFileError, match="file is larger than the import limit of 1,000 bytes"):
        import_file(populated, path)
    with pytest.raises(ImportFileError, match="larger than the import limit"):
        import_file(populated, data=path.read_bytes(), file_name="big.csv")
    assert state(populated) == before


def test_header_only_writes_nothing_and_warns(populated, state):
    before = state(populated)
    report = import_file(populated, data=(HEADER + "\n").encode(), file_name="empty.csv")
    assert report.warnings == ["the file has a header but no data rows"]
    assert report.errors == [] and not report.written and report.rows_read == 0
    assert state(populated) == before


def test_every_row_error_of_a_file_is_reported(populated, native_csv, record_data):
    data = native_csv(
        [
            record_data(latitude=135.0),
            record_data(),
            record_data(figure_best="x", **FIGURE_ONLY),
            record_data(category="war"),
        ]
    ).encode()
    report = import_file(populated, data=data, file_name="many.csv")
    assert [(e.line, e.column) for e in report.errors] == [(2, "latitude"), (4, "figure_best"), (5, "category")]
    assert report.accepted == 1 and report.rejected == 3


def test_a_stray_quote_names_the_row_it_starts_on(populated, native_csv, record_data):
    text = native_csv([record_data(description=None) for _ in range(3)])  # no other quotes in the file
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].replace("North Korea", '"North Korea', 1)  # the quote never closes
    with pytest.raises(ImportFileError, match="a quoted cell is never closed") as caught:
        import_file(populated, data="".join(lines).encode(), file_name="quote.csv")
    assert caught.value.line == 3


# --- awkward but valid: read as data ---------------------------------------------------------


def test_bom_is_dropped_and_reported(store, native_csv, record_data):
    report = import_file(store, data=codecs.BOM_UTF8 + native_csv([record_data()]).encode(), file_name="bom.csv")
    assert report.written and report.encoding == "utf-8-sig"
    assert store.current_events()["event_id"].tolist() == ["T1"]  # not "\ufeffevent_id"


def test_utf16_with_bom(store, native_csv, record_data):
    report = import_file(store, data=native_csv([record_data(location="Курск")]).encode("utf-16"), file_name="u16.csv")
    assert report.written and report.encoding == "utf-16"
    assert store.current_events()["location"].tolist() == ["Курск"]


def test_cp1251_cyrillic_place_names(store, native_csv, record_data):
    data = native_csv([record_data(location="Суджа", admin1_name="Курская область")]).encode("cp1251")
    report = import_file(store, data=data, file_name="legacy.csv")
    assert report.written and report.encoding == "cp1251"
    assert store.current_events()["location"].tolist() == ["Суджа"]


def test_forcing_an_encoding_reads_a_mixed_file_as_told(store, native_csv, record_data):
    data = _mixed_encodings(native_csv, record_data)
    report = import_file(store, data=data, file_name="mixed.csv", encoding="cp1251")
    assert report.written and report.encoding == "cp1251"


def test_semicolon_file_with_native_header_is_detected(store, native_csv, record_data):
    data = native_csv(
        [record_data(latitude="51.192", description="Commas, inside; and semicolons")], delimiter=";"
    ).encode()
    report = import_file(store, data=data, file_name="semicolon.csv")
    assert report.errors == [] and report.new == 1
    row = store.current_events().iloc[0]
    assert row["latitude"] == 51.192 and row["description"] == "Commas, inside; and semicolons"


def test_windows_and_old_mac_line_ends(make_store, native_csv, record_data):
    text = native_csv([record_data(), record_data()])
    for name, ending in (("crlf", "\r\n"), ("cr", "\r")):
        store = make_store(name)
        report = import_file(store, data=text.replace("\n", ending).encode(), file_name=f"{name}.csv")
        assert report.written and report.new == 2, name


def test_formula_text_is_accepted_as_data_and_exported_neutralised(store, native_csv, record_data):
    formula = '=HYPERLINK("http://evil.example","click")'
    report = import_file(
        store,
        data=native_csv(
            [record_data(description=formula, actor="+Korea", counterpart="-Ukraine", claimant="@NIS")]
        ).encode(),
        file_name="formula.csv",
    )
    assert report.written
    row = store.current_events().iloc[0]
    assert (row["description"], row["actor"], row["counterpart"], row["claimant"]) == (
        formula,
        "+Korea",
        "-Ukraine",
        "@NIS",
    )
    exported = exports.csv_bytes(exports.export_frame(store.current_events())).decode()
    assert "'=HYPERLINK" in exported and "'+Korea" in exported and "'-Ukraine" in exported and "'@NIS" in exported


def test_html_and_script_are_accepted_as_plain_text(store, native_csv, record_data):
    html = '<script>alert("x")</script><b>bold</b> &amp; <img src=x onerror=alert(1)>'
    import_file(store, data=native_csv([record_data(description=html)]).encode(), file_name="html.csv")
    assert store.current_events()["description"].tolist() == [html]


def test_quotes_commas_and_newlines_inside_cells(store, native_csv, record_data):
    text = 'He said "yes", then:\nleft.\n\nSecond paragraph'
    import_file(store, data=native_csv([record_data(description=text)]).encode(), file_name="q.csv")
    assert store.current_events()["description"].tolist() == [text]
