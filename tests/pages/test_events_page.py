"""Events page: the paginated table, safe links, the detail view with history, downloads."""

from __future__ import annotations

import csv
import io
import json
import tomllib

import pandas as pd
import pytest
from page_support import FIXTURE, FIXTURE_EVENTS, REPO, no_match_shown, plain

from dashboard.events.importers import import_file
from dashboard.ui import tables


def table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def test_table_lists_the_filtered_claims(open_page):
    at = open_page("events")
    rows = table(at)
    assert len(rows) == FIXTURE_EVENTS
    # The grade code sits next to who says it (NATO/Admiralty: reliability of the originator, credibility).
    assert list(rows.columns[:5]) == ["Date", "Category", "Claimant", "Grade", "Figure"]
    assert rows.set_index("Event").loc["T-D04", "Grade"] == "B3"  # NIS (B in the register), confidence medium
    assert rows["Event"].iloc[0] == "T-S02"  # newest first
    assert rows.set_index("Event").loc["T-D04", "Figure"] == "about 11,000 troops (10,000–12,000)"
    # Claims without a unit show an empty cell, never a grey "None"; units by their reader label.
    assert not rows["Unit"].isna().any() and "None" not in set(rows["Unit"])
    assert rows.set_index("Event").loc["T-D04", "Unit"] == "troops"
    assert rows["Source"].str.match(r"^https?://").all()


def test_download_buttons_exist(open_page):
    at = open_page("events")
    keys = {b.key for b in at.get("download_button")}
    assert {"dl-events-csv", "dl-events-xlsx", "dl-events-geojson"} <= keys


def test_preset_changes_the_rows(open_page):
    at = open_page("events")
    at.selectbox(key="preset").set_value("Last 90 days").run()
    assert sorted(table(at)["Event"]) == ["T-C05", "T-D05", "T-S01", "T-S02"]
    assert plain(at.main.caption[0].value).startswith("4 claims")


def test_detail_view_shows_sources_and_revisions(open_page, page_store):
    page_store.revise("T-D04", {"figure_best": 11500.0}, reason="NIS corrected its estimate")
    at = open_page("events")
    at.selectbox(key="detail").set_value("T-D04").run()
    assert not at.exception
    detail_tables = [d.value for d in at.dataframe[1:]]
    sources = next(t for t in detail_tables if "Outlet" in t.columns)
    assert list(sources["Link"]) == ["https://example.org/d04", "http://example.org/d04b"]
    history = next(t for t in detail_tables if "Revision" in t.columns)
    assert list(history["Revision"]) == [1, 2]
    # A change log (issue 16): each revision's changed fields, old → new, who and why.
    assert history["What changed (old → new)"].iloc[1] == "Best estimate: 11,000 → 11,500"
    fields = next(t for t in detail_tables if "Field" in t.columns).set_index("Field")["Value"]
    # Reader labels and words, never raw field names, raw floats or "None".
    assert fields["Figure"] == "about 11,500 troops (10,000–12,000)"
    assert fields["Claimed by"] == "South Korea NIS"
    assert not any("_" in label for label in fields.index)
    assert not any(v in ("None", "nan", "") for v in fields.values)
    assert "11500.0" not in " ".join(fields.values)
    assert at.query_params["event"] == "T-D04"
    assert history["Reason"].iloc[1] == "NIS corrected its estimate"


def _click_row(at, row: int) -> None:
    key = next(k for k in at.session_state.keys() if k.startswith("events-table-"))  # noqa: SIM118 - no __iter__
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()


def test_row_selection_opens_the_detail(open_page):
    at = open_page("events")
    _click_row(at, 0)
    assert plain(at.subheader[0].value) == "Event T-S02"
    assert at.query_params["event"] == "T-S02"


def test_selection_is_by_event_id_and_does_not_jump_when_the_filter_changes(open_page):
    at = open_page("events")
    _click_row(at, 1)
    picked = plain(at.subheader[0].value)
    assert picked == "Event T-S01"
    # A filter that keeps the claim but moves it to another row (T-S02 above it drops out).
    at.text_input(key="q").set_value("Kursk").run()
    assert at.dataframe[0].value["Event"].iloc[0] == "T-S01"
    assert plain(at.subheader[0].value) == picked
    assert at.query_params["event"] == "T-S01"
    # A filter that drops it: the selection is cleared, with a word, and no other claim is shown.
    at.text_input(key="q").set_value("Vladivostok").run()
    assert not at.main.subheader
    assert any("Event T-S01 is not among the filtered claims" in plain(i.value) for i in at.info)
    assert "event" not in at.query_params


def test_selected_claim_opens_from_the_url(open_page):
    at = open_page("events", event="T-D04")
    assert plain(at.subheader[0].value) == "Event T-D04"


def test_markup_in_data_is_shown_as_text(open_page):
    at = open_page("events", q="first assault")
    assert table(at)["Description"].iloc[0].startswith("Fixture <script>")
    at.selectbox(key="detail").set_value("T-B01").run()
    assert [t.value for t in at.text] == [table(at)["Description"].iloc[0]]
    rendered = " ".join(e.value for e in [*at.markdown, *at.caption, *at.subheader, *at.title, *at.info])
    assert "<script>" not in rendered and "](https://evil" not in rendered


def test_only_http_urls_become_links():
    assert tables.safe_url("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", " javascript:x", None, 3):
        assert tables.safe_url(bad) is None
    frame = pd.DataFrame(
        [
            {
                "event_id": "X1",
                "event_date": pd.Timestamp("2025-01-01"),
                "category": "other",
                "claimant": "c",
                "figure_low": None,
                "figure_best": None,
                "figure_high": None,
                "unit": None,
                "location": None,
                "admin1_name": None,
                "country_code": None,
                "description": "d",
                "confidence": "low",
                "sources": json.dumps([{"outlet": "o", "title": "t", "date": None, "url": "javascript:alert(1)"}]),
            }
        ]
    )
    assert tables.event_rows(frame)["Source"].iloc[0] is None
    assert tables.sources_frame(frame["sources"].iloc[0])["Link"].iloc[0] is None


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("events", conf="high", cat="Battle")
    assert no_match_shown(at)
    assert not at.dataframe
    assert not at.get("download_button")


@pytest.fixture
def big_store(page_store):
    """The fixture log copied 40 times over (738 claims)."""
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for copy in range(40):
        for row in rows:
            writer.writerow({**row, "event_id": f"{row['event_id']}-{copy:02d}"})
    report = import_file(page_store, data=out.getvalue().encode(), file_name="big.csv", fmt="native", origin="seed")
    assert report.written
    return page_store


def test_pages_keep_large_results_off_the_browser(big_store, open_page):
    total = FIXTURE_EVENTS * 41
    at = open_page("events")
    assert len(table(at)) == 100
    assert at.number_input(key="page").max == 8
    at.number_input(key="page").set_value(8).run()
    assert len(table(at)) == total - 700
    assert any(f"Rows 701–{total} of {total}" in c.value for c in at.main.caption)


def test_tables_offer_no_unguarded_csv_export():
    # st.dataframe's own CSV download would bypass the formula-cell guard of the Events downloads.
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_detail_gives_the_grade_the_originator_and_who_else_says_it(open_page):
    at = open_page("events", event="T-D04")
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "Grade B3: originator South Korea NIS. No other originator says the same" in captions
    at = open_page("events", event="T-S02")  # recorded as "KCNA": an alias in the register
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "Grade D2: originator DPRK KCNA." in captions
