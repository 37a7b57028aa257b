"""dashboard.figures.missiles: launches per month and type, launch sites, flight profiles."""

from __future__ import annotations

import pandas as pd
import pytest
from figure_support import SOHAE, SUNAN, assert_explicit_template, trace_types

from dashboard.events.geo import load_boundaries
from dashboard.figures import (
    MAP_VIEWS,
    apogee_distance_chart,
    launch_site_map,
    launch_sites,
    missile_monthly,
    missile_monthly_chart,
)
from dashboard.figures.maps import OFFLINE_STYLE
from dashboard.figures.missiles import profile_gaps, profile_note, site_bubbles


@pytest.fixture
def tests_frame(make_events):
    def test(date, sub=None, best=None, low=None, place=None, **extra):
        row = {
            "event_date": date,
            "category": "missile_test",
            "subcategory": sub,
            "figure_best": best,
            "figure_low": low,
            "unit": "missiles" if best or low else None,
            **(place or {}),
            **extra,
        }
        return row

    return make_events(
        [
            test(
                "2024-10-31",
                "icbm",
                best=1,
                place=SUNAN,
                missile_name="Hwasong-19",
                apogee_km=7687.5,
                distance_km=1001.2,
            ),  # E001
            test("2024-11-05", "srbm", best=7, place=SOHAE, missile_name="KN-23", apogee_km=100, distance_km=400),
            test("2024-11-20", "srbm", low=3, place=SOHAE),  # "at least 3"                 E003
            test("2024-11-25", None, place=SOHAE),  # type and count unknown: 1 missile    E004
            test(
                "2024-11-28", "cruise", best=4, admin1_code="KP-01", country_code="PRK", geo_precision=3, apogee_km=5
            ),  # region-level: no site                                  E005
            {"event_date": "2024-11-29", "category": "statement"},  # not a test           E006
        ]
    )


def test_missile_monthly(tests_frame):
    monthly = missile_monthly(tests_frame)
    assert list(monthly.columns) == ["month", "missile_type", "launches", "missiles", "lower_bounds", "event_ids"]
    table = {(m.strftime("%Y-%m"), t): (n, k, b) for m, t, n, k, b, _ in monthly.itertuples(index=False)}
    # The last number: launches whose count is only a lower bound (no best figure), so totals say "≥".
    assert table == {
        ("2024-10", "icbm"): (1, 1.0, 0),
        ("2024-11", "srbm"): (2, 10.0, 1),  # best 7 + low 3
        ("2024-11", "cruise"): (1, 4.0, 0),
        ("2024-11", "unknown"): (1, 1.0, 1),  # no figure: one missile
    }
    assert missile_monthly(tests_frame.iloc[0:0]).empty


def test_missile_monthly_chart(tests_frame):
    monthly = missile_monthly(tests_frame)
    fig = missile_monthly_chart(monthly, title="Missiles")
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["ICBM", "SRBM", "Cruise", "Unknown"]
    assert sum(sum(t.y) for t in bars) == 16
    assert fig.layout.barmode == "stack"
    launches = next(t for t in fig.data if t.type == "scatter")
    assert launches.yaxis == "y2" and list(launches.y) == [1, 4]
    assert fig.layout.yaxis2.overlaying == "y" and fig.layout.yaxis2.title.text == "Launch events"
    assert fig.layout.yaxis.title.text == "Missiles fired" and fig.layout.xaxis.title.text == "Month"
    srbm = next(t for t in bars if t.meta == "srbm")
    assert srbm.customdata[0].split(",") == ["E002", "E003"]
    assert_explicit_template(fig)


def test_launch_sites_only_precise_places(tests_frame):
    sites = launch_sites(tests_frame)
    assert list(sites.columns) == [
        "launch_site",
        "latitude",
        "longitude",
        "launches",
        "missiles",
        "lower_bounds",
        "last_date",
        "event_ids",
    ]
    assert sites["launch_site"].tolist() == ["Sohae", "Sunan (Pyongyang)"]
    sohae = sites.iloc[0]
    assert (sohae["launches"], sohae["missiles"]) == (3, 11.0)
    assert sohae["last_date"] == pd.Timestamp("2024-11-25")
    assert (sohae["latitude"], sohae["longitude"]) == (39.66, 124.705)
    assert "E005" not in {i for ids in sites["event_ids"] for i in ids}


def test_launch_site_map():
    boundaries = load_boundaries()
    sites = pd.DataFrame(
        {
            "launch_site": ["Sohae", "Sunan"],
            "latitude": [39.66, 39.2],
            "longitude": [124.705, 125.67],
            "launches": [3, 1],
            "missiles": [11.0, 1.0],
            "last_date": pd.to_datetime(["2024-11-25", "2024-10-31"]),
            "event_ids": [["E002", "E003", "E004"], ["E001"]],
        }
    )
    fig = launch_site_map(sites, boundaries)
    assert trace_types(fig) == {"choroplethmap", "scattermap"}
    assert fig.to_dict()["layout"]["map"]["style"] == OFFLINE_STYLE and "geo" not in fig.to_dict()["layout"]
    assert fig.layout.map.center.lat == MAP_VIEWS["korean_peninsula"].center_lat
    bubbles = next(t for t in fig.data if t.type == "scattermap" and t.customdata is not None)
    assert bubbles.marker.size[0] > bubbles.marker.size[1]
    assert list(bubbles.customdata) == ["E002,E003,E004", "E001"]
    outlines = next(t for t in fig.data if t.type == "choroplethmap")
    assert {"KP-01", "KR-11"} <= set(outlines.locations)
    empty = launch_site_map(sites.iloc[0:0], boundaries)
    assert trace_types(empty) <= {"choroplethmap", "scattermap"}


