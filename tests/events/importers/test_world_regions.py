"""Regions for any country: ACLED and UCDP files from three continents, written here.

The rows are synthetic (ACLED's and UCDP's terms forbid shipping their data) but in
each dataset's exact column layout, with real place coordinates and the admin-1
spellings the datasets use (ACLED's "Atacora" where ISO says "Atakora", "Sao Paulo"
without its accent).
"""

from __future__ import annotations

import csv
import io

import pandas
import pytest
import shapely
import shapely.ops

from dashboard.events import exports, geo, schema
from dashboard.events.importers import import_file, parse_bytes
from dashboard.events.importers.places import admin1_from_name, loose_key, name_key

ACLED_HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

# (event id, iso numeric, ACLED region, country, admin1 as ACLED spells it, location, lat, lon)
ACLED_ROWS = [
    ("BEN100", 204, "Western Africa", "Benin", "Alibori", "Kandi", 11.134, 2.938),
    ("BEN101", 204, "Western Africa", "Benin", "Atacora", "Natitingou", 10.304, 1.379),
    ("BEN102", 204, "Western Africa", "Benin", "", "Parakou", 9.337, 2.630),
    ("BEN103", 204, "Western Africa", "Benin", "Tanguieta Commune", "Tanguieta", 10.621, 1.265),
    ("BEN104", 204, "Western Africa", "Benin", "Alibori", "Cotonou", 6.366, 2.418),
    ("NGA200", 566, "Western Africa", "Nigeria", "Borno", "Maiduguri", 11.846, 13.160),
    ("NGA201", 566, "Western Africa", "Nigeria", "", "Kaduna", 10.523, 7.438),
    ("BRA300", 76, "South America", "Brazil", "Sao Paulo", "Sao Paulo", -23.550, -46.633),
    ("BRA301", 76, "South America", "Brazil", "", "Manaus", -3.119, -60.022),
    ("COL400", 170, "South America", "Colombia", "Norte de Santander", "Cucuta", 7.894, -72.508),
    ("MEX500", 484, "Central America", "Mexico", "Sinaloa", "Culiacan", 24.809, -107.394),
    ("PHL600", 608, "Southeast Asia", "Philippines", "", "Marawi", 8.000, 124.290),
]

UCDP_HEADER = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "gwnoa",
    "gwnob",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
]

# (id, country as UCDP names it, gwno, UCDP region, adm_1 as UCDP spells it, place, lat, lon)
UCDP_ROWS = [
    (900001, "Nigeria", 475, "Africa", "Borno state", "Bama", 11.522, 13.686),
    (900002, "Colombia", 100, "Americas", "Antioquia department", "Medellin", 6.244, -75.581),
    (900003, "Syria", 652, "Middle East", "Idlib governorate", "Idlib", 35.930, 36.633),
    (900004, "Mali", 432, "Africa", "", "Gao", 16.272, -0.044),
    (900005, "Somalia", 520, "Africa", "Banaadir region", "Mogadishu", 2.046, 45.318),
]


def acled_file(rows=ACLED_ROWS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ACLED_HEADER)
    for event_id, iso, region, country, admin1, location, lat, lon in rows:
        cells = dict.fromkeys(ACLED_HEADER, "")
        cells.update(
            event_id_cnty=event_id,
            event_date="12 March 2024",
            year="2024",
            time_precision="1",
            disorder_type="Political violence",
            event_type="Battles",
            sub_event_type="Armed clash",
            actor1="Unidentified Armed Group",
            inter1="3",
            actor2="Military Forces",
            inter2="1",
            interaction="13",
            iso=str(iso),
            region=region,
            country=country,
            admin1=admin1,
            location=location,
            latitude=f"{lat}",
            longitude=f"{lon}",
            geo_precision="1",
            source="Local media",
            source_scale="National",
            notes=f"Synthetic test row near {location}.",
            fatalities="2",
            timestamp="1710288000",
        )
        writer.writerow([cells[c] for c in ACLED_HEADER])
    return buffer.getvalue().encode("utf-8")


