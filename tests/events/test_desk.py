"""The analyst's desk in the data layer: record one claim, the lost-update guard, the change log.

Every test runs on SQLite and PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command

from dashboard.events import access, changes, migrate
from dashboard.events import store as store_module
from dashboard.events.access import AccessDenied, Actor, Role
from dashboard.events.importers import import_file
from dashboard.events.store import InvalidRecord, StaleRevision, StoreError, create_engine_for, open_store

ANA = Actor("ana@example.org", Role.ANALYST, signed_in=True)
BEN = Actor("ben@example.org", Role.ANALYST, signed_in=True)
VIEWER = Actor("vera@example.org", Role.VIEWER, signed_in=True)


# --- record ----------------------------------------------------------------------------------------


def test_record_adds_one_claim_as_the_signed_in_user(store, record_data):
    with access.acting_as(ANA):
        stored = store.record(record_data(event_id="N1"), reason="NIS briefing this morning")
    assert stored.event_id == "N1"
    assert store.current_events()["event_id"].tolist() == ["N1"]
    history = store.history("N1")
    assert history["recorded_by"].tolist() == ["ana@example.org"]
    assert history["reason"].tolist() == ["NIS briefing this morning"]


def test_record_outside_the_dashboard_is_recorded_under_the_local_user(store, record_data, monkeypatch):
    monkeypatch.setenv(access.USER_ENV, "desk-officer")
    store.record(record_data(event_id="N1"))
    assert store.history("N1")["recorded_by"].tolist() == ["desk-officer"]


def test_record_refuses_a_bad_claim_field_by_field_and_writes_nothing(store, record_data, state):
    before = state(store)
    bad = record_data(
        event_id="N1", confidence="sure", sources=[{"outlet": "X", "date": "2024-11-05", "url": "javascript:x"}]
    )
    with pytest.raises(InvalidRecord) as caught:
        store.record(bad)
    assert {(e.column, e.value) for e in caught.value.errors} == {
        ("sources[0].url", "javascript:x"),
        ("confidence", "sure"),
    }
    assert "must be an http(s) URL" in str(caught.value)
    with pytest.raises(InvalidRecord, match="figure_low .* is greater than figure_best"):
        store.record(record_data(event_id="N1", figure_low=20000))
    assert state(store) == before


def test_record_refuses_an_id_the_log_holds(store, record_data, state):
    store.record(record_data(event_id="N1"))
    before = state(store)
    with pytest.raises(InvalidRecord, match="event_id': the log already holds a claim with this id"):
        store.record(record_data(event_id="N1", figure_best=11500))
    assert state(store) == before


def test_a_viewer_may_not_record(store, record_data, state):
    before = state(store)
    with access.acting_as(VIEWER), pytest.raises(AccessDenied, match="may not record"):
        store.record(record_data(event_id="N1"))
    assert state(store) == before


# --- reasons and the lost-update guard ----------------------------------------------------------


def test_corrections_and_retractions_need_a_reason(store, record_data, state):
    store.record(record_data(event_id="N1"))
    before = state(store)
    with pytest.raises(StoreError, match="a correction needs a reason"):
        store.revise("N1", {"figure_best": 11500}, "  ")
    with pytest.raises(StoreError, match="a retraction needs a reason"):
        store.retract("N1", "")
    assert state(store) == before


def test_a_correction_from_an_old_revision_is_refused_and_says_what_happened(store, record_data, state):
    store.record(record_data(event_id="N1"))
    opened_on = store.head_revision("N1")
    with access.acting_as(BEN):
        store.revise("N1", {"figure_best": 11800}, "NIS revised its estimate", expected_revision=opened_on)
    before = state(store)
    with access.acting_as(ANA), pytest.raises(StaleRevision) as caught:
        store.revise("N1", {"figure_best": 11200}, "typo", expected_revision=opened_on)
    message = str(caught.value)
    assert "claim N1 changed since you opened it at revision 1" in message
    assert "revision 2 changed it" in message and "by ben@example.org" in message
    assert "'NIS revised its estimate'" in message and "Nothing was saved" in message
    assert caught.value.current == 2 and [n.revision for n in caught.value.since] == [2]
    assert state(store) == before  # nothing overwritten
    assert store.current_events()["figure_best"].tolist() == [11800.0]


def test_a_retraction_from_an_old_revision_is_refused(store, record_data, state):
    store.record(record_data(event_id="N1"))
    store.revise("N1", {"confidence": "low"}, "one outlet only", expected_revision=1)
    before = state(store)
    with pytest.raises(StaleRevision, match="revision 2 changed it"):
        store.retract("N1", "false", expected_revision=1)
    assert state(store) == before
    assert store.retract("N1", "false", expected_revision=2) == 3


def test_an_edit_of_a_claim_retracted_meanwhile_is_refused_as_stale(store, record_data):
    store.record(record_data(event_id="N1"))
    store.retract("N1", "duplicate", expected_revision=1)
    with pytest.raises(StaleRevision, match="revision 2 retracted it"):
        store.revise("N1", {"figure_best": 1}, "fix", expected_revision=1)


def test_an_import_that_moves_the_claim_also_refuses_the_stale_edit(store, record_data, native_csv):
    store.record(record_data(event_id="N1"))
    data = native_csv([record_data(event_id="N1", figure_best=11900)]).encode()
    import_file(store, data=data, file_name="nis-update.csv")
    with pytest.raises(StaleRevision, match="revision 2 changed it"):
        store.revise("N1", {"figure_best": 1}, "fix", expected_revision=1)


def test_the_guard_reads_the_head_inside_the_write_transaction(store, record_data, monkeypatch):
    """Another writer landing between the form's read and the write (after any check a caller could
    make outside the transaction) is still caught: the check runs under the writers' lock."""
    store.record(record_data(event_id="N1"))
    real_writing = store.writing
    other = open_store(store.engine.url.render_as_string(hide_password=False), seed=False)

    def writing_after_a_concurrent_edit():
        with access.acting_as(BEN):
            other.revise("N1", {"figure_best": 11700}, "someone else first")
        return real_writing()

    monkeypatch.setattr(store, "writing", writing_after_a_concurrent_edit)
    try:
        with pytest.raises(StaleRevision, match="by ben@example.org"):
            store.revise("N1", {"figure_best": 1}, "mine", expected_revision=1)
    finally:
        other.engine.dispose()
    assert store.current_events()["figure_best"].tolist() == [11700.0]


