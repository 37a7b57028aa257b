"""dashboard.events.importers.cns: launches from CSV and .xlsx, month-only dates, distances, sources."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from dashboard.events.importers import import_file, parse_bytes

CSV = "cns_missile_tests.csv"
XLSX = "cns_missile_tests.xlsx"
DATABASE_URL = "https://www.nti.org/analysis/articles/cns-north-korea-missile-test-database/"


def build_xlsx(csv_bytes: bytes, path: Path) -> None:
    """The CSV fixture as CNS ships it: dates as Excel dates, "Apr-84" as a date shown mmm-yy.

    Regenerate the committed fixture with
    ``python -c "import test_cns as t; t.build_xlsx(t.FIXTURE_CSV.read_bytes(), t.FIXTURE_XLSX)"``
    run in this folder.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8"), newline="")))
    header = rows[0]
    sheet.append(header)
    for line, row in enumerate(rows[1:], start=2):
        sheet.append([_excel_value(column, text) for column, text in zip(header, row, strict=True)])
        for column, text in zip(header, row, strict=True):
            number_format = _excel_format(column, text)
            if number_format:
                sheet.cell(line, header.index(column) + 1).number_format = number_format
    book.save(path)


def _excel_value(column: str, text: str):
    if column == "F1":
        return int(text)
    if column in ("Facility Latitude", "Facility Longitude") and text != "Unknown":
        return float(text)
    for pattern in ("%b-%y", "%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return text  # "April 1984" stays text, as in the real sheet's oldest rows


def _excel_format(column: str, text: str) -> str | None:
    if not isinstance(_excel_value(column, text), dt.datetime):
        return None
    return "mmm-yy" if len(text) == 6 else "d-mmm-yy"


FIXTURE_CSV = Path(__file__).resolve().parents[2] / "fixtures" / CSV
FIXTURE_XLSX = FIXTURE_CSV.with_suffix(".xlsx")


@pytest.fixture
def records(parsed):
    parsed_file = parsed(CSV)
    assert parsed_file.report.errors == []
    return {r.event_id: r for r in parsed_file.accepted_records()}


@pytest.mark.parametrize(("name", "encoding"), [(CSV, "utf-8"), (XLSX, "xlsx")])
def test_csv_and_xlsx_are_detected_and_valid(parsed, name, encoding):
    report = parsed(name).report
    assert (report.format, report.encoding, report.rows_read, report.accepted) == ("cns", encoding, 7, 7)


def test_xlsx_gives_the_same_records_as_csv(parsed):
    # Including "Apr-84", an Excel date shown as a month: still month-precise.
    assert parsed(XLSX).accepted_records() == parsed(CSV).accepted_records()


def test_committed_xlsx_is_what_the_generator_writes(fixture_bytes, tmp_path):
    build_xlsx(fixture_bytes(CSV), tmp_path / "fresh.xlsx")

    def cells(path):
        sheet = openpyxl.load_workbook(path).active
        return [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]

    assert cells(FIXTURE_XLSX) == cells(tmp_path / "fresh.xlsx")


def test_launch_row_maps_every_field(records):
    record = records["cns:3"]
    assert record.original_id == "3"
    assert (record.event_date, record.date_precision) == (dt.date(2017, 7, 4), "day")
    assert (record.category, record.subcategory) == ("missile_test", "icbm")
    assert (record.actor, record.claimant, record.origin) == (
        "North Korea",
        "CNS North Korea Missile Test Database",
        "cns",
    )
    assert (record.figure_low, record.figure_best, record.figure_high, record.unit) == (None, 1, None, "missiles")
    assert (record.missile_name, record.launch_site) == ("Hwasong-14", "Panghyon Aircraft Factory")
    assert (record.location, record.latitude, record.longitude, record.geo_precision) == (
        "Kusong, North Pyongan Province",
        39.9,
        125.2,
        1,
    )
    assert (record.country_code, record.admin1_code, record.admin1_name) == ("PRK", "KP-03", "North Pyongan")
    assert (record.apogee_km, record.distance_km, record.outcome, record.confidence) == (2802, 933, "Success", "high")
    assert record.description.splitlines() == [
        "Synthetic test row.",
        "Missile type: ICBM",
        "Launch agency: Korean People's Army",
        "Launch time (UTC): 00:40",
        "Landing location: Sea of Japan",
    ]
    assert [(s.outlet, s.title, s.date, s.url) for s in record.sources] == [
        ("38north.org", "CNS database source", dt.date(2017, 7, 5), "https://www.38north.org/2017/07/hwasong14/"),
        ("nknews.org", "CNS database source", dt.date(2017, 7, 5), "https://www.nknews.org/2017/07/icbm-test/"),
    ]


def test_month_only_dates_are_month_precise(records):
    for event_id in ("cns:1", "cns:2"):  # "Apr-84" and "April 1984"
        assert (records[event_id].event_date, records[event_id].date_precision) == (dt.date(1984, 4, 1), "month")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apr-84", dt.date(1984, 4, 1)),
        ("April 1984", dt.date(1984, 4, 1)),
        ("Sept. 1990", dt.date(1990, 9, 1)),
        ("aug 2006", dt.date(2006, 8, 1)),
        ("Jul-06", dt.date(2006, 7, 1)),
        ("1993-05", dt.date(1993, 5, 1)),
    ],
)
def test_month_only_spellings(fixture_bytes, edit_csv, text, expected):
    [record] = parse_bytes(edit_csv(fixture_bytes(CSV), {(0, "Date"): text}, rows=[0]), CSV).accepted_records()
    assert (record.event_date, record.date_precision) == (expected, "month")


