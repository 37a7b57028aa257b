"""Shared fixtures: temporary stores, valid records, and native CSV text written from dicts.

Every store here is opened with ``seed=False`` (the seed log, ``data/seed/events.csv``,
is never loaded unless a test asks for it) and is empty: a fresh SQLite file under
``tmp_path``, or a fresh schema on the PostgreSQL server that
``CONFLICT_MONITOR_TEST_PG_URL`` names. A test that uses a store runs once per back end
(``test_x[sqlite]``, ``test_x[postgresql]``); the PostgreSQL run is skipped when no
server is configured, and fails in CI (``CI=true``). Tests about SQLite itself (WAL,
the backup API, raw ``sqlite3`` access, file paths) carry ``@pytest.mark.sqlite_only``.
Tests that open their own SQLite URL stay on SQLite by design: crash safety and
concurrency (``tests/events/test_postgres.py`` covers concurrent imports on PostgreSQL),
the hypothesis property tests, the seed tests, and the end-to-end browser tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard.events import schema
from dashboard.events.store import EventStore, open_store

# A source in the native cell spelling, and the same as a mapping.
SOURCE = {
    "outlet": "Yonhap",
    "title": "NIS: troops deployed",
    "date": "2024-11-05",
    "url": "https://example.org/yonhap/1",
}


def base_record(event_id: str = "T1", **overrides: Any) -> dict[str, Any]:
    """The fields of one valid record (a troop estimate at a named place), with overrides."""
    data: dict[str, Any] = {
        "event_id": event_id,
        "event_date": "2024-11-05",
        "category": "deployment",
        "subcategory": "in_kursk",
        "actor": "North Korea",
        "counterpart": "Ukraine",
        "claimant": "South Korea NIS",
        "figure_low": 10000,
        "figure_best": 11000,
        "figure_high": 12000,
        "unit": "troops",
        "location": "Sudzha",
        "admin1_code": "RU-KRS",
        "admin1_name": "Kursk Oblast",
        "country_code": "RUS",
        "latitude": 51.192,
        "longitude": 35.271,
        "geo_precision": 1,
        "description": "About 11,000 troops, most of them in Kursk oblast.",
        "confidence": "high",
        "sources": [dict(SOURCE)],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def cell_text(name: str, value: Any) -> str:
    """One record value as the native CSV spells it."""
    if value is None:
        return ""
    if name == "sources" and isinstance(value, (list, tuple)):
        return schema.format_sources(
            [
                s.model_dump(mode="json")
                if isinstance(s, schema.Source)
                else {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in s.items()}
                for s in value
            ]
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def native_csv_text(rows: list[dict[str, Any]], delimiter: str = ",") -> str:
    """Native CSV text from dicts: the schema's columns that any row uses, in schema order, then extras."""
    used = {k for row in rows for k in row}
    columns = [n for n in schema.FIELD_NAMES if n in used] + sorted(used - set(schema.FIELD_NAMES))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(c, row.get(c)) for c in columns])
    return buffer.getvalue()


@pytest.fixture
def native_csv() -> Callable[..., str]:
    """``native_csv(rows)`` -> valid native CSV text for a list of record dicts."""
    return native_csv_text


@pytest.fixture
def record_data() -> Callable[..., dict[str, Any]]:
    """``record_data(**overrides)`` -> the fields of a valid record; ids T1, T2, ... unless given."""
    ids = (f"T{n}" for n in itertools.count(1))

    def make(**overrides: Any) -> dict[str, Any]:
        event_id = overrides.pop("event_id") if "event_id" in overrides else next(ids)
        return base_record(event_id, **overrides)

    return make


@pytest.fixture
def make_record(record_data) -> Callable[..., schema.EventRecord]:
    """``make_record(**overrides)`` -> a validated EventRecord."""

    def make(**overrides: Any) -> schema.EventRecord:
        checked = schema.validate_record(record_data(**overrides))
        assert isinstance(checked, schema.EventRecord), checked
        return checked

    return make


# --- the user's data folder ------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def user_data_folder(tmp_path_factory) -> Iterator[Path]:
    """platformdirs' user data folder under tmp for the whole session, subprocesses included.

    The default database lives there (``dashboard/events/locations.py``); no test may create or
    change the real ``~/.local/share/conflict-monitor``.
    """
    folder = tmp_path_factory.mktemp("user-data")
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(folder)
    yield folder
    if before is None:
        del os.environ["XDG_DATA_HOME"]
    else:
        os.environ["XDG_DATA_HOME"] = before


# --- back ends --------------------------------------------------------------------------------------

PG_URL_ENV = "CONFLICT_MONITOR_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that needs a back end on each of them (only SQLite for ``sqlite_only``)."""
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", ["sqlite"] if sqlite_only else list(BACKENDS), indirect=True)


