"""An import killed half-way leaves the log whole: the batch is in it entirely or not at all.

A subprocess imports a large native CSV through the CLI and is killed with SIGKILL
while it writes (once SQLite's write-ahead log starts to grow). The database must
then pass ``PRAGMA integrity_check``, open as a store, and hold exactly the rows it
held before or those plus the whole file; importing the file again completes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from dashboard.events.importers import import_file
from dashboard.events.store import open_store

ROWS = 60_000

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")]


def counts(db: Path) -> dict[str, object]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
            "heads": conn.execute("SELECT count(*) FROM event_heads").fetchone()[0],
            "ids": conn.execute("SELECT count(DISTINCT event_id) FROM events").fetchone()[0],
            "batches": conn.execute("SELECT count(*) FROM import_batches").fetchone()[0],
        }


def test_sigkill_during_import_leaves_all_or_nothing(tmp_path, native_csv, record_data, write_large_csv):
    db = tmp_path / "log.sqlite"
    url = f"sqlite:///{db}"
    store = open_store(url, seed=False)
    import_file(
        store, data=native_csv([record_data(event_id=f"P{i}") for i in range(5)]).encode(), file_name="first.csv"
    )
    token_before = store.revision_token()
    store.engine.dispose()
    before = counts(db)
    big = write_large_csv(tmp_path / "big.csv", ROWS)
    wal = Path(f"{db}-wal")

    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "--db", url, "import", str(big), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > 1_000_000:  # the write transaction is spilling pages
            break
        time.sleep(0.005)
    assert process.poll() is None, f"the import ended before it could be killed: {process.communicate()}"
    wal_at_kill = wal.stat().st_size
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert wal_at_kill > 1_000_000

    after = counts(db)
    assert after["integrity"] == "ok"
    assert after["events"] in (before["events"], before["events"] + ROWS)
    assert after["heads"] == after["ids"] == after["events"]  # one revision per event, heads in step
    assert after["batches"] in (before["batches"], before["batches"] + 1)
    # killed mid-write, the batch is not in the log (WAL frames of an uncommitted transaction are ignored)
    assert (after["events"] == before["events"]) == (after["batches"] == before["batches"])

    reopened = open_store(url, seed=False)
    try:
        if after["events"] == before["events"]:
            assert reopened.revision_token() == token_before
        report = import_file(reopened, big)
        assert report.written and report.new + report.unchanged == ROWS
        assert counts(db)["events"] == before["events"] + ROWS
        assert counts(db)["integrity"] == "ok"
    finally:
        reopened.engine.dispose()
