"""Missile tests page: monthly launches by type, launch sites, flight profiles, the launch table."""

from __future__ import annotations

from page_support import charts, no_match_shown, plain, values


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_renders_launches_sites_and_profiles(open_page):
    at = open_page("missiles")
    # Every fixture launch gives a best count: no "≥" (figures/test_overview covers the bound case).
    assert metrics(at) == {"Launch events": "4", "Missiles fired": "12", "Missile types": "3"}
    monthly, sites, profiles = charts(at)
    assert {t["type"] for t in sites["data"]} <= {"choroplethmap", "scattermap"}
    site_points = [t for t in sites["data"] if t["type"] == "scattermap" and t.get("mode") == "markers"]
    assert sum(len(values(t["lat"])) for t in site_points) == 4
    assert sum(len(values(t["x"])) for t in profiles["data"] if t["type"] == "scatter") == 3  # apogee and distance
    launches = at.dataframe[0].value
    assert list(launches["Event"]) == ["T-M04", "T-M03", "T-M02", "T-M01"]
    assert launches.set_index("Event").loc["T-M01", "Type"] == "ICBM"


def test_date_range_changes_the_numbers(open_page):
    at = open_page("missiles")
    at.selectbox(key="preset").set_value("Custom range").run()
    at.date_input(key="dates").set_value(("2024-10-18", "2024-11-30")).run()
    assert not at.exception
    assert metrics(at)["Launch events"] == "2"
    assert metrics(at)["Missiles fired"] == "8"


def test_a_period_without_launches_says_so(open_page):
    at = open_page("missiles", preset="Last 30 days")
    assert any("No missile tests match" in i.value for i in at.info)
    assert not charts(at)
    assert plain(at.main.caption[0].value).startswith("3 claims")


def test_filter_matching_nothing_says_so(open_page):
    at = open_page("missiles", q="no such words anywhere")
    assert no_match_shown(at)
    assert not charts(at)


def test_launch_table_leaves_missing_values_blank(open_page):
    at = open_page("missiles")
    launches = at.dataframe[0]
    # One launch of the fixture reports no apogee: the value stays missing (a number column sorts as
    # numbers), and the grid is told to draw a missing value as nothing rather than a grey "None".
    assert launches.value["Apogee (km)"].isna().any() and launches.value["Apogee (km)"].notna().any()
    assert launches.proto.HasField("placeholder") and launches.proto.placeholder == ""


def test_a_launch_row_opens_its_claims_with_sources(open_page):
    at = open_page("missiles")
    key = next(k for k in at.session_state.keys() if k.startswith("missiles-table-"))  # noqa: SIM118 - no __iter__
    at.session_state[key] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params["event"] == "T-M01"
    assert any("Claims about the launch of" in plain(s.value) for s in at.main.subheader)
    claims = at.dataframe[-1].value
    assert set(claims["Event"]) == {"T-M01"}
    assert claims["Link"].str.match(r"^https?://").all() and claims["Outlet"].all()


def test_a_site_bubble_opens_its_claims(open_page):
    at = open_page("missiles")
    sites = charts(at)[1]
    bubble = next(t for t in sites["data"] if t["type"] == "scattermap" and t.get("name") == "Launch site")
    ids = bubble["customdata"][0]
    at.session_state["missiles-sites"] = {
        "selection": {"points": [{"customdata": ids, "point_index": 0}], "point_indices": [0], "box": [], "lasso": []}
    }
    at.run()
    assert not at.exception
    assert any("Claims behind the selected launch site" in plain(s.value) for s in at.main.subheader)
    assert set(at.dataframe[-1].value["Event"]) >= set(ids.split(","))


def test_the_flight_profile_says_how_many_launches_it_cannot_plot_and_why(open_page):
    at = open_page("missiles")
    captions = [plain(c.value) for c in at.main.caption]
    assert any(c.startswith("3 of 4 launch claims plotted: 1 ") for c in captions), captions
