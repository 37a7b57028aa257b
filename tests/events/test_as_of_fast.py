"""The past view built from the current one equals the past view read from SQL (issue 17, point 6).

``EventStore.current_events(as_of=...)`` replaces, in the current view (the snapshot on SQLite), only the
events with a revision recorded after the moment, by their revision then (on SQLite read from the file of
superseded revisions beside the snapshot). The reference is the plain SQL read (the newest revision per
event at or before the moment); randomized histories of writes, revisions (some moving an event to
another date), retractions and re-instatements, several at the same instant, are compared at every
instant they used and between them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.events import changes, schema
from dashboard.events import store as store_module
from dashboard.events.store import StoreError, _sorted_categories, _to_frame, events, superseded_path

START = dt.datetime(2026, 3, 1, 12, 0, 0, 250_000)


def assert_same_view(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Equal rows, order, values and dtypes; an empty view only needs the same columns (a read from
    SQL of no rows cannot tell the column types, the current view's columns keep theirs)."""
    if slow.empty:
        assert fast.empty and list(fast.columns) == list(slow.columns)
    else:
        pd.testing.assert_frame_equal(fast, slow)


def sql_as_of(store, moment: dt.datetime, columns=None) -> pd.DataFrame:
    """The reference: the past state read from SQL in one group-by query."""
    with store.reading() as conn:
        return _sorted_categories(_to_frame(store._read_current(conn, moment, columns)))


class Clock:
    """A stand-in for the store's ``utc_now``: the time only moves when a test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(store_module, "utc_now", clock)
    return clock


# One step of a history: write (add or revise) some events, or retract some; then the clock moves
# on by 0 (the next step lands at the same instant), 1 µs or 1 s.
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["write", "retract"]),
        st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True),
        st.integers(1, 30),
        st.sampled_from([dt.timedelta(0), dt.timedelta(microseconds=1), dt.timedelta(seconds=1)]),
    ),
    min_size=1,
    max_size=8,
)
_examples = itertools.count()


def play(store, clock: Clock, make_record, steps) -> list[dt.datetime]:
    """Write ``steps`` to the log (events named for this example); return the instants used."""
    prefix = f"X{next(_examples):04d}-"
    instants = []
    for kind, numbers, figure, pause in steps:
        instants.append(clock.now)
        if kind == "write":
            records = [
                make_record(
                    event_id=f"{prefix}{n}",
                    figure_best=1000 * figure + n,
                    figure_low=None,
                    figure_high=None,
                    # A revision may move the event to another date, so to another place in the view.
                    event_date=f"2024-11-{1 + (n + figure // 10) % 3:02d}",
                )
                for n in numbers
            ]
            store.append(records)
        else:
            for n in numbers:
                with contextlib.suppress(StoreError):  # not in the log yet, or retracted already
                    store.retract(f"{prefix}{n}", f"withdrawn in step {len(instants)}")
        clock.now += pause
    return instants


def moments_around(instants: list[dt.datetime]) -> list[dt.datetime]:
    """Every instant a write used, a microsecond either side of it, and before everything."""
    tick = dt.timedelta(microseconds=1)
    return sorted(
        {START - dt.timedelta(days=1), *instants, *(t - tick for t in instants), *(t + tick for t in instants)}
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_past_view_equals_the_sql_read(store, clock, make_record, steps):
    instants = play(store, clock, make_record, steps)
    store.current_events()  # the snapshot of the current view exists (SQLite), as in the app
    for moment in moments_around(instants):
        assert_same_view(store.current_events(as_of=moment), sql_as_of(store, moment))
        columns = ["figure_best", "claimant", "revision"]
        assert_same_view(store.current_events(as_of=moment, columns=columns), sql_as_of(store, moment, columns))


def superseded_from_sql(store, columns=None) -> pd.DataFrame:
    """The reference for the superseded revisions: the log's rows not in the current view, read from SQL."""
    with store.reading() as conn:
        table = store._read_superseded(conn)
    return by_revision(_to_frame(table.select(columns) if columns else table))


def by_revision(frame: pd.DataFrame) -> pd.DataFrame:
    return _sorted_categories(frame.sort_values(["event_id", "revision"], ignore_index=True))


@pytest.mark.sqlite_only
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_superseded_file_carried_forward_by_writes_equals_one_rebuilt_from_sql(store, clock, make_record, steps):
    """Writes carry the file of superseded revisions forward (no SQL read of it afterwards); a file
    rebuilt from SQL holds the same rows, and past views from either equal the SQL read."""
    instants = play(store, clock, make_record, steps)
    store.current_events()
    carried = superseded_path(store.engine, store.revision_token())
    assert carried.is_file(), "the writes should have left the superseded file for the last revision"
    pd.testing.assert_frame_equal(by_revision(store.superseded_revisions()), superseded_from_sql(store))
    carried.unlink()
    moments = moments_around(instants)
    for moment in moments[:: max(1, len(moments) // 4)]:
        assert_same_view(store.current_events(as_of=moment), sql_as_of(store, moment))
    assert carried.is_file(), "the first past view rebuilds the file"
    pd.testing.assert_frame_equal(by_revision(store.superseded_revisions()), superseded_from_sql(store))


def test_the_superseded_revisions_are_the_rows_not_in_the_current_view(store, clock, make_record):
    store.append([make_record(event_id="S1", figure_best=11000), make_record(event_id="S2")])
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id="S1", figure_best=12000)])
    store.retract("S2", "withdrawn")
    columns = ["event_id", "revision", "retracted", "figure_best"]
    found = by_revision(store.superseded_revisions(columns))
    assert found[["event_id", "revision", "retracted"]].values.tolist() == [
        ["S1", 1, False],  # superseded by revision 2
        ["S2", 1, False],  # superseded by its retraction
        ["S2", 2, True],  # the retraction: the event's head, not in the current view
    ]
    assert found["figure_best"].tolist()[0] == 11000.0
    pd.testing.assert_frame_equal(found, superseded_from_sql(store, columns))


