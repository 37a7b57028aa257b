"""dashboard.events.importers.ucdp: GED rows to records, precisions, countries, revisions, bad rows."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.events.importers import import_file, parse_bytes

GED = "ucdp_ged.csv"


@pytest.fixture
def records(parsed):
    parsed_file = parsed(GED)
    assert parsed_file.report.errors == []
    return {r.event_id: r for r in parsed_file.accepted_records()}


def test_fixture_is_detected_and_valid(parsed):
    report = parsed(GED).report
    assert (report.format, report.encoding, report.rows_read, report.accepted) == ("ucdp", "utf-8", 5, 5)


def test_state_based_event_maps_every_field(records):
    record = records["ucdp:478001"]
    assert record.original_id == "478001"
    assert (record.event_date, record.event_date_end, record.date_precision) == (
        dt.date(2024, 8, 20),
        dt.date(2024, 8, 20),
        "day",
    )
    assert (record.category, record.subcategory) == ("battle", "state_based")
    assert (record.actor, record.counterpart) == ("Government of Russia (Soviet Union)", "Government of Ukraine")
    assert record.claimant == "UCDP" and record.origin == "ucdp" and record.confidence == "medium"
    assert (record.figure_low, record.figure_best, record.figure_high, record.unit) == (4, 6, 10, "killed")
    assert (record.location, record.latitude, record.longitude, record.geo_precision) == (
        "Sudzha town",
        51.1917,
        35.2708,
        1,
    )
    assert (record.country_code, record.admin1_code, record.admin1_name) == ("RUS", "RU-KRS", "Kursk Oblast")
    assert record.description.splitlines() == [
        "Synthetic test row. Sudzha, Kursk oblast",
        "Deaths (best): side A 2, side B 4, civilians 0, unknown 0",
        "Headlines: Fighting near Sudzha; Kursk governor reports losses",
    ]
    [source] = record.sources
    assert (source.outlet, source.url, source.date) == ("UCDP GED", "https://ucdp.uu.se/", dt.date(2024, 8, 21))
    assert source.title == "UCDP GED event 478001 (Reuters; TASS): Fighting near Sudzha; Kursk governor reports losses"


def test_one_sided_violence_known_to_the_month_and_region(records):
    record = records["ucdp:478002"]
    assert (record.category, record.subcategory, record.counterpart) == (
        "attack_on_civilians",
        "one_sided",
        "Civilians",
    )
    # date_prec 4: the month; the date becomes the 1st, the end stays.
    assert (record.event_date, record.event_date_end, record.date_precision) == (
        dt.date(2023, 5, 1),
        dt.date(2023, 5, 31),
        "month",
    )
    # where_prec 4: only the first-order division; region-level, the centroid kept for the region.
    assert (record.geo_precision, record.latitude, record.admin1_code) == (3, 49.5, "UA-63")
    assert record.country_code == "UKR"


def test_country_level_event_known_to_the_year_has_no_point(records):
    record = records["ucdp:478003"]
    assert (record.event_date, record.date_precision) == (dt.date(2022, 1, 1), "year")
    assert (record.geo_precision, record.latitude, record.longitude) == (4, None, None)
    assert (record.country_code, record.admin1_code) == ("UKR", None)
    # No source_date: the source is dated by the event's end.
    assert record.sources[0].date == dt.date(2022, 12, 31)


def test_non_state_event_with_low_clarity(records):
    record = records["ucdp:478004"]
    assert (record.category, record.subcategory, record.date_precision) == ("battle", "non_state", "week")
    assert (record.geo_precision, record.admin1_code, record.confidence) == (2, "RU-BEL", "low")
    assert record.sources[0].date == dt.date(2023, 6, 7)  # "not recorded" is no date: the end date instead


def test_second_order_division_is_an_area_and_zero_deaths_are_kept(records):
    record = records["ucdp:478005"]
    assert (record.geo_precision, record.date_precision) == (2, "day")
    assert (record.figure_low, record.figure_best, record.figure_high) == (0, 0, 2)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"country": "Narnia", "country_id": "369"}, "UKR"),  # the Gleditsch-Ward number wins over the name
        ({"country": "Ukraine", "country_id": ""}, "UKR"),
        ({"country": "Russia (Soviet Union)", "country_id": "999"}, "RUS"),
        ({"country": "Narnia", "country_id": ""}, None),
    ],
)
def test_country_code_from_gleditsch_ward_number_then_name(fixture_bytes, edit_csv, changes, expected):
    data = edit_csv(fixture_bytes(GED), {(2, column): value for column, value in changes.items()})
    record = {r.event_id: r for r in parse_bytes(data, GED).accepted_records()}["ucdp:478003"]
    assert record.country_code == expected


def test_iso3_column_wins_when_present(fixture_bytes):
    header, rest = fixture_bytes(GED).split(b"\r\n", 1)
    lines = [line + b",PRK" for line in rest.split(b"\r\n") if line]
    data = b"\r\n".join([header + b",iso3", *lines]) + b"\r\n"
    parsed_file = parse_bytes(data, GED)
    assert parsed_file.report.errors == [] and {r.country_code for r in parsed_file.accepted_records()} == {"PRK"}


def test_importing_twice_adds_nothing_and_a_change_is_revision_two(fixture_bytes, edit_csv, store):
    data = fixture_bytes(GED)
    assert import_file(store, data=data, file_name=GED).new == 5
    again = import_file(store, data=data, file_name=GED)
    assert (again.new, again.revised, again.unchanged) == (0, 0, 5)
    changed = import_file(store, data=edit_csv(data, {(0, "best"): "8"}), file_name=GED)
    assert (changed.new, changed.revised) == (0, 1)
    history = store.history("ucdp:478001")
    assert list(history["revision"]) == [1, 2] and list(history["figure_best"]) == [6, 8]


def test_invalid_row_names_line_and_column_and_writes_nothing(fixture_bytes, edit_csv, store, state):
    before = state(store)
    data = edit_csv(fixture_bytes(GED), {(3, "date_start"): "2023-02-30"})
    report = import_file(store, data=data, file_name=GED)
    [error] = report.errors
    assert (error.line, error.column) == (5, "date_start") and error.rule.startswith("impossible date")
    assert not report.written and state(store) == before


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("type_of_violence", "4", "type_of_violence must be one of 1, 2, 3 (UCDP's types of violence)"),
        ("date_prec", "0", "date_prec must be one of 1, 2, 3, 4, 5"),
        ("where_prec", "8", "where_prec must be one of 1, 2, 3, 4, 5, 6, 7"),
        ("best", "six", "best must be a whole number of 0 or more"),
        ("low", "2.5", "low must be a whole number of 0 or more"),
        ("longitude", "inf", "longitude must be decimal degrees"),
        ("id", "", "id must not be empty"),
    ],
)
def test_unreadable_values_are_named(error_for, column, value, rule):
    error = error_for(GED, 0, column, value)
    assert (error.line, error.column) == (2, column)
    assert error.rule.startswith(rule)
