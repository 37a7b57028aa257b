"""The shipped region boundaries and gazetteer: codes, names, geometry, neighbours."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import pandas
import pycountry
import pytest
import shapely

DATA = Path(__file__).resolve().parents[2] / "data" / "boundaries"
COUNTRIES = {"RUS", "UKR", "BLR", "PRK", "KOR", "JPN"}
PROPERTIES = {"iso_3166_2", "name", "country_code", "country_name"}


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads((DATA / "admin1.geojson").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regions() -> geopandas.GeoDataFrame:
    return geopandas.read_file(DATA / "admin1.geojson")


@pytest.fixture(scope="module")
def gazetteer() -> pandas.DataFrame:
    return pandas.read_csv(DATA / "gazetteer.csv", keep_default_na=False)


def test_file_is_a_small_feature_collection(raw):
    assert raw["type"] == "FeatureCollection"
    assert (DATA / "admin1.geojson").stat().st_size < 3_000_000
    assert all(set(f["properties"]) == PROPERTIES for f in raw["features"])


def test_crs_is_wgs84(regions):
    assert regions.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = regions.total_bounds
    assert minx >= -180 and maxx <= 180 and miny >= 20 and maxy <= 90


def test_every_region_has_valid_non_empty_geometry(regions):
    assert regions.geometry.notna().all()
    assert not regions.geometry.is_empty.any()
    assert regions.geometry.is_valid.all()
    assert set(regions.geom_type) <= {"Polygon", "MultiPolygon"}


def test_regions_do_not_overlap(regions):
    assert shapely.coverage_is_valid(regions.geometry.values)


def test_codes_are_unique_iso_3166_2_codes(regions):
    assert regions["iso_3166_2"].is_unique
    unknown = [c for c in regions["iso_3166_2"] if pycountry.subdivisions.get(code=c) is None]
    assert unknown == []


def test_names_and_countries(regions):
    assert regions["name"].str.strip().ne("").all()
    assert regions["country_name"].str.strip().ne("").all()
    assert set(regions["country_code"]) == COUNTRIES
    # The code's country prefix agrees with the country, Crimea included (ISO 3166-2).
    alpha3 = regions["iso_3166_2"].str[:2].map(lambda a2: pycountry.countries.get(alpha_2=a2).alpha_3)
    assert (alpha3 == regions["country_code"]).all()


def test_feature_counts(regions):
    counts = regions.groupby("country_code").size().to_dict()
    assert counts == {"RUS": 83, "UKR": 27, "BLR": 7, "PRK": 11, "KOR": 17, "JPN": 47}


@pytest.mark.parametrize(
    ("code", "name", "country"),
    [
        ("RU-KRS", "Kursk Oblast", "RUS"),
        ("RU-BEL", "Belgorod Oblast", "RUS"),
        ("RU-MAG", "Magadan Oblast", "RUS"),
        ("RU-MOS", "Moscow Oblast", "RUS"),
        ("RU-MOW", "Moscow", "RUS"),
        ("RU-ALT", "Altai Krai", "RUS"),
        ("RU-AL", "Altai Republic", "RUS"),
        ("RU-SA", "Sakha (Yakutia) Republic", "RUS"),
        ("UA-59", "Sumy Oblast", "UKR"),
        ("UA-43", "Autonomous Republic of Crimea", "UKR"),
        ("UA-40", "Sevastopol", "UKR"),
        ("KP-01", "Pyongyang", "PRK"),
        ("KR-11", "Seoul", "KOR"),
        ("JP-28", "Hyogo", "JPN"),
    ],
)
def test_known_regions(regions, code, name, country):
    row = regions.set_index("iso_3166_2").loc[code]
    assert (row["name"], row["country_code"]) == (name, country)


@pytest.mark.parametrize("neighbour", ["UA-59", "RU-BEL", "RU-ORL", "RU-BRY"])
def test_kursk_oblast_still_touches_its_neighbours(regions, neighbour):
    by_code = regions.set_index("iso_3166_2").geometry
    kursk = by_code["RU-KRS"]
    assert kursk.intersects(by_code[neighbour]) or kursk.distance(by_code[neighbour]) < 1e-6
    # A shared border, not a single touching point.
    assert kursk.intersection(by_code[neighbour]).length > 0.5


def test_gazetteer_columns_and_values(gazetteer, regions):
    assert list(gazetteer.columns) == [
        "place", "aliases", "admin1_code", "admin1_name", "country_code",
        "latitude", "longitude", "geo_precision", "coord_note", "coord_source",
    ]  # fmt: skip
    assert gazetteer["place"].is_unique
    assert set(gazetteer["geo_precision"]) <= {1, 2}
    assert gazetteer["coord_note"].str.strip().ne("").all()
    assert gazetteer["coord_source"].str.contains("gazetteer knowledge|CNS facility file").all()
    names = dict(zip(regions["iso_3166_2"], regions["name"], strict=True))
    assert set(gazetteer["admin1_code"]) <= set(names)
    assert (gazetteer["admin1_code"].map(names) == gazetteer["admin1_name"]).all()
    assert {"Sudzha", "Kursk", "Vladivostok", "Pyongyang", "Sinpo", "Wonsan (Kalma)"} <= set(gazetteer["place"])


def test_every_gazetteer_point_lies_in_its_region(gazetteer, regions):
    by_code = regions.set_index("iso_3166_2").geometry
    rows = gazetteer[["place", "admin1_code", "latitude", "longitude"]].itertuples(index=False)
    outside = [place for place, code, lat, lon in rows if not by_code[code].contains(shapely.Point(lon, lat))]
    assert outside == []