def ucdp_file(rows=UCDP_ROWS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UCDP_HEADER)
    for event_id, country, gwno, region, adm_1, place, lat, lon in rows:
        cells = dict.fromkeys(UCDP_HEADER, "")
        cells.update(
            id=str(event_id),
            relid=f"X-2024-1-{event_id}",
            year="2024",
            active_year="1",
            code_status="Clear",
            type_of_violence="1",
            conflict_name=f"{country}: Government",
            dyad_name=f"Government of {country} - Rebels",
            side_a=f"Government of {country}",
            side_b="Rebels",
            number_of_sources="1",
            source_article='"Agency,2024-03-12,Clashes"',
            source_office="Agency",
            source_date="2024-03-12",
            source_headline="Clashes",
            where_prec="1",
            gwnoa=str(gwno),
            where_coordinates=place,
            where_description=f"Synthetic test row, {place}",
            adm_1=adm_1,
            latitude=f"{lat}",
            longitude=f"{lon}",
            geom_wkt=f"POINT ({lon} {lat})",
            country=country,
            country_id=str(gwno),
            region=region,
            event_clarity="1",
            date_prec="1",
            date_start="2024-03-12 00:00:00.000",
            date_end="2024-03-12 00:00:00.000",
            deaths_a="1",
            deaths_b="1",
            deaths_civilians="0",
            deaths_unknown="0",
            best="2",
            high="3",
            low="2",
        )
        writer.writerow([cells[c] for c in UCDP_HEADER])
    return buffer.getvalue().encode("utf-8")


EXPECTED_ACLED = {
    "acled:BEN100": "BJ-AL",  # by name
    "acled:BEN101": "BJ-AK",  # "Atacora": Natural Earth's alternate spelling of Atakora
    "acled:BEN102": "BJ-BO",  # no admin1: Parakou's point lies in Borgou
    "acled:BEN103": "BJ-AK",  # a commune, not a department: no code by name, placed by its point
    "acled:BEN104": "BJ-AL",  # the name wins, but the disagreement is reported (below)
    "acled:NGA200": "NG-BO",
    "acled:NGA201": "NG-KD",
    "acled:BRA300": "BR-SP",  # "Sao Paulo" without the accent
    "acled:BRA301": "BR-AM",
    "acled:COL400": "CO-NSA",
    "acled:MEX500": "MX-SIN",
    "acled:PHL600": "PH-LAS",
}
EXPECTED_UCDP = {
    "ucdp:900001": "NG-BO",
    "ucdp:900002": "CO-ANT",
    "ucdp:900003": "SY-ID",
    "ucdp:900004": "ML-7",
    "ucdp:900005": "SO-BN",
}


def _regions(store, expected):
    return {event_id: store.history(event_id).iloc[-1]["admin1_code"] for event_id in expected}


def test_acled_rows_from_five_countries_on_three_continents_all_get_a_region(store):
    report = import_file(store, data=acled_file(), file_name="acled_world.csv")
    assert report.written and report.new == len(ACLED_ROWS)
    assert _regions(store, EXPECTED_ACLED) == EXPECTED_ACLED


def test_ucdp_rows_get_regions_by_name_and_by_point(store):
    report = import_file(store, data=ucdp_file(), file_name="ged_world.csv")
    assert report.format == "ucdp" and report.written, report.error_lines()
    assert _regions(store, EXPECTED_UCDP) == EXPECTED_UCDP


def test_unmatched_region_names_are_reported_and_kept(store):
    report = import_file(store, data=acled_file(), file_name="acled_world.csv")
    [unmatched] = [w for w in report.warnings if "matches no ISO 3166-2 code" in w]
    assert "'Tanguieta Commune' (BEN, 1 rows)" in unmatched
    row = store.history("acled:BEN103").iloc[-1]
    assert (row["admin1_name"], row["admin1_code"]) == ("Tanguieta Commune", "BJ-AK")


