"""dashboard.events.exports: CSV / XLSX / GeoJSON, and the formula-cell guard."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pandas as pd
import pytest

from dashboard.events import exports, schema
from dashboard.events.importers import import_file

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1+1"]


@pytest.fixture
def frame(store, make_record) -> pd.DataFrame:
    store.append(
        [
            make_record(
                event_id="E1",
                description=FORMULAS[0],
                location="-Sudzha",
                admin1_code=None,
                admin1_name=None,
                country_code=None,
                latitude=12.5,
                longitude=-3.5,
                claimant="@claimant",
            ),
            make_record(
                event_id="E2",
                latitude=None,
                longitude=None,
                geo_precision=4,
                figure_low=None,
                figure_high=None,
                description='Plain text, with a comma and "quotes"',
                sources=[{"outlet": "A | B", "title": "x", "date": "2024-11-05", "url": "https://example.org/x"}],
            ),
        ]
    )
    return exports.export_frame(store.current_events())


@pytest.mark.parametrize("value", FORMULAS)
def test_neutralise_cell_quotes_formula_text(value):
    assert exports.neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Sudzha", "'already quoted", "a=b", "", 3.5, -3.5, None, 0])
def test_neutralise_cell_leaves_other_values(value):
    assert exports.neutralise_cell(value) == value


def test_export_frame_uses_native_columns_and_spellings(frame):
    assert list(frame.columns) == [
        *schema.FIELD_NAMES,
        "grade",  # read, not recorded: the claim's grade and originator by the claimant register
        "originator",
        "relayed_by",
        "revision",
        "recorded_at",
        exports.FORMULA_GUARD_COLUMN,
    ]
    first = frame.iloc[0]
    assert (first["grade"], first["originator"]) == ("F2", "@claimant")  # unregistered: F; confidence high → 2
    assert first["event_date"] == "2024-11-05" and first["event_date_end"] is None
    assert first["sources"] == "Yonhap | NIS: troops deployed | 2024-11-05 | https://example.org/yonhap/1"
    assert json.loads(frame.iloc[1]["sources"])[0]["outlet"] == "A | B"  # JSON when a value holds "|"
    assert first["recorded_at"].endswith("Z")


def test_export_frame_does_not_modify_its_input(store, make_record):
    store.append([make_record()])
    events = store.current_events()
    before = events.copy()
    exports.export_frame(events)
    pd.testing.assert_frame_equal(events, before)


def test_csv_neutralises_text_and_keeps_numbers(frame):
    text = exports.csv_bytes(frame).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    first = rows[0]
    assert first["description"] == "'" + FORMULAS[0]
    assert first["location"] == "'-Sudzha"
    assert first["claimant"] == "'@claimant"
    assert first["longitude"] == "-3.5" and first["latitude"] == "12.5"
    assert first["figure_best"] == "11000"  # a whole number as one (issue 17: as-of and current exports alike)
    assert ",-3.5," in text  # unquoted, so a spreadsheet reads a number
    assert rows[1]["description"] == 'Plain text, with a comma and "quotes"'


def test_every_formula_prefix_is_neutralised_in_csv():
    # Built directly: the schema strips a leading tab or CR, so only a frame can hold them.
    frame = pd.DataFrame(
        {
            "event_id": [f"F{i}" for i in range(len(FORMULAS))],
            "description": FORMULAS,
            "longitude": [-3.5] * len(FORMULAS),
        }
    )
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(frame).decode(), newline="")))
    assert [row["description"] for row in rows] == ["'" + value for value in FORMULAS]
    assert all(row["longitude"] == "-3.5" for row in rows)


def test_stored_formula_text_is_neutralised_in_csv(store, make_record):
    store.append([make_record(event_id=f"F{i}", description=value) for i, value in enumerate(FORMULAS)])
    frame = exports.export_frame(store.current_events())
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(frame).decode(), newline="")))
    exported = {row["event_id"]: row["description"] for row in rows}
    assert exported["F0"] == "'" + FORMULAS[0] and exported["F5"] == "'=1+1"  # "\r" stripped by the schema
    assert exported["F4"] == "cmd"  # the schema stripped the tab: nothing left to guard
    assert not any(value.startswith(exports.FORMULA_PREFIXES) for value in exported.values())


def test_csv_rows_end_in_crlf_and_a_lone_cr_stays_in_its_cell(store, make_record, make_store):
    store.append([make_record(event_id="E1", description="line one\rline two")])
    data = exports.csv_bytes(exports.export_frame(store.current_events()))
    assert data.count(b"\r\n") == 2  # header and one row
    assert b'"line one\rline two"' in data
    fresh = make_store("copy")
    report = import_file(fresh, data=data, file_name="export.csv")
    assert report.written and report.new == 1
    assert fresh.current_events()["description"].tolist() == ["line one\rline two"]


def test_csv_is_streamed_in_chunks_with_one_header(frame):
    blocks = list(exports.iter_csv(pd.concat([frame] * 3, ignore_index=True), chunk_rows=2))
    assert len(blocks) == 3
    assert blocks[0].startswith(b"event_id,") and not blocks[1].startswith(b"event_id,")
    rows = list(csv.reader(io.StringIO(b"".join(blocks).decode(), newline="")))
    assert len(rows) == 1 + 6


def test_csv_of_an_empty_frame_is_a_header(frame):
    assert exports.csv_bytes(frame.iloc[:0]).decode().strip() == ",".join(frame.columns)


def test_write_csv_to_a_path(frame, tmp_path):
    exports.write_csv(frame, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == exports.csv_bytes(frame)


def test_xlsx_has_no_formula_cells_and_numbers_stay_numbers(store, make_record):
    store.append(
        [
            make_record(
                event_id=f"F{i}",
                description=value,
                longitude=-3.5,
                latitude=12.5,
                admin1_code=None,
                admin1_name=None,
                country_code=None,
            )
            for i, value in enumerate(FORMULAS)
        ]
    )
    frame = exports.export_frame(store.current_events())
    frame.loc[frame["event_id"] == "F4", "description"] = "\tcmd"  # as a frame from elsewhere could hold it
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame)))
    sheet = book["events"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == list(frame.columns)
    cells = [cell for row in rows for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    header = [c.value for c in rows[0]]
    for row in rows[1:]:
        values = dict(zip(header, [c.value for c in row], strict=True))
        assert values["description"].startswith("'"), values["description"]
        assert values["longitude"] == -3.5 and isinstance(values["longitude"], float)
        assert values["geo_precision"] == 1 and values["event_date_end"] is None


def test_xlsx_sheet_name_is_cut_to_31_characters(frame):
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(frame, sheet_name="x" * 40)))
    assert book.sheetnames == ["x" * 31]


def test_geojson_is_a_feature_collection(frame):
    collection = json.loads(exports.geojson_bytes(frame))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 2
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "geometry", "properties"}
        assert "latitude" not in feature["properties"] and "longitude" not in feature["properties"]
    first, second = collection["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [-3.5, 12.5]}  # [lon, lat]
    assert second["geometry"] is None
    assert first["properties"]["event_id"] == "E1"
    assert first["properties"]["figure_best"] == 11000.0 and first["properties"]["geo_precision"] == 1
    assert first["properties"]["event_date_end"] is None
    # the text is data in JSON: no quote prefix
    assert first["properties"]["description"] == FORMULAS[0]


def test_geojson_sources_are_always_a_list(frame, store):
    for events in (frame, store.current_events()):  # export spelling and stored JSON alike
        features = exports.geojson_dict(events)["features"]
        sources = [f["properties"]["sources"] for f in features]
        assert sources[0] == [
            {
                "outlet": "Yonhap",
                "title": "NIS: troops deployed",
                "date": "2024-11-05",
                "url": "https://example.org/yonhap/1",
            }
        ]
        assert sources[1][0]["outlet"] == "A | B"


def test_geojson_of_no_events():
    assert exports.geojson_dict(pd.DataFrame()) == {"type": "FeatureCollection", "features": []}


def test_export_can_be_imported_again(frame, make_store):
    fresh = make_store("again")
    report = import_file(fresh, data=exports.csv_bytes(frame), file_name="export.csv")
    assert report.errors == [] and report.new == 2
    again = fresh.current_events().set_index("event_id")
    assert again.loc["E2", "description"] == 'Plain text, with a comma and "quotes"'
    # the export says the guard was applied (its marker column): the importer removes exactly it
    assert again.loc["E1", "description"] == FORMULAS[0]
    assert again.loc["E1", "longitude"] == -3.5


# --- chunk-wise builders (the dashboard's downloads) ------------------------------------------
TEXT_COLUMNS = ["description", "sources"]


def _chunked_log(store, make_record) -> pd.DataFrame:
    """Five claims on different days; the formula texts sit in the second and third chunks of two."""
    store.append(
        [
            make_record(event_id="C1", event_date="2024-10-01", description="plain"),
            make_record(event_id="C2", event_date="2024-10-02", figure_low=None, figure_high=None),
            make_record(event_id="C3", event_date="2024-10-03", description=FORMULAS[0], claimant="@claimant"),
            make_record(
                event_id="C4",
                event_date="2024-10-04",
                description="line one\rline two",
                latitude=None,
                longitude=None,
                geo_precision=4,
            ),
            make_record(event_id="C5", event_date="2024-10-05", description="-2+3", location="=Sudzha"),
        ]
    )
    return store.current_events()


def _narrow_and_complete(events: pd.DataFrame):
    """The rows without their text columns, and a function that adds them back (as ``PageView.with_text``)."""
    narrow = events.drop(columns=TEXT_COLUMNS)
    calls: list[int] = []

    def complete(rows: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(rows))
        return pd.concat([rows, events.loc[rows.index, TEXT_COLUMNS]], axis=1)

    return narrow, complete, calls


def test_chunked_csv_is_the_cli_export_byte_for_byte(store, make_record, tmp_path):
    from dashboard import cli

    events = _chunked_log(store, make_record)
    narrow, complete, calls = _narrow_and_complete(events)
    data = exports.csv_from_frames(exports.iter_export_frames(narrow, complete=complete, chunk_rows=2))
    assert calls == [2, 2, 1]  # the text columns were added a chunk at a time, never for all rows at once

    out = tmp_path / "cli.csv"
    url = store.engine.url.render_as_string(hide_password=False)
    assert cli.main(["--db", url, "export", "--format", "csv", "--out", str(out)]) == 0
    assert data == out.read_bytes()

    assert data.count(b"event_id,event_date,") == 1  # one header, though three chunks
    rows = {row["event_id"]: row for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))}
    assert rows["C3"]["description"] == "'" + FORMULAS[0] and rows["C3"]["claimant"] == "'@claimant"
    assert rows["C5"]["description"] == "'-2+3" and rows["C5"]["location"] == "'=Sudzha"
    assert rows["C4"]["description"] == "line one\rline two"
    assert rows["C1"]["longitude"] == str(events.set_index("event_id").loc["C1", "longitude"])


def test_chunked_csv_of_no_rows_is_the_header(store, make_record):
    events = _chunked_log(store, make_record)
    narrow, complete, _ = _narrow_and_complete(events)
    data = exports.csv_from_frames(exports.iter_export_frames(narrow.iloc[:0], complete=complete, chunk_rows=2))
    assert data.decode().rstrip("\r\n") == ",".join([*exports.EXPORT_COLUMNS, exports.FORMULA_GUARD_COLUMN])


def test_chunked_geojson_and_xlsx_match_the_whole_frame_writers(store, make_record):
    events = _chunked_log(store, make_record)
    narrow, complete, calls = _narrow_and_complete(events)
    whole = exports.export_frame(events)

    geojson = exports.geojson_from_frames(exports.iter_export_frames(narrow, complete=complete, chunk_rows=2))
    assert calls == [2, 2, 1]
    assert geojson == json.dumps(exports.geojson_dict(whole), ensure_ascii=False).encode("utf-8")
    assert [f["properties"]["event_id"] for f in json.loads(geojson)["features"]] == ["C1", "C2", "C3", "C4", "C5"]

    # Compared by cell: the workbook's zip carries a creation time, so its bytes differ run to run.
    book = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_from_frames(exports.iter_export_frames(narrow, complete=complete, chunk_rows=2)))
    )
    reference = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(whole)))
    cells = [[(c.value, c.data_type) for c in row] for row in book["events"].iter_rows()]
    assert cells == [[(c.value, c.data_type) for c in row] for row in reference["events"].iter_rows()]
    assert len(cells) == 1 + 5 and not any(kind == "f" for row in cells for _, kind in row)


def test_geojson_of_no_frames_is_an_empty_collection():
    assert json.loads(exports.geojson_from_frames([])) == {"type": "FeatureCollection", "features": []}
