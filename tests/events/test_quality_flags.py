"""Quality flags: outside figures kept as the source gives them and flagged; native stays strict.

Covers the schema field, the UCDP importer's flags, both validation paths (record and columnar),
exports and their round trip, the migration that adds the column, and the chart rule for bands.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from alembic import command

from dashboard.events import columnar, exports, migrate, schema
from dashboard.events.importers import import_file, parse_bytes, validate
from dashboard.events.store import open_store
from dashboard.figures import _data
from dashboard.figures.timeline import estimate_series
from tests.events.importers.conftest import edited_csv, read_fixture

GED = "ucdp_ged.csv"


def ged_with(changes: dict[tuple[int, str], str]) -> bytes:
    return edited_csv(read_fixture(GED), changes)


# GED's own inconsistencies, as found in real releases: high = 0 beside best = 5294 on an
# aggregate event marked "Check deaths", best > high, and low > best.
ODD_GED = {
    (0, "low"): "5294",
    (0, "best"): "5294",
    (0, "high"): "0",
    (0, "code_status"): "Check deaths",
    (1, "low"): "5",
    (1, "best"): "9",
    (1, "high"): "7",
    (2, "low"): "3",
    (2, "best"): "1",
    (2, "high"): "4",
}


@pytest.mark.parametrize("by_column", [True, False], ids=["columnar", "per-record"])
def test_ucdp_figures_out_of_order_are_kept_as_given_and_flagged(by_column, monkeypatch):
    if not by_column:  # the per-record path must give the same answer as the columnar one
        monkeypatch.setattr(validate, "validate_columns", lambda fields, rows: None)
    parsed = parse_bytes(ged_with(ODD_GED), GED)
    assert parsed.report.errors == [] and parsed.report.accepted == parsed.report.rows_read == 5
    records = {r.event_id: r for r in parsed.accepted_records()}
    first, second, third = (records[f"ucdp:{i}"] for i in ("478001", "478002", "478003"))
    assert (first.figure_low, first.figure_best, first.figure_high) == (5294, 5294, 0)
    assert first.quality_flags == "check_deaths,source_high_zero"
    assert (second.figure_low, second.figure_best, second.figure_high) == (5, 9, 7)
    assert second.quality_flags == "source_figures_out_of_order"
    assert (third.figure_low, third.figure_best, third.figure_high) == (3, 1, 4)
    assert third.quality_flags == "source_figures_out_of_order"
    others = [r for r in records.values() if r.event_id not in {first.event_id, second.event_id, third.event_id}]
    assert others and all(r.quality_flags is None for r in others)


def test_check_deaths_alone_flags_figures_in_order():
    parsed = parse_bytes(ged_with({(0, "code_status"): "Check deaths"}), GED)
    record = {r.event_id: r for r in parsed.accepted_records()}["ucdp:478001"]
    assert (record.figure_low, record.figure_best, record.figure_high) == (4, 6, 10)
    assert record.quality_flags == "check_deaths"


def test_native_stays_strict_unless_the_record_carries_the_flag(native_csv, record_data):
    disordered = record_data(event_id="N1", figure_low=10, figure_best=5, figure_high=3)
    report = parse_bytes(native_csv([disordered]).encode(), "n.csv").report
    assert report.accepted == 0
    [error] = report.errors
    assert (error.line, error.column) == (2, "figure_low") and "low <= best <= high" in error.rule
    flagged = dict(disordered, quality_flags="source_figures_out_of_order")
    parsed = parse_bytes(native_csv([flagged]).encode(), "n.csv")
    assert parsed.report.errors == []
    [record] = parsed.accepted_records()
    assert (record.figure_low, record.figure_best, record.figure_high) == (10, 5, 3)


def test_check_deaths_does_not_excuse_figures_out_of_order(record_data):
    errors = schema.validate_record(
        record_data(figure_low=9, figure_best=5, figure_high=3, quality_flags="check_deaths")
    )
    assert isinstance(errors, list) and errors[0].column == "figure_low"


def test_unknown_flag_is_refused_with_its_name(native_csv, record_data):
    report = parse_bytes(native_csv([record_data(quality_flags="made_up, check_deaths")]).encode(), "n.csv").report
    [error] = report.errors
    assert error.column == "quality_flags" and "made_up" in error.rule and "check_deaths" in error.rule


def test_flags_are_stored_sorted_once(record_data):
    record = schema.EventRecord.model_validate(
        record_data(quality_flags="source_high_zero; check_deaths ,source_high_zero", figure_high=0)
    )
    assert record.quality_flags == "check_deaths,source_high_zero"
    assert schema.EventRecord.model_validate(record_data(quality_flags=[])).quality_flags is None


def test_flags_are_in_every_export_and_survive_a_round_trip(store, tmp_path):
    report = import_file(store, data=ged_with(ODD_GED), file_name=GED)
    assert report.written and report.new == 5
    frame = exports.export_frame(store.current_events())
    assert "quality_flags" in frame.columns
    flags = dict(zip(frame["event_id"], frame["quality_flags"], strict=True))
    assert flags["ucdp:478001"] == "check_deaths,source_high_zero"
    csv_path = tmp_path / "export.csv"
    exports.write_csv(frame, csv_path)
    assert "check_deaths,source_high_zero" in csv_path.read_text(encoding="utf-8")
    xlsx = pd.read_excel(io.BytesIO(exports.xlsx_bytes(frame)))
    assert "quality_flags" in xlsx.columns
    # The export imports again as the same claims: no revision, flags and raw figures intact.
    again = import_file(store, csv_path, fmt="native")
    assert again.errors == [] and (again.new, again.revised, again.unchanged) == (0, 0, 5)


def test_reimporting_the_same_file_makes_no_revision(store):
    first = import_file(store, data=ged_with(ODD_GED), file_name=GED)
    second = import_file(store, data=ged_with(ODD_GED), file_name=GED)
    assert (first.new, second.new, second.revised, second.unchanged) == (5, 0, 0, 5)


@pytest.mark.sqlite_only
def test_a_database_made_by_0001_upgrades_with_its_data_intact(tmp_path, make_record):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = open_store(url)
    store.append([make_record(event_id=f"M{i}") for i in range(3)])
    store.retract("M2", "test")
    before = store.current_events().drop(columns=["quality_flags"])
    token = store.revision_token()
    config = migrate.alembic_config()
    with store.engine.connect().execution_options(write=True) as conn:  # back to the 0001 schema
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
        conn.commit()
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(events)")]
    assert "quality_flags" not in columns and migrate.current_revision(store.engine) == "0001"
    store.engine.dispose()

    reopened = open_store(url)
    assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    after = reopened.current_events()
    assert after["quality_flags"].isna().all()
    pd.testing.assert_frame_equal(after.drop(columns=["quality_flags"]), before)
    assert reopened.revision_token() == token
    # The digests written before the column existed still match: the same records are unchanged.
    result, _ = reopened.append([make_record(event_id=f"M{i}") for i in range(2)])
    assert (result.new, result.revised, result.unchanged) == (0, 0, 2)


def test_bands_are_not_drawn_where_the_source_bounds_are_out_of_order():
    frame = pd.DataFrame(
        {
            "figure_low": [4.0, 5294.0, 5.0, 2.0],
            "figure_best": [6.0, 5294.0, 9.0, 3.0],
            "figure_high": [10.0, 0.0, 7.0, 8.0],
            "quality_flags": [None, "check_deaths,source_high_zero", None, "source_figures_out_of_order"],
        }
    )
    low, high = _data.band_bounds(frame)
    assert low.tolist()[0] == 4.0 and high.tolist()[0] == 10.0
    assert low.iloc[1:].isna().all() and high.iloc[1:].isna().all()
    # Counts use best as reported.
    assert _data.claim_value(frame).tolist() == [6.0, 5294.0, 9.0, 3.0]


def test_estimate_series_keeps_best_and_drops_the_band_of_a_flagged_claim(make_record):
    records = [
        make_record(event_id="K1", subcategory="killed", unit="killed", category="casualties"),
        make_record(
            event_id="K2",
            subcategory="killed",
            unit="killed",
            category="casualties",
            figure_low=50,
            figure_best=40,
            figure_high=0,
            quality_flags="source_high_zero",
        ),
    ]
    events = columnar.records_table(records).to_pandas()
    events["event_date"] = pd.to_datetime(events["event_date"])
    series = estimate_series(events, "killed").set_index("event_id")
    assert (series.loc["K1", "low"], series.loc["K1", "high"]) == (10000, 12000)
    assert series.loc["K2", "best"] == 40 and pd.isna(series.loc["K2", "low"]) and pd.isna(series.loc["K2", "high"])


def test_data_dictionary_states_the_rule_and_lists_the_flags():
    text = schema.data_dictionary()
    assert schema.FLAGGED_CLAIMS_RULE in text
    for flag in schema.QUALITY_FLAGS:
        assert f"`{flag}`" in text
