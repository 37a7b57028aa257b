"""dashboard.events.importers with the native format: our own CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from dashboard.events.importers import import_file, native, parse_bytes, validate_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "native"


@pytest.fixture
def fixture_copy(tmp_path):
    """A fixture file copied to tmp_path, so that a rejects file lands there."""

    def copy(name: str) -> Path:
        return Path(shutil.copy(FIXTURES / name, tmp_path / name))

    return copy


def _by_id(store):
    return store.current_events().set_index("event_id")


def test_csv_fixture_imports(store):
    report = import_file(store, FIXTURES / "events.csv")
    assert report.errors == [] and report.written
    assert (report.format, report.encoding, report.rows_read, report.accepted) == ("native", "utf-8", 4, 4)
    assert (report.new, report.revised, report.unchanged) == (4, 0, 0)
    assert report.summary() == (
        "events.csv: native (utf-8), 4 rows read, 4 valid, 0 invalid; 4 new, 0 revised, 0 unchanged"
    )
    events = _by_id(store)
    assert events.loc["N02", "event_date_end"] == dt.datetime(2024, 11, 6)
    assert events.loc["N04", "location"] == "Курськ"
    assert events.loc["N03", "missile_name"] == "Hwasong-19"
    assert events.loc["N01", "figure_best"] == 1500.0


def test_json_fixture_gives_the_same_records(make_store):
    from_csv, from_json = make_store("csv"), make_store("json")
    import_file(from_csv, FIXTURES / "events.csv")
    report = import_file(from_json, FIXTURES / "events.json")
    assert report.errors == [] and report.new == 4 and report.format == "native"
    columns = [c for c in from_csv.current_events().columns if c not in ("recorded_at", "batch_id")]
    assert from_csv.current_events()[columns].equals(from_json.current_events()[columns])


def test_several_sources_in_one_cell(store):
    import_file(store, FIXTURES / "events.csv")
    events = _by_id(store)
    lines = json.loads(events.loc["N01", "sources"])  # one source per line in the cell
    assert [s["outlet"] for s in lines] == ["Yonhap", "Reuters"]
    assert lines[1] == {
        "outlet": "Reuters",
        "title": "South Korea says North Korean troops in Russia",
        "date": "2024-10-18",
        "url": "https://example.org/reuters/1018",
    }
    array = json.loads(events.loc["N02", "sources"])  # a JSON array in the cell, a "|" in a title
    assert array == [
        {
            "outlet": "Kyiv Independent",
            "title": "HUR: first clashes | Kursk",
            "date": "2024-11-05",
            "url": "https://example.org/kyiv/1105",
        }
    ]
    no_title = json.loads(events.loc["N03", "sources"])
    assert no_title[0]["title"] is None and no_title[0]["date"] == "2024-10-31"


def test_json_sources_as_a_list_of_objects(store, record_data):
    data = json.dumps(
        {
            "events": [
                record_data(
                    sources=[
                        {"outlet": "A", "title": "one", "date": "2024-11-05", "url": "https://example.org/1"},
                        {"outlet": "B", "title": None, "date": "2024-11-06", "url": "https://example.org/2"},
                    ]
                )
            ]
        }
    ).encode()
    report = import_file(store, data=data, file_name="events.json")
    assert report.written and report.new == 1
    assert [s["outlet"] for s in json.loads(store.current_events()["sources"][0])] == ["A", "B"]


def test_reimport_adds_nothing(store):
    import_file(store, FIXTURES / "events.csv")
    rows = store.stats()["revisions"]
    for path in (FIXTURES / "events.csv", FIXTURES / "events.json"):
        report = import_file(store, path)
        assert (report.new, report.revised, report.unchanged) == (0, 0, 4)
    assert store.stats()["revisions"] == rows
    assert store.batches()["rows_unchanged"].tolist() == [4, 4, 0]


def test_a_changed_row_becomes_a_new_revision(store, tmp_path):
    import_file(store, FIXTURES / "events.csv")
    changed = (FIXTURES / "events.csv").read_text(encoding="utf-8").replace(",1500,", ",1600,")
    (tmp_path / "events.csv").write_text(changed, encoding="utf-8")
    report = import_file(store, tmp_path / "events.csv")
    assert (report.new, report.revised, report.unchanged) == (0, 1, 3)
    history = store.history("N01")
    assert history["revision"].tolist() == [1, 2]
    assert history["figure_best"].tolist() == [1500.0, 1600.0]


def test_excel_date_spellings(store):
    report = import_file(store, FIXTURES / "excel_dates.csv")
    assert report.errors == []
    events = _by_id(store)
    assert events.loc["X01", "event_date"] == dt.datetime(2014, 1, 22)  # 1/22/2014 12:00:00 AM
    assert events.loc["X01", "reported_date"] == dt.datetime(2014, 1, 23)
    # 12/5 alone could be either; 1/22 in the same column settles month-first
    assert events.loc["X02", "event_date"] == dt.datetime(2014, 12, 5)
    assert events.loc["X03", "event_date"] == dt.datetime(2014, 2, 3)


def test_an_ambiguous_date_is_an_error_not_a_guess(store, state):
    before = state(store)
    report = import_file(store, FIXTURES / "ambiguous_dates.csv")
    assert not report.written and state(store) == before
    [error] = report.errors
    assert (error.line, error.column, error.value) == (2, "event_date", "05/02/2014 00:00")
    assert "ambiguous" in error.rule and "5 February or 2 May" in error.rule and "YYYY-MM-DD" in error.rule


def test_day_first_column_is_settled_by_a_day_over_twelve(store, native_csv, record_data):
    data = native_csv([record_data(event_date="22/01/2024"), record_data(event_date="05/02/2024")]).encode()
    import_file(store, data=data, file_name="d.csv")
    assert store.current_events()["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-22", "2024-02-05"]


def test_all_or_nothing_by_default(store, fixture_copy, state):
    import_file(store, FIXTURES / "events.csv")
    before = state(store)
    path = fixture_copy("some_invalid.csv")
    report = import_file(store, path)
    assert not report.written and report.accepted == 2 and report.rejected == 3
    assert state(store) == before
    assert [(e.line, e.column) for e in report.errors] == [(3, "latitude"), (4, "figure_best"), (6, "figure_best")]
    assert not (path.parent / "some_invalid.rejects.csv").exists()


def test_skip_invalid_imports_valid_rows_and_writes_rejects(store, fixture_copy):
    path = fixture_copy("some_invalid.csv")
    report = import_file(store, path, skip_invalid=True)
    assert report.written and report.new == 2
    assert sorted(store.current_events()["event_id"]) == ["V01", "V04"]
    assert report.rejects_path == path.parent / "some_invalid.rejects.csv"
    with report.rejects_path.open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["line"] for r in rejects] == ["3", "4", "6"]
    assert [r["event_id"] for r in rejects] == ["V02", "V03", "V05"]
    assert "column 'latitude': Input should be less than or equal to 90" in rejects[0]["errors"]
    assert rejects[1]["errors"] == "column 'figure_best': Input should be greater than or equal to 0 (value: -5.0)"
    assert rejects[2]["figure_best"] == "'=1+1"  # the rejects file is guarded like an export
    batch = store.batches().iloc[0]
    assert (batch["rows_read"], batch["rows_accepted"], batch["rows_rejected"]) == (5, 2, 3)


def test_cp1251_file_decodes_and_reports_its_encoding(store):
    report = import_file(store, FIXTURES / "cp1251.csv")
    assert report.encoding == "cp1251" and report.written
    events = _by_id(store)
    assert events.loc["C01", "location"] == "Суджа"
    assert events.loc["C01", "admin1_name"] == "Курская область"
    assert json.loads(events.loc["C02", "sources"])[0]["title"] == "Бои"
    assert store.batches()["encoding"].tolist() == ["cp1251"]


def test_forced_encoding_that_does_not_fit(store):
    from dashboard.events.importers import ImportFileError

    with pytest.raises(ImportFileError, match=r"byte 0x\w\w at offset \d+ is not valid utf-8; try --encoding"):
        import_file(store, FIXTURES / "cp1251.csv", encoding="utf-8")


def test_region_is_filled_from_coordinates(store, native_csv, record_data):
    data = native_csv([record_data(admin1_code=None, admin1_name=None, country_code=None)]).encode()
    import_file(store, data=data, file_name="p.csv")
    row = store.current_events().iloc[0]
    assert (row["admin1_code"], row["admin1_name"], row["country_code"]) == ("RU-KRS", "Kursk Oblast", "RUS")


def test_origin_can_be_set_for_a_whole_file(store):
    report = import_file(store, FIXTURES / "events.csv", origin="upload-42")
    assert report.written
    assert set(store.current_events()["origin"]) == {"upload-42"}
    assert store.batches()["origin"].tolist() == ["upload-42"]


def test_validate_file_writes_nothing(store, state):
    before = state(store)
    parsed = validate_file(FIXTURES / "events.csv")
    assert parsed.accepted_table().num_rows == 4 and parsed.rejected_rows == []
    assert state(store) == before


def test_progress_is_reported_for_every_row(record_data, native_csv):
    seen = []
    parse_bytes(native_csv([record_data() for _ in range(7)]).encode(), "p.csv", progress=seen.append)
    assert sum(seen) == 7


def test_export_columns_are_read_and_ignored(store, native_csv, record_data):
    row = record_data(revision="7", recorded_at="2024-11-05T10:00:00.000000Z")
    report = import_file(store, data=native_csv([row]).encode(), file_name="export.csv")
    assert report.errors == [] and report.new == 1
    assert store.current_events()["revision"].tolist() == [1]


def test_json_booleans_are_not_numbers(record_data):
    data = json.dumps([record_data(figure_best=True, figure_low=None, figure_high=None)]).encode()
    [error] = parse_bytes(data, "b.json").report.errors
    assert (error.line, error.column, error.rule) == (1, "figure_best", "not a number (true/false)")


def test_json_record_numbers_are_their_position(record_data):
    data = json.dumps([record_data(), record_data(category="war")], indent=2).encode()
    [error] = parse_bytes(data, "e.json").report.errors
    assert (error.line, error.column) == (2, "category")


def test_native_matches_only_headers_with_every_required_field():
    assert native.matches(["event_id", "event_date", "category", "actor", "claimant", "sources", "extra"])
    assert not native.matches(["event_id", "event_date", "category", "claimant", "sources"])
    assert native.unknown_columns(["event_id", "revision", "recorded_at", "colour"]) == ["colour"]