def test_a_correction_may_not_change_the_event_id(store, record_data):
    store.record(record_data(event_id="N1"))
    with pytest.raises(StoreError, match="cannot change the event id"):
        store.revise("N1", {"event_id": "N2"}, "rename")


# --- the change log --------------------------------------------------------------------------------


def test_revision_log_reads_like_a_change_log(store, record_data, native_csv, monkeypatch):
    times = iter(dt.datetime(2026, 11, 30, 8, minute) for minute in range(10))
    monkeypatch.setattr(store_module, "utc_now", lambda: next(times))
    with access.acting_as(ANA):
        import_file(store, data=native_csv([record_data(event_id="N1")]).encode(), file_name="nis.csv")
        store.revise("N1", {"figure_best": 11500, "confidence": "medium"}, "NIS corrected", expected_revision=1)
    with access.acting_as(BEN):
        store.retract("N1", "shown false", expected_revision=2)
        import_file(store, data=native_csv([record_data(event_id="N1")]).encode(), file_name="nis-again.csv")
    log = changes.revision_log(store, "N1")
    assert log["revision"].tolist() == [1, 2, 3, 4]
    assert log["change"].tolist() == ["added", "revised", "retracted", "restored"]
    assert log["recorded_by"].tolist() == ["ana@example.org", "ana@example.org", "ben@example.org", "ben@example.org"]
    assert log["reason"].tolist()[1:3] == ["NIS corrected", "shown false"]
    assert log["imported_from"].tolist() == ["nis.csv", None, None, "nis-again.csv"]
    assert log.loc[1, "changes"] == (("figure_best", 11000.0, 11500.0), ("confidence", "high", "medium"))
    assert log.loc[1, "what_changed"] == "Best estimate: 11,000 → 11,500; Confidence: high → medium"
    assert log.loc[3, "what_changed"] == "restored; Best estimate: 11,500 → 11,000; Confidence: medium → high"
    assert log["recorded_at"].tolist()[0] == pd.Timestamp(dt.datetime(2026, 11, 30, 8, 0))
    # as known at an earlier moment: the later revisions are not yet in it
    assert changes.revision_log(store, "N1", as_of=log["recorded_at"][1])["revision"].tolist() == [1, 2]
    with pytest.raises(StoreError, match="no event with id 'N9'"):
        changes.revision_log(store, "N9")


# --- the schema: reason and recorded_by through the migration (0003_recorded_by.py) ------------------


def test_reason_and_recorded_by_survive_the_upgrade_to_the_current_head(make_url, record_data, monkeypatch):
    """A log made before ``recorded_by`` existed (at 0002_quality_flags), with a correction and its
    reason, upgrades to the head: reasons intact, new writes name their user. No new columns are
    needed for the desk: ``events.reason`` and ``events.recorded_by`` (migration 0002_recorded_by)."""
    url = make_url("old")
    engine = create_engine_for(url)
    config = migrate.alembic_config()
    with engine.connect().execution_options(write=True) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002_quality_flags")
        conn.commit()
    now = dt.datetime(2025, 1, 2, 3, 4, 5)
    with engine.begin() as conn:
        for revision, reason in ((1, None), (2, "NIS corrected its figure")):
            conn.execute(
                sa.text(
                    "INSERT INTO events (event_id, event_date, category, actor, claimant, sources, revision, "
                    "recorded_at, reason, retracted, content_hash, geo_precision, date_precision, confidence, origin) "
                    "VALUES ('OLD1', :day, 'deployment', 'North Korea', 'South Korea NIS', :sources, :rev, :now, "
                    ":reason, :false, :hash, 4, 'day', 'medium', 'native')"
                ),
                {
                    "day": dt.date(2024, 11, 5),
                    "sources": '[{"date": "2024-11-05", "outlet": "Yonhap", "title": null, "url": "https://e.org/1"}]',
                    "rev": revision,
                    "now": now + dt.timedelta(minutes=revision),
                    "reason": reason,
                    "false": False,
                    "hash": str(revision) * 64,
                },
            )
        conn.execute(
            sa.text("INSERT INTO event_heads (event_id, revision, content_hash, retracted) VALUES ('OLD1', 2, :h, :f)"),
            {"h": "2" * 64, "f": False},
        )
    engine.dispose()

    monkeypatch.setenv(access.USER_ENV, "after-upgrade")
    store = open_store(url, seed=False)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        log = changes.revision_log(store, "OLD1")
        assert log["reason"].tolist() == [None, "NIS corrected its figure"]
        assert log["recorded_by"].tolist() == [None, None]  # nobody recorded who wrote them then
        store.revise("OLD1", {"figure_best": 500, "unit": "troops"}, "newer report", expected_revision=2)
        log = changes.revision_log(store, "OLD1")
        assert log["recorded_by"].tolist() == [None, None, "after-upgrade"]
        assert log["reason"].tolist() == [None, "NIS corrected its figure", "newer report"]
    finally:
        store.engine.dispose()
