"""Changes between two knowledge times, read from the log's revisions (both back ends)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.events import changes
from dashboard.events import store as store_module

T0 = dt.datetime(2026, 1, 10, 9, 0, 0, 123456)
T1 = dt.datetime(2026, 1, 12, 15, 30, 0, 654321)


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)`` makes the store record every following write at ``moment`` (naive UTC)."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(store_module, "utc_now", lambda: moment)

    return set_to


@pytest.fixture
def history(store, make_record, clock):
    """A, B, C added at T0; at T1 B revised (best figure), C retracted, D added."""
    clock(T0)
    store.append([make_record(event_id=i) for i in ("A", "B", "C")])
    token_at_t0 = store.revision_token()
    clock(T1)
    store.revise("B", {"figure_best": 11500}, reason="NIS corrected its figure")
    store.retract("C", reason="duplicate of A")
    store.append([make_record(event_id="D", claimant="Ukraine HUR")])
    return store, token_at_t0


def test_changes_since_name_new_revised_and_retracted_claims(history):
    store, _ = history
    found = changes.changes_between(store, T0)
    assert list(found["event_id"]) == ["B", "C", "D"]
    by_id = found.set_index("event_id")
    assert by_id.loc["B", "change"] == "revised"
    assert by_id.loc["B", "changed_fields"] == ("figure_best",)
    assert by_id.loc["B", "reason"] == "NIS corrected its figure"
    assert by_id.loc["B", "figure_best"] == 11500
    assert by_id.loc["C", "change"] == "retracted" and by_id.loc["C", "changed_fields"] == ()
    assert by_id.loc["C", "claimant"] == "South Korea NIS"  # the retracted claim, as it stood
    assert by_id.loc["D", "change"] == "new"
    assert set(found["recorded_at"]) == {T1}


def test_a_claim_added_and_changed_in_the_window_is_new_and_a_retraction_wins(history):
    store, _ = history
    found = changes.changes_between(store, T0 - dt.timedelta(microseconds=1)).set_index("event_id")
    assert found["change"].to_dict() == {"A": "new", "B": "new", "C": "retracted", "D": "new"}


def test_window_bounds_exclude_since_and_include_until(history):
    store, _ = history
    assert changes.changes_between(store, T1).empty  # recorded exactly at "since": already known then
    assert list(changes.changes_between(store, T0, until=T1)["event_id"]) == ["B", "C", "D"]
    assert changes.changes_between(store, T0, until=T1 - dt.timedelta(microseconds=1)).empty
    aware = T0.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9)))  # Seoul time, same instant
    assert list(changes.changes_between(store, aware)["event_id"]) == ["B", "C", "D"]


def test_knowledge_time_and_the_token_as_of_a_past_moment(history):
    store, token_at_t0 = history
    assert changes.knowledge_time(store) == T1
    assert changes.knowledge_time(store, T1 - dt.timedelta(seconds=1)) == T0
    assert changes.revision_token_as_of(store, None) == store.revision_token()
    assert changes.revision_token_as_of(store, T1) == store.revision_token()  # nothing after the last change
    assert changes.revision_token_as_of(store, T1 - dt.timedelta(seconds=1)) == token_at_t0


def test_an_empty_log_has_no_knowledge_time_and_no_changes(store):
    assert changes.knowledge_time(store) is None
    assert changes.changes_between(store, T0).empty
    assert changes.revision_token_as_of(store, T0) == store.revision_token() == "0.0"
