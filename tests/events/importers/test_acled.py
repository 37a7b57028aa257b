"""dashboard.events.importers.acled: both ACLED layouts, Excel dates, encodings, revisions, bad rows."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.events.importers import acled, import_file, parse_bytes

EXPORT = "acled_export_tool.csv"


def records_by_id(parsed_file):
    assert not parsed_file.report.errors, parsed_file.report.error_lines()
    return {r.event_id: r for r in parsed_file.accepted_records()}


@pytest.mark.parametrize(
    ("name", "encoding", "rows"),
    [
        ("acled_export_tool.csv", "utf-8", 5),
        ("acled_api.csv", "utf-8", 4),
        ("acled_utf8_bom.csv", "utf-8-sig", 3),
        ("acled_cp1251.csv", "cp1251", 3),
    ],
)
def test_every_acled_fixture_is_detected_and_valid(parsed, name, encoding, rows):
    report = parsed(name).report
    assert (report.format, report.encoding, report.rows_read, report.accepted) == ("acled", encoding, rows, rows)
    assert report.errors == []


def test_export_tool_row_maps_every_field(parsed):
    record = records_by_id(parsed(EXPORT))["acled:UKR12345"]
    assert record.original_id == "UKR12345"
    assert (record.event_date, record.date_precision) == (dt.date(2022, 12, 28), "day")
    assert (record.category, record.subcategory) == ("battle", "armed_clash")
    assert record.actor == "Military Forces of Russia (2000-)"
    assert record.counterpart == "Military Forces of Ukraine (2019-)"
    assert record.claimant == "ACLED"
    # ACLED's fatalities are a conservative count: a lower bound, not a best estimate.
    assert (record.figure_low, record.figure_best, record.figure_high, record.unit) == (12, None, None, "killed")
    assert (record.location, record.latitude, record.longitude, record.geo_precision) == (
        "Bakhmut",
        48.5956,
        38.0003,
        1,
    )
    assert (record.country_code, record.admin1_code, record.admin1_name) == ("UKR", "UA-14", "Donetsk Oblast")
    assert record.confidence == "medium" and record.origin == "acled"
    assert record.description.startswith("Synthetic test row.")
    assert "Associated with actor 1: Wagner Group" in record.description
    [source] = record.sources
    assert source.outlet == "ACLED" and source.url == "https://acleddata.com/"
    assert source.title == "ACLED event UKR12345; sources: Ukrainska Pravda; Kyiv Independent"
    assert source.date == dt.date(2023, 1, 3)  # the timestamp 1672782338, when ACLED coded the row


@pytest.mark.parametrize(
    ("event_id", "category", "subcategory"),
    [
        ("acled:RUS6789", "strike", "shelling_artillery_missile_attack"),
        ("acled:UKR22222", "attack_on_civilians", "attack"),
        ("acled:RUS3333", "other", "change_to_group_activity"),
        ("acled:UKR44444", "protest", "peaceful_protest"),
    ],
)
def test_event_types_map_to_categories(parsed, event_id, category, subcategory):
    record = records_by_id(parsed(EXPORT))[event_id]
    assert (record.category, record.subcategory) == (category, subcategory)


def test_precisions_and_zero_fatalities(parsed):
    records = records_by_id(parsed(EXPORT))
    assert records["acled:UKR22222"].date_precision == "week"
    assert records["acled:UKR22222"].geo_precision == 2
    month = records["acled:RUS3333"]
    # time_precision 3: known to the month, so the date is the 1st (the schema's convention).
    assert (month.event_date, month.date_precision) == (dt.date(2024, 11, 1), "month")
    # geo_precision 3: the coordinates are a region's centroid; region-level only.
    assert month.geo_precision == 3 and month.country_code == "RUS" and month.admin1_code == "RU-KRS"
    assert month.counterpart is None
    assert (records["acled:RUS6789"].figure_low, records["acled:RUS6789"].unit) == (0, "killed")


def test_region_name_that_means_two_regions_is_left_to_the_coordinates(parsed, fixture_bytes, store):
    # ACLED's "Kyiv City" could be the city or the oblast by name alone: no code from the name...
    record = records_by_id(parsed(EXPORT))["acled:UKR44444"]
    assert (record.admin1_code, record.admin1_name) == (None, "Kyiv City")
    # ...and the point-in-region step fills it on import.
    import_file(store, data=fixture_bytes(EXPORT), file_name=EXPORT)
    row = store.history("acled:UKR44444").iloc[-1]
    assert row["admin1_code"] == "UA-30"


def test_api_layout_dates_are_day_first(parsed, fixture_bytes, edit_csv):
    records = records_by_id(parsed("acled_api.csv"))
    assert records["acled:UKR12345A"].event_date == dt.date(2020, 8, 14)
    assert records["acled:RUS6789A"].event_date == dt.date(2024, 2, 5)
    # Even when no value in the file settles the order, the API layout is day first (ACLED documents it).
    only_ambiguous = edit_csv(fixture_bytes("acled_api.csv"), rows=[1])
    [record] = parse_bytes(only_ambiguous, "api.csv").accepted_records()
    assert record.event_date == dt.date(2024, 2, 5)


def test_excel_mangled_dates_take_the_column_order(parsed):
    # 1/22/2014 can only be month first, so 3/5/2024 in the same column is 5 March.
    records = records_by_id(parsed("acled_utf8_bom.csv"))
    assert records["acled:UKR12345B"].event_date == dt.date(2014, 1, 22)
    assert records["acled:RUS6789B"].event_date == dt.date(2024, 3, 5)
    assert records["acled:UKR22222B"].event_date == dt.date(2023, 12, 30)


def test_cp1251_file_keeps_cyrillic_and_gets_its_region(fixture_bytes, store):
    report = import_file(store, data=fixture_bytes("acled_cp1251.csv"), file_name="acled_cp1251.csv")
    assert (report.encoding, report.written, report.new) == ("cp1251", True, 3)
    row = store.history("acled:RUS7001").iloc[-1]
    assert row["location"] == "Суджа"
    # "Курская область" is Natural Earth's local name of Kursk Oblast (the boundaries' alt_names),
    # so the region comes from the name, and the point agrees (no warning).
    assert (row["admin1_code"], row["admin1_name"], row["country_code"]) == ("RU-KRS", "Kursk Oblast", "RUS")
    assert report.warnings == []
    assert "ТАСС; Коммерсантъ" in row["sources"]


def test_header_case_and_spaces_are_tolerated(fixture_bytes):
    data = fixture_bytes(EXPORT)
    header, rest = data.split(b"\r\n", 1)
    shouted = b",".join(b" " + name.upper() + b" " for name in header.split(b",")) + b"\r\n" + rest
    messy, clean = parse_bytes(shouted, "x.csv"), parse_bytes(data, EXPORT)
    assert messy.report.format == "acled" and messy.report.errors == []
    assert messy.accepted_records() == clean.accepted_records()


def test_importing_twice_adds_nothing(fixture_bytes, store):
    data = fixture_bytes(EXPORT)
    first = import_file(store, data=data, file_name=EXPORT)
    second = import_file(store, data=data, file_name=EXPORT)
    assert (first.new, first.revised) == (5, 0)
    assert (second.new, second.revised, second.unchanged) == (0, 0, 5)


def test_changed_row_becomes_revision_two(fixture_bytes, edit_csv, store):
    data = fixture_bytes(EXPORT)
    import_file(store, data=data, file_name=EXPORT)
    report = import_file(store, data=edit_csv(data, {(0, "fatalities"): "15"}), file_name=EXPORT)
    assert (report.new, report.revised, report.unchanged) == (0, 1, 4)
    history = store.history("acled:UKR12345")
    assert list(history["revision"]) == [1, 2]
    assert list(history["figure_low"]) == [12, 15]


def test_ambiguous_date_names_line_and_column_and_writes_nothing(fixture_bytes, edit_csv, store, state):
    import_file(store, data=fixture_bytes("acled_cp1251.csv"), file_name="before.csv")
    before = state(store)
    # The only slash date in the column, and it could be 1 February or 2 January.
    data = edit_csv(fixture_bytes(EXPORT), {(2, "event_date"): "1/2/2014 12:00:00 AM"})
    report = import_file(store, data=data, file_name=EXPORT)
    assert not report.written and report.accepted == 4
    [error] = report.errors
    assert (error.line, error.column) == (4, "event_date")
    assert "ambiguous date" in error.rule
    assert state(store) == before


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("event_type", "Skirmish", "event_type must be one of"),
        ("fatalities", "many", "fatalities must be a whole number"),
        ("fatalities", "-1", "fatalities must be a whole number"),
        ("time_precision", "4", "time_precision must be one of 1, 2, 3 (ACLED's time precision: 1 day"),
        ("geo_precision", "", "geo_precision must be one of 1, 2, 3"),
        ("latitude", "north", "latitude must be decimal degrees"),
        ("timestamp", "yesterday", "timestamp must be Unix seconds"),
        ("event_date", "", "event_date must not be empty"),
        ("event_id_cnty", " ", "event_id_cnty must not be empty"),
    ],
)
def test_unreadable_values_are_named(error_for, column, value, rule):
    error = error_for(EXPORT, 1, column, value)
    assert (error.line, error.column) == (3, column)
    assert error.rule.startswith(rule)


def test_mapping_documents_every_category():
    rules = " ".join(rule for _, _, rule in acled.MAPPING)
    assert all(f"{kind} → {category}" in rules for kind, category in acled.EVENT_TYPES.items())
    assert acled.__doc__ and "conservative" in acled.__doc__
