"""What the outside-dataset importers (acled, ucdp, cns) promise together.

Detection is unambiguous, and no input, however broken, raises anything but
ImportFileError (the file) or becomes a FieldError (a row).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.events import schema
from dashboard.events.importers import FORMATS, ImportFileError, ParsedFile, format_module, parse_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

EXTERNAL = ("acled", "ucdp", "cns")


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


FIXTURE_FORMATS = {
    "acled_export_tool.csv": "acled",
    "acled_api.csv": "acled",
    "acled_utf8_bom.csv": "acled",
    "acled_cp1251.csv": "acled",
    "ucdp_ged.csv": "ucdp",
    "cns_missile_tests.csv": "cns",
    "cns_missile_tests.xlsx": "cns",
}


@pytest.mark.parametrize(("name", "fmt"), FIXTURE_FORMATS.items())
def test_exactly_one_format_claims_each_fixture(name, fmt):
    parsed_file = parse_bytes(read_fixture(name), name)
    header = _header(name)
    assert [f for f in FORMATS if format_module(f).matches(header)] == [fmt]
    assert parsed_file.report.format == fmt


def test_no_outside_format_claims_a_native_header():
    assert not any(format_module(f).matches(list(schema.FIELD_NAMES)) for f in EXTERNAL)


@pytest.mark.parametrize("fmt", EXTERNAL)
def test_each_module_documents_its_mapping(fmt):
    module = format_module(fmt)
    assert fmt == module.NAME
    assert len((module.__doc__ or "").strip().splitlines()) >= 2
    fields = {f.strip() for _, targets, _ in module.MAPPING for f in targets.split(",")}
    assert set(schema.REQUIRED_FIELDS) <= fields
    assert fields <= set(schema.FIELD_NAMES)


def test_a_forced_format_that_does_not_fit_names_the_missing_columns():
    with pytest.raises(ImportFileError, match="missing columns .*event_id_cnty"):
        parse_bytes(read_fixture("ucdp_ged.csv"), "ucdp_ged.csv", fmt="acled")


@pytest.mark.parametrize("fmt", EXTERNAL)
@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_anything_else(fmt, data):
    try:
        result = parse_bytes(data, "x.csv", fmt=fmt)
    except ImportFileError:
        return
    assert isinstance(result, ParsedFile)


# Rows of the right header whose cells are either a value seen in the fixtures or
# random text: the mapping itself must turn every bad cell into a FieldError.
FUZZ_FIXTURE = {"acled": "acled_export_tool.csv", "ucdp": "ucdp_ged.csv", "cns": "cns_missile_tests.csv"}


def _fixture_table(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(read_fixture(name).decode("utf-8"), newline="")))


def _header(name: str) -> list[str]:
    if name.endswith(".xlsx"):
        name = name.removesuffix(".xlsx") + ".csv"
    data = read_fixture(name)
    text = data.decode("utf-8-sig") if not name.endswith("cp1251.csv") else data.decode("cp1251")
    return next(csv.reader(io.StringIO(text)))


def _rows(fmt: str):
    table = _fixture_table(FUZZ_FIXTURE[fmt])
    columns = list(zip(*table[1:], strict=True))
    cell = [st.one_of(st.sampled_from(values), st.text(max_size=15)) for values in columns]
    return st.lists(st.tuples(*cell), min_size=1, max_size=4).map(lambda rows: (table[0], rows))


@pytest.mark.parametrize("fmt", EXTERNAL)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_arbitrary_cells_become_records_or_field_errors(fmt, data):
    header, rows = data.draw(_rows(fmt))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    try:
        result = parse_bytes(buffer.getvalue().encode("utf-8"), "x.csv", fmt=fmt)
    except ImportFileError:
        return  # e.g. a NUL byte or a stray quote in a cell: the file is refused as a whole
    report = result.report
    assert report.accepted + report.rejected == report.rows_read
    assert all(isinstance(r, schema.EventRecord) for r in result.accepted_records())


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


def _json_rows(fmt: str):
    table = _fixture_table(FUZZ_FIXTURE[fmt])
    cell = {
        column: st.one_of(st.sampled_from(values), JSON_VALUES)
        for column, values in zip(table[0], zip(*table[1:], strict=True), strict=True)
    }
    return st.lists(st.fixed_dictionaries(cell), min_size=1, max_size=3)


@pytest.mark.parametrize("fmt", EXTERNAL)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_json_values_of_any_type_become_records_or_field_errors(fmt, data):
    objects = data.draw(_json_rows(fmt))
    result = parse_bytes(json.dumps(objects).encode("utf-8"), "x.json", fmt=fmt)
    assert result.report.accepted + result.report.rejected == result.report.rows_read
