"""The Changes page (issue 17): claims added, revised and retracted between two knowledge times."""

from __future__ import annotations

import csv
import io

import pandas as pd
from page_support import plain

from dashboard.events import changes, exports
from dashboard.events.store import utc_now


def _listed(at) -> pd.DataFrame:
    return at.dataframe[0].value.set_index("event_id")


def _caption(at) -> str:
    return plain(at.main.caption[0].value)


def test_after_an_import_every_claim_is_new_and_the_overview_links_here(open_page):
    overview = open_page(None)
    assert not overview.exception
    links = overview.get("page_link")
    assert any("18 changes in the last 7 days" in link.proto.label for link in links)

    at = open_page("changes")
    listed = _listed(at)
    assert len(listed) == 18 and set(listed["change"]) == {"new"}
    assert "18 claims changed after" in _caption(at) and "18 new, 0 revised, 0 retracted" in _caption(at)


def test_a_revision_and_a_retraction_show_old_new_who_and_why(open_page, page_store):
    start = utc_now()
    page_store.revise("T-D04", {"figure_best": 11500, "claimant": '=HYPERLINK("x")'}, "=cmd|' newer report")
    page_store.retract("T-S02", "withdrawn by the claimant")
    at = open_page("changes", window="Custom", since=start.isoformat())
    listed = _listed(at)
    assert list(listed["change"]) == ["revised", "retracted"]
    assert (
        listed.loc["T-D04", "what_changed"]
        == 'Claimed by: South Korea NIS → =HYPERLINK("x"); Best estimate: 11,000 → 11,500'
    )
    assert listed.loc["T-D04", "reason"] == "=cmd|' newer report"
    assert listed.loc["T-S02", "reason"] == "withdrawn by the claimant"
    assert "0 new, 1 revised, 1 retracted" in _caption(at)

    # The CSV goes through the export guard: a reason or claimant that starts a formula is neutralised.
    assert at.get("download_button")[0].proto.label == "Changes (CSV)"
    found = changes.change_list(changes.changes_between(page_store, start))
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(found).decode())))
    assert rows[0]["reason"].startswith("'=") and rows[0]["what_changed"].startswith("Claimed by: ")

    # The shared filter narrows the list; "since the last import" leaves the earlier import out.
    narrowed = open_page("changes", window="Custom", since=start.isoformat(), cat="Statement")
    assert list(_listed(narrowed).index) == ["T-S02"]


def test_since_the_last_import_and_a_bad_time(open_page, page_store):
    at = open_page("changes", window="Since the last import")
    assert len(_listed(at)) == 18
    page_store.revise("T-D04", {"figure_best": 11500}, "newer report")
    at = open_page("changes", window="Since the last import")
    assert _listed(at).loc["T-D04", "change"] == "new"  # new since the import, revised since: still new in it
    bad = open_page("changes", window="Custom", since="last week")
    assert any("'last week' is not a date or time" in plain(e.value) for e in bad.error)


def test_a_long_list_is_cut_to_the_newest_with_a_notice(open_page, page_store, monkeypatch):
    """A week holding a large import lists the newest rows and says how many it left out (never silently)."""
    from dashboard.ui import tables

    monkeypatch.setattr(tables, "CHANGES_LISTED_AT_MOST", 5)
    page_store.revise("T-D04", {"figure_best": 11500}, "newer report")
    at = open_page("changes")
    listed = _listed(at)
    assert len(listed) == 5 and listed.index[-1] == "T-D04"  # the newest change is listed
    assert "18 claims changed after" in _caption(at)  # the caption counts every change
    notices = [plain(i.value) for i in at.info]
    assert any("lists the newest 5 of these 18 changes; the CSV download holds all of them" in n for n in notices)


def test_the_listed_revisions_are_spelled_out_when_the_list_is_cut(open_page, page_store, monkeypatch):
    """Fields are compared only for the rows listed (issue 17, point 6): those still show old → new."""
    from dashboard.ui import tables

    monkeypatch.setattr(tables, "CHANGES_LISTED_AT_MOST", 1)
    start = utc_now()
    page_store.revise("T-S02", {"description": "Restated."}, "first")
    page_store.revise("T-D04", {"figure_best": 11500}, "newer report")
    at = open_page("changes", window="Custom", since=start.isoformat())
    listed = _listed(at)
    assert list(listed.index) == ["T-D04"]
    assert listed.loc["T-D04", "what_changed"] == "Best estimate: 11,000 → 11,500"
    assert "0 new, 2 revised, 0 retracted" in _caption(at)