def test_name_and_coordinates_that_disagree_are_flagged_not_resolved(store):
    report = import_file(store, data=acled_file(), file_name="acled_world.csv")
    [disagree] = [w for w in report.warnings if "disagree" in w]
    # Cotonou is in Littoral, about 450 km south of Alibori; nothing else disagrees.
    assert disagree.startswith("1 rows give a region and coordinates that disagree")
    assert "acled:BEN104: Alibori (BJ-AL)" in disagree and "in Littoral (BJ-LI)" in disagree
    row = store.history("acled:BEN104").iloc[-1]
    assert (row["admin1_code"], row["latitude"]) == ("BJ-AL", 6.366)


def test_a_file_that_agrees_with_itself_has_no_region_warnings(store):
    rows = [r for r in ACLED_ROWS if r[0] not in {"BEN103", "BEN104"}]
    report = import_file(store, data=acled_file(rows), file_name="clean.csv")
    assert report.written and report.warnings == []


@pytest.mark.parametrize(
    ("name", "country", "code"),
    [
        ("Atacora", "BEN", "BJ-AK"),
        ("Ouémé", "BEN", "BJ-OU"),
        ("Oueme", "BEN", "BJ-OU"),
        ("Sao Paulo", "BRA", "BR-SP"),
        ("São Paulo", "BRA", "BR-SP"),
        ("Kharkiv", "UKR", "UA-63"),
        ("Kharkov", "UKR", "UA-63"),
        ("Kursk", "RUS", "RU-KRS"),
        ("Borno", "NGA", "NG-BO"),
        ("Norte de Santander", "COL", "CO-NSA"),
        ("Idlib", "SYR", "SY-ID"),
    ],
)
def test_transliteration_variants_match(name, country, code):
    assert admin1_from_name(name, country)[0] == code


def test_names_that_mean_no_region_do_not_match():
    assert admin1_from_name("Tanguieta Commune", "BEN") is None
    assert admin1_from_name("Borno", "BEN") is None  # a Nigerian state, not a Beninese one


def test_loose_key_folds_spelling_variants_only():
    assert loose_key(name_key("Atacora")) == loose_key(name_key("Atakora"))
    assert loose_key(name_key("Dzhankoy")) == loose_key(name_key("Jankoy"))
    assert loose_key(name_key("Borgou")) != loose_key(name_key("Borno"))


def test_every_row_is_parsed_with_its_country():
    parsed = parse_bytes(acled_file(), "acled_world.csv")
    countries = {r.event_id: r.country_code for r in parsed.accepted_records()}
    assert countries["acled:BEN100"] == "BEN" and countries["acled:PHL600"] == "PHL"
    assert countries["acled:BRA300"] == "BRA" and countries["acled:MEX500"] == "MEX"


def test_region_disagreements_ignore_points_near_the_border():
    boundaries = geo.load_boundaries()
    sumy = boundaries.set_index("iso_3166_2").geometry["UA-59"]
    sudzha = shapely.Point(35.271, 51.192)  # in Kursk oblast, some 10 km from the border
    edge = shapely.ops.nearest_points(sumy.boundary, sudzha)[0]
    # 0.02 degrees from the border into Kursk oblast: simplification-sized, not a contradiction.
    step = (sudzha.x - edge.x, sudzha.y - edge.y)
    scale = 0.02 / (step[0] ** 2 + step[1] ** 2) ** 0.5
    near = (edge.y + step[1] * scale, edge.x + step[0] * scale)
    frame = pandas.DataFrame(
        {"admin1_code": ["UA-59", "UA-59"], "latitude": [near[0], sudzha.y], "longitude": [near[1], sudzha.x]},
        index=[10, 20],
    )
    flagged = geo.region_disagreements(frame, boundaries)
    assert list(flagged.index) == [20]
    assert flagged.loc[20, "point_admin1_code"] == "RU-KRS"
    assert flagged.loc[20, "distance_deg"] > geo.DISAGREEMENT_TOLERANCE_DEG


