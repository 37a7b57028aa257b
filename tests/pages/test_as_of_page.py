""" "As known on" (issue 17): a URL's ``asof`` shows the log as it stood then, on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from page_support import FIXTURE_EVENTS, charts, plain, shown_caption, values

from dashboard.events.changes import parse_knowledge_time
from dashboard.ui.asof import moment_text


def _revise_and_retract(store) -> tuple[dt.datetime, dt.datetime]:
    """Raise T-D04's best figure, then retract T-S02; the times each was recorded (naive UTC)."""
    store.revise("T-D04", {"figure_best": 11500}, "newer report")
    store.retract("T-S02", "withdrawn by the claimant")
    revised = store.history("T-D04")["recorded_at"].iloc[-1].to_pydatetime()
    retracted = store.history("T-S02")["recorded_at"].iloc[-1].to_pydatetime()
    return revised, retracted


def _notice(at) -> str:
    return " ".join(plain(w.value) for w in at.warning)


def test_a_pasted_url_shows_the_past_state_on_every_page(open_page, page_store):
    revised, retracted = _revise_and_retract(page_store)
    before = revised - dt.timedelta(microseconds=1)
    now = open_page(None)
    assert shown_caption(now).startswith(f"{FIXTURE_EVENTS - 1} claims")
    assert not _notice(now)

    at = open_page(None, asof=before.isoformat())
    assert shown_caption(at).startswith(f"{FIXTURE_EVENTS} claims")  # the retraction came later
    assert "A past state" in _notice(at) and before.strftime("%Y-%m-%d %H:%M:%S") + " UTC (+00:00)" in _notice(at)
    for name in ("timeline", "map", "events", "missiles", "data"):
        at.switch_page(f"app_pages/{name}.py").run()
        assert not at.exception, name
        assert at.query_params["asof"] == before.isoformat(), name
        assert "A past state" in _notice(at), name
    events = open_page("events", asof=before.isoformat())
    rows = events.dataframe[0].value.set_index("Event")
    assert "T-S02" in rows.index
    assert rows.loc["T-D04", "Figure"] == "about 11,000 troops (10,000–12,000)"  # before the revision


@pytest.mark.parametrize(
    "offset_us, claims, figure", [(0, FIXTURE_EVENTS - 1, "11,500"), (-1, FIXTURE_EVENTS, "11,000")]
)
def test_a_revision_recorded_exactly_at_the_moment_counts_as_known(open_page, page_store, offset_us, claims, figure):
    page_store.retract("T-S02", "withdrawn")
    page_store.revise("T-D04", {"figure_best": 11500}, "newer report")
    # Both at one moment is not guaranteed; test each boundary on its own record.
    retracted = page_store.history("T-S02")["recorded_at"].iloc[-1].to_pydatetime()
    revised = page_store.history("T-D04")["recorded_at"].iloc[-1].to_pydatetime()
    at = open_page("events", asof=(retracted + dt.timedelta(microseconds=offset_us)).isoformat())
    assert shown_caption(at).startswith(f"{claims} claims")
    at = open_page("events", asof=(revised + dt.timedelta(microseconds=offset_us)).isoformat())
    assert figure in at.dataframe[0].value.set_index("Event").loc["T-D04", "Figure"]


def test_a_moment_before_the_log_and_a_bad_value(open_page):
    at = open_page(None, asof="2001-01-01")
    assert any("held no claim yet" in info.value for info in at.info)
    bad = open_page(None, asof="1 December")
    assert any("'1 December' is not a date or time" in plain(e.value) for e in bad.error)
    assert shown_caption(bad).startswith(f"{FIXTURE_EVENTS} claims")  # the current log, said so


def test_knowledge_times_are_utc():
    assert parse_knowledge_time("2024-12-01") == dt.datetime(2024, 12, 1, 23, 59, 59, 999999)
    assert parse_knowledge_time(" 2024-12-01T12:00 ") == dt.datetime(2024, 12, 1, 12, 0)
    assert parse_knowledge_time("2024-12-01T12:00+03:00") == dt.datetime(2024, 12, 1, 9, 0)
    assert parse_knowledge_time("2024-12-01T12:00Z") == dt.datetime(2024, 12, 1, 12, 0)
    with pytest.raises(ValueError, match="'2024-13-01' is not a date or time"):
        parse_knowledge_time("2024-13-01")
    assert moment_text(dt.datetime(2024, 12, 1, 9, 0)) == "2024-12-01 09:00:00 UTC (+00:00)"


def test_the_estimate_chart_overlays_the_log_as_known_on_another_date(open_page, page_store):
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    page_store.revise("T-D04", {"figure_best": 11500}, "newer report")
    at = open_page("timeline", measure="DPRK troops in Russia", compare=start.isoformat())
    assert not at.exception and not at.error
    estimates = charts(at)[-1]
    earlier = [t for t in estimates["data"] if t.get("meta") == "earlier"]
    assert earlier and all(t["line"]["dash"] == "dot" for t in earlier)
    then = {v for t in earlier for v in values(t["y"])}
    now = {v for t in estimates["data"] if t.get("mode") == "lines+markers" for v in values(t["y"])}
    assert 11500 in now and 11500 not in then and 11000 in then
    assert any("Dotted lines: the estimates as known on" in plain(c.value) for c in at.caption)
    assert not [t for t in charts(open_page("timeline", measure="DPRK troops in Russia"))[-1]["data"] if t.get("meta")]


def test_a_moment_after_the_last_change_is_served_from_the_current_view(page_store, monkeypatch):
    from dashboard.ui import data

    calls = []
    monkeypatch.setattr(data, "load_events_as_of", lambda *args: calls.append(args))
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert len(data.events_as_of(later)) == FIXTURE_EVENTS and not calls
    page_store.retract("T-S02", "withdrawn")
    data.events_as_of(later)
    assert calls  # a change after the moment: the log as it stood then is read
