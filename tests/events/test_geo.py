"""dashboard.events.geo: loading boundaries and gazetteer, point-in-region assignment."""

from __future__ import annotations

import numpy
import pandas
import pytest

from dashboard.events import geo

SUDZHA = (51.192, 35.271)
SEA_OF_JAPAN = (40.0, 134.0)


def test_boundaries_path_points_at_the_shipped_file(monkeypatch):
    monkeypatch.delenv(geo.BOUNDARIES_ENV, raising=False)
    path = geo.boundaries_path()
    assert path.name == geo.BOUNDARIES_FILE == "admin1.parquet" and path.is_file()


def test_boundaries_path_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv(geo.BOUNDARIES_ENV, str(tmp_path / "other.geojson"))
    assert geo.boundaries_path() == tmp_path / "other.geojson"


def test_missing_boundaries_file_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv(geo.BOUNDARIES_ENV, str(tmp_path / "missing.geojson"))
    with pytest.raises(FileNotFoundError, match=r"build_boundaries\.py"):
        geo.load_boundaries()


def test_load_boundaries():
    regions = geo.load_boundaries()
    assert list(regions.columns) == ["iso_3166_2", "name", "country_code", "country_name", "alt_names", "geometry"]
    assert regions.crs.to_epsg() == 4326
    assert len(regions) > 3900 and regions["country_code"].nunique() > 190
    assert regions.set_index("iso_3166_2").loc["RU-KRS", "name"] == "Kursk Oblast"


def test_load_boundaries_returns_a_fresh_copy():
    first = geo.load_boundaries()
    first.loc[:, "name"] = "changed"
    assert (geo.load_boundaries()["name"] != "changed").all()


def test_region_names():
    names = geo.region_names()
    assert names["RU-KRS"] == "Kursk Oblast"
    assert names["UA-59"] == "Sumy Oblast"
    assert names["KP-01"] == "Pyongyang"
    assert list(names) == sorted(names)


def test_admin1_for_point():
    assert geo.admin1_for_point(*SUDZHA) == "RU-KRS"
    assert geo.admin1_for_point(50.91, 34.80) == "UA-59"  # Sumy city
    assert geo.admin1_for_point(*SEA_OF_JAPAN) is None


def test_assign_admin1_fills_empty_rows_only():
    events = pandas.DataFrame(
        {
            "event_id": ["sudzha", "sea", "no-point", "kept", "blank"],
            "latitude": [SUDZHA[0], SEA_OF_JAPAN[0], numpy.nan, 50.45, 39.02],
            "longitude": [SUDZHA[1], SEA_OF_JAPAN[1], numpy.nan, 30.52, 125.75],
            "admin1_code": [None, None, None, "UA-32", "  "],
            "admin1_name": [None, None, None, "Kyiv Oblast", None],
            "country_code": [None, None, None, "UKR", "PRK"],
        }
    )
    before = events.copy(deep=True)

    result = geo.assign_admin1(events)

    pandas.testing.assert_frame_equal(events, before)  # input untouched
    assert result is not events
    rows = result.set_index("event_id")
    assert rows.loc["sudzha", ["admin1_code", "admin1_name", "country_code"]].tolist() == [
        "RU-KRS",
        "Kursk Oblast",
        "RUS",
    ]
    assert rows.loc["sea", ["admin1_code", "admin1_name", "country_code"]].isna().all()
    assert rows.loc["no-point", ["admin1_code", "admin1_name"]].isna().all()
    # An existing code wins over the polygon (the point is in the city, UA-30).
    assert rows.loc["kept", ["admin1_code", "admin1_name"]].tolist() == ["UA-32", "Kyiv Oblast"]
    assert rows.loc["blank", ["admin1_code", "admin1_name", "country_code"]].tolist() == [
        "KP-01",
        "Pyongyang",
        "PRK",
    ]


def test_assign_admin1_adds_missing_columns_and_keeps_the_index():
    points = pandas.DataFrame({"latitude": [SUDZHA[0], 39.02], "longitude": [SUDZHA[1], 125.75]}, index=[7, 7])
    result = geo.assign_admin1(points)
    assert result.index.tolist() == [7, 7]
    assert result["admin1_code"].tolist() == ["RU-KRS", "KP-01"]
    assert result["country_code"].tolist() == ["RUS", "PRK"]
    assert "admin1_code" not in points.columns


def test_assign_admin1_accepts_numeric_empty_columns():
    points = pandas.DataFrame(
        {"latitude": [SUDZHA[0]], "longitude": [SUDZHA[1]], "admin1_code": [numpy.nan], "admin1_name": [numpy.nan]}
    )
    assert geo.assign_admin1(points)["admin1_code"].tolist() == ["RU-KRS"]


def test_load_gazetteer():
    gazetteer = geo.load_gazetteer()
    assert list(gazetteer.columns) == list(geo.GAZETTEER_COLUMNS)
    assert gazetteer["latitude"].dtype == "float64" and gazetteer["geo_precision"].dtype == "int64"
    sudzha = gazetteer.set_index("place").loc["Sudzha"]
    assert (sudzha["latitude"], sudzha["longitude"], sudzha["admin1_code"]) == (51.192, 35.271, "RU-KRS")


def test_assign_admin1_agrees_with_the_gazetteer():
    gazetteer = geo.load_gazetteer()
    located = geo.assign_admin1(gazetteer.drop(columns=["admin1_code", "admin1_name", "country_code"]))
    pandas.testing.assert_series_equal(located["admin1_code"], gazetteer["admin1_code"], check_dtype=False)
    pandas.testing.assert_series_equal(located["admin1_name"], gazetteer["admin1_name"], check_dtype=False)
    pandas.testing.assert_series_equal(located["country_code"], gazetteer["country_code"], check_dtype=False)


def test_region_neighbours_cross_borders_and_skip_regions_without_an_outline():
    boundaries = geo.load_boundaries()
    near = geo.region_neighbours(boundaries, ["BJ-AL", "ML-9"])  # Alibori; Ménaka has no polygon
    # Alibori's neighbours in Benin, Niger, Nigeria and Burkina Faso, and nothing further.
    assert near == {"BJ-AL", "BJ-AK", "BJ-BO", "NE-3", "NE-6", "NG-KE", "NG-NI", "BF-TAP"}
    assert geo.region_neighbours(boundaries, ["BJ-AL"]) == near  # remembered, the same answer
    assert geo.region_neighbours(boundaries, []) == set()
    # Other boundaries (a hand-made file with the same codes) are not answered from the cache.
    benin = boundaries.loc[boundaries["country_code"].eq("BEN").to_numpy()]
    assert geo.region_neighbours(benin, ["BJ-AL"]) == {"BJ-AL", "BJ-AK", "BJ-BO"}