@pytest.mark.sqlite_only
def test_a_past_view_of_a_sqlite_file_reads_no_revision_from_sql(store, clock, make_record, monkeypatch):
    """After writes (carried forward), a past view is built from the snapshot and the superseded file:
    the 50,000 earlier revisions of a 1M-event log took ~1 s to read from SQL (bench/RESULTS.md)."""
    store.append([make_record(event_id=f"E{i}", figure_best=11000 + i) for i in range(20)])
    clock.now += dt.timedelta(seconds=1)
    moment = clock.now
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id="E7", figure_best=11007, event_date="2024-12-24")])
    store.retract("E3", "withdrawn")
    store.append([make_record(event_id="E21")])
    expected = sql_as_of(store, moment)

    def no_sql_read(*_args, **_kwargs):
        raise AssertionError("a past view of a SQLite file must not read rows from SQL")

    monkeypatch.setattr(store_module.pd, "read_sql", no_sql_read)
    pd.testing.assert_frame_equal(store.current_events(as_of=moment), expected)


@pytest.mark.sqlite_only
def test_a_superseded_file_without_a_field_a_migration_added_is_rebuilt(store, clock, make_record):
    """A migration that adds a field does not change the revision token: a file an older version wrote
    under the same name lacks the field, and is rebuilt from SQL as the snapshot is."""
    import pyarrow.parquet as pq

    store.append([make_record(event_id="M1", figure_best=11000), make_record(event_id="M2")])
    clock.now += dt.timedelta(seconds=1)
    moment = clock.now
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id="M1", figure_best=12000)])
    path = superseded_path(store.engine, store.revision_token())
    pq.write_table(pq.read_table(path).drop_columns(["quality_flags"]), path)
    pd.testing.assert_frame_equal(store.current_events(as_of=moment), sql_as_of(store, moment))
    assert "quality_flags" in pq.read_schema(path).names


def test_a_revision_recorded_exactly_at_the_moment_counts_and_a_later_retraction_does_not(store, clock, make_record):
    store.append([make_record(event_id="E1", figure_best=11000), make_record(event_id="E2")])
    clock.now += dt.timedelta(microseconds=1)
    revised_at = clock.now
    store.append([make_record(event_id="E1", figure_best=12000)])
    clock.now += dt.timedelta(microseconds=1)
    store.retract("E1", "withdrawn")
    store.retract("E2", "withdrawn")
    store.current_events()

    at = store.current_events(as_of=revised_at).set_index("event_id")
    assert at.loc["E1", "figure_best"] == 12000.0  # recorded exactly then: known
    assert sorted(at.index) == ["E1", "E2"]  # the retractions a microsecond later: not applied
    before = store.current_events(as_of=revised_at - dt.timedelta(microseconds=1)).set_index("event_id")
    assert before.loc["E1", "figure_best"] == 11000.0
    assert store.current_events().empty


def test_the_past_view_reads_only_the_events_changed_after_it(store, clock, make_record, monkeypatch):
    """The group-by over the whole log (20 s at 1M events) is not what a past view runs."""
    store.append([make_record(event_id=f"E{i}", figure_best=11000 + i) for i in range(50)])
    clock.now += dt.timedelta(seconds=1)
    moment = clock.now
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id="E7", figure_best=11007)])
    expected = sql_as_of(store, moment)

    def no_group_by(self, conn, as_of, columns):
        assert as_of is None, "a past view must not be read from SQL as a whole"
        return original(self, conn, as_of, columns)

    original = store_module.EventStore._read_current
    monkeypatch.setattr(store_module.EventStore, "_read_current", no_group_by)
    pd.testing.assert_frame_equal(store.current_events(as_of=moment), expected)
    assert len(store.current_events(as_of=moment)) == 50


# --- Changes between two knowledge times, against a reading of each event's history ----------------


def changes_from_history(store, prefix: str, since: dt.datetime, until: dt.datetime) -> dict[str, tuple]:
    """The reference: event id -> (change, changed fields, their old values), one event history at a time."""
    names = [n for n in schema.FIELD_NAMES if n not in ("event_id", "origin", "original_id")]
    with store.reading() as conn:
        ids = conn.execute(sa.select(events.c.event_id).where(events.c.event_id.startswith(prefix)).distinct())
        ids = sorted(row[0] for row in ids)
    found = {}
    for event_id in ids:
        found.update(_one_history(store.history(event_id), event_id, since, until, names))
    return found


