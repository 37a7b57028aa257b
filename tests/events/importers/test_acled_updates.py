"""ACLED as a living dataset: newer exports revise only what changed, older ones undo nothing, deletions retract."""

from __future__ import annotations

import json

import pytest

from dashboard.events.importers import import_file, parse_bytes
from tests.events.importers.conftest import edited_csv, read_fixture

LAYOUTS = {"export_tool": ("acled_export_tool.csv", "UKR12345"), "api": ("acled_api.csv", "UKR12345A")}
LATER = "1700000000"  # 2023-11-14, after every timestamp in the fixtures
EARLIER = "1600000000"  # 2020-09-13, before them


@pytest.fixture(params=list(LAYOUTS))
def layout(request):
    return request.param


def _imported(store, layout):
    name, _ = LAYOUTS[layout]
    first = import_file(store, data=read_fixture(name), file_name=name)
    assert first.written and first.errors == []
    return name, first.new


def test_a_newer_export_revises_only_the_changed_events(store, layout):
    name, count = _imported(store, layout)
    changed_id = LAYOUTS[layout][1]
    newer = edited_csv(read_fixture(name), {(0, "fatalities"): "15", (0, "timestamp"): LATER})
    report = import_file(store, data=newer, file_name=name)
    assert (report.new, report.revised, report.unchanged, report.older) == (0, 1, count - 1, 0)
    history = store.history(f"acled:{changed_id}")
    assert history["figure_low"].tolist() == [12, 15]
    assert history["sources"].map(lambda s: json.loads(s)[0]["date"]).tolist()[-1] == "2023-11-14"


def test_an_older_export_after_a_newer_one_undoes_nothing(store, layout):
    name, count = _imported(store, layout)
    changed_id = LAYOUTS[layout][1]
    import_file(
        store, data=edited_csv(read_fixture(name), {(0, "fatalities"): "15", (0, "timestamp"): LATER}), file_name=name
    )
    token = store.revision_token().split(".")[0]
    stale = edited_csv(read_fixture(name), {(0, "fatalities"): "3", (0, "timestamp"): EARLIER})
    report = import_file(store, data=stale, file_name=name)
    assert report.written and (report.revised, report.older) == (0, 1)
    assert any("older than the version the log holds" in warning for warning in report.warnings)
    assert store.history(f"acled:{changed_id}")["figure_low"].tolist() == [12, 15]
    assert store.revision_token().split(".")[0] == token  # no row written
    assert "1 older than the log's version" in report.summary()


def test_same_timestamp_same_content_is_unchanged(store, layout):
    name, count = _imported(store, layout)
    again = import_file(store, data=read_fixture(name), file_name=name)
    assert (again.new, again.revised, again.unchanged, again.older) == (0, 0, count, 0)


def _deletions_csv(rows: list[tuple[str, str]]) -> bytes:
    return ("event_id_cnty,deleted_timestamp\r\n" + "".join(f"{i},{t}\r\n" for i, t in rows)).encode()


def _deletions_api_json(rows: list[tuple[str, str]]) -> bytes:
    data = [{"event_id_cnty": i, "deleted_timestamp": t} for i, t in rows]
    return json.dumps({"status": 200, "success": True, "count": len(data), "data": data}).encode()


@pytest.mark.parametrize("spelling", [_deletions_csv, _deletions_api_json], ids=["csv", "api_json"])
def test_a_deletions_file_retracts_with_the_deletion_time(store, layout, spelling):
    name, count = _imported(store, layout)
    deleted = LAYOUTS[layout][1]
    data = spelling([(deleted, LATER), ("SYR999", LATER)])
    report = import_file(store, data=data, file_name="deleted.csv")
    assert report.format == "acled_deletions" and report.written and report.errors == []
    assert (report.revised, report.unchanged) == (1, 0)
    assert report.warnings == ["1 deleted event(s) are not in the log: acled:SYR999"]
    assert f"acled:{deleted}" not in set(store.current_events()["event_id"])
    history = store.history(f"acled:{deleted}")
    assert history["retracted"].tolist() == [False, True]
    assert history["reason"].iloc[-1] == f"deleted by ACLED on 2023-11-14 22:13:20 UTC (deleted_timestamp {LATER})"
    assert len(store.current_events()) == count - 1
    # The same deletions again: nothing more to retract.
    again = import_file(store, data=data, file_name="deleted.csv")
    assert (again.revised, again.unchanged) == (0, 1)
    assert "1 retracted" not in again.summary() and "0 retracted, 1 unchanged" in again.summary()


def test_a_bad_deletion_row_is_named_and_nothing_is_retracted(store, layout):
    name, _ = _imported(store, layout)
    deleted = LAYOUTS[layout][1]
    token = store.revision_token()
    bad = _deletions_csv([(deleted, LATER), ("", LATER), ("X1", "soon")])
    report = import_file(store, data=bad, file_name="deleted.csv")
    assert not report.written and store.revision_token() == token
    described = report.error_lines()
    assert len(described) == 2
    assert "3 column 'event_id_cnty': event_id_cnty must not be empty" in described[0]
    assert "4 column 'deleted_timestamp': deleted_timestamp must be Unix seconds" in described[1]


def test_deletions_validate_without_writing():
    parsed = parse_bytes(_deletions_csv([("UKR1", "2024-02-01"), ("UKR2", LATER)]), "deleted.csv")
    assert parsed.report.format == "acled_deletions" and parsed.report.accepted == 2
    assert parsed.preview(5)["reason"].tolist()[0] == "deleted by ACLED on 2024-02-01 (deleted_timestamp 2024-02-01)"
