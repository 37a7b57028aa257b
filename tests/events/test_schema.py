"""dashboard.events.schema: the rules of an event record and the data dictionary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dashboard.events import schema
from dashboard.events.schema import EventRecord, FieldError, validate_record


def errors_of(data) -> list[FieldError]:
    result = validate_record(data, line=7)
    assert isinstance(result, list), f"expected errors, got a valid record: {result!r}"
    assert all(e.line == 7 for e in result)
    return result


def only_error(data) -> FieldError:
    errors = errors_of(data)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_valid_record_keeps_its_values(record_data):
    record = validate_record(record_data(event_id="D08"))
    assert isinstance(record, EventRecord)
    assert record.event_id == "D08"
    assert record.event_date == dt.date(2024, 11, 5)
    assert (record.figure_low, record.figure_best, record.figure_high) == (10000, 11000, 12000)
    assert record.sources[0].url == "https://example.org/yonhap/1"
    assert record.origin == "native" and record.geo_precision == 1


def test_defaults_for_optional_fields(record_data):
    data = {k: record_data()[k] for k in ("event_id", "event_date", "category", "actor", "claimant", "sources")}
    record = validate_record(data)
    assert record.date_precision == "day" and record.confidence == "medium" and record.geo_precision == 4
    assert record.latitude is None and record.unit is None


# --- vocabularies ---------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("category", "war"),
        ("confidence", "certain"),
        ("unit", "soldiers"),
        ("date_precision", "decade"),
    ],
)
def test_controlled_vocabularies_refuse_other_values(record_data, field, value):
    error = only_error(record_data(**{field: value}))
    assert error.column == field and error.value == value
    assert "Input should be" in error.rule
    for allowed in schema.vocabulary(field)[:2]:
        assert f"'{allowed}'" in error.rule


@pytest.mark.parametrize("field", ["category", "confidence", "unit", "date_precision"])
def test_every_vocabulary_value_is_accepted(record_data, field):
    for value in schema.vocabulary(field):
        assert isinstance(validate_record(record_data(**{field: value})), EventRecord), value


def test_geo_precision_is_one_to_four(record_data):
    assert only_error(record_data(geo_precision=5)).column == "geo_precision"
    assert only_error(record_data(geo_precision=0)).column == "geo_precision"


# --- figures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "low, best, high, column, text",
    [
        (10, 5, None, "figure_low", "figure_low (10) is greater than figure_best (5)"),
        (None, 50, 40, "figure_best", "figure_best (50) is greater than figure_high (40)"),
        (10, None, 5, "figure_low", "figure_low (10) is greater than figure_high (5)"),
    ],
)
def test_figures_must_be_ordered_low_best_high(record_data, low, best, high, column, text):
    error = only_error(record_data(figure_low=low, figure_best=best, figure_high=high))
    assert error.column == column
    assert text in error.rule and "need low <= best <= high" in error.rule


def test_equal_figures_are_fine(record_data):
    assert isinstance(validate_record(record_data(figure_low=7, figure_best=7, figure_high=7)), EventRecord)


def test_negative_figure_is_refused(record_data):
    error = only_error(record_data(figure_low=None, figure_best=-5, figure_high=None))
    assert error.column == "figure_best" and "greater than or equal to 0" in error.rule


def test_a_figure_needs_a_unit(record_data):
    error = only_error(record_data(unit=None))
    assert error.column == "unit" and error.rule == "a figure needs a unit"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_figures_must_be_finite(record_data, value):
    error = only_error(record_data(figure_low=None, figure_best=value, figure_high=None))
    assert error.column == "figure_best" and "finite" in error.rule


# --- dates --------------------------------------------------------------------------


def test_end_date_before_start_is_refused(record_data):
    error = only_error(record_data(event_date="2024-11-05", event_date_end="2024-11-04"))
    assert error.column == "event_date_end" and error.value == "2024-11-04"
    assert "event_date_end is before event_date" in error.rule


def test_end_date_equal_to_start_is_fine(record_data):
    assert isinstance(validate_record(record_data(event_date_end="2024-11-05")), EventRecord)


def test_impossible_date_is_refused(record_data):
    error = only_error(record_data(event_date="2024-02-30"))
    assert error.column == "event_date" and "day value is outside expected range" in error.rule


# --- coordinates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lon, column, text",
    [
        (135.2, 51.7, "latitude", "less than or equal to 90"),
        (-90.5, 10.0, "latitude", "greater than or equal to -90"),
        (50.0, 180.5, "longitude", "less than or equal to 180"),
        (50.0, -200.0, "longitude", "greater than or equal to -180"),
    ],
)
def test_coordinates_out_of_range(record_data, lat, lon, column, text):
    error = only_error(record_data(latitude=lat, longitude=lon, admin1_code=None, country_code=None))
    assert error.column == column and text in error.rule


def test_coordinates_at_the_limits_are_fine(record_data):
    data = record_data(latitude=-90, longitude=180, admin1_code=None, admin1_name=None, country_code=None)
    assert isinstance(validate_record(data), EventRecord)


@pytest.mark.parametrize("lat, lon, missing", [(51.2, None, "longitude"), (None, 35.3, "latitude")])
def test_latitude_and_longitude_come_together(record_data, lat, lon, missing):
    error = only_error(record_data(latitude=lat, longitude=lon, geo_precision=4))
    assert error.column == missing
    assert error.rule == "latitude and longitude must both be given or both be empty"


def test_zero_zero_placeholder_is_refused(record_data):
    error = only_error(record_data(latitude=0, longitude=0, admin1_code=None, country_code=None))
    assert error.column == "latitude"
    assert "0,0 is a placeholder" in error.rule


def test_zero_latitude_alone_is_a_place(record_data):
    data = record_data(latitude=0, longitude=35.0, admin1_code=None, admin1_name=None, country_code=None)
    assert isinstance(validate_record(data), EventRecord)


@pytest.mark.parametrize("precision", [1, 2])
def test_exact_precision_needs_coordinates(record_data, precision):
    error = only_error(record_data(latitude=None, longitude=None, geo_precision=precision))
    assert error.column == "geo_precision"
    assert error.rule == f"geo_precision {precision} needs latitude and longitude"


@pytest.mark.parametrize("precision", [3, 4])
def test_region_and_country_precision_need_no_coordinates(record_data, precision):
    data = record_data(latitude=None, longitude=None, geo_precision=precision)
    assert isinstance(validate_record(data), EventRecord)


# --- places -------------------------------------------------------------------------------


def test_admin1_must_lie_in_the_country(record_data):
    error = only_error(record_data(admin1_code="RU-KRS", country_code="UKR"))
    assert error.column == "admin1_code" and error.value == "RU-KRS"
    assert error.rule == "admin1_code RU-KRS is not in country UKR"


def test_admin1_in_its_country_is_fine(record_data):
    data = record_data(
        admin1_code="UA-59", admin1_name="Sumy Oblast", country_code="UKR", latitude=50.91, longitude=34.80
    )
    assert isinstance(validate_record(data), EventRecord)


@pytest.mark.parametrize(
    "field, value, text",
    [
        ("admin1_code", "XX-YY", "is not an ISO 3166-2 subdivision code"),
        ("country_code", "RU", "is not an ISO 3166-1 alpha-3 country code"),
        ("country_code", "XXX", "is not an ISO 3166-1 alpha-3 country code"),
    ],
)
def test_codes_are_checked_against_iso(record_data, field, value, text):
    error = only_error(record_data(**{field: value}))
    assert error.column == field and text in error.rule


# --- sources ---------------------------------------------------------------------------------

SOURCE_OK = {"outlet": "Yonhap", "title": "A title", "date": "2024-11-05", "url": "https://example.org/a"}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "example.org/no-scheme",
        "https://exa mple.org",
        "http://",
    ],
)
def test_source_urls_must_be_http(record_data, url):
    error = only_error(record_data(sources=[dict(SOURCE_OK, url=url)]))
    assert error.column == "sources[0].url" and error.rule == "must be an http(s) URL"


def test_a_bad_source_gives_one_error_not_two(record_data):
    # The tuple's "at least 1 item" error would only repeat the item's own error.
    errors = errors_of(record_data(sources=[dict(SOURCE_OK, url="javascript:alert(1)")]))
    assert [e.column for e in errors] == ["sources[0].url"]


def test_a_record_needs_a_source(record_data):
    error = only_error(record_data(sources=[]))
    assert error.column == "sources" and "at least 1 item" in error.rule


@pytest.mark.parametrize(
    "title, date, ok", [("A title", None, True), (None, "2024-11-05", True), (None, None, False), ("   ", None, False)]
)
def test_a_source_needs_a_title_or_a_date(record_data, title, date, ok):
    result = validate_record(record_data(sources=[dict(SOURCE_OK, title=title, date=date)]))
    if ok:
        assert isinstance(result, EventRecord)
    else:
        assert [(e.column, e.rule) for e in result] == [
            ("sources[0]", "a source needs a title or a date besides its outlet and URL")
        ]


def test_the_second_source_is_named_in_its_error(record_data):
    error = only_error(record_data(sources=[SOURCE_OK, dict(SOURCE_OK, outlet="  ")]))
    assert error.column == "sources[1].outlet" and error.rule == "must not be empty"


# --- text -----------------------------------------------------------------------------------


def test_nul_byte_in_text_is_refused(record_data):
    error = only_error(record_data(description="before\x00after"))
    assert error.column == "description" and error.rule == "contains a NUL byte"


def test_description_of_200_kb_is_refused_by_name(record_data):
    error = only_error(record_data(description="x" * 200_000))
    assert error.column == "description" and "at most 20000 characters" in error.rule


def test_short_text_fields_are_limited(record_data):
    error = only_error(record_data(location="y" * 301))
    assert error.column == "location" and "at most 300 characters" in error.rule


def test_text_is_stripped_and_blank_means_empty(record_data):
    record = validate_record(record_data(location="  Sudzha  ", counterpart="   "))
    assert record.location == "Sudzha" and record.counterpart is None


def test_required_text_must_not_be_blank(record_data):
    error = only_error(record_data(claimant="   "))
    assert error.column == "claimant"


@pytest.mark.parametrize("event_id", ["../etc/passwd", "-leading-dash", "has space", "", "x" * 129])
def test_event_ids_are_restricted(record_data, event_id):
    error = only_error(record_data(event_id=event_id))
    assert error.column == "event_id"


def test_unknown_field_is_refused(record_data):
    error = only_error(record_data(colour="red"))
    assert error.column == "colour" and "Extra inputs are not permitted" in error.rule


def test_error_description_names_file_line_column_and_value():
    error = FieldError(12, "latitude", 135.2, "Input should be less than or equal to 90")
    assert error.describe("events.csv") == (
        "events.csv:12 column 'latitude': Input should be less than or equal to 90 (value: 135.2)"
    )
    long = FieldError(3, "description", "x" * 500, "too long").describe()
    assert len(long) < 200 and "[502 chars]" in long


# --- sources cell -----------------------------------------------------------------------------


def test_parse_sources_reads_one_source_per_line():
    cell = "Yonhap | Title one | 2024-11-05 | https://example.org/1\nReuters |  | 2024-11-06 | https://example.org/2\n"
    assert schema.parse_sources(cell) == [
        {"outlet": "Yonhap", "title": "Title one", "date": "2024-11-05", "url": "https://example.org/1"},
        {"outlet": "Reuters", "title": None, "date": "2024-11-06", "url": "https://example.org/2"},
    ]


def test_parse_sources_reads_a_json_array():
    cell = '[{"outlet": "A | B", "title": "t", "date": null, "url": "https://example.org/x"}]'
    assert schema.parse_sources(cell) == [
        {"outlet": "A | B", "title": "t", "date": None, "url": "https://example.org/x"}
    ]


@pytest.mark.parametrize("cell", ["A | t | https://example.org", "[not json", "just text"])
def test_parse_sources_returns_a_bad_cell_unchanged(cell):
    assert schema.parse_sources(cell) == cell


@pytest.mark.parametrize(
    "title",
    [
        "plain",
        "with | pipe",
        "two\nlines",
        "cr\ronly",
        "next\x85line",
        "sep\u2028line",
        "[bracket",
        'quote " and , comma',
    ],
)
def test_format_sources_round_trips(title):
    sources = [
        {"outlet": "Outlet", "title": title, "date": "2024-11-05", "url": "https://example.org/a"},
        {"outlet": "Second", "title": None, "date": "2024-11-06", "url": "https://example.org/b"},
    ]
    assert schema.parse_sources(schema.format_sources(sources)) == sources


def test_format_sources_writes_lines_when_unambiguous():
    sources = [{"outlet": "A", "title": "t", "date": None, "url": "https://example.org/a"}]
    assert schema.format_sources(sources) == "A | t |  | https://example.org/a"


# --- data dictionary ------------------------------------------------------------------------------


def test_data_dictionary_mentions_every_field_and_vocabulary():
    text = schema.data_dictionary()
    for name in schema.FIELD_NAMES:
        assert f"| `{name}` |" in text, name
    for vocab in (schema.CATEGORIES, schema.CONFIDENCE_LEVELS, schema.UNITS, schema.DATE_PRECISIONS):
        for value in vocab:
            assert f"`{value}`" in text
    for key in schema.MEASURES:
        assert f"`{key}`" in text
    assert "never the 0,0 placeholder" in text and "http(s)" in text


def test_required_fields_are_marked_required():
    text = schema.data_dictionary()
    for name in schema.REQUIRED_FIELDS:
        assert f"| `{name}` | {schema.field_kind(name)} | yes |" in text
    assert set(schema.REQUIRED_FIELDS) == {"event_id", "event_date", "category", "actor", "claimant", "sources"}


def test_field_kinds():
    assert schema.field_kind("latitude") == "float"
    assert schema.field_kind("event_date") == "date"
    assert schema.field_kind("geo_precision") == "int"
    assert schema.field_kind("sources") == "json"
    assert schema.field_kind("description") == "text"


# --- measures: every quantity in the log is one (issue 21) ---------------------------------------


def _seed_frame():
    import pandas as pd

    return pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "seed" / "events.csv")


def test_every_field_has_a_reader_label():
    assert set(schema.FIELD_LABELS) == set(schema.FIELD_NAMES)
    assert all(label and "_" not in label for label in schema.FIELD_LABELS.values())


def test_every_vocabulary_subcategory_has_a_measure_or_a_not_charted_entry():
    charted = {(m.category, sub) for m in schema.MEASURES.values() for sub in m.subcategories}
    for category, subcategories in schema.SUBCATEGORIES.items():
        for sub in subcategories:
            assert (category, sub) in charted or (category, sub) in schema.NOT_CHARTED, (category, sub)


def test_every_figure_in_the_seed_has_a_measure_or_a_not_charted_entry():
    seed = _seed_frame()
    with_figures = seed.loc[seed[["figure_low", "figure_best", "figure_high"]].notna().any(axis=1)]
    missing = []
    for row in with_figures.itertuples():
        if (row.category, row.subcategory) in schema.NOT_CHARTED:
            continue
        if schema.measure_of(row.category, row.subcategory, row.unit, row.actor) is None:
            missing.append((row.event_id, row.category, row.subcategory, row.unit, row.actor))
    assert not missing, f"claims with figures that no measure plots: {missing}"


def test_measures_are_well_formed():
    for key, measure in schema.MEASURES.items():
        assert measure.category in schema.CATEGORIES, key
        assert measure.unit in schema.UNITS, key
        assert measure.side in schema.SIDES and measure.kind in schema.MEASURE_KINDS, key
        assert "{" not in measure.label and "None" not in measure.label, key
    labels = [m.label for m in schema.MEASURES.values()]
    assert len(labels) == len(set(labels)), "two measures share a label"


@pytest.mark.parametrize(
    ("actor", "side"),
    [
        ("North Korea", "dprk"),
        ("  north  korea ", "dprk"),
        ("North Korea and Russia", "combined"),
        ("Russia", "russia"),
        ("Ukraine", "ukraine"),
        ("Wagner Group", "other"),
        (None, "other"),
    ],
)
def test_actor_side(actor, side):
    assert schema.actor_side(actor) == side


def test_combined_losses_are_not_a_dprk_measure():
    assert schema.measure_of("casualties", "total", "casualties", "North Korea and Russia") == (
        "combined_total_casualties"
    )
    assert schema.measure_of("casualties", "total", "casualties", "North Korea") == "total_casualties"
    assert schema.MEASURES["total_casualties"].label.startswith("DPRK")
    assert schema.MEASURES["russia_killed"].label.startswith("Russian")


def test_a_claim_answers_at_most_one_measure():
    # measure_of (and measures_present, which the brief and the timeline's picker use) takes the first
    # measure that matches: two measures sharing a subcategory for one category, unit and side would
    # leave the second without its claims.
    owners: dict[tuple, str] = {}
    for key, measure in schema.MEASURES.items():
        for sub in measure.subcategories:
            slot = (measure.category, measure.unit, measure.side, sub)
            assert slot not in owners, f"{key} and {owners[slot]} both answer {slot}"
            owners[slot] = key