# --- Disagreements as a quality flag on the claim (not only a warning) -------------------------------

# Rows whose region name and point are hundreds of km apart, in four countries on three continents
# (real places: the named region is the source's, the point another region's city).
DISAGREEING_ACLED = [
    ("BEN104", 204, "Western Africa", "Benin", "Alibori", "Cotonou", 6.366, 2.418),  # point in Littoral
    ("NGA202", 566, "Western Africa", "Nigeria", "Borno", "Lagos", 6.455, 3.394),  # point in Lagos
    ("BRA302", 76, "South America", "Brazil", "Sao Paulo", "Manaus", -3.119, -60.022),  # point in Amazonas
]
DISAGREEING_UCDP = [
    (900006, "Colombia", 100, "Americas", "Antioquia department", "Cali", 3.452, -76.532),  # Valle del Cauca
    (900007, "Syria", 652, "Middle East", "Idlib governorate", "Deir ez-Zor", 35.336, 40.141),  # Deir ez-Zor
]


def _flags(store) -> dict[str, str | None]:
    frame = store.current_events()
    return {
        e: (f if isinstance(f, str) else None) for e, f in zip(frame["event_id"], frame["quality_flags"], strict=True)
    }


def test_acled_rows_whose_name_and_point_disagree_carry_the_flag_and_keep_the_named_region(store):
    agreeing = [r for r in ACLED_ROWS if r[0] != "BEN104"]
    report = import_file(store, data=acled_file(agreeing + DISAGREEING_ACLED), file_name="acled_world.csv")
    assert report.written, report.error_lines()
    flags = _flags(store)
    flagged = {e for e, f in flags.items() if f and schema.REGION_DISAGREE_FLAG in f}
    assert flagged == {"acled:BEN104", "acled:NGA202", "acled:BRA302"}
    # Every other row, the commune placed by its point and the rows without admin1 included, is clean.
    assert all(flags[e] is None for e in flags if e not in flagged)
    # The region as the source names it wins, the coordinates stay as given: nothing is moved.
    rows = store.current_events().set_index("event_id")
    assert rows.loc["acled:NGA202", ["admin1_code", "admin1_name"]].tolist() == ["NG-BO", "Borno"]
    assert rows.loc["acled:BRA302", ["admin1_code", "latitude", "longitude"]].tolist() == ["BR-SP", -3.119, -60.022]
    # Counted on the Data page (the store's stats), beside the warning the import report gives.
    assert store.stats()["by_quality_flag"] == {schema.REGION_DISAGREE_FLAG: 3}
    [warning] = [w for w in report.warnings if "disagree" in w]
    assert (
        warning.startswith("3 rows give a region and coordinates that disagree")
        and schema.REGION_DISAGREE_FLAG in warning
    )


def test_ucdp_rows_that_disagree_are_flagged_beside_the_source_flags(store):
    rows = [*UCDP_ROWS, *DISAGREEING_UCDP]
    data = ucdp_file(rows).decode("utf-8").splitlines()
    # UCDP's own doubt about the figures on one of them: both flags, in the stored spelling.
    data[-1] = data[-1].replace(",Clear,", ",Check deaths,", 1)
    report = import_file(store, data=("\n".join(data) + "\n").encode("utf-8"), file_name="ged_world.csv")
    assert report.format == "ucdp" and report.written, report.error_lines()
    flags = _flags(store)
    assert flags["ucdp:900006"] == schema.REGION_DISAGREE_FLAG
    assert flags["ucdp:900007"] == f"check_deaths,{schema.REGION_DISAGREE_FLAG}"
    assert all(flags[f"ucdp:{r[0]}"] is None for r in UCDP_ROWS)
    row = store.current_events().set_index("event_id").loc["ucdp:900006"]
    assert (row["admin1_code"], row["latitude"]) == ("CO-ANT", 3.452)
    # The same file again is the same claims: the flag is part of what the import decides, every time.
    again = import_file(store, data=("\n".join(data) + "\n").encode("utf-8"), file_name="ged_world.csv")
    assert (again.new, again.revised, again.unchanged) == (0, 0, len(rows))


