"""The conflict-monitor command, run in-process with ``main([...])`` and once as a console script.

The in-process runs open their store without the seed (so each database holds only
what the test imports); the console-script run gets a database that is already
populated, so it does not seed either.
"""

from __future__ import annotations

import csv
import functools
import json
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest

from dashboard import cli
from dashboard.events import schema
from dashboard.events.importers import import_file
from dashboard.events.store import open_store, utc_now

NATIVE = Path(__file__).resolve().parent / "fixtures" / "native"


@pytest.fixture(autouse=True)
def no_seed(monkeypatch):
    monkeypatch.setattr(cli, "open_store", functools.partial(open_store, seed=False))


@pytest.fixture
def db(make_url) -> str:
    """A new, empty database: SQLite file or PostgreSQL schema (the tests run on both back ends)."""
    return make_url("cli")


@pytest.fixture
def run(db, capsys):
    """``run(*args)`` -> (exit code, stdout, stderr) of ``conflict-monitor --db DB args``."""

    def call(*args: str | Path) -> tuple[int, str, str]:
        code = cli.main(["--db", db, *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def imported(run):
    code, _, _ = run("import", NATIVE / "events.csv", "--no-progress")
    assert code == 0
    return run


def stats(run) -> dict:
    code, out, _ = run("stats", "--json")
    assert code == 0
    return json.loads(out)


# --- import ---------------------------------------------------------------------------


def test_import_prints_a_summary(run):
    code, out, err = run("import", NATIVE / "events.csv", "--no-progress")
    assert code == 0 and err == ""
    assert out.strip() == ("events.csv: native (utf-8), 4 rows read, 4 valid, 0 invalid; 4 new, 0 revised, 0 unchanged")


def test_second_import_reports_zero_new(imported):
    code, out, _ = imported("import", NATIVE / "events.csv", "--no-progress")
    assert code == 0 and "0 new, 0 revised, 4 unchanged" in out
    assert stats(imported)["revisions"] == 4


def test_json_import(run):
    code, out, _ = run("import", NATIVE / "events.json", "--no-progress")
    assert code == 0 and "4 new" in out


def test_bad_file_exits_1_names_lines_and_changes_nothing(imported, tmp_path):
    before = stats(imported)
    bad = tmp_path / "bad.csv"
    shutil.copy(NATIVE / "some_invalid.csv", bad)
    code, out, err = imported("import", bad, "--no-progress")
    assert code == 1
    assert "bad.csv:3 column 'latitude': Input should be less than or equal to 90 (value: 135.2)" in err
    assert "bad.csv:4 column 'figure_best'" in err and "bad.csv:6 column 'figure_best': not a number" in err
    assert (
        f"nothing imported: fix the rows above or use --skip-invalid (database unchanged, revision token "
        f"{before['revision_token']})" in err
    )
    assert "nothing written" in out
    assert stats(imported) == before
    assert not (tmp_path / "bad.rejects.csv").exists()


def test_unreadable_file_exits_1(imported, tmp_path):
    before = stats(imported)
    cut = tmp_path / "cut.csv"
    text = (NATIVE / "events.csv").read_text(encoding="utf-8")
    cut.write_text(text[: text.index("Reuters |")], encoding="utf-8")  # inside N01's quoted sources cell
    code, _, err = imported("import", cut, "--no-progress")
    assert code == 1 and err.startswith("error: cut.csv:") and "a quoted cell is never closed" in err
    assert stats(imported) == before


def test_skip_invalid_imports_the_rest_and_writes_rejects(run, tmp_path):
    path = tmp_path / "some.csv"
    shutil.copy(NATIVE / "some_invalid.csv", path)
    code, out, err = run("import", path, "--skip-invalid", "--no-progress")
    assert code == 0
    assert "5 rows read, 2 valid, 3 invalid; 2 new" in out
    assert f"rejected rows written to {tmp_path / 'some.rejects.csv'}" in err
    assert (tmp_path / "some.rejects.csv").read_text(encoding="utf-8").count("\n") == 4
    assert stats(run)["events"] == 2


def test_an_existing_rejects_file_is_refused_before_anything_is_written_unless_force(run, tmp_path):
    path = tmp_path / "some.csv"
    shutil.copy(NATIVE / "some_invalid.csv", path)
    rejects = tmp_path / "some.rejects.csv"
    rejects.write_text("line,errors\n4,corrected by hand\n", encoding="utf-8")  # an analyst's work
    code, _, err = run("import", path, "--skip-invalid", "--no-progress")
    assert code == 1 and str(rejects) in err and "--force" in err
    assert rejects.read_text(encoding="utf-8") == "line,errors\n4,corrected by hand\n"
    assert stats(run)["events"] == 0  # refused before the import wrote anything
    code, out, _ = run("import", path, "--skip-invalid", "--no-progress", "--force")
    assert code == 0 and "2 new" in out and rejects.read_text(encoding="utf-8").count("\n") == 4


def test_header_only_file_warns_and_writes_nothing(imported, tmp_path):
    before = stats(imported)
    path = tmp_path / "header.csv"
    path.write_text("event_id,event_date,category,actor,claimant,sources\n")
    code, out, err = imported("import", path, "--no-progress")
    assert code == 0
    assert "warning: the file has a header but no data rows" in err and "nothing written" in out
    assert stats(imported) == before


def test_missing_file_and_directory_are_plain_errors(run, tmp_path):
    code, _, err = run("import", tmp_path / "nope.csv")
    assert code == 1 and err.startswith("error: ") and "No such file or directory" in err
    code, _, err = run("import", tmp_path)
    assert code == 1 and err.startswith("error: ") and "Is a directory" in err


def test_bad_database_url_is_a_plain_error(tmp_path, capsys):
    assert cli.main(["--db", "not a url", "stats"]) == 1
    assert capsys.readouterr().err.startswith("error: 'not a url' is not a database URL")
    not_db = tmp_path / "not.sqlite"
    not_db.write_text("hello\n" * 1000)
    assert cli.main(["--db", f"sqlite:///{not_db}", "stats"]) == 1
    assert capsys.readouterr().err == (
        f"error: the database {not_db} is damaged or not a Conflict Monitor database: restore it from a backup "
        "(conflict-monitor backup / dump) or point --db at the right file\n"
    )
    assert not_db.read_text() == "hello\n" * 1000


def test_database_url_from_the_environment(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CONFLICT_MONITOR_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    assert cli.main(["import", str(NATIVE / "events.csv"), "--no-progress"]) == 0
    capsys.readouterr()
    assert (tmp_path / "env.sqlite").exists()


def test_validate_reports_and_writes_nothing(imported):
    before = stats(imported)
    code, out, _ = imported("validate", NATIVE / "ambiguous_dates.csv")
    assert code == 1
    assert "ambiguous_dates.csv:2 column 'event_date': ambiguous date" in out
    assert out.strip().endswith("ambiguous_dates.csv: native (utf-8), 2 rows, 1 valid, 1 invalid")
    code, out, _ = imported("validate", NATIVE / "cp1251.csv")
    assert code == 0 and "cp1251.csv: native (cp1251), 2 rows, 2 valid, 0 invalid" in out
    assert stats(imported) == before


# --- export -----------------------------------------------------------------------------


def test_export_csv_with_filters(imported, tmp_path):
    out_path = tmp_path / "battles.csv"
    code, out, _ = imported(
        "export", "--format", "csv", "--out", out_path, "--category", "battle", "--category", "casualties"
    )
    assert code == 0 and out.strip() == f"2 events written to {out_path}"
    text = out_path.read_text(encoding="utf-8")
    assert text.startswith(
        ",".join([*schema.FIELD_NAMES, "grade", "originator", "relayed_by", "revision", "recorded_at"])
    )
    assert "N02," in text and "N04," in text and "N01," not in text


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--start", "2024-11-01", "--end", "2024-11-30"], ["N02"]),
        (["--text", "hwasong"], ["N03"]),
        (["--min-confidence", "high", "--country", "RUS"], ["N01", "N04"]),
        (["--admin1", "RU-KRS"], ["N02", "N04"]),
        (["--claimant", "Japan MoD"], ["N03"]),
    ],
)
def test_export_geojson_with_filters(imported, tmp_path, args, expected):
    out_path = tmp_path / "out.geojson"
    code, _, _ = imported("export", "--format", "geojson", "--out", out_path, *args)
    assert code == 0
    collection = json.loads(out_path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert sorted(f["properties"]["event_id"] for f in collection["features"]) == expected


def test_export_geojson_geometry(imported, tmp_path):
    out_path = tmp_path / "all.geojson"
    imported("export", "--format", "geojson", "--out", out_path)
    features = {f["properties"]["event_id"]: f for f in json.loads(out_path.read_text())["features"]}
    assert features["N02"]["geometry"] == {"type": "Point", "coordinates": [35.271, 51.192]}
    assert features["N01"]["geometry"] is None
    assert [s["outlet"] for s in features["N01"]["properties"]["sources"]] == ["Yonhap", "Reuters"]


def test_export_xlsx(imported, tmp_path):
    out_path = tmp_path / "events.xlsx"
    code, out, _ = imported("export", "--format", "xlsx", "--out", out_path, "--min-confidence", "high")
    assert code == 0 and out.startswith("3 events written")
    sheet = openpyxl.load_workbook(out_path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("event_id", "event_date") and len(rows) == 4
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_as_of(run, tmp_path):
    run("import", NATIVE / "events.csv", "--no-progress")
    between = utc_now()
    time.sleep(0.01)
    changed = tmp_path / "changed.csv"
    changed.write_text(
        (NATIVE / "events.csv").read_text(encoding="utf-8").replace(",1500,", ",1600,"), encoding="utf-8"
    )
    run("import", changed, "--no-progress")
    # One spelling for both reads: whole numbers as "1500", never "1500.0" (issue 17).
    for as_of, figure in ((between.isoformat(), "1500"), (None, "1600")):
        out_path = tmp_path / f"as_of_{figure}.csv"
        run(
            "export",
            "--format",
            "csv",
            "--out",
            out_path,
            *(["--as-of", as_of] if as_of else []),
            "--text",
            "special forces",
        )
        with out_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [(r["event_id"], r["figure_best"]) for r in rows] == [("N01", figure)]


def test_export_with_start_after_end_is_a_plain_error(imported, tmp_path):
    code, _, err = imported(
        "export", "--format", "csv", "--out", tmp_path / "x.csv", "--start", "2025-01-01", "--end", "2024-01-01"
    )
    assert code == 1 and "error: start 2025-01-01 is after end 2024-01-01" in err


# --- history, stats, schema ------------------------------------------------------------------


def test_history_lists_every_revision(imported, tmp_path):
    changed = tmp_path / "changed.csv"
    changed.write_text(
        (NATIVE / "events.csv").read_text(encoding="utf-8").replace(",1500,", ",1600,"), encoding="utf-8"
    )
    imported("import", changed, "--no-progress")
    code, out, _ = imported("history", "N01")
    assert code == 0
    lines = out.strip().splitlines()  # a change log: a line per revision, then its changed fields
    assert lines[0] == "N01: 2 revisions"
    assert "revision 1" in lines[1] and "added" in lines[1] and "imported from events.csv" in lines[1]
    assert "revision 2" in lines[2] and "revised" in lines[2] and "imported from changed.csv" in lines[2]
    assert lines[3:] == ["    Best estimate: 1,500 → 1,600"]
    code, _, err = imported("history", "NOPE")
    assert code == 1 and "error: no event with id 'NOPE'" in err


def test_stats_text_and_json(imported):
    code, out, _ = imported("stats")
    assert code == 0
    assert "events: 4 (revisions: 4)" in out and "dates: 2024-10-18 – 2025-01-12" in out
    assert "  battle: 1" in out and "  native: 4" in out
    data = stats(imported)
    assert data["events"] == 4 and data["by_category"] == {
        "battle": 1,
        "casualties": 1,
        "deployment": 1,
        "missile_test": 1,
    }


def test_schema_prints_the_dictionary_and_mappings(run):
    code, out, _ = run("schema")
    assert code == 0
    assert out.startswith("# Event record: data dictionary")
    for name in schema.FIELD_NAMES:
        assert f"`{name}`" in out
    assert "# Import mappings" in out and "## native" in out


# --- backup and restore ----------------------------------------------------------------------


@pytest.mark.sqlite_only  # the SQLite backup API and file copies
def test_backup_is_checked_and_restores_to_the_same_token(imported, tmp_path, capsys):
    copy = tmp_path / "backup" / "copy.sqlite"
    token = stats(imported)["revision_token"]
    code, out, _ = imported("backup", copy)
    assert code == 0
    assert f"backup written to {copy}" in out and "integrity check: ok" in out and f"revision token {token}" in out
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # The live database moves on; restoring is copying the backup back into place.
    imported("import", NATIVE / "excel_dates.csv", "--no-progress")
    assert stats(imported)["revision_token"] != token
    restored = tmp_path / "restored" / "cli.sqlite"
    restored.parent.mkdir()
    shutil.copy(copy, restored)
    assert cli.main(["--db", f"sqlite:///{restored}", "stats", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["revision_token"] == token and shown["events"] == 4
    store = open_store(f"sqlite:///{restored}", seed=False)
    try:
        assert sorted(store.current_events()["event_id"]) == ["N01", "N02", "N03", "N04"]
    finally:
        store.engine.dispose()


@pytest.mark.sqlite_only  # PostgreSQL users are referred to pg_dump (tests/events/test_postgres.py)
def test_backup_refuses_to_overwrite(imported, tmp_path):
    existing = tmp_path / "exists.sqlite"
    existing.write_text("keep me")
    code, _, err = imported("backup", existing)
    assert code == 1 and "exists; choose a new file name" in err
    assert existing.read_text() == "keep me"


# --- the installed console script -------------------------------------------------------------


def test_console_script(tmp_path, native_csv, record_data):
    exe = shutil.which("conflict-monitor")
    if exe is None:
        pytest.skip("the conflict-monitor script is not installed (pip install -e .)")
    url = f"sqlite:///{tmp_path / 'script.sqlite'}"
    store = open_store(url, seed=False)  # populated, so the command does not load the seed
    import_file(store, data=native_csv([record_data(event_id="P1")]).encode(), file_name="first.csv")
    store.engine.dispose()

    done = subprocess.run(
        [exe, "--db", url, "import", str(NATIVE / "events.csv")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "4 rows read, 4 valid, 0 invalid; 4 new" in done.stdout
    bad = subprocess.run(
        [exe, "--db", url, "import", str(NATIVE / "ambiguous_dates.csv")], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 1 and "ambiguous_dates.csv:2 column 'event_date'" in bad.stderr
    shown = subprocess.run([exe, "--db", url, "stats", "--json"], capture_output=True, text=True, timeout=120)
    assert json.loads(shown.stdout)["events"] == 5


# --- a large import ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_large_import_is_written_in_chunks_and_a_reimport_changes_nothing(
    run, tmp_path, write_large_csv, monkeypatch
):
    # Many write chunks (the store's are 50,000 rows; 4,000 here) and read chunks (1 MiB) in one import,
    # without the 100,000 rows this took before: its speed is measured in bench/, not here.
    monkeypatch.setattr("dashboard.events.store._WRITE_CHUNK", 4_000)
    rows = 20_000
    path = write_large_csv(tmp_path / "large.csv", rows)
    code, out, _ = run("import", path, "--no-progress")
    assert code == 0
    assert (
        out.strip() == f"large.csv: native (utf-8), {rows} rows read, {rows} valid, 0 invalid; "
        f"{rows} new, 0 revised, 0 unchanged"
    )
    code, out, _ = run("import", path, "--no-progress")
    assert code == 0 and f"0 new, 0 revised, {rows} unchanged" in out
    assert stats(run)["events"] == rows


# --- who did it, and where serve listens (tests/test_serve.py starts the real server) ------------


def test_import_and_history_record_the_user(run, monkeypatch):
    monkeypatch.setenv("CONFLICT_MONITOR_USER", "night-shift")
    code, _, _ = run("import", NATIVE / "events.csv", "--no-progress")
    assert code == 0
    code, out, _ = run("history", "N01")
    header, row = out.strip().splitlines()
    assert header == "N01: 1 revision" and "by night-shift" in row


def test_serve_listens_on_this_machine_unless_told(monkeypatch):
    parser = cli.build_parser()
    assert parser.parse_args(["serve"]).host == "127.0.0.1"
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--allow-anonymous-writes"])
    assert (args.host, args.allow_anonymous_writes) == ("0.0.0.0", True)
    calls = []
    monkeypatch.setattr(cli, "_serve", lambda url, port, **options: calls.append(options) or 0)
    assert cli.main([]) == 0  # plain `conflict-monitor`
    assert calls == [{"host": "127.0.0.1", "allow_anonymous_writes": False, "roles": None}]


def test_serve_refuses_a_broken_role_map_before_starting(tmp_path, capsys, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text('[users]\n"ana@example.org" = "editor"\n')
    monkeypatch.setattr(cli.os, "execvpe", lambda *a: pytest.fail("the server started with a broken role map"))
    assert cli.main(["serve", "--roles", str(roles)]) == 1
    err = capsys.readouterr().err
    assert f"error: {roles}: [users] 'ana@example.org': unknown role 'editor'" in err
