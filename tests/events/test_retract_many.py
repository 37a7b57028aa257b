"""Withdrawing many events at once (an ACLED deletions file): what is written, and in how many queries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dashboard.events.store import BatchInfo


def batch(rows: int) -> BatchInfo:
    return BatchInfo(
        file_name="deleted.csv",
        sha256="0" * 64,
        format="acled_deletions",
        encoding="utf-8",
        origin="acled",
        rows_read=rows,
        rows_rejected=0,
        started_at=dt.datetime.now(dt.UTC),
    )


@pytest.fixture
def logged(store, make_record):
    """A store holding events E0..E39, E1 revised once and E2 already retracted."""
    store.append([make_record(event_id=f"E{i}", actor=f"Actor {i}") for i in range(40)])
    store.append([make_record(event_id="E1", actor="Actor 1, revised")])
    store.retract_many([("E2", "withdrawn earlier")], batch=batch(1))
    return store


def test_retractions_keep_each_events_current_content(logged, backend):
    before = {e: logged.history(e).iloc[-1] for e in ("E0", "E1", "E3")}
    result, batch_id = logged.retract_many(
        [
            ("E0", "deleted 1"),
            ("E1", "deleted 2"),
            ("E2", "again"),
            ("NOPE", "x"),
            ("E3", "deleted 3"),
            ("E0", "twice"),
        ],
        batch=batch(6),
    )
    assert result.retracted_ids == ["E0", "E1", "E3"]
    assert result.missing_ids == ["NOPE"] and result.already == 2  # E2 earlier, E0 listed twice
    for event_id, reason in (("E0", "deleted 1"), ("E1", "deleted 2"), ("E3", "deleted 3")):
        history = logged.history(event_id)
        last, previous = history.iloc[-1], before[event_id]
        assert bool(last["retracted"]) and last["reason"] == reason and last["batch_id"] == batch_id
        assert last["revision"] == previous["revision"] + 1
        assert last["actor"] == previous["actor"] and last["content_hash"] == previous["content_hash"]
    assert logged.history("E1").iloc[-1]["actor"] == "Actor 1, revised"  # the revised content, not the first
    current = set(logged.current_events()["event_id"])
    assert not current & {"E0", "E1", "E2", "E3"} and {"E4", "E39"} <= current
    # Retracted again: counted, nothing written.
    again, _ = logged.retract_many([("E0", "x"), ("E1", "y")], batch=batch(2))
    assert again.retracted_ids == [] and again.already == 2
    assert len(logged.history("E0")) == 2


def test_the_rows_to_withdraw_are_read_in_one_query_not_one_per_event(logged, backend):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def reads_of_events(ids: list[str]) -> int:
        statements.clear()
        sa.event.listen(logged.engine, "before_cursor_execute", count)
        try:
            logged.retract_many([(event_id, "deleted") for event_id in ids], batch=batch(len(ids)))
        finally:
            sa.event.remove(logged.engine, "before_cursor_execute", count)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT") and "events" in s)

    few, many = reads_of_events(["E5", "E6"]), reads_of_events([f"E{i}" for i in range(10, 40)])
    # Heads, current rows, revision token; plus the view and the superseded revisions before the write
    # (carried forward to the snapshot and the file beside it), in a small log their SQL reads, and the
    # retractions just written: a fixed number, whatever the list's length.
    assert many == few <= 8, (few, many)
