"""The columnar import path must give exactly what the per-record path gives, or step aside.

``dashboard.events.columnar`` checks a native CSV column by column; it is only a filter in
front of the per-record path (pydantic, row by row). These tests hold it to that: for any
file it accepts, the per-record path accepts every row too and yields the very same storage
values; and the content hash it computes is byte for byte the log's definition.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.events import columnar, importers, schema
from dashboard.events.importers import base, pipeline, seed_path, validate


def both_paths(text: str, name: str = "f.csv", origin: str | None = None):
    """(columnar result or None, per-record result) for the same native CSV text."""
    data = text.encode()
    decoded = base.decode(data, name)
    header, rows = base.read_csv_rows(decoded.text, name)
    digest = hashlib.sha256(data).hexdigest()
    fast = pipeline._parse_native_columns(data, decoded, header, name, "auto", digest, origin)
    exact = pipeline._parse_rows(header, rows, name, "auto", decoded.encoding, digest, origin, None, by_column=False)
    return fast, exact


def assert_same(fast, exact) -> None:
    assert exact.report.errors == [], "the columnar path accepted a file the schema rejects"
    assert fast.report.rows_read == exact.report.rows_read == fast.table.num_rows
    expected = columnar.records_table(exact.records)
    assert fast.table.schema == expected.schema
    for name in expected.column_names:
        assert fast.table.column(name).to_pylist() == expected.column(name).to_pylist(), name


def json_oracle(record: schema.EventRecord) -> str:
    """The content hash as the log has always defined it (rows stored before the columnar path)."""
    row = record.model_dump(mode="python")
    row["sources"] = schema.sources_to_json(record.sources)
    for name in schema.FLOAT_FIELDS:
        if row[name] == 0:
            row[name] = 0.0
    claim = {k: row[k] for k in schema.FIELD_NAMES if k not in schema.PROVENANCE_FIELDS}
    # Fields added after the log began are part of the claim only when set (old digests stay valid).
    claim = {k: v for k, v in claim.items() if not (k in schema.HASH_ONLY_WHEN_SET and v is None)}
    return hashlib.sha256(json.dumps(claim, sort_keys=True, default=str).encode()).hexdigest()


# --- the seed log and plain files take the columnar path, with identical results ----------


def test_the_seed_log_takes_the_columnar_path_with_identical_values():
    fast, exact = both_paths(seed_path().read_text(encoding="utf-8"))
    assert fast is not None
    assert_same(fast, exact)


@pytest.mark.parametrize("limit", [0, validate.ROWS_FOR_ARROW_RULES])
def test_a_clean_file_takes_the_columnar_path(monkeypatch, limit, record_data, native_csv):
    """limit 0 sends every column that has an Arrow rule through it, as in a large file."""
    monkeypatch.setattr(validate, "ROWS_FOR_ARROW_RULES", limit)
    rows = [
        record_data(event_id=f"C{i}", latitude=51.0 + i / 1000, description=f"Claim {i}: «{i}»", figure_best=11000 + i)
        for i in range(50)
    ]
    rows[3]["sources"] = [
        {"outlet": "Yonhap", "title": "Two | sources", "url": "https://example.org/a"},
        {"outlet": "Reuters", "date": "2024-11-06", "url": "https://example.org/b"},
    ]
    rows[4].update(latitude=None, longitude=None, geo_precision=3, figure_low=None, figure_high=None)
    rows[5]["description"] = "  padded\u00a0"
    fast, exact = both_paths(native_csv(rows), origin="upload-7")
    assert fast is not None
    assert_same(fast, exact)
    assert set(fast.table.column("origin").to_pylist()) == {"upload-7"}


def test_import_file_and_the_store_agree_with_the_record_path(make_store, native_csv, record_data):
    """Imported through the columnar path, then the same rows re-imported record by record: unchanged."""
    rows = [record_data(event_id=f"S{i}", figure_best=11000 + i) for i in range(20)]
    text = native_csv(rows)
    store = make_store("columnar")
    report = importers.import_file(store, data=text.encode(), file_name="a.csv")
    assert report.written and report.new == 20
    native = importers.format_module("native")
    records = [
        schema.EventRecord.model_validate(native.to_record_data(row, {})) for row in csv.DictReader(io.StringIO(text))
    ]
    result, _ = store.append(records)
    assert (result.new, result.revised, result.unchanged) == (0, 0, 20)


# --- the content hash ----------------------------------------------------------------------


def test_content_hashes_equal_the_json_definition(record_data):
    records = [
        schema.EventRecord.model_validate(record_data(event_id="H1")),
        schema.EventRecord.model_validate(
            record_data(
                event_id="H2",
                figure_low=0.0,
                figure_best=-0.0 + 0.0,
                figure_high=1e16,
                latitude=1e-7,
                longitude=-0.5,
                description='Кур\u0441к "quoted" \\ tab\t line\nbreak \u2028 😀',
                event_date_end="2024-11-09",
                apogee_km=6687.5,
            )
        ),
        schema.EventRecord.model_validate(
            record_data(event_id="H3", figure_low=None, figure_best=None, figure_high=None, unit=None, subcategory=None)
        ),
        schema.EventRecord.model_validate(
            record_data(
                event_id="H4", figure_low=5, figure_best=5294, figure_high=0, quality_flags=["source_high_zero"]
            )
        ),
    ]
    table = columnar.normalise_floats(columnar.records_table(records))
    assert columnar.content_hashes(table) == [json_oracle(r) for r in records]


def test_content_hashes_of_columns_that_repeat_their_values(record_data):
    """Repeated values are encoded once per distinct value: the digests must not change."""
    records = [
        schema.EventRecord.model_validate(
            record_data(event_id=f"D{i}", claimant='Кур"ск\\ HUR' if i % 2 else "Ukraine\tHUR", actor="North Korea")
        )
        for i in range(12)
    ]
    table = columnar.normalise_floats(columnar.records_table(records))
    assert columnar.content_hashes(table) == [json_oracle(r) for r in records]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1, max_size=40),
    number=st.floats(min_value=0, max_value=1e12, allow_nan=False) | st.integers(0, 10**9),
)
def test_content_hashes_equal_the_json_definition_for_any_text(record_data, text, number):
    data = record_data(
        event_id="R1", description=text, location=text, figure_low=None, figure_best=number, figure_high=None
    )
    data["sources"] = [{"outlet": "O", "title": text, "url": "https://example.org/" + str(len(text))}]
    record = schema.validate_record(data)
    if isinstance(record, list):
        return  # e.g. text that strips to nothing: not a record
    table = columnar.normalise_floats(columnar.records_table([record]))
    assert columnar.content_hashes(table) == [json_oracle(record)]


# --- any file: the columnar path accepts only what the record path accepts, identically -----

TRICKY: dict[str, list[str]] = {
    "event_id": ["", " E1", "bad id", "É1", "E1\n", "x" * 129],
    "event_date": [
        "",
        "2024-02-30",
        "05/11/2024",
        "2024-1-5",
        " 2024-11-05",
        "0000-01-01",
        "2024-11-05T10:00",
        "5 Nov 2024",
    ],
    "event_date_end": ["2024-11-01", "2024-11-05", "garbage", " "],
    "date_precision": ["", "month", "Day", "fortnight"],
    "category": ["", " battle", "Battle", "strike", "bogus"],
    "subcategory": ["", "x" * 301, " padded ", "\u2003", "a,b", 'say "hi"'],
    "actor": ["", " ", "\x1cNK", "North Korea\u00a0", "Ж" * 300, "Ж" * 301],
    "claimant": ["", "\t", "Ukraine HUR", "a\nb"],
    "figure_low": ["", "1", "1e3", "1,000", " 2", "nan", "inf", "1e999", "-1", "0", "-0", "+.5", "1 000", "12000"],
    "figure_best": ["", "11000.0", "9000", "1.5e4", "abc"],
    "figure_high": ["", "10000", "1e5", "−5"],
    "unit": ["", "troops", "Troops", "furlongs"],
    "location": ["", "x" * 301, " Sudzha", "Sudzha\u2028"],
    "admin1_code": ["", "RU-BEL", "UA-59", "XX-YY", "ru-krs", " RU-KRS"],
    "country_code": ["", "UKR", "XXX", "rus"],
    "latitude": ["", "0", "91", "-90", "51.19", "51,19", "١٢"],
    "longitude": ["", "0", "181", "35.27", "1e2"],
    "geo_precision": ["", "1", "2", "3", "4", "5", "2.0", " 3", "true"],
    "description": ["", "x" * 20_001, "line\nbreak", "\u0085edge"],
    "confidence": ["", "low", "certain"],
    "sources": [
        "",
        "Yonhap | | | https://example.org",
        "Yonhap | T | 2024-02-30 | https://example.org",
        "Yonhap | T | | javascript:alert(1)",
        "Yonhap | T | | https://",
        "Yonhap | T | | https://.example.org",
        " | T | | https://example.org",
        "Yonhap | T | | https://exa mple.org",
        "Yonhap | T | | https://example.org/é",
        "Yonhap | T\u00a0| | https://example.org",
        "A | t | | https://a.org\nB | | 2024-01-02 | https://b.org",
        '[{"outlet": "A", "title": "t", "url": "https://a.org"}]',
        "[not json",
        "A | t | https://a.org",
        "Yonhap | " + "t" * 301 + " | | https://example.org",
    ],
    "origin": ["", "x" * 101, "acled"],
}


@st.composite
def native_files(draw, valid: dict[str, str]):
    """Native CSV texts of 1-4 rows: ``valid`` cells with up to two replaced by tricky ones each."""
    count = draw(st.integers(1, 4))
    rows = []
    for i in range(count):
        cells = {**valid, "event_id": f"P{i}"}
        for column in draw(st.lists(st.sampled_from(sorted(TRICKY)), max_size=2)):
            cells[column] = draw(st.sampled_from(TRICKY[column]))
        rows.append(cells)
    columns = list(dict.fromkeys(c for row in rows for c in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


@pytest.mark.parametrize("limit", [0, validate.ROWS_FOR_ARROW_RULES])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_columnar_path_never_accepts_more_than_the_record_path(monkeypatch, limit, record_data, native_csv, data):
    monkeypatch.setattr(validate, "ROWS_FOR_ARROW_RULES", limit)
    valid = next(csv.DictReader(io.StringIO(native_csv([record_data(event_id="P0")]))))
    fast, exact = both_paths(data.draw(native_files(valid)))
    if fast is not None:
        assert_same(fast, exact)


# --- quoting: Arrow and Python's csv module must read the file alike -------------------------


@pytest.mark.parametrize(
    ("text", "unambiguous"),
    [
        ("a,b\nx,y\n", True),
        ('a,b\n"x,1",y\n', True),
        ('a,b\n"x""q""",y\n', True),
        ('a,b\n"",y\n', True),
        ('a,b\nx"q,y\n', True),
        ('a,b\n"multi\nline",y\r\n', True),
        ('a,b\n"x"y,z\n', False),  # csv: error; Arrow: the cell "xy"
        ('a,b\n"x" ,z\n', False),
        ('a,b\n"a,"b",z\n', False),
        ('a,b\n""x,z\n', False),
        ('a,b\n"unclosed,z\n', False),
    ],
)
def test_quoting_check(text, unambiguous):
    assert pipeline._quoting_unambiguous(text) is unambiguous


