"""Rows in ACLED, UCDP GED and CNS layouts with valid and odd cells, for the mapping equality tests.

Each column draws from a pool of real spellings (Export Tool and API dates, GED's out-of-order
figures and ``code_status``, CNS month-only dates and distance text) and of values the mapping
must refuse, so that random rows exercise every branch and every error message.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from dashboard.events.importers import acled, cns, ucdp

# Cells any column may hold in a JSON input besides text (Cells.text refuses bools, lists, dicts).
ODD_TYPES: list[Any] = [None, True, ["x"], {"a": 1}, 7, 2.5]

ACLED_POOLS: dict[str, list[Any]] = {
    "event_id_cnty": ["UKR12345", "RUS6789", " UKR1 ", "", "UKR12345", "KOR2", "UKR 7"],
    "event_date": [
        "28 December 2022",
        "15 August 2024",
        "5 Feb 2024",
        "2024-02-05",
        "05/02/2024 00:00:00",
        "14/08/2020 00:00:00",
        "1/22/2014 12:00:00 AM",
        "December 2022",
        "",
        "31 February 2023",
        "not a date",
        "05/02/24",
    ],
    "time_precision": ["1", "2", "3", "1.0", "4", "", 1, 3.0],
    "event_type": [*acled.EVENT_TYPES, "battles", "", "Unknown"],
    "sub_event_type": ["Armed clash", "Shelling/artillery/missile attack", "Air/drone strike", "", "  ", "__x__"],
    "actor1": ["Military Forces of Russia (2000-)", "Wagner Group", "", "  ", "A" * 301],
    "actor2": ["Military Forces of Ukraine (2019-)", "", "Civilians (Russia)", "B" * 400],
    "country": ["Ukraine", "Russia", "North Korea", "Korea", "", "Atlantis"],
    "iso": ["804", "643", "408", "", "999", "804.0", 643],
    "admin1": ["Donetsk", "Kursk", "Kyiv", "Zaporizhia", "", "Kursk Oblast", "Nowhere"],
    "location": ["Bakhmut", "Sudzha", "", "  Sudzha  ", "L" * 305],
    "latitude": ["48.5956", "51.1917", "", "0", "91", "1,234.5", "nan", "1_0", "abc", 48.5, "-0.0"],
    "longitude": ["38.0003", "35.2708", "", "0", "181", "inf", "37,800", 35.27],
    "geo_precision": ["1", "2", "3", "", "4", "2.0"],
    "source": ["Ukrainska Pravda; Kyiv Independent", "RIA Novosti", "", "S" * 320],
    "notes": ["Synthetic test row.", "", "  spaced  ", "N" * 20_010, "line one\nline two"],
    "fatalities": ["0", "12", "", "-1", "2.5", "1,000", "3.0", 4, "x"],
    "assoc_actor_1": ["", "Wagner Group", "  "],
    "assoc_actor_2": ["", "Ukrainian Group"],
    "tags": ["", "crowd size=no report"],
    "timestamp": ["1672782338", "1724112000.0", "", "2024-01-05", "99999999999999999", "yesterday", 1672782338],
}
ACLED_API_POOLS = {**ACLED_POOLS, "id": ["9001", "9002", ""], "actor_dyad": ["A - B", ""]}

UCDP_POOLS: dict[str, list[Any]] = {
    "id": ["478001", "478002.0", "", " 9 ", 478003],
    "relid": ["RUS-2024-1-478001"],
    "code_status": ["Clear", "Check deaths", "check deaths ", "", "Check dyad"],
    "type_of_violence": ["1", "2", "3", "3.0", "4", ""],
    "side_a": ["Government of Russia (Soviet Union)", "", "IS"],
    "side_b": ["Government of Ukraine", "Civilians", ""],
    "source_office": ["Reuters;TASS", "", " Ukrinform ; ", ";"],
    "source_date": ["2024-08-21;2024-08-22", "", "garbage;2023-06-02", "2023-13-01", "01/02/2023"],
    "source_headline": ["Fighting near Sudzha;Kursk governor reports losses", "", "H" * 310],
    "where_prec": ["1", "2", "3", "4", "5", "6", "7", "8", ""],
    "where_coordinates": ["Sudzha town", "", "Kharkiv oblast"],
    "where_description": ["Synthetic test row.", ""],
    "adm_1": ["Kursk oblast", "Kharkiv oblast", "", "Kyiv"],
    "latitude": ["51.1917", "49.5", "", "0", "95", "x"],
    "longitude": ["35.2708", "36.5", "", "0", "200"],
    "country": ["Russia (Soviet Union)", "Ukraine", "", "Korea, North"],
    "country_id": ["365", "369", "731.0", "", "999"],
    "iso3": ["RUS", "ukr", "", "XYZ", "RU"],
    "event_clarity": ["1", "2", "2.0", "", "3"],
    "date_prec": ["1", "2", "3", "4", "5", "6", ""],
    "date_start": ["2024-08-20 00:00:00.000", "2023-05-03", "2022-03-01", "", "2023-02-30", "5/3/2023"],
    "date_end": ["2024-08-20 00:00:00.000", "2023-05-31", "", "2022-02-01", "x"],
    "deaths_a": ["2", "", "0"],
    "deaths_b": ["4", ""],
    "deaths_civilians": ["0", "5", ""],
    "deaths_unknown": ["0", ""],
    # GED's out-of-order figures: high 0 beside best 5294, best > high, low > best.
    "low": ["4", "0", "5294", "", "-1", "7", "2.5"],
    "best": ["6", "5294", "0", "", "10", "1.0", "x", "-3"],
    "high": ["10", "0", "5", "", "5294", "x"],
}

CNS_POOLS: dict[str, list[Any]] = {
    "F1": ["1", "2.0", "", " 17 ", 3],
    "Date": [
        "2017-07-04",
        "4-Jul-17",
        "Apr-84",
        "April 1984",
        "1984-04",
        "Sept-16",
        "1984-13",
        "",
        "7/4/2017",
        "Foo-84",
    ],
    "Date Entered/Updated": ["3/31/2017", "", "2017-03-31", "x"],
    "Launch Time (UTC)": ["Unknown", "07:40", ""],
    "Missile Name": ["Scud-B", "Hwasong-14", "Unknown", "", "n/a"],
    "Missile Type": ["SRBM", "IRBM (Hwasong-12)", "Unknown", "cruise missile", "", "SLV"],
    "Launch Agency/Authority": ["Korean People's Army", "", "Unknown"],
    "Facility Name": ["Tonghae Satellite Launching Ground", "Unknown", "", "Sohae"],
    "Facility Location": ["Hwadae County, North Hamgyong Province", "Unknown", "", "Sinpo, South Hamgyong Province"],
    "Other Name": ["Musudan-ri", "", "Unknown"],
    "Facility Latitude": ["40.85", "39.66° N", "Unknown", "", "39.66 S", "39.66 E", "95", "x"],
    "Facility Longitude": ["129.666", "124.7° E", "Unknown", "", "190", "124.7 W"],
    "Landing Location": ["Sea of Japan", "Unknown", ""],
    "Apogee": ["Unknown", "200 km", "approx. 500 km", "310 miles", "500-600 km", "600-500 km", "2,800", "far", ""],
    "Distance Travelled": ["Unknown", "933 km", "about 1,000 km", "~ 20 mi", "x km", "450"],
    "Confirmation Status": ["Confirmed", "Unconfirmed", "confirmed", ""],
    "Test Outcome": ["Success", "Failure", "", "Unknown"],
    "Additional Information": ["Synthetic test row.", ""],
    "Source(s)": [
        "https://www.nknews.org/a; https://www.38north.org/b.",
        "Bermudez, A History",
        "Unknown",
        "",
        "http://",
        "see https://example.com/x) and https://example.com/x",
    ],
}

POOLS = {"acled": ACLED_POOLS, "acled_api": ACLED_API_POOLS, "ucdp": UCDP_POOLS, "cns": CNS_POOLS}
MODULES = {"acled": acled, "acled_api": acled, "ucdp": ucdp, "cns": cns}


def random_rows(kind: str, count: int, seed: int, *, odd_types: bool = False) -> list[dict[str, Any]]:
    """``count`` rows of ``kind`` (a key of POOLS), each cell drawn from its column's pool."""
    rng = random.Random(seed)
    pools = POOLS[kind]
    rows = []
    for _ in range(count):
        row = {}
        for column, pool in pools.items():
            row[column] = rng.choice(ODD_TYPES) if odd_types and rng.random() < 0.03 else rng.choice(pool)
            if not odd_types and not isinstance(row[column], str):
                row[column] = str(row[column])
        rows.append(row)
    return rows


def mostly_valid_rows(kind: str, count: int, seed: int) -> list[dict[str, Any]]:
    """Rows whose cells are mostly each pool's first (valid) values: long runs of good rows."""
    rng = random.Random(seed)
    pools = POOLS[kind]
    return [
        {column: (rng.choice(pool[:3]) if rng.random() < 0.97 else rng.choice(pool)) for column, pool in pools.items()}
        for _ in range(count)
    ]


def outcome_json(outcome: Any) -> Any:
    """A mapped row (or its error) as JSON-able data, for captures and comparisons."""
    return json.loads(json.dumps(outcome, default=_default, sort_keys=True))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))