def _one_history(history: pd.DataFrame, event_id: str, since, until, names) -> dict[str, tuple]:
    window = history.loc[(history["recorded_at"] > since) & (history["recorded_at"] <= until)]
    if window.empty:
        return {}
    first, last = window.iloc[0], window.iloc[-1]
    if last["retracted"]:
        return {event_id: ("retracted", (), {})}
    if first["revision"] == 1:
        return {event_id: ("new", (), {})}
    before = history.loc[history["revision"] == first["revision"] - 1].iloc[0]
    changed = tuple(n for n in names if _differ(before[n], last[n]))
    return {event_id: ("revised", changed, {n: None if _gone(before[n]) else before[n] for n in changed})}


def _differ(a, b) -> bool:
    if _gone(a) or _gone(b):
        return not (_gone(a) and _gone(b))
    return bool(a != b)


def _gone(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


# Revisions that change different fields (figures, confidence, a place, the description), or none.
EDITS = st.lists(
    st.tuples(
        st.sampled_from(["write", "retract"]),
        st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True),
        st.integers(1, 3),
        st.sampled_from([dt.timedelta(microseconds=1), dt.timedelta(seconds=1)]),
    ),
    min_size=1,
    max_size=8,
)


def play_edits(store, clock: Clock, make_record, prefix: str, steps, **varied: tuple) -> list[dt.datetime]:
    """Write ``EDITS`` steps to the log: each write sets the figure, place and description of its
    variant (1–3), and each field of ``varied`` to its variant's value; return the instants used."""
    instants = []
    for kind, numbers, variant, pause in steps:
        instants.append(clock.now)
        if kind == "write":
            store.append(
                [
                    make_record(
                        event_id=f"{prefix}{n}",
                        figure_best=11000 + 100 * variant,
                        location=None if variant == 2 else f"Place {variant}",
                        description=f"Version {variant}.",
                        **{field: values[variant - 1] for field, values in varied.items()},
                    )
                    for n in numbers
                ]
            )
        else:
            for n in numbers:
                with contextlib.suppress(StoreError):
                    store.retract(f"{prefix}{n}", "withdrawn")
        clock.now += pause
    return instants


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDITS)
def test_changes_between_equal_the_histories(store, clock, make_record, steps):
    prefix = f"C{next(_examples):04d}-"
    instants = play_edits(store, clock, make_record, prefix, steps, confidence=("high", "medium", "low"))
    moments = moments_around(instants)
    for since, until in itertools.combinations(moments[:: max(1, len(moments) // 4)], 2):
        found = changes.changes_between(store, since, until)
        ours = found.loc[found["event_id"].str.startswith(prefix)]
        got = {
            row.event_id: (row.change, tuple(row.changed_fields), row.previous) for row in ours.itertuples(index=False)
        }
        expected = changes_from_history(store, prefix, since, until)
        assert got == expected, (since, until)
        listed = changes.change_list(ours)
        assert len(listed) == len(ours)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDITS, listed=st.integers(0, 6))
def test_comparing_only_the_listed_rows_equals_comparing_all(store, clock, make_record, steps, listed):
    """The Changes page compares only the rows it lists (``compare=False``, then ``compare_revised``):
    the same fields and old values as ``changes_between`` gives for those rows, for any tail of them."""
    prefix = f"L{next(_examples):04d}-"
    instants = play_edits(store, clock, make_record, prefix, steps)
    moments = moments_around(instants)
    for since, until in itertools.combinations(moments[:: max(1, len(moments) // 4)], 2):
        full = changes.changes_between(store, since, until)
        lazy = changes.changes_between(store, since, until, compare=False)
        assert lazy["changed_fields"].isna().all() and lazy["previous"].isna().all()
        if full.empty:
            assert lazy.empty
            continue
        for rows in (full.index, full.index[-listed:] if listed else full.index[:0]):
            pd.testing.assert_frame_equal(changes.compare_revised(store, lazy.loc[rows], since), full.loc[rows])


def test_compare_revised_reads_only_the_listed_events(store, clock, make_record, monkeypatch):
    """The earlier revisions are read for the listed revised events only, not for the whole window."""
    store.append([make_record(event_id=f"R-{n}", figure_best=11000) for n in range(4)])
    clock.now += dt.timedelta(seconds=1)
    since = clock.now
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id=f"R-{n}", figure_best=12000) for n in range(4)])
    lazy = changes.changes_between(store, since, compare=False)
    asked = []
    read = changes._revisions_at

    def spy(conn, window, ids=None):
        asked.append(ids)
        return read(conn, window, ids)

    monkeypatch.setattr(changes, "_revisions_at", spy)
    shown = changes.compare_revised(store, lazy.tail(2), since)
    assert asked == [lazy["event_id"].tail(2).tolist()]
    assert [fields for fields in shown["changed_fields"]] == [("figure_best",), ("figure_best",)]
    assert [prev for prev in shown["previous"]] == [{"figure_best": 11000.0}, {"figure_best": 11000.0}]