def test_unknown_coordinates_and_names_are_empty(records):
    record = records["cns:2"]
    assert (record.latitude, record.longitude, record.geo_precision) == (None, None, 4)
    assert (record.launch_site, record.location, record.admin1_code, record.country_code) == (None, None, None, "PRK")
    assert record.subcategory == "unknown"  # Missile Type "Unknown"


@pytest.mark.parametrize(
    ("event_id", "apogee", "distance"),
    [
        ("cns:1", None, None),  # "Unknown"
        ("cns:4", 6100, 1000),  # "approx. 6,100 km", "1,000 km"
        ("cns:5", 50, 418.4),  # "50 km", "260 miles"
        ("cns:6", None, 1650),  # "N/A", "1500-1800 km": the midpoint
    ],
)
def test_distances(records, event_id, apogee, distance):
    assert (records[event_id].apogee_km, records[event_id].distance_km) == (apogee, distance)


def test_approximate_distances_keep_their_text(records):
    assert "Apogee as reported: approx. 6,100 km" in records["cns:4"].description
    assert "Distance Travelled as reported: 1500-1800 km" in records["cns:6"].description
    assert "as reported" not in records["cns:3"].description


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 km", 200),
        ("~500km", 500),
        ("500", 500),
        ("Approximately 950 kilometres", 950),
        ("n/a", None),
        ("", None),
        ("-", None),
    ],
)
def test_apogee_spellings(fixture_bytes, edit_csv, text, expected):
    [record] = parse_bytes(edit_csv(fixture_bytes(CSV), {(0, "Apogee"): text}, rows=[0]), CSV).accepted_records()
    assert record.apogee_km == expected


@pytest.mark.parametrize(
    ("event_id", "subcategory"),
    [
        ("cns:1", "srbm"),
        ("cns:4", "icbm"),
        ("cns:6", "cruise"),
        ("cns:7", "satellite"),
    ],
)
def test_missile_types(records, event_id, subcategory):
    assert records[event_id].subcategory == subcategory


def test_confirmation_status_sets_confidence(records):
    assert records["cns:4"].confidence == "high"  # Confirmed
    assert records["cns:5"].confidence == "medium"  # Unconfirmed


def test_sources(records):
    # URLs separated by a newline; a URL in brackets loses them.
    assert [s.url for s in records["cns:4"].sources] == [
        "https://www.mod.go.jp/j/press/news/2022/11/18a.html",
        "https://www.yna.co.kr/view/AKR20221118",
    ]
    assert [s.outlet for s in records["cns:5"].sources] == ["reuters.com"]
    assert records["cns:5"].sources[0].url == "https://www.reuters.com/article/nk-missile-0509"
    # No URL: the database itself, citing what the cell says.
    [source] = records["cns:6"].sources
    assert (source.outlet, source.url, source.title, source.date) == (
        "CNS North Korea Missile Test Database",
        DATABASE_URL,
        "CNS database entry; cites: KCNA",
        dt.date(2023, 3, 23),
    )


def test_importing_twice_adds_nothing_and_a_change_is_revision_two(fixture_bytes, edit_csv, store):
    data = fixture_bytes(CSV)
    assert import_file(store, data=data, file_name=CSV).new == 7
    again = import_file(store, data=fixture_bytes(XLSX), file_name=XLSX)  # the same launches from the sheet
    assert (again.new, again.revised, again.unchanged) == (0, 0, 7)
    changed = import_file(store, data=edit_csv(data, {(2, "Test Outcome"): "Failure"}), file_name=CSV)
    assert (changed.new, changed.revised) == (0, 1)
    history = store.history("cns:3")
    assert list(history["revision"]) == [1, 2] and list(history["outcome"]) == ["Success", "Failure"]


def test_invalid_apogee_names_line_and_column_and_writes_nothing(fixture_bytes, edit_csv, store, state):
    before = state(store)
    report = import_file(store, data=edit_csv(fixture_bytes(CSV), {(4, "Apogee"): "very high"}), file_name=CSV)
    [error] = report.errors
    # The fifth launch starts on line 7: the fourth's Source(s) cell spans two lines.
    assert (error.line, error.column, error.value) == (7, "Apogee", "very high")
    assert error.rule == "apogee must be a distance like '200 km' or 'Unknown'"
    assert not report.written and state(store) == before


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("Distance Travelled", "200 furlongs", "distance travelled must be a distance like '200 km'"),
        ("Distance Travelled", "900-600 km", "distance travelled range must run from low to high"),
        ("Facility Latitude", "north", "facility latitude must be decimal degrees"),
        ("Facility Longitude", "200", "facility longitude must lie between -180 and 180 degrees"),
        ("Date", "Foo-84", "not a date"),
        ("Date", "13/1984", "not a date"),
        ("Date", "1984-13", "impossible month"),
        ("Date", "Apr-0000", "impossible month"),
        ("Date", "", "Date must not be empty"),
        ("F1", "", "F1 must not be empty"),
    ],
)
def test_unreadable_values_are_named(error_for, column, value, rule):
    error = error_for(CSV, 0, column, value)
    assert (error.line, error.column) == (2, column)
    assert error.rule.startswith(rule)
