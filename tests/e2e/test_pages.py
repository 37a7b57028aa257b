"""Every page opened by its URL in a real browser: title, no error, charts drawn, offline.

Each page's full-length screenshot goes to ``tests/artifacts/e2e/<page>.png``.
"""

from __future__ import annotations

import pytest
from e2e_support import PAGES, coloured_fraction, element_image
from playwright.sync_api import expect

from dashboard.figures.missiles import launch_keys

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_offline(app, log_events, name):
    path, title, chart_count = PAGES[name]
    app.open(path)

    assert app.path == path
    expect(app.main.locator("h1").first).to_have_text(title)
    app.assert_no_error_boxes()
    # The whole log is shown: the caption counts every claim ("146 claims…", "146 claims in the log…").
    assert app.shown_count() == len(log_events)

    charts = app.main.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(chart_count)
    expect(app.main.locator(".js-plotly-plot")).to_have_count(chart_count)
    for index in range(chart_count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        # Drawn, not an empty frame: SVG traces or a map canvas, and colour in the picture.
        expect(chart.locator("g.trace, canvas.maplibregl-canvas").first).to_be_attached()
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 200, f"chart {index} is {box}"
        share = coloured_fraction(element_image(chart))
        assert share > 0.003, f"chart {index} of {name} looks blank ({share:.4f} coloured)"

    if name == "map":
        canvas = charts.first.locator("canvas.maplibregl-canvas")
        expect(canvas).to_have_count(1)
        # The seed's claims run from Kursk to the Korean peninsula, so the Map opens on the six countries
        # (the view that frames them) and coloured regions are small beside the grey ones; a blank map is 0.
        assert coloured_fraction(element_image(canvas)) > 0.004, "the region map shows no coloured region"
    elif name == "overview":
        expect(app.metric("Claims")).to_have_text(f"{len(log_events):,}")
    elif name == "missiles":
        # One launch however many bodies reported it (claims share the source's id and the date).
        launches = launch_keys(log_events.loc[log_events["category"] == "missile_test"]).nunique()
        expect(app.metric("Launch events")).to_have_text(f"{launches:,}")
        expect(charts.nth(1).locator("canvas.maplibregl-canvas")).to_have_count(1)  # launch sites
    elif name == "events":
        shown = min(100, len(log_events))
        expect(app.main.get_by_text(f"Rows 1–{shown} of {len(log_events):,}.")).to_be_visible()
        expect(app.main.locator(".st-key-events-table table[role='grid'] tbody tr").first).to_be_attached()
    elif name == "data":
        expect(app.metric("Claims")).to_have_text(f"{len(log_events):,}")
        expect(app.main.get_by_text("File to import")).to_be_visible()

    app.full_screenshot(name)
    app.assert_clean()
