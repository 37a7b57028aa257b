"""dashboard.events.store: the append-only, revisioned event log."""

from __future__ import annotations

import datetime as dt
import json
import time

import pandas as pd
import pytest

from dashboard.events import schema
from dashboard.events.filters import EventFilter
from dashboard.events.importers import import_file
from dashboard.events.store import BatchInfo, StoreError, open_store, utc_now


def _batch(name: str = "file.csv", rows: int = 1) -> BatchInfo:
    return BatchInfo(
        file_name=name,
        sha256="0" * 64,
        format="native",
        encoding="utf-8",
        origin="native",
        rows_read=rows,
        rows_rejected=0,
        started_at=utc_now(),
    )


# --- append -----------------------------------------------------------------------


def test_append_counts_new_unchanged_and_revised(store, make_record):
    first = [make_record(event_id=f"E{i}") for i in range(3)]
    result, batch_id = store.append(first)
    assert (result.new, result.revised, result.unchanged) == (3, 0, 0)
    assert result.new_ids == ["E0", "E1", "E2"] and batch_id is None

    again = [first[0], first[1].model_copy(update={"figure_best": 11500.0}), make_record(event_id="E3")]
    result, _ = store.append(again)
    assert (result.new, result.revised, result.unchanged) == (1, 1, 1)
    assert result.revised_ids == ["E1"] and result.new_ids == ["E3"]
    assert len(store.current_events()) == 4


def test_current_view_holds_the_latest_revision(store, make_record):
    store.append([make_record(event_id="E1", figure_best=11000)])
    store.append([make_record(event_id="E1", figure_best=11500)])
    current = store.current_events()
    assert current["figure_best"].tolist() == [11500.0]
    assert current["revision"].tolist() == [2]


def test_revision_numbers_increase_by_one(store, make_record):
    for figure in (11000, 11500, 12000):
        store.append([make_record(event_id="E1", figure_best=figure, figure_high=None)])
    history = store.history("E1")
    assert history["revision"].tolist() == [1, 2, 3]
    assert history["figure_best"].tolist() == [11000.0, 11500.0, 12000.0]
    assert history["recorded_at"].is_monotonic_increasing


def test_provenance_alone_is_not_a_revision(store, make_record):
    store.append([make_record(event_id="E1", origin="seed")])
    result, _ = store.append([make_record(event_id="E1", origin="upload-7")])
    assert (result.new, result.revised, result.unchanged) == (0, 0, 1)


def test_the_same_id_twice_in_one_batch_is_refused(store, make_record, state):
    before = state(store)
    with pytest.raises(StoreError, match="the same event_id appears twice"):
        store.append([make_record(event_id="E1"), make_record(event_id="E1", figure_best=11001)])
    assert state(store) == before


def test_append_with_a_batch_records_its_counts(store, make_record):
    store.append([make_record(event_id="E1")])
    result, batch_id = store.append(
        [make_record(event_id="E1", figure_best=11500), make_record(event_id="E2")], batch=_batch("second.csv", rows=3)
    )
    batches = store.batches()
    assert batches["batch_id"].tolist() == [batch_id]
    row = batches.iloc[0]
    assert row["file_name"] == "second.csv" and row["rows_read"] == 3 and row["rows_accepted"] == 2
    assert (row["rows_new"], row["rows_revised"], row["rows_unchanged"]) == (1, 1, 0)
    assert row["finished_at"] >= row["started_at"]
    assert store.history("E2")["batch_id"].tolist() == [batch_id]


def test_batches_are_listed_newest_first(store, make_record):
    ids = [store.append([make_record(event_id=f"E{i}")], batch=_batch(f"f{i}.csv"))[1] for i in range(3)]
    assert store.batches()["batch_id"].tolist() == ids[::-1]
    assert store.find_batch("0" * 64)["batch_id"] == ids[-1]
    assert store.find_batch("f" * 64) is None


# --- revise and retract ----------------------------------------------------------------


def test_revise_records_a_correction_with_its_reason(store, make_record):
    store.append([make_record(event_id="E1")])
    assert store.revise("E1", {"figure_best": 11800, "confidence": "medium"}, "NIS update") == 2
    history = store.history("E1")
    assert history["reason"].tolist()[1] == "NIS update"
    assert history["figure_best"].tolist() == [11000.0, 11800.0]
    current = store.current_events().iloc[0]
    assert current["confidence"] == "medium" and current["location"] == "Sudzha"
    assert json.loads(current["sources"])[0]["outlet"] == "Yonhap"


def test_revise_checks_the_rules(store, make_record, state):
    store.append([make_record(event_id="E1")])
    before = state(store)
    with pytest.raises(StoreError, match="figure_low .* is greater than figure_best"):
        store.revise("E1", {"figure_low": 99999}, "typo")
    with pytest.raises(StoreError, match="no event with id 'E9'"):
        store.revise("E9", {"figure_best": 1}, "missing")
    assert state(store) == before


