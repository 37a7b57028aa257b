"""dump / restore (issue 12): every revision and import batch, into an empty database on either back end.

The round trip SQLite -> PostgreSQL -> SQLite keeps the revision token, every event's history
and the as-of answers; restore refuses a database that holds anything and a damaged dump, and
writes nothing then.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import zipfile

import pandas as pd
import pytest

from dashboard import cli
from dashboard.events import archive
from dashboard.events.importers import import_file
from dashboard.events.store import StoreError, open_store


def build_log(store, make_record, native_csv, record_data) -> dt.datetime:
    """Two imports, a revision and a retraction; returns a moment between the first and the rest."""
    import_file(store, data=native_csv([record_data(event_id=f"A{i}") for i in range(3)]).encode(), file_name="a.csv")
    time.sleep(0.01)
    middle = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    time.sleep(0.01)
    store.revise("A0", {"figure_best": 11500.0, "description": "line one\r\nline two"}, reason="new estimate")
    store.retract("A1", reason="duplicate")
    second = import_file(
        store,
        data=native_csv(
            [
                record_data(event_id="A2", figure_low=0.1, figure_best=0.1 + 0.2, figure_high=1.0),
                record_data(event_id="B1"),
            ]
        ).encode(),
        file_name="b.csv",
    )
    assert second.written, second.error_lines()
    return middle


def answers(store, middle: dt.datetime) -> dict:
    return {
        "token": store.revision_token(),
        "current": store.current_events().drop(columns=[]).reset_index(drop=True),
        "as_of": store.current_events(as_of=middle).reset_index(drop=True),
        "history": {e: store.history(e).drop(columns=["row_id"]) for e in ("A0", "A1", "A2", "B1")},
        "row_ids": {e: store.history(e)["row_id"].tolist() for e in ("A0", "A1", "A2", "B1")},
        "batches": store.batches().reset_index(drop=True),
    }


def assert_same(a: dict, b: dict) -> None:
    assert a["token"] == b["token"]
    pd.testing.assert_frame_equal(a["current"], b["current"])
    pd.testing.assert_frame_equal(a["as_of"], b["as_of"])
    for event_id, frame in a["history"].items():
        pd.testing.assert_frame_equal(frame, b["history"][event_id])
    assert a["row_ids"] == b["row_ids"]
    pd.testing.assert_frame_equal(a["batches"], b["batches"], check_dtype=False)


def test_dump_and_restore_keep_history_and_token(make_store, make_record, native_csv, record_data, tmp_path):
    source = make_store("source")
    middle = build_log(source, make_record, native_csv, record_data)
    expected = answers(source, middle)
    done = archive.dump(source, tmp_path / "log.cmdump")
    assert (done.events, done.batches, done.revision_token) == (7, 2, expected["token"])

    target = make_store("target")
    restored = archive.restore(target, tmp_path / "log.cmdump")
    assert restored.revision_token == expected["token"]
    assert_same(answers(target, middle), expected)
    # The log goes on: new ids follow the restored ones (PostgreSQL's sequences were moved on).
    report = import_file(target, data=native_csv([record_data(event_id="C1")]).encode(), file_name="c.csv")
    assert report.new == 1 and report.batch_id == 3
    assert target.history("C1")["row_id"].tolist() == [8]


def test_the_dump_is_json_lines_with_a_checked_manifest(store, make_record, native_csv, record_data, tmp_path):
    build_log(store, make_record, native_csv, record_data)
    path = archive.dump(store, tmp_path / "log.cmdump").path
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        lines = zf.read("events.jsonl").decode().splitlines()
    assert manifest["revision_token"] == store.revision_token()
    assert manifest["members"]["events.jsonl"]["rows"] == len(lines) == 7
    first = json.loads(lines[0])
    assert first["row_id"] == 1 and first["event_id"] == "A0" and first["revision"] == 1
    assert [json.loads(line)["retracted"] for line in lines].count(True) == 1


def test_restore_refuses_a_database_that_holds_data(store, make_store, make_record, tmp_path, state):
    store.append([make_record(event_id="X1")])
    archive.dump(store, tmp_path / "log.cmdump")
    other = make_store("other")
    other.append([make_record(event_id="Y1")])
    before = state(other)
    with pytest.raises(StoreError, match="restore needs an empty database"):
        archive.restore(other, tmp_path / "log.cmdump")
    assert state(other) == before


def test_a_damaged_dump_is_refused_before_anything_is_written(store, make_store, make_record, tmp_path, state):
    store.append([make_record(event_id="X1"), make_record(event_id="X2")])
    path = archive.dump(store, tmp_path / "log.cmdump").path
    damaged = tmp_path / "damaged.cmdump"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "events.jsonl":
                data = data.replace(b'"X2"', b'"X3"')
            dst.writestr(item, data)
    target = make_store("target")
    before = state(target)
    with pytest.raises(StoreError, match="does not match its checksum"):
        archive.restore(target, damaged)
    assert state(target) == before
    (tmp_path / "junk.cmdump").write_text("not a zip")
    with pytest.raises(StoreError, match="not a dump made by"):
        archive.restore(target, tmp_path / "junk.cmdump")


@pytest.mark.timeout(300)
def test_sqlite_to_postgresql_to_sqlite_from_the_command_line(
    tmp_path, make_record, native_csv, record_data, pg_admin, capsys
):
    """The documented way to move a laptop log onto the team's server, and back."""
    import sqlalchemy as sa

    laptop = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    source = open_store(laptop, seed=False)
    middle = build_log(source, make_record, native_csv, record_data)
    expected = answers(source, middle)
    source.engine.dispose()

    schema_name = f"t_restore_{int(time.time() * 1000)}"
    with pg_admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema_name}"')
    server = (
        sa.make_url(pg_admin.url)
        .update_query_dict({"options": f"-csearch_path={schema_name}", "application_name": schema_name})
        .render_as_string(hide_password=False)
    )
    back = f"sqlite:///{tmp_path / 'back.sqlite'}"
    try:
        assert cli.main(["dump", str(tmp_path / "one.cmdump"), "--db", laptop]) == 0
        assert cli.main(["restore", str(tmp_path / "one.cmdump"), "--db", server]) == 0
        on_server = open_store(server, seed=False)
        assert_same(answers(on_server, middle), expected)
        on_server.engine.dispose()
        assert cli.main(["--db", server, "dump", str(tmp_path / "two.cmdump")]) == 0
        assert cli.main(["--db", back, "restore", str(tmp_path / "two.cmdump")]) == 0
        out = capsys.readouterr().out
        assert f"revision token {expected['token']}" in out.splitlines()[-1]
        again = open_store(back, seed=False)
        assert_same(answers(again, middle), expected)
        again.engine.dispose()
        # Restoring onto a database that now holds the log is refused, exit 1, one line.
        assert cli.main(["--db", server, "restore", str(tmp_path / "one.cmdump")]) == 1
        assert "restore needs an empty database" in capsys.readouterr().err
    finally:
        with pg_admin.begin() as conn:
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": schema_name},
            )
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')


def test_dump_refuses_an_existing_file_and_the_database(store, tmp_path, make_record):
    store.append([make_record(event_id="X1")])
    (tmp_path / "taken.cmdump").write_text("keep")
    from dashboard.events.safe_write import UnsafeWriteError

    with pytest.raises(UnsafeWriteError, match="exists"):
        archive.dump(store, tmp_path / "taken.cmdump")
    assert (tmp_path / "taken.cmdump").read_text() == "keep"
    archive.dump(store, tmp_path / "taken.cmdump", force=True)
    assert zipfile.is_zipfile(tmp_path / "taken.cmdump")
