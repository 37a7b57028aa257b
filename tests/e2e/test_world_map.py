"""An ACLED export for a country outside Europe and Asia, on the Map: framed and coloured.

A log holding only Benin claims (an ACLED Export Tool file in its exact layout, the
rows synthetic, written here) is served by its own dashboard: every claim with
coordinates has a region, and the Map opens on "Fit to data", framed on Benin,
with its departments coloured.
"""

from __future__ import annotations

import csv
import io

import pytest
from e2e_support import FIXTURES, coloured_fraction, element_image, serve
from playwright.sync_api import expect

from dashboard.events.importers import import_file
from dashboard.events.store import open_store

pytestmark = pytest.mark.e2e

# (event id, admin1 as ACLED spells it, location, lat, lon): real places, synthetic events.
BENIN_ROWS = [
    ("BEN1001", "Alibori", "Kandi", 11.134, 2.938),
    ("BEN1002", "Alibori", "Banikoara", 11.298, 2.438),
    ("BEN1003", "Atacora", "Natitingou", 10.304, 1.379),
    ("BEN1004", "Atacora", "Tanguieta", 10.621, 1.265),
    ("BEN1005", "Borgou", "Parakou", 9.337, 2.630),
    ("BEN1006", "", "Nikki", 9.940, 3.210),  # no admin1: placed by its point
    ("BEN1007", "Littoral", "Cotonou", 6.366, 2.418),
    ("BEN1008", "Oueme", "Porto-Novo", 6.497, 2.605),
]


def benin_export() -> bytes:
    """The rows above in the layout of ``tests/fixtures/acled_export_tool.csv``."""
    header = next(csv.reader(io.StringIO((FIXTURES.parent / "acled_export_tool.csv").read_text("utf-8"))))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n", restval="")
    writer.writeheader()
    for event_id, admin1, location, lat, lon in BENIN_ROWS:
        writer.writerow(
            {
                "event_id_cnty": event_id,
                "event_date": "12 March 2025",
                "year": "2025",
                "time_precision": "1",
                "disorder_type": "Political violence",
                "event_type": "Violence against civilians",
                "sub_event_type": "Attack",
                "actor1": "JNIM: Group for Support of Islam and Muslims",
                "actor2": "Civilians (Benin)",
                "iso": "204",
                "region": "Western Africa",
                "country": "Benin",
                "admin1": admin1,
                "location": location,
                "latitude": lat,
                "longitude": lon,
                "geo_precision": "1",
                "source": "Local media",
                "source_scale": "National",
                "notes": f"Synthetic test row near {location}.",
                "fatalities": "1",
                "timestamp": "1741737600",
            }
        )
    return buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def benin_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-benin') / 'events.sqlite'}"
    store = open_store(url, seed=False)
    report = import_file(store, data=benin_export(), file_name="acled_benin.csv")
    assert report.written and report.new == len(BENIN_ROWS), report.summary()
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(chromium_path, benin_db, tmp_path_factory):
    """This module's own dashboard, over the Benin-only log (overrides the shared one)."""
    with serve(benin_db, tmp_path_factory.mktemp("e2e-benin-server") / "server.log") as base_url:
        yield base_url


def test_every_benin_claim_with_coordinates_has_a_region(benin_db):
    store = open_store(benin_db, seed=False)
    events = store.current_events()
    store.engine.dispose()
    assert len(events) == len(BENIN_ROWS)
    assert events["admin1_code"].notna().all(), events[["event_id", "admin1_code"]]
    assert set(events["admin1_code"]) == {"BJ-AL", "BJ-AK", "BJ-BO", "BJ-LI", "BJ-OU"}


def test_the_map_opens_framed_on_benin_and_coloured_by_region(app):
    app.open("/map")
    expect(app.main.locator("h1").first).to_have_text("Map")
    app.assert_no_error_boxes()
    expect(app.main.get_by_role("combobox", name="View")).to_have_value("Fit to data")

    chart = app.main.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    canvas = chart.locator("canvas.maplibregl-canvas")
    expect(canvas).to_have_count(1)
    app.wait_idle(settle_ms=1500)  # MapLibre draws after the script finishes
    centre = app.page.evaluate("() => document.querySelector('.js-plotly-plot').layout.map.center")
    # Benin spans 0.8-3.8 E, 6.2-12.4 N.
    assert 0.8 < centre["lon"] < 3.8 and 6.2 < centre["lat"] < 12.4, centre
    locations = app.page.evaluate(
        "() => document.querySelector('.js-plotly-plot').data.filter(t => t.meta === 'regions')[0].locations"
    )
    assert sorted(locations) == ["BJ-AK", "BJ-AL", "BJ-BO", "BJ-LI", "BJ-OU"]
    assert coloured_fraction(element_image(canvas)) > 0.05, "the Benin departments are not coloured"
    app.full_screenshot("map-benin-fit")
