"""The Changes page's window built from the current view equals the plain SQL read (issue 17, point 6).

``changes.window_changes`` takes the claims that are still their event's head from the current view and
reads only the others from SQL; the reference is ``changes_between`` (every row of the window from SQL).
Randomized edit histories (revisions of revisions, retractions, re-instatements, events revised after
the window) are compared on both back ends, for every window between the instants they used.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.events import changes
from tests.events import test_as_of_fast as histories
from tests.events.test_as_of_fast import EDITS, _examples, moments_around, play_edits

clock = histories.clock  # the fixture: the store's clock moves only when a test says so


def same_values(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Equal rows, in order, and values; a missing value may be None or NaN (a text column all missing
    in a subset reads as objects, in the whole window as text) and the index is not compared."""
    assert list(fast.columns) == list(slow.columns)

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.reset_index(drop=True).astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(fast), plain(slow))


def counted(found: pd.DataFrame) -> dict[str, int]:
    return {kind: count for kind, count in found["change"].value_counts().items() if count}


def assert_page_equal(store, since: dt.datetime, until: dt.datetime, listed: int, **view) -> None:
    """The page's results both ways: the counts by change, the newest rows listed, every row compared and
    spelled out (as the CSV holds them)."""
    fast = changes.window_changes(store, since, until, **view)
    slow = changes.changes_between(store, since, until)
    assert counted(fast) == counted(slow)
    newest = changes.newest_changes(fast, listed)
    assert newest["event_id"].tolist() == slow["event_id"].tail(listed).tolist()
    shown = changes.compare_revised(store, changes.newest_changes(fast), since)
    same_values(shown, slow)
    same_values(changes.change_list(shown), changes.change_list(slow))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDITS, listed=st.integers(1, 4))
def test_the_window_from_the_current_view_equals_the_sql_read(store, clock, make_record, steps, listed):
    prefix = f"W{next(_examples):04d}-"
    instants = play_edits(store, clock, make_record, prefix, steps, confidence=("high", "medium", "low"))
    moments = moments_around(instants)
    # As the app holds it: the current view loaded once per revision of the log.
    current, token = store.current_events(), store.revision_token()
    windows = list(itertools.combinations(moments[:: max(1, len(moments) // 4)], 2))
    for since, until in windows:
        assert_page_equal(store, since, until, listed, current=current, current_token=token)
    since, until = windows[len(windows) // 2] if windows else (moments[0], moments[-1])
    assert_page_equal(store, since, until, listed)  # without it: the view read (the snapshot on SQLite)


def test_each_way_of_telling_new_from_revised(store, clock, make_record):
    """One row per head in the window; every earlier revision in it; and a mix the counts cannot tell."""
    tick = dt.timedelta(seconds=1)
    store.append([make_record(event_id=f"M-{n}", figure_best=11000) for n in range(3)])
    clock.now += tick
    before_revisions = clock.now
    clock.now += tick
    store.append([make_record(event_id="M-0", figure_best=11500), make_record(event_id="M-9", figure_best=11000)])
    clock.now += tick
    store.append([make_record(event_id="M-9", figure_best=11500)])
    clock.now += tick
    store.retract("M-1", "withdrawn")
    clock.now += tick
    store.append([make_record(event_id="M-2", figure_best=11200)])  # revised after the windows below
    end = clock.now - dt.timedelta(microseconds=1)
    start = dt.datetime(2000, 1, 1)
    for since, until in ((before_revisions, before_revisions + tick), (start, end), (before_revisions, end)):
        assert_page_equal(store, since, until, 2)
    found = changes.window_changes(store, before_revisions, end).set_index("event_id")["change"].to_dict()
    assert found == {"M-0": "revised", "M-9": "new", "M-1": "retracted"}


def test_only_the_claims_that_are_no_head_are_read_from_sql(store, clock, make_record, monkeypatch):
    """A window's heads come from the current view: SQL reads whole rows only of events revised after
    the window or retracted in it (a week holding a 1M-row import read every row: 60–120 s)."""
    store.append([make_record(event_id=f"H-{n}", figure_best=11000) for n in range(6)])
    clock.now += dt.timedelta(seconds=1)
    until = clock.now
    store.retract("H-1", "withdrawn")
    clock.now += dt.timedelta(seconds=1)
    store.append([make_record(event_id="H-2", figure_best=11500)])
    store.retract("H-3", "withdrawn")
    read = changes._rows_of
    asked = []

    def spy(conn, window, ids):
        asked.append(list(ids))
        return read(conn, window, ids)

    monkeypatch.setattr(changes, "_rows_of", spy)
    monkeypatch.setattr(changes, "changes_between", None)  # no fallback to the plain read
    found = changes.window_changes(store, dt.datetime(2000, 1, 1), until + dt.timedelta(microseconds=1))
    assert asked == [["H-1", "H-2", "H-3"]]
    assert found.set_index("event_id")["change"].to_dict() == {
        "H-0": "new",
        "H-1": "retracted",
        "H-2": "new",
        "H-3": "new",
        "H-4": "new",
        "H-5": "new",
    }