def test_a_stray_quote_leaves_the_file_to_the_record_path(native_csv, record_data):
    """Arrow would read ``"South Korea" NIS`` as one cell; Python's csv module, rightly, refuses it."""
    text = native_csv([record_data(event_id="Q1")]).replace("South Korea NIS", '"South Korea" NIS')
    data = text.encode()
    decoded = base.decode(data, "q.csv")
    header, _rows = base.read_csv_rows(decoded.text, "q.csv")
    assert pipeline._parse_native_columns(data, decoded, header, "q.csv", "auto", "", None) is None
    with pytest.raises(importers.ImportFileError, match=r"q\.csv:2: unreadable CSV"):
        importers.parse_bytes(data, "q.csv")


def test_records_table_types_follow_the_schema(make_record):
    table = columnar.records_table([make_record(event_id="T9")])
    assert table.schema.field("event_date").type == pa.date32()
    assert table.schema.field("geo_precision").type == pa.int64()
    assert table.column("event_date").to_pylist() == [dt.date(2024, 11, 5)]


# --- rows any importer mapped: checked by column, or record by record -------------------------


def both_mapped_paths(data: bytes, name: str):
    """(by column, record by record) for the same file, through the importer's row mapping."""
    decoded = base.decode(data, name)
    header, rows = base.read_csv_rows(decoded.text, name)
    rows = list(rows)
    digest = hashlib.sha256(data).hexdigest()
    by_column = pipeline._parse_rows(header, iter(rows), name, "auto", decoded.encoding, digest, None, None)
    exact = pipeline._parse_rows(
        header, iter(rows), name, "auto", decoded.encoding, digest, None, None, by_column=False
    )
    return by_column, exact


@pytest.mark.parametrize(
    "fixture",
    [
        "acled_export_tool.csv",
        "acled_api.csv",
        "acled_utf8_bom.csv",
        "acled_cp1251.csv",
        "ucdp_ged.csv",
        "cns_missile_tests.csv",
    ],
)
def test_mapped_rows_checked_by_column_equal_the_record_path(fixture):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / fixture
    by_column, exact = both_mapped_paths(path.read_bytes(), fixture)
    assert by_column.table is not None, "a clean file should be checked by column"
    assert_same(by_column, exact)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mapped_rows_are_never_accepted_when_a_record_is_not(record_data, native_csv, data):
    valid = next(csv.DictReader(io.StringIO(native_csv([record_data(event_id="P0")]))))
    by_column, exact = both_mapped_paths(data.draw(native_files(valid)).encode(), "m.csv")
    if by_column.table is not None:
        assert_same(by_column, exact)
