"""Regions of any country in the sidebar and on the Map: Latin names with ISO codes, searchable."""

from __future__ import annotations

import csv
import io

from page_support import FIXTURE, charts, plain, values

from dashboard.events.importers import import_file

ROWS = [  # (event id, admin1 as ACLED spells it, location, lat, lon)
    ("BEN1", "Atacora", "Natitingou", 10.304, 1.379),
    ("BEN2", "Oueme", "Porto-Novo", 6.497, 2.605),
    ("BRA1", "", "Manaus", -3.119, -60.022),
]


def acled_rows() -> bytes:
    """ROWS in ACLED's export-tool layout (Benin's and Brazil's numeric ISO codes)."""
    return acled_world_rows(
        (event_id, *(("204", "Benin") if event_id.startswith("BEN") else ("76", "Brazil")), admin1, location, lat, lon)
        for event_id, admin1, location, lat, lon in ROWS
    )


def test_regions_of_any_country_are_offered_by_latin_name_and_code(page_store, open_page):
    report = import_file(page_store, data=acled_rows(), file_name="acled.csv")
    assert report.written, report.error_lines()
    at = open_page("map")
    options = at.multiselect(key="region").options
    assert {"Atakora (BJ-AK)", "Ouémé (BJ-OU)", "Amazonas (BR-AM)", "Kursk Oblast (RU-KRS)"} <= set(options)
    # The log still holds DPRK-Russia claims (Kursk and the Korean peninsula): the Map opens on the
    # named view that frames them, the six countries...
    assert at.selectbox(key="view").value == "all"
    # ...and a Brazilian region picked in the sidebar is drawn and framed by "Fit to data".
    at.multiselect(key="region").set_value(["BR-AM"]).run()
    at.selectbox(key="view").set_value("fit").run()
    assert not at.exception
    figure = charts(at)[0]
    (coloured,) = [t for t in figure["data"] if t.get("meta") == "regions"]
    assert values(coloured["locations"]) == ["BR-AM"]
    centre = figure["layout"]["map"]["center"]
    assert -70 < centre["lon"] < -55 and -8 < centre["lat"] < 2  # around Manaus


def acled_world_rows(rows) -> bytes:
    """ACLED rows (event id, iso numeric, country, admin1, location, lat, lon) in the export tool's layout."""
    header = next(csv.reader(io.StringIO((FIXTURE.parents[1] / "acled_export_tool.csv").read_text("utf-8"))))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    for event_id, iso, country, admin1, location, lat, lon in rows:
        writer.writerow(
            {
                "event_id_cnty": event_id,
                "event_date": "10 March 2025",
                "time_precision": "1",
                "event_type": "Battles",
                "sub_event_type": "Armed clash",
                "actor1": "Rebels",
                "actor2": "Military Forces",
                "iso": iso,
                "country": country,
                "admin1": admin1,
                "location": location,
                "latitude": lat,
                "longitude": lon,
                "geo_precision": "1",
                "source": "Local media",
                "notes": "Synthetic test row.",
                "fatalities": "1",
            }
        )
    return buffer.getvalue().encode("utf-8")


NEWER_REGIONS = [
    ("MLI1", "466", "Mali", "Menaka", "Menaka", 15.918, 2.402),  # Ménaka: a region since 2016
    ("MLI2", "466", "Mali", "Menaka", "Anderamboukane", 15.42, 3.03),
    ("IND1", "356", "India", "Ladakh", "Leh", 34.164, 77.585),  # a union territory since 2019
    ("BEN9", "204", "Benin", "Alibori", "Cotonou", 6.366, 2.418),  # Alibori named, a point in Littoral
]


def test_claims_in_regions_without_an_outline_are_named_on_the_map(page_store, open_page):
    report = import_file(page_store, data=acled_world_rows(NEWER_REGIONS), file_name="acled.csv")
    assert report.written, report.error_lines()
    at = open_page("map")
    at.multiselect(key="country").set_value(["MLI", "IND", "BEN"]).run()
    at.selectbox(key="view").set_value("fit").run()
    assert not at.exception
    [notice] = [i.value for i in at.info if "no outline" in i.value]
    assert plain(notice).startswith("3 claims are in 2 regions the map has no outline for")
    assert "Menaka (ML-9, 2 claims); Ladakh (IN-LA, 1 claim)" in plain(notice)
    figure = charts(at)[0]
    (coloured,) = [t for t in figure["data"] if t.get("meta") == "regions"]
    assert values(coloured["locations"]) == ["BJ-AL"]  # the named region wins; nothing invented for the rest
    points = [t for t in figure["data"] if t.get("type") == "scattermap" and t.get("mode") == "markers"]
    assert sum(len(values(t["lat"])) for t in points if t.get("name") != "halo") == 4  # every claim's point
    # The named region's neighbours are outlined, not the whole box from Benin to Ladakh.
    outlined = {c for t in figure["data"] if t.get("type") == "choroplethmap" for c in values(t["locations"])}
    assert "BJ-BO" in outlined and len(outlined) < 20


def test_a_claim_whose_region_and_point_disagree_shows_its_flag(page_store, open_page):
    report = import_file(page_store, data=acled_world_rows(NEWER_REGIONS[3:]), file_name="acled.csv")
    assert report.written, report.error_lines()
    data_page = open_page("data")
    counts = next(d.value for d in data_page.dataframe if "Flag" in d.value.columns)
    assert counts.set_index("Flag").loc["region_name_coordinates_disagree", "Claims"] == 1
    assert any("keeps the region as the source names it" in c.value for c in data_page.main.caption)
    events = open_page("events")
    events.multiselect(key="country").set_value(["BEN"]).run()
    rows = events.dataframe[0].value.set_index("Event")
    assert rows.loc["acled:BEN9", "Flags"] == "region_name_coordinates_disagree"
