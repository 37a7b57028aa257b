"""A pasted URL with values the filter does not offer: the page names each ignored value and why (issue 17),
on every page until the user dismisses the notice.

And an address too long to serve opens a page that says so, in the browser as over raw HTTP.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_pasted_url_with_unknown_values_shows_what_was_ignored(app):
    app.open(
        "/events",
        {
            "claimant": ["South Korea NIS", "Atlantis Ministry", "www.evil.example"],
            "conf": "certain",
            "region": ["Narnia (XX-NAR)"] * 3,
        },
    )
    notice = app.main.get_by_text("This address asked for values the filter does not offer", exact=False)
    expect(notice).to_be_visible()
    expect(notice.locator("a")).to_have_count(0)  # the link's text is shown as text, not as a link to click
    expect(notice).to_contain_text(
        "Claimants: “Atlantis Ministry”, “www\u2060.evil.example” — not a claimant in the log"
    )
    expect(notice).to_contain_text("Minimum confidence: “certain” is not one of the choices")
    expect(notice).to_contain_text("Regions: 2 repeated values ignored")
    # The known value is kept, in the widget and the URL.
    assert app.params.get("claimant") == ["South Korea NIS"]
    expect(app.sidebar.get_by_text("Some values in the address were ignored", exact=False)).to_be_visible()
    # The URL no longer holds what was ignored, yet the notice stays on the next page until dismissed.
    app.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Data").click()
    app.wait_idle()
    expect(app.main.locator("h1").first).to_have_text("Data")
    expect(notice).to_contain_text("Minimum confidence: “certain” is not one of the choices")
    app.main.get_by_role("button", name="Dismiss").click()
    app.wait_idle()
    expect(notice).to_have_count(0)
    expect(app.sidebar.get_by_text("Some values in the address were ignored", exact=False)).to_have_count(0)


def test_an_address_with_thousands_of_repeated_values_opens_a_page_that_says_so(app):
    query = "&".join(["conf=high"] * 1500)
    app.page.goto(f"{app.base_url}/events?{query}", wait_until="domcontentloaded")
    expect(app.page.get_by_role("heading", name="This address is too long to serve")).to_be_visible()
    app.page.get_by_role("link", name="Open the same view with each repeated value once").click()
    app.wait_idle()
    expect(app.page.locator('[data-testid="stMain"] h1').first).to_be_visible()
    assert app.params.get("conf") == ["high"]
