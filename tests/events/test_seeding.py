"""Seeding is explicit: opening never seeds; `seed` is idempotent; read-only commands never create a database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli
from dashboard.events import locations
from dashboard.events import store as store_module
from dashboard.events.importers import seed_path, seed_store
from dashboard.events.store import DB_URL_ENV, StoreError, open_store

EVENTS_PACKAGE = Path(store_module.__file__).resolve().parent
APP = EVENTS_PACKAGE.parent / "app.py"


def test_open_store_leaves_a_new_database_empty(make_store):
    store = make_store("fresh")
    assert store.is_empty() and store.batches().empty


def test_seed_store_is_idempotent(make_store):
    store = make_store("seeded")
    first = seed_store(store)
    assert first is not None and first.written and first.new > 100
    token = store.revision_token()
    assert seed_store(store) is None
    assert store.revision_token() == token and len(store.batches()) == 1


def test_open_store_refuses_to_seed():
    with pytest.raises(TypeError, match="seed_store"):
        open_store("sqlite://", seed=True)


@pytest.mark.parametrize(
    "args",
    [["stats"], ["history", "D08"], ["export", "--format", "csv", "--out", "OUT"], ["backup", "OUT"]],
    ids=["stats", "history", "export", "backup"],
)
def test_read_only_commands_never_create_a_database(tmp_path, capsys, args):
    # A missing file in an existing folder (a missing folder is refused earlier, by the URL check).
    missing = tmp_path / "ucdp-typo.sqlite"
    args = [str(tmp_path / "out.file") if a == "OUT" else a for a in args]
    assert cli.main(["--db", f"sqlite:///{missing}", *args]) == 1
    err = capsys.readouterr().err
    assert f"no database at {missing}" in err and "seed" in err
    assert not missing.exists()


def test_import_into_a_new_database_adds_no_seed(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'ucdp.sqlite'}"
    ged = Path(__file__).resolve().parents[1] / "fixtures" / "ucdp_ged.csv"
    assert cli.main(["--db", url, "import", str(ged), "--no-progress"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", url, "stats", "--json"]) == 0
    assert '"by_origin": {\n    "ucdp": 5\n  }' in capsys.readouterr().out


def test_seed_command_seeds_once(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    assert cli.main(["--db", url, "seed"]) == 0
    first = capsys.readouterr().out
    assert "new" in first and seed_path().name in first
    assert cli.main(["--db", url, "seed"]) == 0
    assert "loaded already" in capsys.readouterr().out
    store = open_store(url, create=False)
    assert len(store.batches()) == 1 and set(store.current_events()["origin"]) == {"seed"}
    store.engine.dispose()


def test_a_missing_database_for_a_read_only_open_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="no database at"):
        open_store(f"sqlite:///{tmp_path / 'nope.sqlite'}", create=False)


def test_the_dashboard_seeds_the_default_database_on_first_start(tmp_path, monkeypatch):
    default = tmp_path / locations.DB_FILE_NAME
    monkeypatch.setattr(locations, "user_data_dir", lambda: tmp_path)
    monkeypatch.setattr(locations, "checkout_db_path", lambda: None)
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    store = open_store(f"sqlite:///{default}", create=False)
    assert store.stats()["by_origin"].get("seed", 0) > 100
    store.engine.dispose()


def test_an_empty_other_database_offers_a_seed_button(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    monkeypatch.setenv(DB_URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    store = open_store(url, create=False)
    assert store.is_empty()  # not seeded just by opening the dashboard
    at.button(key="seed-log").click().run()
    assert not at.exception
    assert store.stats()["by_origin"].get("seed", 0) > 100
    store.engine.dispose()


def test_no_function_level_imports_of_the_package_in_the_data_layer():
    """A cycle hidden by a function-level import is still a cycle: events/ imports at module level only."""
    offenders = []
    for path in EVENTS_PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("dashboard"):
                        offenders.append(f"{path.relative_to(EVENTS_PACKAGE)}:{inner.lineno} {inner.module}")
                    if isinstance(inner, ast.Import) and any(a.name.startswith("dashboard") for a in inner.names):
                        offenders.append(f"{path.relative_to(EVENTS_PACKAGE)}:{inner.lineno}")
    assert offenders == []
