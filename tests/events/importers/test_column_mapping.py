"""The column-wise mappings of ACLED, UCDP GED and CNS equal the row-by-row mappers they replaced.

``row_mappers`` holds those row mappers verbatim as the oracle. Both are run on the fixture files
and on random rows whose cells are drawn from real spellings and from values the mapping must
refuse (``mapping_cases``): each row must give the same record fields, or the same error
(column, value and rule: the first problem of the row).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.events import columnar, schema
from dashboard.events.importers import acled, cns, parse_bytes, pipeline, read, ucdp, validate
from dashboard.events.importers.base import RawRow, RowError, decode, read_csv_rows
from dashboard.events.importers.cells import MISSING, Columns
from dashboard.events.importers.pipeline import _column_context
from tests.events.importers.conftest import read_fixture
from tests.events.importers.mapping_cases import MODULES, ODD_TYPES, POOLS, mostly_valid_rows, outcome_json, random_rows
from tests.events.importers.row_mappers import acled_row, cns_row, ucdp_row

ROW_MAPPERS = {acled: acled_row, ucdp: ucdp_row, cns: cns_row}


def row_outcomes(module, header: list[str], rows: list[dict[str, Any]]) -> list[Any]:
    raws = [RawRow(i + 2, row) for i, row in enumerate(rows)]
    context = _column_context(module, header, raws)
    outcomes = []
    for raw in raws:
        try:
            outcomes.append(outcome_json(ROW_MAPPERS[module](raw.cells, context)))
        except RowError as exc:
            outcomes.append({"error": [exc.column, outcome_json(exc.value), exc.rule]})
    return outcomes


def column_outcomes(module, header: list[str], rows: list[dict[str, Any]]) -> list[Any]:
    context = _column_context(module, header, [RawRow(i + 2, row) for i, row in enumerate(rows)])
    cells = Columns({name: [row.get(name, MISSING) for row in rows] for name in header}, len(rows))
    fields = module.to_record_columns(cells, context)
    outcomes = []
    for index in range(len(rows)):
        if index in cells.errors:
            exc = cells.errors[index]
            outcomes.append({"error": [exc.column, outcome_json(exc.value), exc.rule]})
        else:
            outcomes.append(outcome_json({name: values[index] for name, values in fields.items()}))
    return outcomes


def assert_same(module, header: list[str], rows: list[dict[str, Any]]) -> None:
    expected, got = row_outcomes(module, header, rows), column_outcomes(module, header, rows)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"row {index}: {rows[index]}"


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("acled_export_tool.csv", acled),
        ("acled_api.csv", acled),
        ("acled_cp1251.csv", acled),
        ("acled_utf8_bom.csv", acled),
        ("ucdp_ged.csv", ucdp),
        ("cns_missile_tests.csv", cns),
        ("cns_missile_tests.xlsx", cns),
    ],
)
def test_fixtures_map_as_the_row_mapper_did(name, module):
    data = read_fixture(name)
    if name.endswith(".xlsx"):
        header, rows = read.xlsx_rows(data, name)
    else:
        header, rows = read_csv_rows(decode(data, name).text, name)
    rows = [row.cells for row in rows]
    assert_same(module, header, rows)
    assert all("error" not in outcome for outcome in column_outcomes(module, header, rows))


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_layouts_map_as_the_row_mapper_did(kind, seed):
    """Export Tool and API layouts, GED with out-of-order figures and code_status, CNS; odd JSON cell types."""
    for rows in (
        random_rows(kind, 150, seed),
        random_rows(kind, 80, seed, odd_types=True),
        mostly_valid_rows(kind, 150, seed),
    ):
        assert_same(MODULES[kind], list(POOLS[kind]), rows)


def _cell(pool: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(pool), st.sampled_from(ODD_TYPES), st.text(max_size=8))


@st.composite
def layout_rows(draw) -> tuple[str, list[str], list[dict[str, Any]]]:
    """Rows of one layout: mostly good cells, with up to three columns of each row given odd values
    (so that rows reach their later columns, and some rows have two problems whose order matters)."""
    kind = draw(st.sampled_from(sorted(POOLS)))
    pools = POOLS[kind]
    header = list(pools)
    good = st.fixed_dictionaries({column: st.sampled_from(pool[:2]) for column, pool in pools.items()})
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        row = draw(good)
        for column in draw(st.lists(st.sampled_from(header), max_size=3, unique=True)):
            row[column] = draw(_cell(pools[column]))
        rows.append(row)
    # JSON objects need not share their keys: drop a cell from some rows.
    if draw(st.booleans()):
        drop = draw(st.sampled_from(header))
        rows = [{k: v for k, v in r.items() if k != drop} if i % 2 else r for i, r in enumerate(rows)]
    return kind, header, rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout_rows())
def test_random_rows_map_as_the_row_mapper_did(case):
    kind, header, rows = case
    assert_same(MODULES[kind], header, rows)


def test_errors_after_a_misshapen_row_name_their_own_line():
    """A row with the wrong number of cells is not mapped; the rows after it keep their lines."""
    data = read_fixture("acled_export_tool.csv").decode("utf-8").splitlines()
    header, first, second = data[0], data[1], data[2]
    broken = second.rsplit(",", 1)[0].replace("RUS6789", "RUS9") + ",yesterday"  # timestamp is the last column
    text = "\n".join([header, first + ",extra", first, broken]) + "\n"
    parsed = parse_bytes(text.encode(), "acled.csv")
    lines = parsed.report.error_lines()
    assert parsed.report.rejected == 2 and parsed.report.accepted == 1
    assert lines[0].startswith("acled.csv:2:") and "cells where the header has" in lines[0]
    assert lines[1].startswith("acled.csv:4 column 'timestamp'")
    assert "timestamp" in lines[1] and "yesterday" in lines[1] and "Unix seconds" in lines[1]


# --- the Arrow reading of a clean outside CSV equals the record-by-record path ------------------

ID_COLUMNS = {"acled": "event_id_cnty", "acled_api": "event_id_cnty", "ucdp": "id", "cns": "F1"}
# Cited outlets and headlines as real files spell them, and as hostile ones might: they end up in
# the source titles, which the Arrow check encodes as JSON itself.
ODD_CITATIONS = ['Reuters "exclusive"', "back\\slash", "tab\there", "Ünïcödé — ТАСС", "ctl\x01char", "emoji 🚀"]


def clean_csv(kind: str, count: int, seed: int) -> bytes:
    """A CSV of ``count`` rows of ``kind`` that the row mapper maps without error, ids unique."""
    module = MODULES[kind]
    rows = []
    for index, row in enumerate(mostly_valid_rows(kind, count * 6, seed)):
        row[ID_COLUMNS[kind]] = str(index + 1)
        for column in ("source", "source_headline", "source_office", "Source(s)", "notes"):
            if column in row and index % 4 == 0:
                row[column] = ODD_CITATIONS[index % len(ODD_CITATIONS)] + " " + str(row[column])
        try:
            mapped = ROW_MAPPERS[module](row, {})
        except RowError:
            continue
        if isinstance(schema.validate_record(mapped, line=index + 2), schema.EventRecord):
            rows.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(POOLS[kind]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows[:count])
    return buffer.getvalue().encode()


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("arrow_rules_from", [0, 10_000])
def test_clean_outside_csv_read_by_arrow_equals_the_record_path(kind, arrow_rules_from, monkeypatch):
    monkeypatch.setattr(validate, "ROWS_FOR_ARROW_RULES", arrow_rules_from)
    data, name = clean_csv(kind, 120, seed=5), f"{kind}.csv"
    decoded = decode(data, name)
    header, rows = read_csv_rows(decoded.text, name)
    digest = hashlib.sha256(data).hexdigest()
    fast = pipeline._parse_outside_columns(data, decoded, header, name, "auto", digest, None)
    exact = pipeline._parse_rows(header, rows, name, "auto", decoded.encoding, digest, None, None, by_column=False)
    assert exact.report.errors == [] and exact.report.accepted >= 100
    assert fast is not None, "a clean file is read by Arrow"
    assert fast.report.rows_read == fast.report.accepted == exact.report.accepted
    expected = columnar.records_table(exact.records)
    assert fast.table.schema == expected.schema
    for column in expected.column_names:
        assert fast.table.column(column).to_pylist() == expected.column(column).to_pylist(), column
    assert parse_bytes(data, name).table.equals(fast.table)


def test_an_outside_csv_with_a_bad_row_is_read_row_by_row_for_its_line():
    data = clean_csv("ucdp", 30, seed=6).decode().splitlines()
    cells = next(csv.reader([data[8]]))
    cells[list(POOLS["ucdp"]).index("where_prec")] = "9"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    data[8] = buffer.getvalue().rstrip("\n")
    parsed = parse_bytes("\n".join(data).encode(), "ged.csv")
    assert parsed.report.rejected == 1 and parsed.report.accepted == 29
    (line,) = parsed.report.error_lines()
    assert line.startswith("ged.csv:9 column 'where_prec'") and "'9'" in line and "UCDP's where precision" in line


@settings(max_examples=200, deadline=None)
@given(
    sources=st.lists(
        st.fixed_dictionaries(
            {
                "outlet": st.sampled_from(["ACLED", " UCDP GED", "", "x" * 301, "ok\x00"]),
                "title": st.one_of(st.none(), st.text(max_size=12), st.sampled_from(ODD_CITATIONS + ["  ", "t" * 301])),
                "date": st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
                "url": st.sampled_from(["https://acleddata.com/", "https://ucdp.uu.se/ ", "javascript:x", "http://"]),
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_one_source_rows_checked_by_arrow_equal_the_validator(sources):
    rows = [[source] for source in sources]
    one_by_one = [validate._field_storage("sources", row) for row in rows]
    expected = None if validate._INVALID in one_by_one else one_by_one
    assert validate._mapped_sources(rows) == expected


def test_a_row_of_empty_cells_is_skipped_as_the_row_reader_skips_it():
    """Arrow reads ",,,," as a row; the row reader skips it as blank. The result must not differ."""
    lines = clean_csv("acled", 40, seed=7).decode().splitlines()
    blank = "," * (len(POOLS["acled"]) - 1)
    with_blank = "\n".join([*lines[:10], blank, *lines[10:]]).encode()
    parsed, plain = parse_bytes(with_blank, "a.csv"), parse_bytes("\n".join(lines).encode(), "a.csv")
    assert parsed.report.errors == [] and parsed.report.accepted == plain.report.accepted == 40
    assert parsed.accepted_table().equals(plain.accepted_table())
