"""Regions of any country in the sidebar and on the Map: Latin names with ISO codes, searchable."""

from __future__ import annotations

import csv
import io

from page_support import FIXTURE, charts, values

from dashboard.events.importers import import_file

ROWS = [  # (event id, admin1 as ACLED spells it, location, lat, lon)
    ("BEN1", "Atacora", "Natitingou", 10.304, 1.379),
    ("BEN2", "Oueme", "Porto-Novo", 6.497, 2.605),
    ("BRA1", "", "Manaus", -3.119, -60.022),
]


def acled_rows() -> bytes:
    header = next(csv.reader(io.StringIO((FIXTURE.parents[1] / "acled_export_tool.csv").read_text("utf-8"))))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    for event_id, admin1, location, lat, lon in ROWS:
        country, iso = ("Benin", "204") if event_id.startswith("BEN") else ("Brazil", "76")
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