def require_pg_url() -> str:
    """The test server's URL; a skip without one, a failure in CI."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must provide {PG_URL_ENV} (see .ci/start-postgres)", pytrace=False)
        pytest.skip(f"no PostgreSQL server (set {PG_URL_ENV}; see README, Development)")
    return url


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An engine on the test server's database, for creating and dropping per-test schemas."""
    engine = sa.create_engine(require_pg_url(), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _drop_schema(admin: sa.Engine, name: str) -> None:
    with admin.begin() as conn:
        # Connections still open on the schema (pools of engines the app cached, the CLI's
        # stores) would hold locks or pile up: end them first.
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def backend(request) -> str:
    """Which back end this run of the test uses: "sqlite" or "postgresql" (parametrised)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def make_url(backend, tmp_path, request) -> Iterator[Callable[[str], str]]:
    """``make_url(name="events")`` -> the URL of a new, empty database on this test's back end.

    SQLite: a file under tmp_path. PostgreSQL: a schema of its own (``t_<uuid>``), reached
    through ``search_path`` in the URL, so the tables and Alembic's ``alembic_version`` land
    in it; it is dropped after the test.
    """
    if backend == "sqlite":
        yield lambda name="events": f"sqlite:///{tmp_path / name}.sqlite"
        return
    admin = request.getfixturevalue("pg_admin")
    created: list[str] = []

    def make(name: str = "events") -> str:
        schema_name = f"t_{uuid.uuid4().hex}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema_name}"')
        created.append(schema_name)
        url = sa.make_url(admin.url).update_query_dict(
            {"options": f"-csearch_path={schema_name}", "application_name": schema_name}
        )
        return url.render_as_string(hide_password=False)

    yield make
    for schema_name in created:
        _drop_schema(admin, schema_name)


@pytest.fixture
def make_store(make_url) -> Iterator[Callable[[str], EventStore]]:
    """``make_store(name="events")`` -> an empty store in a new database on this test's back end."""
    opened: list[EventStore] = []

    def make(name: str = "events") -> EventStore:
        store = open_store(make_url(name), seed=False)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.engine.dispose()


@pytest.fixture
def store(make_store) -> EventStore:
    return make_store()


def db_path(store: EventStore) -> Path:
    assert store.engine.dialect.name == "sqlite", "a file path exists only for SQLite stores"
    return Path(store.engine.url.database)


def raw_rows(store: EventStore, table: str = "events") -> list[tuple]:
    """Every row of a table as the database holds it, read past SQLAlchemy's types, in insertion order."""
    if store.engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(db_path(store))) as conn:
            return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608 (fixed names)
    order = {"events": "row_id", "import_batches": "batch_id"}.get(table, "1")
    with store.engine.connect() as conn:  # the DB-API's own values, no SQLAlchemy result processing
        cursor = conn.connection.driver_connection.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
        return [tuple(row) for row in cursor.fetchall()]


def db_state(store: EventStore) -> tuple[str, int, int]:
    """(revision token, rows in events, rows in import_batches): what "unchanged" compares."""
    if store.engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(db_path(store))) as conn:
            events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            batches = conn.execute("SELECT count(*) FROM import_batches").fetchone()[0]
    else:
        with store.engine.connect() as conn:
            events = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
            batches = conn.exec_driver_sql("SELECT count(*) FROM import_batches").scalar_one()
    return store.revision_token(), events, batches


@pytest.fixture
def state() -> Callable[[EventStore], tuple[str, int, int]]:
    """``state(store)`` -> (revision token, event rows, batch rows)."""
    return db_state


@pytest.fixture
def log_rows() -> Callable[..., list[tuple]]:
    """``log_rows(store, table="events")`` -> every row of a table, read with the raw driver."""
    return raw_rows


LARGE_HEADER = [
    "event_id",
    "event_date",
    "category",
    "actor",
    "claimant",
    "figure_best",
    "unit",
    "latitude",
    "longitude",
    "geo_precision",
    "admin1_code",
    "country_code",
    "description",
    "sources",
]


def large_native_csv(path: Path, rows: int, prefix: str = "K") -> Path:
    """Write a native CSV of ``rows`` valid, distinct events (ids PREFIX000000...) to ``path``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LARGE_HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"{prefix}{i:06d}",
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "battle",
                    "North Korea",
                    "Ukraine HUR",
                    str(i % 500),
                    "killed",
                    "51.2",
                    "35.3",
                    "1",
                    "RU-KRS",
                    "RUS",
                    f'Row {i}, with a comma and "quotes"',
                    f"HUR | Report {i} | 2024-11-05 | https://example.org/{i}",
                ]
            )
    return path


@pytest.fixture
def write_large_csv() -> Callable[..., Path]:
    """``write_large_csv(path, rows, prefix="K")`` -> a large valid native CSV file."""
    return large_native_csv
