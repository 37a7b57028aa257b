"""Readers and writers in separate processes on one SQLite log (WAL, BEGIN IMMEDIATE).

While one process imports, another keeps reading the current view and the revision
token: neither side sees an error, the reader only ever sees the log before or after
the whole batch (never part of it, never a duplicate), and it sees the new token
once the import is done. Two processes importing the same file at once add its
events once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dashboard.events.importers import import_file
from dashboard.events.store import open_store

pytestmark = pytest.mark.slow

ROWS = 15_000

READER = textwrap.dedent("""
    import json, sys, time, traceback
    from pathlib import Path
    from dashboard.events.store import open_store

    url, stop, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    store = open_store(url, seed=False)
    seen, errors, tokens = [], [], []
    Path(str(out) + ".ready").touch()
    while True:
        stopping = stop.exists()
        try:
            # Token, frame, token: separate transactions, so a pair only counts when no
            # commit fell between them (the dashboard keys its cache the same way).
            token = store.revision_token()
            frame = store.current_events(columns=("event_id", "revision"))
            if store.revision_token() == token:
                seen.append([len(frame), int(frame["event_id"].duplicated().sum()), token])
            tokens.append(token)
        except Exception:
            errors.append(traceback.format_exc())
        if stopping:
            break
        time.sleep(0.01)
    out.write_text(json.dumps({"seen": seen, "errors": errors, "last_token": tokens[-1] if tokens else None}))
""")

WRITER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from dashboard.events.store import open_store
    from dashboard.events.importers import import_file

    url, path, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    report = import_file(open_store(url, seed=False), path)
    out.write_text(json.dumps({"written": report.written, "new": report.new, "unchanged": report.unchanged,
                               "errors": len(report.errors)}))
""")


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_queries_during_an_import_see_before_or_after_never_part(tmp_path, native_csv, record_data, write_large_csv):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    store = open_store(url, seed=False)
    import_file(
        store, data=native_csv([record_data(event_id=f"P{i}") for i in range(50)]).encode(), file_name="first.csv"
    )
    before = len(store.current_events())
    big = write_large_csv(tmp_path / "big.csv", ROWS)

    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, url, str(stop), str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(Path(str(out) + ".ready"), reader)
        report = import_file(store, big)  # the writer: this process
        final_token = store.revision_token()
        time.sleep(0.3)  # let the reader look again after the commit
        stop.touch()
        stdout, stderr = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, stderr.decode()

    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert report.written and report.new == ROWS and report.errors == []
    sizes = {size for size, _, _ in result["seen"]}
    assert sizes <= {before, before + ROWS}, sizes  # all or nothing, as seen from outside
    assert before + ROWS in sizes
    assert all(duplicates == 0 for _, duplicates, _ in result["seen"])
    assert len(result["seen"]) >= 5
    assert result["last_token"] == final_token
    # a size and its token always belong together
    by_token = {}
    for size, _, token in result["seen"]:
        assert by_token.setdefault(token, size) == size
    assert len(store.current_events()) == before + ROWS
    store.engine.dispose()


def test_two_processes_importing_the_same_file_add_it_once(tmp_path, native_csv, record_data, write_large_csv):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    store = open_store(url, seed=False)
    import_file(store, data=native_csv([record_data(event_id="P0")]).encode(), file_name="first.csv")
    big = write_large_csv(tmp_path / "big.csv", 5_000, prefix="W")
    outs = [tmp_path / f"writer{i}.json" for i in range(2)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(big), str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for out in outs
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr.decode()
    results = [json.loads(out.read_text()) for out in outs]
    assert all(r["written"] and r["errors"] == 0 for r in results)
    assert sorted(r["new"] for r in results) == [0, 5_000]
    assert sorted(r["unchanged"] for r in results) == [0, 5_000]
    events = store.current_events()
    assert len(events) == 5_001 and not events["event_id"].duplicated().any()
    assert set(store.history("W000042")["revision"]) == {1}
    store.engine.dispose()


def test_a_write_during_a_backup_does_not_spoil_it(tmp_path, monkeypatch, make_record):
    """The token and the copy come from one snapshot, so a write landing in between is in neither."""
    import sqlite3 as real_sqlite3
    import types

    from dashboard.events import backup

    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    store, other = open_store(url, seed=False), open_store(url, seed=False)
    store.append([make_record(event_id="E1")])
    token = store.revision_token()
    target = tmp_path / "copy.sqlite"

    def connect(path, *args, **kwargs):
        # The backup has begun (it copies into a temporary file beside the target): another writer commits now.
        if Path(path).parent == target.parent and Path(path).name.startswith(f".{target.name}."):
            other.append([make_record(event_id="E2")])
        return real_sqlite3.connect(path, *args, **kwargs)

    monkeypatch.setattr(backup, "sqlite3", types.SimpleNamespace(connect=connect))
    result = backup.backup_database(store, target)
    assert result.integrity == "ok" and result.revision_token == token
    assert store.revision_token() != token  # the live log has E2
    copy = open_store(f"sqlite:///{target}", seed=False)
    assert copy.current_events()["event_id"].tolist() == ["E1"]
    for opened in (store, other, copy):
        opened.engine.dispose()
