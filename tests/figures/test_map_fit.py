"""dashboard.figures.maps: the "Fit to data" view that frames the claims of any country."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.events import geo
from dashboard.figures import _data, maps

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


# --- What the fit view costs: only the claims' regions and their neighbours, simplified for the zoom ---


def seed_events() -> pd.DataFrame:
    """The shipped seed log as the map's functions read it (claims from Kursk to the Sea of Japan)."""
    events = pd.read_csv(geo.data_file("seed", "events.csv"), keep_default_na=False, na_values=[""])
    events["event_date"] = pd.to_datetime(events["event_date"])
    for column in ("category", "claimant", "location", "unit", "admin1_code", "admin1_name"):
        events[column] = events[column].astype(object).where(events[column].notna(), None)
    return events


def fit_figure(events, boundaries):
    view = maps.view_for(maps.FIT_VIEW, events, boundaries)
    regions = maps.region_values(events)
    points = maps.point_events(events)[0] if "geo_precision" in events else _data.empty(maps.POINT_COLUMNS)
    return view, regions, maps.region_map(regions, points, boundaries, view=view, title=None, value_label="Claims")


def drawn_codes(figure) -> set[str]:
    return {loc for t in figure.data if t.type == "choroplethmap" for loc in t.locations}


def test_the_fit_view_draws_the_claims_regions_and_their_neighbours_only(boundaries):
    # Claims in Kursk, North Korea and Tokyo: a box from Ukraine to Japan touches over a thousand regions.
    events = claims([("RUS", "RU-KRS", None, None), ("PRK", "KP-01", None, None), ("JPN", "JP-13", None, None)])
    events["event_id"] = ["a", "b", "c"]
    view, regions, figure = fit_figure(events, boundaries)
    assert len(maps.view_regions(boundaries, view)) > 1000  # the box alone
    drawn = drawn_codes(figure)
    assert drawn == geo.region_neighbours(boundaries, ["RU-KRS", "KP-01", "JP-13"])
    # Kursk's neighbours on both sides of the border, and nothing between Kursk and Korea.
    assert {"RU-KRS", "RU-BEL", "RU-BRY", "RU-ORL", "RU-LIP", "RU-VOR", "UA-59"} <= drawn
    assert {"RU-MOS", "RU-NVS", "KZ-ALA"}.isdisjoint(drawn) and len(drawn) < 40
    # Click-to-filter: the coloured regions carry their codes.
    (coloured,) = [t for t in figure.data if t.meta == "regions"]
    assert sorted(coloured.customdata) == ["JP-13", "KP-01", "RU-KRS"]


def test_the_fit_view_of_the_seed_log_is_a_fraction_of_its_former_size(boundaries):
    # Before: 1,165 regions outlined, 0.99 MB of figure JSON (bench/RESULTS.md).
    events = seed_events()
    _, regions, figure = fit_figure(events, boundaries)
    assert len(drawn_codes(figure)) < 100
    assert len(figure.to_json()) < 250_000
    assert set(regions["admin1_code"]) & set(boundaries["iso_3166_2"]) <= drawn_codes(figure)


def test_named_views_still_outline_every_region_in_their_box(boundaries):
    events = claims([("RUS", "RU-KRS", None, None)])
    events["event_id"] = ["a"]
    regions = maps.region_values(events)
    figure = maps.region_map(regions, _data.empty(maps.POINT_COLUMNS), boundaries, view="kursk_border", title=None)
    assert set(maps.view_regions(boundaries, "kursk_border")["iso_3166_2"]) <= drawn_codes(figure)


def test_the_fit_view_without_outlined_claim_regions_outlines_its_box(boundaries):
    # Claims only in a region newer than the boundaries (Mali's Ménaka): its neighbours are unknown.
    events = claims([("MLI", "ML-9", 15.9, 2.4)])
    view = maps.view_for(maps.FIT_VIEW, events, boundaries)
    drawn = set(maps.view_regions(boundaries, view, ["ML-9"])["iso_3166_2"])
    assert "ML-7" in drawn  # Gao, whose old extent holds Ménaka


def test_simplification_follows_the_zoom():
    assert maps.simplify_tolerance(5.4) == maps.simplify_tolerance(4.5) == 0.0
    tolerances = [maps.simplify_tolerance(z) for z in (4.4, 3.7, 2.5, 1.6, 0.6)]
    assert tolerances == sorted(tolerances) and tolerances[0] == 0.02
    assert tolerances[-1] == pytest.approx(360 / (512 * 2**0.6) / 4)  # a quarter pixel of the world view
    assert (maps.coordinate_decimals(5.0), maps.coordinate_decimals(1.6)) == (3, 2)


