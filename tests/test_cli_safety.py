"""Issue 12 from the command line: nothing a user types destroys data.

Safe outputs (export, backup, dump), ``--db`` checks, global options on either side of the
subcommand, and database failures (locked, read-only, disk full, damaged, unreachable) as
one-line messages with exit 1 and the database unchanged. Each failure is provoked for real:
a write lock held by another connection, a read-only database (SQLite's ``?mode=ro`` and a
read-only tmpfs mount), a tmpfs filled to the last byte, a file that is not a database, and a
PostgreSQL URL on a port nobody listens on.
"""

from __future__ import annotations

import functools
import json
import shutil
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from safety_support import fill, listing, read_only_view, small_mount

from dashboard import cli
from dashboard.events.store import open_store

NATIVE = Path(__file__).resolve().parent / "fixtures" / "native"


@pytest.fixture(autouse=True)
def no_seed(monkeypatch):
    monkeypatch.setattr(cli, "open_store", functools.partial(open_store, seed=False))


def main(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def sqlite_state(path: Path) -> tuple[int, int, bytes]:
    """(event rows, batch rows, the file's bytes after a checkpoint): what "unchanged" compares."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = conn.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM import_batches)").fetchone()
    return (*counts, path.read_bytes())


@pytest.fixture
def live(tmp_path, capsys) -> Path:
    """A SQLite log holding the four fixture events."""
    db = tmp_path / "log.sqlite"
    code, _, err = main(capsys, "--db", f"sqlite:///{db}", "import", NATIVE / "events.csv", "--no-progress")
    assert code == 0, err
    return db


# --- safe outputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_export_onto_the_live_database_is_refused(live, tmp_path, capsys, monkeypatch, fmt):
    before = sqlite_state(live)
    url = f"sqlite:///{live}"
    (tmp_path / "link.csv").symlink_to(live)
    monkeypatch.chdir(tmp_path)
    for out in (live, "log.sqlite", tmp_path / "log.sqlite-wal", tmp_path / "link.csv"):
        code, stdout, err = main(capsys, "--db", url, "export", "--format", fmt, "--out", out, "--force")
        assert code == 1 and stdout == ""
        assert "it is the database in use" in one_line_error(err)
    assert sqlite_state(live) == before


def test_export_refuses_an_existing_file_unless_forced(live, tmp_path, capsys):
    url = f"sqlite:///{live}"
    out = tmp_path / "kursk.csv"
    out.write_text("an analyst's notes")
    code, _, err = main(capsys, "--db", url, "export", "--format", "csv", "--out", out)
    assert code == 1 and f"{out} exists; choose a new file name or use --force" in one_line_error(err)
    assert out.read_text() == "an analyst's notes"
    code, stdout, _ = main(capsys, "export", "--format", "csv", "--out", out, "--force", "--db", url)
    assert code == 0 and stdout == f"4 events written to {out}\n"
    assert out.read_text(encoding="utf-8").startswith("event_id,")


@pytest.mark.timeout(120)
def test_export_and_backup_on_a_full_disk_leave_no_file(live, tmp_path, capsys):
    url = f"sqlite:///{live}"
    with small_mount(tmp_path / "small", "256k") as folder:
        fill(folder)
        for command in (["export", "--format", "csv", "--out", folder / "out.csv"], ["backup", folder / "b.sqlite"]):
            code, _, err = main(capsys, "--db", url, *command)
            assert code == 1 and one_line_error(err).startswith(f"error: disk full: {folder}/")
            assert listing(folder) == ["filler.bin"]  # no partial, no 0-byte file to block the next try
        (folder / "filler.bin").unlink()
        code, stdout, err = main(capsys, "--db", url, "backup", folder / "b.sqlite")
        assert code == 0 and "integrity check: ok" in stdout, err


def test_backup_replaces_only_with_force_and_never_the_database(live, tmp_path, capsys):
    url = f"sqlite:///{live}"
    copy = tmp_path / "copy.sqlite"
    assert main(capsys, "--db", url, "backup", copy)[0] == 0
    code, _, err = main(capsys, "--db", url, "backup", copy)
    assert code == 1 and "exists" in one_line_error(err)
    assert main(capsys, "--db", url, "backup", copy, "--force")[0] == 0
    code, _, err = main(capsys, "--db", url, "backup", live, "--force")
    assert code == 1 and "it is the database in use" in one_line_error(err)
    assert sqlite_state(live)[:2] == (4, 1)
    assert [n for n in listing(tmp_path) if n.endswith(".partial")] == []


# --- --db checks and global options ---------------------------------------------------------------


def test_one_slash_too_few_is_an_error_with_the_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "data" / "log.sqlite"
    (tmp_path / "data").mkdir()
    typed = f"sqlite://{absolute}"  # sqlite:// + /tmp/... = three slashes: a relative path
    code, _, err = main(capsys, "--db", typed, "import", NATIVE / "events.csv", "--no-progress")
    assert code == 1
    assert f"write four slashes, sqlite:///{absolute}" in one_line_error(err)
    assert listing(tmp_path) == ["data"]  # nothing made under the current folder


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the database URL is empty"),
        ("  ", "the database URL is empty"),
        ("sqlite://", "is an in-memory database"),
        ("sqlite:///:memory:", "is an in-memory database"),
        ("sqlite:///file:x?mode=memory&uri=true", "is an in-memory database"),
        ("mysql://user@host/db", "unsupported database scheme 'mysql'"),
        ("log.sqlite", "is not a database URL"),
    ],
)
def test_bad_db_values_are_errors(tmp_path, capsys, monkeypatch, url, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONFLICT_MONITOR_DB", raising=False)
    code, stdout, err = main(capsys, "--db", url, "import", NATIVE / "events.csv", "--no-progress")
    assert code == 1 and stdout == "" and message in one_line_error(err)
    assert listing(tmp_path) == []


def test_a_bad_url_in_the_environment_is_an_error_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONFLICT_MONITOR_DB", "sqlite://")
    code, _, err = main(capsys, "stats")
    assert code == 1 and "in-memory" in one_line_error(err)


def test_global_options_go_before_or_after_the_subcommand(make_url, capsys):
    url = make_url("either")
    assert main(capsys, "import", NATIVE / "events.csv", "--no-progress", "--db", url)[0] == 0
    before = main(capsys, "--db", url, "stats", "--json")
    after = main(capsys, "stats", "--json", "--db", url)
    assert before[0] == after[0] == 0 and json.loads(before[1]) == json.loads(after[1])
    assert json.loads(after[1])["events"] == 4


# --- database failures as messages -----------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_held_lock_is_a_message_with_the_timeout(live, capsys):
    before = sqlite_state(live)
    holder = sqlite3.connect(live, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program's write transaction
    try:
        code, _, err = main(
            capsys, "--db", f"sqlite:///{live}?timeout=0.2", "import", NATIVE / "excel_dates.csv", "--no-progress"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    line = one_line_error(err)
    assert "is locked" in line and "0.2 s" in line and "let it finish and try again" in line
    assert sqlite_state(live) == before


def test_a_read_only_database_is_a_message(live, capsys):
    before = sqlite_state(live)
    url = f"sqlite:///file:{live}?mode=ro&uri=true"  # SQLite's own read-only mode (root ignores chmod)
    code, _, err = main(capsys, "--db", url, "import", NATIVE / "excel_dates.csv", "--no-progress")
    assert code == 1 and "is read-only" in one_line_error(err) and "nothing was written" in err
    assert sqlite_state(live) == before


@pytest.mark.timeout(60)
def test_a_database_on_a_read_only_mount_is_a_message(live, tmp_path, capsys):
    before = sqlite_state(live)
    with read_only_view(live.parent, tmp_path.parent / f"{tmp_path.name}-ro") as view:
        code, _, err = main(
            capsys, "--db", f"sqlite:///{view / live.name}", "import", NATIVE / "excel_dates.csv", "--no-progress"
        )
        assert code == 1 and "is read-only" in one_line_error(err)
    assert sqlite_state(live) == before


@pytest.mark.timeout(120)
def test_a_full_disk_under_the_database_is_a_message(tmp_path, capsys, write_large_csv):
    big = write_large_csv(tmp_path / "big.csv", 3000)
    with small_mount(tmp_path / "full", "1m") as folder:
        db = folder / "log.sqlite"
        url = f"sqlite:///{db}"
        assert main(capsys, "--db", url, "import", NATIVE / "events.csv", "--no-progress")[0] == 0
        before = sqlite_state(db)
        fill(folder)
        code, _, err = main(capsys, "--db", url, "import", big, "--no-progress")
        assert code == 1 and one_line_error(err).startswith(f"error: disk full: the database {db} could not grow")
        (folder / "filler.bin").unlink()
        assert sqlite_state(db) == before
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_damaged_file_is_a_message_and_is_left_alone(tmp_path, capsys):
    damaged = tmp_path / "log.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    code, _, err = main(capsys, "--db", f"sqlite:///{damaged}", "stats")
    assert code == 1 and "is damaged or not a Conflict Monitor database" in one_line_error(err)
    assert damaged.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 5000


def test_an_unreachable_postgresql_server_is_a_message(capsys):
    pytest.importorskip("psycopg")
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://analyst:secret@127.0.0.1:{port}/log"
    code, _, err = main(capsys, "--db", url, "stats")
    line = one_line_error(err)
    assert code == 1 and "cannot reach the database server" in line and f"127.0.0.1:{port}" in line
    assert "secret" not in line


def test_the_console_script_prints_one_line_not_a_traceback(tmp_path):
    exe = shutil.which("conflict-monitor")
    if exe is None:
        pytest.skip("the conflict-monitor script is not installed (pip install -e .)")
    import subprocess

    done = subprocess.run([exe, "stats", "--db", "sqlite://"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "in-memory" in done.stderr


@pytest.mark.sqlite_only
def test_a_read_only_uri_makes_no_folder_in_the_current_directory(tmp_path, monkeypatch):
    """``sqlite:///file:PATH?mode=ro&uri=true`` names an existing file; opening it must not create ``./file:/``."""
    from dashboard.events.store import create_engine_for

    live = tmp_path / "live.sqlite"
    open_store(f"sqlite:///{live}").engine.dispose()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    create_engine_for(f"sqlite:///file:{live}?mode=ro&uri=true").dispose()
    assert list(elsewhere.iterdir()) == []