def test_a_point_near_its_named_regions_border_is_not_flagged(store):
    # Sudzha lies inside Kursk Oblast, a few km from Ukraine; a point 2 km over the border in Sumy
    # named "Kursk" is the boundaries' simplification or a border point, not a contradiction.
    rows = [
        ("RUS900", 643, "Europe", "Russia", "Kursk", "Sudzha", 51.19, 35.27),
        ("RUS901", 643, "Europe", "Russia", "Kursk", "Border", 51.16, 35.13),
    ]
    report = import_file(store, data=acled_file(rows), file_name="kursk.csv")
    assert report.written and report.warnings == []
    assert set(_flags(store).values()) == {None}


def test_native_rows_that_disagree_are_reported_and_flagged_only_if_the_file_says_so(store, native_csv, record_data):
    # Kursk Oblast named, a point in Kyiv. The curated format never sets a flag by itself (an export
    # must import again as the same claims), so the row is reported; a row may carry the flag itself.
    rows = [
        record_data(event_id="N1", country_code="RUS", admin1_code="RU-KRS", latitude=50.45, longitude=30.52),
        record_data(event_id="N2", country_code="RUS", admin1_code="RU-KRS", latitude=51.73, longitude=36.19),
        record_data(
            event_id="N3",
            country_code="RUS",
            admin1_code="RU-KRS",
            latitude=50.45,
            longitude=30.52,
            quality_flags=schema.REGION_DISAGREE_FLAG,
        ),
    ]
    report = import_file(store, data=native_csv(rows).encode("utf-8"), file_name="native.csv", fmt="native")
    assert report.written, report.error_lines()
    assert _flags(store) == {"N1": None, "N2": None, "N3": schema.REGION_DISAGREE_FLAG}
    [warning] = [w for w in report.warnings if "disagree" in w]
    assert warning.startswith("2 rows give a region and coordinates that disagree")
    assert "only if the file gives it" in warning and "N1: Kursk Oblast (RU-KRS)" in warning


def test_an_export_of_flagged_claims_imports_again_as_the_same_claims(store, tmp_path):
    agreeing = [r for r in ACLED_ROWS if r[0] != "BEN104"]
    import_file(store, data=acled_file(agreeing + DISAGREEING_ACLED), file_name="acled_world.csv")
    path = tmp_path / "export.csv"
    exports.write_csv(exports.export_frame(store.current_events()), path)
    again = import_file(store, path, fmt="native")
    assert (again.new, again.revised, again.unchanged) == (0, 0, len(agreeing) + len(DISAGREEING_ACLED))
    assert sum(schema.REGION_DISAGREE_FLAG in (f or "") for f in _flags(store).values()) == 3


def test_the_data_dictionary_names_the_flag_and_which_side_wins():
    text = schema.data_dictionary()
    assert f"`{schema.REGION_DISAGREE_FLAG}`" in text
    assert schema.REGION_DISAGREEMENT_RULE in text and "keeps the region as the source names it" in text


def test_with_flag_keeps_the_stored_spelling():
    assert schema.with_flag(None, "check_deaths") == "check_deaths"
    assert schema.with_flag("source_high_zero,check_deaths", schema.REGION_DISAGREE_FLAG) == (
        f"check_deaths,{schema.REGION_DISAGREE_FLAG},source_high_zero"
    )
    assert schema.with_flag("check_deaths", "check_deaths") == "check_deaths"
    with pytest.raises(ValueError, match="unknown quality flag 'made_up'"):
        schema.with_flag(None, "made_up")