def test_rounding_drops_repeated_points_but_keeps_tiny_rings_and_shared_borders():
    import geopandas
    import shapely

    # Two squares sharing an edge with points 0.001° apart, and a tiny island that rounds to one point.
    left = shapely.Polygon([(0, 0), (0.001, 0), (1, 0), (1, 1), (0.999, 1), (0, 1), (0, 0)])
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0)])
    island = shapely.Polygon([(5, 5), (5.001, 5), (5.001, 5.001), (5, 5)])
    regions = geopandas.GeoDataFrame({"iso_3166_2": ["A", "B", "C"]}, geometry=[left, right, island])
    features = maps._geojson(regions, decimals=2)["features"]
    rings = [
        [[tuple(p) for p in ring] for polygon in f["geometry"]["coordinates"] for ring in polygon] for f in features
    ]
    (a,), (b,), (c,) = rings
    assert a == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert {(1, 0), (1, 1)} <= set(a) & set(b)
    assert len(c) == 4  # kept, however coarse
    assert len(maps._geojson(regions, decimals=3)["features"][0]["geometry"]["coordinates"][0][0]) == 7


# --- Regions newer than the boundaries: said on the map, not silently uncoloured ---------------------


def test_regions_without_an_outline_are_counted_and_named(boundaries):
    events = pd.DataFrame(
        {
            "event_id": ["m1", "m2", "m3", "i1", "b1"],
            "admin1_code": ["ML-9", "ML-9", "ML-10", "IN-LA", "BJ-AL"],
            "admin1_name": ["Ménaka", None, "  ", "Ladakh", "Alibori"],
        }
    )
    regions = maps.region_values(events)
    missing = maps.regions_without_outline(regions, events, boundaries)
    assert missing.to_dict("records") == [
        {"admin1_code": "ML-9", "name": "Ménaka", "claims": 2},
        {"admin1_code": "IN-LA", "name": "Ladakh", "claims": 1},
        {"admin1_code": "ML-10", "name": "Taoudénit", "claims": 1},  # no name given: pycountry's
    ]
    notice = maps.no_outline_notice(missing)
    assert notice.startswith("4 claims are in 3 regions the map has no outline for")
    assert "Ménaka (ML-9, 2 claims); Ladakh (IN-LA, 1 claim); Taoudénit (ML-10, 1 claim)." in notice
    assert maps.regions_without_outline(maps.region_values(events.tail(1)), events.tail(1), boundaries).empty


# --- The Map's per-rerun work at 1M events: by distinct region code, outlines simplified once ---------


def _claims_in_views_row_by_row(events: pd.DataFrame) -> dict[str, int]:
    """The former definition, row by row (2 s a rerun at 1M events): the reference for the fast one."""
    point = _data.has_point(events)
    lat = events["latitude"].to_numpy(dtype="float64", na_value=np.nan)
    lon = events["longitude"].to_numpy(dtype="float64", na_value=np.nan)
    codes = [c.strip() if isinstance(c, str) else None for c in events["admin1_code"].astype(object)]
    out = {}
    for key, spec in maps.MAP_VIEWS.items():
        west, south, east, north = spec.bbox
        counted = 0
        for i, code in enumerate(codes):
            if point[i]:
                counted += bool(west <= lon[i] <= east and south <= lat[i] <= north)
            elif code:
                counted += (code in spec.region_codes) if spec.region_codes else 1
        out[key] = counted
    return out


@pytest.mark.parametrize("as_category", [False, True])
def test_claims_in_views_counts_as_row_by_row(as_category):
    rng = np.random.default_rng(15)
    n = 400
    codes = rng.choice(["RU-KRS", " UA-59 ", "KP-01", "BJ-AL", "", "  ", None], size=n)
    events = pd.DataFrame(
        {
            "admin1_code": pd.Series(codes, dtype="category" if as_category else object),
            "geo_precision": rng.choice([1, 2, 3, 4], size=n),
            "latitude": rng.uniform(30, 60, n),
            "longitude": rng.uniform(20, 140, n),
        }
    )
    events.loc[rng.random(n) < 0.2, ["latitude", "longitude"]] = None
    assert maps.claims_in_views(events) == _claims_in_views_row_by_row(events)


def test_simplified_outlines_are_reused_and_equal_a_fresh_simplification(boundaries):
    import shapely

    six = boundaries.loc[boundaries["country_code"].isin(["RUS", "UKR", "BLR"]).to_numpy()]
    first = maps.simplified_regions(six, 1.6)
    again = maps.simplified_regions(six, 1.6)
    assert again.geometry.values[0] is first.geometry.values[0]  # the same objects: not simplified again
    fresh = shapely.coverage_simplify(six.geometry.to_numpy(), maps.simplify_tolerance(1.6))
    assert shapely.equals_exact(again.geometry.to_numpy(), fresh, tolerance=0).all()
    # Other polygons under the same codes (a hand-made boundaries file) are simplified afresh.
    moved = six.set_geometry(six.geometry.translate(xoff=1.0))
    shifted = maps.simplified_regions(moved, 1.6)
    assert shifted.total_bounds[0] == pytest.approx(first.total_bounds[0] + 1.0)
