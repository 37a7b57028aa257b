"""The event log on a real PostgreSQL server: same code paths, only the engine differs.

Runs when CONFLICT_MONITOR_TEST_PG_URL points at a server (``.ci/run`` starts one);
in CI a missing server is a failure, not a skip.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.events import migrate
from dashboard.events.importers import import_file
from dashboard.events.store import EventStore, create_engine_for, event_heads, events, metadata, open_store

PG_URL = os.environ.get("CONFLICT_MONITOR_TEST_PG_URL")
if not PG_URL:
    if os.environ.get("CI") == "true":
        pytest.fail("CI must provide CONFLICT_MONITOR_TEST_PG_URL (see .ci/start-postgres)", pytrace=False)
    pytest.skip("no PostgreSQL server (set CONFLICT_MONITOR_TEST_PG_URL)", allow_module_level=True)

HEADER = "event_id,event_date,category,actor,claimant,figure_best,unit,country_code,description,sources\n"
SOURCE = "Test outlet | Synthetic title | 2024-11-05 | https://example.org/a"


def _drop_everything(url: str) -> None:
    engine = create_engine_for(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


@pytest.fixture
def pg_store() -> EventStore:
    _drop_everything(PG_URL)
    store = open_store(PG_URL, seed=False)
    yield store
    store.engine.dispose()


def _native_csv(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    lines = [
        f'{eid},2024-11-05,deployment,North Korea,Test claimant,{figure},troops,RUS,"{desc}",{SOURCE}'
        for eid, figure, desc in rows
    ]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_migrations_create_the_schema_at_head(pg_store: EventStore) -> None:
    assert migrate.current_revision(pg_store.engine) == migrate.head_revision()
    names = set(sa.inspect(pg_store.engine).get_table_names())
    assert {"events", "event_heads", "import_batches", "alembic_version"} <= names
    # Opening again is a no-op upgrade, not a failure.
    EventStore(pg_store.engine)
    assert migrate.current_revision(pg_store.engine) == migrate.head_revision()


def test_import_revise_retract_as_of_history(pg_store: EventStore, tmp_path: Path) -> None:
    first = _native_csv(tmp_path / "a.csv", [("PG1", 100, "first"), ("PG2", 200, "second")])
    report = import_file(pg_store, first)
    assert (report.new, report.revised, report.unchanged) == (2, 0, 0)
    assert import_file(pg_store, first).new == 0

    before = dt.datetime.now(dt.UTC)
    token = pg_store.revision_token()
    changed = _native_csv(tmp_path / "b.csv", [("PG1", 150, "first, corrected"), ("PG2", 200, "second")])
    report = import_file(pg_store, changed)
    assert (report.new, report.revised, report.unchanged) == (0, 1, 1)
    assert pg_store.revision_token() != token

    pg_store.retract("PG2", reason="duplicate of another claim")
    current = pg_store.query()
    assert current["event_id"].tolist() == ["PG1"]
    assert current["figure_best"].tolist() == [150.0]
    old = pg_store.query(as_of=before).set_index("event_id")
    assert old.loc["PG1", "figure_best"] == 100.0 and "PG2" in old.index
    history = pg_store.history("PG2")
    assert history["revision"].tolist() == [1, 2] and history["retracted"].tolist() == [False, True]


def _import_in_process(url: str, path: str, queue) -> None:
    try:
        store = open_store(url, seed=False)
        report = import_file(store, Path(path))
        queue.put(("ok", report.new, report.revised, report.unchanged))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(("error", repr(exc)))


def test_two_concurrent_imports_keep_clean_revision_chains(pg_store: EventStore, tmp_path: Path) -> None:
    ids = [f"C{i:04d}" for i in range(1500)]
    a = _native_csv(tmp_path / "a.csv", [(eid, 10, "version a") for eid in ids])
    b = _native_csv(tmp_path / "b.csv", [(eid, 20, "version b") for eid in ids[500:]])
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_import_in_process, args=(PG_URL, str(p), queue)) for p in (a, b)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert all(r[0] == "ok" for r in results), results

    with pg_store.engine.connect() as conn:
        rows = conn.execute(sa.select(events.c.event_id, events.c.revision)).all()
        heads = dict(conn.execute(sa.select(event_heads.c.event_id, event_heads.c.revision)).all())
    chains: dict[str, list[int]] = {}
    for event_id, revision in rows:
        chains.setdefault(event_id, []).append(revision)
    assert set(chains) == set(ids)
    for event_id, revisions in chains.items():
        # 1..n with no gaps and no duplicates, and the head points at the last one.
        assert sorted(revisions) == list(range(1, len(revisions) + 1)), event_id
        assert heads[event_id] == len(revisions)
    # Events only in file a have one revision; those in both have two (whichever came second revised them).
    assert all(len(chains[eid]) == 1 for eid in ids[:500])
    assert all(len(chains[eid]) == 2 for eid in ids[500:])
    new_total = sum(r[1] for r in results)
    assert new_total == len(ids)


def test_backup_refers_postgresql_users_to_pg_dump(pg_store: EventStore, tmp_path: Path) -> None:
    from dashboard.events.backup import backup_database
    from dashboard.events.store import StoreError

    with pytest.raises(StoreError, match="pg_dump"):
        backup_database(pg_store, tmp_path / "copy.sqlite")


def test_cli_runs_against_postgresql(pg_store: EventStore, tmp_path: Path, capsys) -> None:
    from dashboard.cli import main

    # Seed first, as the CLI does on an empty database, so the import below is the only change.
    from dashboard.events.importers import load_seed, seed_path

    if seed_path().exists():
        load_seed(pg_store)
    before = len(pg_store.query())
    path = _native_csv(tmp_path / "c.csv", [("CLI1", 5, "cli")])
    assert main(["--db", PG_URL, "import", str(path), "--no-progress"]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["--db", PG_URL, "stats", "--json"]) == 0
    assert f'"events": {before + 1}' in capsys.readouterr().out
