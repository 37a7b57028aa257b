"""The Parquet snapshot of the current view, written on read and carried forward by appends.

Whatever way a snapshot was made, reading it must give exactly the frame a fresh SQL read
gives: same rows, order, values and dtypes (categories included).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.events import store as store_module
from dashboard.events.importers import import_file
from dashboard.events.store import BatchInfo, _to_frame, open_store, snapshot_path

pytestmark = pytest.mark.sqlite_only


def sql_view(store) -> pd.DataFrame:
    with store.reading() as conn:
        return _to_frame(store._read_current(conn, None, None))


def current_snapshot(store):
    return snapshot_path(store.engine, store.revision_token())


def assert_snapshot_matches_sql(store) -> None:
    path = current_snapshot(store)
    assert path.is_file(), "the append should have left a snapshot for the new revision"
    pd.testing.assert_frame_equal(store.current_events(), sql_view(store))


@pytest.fixture
def sqlite_store(tmp_path):
    return open_store(f"sqlite:///{tmp_path / 'log.sqlite'}", seed=False)


def test_an_append_to_a_small_log_writes_the_next_snapshot(sqlite_store, make_record):
    sqlite_store.append([make_record(event_id=f"E{i}", figure_best=11000 + i) for i in range(3)])
    assert_snapshot_matches_sql(sqlite_store)


def test_an_append_carries_an_existing_snapshot_forward(sqlite_store, make_record, monkeypatch):
    sqlite_store.append([make_record(event_id="A1"), make_record(event_id="B1", claimant="Ukraine HUR")])
    sqlite_store.current_events()
    # Even a large log is carried forward when its snapshot exists: no SQL read of the old view.
    monkeypatch.setattr(store_module.EventStore, "_SMALL_LOG", 0)
    sqlite_store.append(
        [
            make_record(event_id="B1", claimant="Japan MoD", figure_best=11500),  # revised: its claimant goes
            make_record(event_id="C1", event_date="2023-01-02", country_code=None, admin1_code=None),
            make_record(event_id="0", event_date="2024-11-05", description="sorts first on its date"),
        ],
        reason="correction",
    )
    assert_snapshot_matches_sql(sqlite_store)
    view = sqlite_store.current_events()
    assert "Ukraine HUR" not in view["claimant"].cat.categories
    assert view["event_id"].tolist()[:2] == ["C1", "0"]


def test_a_repeated_import_keeps_the_view_under_the_new_token(sqlite_store, native_csv, record_data):
    data = native_csv([record_data(event_id="R1"), record_data(event_id="R2")]).encode()
    import_file(sqlite_store, data=data, file_name="a.csv")
    first_token = sqlite_store.revision_token()
    import_file(sqlite_store, data=data, file_name="again.csv")  # nothing new, but a new batch
    assert sqlite_store.revision_token() != first_token
    assert_snapshot_matches_sql(sqlite_store)


def test_a_large_log_without_a_snapshot_is_not_read_back_on_append(sqlite_store, make_record, monkeypatch):
    sqlite_store.append([make_record(event_id="L1")])
    for path in current_snapshot(sqlite_store).parent.glob("*.parquet"):
        path.unlink()
    monkeypatch.setattr(store_module.EventStore, "_SMALL_LOG", 0)
    sqlite_store.append([make_record(event_id="L2")])
    assert not current_snapshot(sqlite_store).is_file()
    pd.testing.assert_frame_equal(sqlite_store.current_events(), sql_view(sqlite_store))


def test_after_a_retraction_the_view_is_read_from_sql(sqlite_store, make_record):
    sqlite_store.append([make_record(event_id="X1"), make_record(event_id="X2")])
    sqlite_store.retract("X1", "duplicate")
    sqlite_store.append([make_record(event_id="X3")])
    assert sorted(sqlite_store.current_events()["event_id"]) == ["X2", "X3"]
    assert_snapshot_matches_sql(sqlite_store)


def test_columns_empty_on_one_side_are_carried_forward_as_a_fresh_read_gives_them(sqlite_store, make_record):
    sqlite_store.append([make_record(event_id="N1", counterpart=None, subcategory=None)])
    sqlite_store.current_events()
    sqlite_store.append([make_record(event_id="N2", counterpart="Russia", subcategory=None)], reason="x")
    assert_snapshot_matches_sql(sqlite_store)
    sqlite_store.append([make_record(event_id="N3", counterpart="Russia", subcategory=None)])
    assert_snapshot_matches_sql(sqlite_store)


def test_a_failed_roll_forward_does_not_fail_the_append(sqlite_store, make_record, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk says no")

    monkeypatch.setattr(store_module.EventStore, "_roll_snapshot", broken)
    with pytest.warns(UserWarning, match="snapshot was not updated"):
        result, _ = sqlite_store.append([make_record(event_id="F1")])
    assert result.new == 1
    pd.testing.assert_frame_equal(sqlite_store.current_events(), sql_view(sqlite_store))


def test_a_claim_recorded_or_corrected_at_the_desk_carries_the_snapshot_forward(sqlite_store, record_data):
    sqlite_store.record(record_data(event_id="D1"))
    sqlite_store.current_events()
    sqlite_store.record(record_data(event_id="D2", claimant="Ukraine HUR"), reason="HUR statement")
    assert current_snapshot(sqlite_store).is_file()  # written by the save, not by a later read
    assert_snapshot_matches_sql(sqlite_store)
    sqlite_store.revise("D1", {"figure_best": 11500}, "NIS update", expected_revision=1)
    assert current_snapshot(sqlite_store).is_file()
    assert_snapshot_matches_sql(sqlite_store)
    assert sqlite_store.current_events().set_index("event_id").loc["D1", "figure_best"] == 11500.0


def test_a_retraction_at_the_desk_or_from_a_deletions_list_carries_the_snapshot_forward(sqlite_store, make_record):
    sqlite_store.append([make_record(event_id=f"X{n}") for n in range(1, 5)])
    sqlite_store.current_events()
    sqlite_store.retract("X1", "duplicate", expected_revision=1)
    assert current_snapshot(sqlite_store).is_file()  # written by the retraction, not by a later read
    assert_snapshot_matches_sql(sqlite_store)
    batch = BatchInfo(
        file_name="deleted.csv",
        sha256="0" * 64,
        format="acled_deletions",
        encoding="utf-8",
        origin="acled",
        rows_read=2,
        rows_rejected=0,
        started_at=dt.datetime.now(dt.UTC),
    )
    sqlite_store.retract_many([("X2", "deleted by ACLED"), ("X9", "not held")], batch=batch)
    assert current_snapshot(sqlite_store).is_file()
    assert_snapshot_matches_sql(sqlite_store)
    assert sorted(sqlite_store.current_events()["event_id"]) == ["X3", "X4"]