def test_retract_hides_the_event_but_history_keeps_it(store, make_record):
    store.append([make_record(event_id="E1"), make_record(event_id="E2")])
    assert store.retract("E1", "duplicate of E2") == 2
    assert store.current_events()["event_id"].tolist() == ["E2"]
    history = store.history("E1")
    assert history["retracted"].tolist() == [False, True]
    assert history["reason"].tolist()[1] == "duplicate of E2"
    assert store.stats()["events"] == 1 and store.stats()["revisions"] == 3
    with pytest.raises(StoreError, match="is retracted"):
        store.revise("E1", {"figure_best": 1}, "too late")
    with pytest.raises(StoreError, match="is retracted"):
        store.retract("E1", "twice")


def test_reimporting_a_retracted_event_brings_it_back_as_a_revision(store, make_record):
    record = make_record(event_id="E1")
    store.append([record])
    store.retract("E1", "mistake")
    result, _ = store.append([record])
    assert result.revised == 1
    assert store.current_events()["revision"].tolist() == [3]


# --- as_of ----------------------------------------------------------------------------------


def test_as_of_shows_the_log_as_it_was(store, make_record):
    store.append([make_record(event_id="E1", figure_best=11000)])
    between = utc_now()
    time.sleep(0.01)
    store.append([make_record(event_id="E1", figure_best=11500), make_record(event_id="E2")])
    store.retract("E1", "withdrawn")
    before_everything = between - dt.timedelta(days=1)

    then = store.current_events(as_of=between)
    assert then["event_id"].tolist() == ["E1"]
    assert then["figure_best"].tolist() == [11000.0]
    assert store.current_events()["event_id"].tolist() == ["E2"]
    assert store.current_events(as_of=before_everything).empty
    # an aware timestamp means the same moment
    aware = between.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert store.current_events(as_of=aware)["figure_best"].tolist() == [11000.0]
    assert store.query(EventFilter(categories=("deployment",)), as_of=between)["event_id"].tolist() == ["E1"]


# --- the log is append-only --------------------------------------------------------------------


def test_rows_are_never_updated_in_place(store, make_record, log_rows):
    store.append([make_record(event_id="E1"), make_record(event_id="E2")])
    before = log_rows(store)
    store.revise("E1", {"figure_best": 11800}, "update")
    store.retract("E2", "withdrawn")
    store.append([make_record(event_id="E1", figure_best=11900)])
    after = log_rows(store)
    assert len(after) == len(before) + 3
    assert after[: len(before)] == before  # the old rows, byte for byte


def test_heads_index_agrees_with_the_log(store, make_record, log_rows):
    store.append([make_record(event_id=f"E{i}") for i in range(5)])
    store.revise("E1", {"figure_best": 1, "figure_low": None}, "x")
    store.retract("E3", "y")
    heads = {row[0]: row[1] for row in log_rows(store, "event_heads")}
    latest: dict[str, int] = {}
    with store.reading() as conn:  # by name: a migration appends its columns after the log's own
        pairs = conn.exec_driver_sql("SELECT event_id, revision FROM events").fetchall()
    for event_id, revision in pairs:
        latest[event_id] = max(latest.get(event_id, 0), revision)
    assert heads == latest


# --- revision token ------------------------------------------------------------------------------


def test_revision_token_changes_on_every_write_and_not_on_reads(store, make_record):
    tokens = [store.revision_token()]
    store.append([make_record(event_id="E1")])
    tokens.append(store.revision_token())
    store.revise("E1", {"figure_best": 11500}, "update")
    tokens.append(store.revision_token())
    store.retract("E1", "gone")
    tokens.append(store.revision_token())
    store.append([make_record(event_id="E2")], batch=_batch())
    tokens.append(store.revision_token())
    assert len(set(tokens)) == len(tokens)

    store.current_events()
    store.query(EventFilter(text="korea"))
    store.history("E1")
    store.stats()
    store.batches()
    assert store.revision_token() == tokens[-1]


def test_an_unchanged_append_without_a_batch_writes_nothing(store, make_record, state):
    store.append([make_record(event_id="E1")])
    before = state(store)
    store.append([make_record(event_id="E1")])
    assert state(store) == before


def test_reimporting_a_file_records_the_batch_and_moves_the_token(store, native_csv, record_data, state):
    data = native_csv([record_data()]).encode()
    import_file(store, data=data, file_name="a.csv")
    token, rows, batches = state(store)
    report = import_file(store, data=data, file_name="a.csv")
    assert report.new == 0 and report.unchanged == 1
    assert state(store)[1:] == (rows, batches + 1)
    assert state(store)[0] != token


# --- reads ------------------------------------------------------------------------------------------


