"""dashboard.figures.maps: region values, points (never region-level claims), offline maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from figure_support import KURSK_REGION, SUDZHA, SUMY, SUNAN, assert_explicit_template, trace_types

from dashboard.events.geo import load_boundaries
from dashboard.figures import MAP_VIEWS, maps, point_events, region_map, region_values
from dashboard.figures.maps import OFFLINE_STYLE
from dashboard.figures.style import CATEGORY_COLORS


@pytest.fixture(scope="module")
def boundaries():
    return load_boundaries()


@pytest.fixture
def events(make_events):
    return make_events(
        [
            {
                "event_date": "2024-12-15",
                "category": "casualties",
                "subcategory": "killed",
                "figure_low": 100,
                "unit": "killed",
                **KURSK_REGION,
            },  # E001 region-level, placeholder point at Kursk city
            {"event_date": "2024-12-16", "category": "battle", "figure_best": 30, "unit": "killed", **SUDZHA},  # E002
            {"event_date": "2024-12-17", "category": "strike", **SUMY},  # E003 precision 2
            {
                "event_date": "2024-12-18",
                "category": "deployment",
                "figure_best": 2000,
                "unit": "troops",
                "admin1_code": "RU-KRS",
                "country_code": "RUS",
                "geo_precision": 3,
            },  # E004 no coordinates
            {
                "event_date": "2024-12-19",
                "category": "statement",
                "country_code": "RUS",
                "latitude": 55.75,
                "longitude": 37.62,
                "geo_precision": 4,
            },  # E005 country-level, with coordinates
            {"event_date": "2024-10-31", "category": "missile_test", **SUNAN},  # E006
        ]
    )


def test_map_views():
    assert MAP_VIEWS["kursk_border"].region_codes == ("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63")
    assert set(MAP_VIEWS) == {"kursk_border", "ukraine_russia", "korean_peninsula", "all"}
    assert "KP-01" in MAP_VIEWS["korean_peninsula"].region_codes
    assert {"UA-59", "RU-KRS", "BY-HO"} <= set(MAP_VIEWS["ukraine_russia"].region_codes)
    view = MAP_VIEWS["kursk_border"]
    assert view.center == {"lat": view.center_lat, "lon": view.center_lon}


def test_region_values_count_every_event_with_a_region(events):
    regions = region_values(events)
    assert list(regions.columns) == ["admin1_code", "events", "value", "event_ids"]
    table = {code: (n, v, ids) for code, n, v, ids in regions.itertuples(index=False)}
    # Precision-3 claims (E001, E004) count toward Kursk oblast; E005 has no region.
    assert table == {
        "KP-01": (1, 1.0, ["E006"]),
        "RU-KRS": (3, 3.0, ["E001", "E002", "E004"]),
        "UA-59": (1, 1.0, ["E003"]),
    }


def test_region_values_sum_a_unit(events):
    killed = region_values(events, "killed").set_index("admin1_code")
    assert killed.loc["RU-KRS", "value"] == 130.0  # low 100 ("more than 100") + best 30
    assert killed.loc["RU-KRS", "events"] == 3
    assert np.isnan(killed.loc["UA-59", "value"])  # no claim in that unit
    troops = region_values(events, "troops").set_index("admin1_code")
    assert troops.loc["RU-KRS", "value"] == 2000.0
    with pytest.raises(ValueError, match="troops"):
        region_values(events, "tanks")
    assert region_values(events.iloc[0:0]).empty


def test_point_events_never_include_region_or_country_level_claims(events):
    before = events.copy(deep=True)
    points, aggregated = point_events(events)
    pd.testing.assert_frame_equal(events, before)
    assert not aggregated
    assert sorted(points["event_id"]) == ["E002", "E003", "E006"]
    sudzha = points.set_index("event_id").loc["E002"]
    assert (sudzha["latitude"], sudzha["longitude"]) == (51.192, 35.271)
    assert sudzha["figure"] == "about 30 killed" and sudzha["location"] == "Sudzha" and sudzha["count"] == 1


def test_point_events_aggregate_beyond_max_points(events):
    sudzha = events.loc[events["event_id"] == "E002"]
    rng = np.random.default_rng(7)
    many = pd.concat([sudzha] * 400, ignore_index=True)
    many["event_id"] = [f"P{i:04d}" for i in range(len(many))]
    many["latitude"] = 51.0 + rng.uniform(0, 1, len(many))
    many["longitude"] = 35.0 + rng.uniform(0, 1, len(many))
    many.loc[:99, "category"] = "strike"  # battle stays the most common
    points, aggregated = point_events(many, max_points=50)
    assert aggregated
    assert len(points) <= 50
    assert points["count"].sum() == 400
    assert sorted(i for ids in points["event_ids"] for i in ids) == sorted(many["event_id"])
    assert points.attrs["cell_degrees"] > 0.01
    biggest = points.loc[points["count"].idxmax()]
    cell_ids = set(biggest["event_ids"])
    in_cell = many.loc[many["event_id"].isin(cell_ids), "category"].value_counts()
    assert biggest["category"] == in_cell.index[0]
    same, flagged = point_events(many, max_points=400)
    assert not flagged and len(same) == 400


def test_merged_points_leave_out_ids_the_map_would_not_send(events, boundaries, monkeypatch):
    sudzha = events.loc[events["event_id"] == "E002"]
    many = pd.concat([sudzha] * 300, ignore_index=True)
    many["event_id"] = [f"P{i:04d}" for i in range(len(many))]
    many["latitude"] = 51.0 + np.linspace(0, 1, len(many))
    monkeypatch.setattr("dashboard.figures._data.MAX_CUSTOMDATA_IDS", 200)  # fewer than the 300 claims
    points, aggregated = point_events(many, max_points=20)
    assert aggregated and points["count"].sum() == 300
    assert points["event_ids"].isna().all()
    fig = region_map(region_values(many), points, boundaries)
    markers = [t for t in fig.data if t.type == "scattermap" and t.customdata is not None]
    assert markers and all(c == "" for t in markers for c in t.customdata)


def test_region_map_is_offline_maplibre(events, boundaries):
    regions = region_values(events)
    points, _ = point_events(events)
    fig = region_map(regions, points, boundaries, view="kursk_border", title="Claims by region")
    assert trace_types(fig) <= {"choroplethmap", "scattermap"}
    layout = fig.to_dict()["layout"]
    assert "geo" not in layout and "mapbox" not in layout
    assert layout["map"]["style"] == OFFLINE_STYLE and "glyphs" not in OFFLINE_STYLE
    assert layout["map"]["center"] == {"lat": 51.2, "lon": 35.4}
    assert layout["map"]["zoom"] == MAP_VIEWS["kursk_border"].zoom
    assert_explicit_template(fig)

    values = next(t for t in fig.data if t.meta == "regions")
    assert values.featureidkey == "properties.iso_3166_2"
    assert list(values.locations) == ["KP-01", "RU-KRS", "UA-59"]
    assert list(values.customdata) == ["KP-01", "RU-KRS", "UA-59"]
    assert list(values.z) == [1, 3, 1]
    assert {f["properties"]["iso_3166_2"] for f in values.geojson["features"]} == {"KP-01", "RU-KRS", "UA-59"}

    # Precision-3 claims colour Kursk oblast but are never points.
    point_traces = [t for t in fig.data if t.type == "scattermap" and t.customdata is not None]
    point_ids = {i for t in point_traces for c in t.customdata for i in c.split(",")}
    assert point_ids == {"E002", "E003", "E006"}
    assert not point_ids & {"E001", "E004", "E005"}
    battle = next(t for t in point_traces if t.meta == "battle")
    assert battle.marker.color == CATEGORY_COLORS["battle"]
    assert "Sudzha" in battle.text[0] and "16 Dec 2024" in battle.text[0] and "about 30 killed" in battle.text[0]


def test_region_map_labels(events, boundaries):
    fig = region_map(region_values(events), point_events(events)[0], boundaries)
    labels = [t for t in fig.data if t.type == "scattermap" and t.mode == "text"]
    assert len(labels) == 1 and {"Kursk", "Sumy", "Belgorod"} <= set(labels[0].text)
    assert labels[0].hoverinfo == "skip" and labels[0].customdata is None
    bare = region_map(region_values(events), point_events(events)[0], boundaries, labels=False)
    assert not [t for t in bare.data if t.type == "scattermap" and t.mode == "text"]


def test_region_map_draws_outlines_without_events(events, boundaries):
    empty = events.iloc[0:0]
    fig = region_map(region_values(empty), point_events(empty)[0], boundaries, view="kursk_border")
    outlines = [t for t in fig.data if t.type == "choroplethmap"]
    assert len(outlines) == 1
    drawn = set(outlines[0].locations)
    assert set(MAP_VIEWS["kursk_border"].region_codes) <= drawn
    assert "RU-ORL" in drawn and "KP-01" not in drawn  # neighbours for context, nothing far away
    assert outlines[0].showscale is False


@pytest.mark.parametrize("view", ["ukraine_russia", "korean_peninsula", "all"])
def test_other_views(events, boundaries, view):
    fig = region_map(region_values(events), point_events(events)[0], boundaries, view=view)
    assert trace_types(fig) <= {"choroplethmap", "scattermap"}
    assert fig.layout.map.zoom == MAP_VIEWS[view].zoom
    assert len(fig.to_json()) < 1_500_000  # simplified, one geojson per trace


def test_unknown_view(events, boundaries):
    with pytest.raises(ValueError, match="kursk_border"):
        region_map(region_values(events), point_events(events)[0], boundaries, view="moon")


def test_best_view_frames_the_filtered_claims(events):
    # Issue 21: with a 2026 missile filter the Map opened on the Kursk view, where none of the claims are.
    korea = events.loc[(events["location"] == SUNAN["location"]).to_numpy()]
    kursk = events.loc[(events["admin1_code"] == "RU-KRS").fillna(False).to_numpy()]
    assert len(korea) and len(kursk)
    assert maps.best_view(korea) == "korean_peninsula"
    assert maps.best_view(kursk) == "kursk_border"
    assert maps.best_view(events.iloc[0:0]) == next(iter(maps.MAP_VIEWS))
    counts = maps.claims_in_views(events)
    assert counts["all"] >= max(counts[k] for k in maps.MAP_VIEWS)


def test_count_map_hover_says_the_count_once(events, boundaries):
    regions = region_values(events)
    fig = region_map(regions, point_events(events)[0], boundaries, value_label="Claims")
    (choropleth,) = [t for t in fig.data if t.meta == "regions"]
    assert all("Claims:" not in text for text in choropleth.text)
    assert any(text.endswith((" claims", " claim")) for text in choropleth.text)
    assert not any(text.endswith("1 claims") for text in choropleth.text)
    troops = region_map(region_values(events, "troops"), point_events(events)[0], boundaries, value_label="Troops")
    trace = [t for t in troops.data if t.meta == "regions"]
    assert not trace or all("Troops: " in text for text in trace[0].text)


def test_a_point_hover_gives_the_claims_grade_beside_its_claimant(events, boundaries):
    grades = {"E001": "B2", "E002": "C3", "E003": "A1", "E004": "B2", "E005": "F6", "E006": "<b>x</b>"}
    graded = events.assign(grade=events["event_id"].astype(str).map(grades))
    points, _ = point_events(graded)
    fig = region_map(region_values(graded), points, boundaries, view="kursk_border", title="Claims by region")
    texts = {t.meta: t.text[0] for t in fig.data if t.type == "scattermap" and t.customdata is not None}
    assert " · C3" in texts["battle"] and " · A1" in texts["strike"]
    assert "<b>x</b>" not in texts["missile_test"]  # a grade is text like any other value, escaped
    # Without grades (a frame not passed through grading) the hover is as before.
    plain_points, _ = point_events(events)
    assert "grade" not in events and set(plain_points["grade"]) == {""}
