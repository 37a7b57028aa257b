"""Map page: region choropleth and precise points, views, the month slider, region clicks."""

from __future__ import annotations

from page_support import charts, no_match_shown, plain, values

from dashboard.figures.maps import OFFLINE_STYLE
from dashboard.ui import selection, sidebar

KURSK_PLACEHOLDER = (51.73, 36.19)  # coordinates the region-level (precision 3) Kursk claims carry


def region_map(at) -> dict:
    return charts(at)[0]


def choropleth(figure: dict) -> dict[str, float]:
    (trace,) = [t for t in figure["data"] if t.get("meta") == "regions"]
    return dict(zip(values(trace["locations"]), values(trace["z"]), strict=True))


def points(figure: dict) -> list[tuple[float, float]]:
    return [
        (lat, lon)
        for t in figure["data"]
        if t["type"] == "scattermap" and t.get("mode") == "markers" and t.get("name") != "halo"
        for lat, lon in zip(values(t["lat"]), values(t["lon"]), strict=True)
    ]


def test_map_draws_regions_and_points_offline(open_page):
    at = open_page("map")
    figure = region_map(at)
    assert {t["type"] for t in figure["data"]} <= {"choroplethmap", "scattermap"}
    assert figure["layout"]["map"]["style"] == OFFLINE_STYLE
    assert choropleth(figure)["RU-KRS"] == 9  # every Kursk claim counts, region-level ones included
    located = points(figure)
    assert len(located) == 8  # precision 1-2 claims only
    assert KURSK_PLACEHOLDER not in located
    captions = [plain(c.value) for c in at.main.caption]
    assert "7 region-level claims colour their region and are not drawn as points." in captions


def test_preset_changes_the_map(open_page):
    at = open_page("map")
    at.selectbox(key="preset").set_value("Last 30 days").run()
    figure = region_map(at)
    assert choropleth(figure) == {"KP-01": 1, "RU-KRS": 2}
    assert len(points(figure)) == 1


def test_colour_by_a_figure_and_change_view(open_page):
    at = open_page("map")
    at.selectbox(key="colour").set_value("troops").run()
    assert choropleth(region_map(at)) == {"RU-KRS": 11000.0, "RU-PRI": 1500.0}  # Kursk: 8,000 + 3,000
    at.selectbox(key="view").set_value("korean_peninsula").run()
    assert not at.exception
    assert region_map(at)["layout"]["map"]["center"]["lon"] > 120


def test_month_slider_steps_through_the_period(open_page):
    at = open_page("map")
    slider = at.select_slider(key="month")
    assert slider.options[0] == "All months" and slider.options[-1] == "Apr 2025" and len(slider.options) == 8
    slider.set_value("Jan 2025").run()
    assert not at.exception
    figure = region_map(at)
    assert choropleth(figure) == {"KP-01": 1, "KP-04": 1, "RU-KRS": 3}
    at.select_slider(key="month").set_value("Feb 2025").run()
    assert any("No claims in Feb 2025" in i.value for i in at.info)


def test_clicked_region_is_read_from_the_selection():
    state = {"selection": {"points": [{"curve_number": 2, "location": "RU-KRS", "customdata": "RU-KRS"}]}}
    assert selection.clicked_region(state) == "RU-KRS"
    # A click on an event point is not a region.
    assert selection.clicked_region({"selection": {"points": [{"customdata": "T-B01", "lat": 51.1}]}}) is None
    assert selection.clicked_region({"selection": {"points": []}}) is None


def test_a_region_click_narrows_the_filter_to_a_region_the_map_drew(monkeypatch):
    state = {"region-map-all": {"selection": {"points": [{"location": "RU-KRS", "customdata": "RU-KRS"}]}}}
    monkeypatch.setattr(sidebar.st, "session_state", state)
    sidebar.narrow_to_clicked_region("region-map-all", frozenset({"UA-59"}))
    assert sidebar.REGION not in state  # not a region this chart drew
    sidebar.narrow_to_clicked_region("region-map-all", frozenset({"RU-KRS", "UA-59"}))
    assert state[sidebar.REGION] == ["RU-KRS"]


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("map", claimant="KCNA", cat="Battle")
    assert no_match_shown(at)
    assert not charts(at)


def test_the_map_opens_framing_the_filtered_claims(open_page):
    # Issue 21: a missile filter opened on the Kursk view, where none of the filtered claims are.
    at = open_page("map", cat="Missile test")
    assert at.selectbox(key="view").value == "korean_peninsula"
    assert region_map(at)["layout"]["map"]["center"]["lon"] > 120
    at = open_page("map", cat="Casualties")
    assert at.selectbox(key="view").value == "kursk_border"
    # A view the user chose (here from the URL) is kept, with a word when it frames none of the claims.
    at = open_page("map", cat="Missile test", view="Kursk border area")
    assert at.selectbox(key="view").value == "kursk_border"
    assert any("None of the located claims in the filter is in this view" in plain(c.value) for c in at.main.caption)


def test_count_hover_says_the_count_once(open_page):
    at = open_page("map")
    (trace,) = [t for t in region_map(at)["data"] if t.get("meta") == "regions"]
    assert not any("Claims:" in text for text in trace["text"])
