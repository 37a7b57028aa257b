"""Ordinary oddities get messages that name the file, line, column and the fix."""

from __future__ import annotations

import csv

import pytest

from dashboard import cli
from dashboard.events.importers import ImportFileError, import_file, parse_bytes


def _with_trailing_commas(text: str, *, header: bool = True) -> str:
    lines = text.splitlines()
    return "\r\n".join(line + "," if (header or number) else line for number, line in enumerate(lines)) + "\r\n"


def test_trailing_commas_name_the_empty_column_and_the_fix(native_csv, record_data):
    text = _with_trailing_commas(native_csv([record_data(event_id="C1"), record_data(event_id="C2")]))
    with pytest.raises(ImportFileError) as caught:
        parse_bytes(text.encode(), "commas.csv")
    message = str(caught.value)
    assert message.startswith("commas.csv:1: column ")
    assert "has no name: the lines end with a trailing ','" in message
    assert "Remove the trailing ',' from the end of every line" in message
    header = text.splitlines()[0].split(",")
    assert f"column {len(header)} of the header (after {header[-2]!r})" in message


def test_the_cli_says_so_and_writes_nothing(native_csv, record_data, tmp_path, capsys):
    path = tmp_path / "commas.csv"
    path.write_text(_with_trailing_commas(native_csv([record_data(event_id="C1")])), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    assert cli.main(["--db", url, "import", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "trailing ','" in err and "0 valid" not in err


def test_a_trailing_comma_on_data_lines_only_is_named_per_row(native_csv, record_data):
    text = _with_trailing_commas(native_csv([record_data(event_id="C1")]), header=False)
    [error] = parse_bytes(text.encode(), "rows.csv").report.errors
    assert error.line == 2 and "the line ends with a trailing ',': remove it" in error.rule


def test_an_unnamed_column_in_the_middle_is_named(native_csv, record_data):
    lines = native_csv([record_data(event_id="C1")]).splitlines()
    lines = [lines[0].replace(",category,", ",,category,", 1), lines[1].replace(",deployment,", ",,deployment,", 1)]
    with pytest.raises(ImportFileError, match=r"m.csv:1: column \d+ of the header \(after 'event_date'\)"):
        parse_bytes("\n".join(lines).encode(), "m.csv")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom_are_detected(native_csv, record_data, encoding):
    text = native_csv([record_data(event_id="U1", location="Курск", description="Суджа, «Курская область»")])
    parsed = parse_bytes(text.encode(encoding), "wide.csv")
    assert parsed.report.errors == [] and parsed.report.encoding == encoding
    [record] = parsed.accepted_records()
    assert (record.location, record.description) == ("Курск", "Суджа, «Курская область»")


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16"])
def test_utf16_and_utf32_with_a_bom(native_csv, record_data, encoding):
    text = native_csv([record_data(event_id="U2", location="Курск")])
    parsed = parse_bytes(text.encode(encoding), "bom.csv")  # Python writes the BOM for these codecs
    assert parsed.report.errors == [] and parsed.report.encoding == encoding
    assert parsed.accepted_records()[0].location == "Курск"


def test_a_corrected_rejects_file_imports(store, native_csv, record_data, tmp_path):
    path = tmp_path / "some.csv"
    path.write_text(
        native_csv(
            [
                record_data(event_id="R1"),
                record_data(event_id="R2", figure_low=-5, figure_best=-5, figure_high=None),
                record_data(event_id="R3", description="=1+1", latitude=-95.5),
            ]
        ),
        encoding="utf-8",
    )
    report = import_file(store, path, skip_invalid=True)
    assert report.written and report.new == 1
    with report.rejects_path.open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    # Numbers stay numbers (a negative one is no formula); formula text keeps the guard.
    assert (rejects[0]["figure_low"], rejects[0]["figure_best"]) == ("-5", "-5")
    assert rejects[1]["latitude"] == "-95.5" and rejects[1]["description"] == "'=1+1"
    rejects[0].update(figure_low="5", figure_best="5")
    rejects[1].update(latitude="51.5", description="fixed")
    with report.rejects_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rejects[0]))
        writer.writeheader()
        writer.writerows(rejects)
    again = import_file(store, report.rejects_path)
    assert again.errors == [] and again.written and again.new == 2
    assert sorted(store.current_events()["event_id"]) == ["R1", "R2", "R3"]
