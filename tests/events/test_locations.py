"""Where the program finds its shipped data and its database (``dashboard/events/locations.py``)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.events import geo, locations
from dashboard.events.importers import seed_path
from dashboard.events.store import default_url, open_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_database_env(monkeypatch):
    monkeypatch.delenv(locations.DB_URL_ENV, raising=False)


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """A stand-in for the checkout the code runs from (pyproject.toml and data/), empty of databases."""
    root = tmp_path / "checkout"
    (root / "data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'conflict-monitor'\n")
    monkeypatch.setattr(locations, "_CHECKOUT", root)
    monkeypatch.setattr(locations, "_CHECKOUT_DATA", root / "data")
    return root


# --- shipped data ---------------------------------------------------------------------------------


def test_the_files_the_program_reads_are_shipped_data():
    root = locations.data_dir()
    for path in (seed_path(), geo.boundaries_path(), geo.gazetteer_path()):
        assert path.is_file() and path.is_relative_to(root)
    assert seed_path() == locations.data_file("seed", "events.csv")


def test_shipped_data_is_the_checkouts_data_folder():
    # Installed editable, or on sys.path from the checkout: either way the one copy in git.
    assert locations.data_dir().resolve() == (REPO / "data").resolve()
    assert "data" in locations.data_source()


def test_boundaries_override_still_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(geo.BOUNDARIES_ENV, str(tmp_path / "other.geojson"))
    assert geo.boundaries_path() == tmp_path / "other.geojson"


# --- the database -----------------------------------------------------------------------------------


def test_default_database_is_in_the_user_data_folder_not_the_source_tree(no_database_env, checkout, user_data_folder):
    where = locations.database_location()
    assert where.origin == "user data folder" and where.note == ""
    assert where.path == user_data_folder / "conflict-monitor" / "conflict_monitor.sqlite"
    assert default_url() == where.url
    assert not where.path.is_relative_to(REPO)


def test_opening_the_default_database_creates_it_in_the_user_data_folder(no_database_env, checkout):
    where = locations.database_location()
    assert not where.path.exists()
    store = open_store(seed=False)
    store.engine.dispose()
    assert where.path.is_file()
    assert not (checkout / "data" / "conflict_monitor.sqlite").exists()


def test_environment_and_db_option_override_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv(locations.DB_URL_ENV, f"sqlite:///{tmp_path / 'env.sqlite'}")
    assert locations.database_location() == locations.DatabaseLocation(
        f"sqlite:///{tmp_path / 'env.sqlite'}", "$CONFLICT_MONITOR_DB"
    )
    given = locations.database_location(f"sqlite:///{tmp_path / 'given.sqlite'}")
    assert given.origin == "--db" and given.path == tmp_path / "given.sqlite"


def test_a_password_is_never_shown():
    where = locations.database_location("postgresql+psycopg://analyst:s3cret@db.example/log")
    assert "s3cret" not in where.display and where.display.startswith("postgresql+psycopg://analyst:***@")
    assert where.path is None


def test_an_existing_checkout_database_is_used_with_a_note(no_database_env, checkout, user_data_folder):
    legacy = checkout / "data" / "conflict_monitor.sqlite"
    with closing(sqlite3.connect(legacy)):
        pass
    where = locations.database_location()
    assert where.origin == "checkout" and where.path == legacy
    assert str(legacy) in where.note and str(user_data_folder) in where.note and "CONFLICT_MONITOR_DB" in where.note


def test_a_sqlite_file_in_data_outside_a_checkout_is_not_taken(no_database_env, checkout):
    # An installed package has no pyproject.toml beside it: a stray file there is not "the checkout's".
    (checkout / "pyproject.toml").unlink()
    (checkout / "data" / "conflict_monitor.sqlite").write_bytes(b"")
    assert locations.database_location().origin == "user data folder"


# --- what the command line says -----------------------------------------------------------------------


def test_stats_prints_where_the_database_is(no_database_env, checkout, capsys, monkeypatch):
    monkeypatch.setattr(cli, "open_store", lambda url, **options: open_store(url, **options))
    assert cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"database: {locations.database_location().url}"
    assert cli.main(["stats", "--json"]) == 0
    assert f'"database": "{locations.database_location().url}"' in capsys.readouterr().out


def test_the_checkout_note_is_printed(no_database_env, checkout, capsys, monkeypatch):
    monkeypatch.setattr(cli, "open_store", lambda url, **options: open_store(url, **options))
    legacy = checkout / "data" / "conflict_monitor.sqlite"
    open_store(f"sqlite:///{legacy}", seed=False).engine.dispose()
    assert cli.main(["stats"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"note: using the database in the checkout, {legacy}")
    assert captured.out.splitlines()[0] == f"database: sqlite:///{legacy}"