def test_current_events_have_stable_dtypes(store, make_record):
    store.append(
        [
            make_record(event_id="E1"),
            make_record(event_id="E2", latitude=None, longitude=None, geo_precision=4, event_date_end="2024-11-09"),
        ]
    )
    frame = store.current_events()
    assert list(frame.columns) == [*schema.FIELD_NAMES, "revision", "recorded_at", "reason", "retracted", "batch_id"]
    assert pd.api.types.is_datetime64_any_dtype(frame["event_date"])
    assert frame["latitude"].dtype == "float64" and str(frame["geo_precision"].dtype) == "Int64"
    assert frame["retracted"].dtype == bool
    assert frame.loc[frame["event_id"] == "E2", "latitude"].isna().all()


def test_current_events_is_ordered_by_date_then_id(store, make_record):
    store.append(
        [
            make_record(event_id="B", event_date="2024-11-02"),
            make_record(event_id="A", event_date="2024-11-02"),
            make_record(event_id="C", event_date="2024-11-01"),
        ]
    )
    assert store.current_events()["event_id"].tolist() == ["C", "A", "B"]


def test_current_events_with_chosen_columns(store, make_record):
    store.append([make_record(event_id="E1")])
    frame = store.current_events(columns=("event_id", "category"))
    assert list(frame.columns) == ["event_id", "category"]


def test_query_applies_the_filter(store, make_record):
    store.append(
        [
            make_record(
                event_id="E1",
                category="battle",
                subcategory=None,
                figure_low=None,
                figure_best=None,
                figure_high=None,
                unit=None,
            ),
            make_record(event_id="E2", claimant="Ukraine HUR"),
        ]
    )
    assert store.query(EventFilter(categories=("battle",)))["event_id"].tolist() == ["E1"]
    assert store.query(EventFilter(claimants=("Ukraine HUR",)))["event_id"].tolist() == ["E2"]
    assert store.query()["event_id"].tolist() == ["E1", "E2"]


def test_history_of_an_unknown_event(store):
    with pytest.raises(StoreError, match="no event with id 'nope'"):
        store.history("nope")


def test_stats(store, make_record):
    assert store.stats() == {
        "events": 0,
        "revisions": 0,
        "by_category": {},
        "by_origin": {},
        "by_quality_flag": {},
        "first_date": None,
        "last_date": None,
        "revision_token": "0.0",
    }
    store.append(
        [
            make_record(event_id="E1", event_date="2024-10-18", origin="seed"),
            make_record(event_id="E2", event_date="2024-11-05", event_date_end="2024-12-01"),
            make_record(event_id="E3", category="battle", subcategory=None, event_date="2024-11-20"),
        ]
    )
    store.append([make_record(event_id="E4", figure_high=0, quality_flags="source_high_zero,check_deaths")])
    store.retract("E4", "counted while current only")
    store.revise("E1", {"figure_best": 10500}, "update")
    assert store.stats()["by_quality_flag"] == {}
    store.revise("E2", {"figure_low": 9, "figure_best": 8, "quality_flags": "source_figures_out_of_order"}, "odd")
    store.revise("E3", {"quality_flags": "check_deaths"}, "odd")
    stats = store.stats()
    assert stats["by_quality_flag"] == {"source_figures_out_of_order": 1, "check_deaths": 1}
    store.revise("E2", {"quality_flags": None, "figure_low": 1}, "fixed")
    stats = store.stats()
    assert stats["events"] == 3 and stats["revisions"] == 9
    assert stats["by_category"] == {"battle": 1, "deployment": 2}
    assert stats["by_origin"] == {"native": 2, "seed": 1}
    assert (stats["first_date"], stats["last_date"]) == ("2024-10-18", "2024-12-01")
    assert stats["revision_token"] == store.revision_token()


def test_is_empty(store, make_record):
    assert store.is_empty()
    store.append([make_record()])
    assert not store.is_empty()


# --- opening -------------------------------------------------------------------------------------------


def test_reopening_a_database_keeps_its_log(tmp_path, make_record):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    first = open_store(url, seed=False)
    first.append([make_record(event_id="E1")])
    token = first.revision_token()
    first.engine.dispose()
    again = open_store(url, seed=False)
    assert again.revision_token() == token
    assert again.current_events()["event_id"].tolist() == ["E1"]
    again.engine.dispose()


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("this,is\nnot,a database\n" * 200)
    with pytest.raises(StoreError, match="is damaged or not a Conflict Monitor database"):
        open_store(f"sqlite:///{path}", seed=False)


def test_a_bad_url_is_a_store_error():
    with pytest.raises(StoreError, match="is not a database URL"):
        open_store("not a url", seed=False)


@pytest.mark.sqlite_only
def test_the_database_is_in_wal_mode(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_opening_an_empty_store_never_seeds_it(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        assert store.is_empty() and store.batches().empty
    finally:
        store.engine.dispose()


def test_negative_zero_reimported_from_an_export_is_not_a_revision(store, make_record):
    from dashboard.events import exports

    store.append([make_record(event_id="E1", longitude=-0.0, latitude=51.0, figure_low=-0.0)])
    data = exports.csv_bytes(exports.export_frame(store.current_events()))
    report = import_file(store, data=data, file_name="export.csv")
    assert (report.new, report.revised, report.unchanged) == (0, 0, 1)
