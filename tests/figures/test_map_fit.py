"""dashboard.figures.maps: the "Fit to data" view that frames the claims of any country."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.events import geo
from dashboard.figures import maps

BENIN = (0.77, 6.2, 3.85, 12.42)  # west, south, east, north


@pytest.fixture(scope="module")
def boundaries():
    return geo.load_boundaries()


def claims(rows: list[tuple[str | None, str | None, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["country_code", "admin1_code", "latitude", "longitude"])


def test_fit_view_frames_the_box_with_a_margin():
    view = maps.fit_view(BENIN)
    west, south, east, north = view.bbox
    assert west < BENIN[0] and south < BENIN[1] and east > BENIN[2] and north > BENIN[3]
    assert 0.77 < view.center_lon < 3.85 and 6.2 < view.center_lat < 12.42
    # A 6-degree-tall box in a 440 px drawing area: MapLibre zoom about 5.
    assert 4.0 < view.zoom < 6.0
    assert view.label == maps.FIT_VIEW_LABEL


def test_a_single_place_is_shown_with_its_surroundings():
    view = maps.fit_view((2.418, 6.366, 2.418, 6.366))  # Cotonou
    assert view.zoom <= 10 and view.bbox[2] - view.bbox[0] >= 0.5


def test_no_extent_shows_the_world():
    view = maps.fit_view(None)
    assert view.zoom < 1 and view.bbox == (-180.0, -90.0, 180.0, 90.0)


def test_data_extent_counts_points_and_region_level_claims(boundaries):
    frame = claims([("BEN", None, 6.366, 2.418), ("BRA", "BR-AM", None, None)])
    west, south, east, north = geo.data_extent(frame, boundaries)
    assert west < -70 and east == pytest.approx(2.418) and north == pytest.approx(6.366) and south < -9
    assert geo.data_extent(claims([("BEN", "XX-99", None, None)]), boundaries) is None


def test_default_view_is_fit_when_no_claim_is_in_a_first_case_country():
    assert maps.default_view(["BEN", "BRA"]) == maps.FIT_VIEW
    assert maps.default_view(["BEN", "RUS"]) == "kursk_border"
    assert maps.default_view([]) == maps.FIT_VIEW


def test_the_fit_view_outlines_and_colours_any_country(boundaries):
    events = claims([("BEN", "BJ-AL", 11.134, 2.938), ("BEN", "BJ-LI", 6.366, 2.418)])
    view = maps.view_for(maps.FIT_VIEW, events, boundaries)
    regions = pd.DataFrame(
        {"admin1_code": ["BJ-AL", "BJ-LI"], "events": [1, 1], "value": [1.0, 1.0], "event_ids": [["a"], ["b"]]}
    )
    points = pd.DataFrame({c: pd.Series(dtype=t) for c, t in maps.POINT_COLUMNS.items()})
    figure = maps.region_map(regions, points, boundaries, view=view, title=None)
    (coloured,) = [t for t in figure.data if t.meta == "regions"]
    assert list(coloured.locations) == ["BJ-AL", "BJ-LI"]
    outlined = {loc for t in figure.data if t.type == "choroplethmap" and t.meta != "regions" for loc in t.locations}
    assert {"BJ-BO", "BJ-AK"} <= outlined  # Benin's other departments
    assert "RU-KRS" not in outlined  # nothing from the named views' part of the world
    assert figure.layout.map.center.lon == pytest.approx(view.center_lon)


def test_the_all_view_draws_only_the_six_countries_part_of_the_world(boundaries):
    drawn = maps.view_regions(boundaries, "all")
    assert {"RU-KRS", "JP-13", "KP-01"} <= set(drawn["iso_3166_2"])
    assert not drawn["country_code"].isin({"BEN", "BRA", "USA"}).any()
