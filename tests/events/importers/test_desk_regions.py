"""Desk claims get their region by the code imports use (``importers.write.place_claims``)."""

from __future__ import annotations

import pyarrow as pa

from dashboard.events.importers.write import _with_region, place_claims
from dashboard.events.schema import REGION_DISAGREE_FLAG
from tests.conftest import base_record

POINTS = [(6.37, 2.43), (-15.8, -47.9), (35.68, 139.69), (51.73, 36.19), (-33.87, 151.21)]


def test_the_desk_and_an_import_give_the_same_regions_for_the_same_points():
    columns = {
        "event_id": [f"P{i}" for i in range(len(POINTS))],
        "country_code": [None] * len(POINTS),
        "admin1_code": [None] * len(POINTS),
        "admin1_name": [None] * len(POINTS),
        "latitude": [lat for lat, _ in POINTS],
        "longitude": [lon for _, lon in POINTS],
        "quality_flags": [None] * len(POINTS),
    }
    imported = _with_region(pa.table(columns)).to_pylist()
    placed = place_claims([{"event_id": f"P{i}", "latitude": a, "longitude": o} for i, (a, o) in enumerate(POINTS)])
    for row, claim in zip(imported, placed, strict=True):
        place = ("admin1_code", "admin1_name", "country_code")
        assert [claim.data.get(c) for c in place] == [row[c] for c in place]
    assert [c.data["admin1_code"] for c in placed][:4] == ["BJ-LI", "BR-DF", "JP-13", "RU-KRS"]


def test_a_point_in_another_country_than_the_claim_says_is_left_to_the_analyst():
    [claim] = place_claims([{"event_id": "X", "country_code": "RUS", "latitude": 6.37, "longitude": 2.43}])
    assert claim.data.get("admin1_code") is None and claim.filled is None


def test_a_disagreement_keeps_both_and_flags_only_when_asked():
    claim = base_record("D", admin1_code="UA-59", admin1_name="Sumy Oblast", country_code="UKR")
    [quiet] = place_claims([claim])
    assert quiet.warning and "the point lies in RU-KRS (Kursk Oblast)" in quiet.warning
    assert quiet.data["admin1_code"] == "UA-59" and not quiet.data.get("quality_flags")
    [flagged] = place_claims([claim], flag_disagreements=True)
    assert flagged.data["quality_flags"] == REGION_DISAGREE_FLAG
    assert claim.get("quality_flags") is None  # the caller's dict is not changed


def test_items_the_store_will_refuse_pass_through_untouched():
    placed = place_claims(["not a claim", {"event_id": "B", "latitude": "north", "longitude": 2.43}])
    assert placed[0].data == "not a claim"
    assert placed[1].data == {"event_id": "B", "latitude": "north", "longitude": 2.43}
