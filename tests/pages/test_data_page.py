"""Data page: log statistics, the data dictionary, checked uploads, the import history."""

from __future__ import annotations

import csv
import io
import re

from page_support import FIXTURE_EVENTS, no_match_shown, plain

HEADER = [
    "event_id",
    "event_date",
    "category",
    "subcategory",
    "actor",
    "claimant",
    "figure_best",
    "unit",
    "country_code",
    "geo_precision",
    "description",
    "confidence",
    "sources",
]
GOOD = [
    "U-1",
    "2025-04-20",
    "deployment",
    "in_kursk",
    "North Korea",
    "Upload Claimant",
    "500",
    "troops",
    "RUS",
    "4",
    "Upload <script>alert('x')</script> [link](https://evil.example) **bold**",
    "low",
    "Upload Wire | Upload story | 2025-04-20 | https://example.org/u1",
]
BAD = [
    "U-2",
    "2025-13-45",
    "deployment",
    "",
    "North Korea",
    "Upload Claimant",
    "-5",
    "troops",
    "RUS",
    "1",
    "bad",
    "certain",
    "Upload Wire | Upload story | 2025-04-20 | javascript:alert(1)",
]


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def upload(at, data: bytes, name: str = "upload.csv"):
    at.file_uploader[0].upload(name, data, "text/csv")
    return at.run()


def test_renders_log_statistics(open_page):
    at = open_page("data")
    assert metrics(at)["Claims"] == str(FIXTURE_EVENTS)
    assert metrics(at)["Imports"] == "1"
    history = next(d.value for d in at.dataframe if "batch_id" in d.value.columns)
    assert list(history["file_name"]) == ["events.csv"]
    assert any("# Event record: data dictionary" in m.value for m in at.markdown)


def test_date_range_changes_the_match_line(open_page):
    at = open_page("data")
    at.selectbox(key="preset").set_value("Last 30 days").run()
    assert any(plain(c.value).startswith("3 of them match the current filter") for c in at.main.caption)


def test_bad_upload_shows_the_report_and_writes_nothing(open_page, page_store):
    before = page_store.revision_token()
    at = upload(open_page("data"), csv_bytes(GOOD, BAD))
    assert not at.exception
    errors = next(d.value for d in at.dataframe if "Rule" in d.value.columns)
    assert set(errors["Line"]) == {3}
    assert "event_date" in set(errors["Column"])
    button = at.button(key="import")
    assert button.label == "Import 1 row" and button.disabled
    assert page_store.revision_token() == before
    # Ticking "skip invalid rows" allows importing the valid one.
    at.checkbox(key="skip_invalid").check().run()
    assert not at.button(key="import").disabled
    at.button(key="import").click().run()
    assert not at.exception
    assert page_store.revision_token() != before
    assert metrics(at)["Claims"] == str(FIXTURE_EVENTS + 1)


def test_good_upload_previews_then_imports(open_page, page_store):
    before = page_store.revision_token()
    at = upload(open_page("data"), csv_bytes(GOOD))
    preview = next(d.value for d in at.dataframe if "event_id" in d.value.columns)
    assert list(preview["event_id"]) == ["U-1"]
    assert page_store.revision_token() == before  # nothing written before the click
    at.button(key="import").click().run()
    assert not at.exception
    assert page_store.revision_token() != before
    assert metrics(at)["Claims"] == str(FIXTURE_EVENTS + 1)
    assert any("1 new" in plain(s.value) for s in at.success)
    assert not any("Rule" in d.value.columns or "event_id" in d.value.columns for d in at.dataframe)  # box emptied
    assert not [b for b in at.button if b.key == "import"]
    history = next(d.value for d in at.dataframe if "batch_id" in d.value.columns)
    assert list(history["file_name"]) == ["upload.csv", "events.csv"]
    # The new claim is on every page at once (the cached log follows the revision token).
    at.switch_page("app_pages/events.py").run()
    assert "U-1" in set(at.dataframe[0].value["Event"])


def test_uploaded_markup_is_only_ever_text(open_page):
    at = upload(open_page("data"), csv_bytes(GOOD), name="<img src=x onerror=alert(1)>.csv")
    preview = next(d.value for d in at.dataframe if "event_id" in d.value.columns)
    assert preview["description"].iloc[0].startswith("Upload <script>")
    rendered = " ".join(e.value for e in [*at.caption, *at.success, *at.error, *at.info, *at.warning])
    assert "<img" in plain(rendered)  # the file name is shown...
    assert not re.search(r"(?<!\\)<", rendered)  # ...with every "<" escaped, so it stays text
    assert "<script>" not in " ".join(m.value for m in at.markdown)


def test_unreadable_file_is_reported(open_page, page_store):
    before = page_store.revision_token()
    at = upload(open_page("data"), b"just,some\nunrelated,columns\n", name="other.csv")
    assert not at.exception
    assert any("unrecognised header" in plain(e.value) for e in at.error)
    assert page_store.revision_token() == before


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("data", q="no such words anywhere")
    assert no_match_shown(at)
    assert metrics(at)["Claims"] == str(FIXTURE_EVENTS)  # the log itself is still described
