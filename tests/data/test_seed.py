"""The curated seed event log data/seed/events.csv: every row a valid, sourced claim."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas
import pytest

from dashboard.events.schema import FIELD_NAMES, EventRecord, parse_sources, validate_record

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "seed" / "events.csv"
BOUNDARIES = ROOT / "data" / "boundaries" / "admin1.parquet"


def _read_rows() -> list[dict[str, str | None]]:
    with SEED.open(encoding="utf-8", newline="") as fh:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str | None]]:
    return _read_rows()


@pytest.fixture(scope="module")
def records(rows) -> dict[str, EventRecord]:
    out = {}
    for line, row in enumerate(rows, start=2):
        data = dict(row)
        data["sources"] = parse_sources(data["sources"])
        result = validate_record(data, line)
        assert isinstance(result, EventRecord), "\n".join(e.describe("events.csv") for e in result)
        out[result.event_id] = result
    return out


def test_header_is_the_schema_in_order():
    with SEED.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    # quality_flags may be left out: the curated log sets no flag (only importers of outside formats do); so
    # may the grade fields: the seed's grades come from the claimant register and its confidence column.
    grades = ("source_reliability", "credibility")
    assert tuple(header) in (
        FIELD_NAMES,
        tuple(f for f in FIELD_NAMES if f != "quality_flags"),
        tuple(f for f in FIELD_NAMES if f not in ("quality_flags", *grades)),
    )


@pytest.mark.parametrize(
    "line, row", list(enumerate(_read_rows(), start=2)), ids=lambda v: v["event_id"] if isinstance(v, dict) else str(v)
)
def test_every_row_validates(line, row):
    data = dict(row)
    cell = data["sources"]
    assert cell and not cell.lstrip().startswith("["), "sources are written as lines, not JSON"
    data["sources"] = parse_sources(cell)
    assert isinstance(data["sources"], list), f"sources cell has the wrong shape: {cell!r}"
    result = validate_record(data, line)
    assert isinstance(result, EventRecord), "\n".join(e.describe("events.csv") for e in result)


def test_event_ids_are_unique(rows):
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_at_least_90_records(records):
    assert len(records) >= 90


def test_every_record_is_a_sourced_seed_claim(records):
    for rec in records.values():
        assert rec.claimant, rec.event_id
        assert rec.description, rec.event_id
        assert rec.origin == "seed", rec.event_id
        assert rec.original_id, rec.event_id
        assert rec.sources and all(s.url.lower().startswith(("http://", "https://")) for s in rec.sources), rec.event_id


def test_a_figure_always_has_a_unit(records):
    for rec in records.values():
        if any(v is not None for v in (rec.figure_low, rec.figure_best, rec.figure_high)):
            assert rec.unit, rec.event_id


def _find(records, **want) -> list[EventRecord]:
    return [r for r in records.values() if all(getattr(r, k) == v for k, v in want.items())]


def test_seed_article_south_korea_mnd_more_than_10000_in_russia(records):
    found = _find(
        records,
        original_id="D08",
        claimant="South Korea MND",
        category="deployment",
        subcategory="in_russia",
        unit="troops",
        figure_low=10000,
    )
    assert len(found) == 1
    rec = found[0]
    assert str(rec.event_date) == "2024-11-05"
    assert rec.figure_best is None and rec.figure_high is None
    assert rec.country_code == "RUS" and rec.latitude is None
    assert "Kursk" in rec.description


def test_seed_article_hur_12000_with_500_officers_and_3_generals(records):
    hur = [
        r
        for r in _find(records, original_id="D09", claimant="Ukraine HUR", category="deployment", unit="troops")
        if str(r.event_date) == "2024-11-05"
    ]
    by_sub = {r.subcategory: r for r in hur}
    assert by_sub["in_russia"].figure_best == 12000
    assert by_sub["officers"].figure_best == 500
    generals = [r for r in hur if r.figure_best == 3 and "general" in (r.description or "").lower()]
    assert len(generals) == 1
    assert generals[0].event_id != by_sub["officers"].event_id


def test_seed_article_up_to_40_killed(records):
    found = _find(
        records, original_id="C01", category="casualties", subcategory="killed", unit="killed", figure_high=40
    )
    assert len(found) == 1
    rec = found[0]
    assert str(rec.event_date) == "2024-11-05"
    assert rec.figure_low is None and rec.figure_best is None
    assert rec.claimant == "Unnamed ROK official via South Korean media"
    assert rec.admin1_code == "RU-KRS" and rec.geo_precision == 3 and rec.latitude is None
    assert rec.confidence == "low"


def test_seed_article_missile_launch_on_5_november_2024(records):
    found = [
        r for r in _find(records, category="missile_test", actor="North Korea") if str(r.event_date) == "2024-11-05"
    ]
    assert len(found) == 1
    assert found[0].original_id == "M02"
    assert found[0].unit == "missiles"


def test_region_level_records_have_no_coordinates(records):
    for rec in records.values():
        if rec.geo_precision in (3, 4):
            assert rec.latitude is None and rec.longitude is None, rec.event_id


def test_troop_measures_point_at_the_right_place(records):
    for rec in records.values():
        if rec.category != "deployment":
            continue
        if rec.subcategory == "in_kursk":
            assert (rec.admin1_code, rec.admin1_name, rec.country_code, rec.geo_precision) == (
                "RU-KRS",
                "Kursk Oblast",
                "RUS",
                3,
            ), rec.event_id
        if rec.subcategory == "in_russia":
            assert rec.country_code == "RUS", rec.event_id
            if rec.admin1_code is None:
                assert rec.geo_precision == 4, rec.event_id


def test_missile_tests_count_missiles(records):
    for rec in records.values():
        if rec.category == "missile_test":
            assert rec.actor == "North Korea", rec.event_id
            assert rec.subcategory in {"icbm", "irbm", "srbm", "cruise", "hypersonic", "mrl", "slbm", "unknown"}
            if any(v is not None for v in (rec.figure_low, rec.figure_best, rec.figure_high)):
                assert rec.unit == "missiles", rec.event_id


def test_admin1_codes_exist_in_the_shipped_boundaries(records):
    if not BOUNDARIES.exists():
        pytest.skip("data/boundaries/admin1.parquet is not there yet")
    codes = set(pandas.read_parquet(BOUNDARIES, columns=["iso_3166_2"])["iso_3166_2"])
    missing = sorted({r.admin1_code for r in records.values() if r.admin1_code and r.admin1_code not in codes})
    assert missing == []
