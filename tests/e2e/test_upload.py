"""The Data page's upload: a bad file gets a validation report and cannot be imported."""

from __future__ import annotations

import re

import pytest
from e2e_support import BAD_UPLOAD_CSV
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_bad_upload_is_reported_by_line_and_not_imported(app, log_store):
    before = (log_store.stats()["events"], log_store.revision_token())
    app.open("/data")
    claims = app.metric("Claims")
    expect(claims).to_have_text(f"{before[0]:,}")

    app.main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(BAD_UPLOAD_CSV)
    app.wait_idle()
    expect(app.main.get_by_text("Validation report")).to_be_visible(timeout=30_000)
    expect(app.main.get_by_text(re.compile(r"Validation report: 3 problems in 2 rows"))).to_be_visible()
    expect(app.metric("Rows read")).to_have_text("3")
    expect(app.metric("Valid")).to_have_text("1")
    expect(app.metric("Invalid")).to_have_text("2")

    errors = app.grid_rows(app.main.locator('[data-testid="stDataFrame"]').filter(has_text="Rule"))
    assert errors[0] == ["Line", "Column", "Value", "Rule"]
    found = {(line, column) for line, column, *_ in errors[1:]}
    assert found == {("3", "event_date"), ("4", "category"), ("4", "figure_best")}
    rules = {column: rule for _, column, _, rule in errors[1:]}
    assert "month must be in 1..12" in rules["event_date"]

    button = app.main.get_by_role("button", name=re.compile(r"^(upload\s*)?Import 1 rows?$"))
    expect(button).to_have_count(1)
    expect(button).to_be_disabled()
    expect(app.main.get_by_text("Fix the rows above and upload again")).to_be_visible()
    app.full_screenshot("data-bad-upload")

    expect(claims).to_have_text(f"{before[0]:,}")
    assert (log_store.stats()["events"], log_store.revision_token()) == before
    app.assert_no_error_boxes()
