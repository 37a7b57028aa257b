"""The shipped region boundaries and gazetteer: codes, names, geometry, neighbours."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas
import pandas
import pycountry
import pytest
import shapely

DATA = Path(__file__).resolve().parents[2] / "data" / "boundaries"
FIRST_CASE = {"RUS", "UKR", "BLR", "PRK", "KOR", "JPN"}
COLUMNS = ["iso_3166_2", "name", "country_code", "country_name", "alt_names", "geometry"]


@pytest.fixture(scope="module")
def regions() -> geopandas.GeoDataFrame:
    return geopandas.read_parquet(DATA / "admin1.parquet")


@pytest.fixture(scope="module")
def gazetteer() -> pandas.DataFrame:
    return pandas.read_csv(DATA / "gazetteer.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def unmatched() -> pandas.DataFrame:
    return pandas.read_csv(DATA / "unmatched.csv", keep_default_na=False)


def test_file_is_small_geoparquet_with_the_expected_columns(regions):
    assert (DATA / "admin1.parquet").stat().st_size < 15_000_000
    assert list(regions.columns) == COLUMNS


def test_crs_is_wgs84(regions):
    assert regions.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = regions.total_bounds
    assert minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90


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


def test_every_country_of_the_world_is_covered(regions):
    assert regions["country_code"].nunique() >= 190
    # Five continents, each with every top-level region ISO 3166-2 lists, less those
    # newer than the source.
    for alpha2 in ("BJ", "BR", "NG", "CO", "ML", "UA", "KR", "AU", "US", "IN"):
        country = pycountry.countries.get(alpha_2=alpha2).alpha_3
        top = {s.code for s in pycountry.subdivisions.get(country_code=alpha2) if s.parent_code is None}
        drawn = set(regions.loc[regions["country_code"] == country, "iso_3166_2"])
        # Regions created after Natural Earth's release: Mali's Ménaka and Taoudénit
        # (2016), Telangana (2014), Ladakh (2019); the US minor outlying islands are dropped.
        assert top - drawn <= {"ML-9", "ML-10", "IN-TS", "IN-LA", "US-UM"}, alpha2


def test_names_are_latin_script(regions):
    def latin(text: str) -> bool:
        return all("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())

    assert regions["name"].map(latin).all()
    assert regions["country_name"].map(latin).all()


def test_left_out_features_are_listed_with_a_reason(unmatched):
    assert list(unmatched.columns) == ["source_file", "adm1_code", "ne_name", "reason"]
    assert unmatched["reason"].str.strip().ne("").all()
    assert len(unmatched) < 500  # of 4,647 features; see the README for why each kind is left out
    assert "kos" in set(unmatched["source_file"])  # Kosovo has no ISO 3166-1 code


def test_names_and_countries(regions):
    assert regions["name"].str.strip().ne("").all()
    assert regions["country_name"].str.strip().ne("").all()
    assert set(regions["country_code"]) >= FIRST_CASE
    # The code's country prefix agrees with the country, Crimea included (ISO 3166-2).
    alpha3 = regions["iso_3166_2"].str[:2].map(lambda a2: pycountry.countries.get(alpha_2=a2).alpha_3)
    assert (alpha3 == regions["country_code"]).all()


def test_feature_counts(regions):
    counts = regions.loc[regions["country_code"].isin(FIRST_CASE)].groupby("country_code").size().to_dict()
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