def test_apogee_distance_chart(tests_frame):
    fig = apogee_distance_chart(tests_frame)
    points = {t.meta: t for t in fig.data}
    assert set(points) == {"icbm", "srbm"}  # the cruise test lacks a distance
    assert list(points["icbm"].x) == [1001.2] and list(points["icbm"].y) == [7687.5]
    assert "Hwasong-19" in points["icbm"].text[0] and "31 Oct 2024" in points["icbm"].text[0]
    assert fig.layout.xaxis.title.text == "Distance flown (km)"
    assert fig.layout.yaxis.title.text == "Apogee (km)"
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type == "linear"  # 77x vs 2.5x spread
    none = apogee_distance_chart(tests_frame.loc[tests_frame["category"] != "missile_test"])
    assert len(none.data) == 0 and "apogee" in none.layout.annotations[0].text


def test_apogee_distance_legend_is_a_row_above_the_plot(tests_frame):
    # The chart sits in half the page's width: a legend beside it took half the plot's width.
    legend = apogee_distance_chart(tests_frame).layout.legend
    assert legend.orientation == "h"
    assert legend.y >= 1 and legend.yanchor == "bottom"  # above the plot area, not over the points
    assert legend.title.text == "Missile type"


def test_overlapping_site_bubbles_name_every_site_and_say_launch_once():
    # Two sites a few km apart drew overlapping bubbles, and the hover named the wrong one; "1 launches".
    sites = pd.DataFrame(
        {
            "launch_site": ["Sunan", "Pyongyang city", "Sohae"],
            "latitude": [39.20, 39.22, 39.66],
            "longitude": [125.67, 125.70, 124.705],
            "launches": [3, 1, 2],
            "missiles": [5.0, 2.0, 2.0],
            "lower_bounds": [0, 1, 0],
            "last_date": pd.to_datetime(["2024-11-25", "2024-10-31", "2024-06-01"]),
            "event_ids": [["A", "B", "C"], ["D"], ["E", "F"]],
        }
    )
    bubbles = site_bubbles(sites)
    assert len(bubbles) == 2
    pyongyang = bubbles.iloc[0]
    assert pyongyang["sites"] == ["Sunan", "Pyongyang city"] and pyongyang["event_ids"] == "A,B,C,D"
    assert "<b>Sunan</b>: 3 launch events, 5 missiles" in pyongyang["hover"]
    assert "<b>Pyongyang city</b>: 1 launch event, ≥ 2 missiles" in pyongyang["hover"]
    assert "1 launch events" not in " ".join(bubbles["hover"])
    fig = launch_site_map(sites, load_boundaries())
    marks = next(t for t in fig.data if t.type == "scattermap" and t.name == "Launch site")
    assert list(marks.customdata) == ["A,B,C,D", "E,F"]


def test_profile_note_counts_what_each_launch_lacks(tests_frame):
    gaps = profile_gaps(tests_frame)
    assert sum(gaps.values()) == len(tests_frame.loc[tests_frame["category"] == "missile_test"])
    note = profile_note(tests_frame)
    assert note.startswith(f"{gaps['plotted']} of ") and "plotted" in note
    if gaps["neither"]:
        assert "neither apogee nor distance" in note


def test_claims_of_several_bodies_about_one_launch_count_once(make_events):
    """The JCS's detection and the CNS database's row of one launch (same original_id and date) are one
    launch; their counts disagree (about 10 against 12) and are not added up: the highest is used."""

    def claim(event_id, claimant, sub, best, original_id="M14", date="2026-03-14"):
        return {
            "event_id": event_id,
            "event_date": date,
            "category": "missile_test",
            "subcategory": sub,
            "figure_best": best,
            "unit": "missiles",
            "claimant": claimant,
            "original_id": original_id,
            **SOHAE,
        }

    events = make_events(
        [
            claim("M14", "South Korea JCS", "srbm", 10),
            claim("M14-cns", "CNS database", "mrl", 12),
            claim("M15", "South Korea JCS", "srbm", 2, original_id="M15", date="2026-04-07"),
        ]
    )
    monthly = missile_monthly(events)
    march = monthly.loc[monthly["month"] == pd.Timestamp("2026-03-01")]
    # One launch, typed as its first claim says, with the highest count; both claims behind the bar.
    assert march[["missile_type", "launches", "missiles"]].values.tolist() == [["srbm", 1, 12.0]]
    assert sorted(march["event_ids"].iloc[0]) == ["M14", "M14-cns"]
    assert int(monthly["launches"].sum()) == 2 and monthly["missiles"].sum() == 14.0
    sites = launch_sites(events)
    assert int(sites["launches"].sum()) == 2 and sites["missiles"].sum() == 14.0
