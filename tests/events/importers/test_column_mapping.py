"""The column-wise mappings of ACLED, UCDP GED and CNS equal the row-by-row mappers they replaced.

``row_mappers`` holds those row mappers verbatim as the oracle. Both are run on the fixture files
and on random rows whose cells are drawn from real spellings and from values the mapping must
refuse (``mapping_cases``): each row must give the same record fields, or the same error
(column, value and rule: the first problem of the row).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.events.importers import acled, cns, parse_bytes, read, ucdp
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
