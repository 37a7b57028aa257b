"""The revisioned event log over SQLAlchemy Core.

The log is append-only: every change to an event is a new row in ``events`` with
the next ``revision`` number, and a retraction is a tombstone revision. Nothing
in ``events`` is ever updated or deleted, so "what did the log say on date X" is
a query, not a reconstruction. ``event_heads`` is an index over the log (which
revision is current for each event), kept in the same transaction; it makes the
current view cheap and is rebuilt from ``events`` if ever in doubt.

Only :func:`create_engine_for` knows about SQLite; everything else is portable
Core, so a PostgreSQL URL can follow.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from pandas.api.types import union_categoricals
from sqlalchemy.engine import Connection, Engine

from dashboard.events import access, columnar, schema
from dashboard.events.db_errors import DEFAULT_BUSY_TIMEOUT_S, database_error_message
from dashboard.events.filters import EventFilter
from dashboard.events.locations import DB_URL_ENV, builtin_database_url, database_location  # noqa: F401 (DB_URL_ENV: imported from here)
from dashboard.events.migrate import upgrade

# Rows per executemany / IN (...) chunk: well under SQLite's 32,766 parameters.
_CHUNK = 500
# Ids per "event_id IN (...)" lookup: under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_IDS_PER_QUERY = 10_000
# Rows an append turns into Python values at a time.
_WRITE_CHUNK = 50_000

_SQL_TYPES = {
    "text": sa.Text,
    "float": sa.Float,
    "int": sa.Integer,
    "date": sa.Date,
    "json": sa.Text,  # sources: canonical JSON text, portable across back ends
}

metadata = sa.MetaData()

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("encoding", sa.String(40)),
    sa.Column("origin", sa.String(100), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False, default=0),
    sa.Column("rows_accepted", sa.Integer, nullable=False, default=0),
    sa.Column("rows_rejected", sa.Integer, nullable=False, default=0),
    sa.Column("rows_new", sa.Integer, nullable=False, default=0),
    sa.Column("rows_revised", sa.Integer, nullable=False, default=0),
    sa.Column("rows_unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    # Who ran the import: the signed-in user, else CONFLICT_MONITOR_USER or the OS user (access.py).
    sa.Column("recorded_by", sa.Text),
)

# The event table is derived from the schema: one column per record field.
events = sa.Table(
    "events",
    metadata,
    sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
    *[
        sa.Column(name, _SQL_TYPES[schema.field_kind(name)](), nullable=name not in schema.REQUIRED_FIELDS)
        for name in schema.FIELD_NAMES
    ],
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("retracted", sa.Boolean, nullable=False, default=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.batch_id")),
    # Who wrote this revision; not part of the current view (history and the batches show it).
    sa.Column("recorded_by", sa.Text),
    sa.UniqueConstraint("event_id", "revision", name="uq_event_revision"),
    sa.Index("ix_events_recorded_at", "recorded_at"),
)

event_heads = sa.Table(
    "event_heads",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("retracted", sa.Boolean, nullable=False),
    sa.ForeignKeyConstraint(["event_id", "revision"], ["events.event_id", "events.revision"]),
)

# The claimant register (dashboard/events/claimants.py): one row per claimant, and the claimant texts
# that name an originator relayed by outlets. Lists (aliases, relaying outlets) are JSON arrays.
claimants = sa.Table(
    "claimants",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("aliases", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("country", sa.Text),
    sa.Column("relation", sa.Text, nullable=False),
    sa.Column("reliability", sa.String(1), nullable=False),
    sa.Column("rationale", sa.Text, nullable=False),
    sa.Column("rationale_url", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Text),
)

claimant_relays = sa.Table(
    "claimant_relays",
    metadata,
    sa.Column("claimant", sa.Text, primary_key=True),
    sa.Column("originator", sa.Text, nullable=False),
    sa.Column("relayed_by", sa.Text, nullable=False),
)

LOG_COLUMNS = ("revision", "recorded_at", "reason", "retracted", "batch_id")
_LOG_TYPES = [
    pa.field("revision", pa.int64()),
    pa.field("recorded_at", pa.timestamp("us")),
    pa.field("reason", pa.string()),
    pa.field("retracted", pa.bool_()),
    pa.field("batch_id", pa.int64()),
]


class StoreError(Exception):
    """A problem the user can fix (unknown event, bad database URL, ...)."""


class InvalidRecord(StoreError):
    """A claim the schema refuses; ``errors`` name each field, value and rule (nothing was written)."""

    def __init__(self, errors: Sequence[schema.FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(describe_claim_error(e) for e in self.errors))


def describe_claim_error(error: schema.FieldError, source: str | None = None) -> str:
    """One refused field in words: where (``source``, the claim's 1-based position), field, rule, value."""
    where = [source] if source else []
    if error.line is not None:
        where.append(f"record {error.line}")
    if error.column:
        where.append(f"field {error.column!r}")
    prefix = ", ".join(where) + ": " if where else ""
    return f"{prefix}{error.rule} (value: {schema._preview(error.value)})"


@dataclass(frozen=True)
class RevisionNote:
    """One revision recorded since a form was opened: who, when, why (for the lost-update refusal)."""

    revision: int
    recorded_at: dt.datetime
    recorded_by: str | None
    reason: str | None
    retracted: bool


class StaleRevision(StoreError):
    """The claim changed since the form (or command) was opened on ``expected``: nothing was written.

    ``since`` lists the revisions recorded after ``expected``, oldest first; the field-by-field
    changes are in the claim's change log (``dashboard.events.changes.revision_log``).
    """

    def __init__(self, event_id: str, expected: int, since: Sequence[RevisionNote]) -> None:
        self.event_id, self.expected, self.since = event_id, expected, list(since)
        self.current = self.since[-1].revision if self.since else expected
        writes = "; ".join(
            f"revision {n.revision} {'retracted it' if n.retracted else 'changed it'} "
            f"({n.recorded_at:%Y-%m-%d %H:%M:%S} UTC, by {n.recorded_by or 'an unrecorded user'}"
            f"{f', reason: {n.reason!r}' if n.reason else ''})"
            for n in self.since
        )
        super().__init__(
            f"claim {event_id} changed since you opened it at revision {expected}: {writes or 'its history moved'}. "
            "Nothing was saved: reload it and apply your change again."
        )


@dataclass
class AppendResult:
    """What appending a batch of records did to the log."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    new_ids: list[str] = field(default_factory=list)
    revised_ids: list[str] = field(default_factory=list)


@dataclass
class RetractResult:
    """What withdrawing a list of events did: retracted, already retracted, not in the log."""

    retracted_ids: list[str] = field(default_factory=list)
    already: int = 0
    missing_ids: list[str] = field(default_factory=list)


@dataclass
class BatchInfo:
    """Provenance of an import, written to ``import_batches`` with its counts."""

    file_name: str
    sha256: str
    format: str
    encoding: str | None
    origin: str
    rows_read: int
    rows_rejected: int
    started_at: dt.datetime


def default_url() -> str:
    """The database URL: ``CONFLICT_MONITOR_DB``, or the SQLite file in the user's data folder.

    See :func:`dashboard.events.locations.database_location` for the whole rule.
    """
    return database_location().url


def utc_now() -> dt.datetime:
    """Naive UTC timestamp: every stored time is UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# Back ends the log runs on; anything else is refused before a connection is tried.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def check_database_url(url: str | None, *, allow_memory: bool = False) -> sa.URL:
    """``url`` parsed, or a StoreError that says what is wrong with it and how to write it.

    Catches the mistakes that would otherwise write to the wrong place without a word: an empty
    value, an unsupported scheme, an in-memory SQLite database (gone when the command ends), and a
    SQLite file whose folder does not exist (most often ``sqlite:///abs/path``, one slash short of
    the four an absolute path needs, which names a path relative to the current folder).
    ``allow_memory`` lets code (tests, scratch stores) open an in-memory log on purpose; a URL a
    user typed is checked without it (the command line does).
    """
    if url is None or not url.strip():
        raise StoreError(
            "the database URL is empty: give --db sqlite:///RELATIVE/PATH.sqlite, sqlite:////ABSOLUTE/PATH.sqlite "
            "or postgresql+psycopg://USER@HOST/DB (or leave --db out for the default database)"
        )
    try:
        parsed = sa.make_url(url.strip())
    except sa.exc.ArgumentError:
        raise StoreError(
            f"{url!r} is not a database URL: write sqlite:///PATH.sqlite or postgresql+psycopg://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"unsupported database scheme {parsed.drivername!r} in {parsed.render_as_string()}: "
            "use sqlite:///PATH.sqlite or postgresql+psycopg://USER@HOST/DB"
        )
    if backend != "sqlite":
        return parsed
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
    if in_memory and allow_memory:
        return parsed
    if in_memory:
        raise StoreError(
            f"{url!r} is an in-memory database, which is lost when the command ends: "
            "give a file, e.g. sqlite:///data/log.sqlite"
        )
    path = Path(database.removeprefix("file:")) if parsed.query.get("uri") else Path(database)
    if not path.parent.is_dir():
        hint = ""
        if not path.is_absolute() and Path("/", path).parent.is_dir():
            hint = (
                f"; sqlite:/// followed by a relative path is read from the current folder: for the absolute "
                f"path /{path} write four slashes, sqlite:////{path}"
            )
        where = "" if path.is_absolute() else f" (relative to the current folder {Path.cwd()})"
        raise StoreError(f"the folder {path.parent}{where} of the SQLite database does not exist{hint}")
    return parsed


def busy_timeout_seconds(engine: Engine) -> float:
    """How long a SQLite writer waits for the write lock before "database is locked"."""
    return float(engine.url.query.get("timeout", DEFAULT_BUSY_TIMEOUT_S))


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``; the only place that knows about SQLite."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        _serialise_writers_postgresql(engine)
        return engine
    if engine.dialect.name != "sqlite":
        return engine
    path = engine.url.database
    # A "file:" URI (?mode=ro&uri=true) names an existing file: making its "parent" would create a
    # folder literally called "file:" in the current directory.
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so that the
        # "begin" hook below decides between a reader's BEGIN and a writer's
        # BEGIN IMMEDIATE (which takes the write lock up front and so never
        # fails half-way with "database is locked").
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds(engine) * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; durable at checkpoints
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


# Any constant: the key of the advisory lock that PostgreSQL writers take.
_WRITE_LOCK_KEY = 0x434D4C4F47  # "CMLOG"


def _serialise_writers_postgresql(engine: Engine) -> None:
    """One writer at a time on PostgreSQL, like SQLite's BEGIN IMMEDIATE.

    Two imports of overlapping files would otherwise both read the same head and
    both try to write revision N+1. A transaction-level advisory lock, taken at
    the start of every write transaction, makes the second wait for the first;
    readers never take it.
    """

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})")


class EventStore:
    """The event log. Open it with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        upgrade(engine)  # create or upgrade the tables through the migrations

    # --- transactions ------------------------------------------------------
    @contextmanager
    def _writing_forward(self, removed: set[str] | None = None) -> Iterator[tuple[Connection, list[pa.Table]]]:
        """A write transaction whose appended rows (put in the yielded list) carry the snapshot forward.

        Used by every write that changes the current view (imports, a claim recorded, corrected or
        retracted at the desk, a deletions list), so the first page after it does not rebuild the
        view from SQL (~20 s at 1M claims). ``removed``: a set the caller fills, inside the block,
        with the ids it retracted; they leave the carried-forward view. The file of superseded
        revisions (:func:`superseded_path`) is carried forward with it, so a past view after a
        write reads no SQL either.
        """
        written: list[pa.Table] = []
        with self.writing() as conn:
            before = self._view_before_write(conn)
            superseded = self._superseded_before_write(conn) if before is not None else None
            yield conn, written
            # The retractions just written are the withdrawn events' heads: read back in the transaction.
            withdrawn = self._head_rows(conn, removed) if superseded is not None and removed else None
            token = self.revision_token(conn)
        if before is not None:
            try:
                self._roll_snapshot(before, written, token, removed or set())
                if superseded is not None:
                    self._roll_superseded(before, superseded, written, withdrawn, token, removed or set())
            except Exception as exc:  # noqa: BLE001 - the write has landed; a snapshot only saves time
                warnings.warn(
                    f"the dashboard snapshot was not updated ({exc!r}); it is rebuilt on next read", stacklevel=3
                )

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction: everything in it lands, or nothing does."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # --- writes ------------------------------------------------------------
    def append(
        self,
        records: Sequence[schema.EventRecord] | pa.Table,
        *,
        batch: BatchInfo | None = None,
        reason: str | None = None,
        conn: Connection | None = None,
        written: list[pa.Table] | None = None,
    ) -> tuple[AppendResult, int | None]:
        """Add records to the log: new events, revisions of changed ones.

        ``records`` are validated records, or a table of their storage values (see
        ``dashboard.events.columnar``). A record whose content equals the event's current
        revision is skipped, so importing the same file twice adds nothing. Returns the
        counts and the batch id (when ``batch`` is given). All in one transaction.

        ``written``, if given, receives the rows written (as tables with the log's columns).
        """
        if conn is None:
            # The one check before an import writes (revise and retract check their own action).
            access.require("import")
        table = records if isinstance(records, pa.Table) else columnar.records_table(records)
        if pc.count_distinct(table.column("event_id")).as_py() != table.num_rows:
            raise StoreError("the same event_id appears twice in one batch")
        if conn is None:
            with self._writing_forward() as (own, written):
                return self.append(table, batch=batch, reason=reason, conn=own, written=written)

        now = utc_now()
        actor = access.current_actor().name
        batch_id = (
            None if batch is None else self._insert_batch(conn, batch, accepted=table.num_rows, recorded_by=actor)
        )

        result = AppendResult()
        table = columnar.normalise_floats(table)
        # Into an empty log (a first large import) every record is new: no head to look up.
        log_is_empty = conn.execute(sa.select(event_heads.c.event_id).limit(1)).first() is None
        # In chunks: Python values for a million rows at once would cost gigabytes.
        for start in range(0, table.num_rows, _WRITE_CHUNK):
            chunk = table.slice(start, _WRITE_CHUNK)
            rows = self._append_chunk(
                conn,
                chunk,
                result,
                now=now,
                reason=reason,
                batch_id=batch_id,
                look_up_heads=not log_is_empty,
                actor=actor,
            )
            if written is not None and rows is not None:
                written.append(rows)
        if batch_id is not None:
            conn.execute(
                import_batches.update()
                .where(import_batches.c.batch_id == batch_id)
                .values(
                    rows_new=result.new,
                    rows_revised=result.revised,
                    rows_unchanged=result.unchanged,
                    finished_at=utc_now(),
                )
            )
        return result, batch_id

    def _append_chunk(
        self, conn: Connection, chunk: pa.Table, result: AppendResult, *, now, reason, batch_id, look_up_heads, actor
    ) -> pa.Table | None:
        """Write the records of ``chunk`` that are new or changed; return what was written."""
        digests = columnar.content_hashes(chunk)
        columns = {name: chunk.column(name).to_pylist() for name in chunk.column_names}
        ids = columns["event_id"]
        heads = self._heads(conn, ids) if look_up_heads else {}
        kept, revisions, moved_heads = [], [], []
        for position, (event_id, digest) in enumerate(zip(ids, digests, strict=True)):
            head = heads.get(event_id)
            if head is not None and head["content_hash"] == digest and not head["retracted"]:
                result.unchanged += 1
                continue
            kept.append(position)
            revisions.append(1 if head is None else head["revision"] + 1)
            if head is None:
                result.new_ids.append(event_id)
            else:
                moved_heads.append(
                    {"key": event_id, "revision": revisions[-1], "content_hash": digest, "retracted": False}
                )
                result.revised_ids.append(event_id)
        result.new, result.revised = len(result.new_ids), len(result.revised_ids)
        if not kept:
            return None
        picked = len(kept) == len(ids)
        rows = {name: values if picked else [values[i] for i in kept] for name, values in columns.items()}
        kept_digests = digests if picked else [digests[i] for i in kept]
        count = len(kept)
        rows.update(
            revision=revisions,
            recorded_at=[now] * count,
            reason=[reason] * count,
            retracted=[False] * count,
            content_hash=kept_digests,
            batch_id=[batch_id] * count,
            recorded_by=[actor] * count,
        )
        _insert_columns(conn, events, rows)
        new = [i for i, revision in enumerate(revisions) if revision == 1]
        _insert_columns(
            conn,
            event_heads,
            {
                "event_id": [rows["event_id"][i] for i in new],
                "revision": [1] * len(new),
                "content_hash": [kept_digests[i] for i in new],
                "retracted": [False] * len(new),
            },
        )
        self._write_heads(conn, [], moved_heads)
        # What was written, from the Arrow chunk rather than back from a million Python values.
        written = chunk if picked else chunk.take(pa.array(kept, pa.int64()))
        log_values = {"revision": revisions, "recorded_at": [now] * count, "reason": [reason] * count}
        log_values |= {"retracted": [False] * count, "batch_id": [batch_id] * count}
        for log_field in _LOG_TYPES:
            written = written.append_column(log_field, pa.array(log_values[log_field.name], log_field.type))
        return written

    # --- the snapshot, carried forward by writes ---------------------------------
    # Rebuilding the current view from SQL costs ~20 s at a million rows (bench/RESULTS.md), which
    # the first dashboard visit after every import would pay. An append instead carries the
    # snapshot forward: the view before it, minus the events it changed, plus the rows it wrote,
    # in the SQL read's order and dtypes (tests hold the two equal). Only when the view before is
    # cheap to get: its snapshot exists, or the log is small enough to read from SQL.
    _SMALL_LOG = 100_000

    def _view_before_write(self, conn: Connection) -> pa.Table | None:
        path = snapshot_path(self.engine, self.revision_token(conn))
        return self._before_write(conn, path, lambda: self._read_current(conn, None, None))

    def _superseded_before_write(self, conn: Connection) -> pa.Table | None:
        """The superseded revisions before a write, on the same terms as the view; when None, the
        first past view after the write builds the file from SQL."""
        path = superseded_path(self.engine, self.revision_token(conn))
        return self._before_write(conn, path, lambda: self._read_superseded(conn))

    def _before_write(self, conn: Connection, path: Path | None, from_sql: Callable[[], pa.Table]) -> pa.Table | None:
        if path is None:
            return None
        cached = _read_cached(path)
        if cached is not None:
            return cached
        small = (conn.execute(sa.select(sa.func.count()).select_from(event_heads)).scalar() or 0) <= self._SMALL_LOG
        return from_sql() if small else None

    @staticmethod
    def _head_rows(conn: Connection, event_ids: set[str]) -> pa.Table:
        """The head rows of ``event_ids`` (retracted or not), all columns: one query per 10,000 ids."""
        at_head = sa.and_(events.c.event_id == event_heads.c.event_id, events.c.revision == event_heads.c.revision)
        cols = [events.c[name] for name in (*schema.FIELD_NAMES, *LOG_COLUMNS)]
        frames = [
            pd.read_sql(
                sa.select(*cols).select_from(events.join(event_heads, at_head)).where(events.c.event_id.in_(chunk)),
                conn,
            )
            for chunk in _chunks(sorted(event_ids), _IDS_PER_QUERY)
        ]
        return _as_table(pd.concat(frames, ignore_index=True))

    def _roll_snapshot(self, before: pa.Table, written: list[pa.Table], token: str, removed: set[str]) -> None:
        path = snapshot_path(self.engine, token)
        if path is None:
            return
        if removed:  # retracted: gone from the current view
            ids = pc.cast(before.column("event_id"), pa.string())
            before = before.filter(pc.invert(pc.is_in(ids, value_set=pa.array(sorted(removed), pa.string()))))
        if written:
            rows = pa.concat_tables(written)
            # Filtering and encoding in Arrow: pandas' isin and astype on a million strings take seconds.
            ids = pc.cast(before.column("event_id"), pa.string())  # an empty view reads back untyped
            kept = _to_frame(before.filter(pc.invert(pc.is_in(ids, value_set=rows["event_id"]))))
            for name in CATEGORICAL_COLUMNS:
                rows = rows.set_column(rows.schema.get_field_index(name), name, pc.dictionary_encode(rows[name]))
            new = normalise_frame(rows.to_pandas(date_as_object=False))
            view = _stacked([kept, new]).sort_values(["event_date", "event_id"], kind="stable", ignore_index=True)
        else:
            view = _to_frame(before)  # nothing changed but the import history: same rows, new token
        _write_snapshot(pa.Table.from_pandas(view, preserve_index=False), path)

    def _roll_superseded(
        self,
        before: pa.Table,
        superseded: pa.Table,
        written: list[pa.Table],
        withdrawn: pa.Table | None,
        token: str,
        removed: set[str],
    ) -> None:
        """The superseded revisions after a write: those before it, the previous heads of the events it
        revised or retracted (their rows in the view before it; a retracted event revised again had its
        head, the retraction, in the file already), and the retractions it wrote (``withdrawn``)."""
        path = superseded_path(self.engine, token)
        if path is None:
            return
        parts = [_to_frame(superseded)]
        touched = [pc.cast(rows.column("event_id"), pa.string()).combine_chunks() for rows in written]
        touched.append(pa.array(sorted(removed), pa.string()))
        if before.num_rows:
            ids = pc.cast(before.column("event_id"), pa.string())  # an empty view reads back untyped
            parts.append(_to_frame(before.filter(pc.is_in(ids, value_set=pa.concat_arrays(touched)))))
        if withdrawn is not None:
            parts.append(_to_frame(withdrawn))
        _write_snapshot(pa.Table.from_pandas(_stacked(parts), preserve_index=False), path)

    def record(self, data: dict[str, Any], *, reason: str | None = None) -> schema.EventRecord:
        """Add one new claim (fields by their schema names), checked by the schema; returns it as stored.

        Refused with :class:`InvalidRecord` (each field, value and rule) or, when the log already
        holds the event id, with a StoreError: a correction is :meth:`revise`, not a second claim.
        """
        return self.record_many([data], reason=reason)[0]

    def record_many(self, items: Sequence[dict[str, Any]], *, reason: str | None = None) -> list[schema.EventRecord]:
        """Add new claims, all or nothing: every item is checked first (errors carry the item's
        1-based position as ``line``), ids must be new and distinct, then one transaction writes them."""
        access.require("record")
        checked, errors = [], []
        for position, data in enumerate(items, start=1):
            if not isinstance(data, dict):
                errors.append(schema.FieldError(position, None, data, "a claim must be an object of field: value"))
                continue
            result = schema.validate_record(data, line=position)
            if isinstance(result, list):
                errors += result
            else:
                checked.append((position, result))
        seen: dict[str, int] = {}
        for position, record in checked:
            if record.event_id in seen:
                errors.append(
                    schema.FieldError(
                        position, "event_id", record.event_id, f"the same event_id as claim {seen[record.event_id]}"
                    )
                )
            seen.setdefault(record.event_id, position)
        if errors:
            raise InvalidRecord(sorted(errors, key=lambda e: e.line or 0))
        if not checked:
            raise StoreError("no claim to record")
        with self._writing_forward() as (conn, written):
            held = self._heads(conn, list(seen))
            if held:
                raise InvalidRecord(
                    [
                        schema.FieldError(
                            position,
                            "event_id",
                            record.event_id,
                            "the log already holds a claim with this id: choose another id, or correct that claim",
                        )
                        for position, record in checked
                        if record.event_id in held
                    ]
                )
            self.append([record for _, record in checked], reason=reason, conn=conn, written=written)
        return [record for _, record in checked]

    def revise(
        self, event_id: str, changes: dict[str, Any], reason: str, *, expected_revision: int | None = None
    ) -> int:
        """Record a correction as a new revision; returns its revision number.

        ``expected_revision``: the revision the correction was made from (the one a form was
        opened on). If the claim has moved on since, :class:`StaleRevision` is raised and nothing
        is written; the check runs inside the write transaction, which holds the writers' lock
        (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), so no write can slip in between.
        A correction that changes no field writes nothing and returns the current revision.
        """
        access.require("revise")
        reason = _required_reason(reason, "a correction")
        with self._writing_forward() as (conn, written):
            self._check_expected(conn, event_id, expected_revision)
            current = self._current_row(conn, event_id)
            data = {k: current[k] for k in schema.FIELD_NAMES} | changes
            data["sources"] = json.loads(current["sources"]) if "sources" not in changes else changes["sources"]
            checked = schema.validate_record(data)
            if isinstance(checked, list):
                raise InvalidRecord(checked)
            if checked.event_id != event_id:
                raise StoreError(f"a correction cannot change the event id ({event_id!r} to {checked.event_id!r})")
            self.append([checked], reason=reason, conn=conn, written=written)
            return self._heads(conn, [event_id])[event_id]["revision"]

    def retract(self, event_id: str, reason: str, *, expected_revision: int | None = None) -> int:
        """Withdraw an event with a tombstone revision; its history stays.

        ``expected_revision`` guards against a lost update as in :meth:`revise`.
        """
        actor = access.require("retract")
        reason = _required_reason(reason, "a retraction")
        removed: set[str] = set()
        with self._writing_forward(removed) as (conn, _):
            self._check_expected(conn, event_id, expected_revision)
            revision = self._retract(
                conn, self._current_row(conn, event_id), reason, batch_id=None, recorded_by=actor.name
            )
            removed.add(event_id)
        return revision

    def head_revision(self, event_id: str) -> int:
        """The event's current revision number (a retraction counts); StoreError when the log has no such event."""
        with self.reading() as conn:
            head = self._heads(conn, [event_id]).get(event_id)
        if head is None:
            raise StoreError(f"no event with id {event_id!r}")
        return int(head["revision"])

    def _check_expected(self, conn: Connection, event_id: str, expected: int | None) -> None:
        """Raise StaleRevision when ``event_id``'s head is no longer ``expected`` (inside the write transaction)."""
        if expected is None:
            return
        head = self._heads(conn, [event_id]).get(event_id)
        if head is None or head["revision"] == expected:
            return  # an unknown event is reported by the write itself
        since = conn.execute(
            sa.select(
                events.c.revision, events.c.recorded_at, events.c.recorded_by, events.c.reason, events.c.retracted
            )
            .where(events.c.event_id == event_id, events.c.revision > expected)
            .order_by(events.c.revision)
        ).all()
        raise StaleRevision(
            event_id,
            expected,
            [
                RevisionNote(r.revision, _to_datetime(r.recorded_at), r.recorded_by, r.reason, bool(r.retracted))
                for r in since
            ],
        )

    def retract_many(self, retractions: Sequence[tuple[str, str]], *, batch: BatchInfo) -> tuple[RetractResult, int]:
        """Withdraw many events (id, reason) in one transaction, recorded as one import batch.

        An id the log does not hold, or holds retracted already, is counted, not an error: a
        deletions list (ACLED's) names events of other countries and years than the log holds.
        """
        actor = access.require("import")  # a deletions list is an import
        result = RetractResult()
        removed: set[str] = set()
        with self._writing_forward(removed) as (conn, _):
            batch_id = self._insert_batch(conn, batch, accepted=len(retractions), recorded_by=actor.name)
            heads = self._heads(conn, [event_id for event_id, _ in retractions])
            # The current rows of all events to withdraw in one query (per 10,000 ids), not one per event:
            # ACLED's deletion files list tens of thousands.
            current = self._current_rows(conn, [h for h in heads.values() if not h["retracted"]])
            withdrawn: dict[str, str] = {}
            for event_id, reason in retractions:
                head = heads.get(event_id)
                if head is None:
                    result.missing_ids.append(event_id)
                elif head["retracted"] or event_id in withdrawn:
                    result.already += 1
                else:
                    withdrawn[event_id] = reason
                    result.retracted_ids.append(event_id)
            rows = [
                self._retraction_row(current[event_id], reason, batch_id=batch_id, recorded_by=actor.name)
                for event_id, reason in withdrawn.items()
            ]
            for chunk in _chunks(rows):
                conn.execute(events.insert(), chunk)
            self._write_heads(conn, [], [self._retracted_head(row) for row in rows])
            removed.update(withdrawn)
            conn.execute(
                import_batches.update()
                .where(import_batches.c.batch_id == batch_id)
                .values(rows_revised=len(result.retracted_ids), rows_unchanged=result.already, finished_at=utc_now())
            )
        return result, batch_id

    def _retract(
        self, conn: Connection, current: dict[str, Any], reason: str, *, batch_id: int | None, recorded_by: str | None
    ) -> int:
        row = self._retraction_row(current, reason, batch_id=batch_id, recorded_by=recorded_by)
        conn.execute(events.insert(), row)
        self._write_heads(conn, [], [self._retracted_head(row)])
        return row["revision"]

    @staticmethod
    def _retraction_row(
        current: dict[str, Any], reason: str, *, batch_id: int | None, recorded_by: str | None
    ) -> dict[str, Any]:
        """The revision that withdraws ``current`` (an event's current row): its content, marked retracted."""
        row = {k: current[k] for k in schema.FIELD_NAMES}
        row.update(
            revision=current["revision"] + 1,
            recorded_at=utc_now(),
            reason=reason,
            retracted=True,
            content_hash=current["content_hash"],
            batch_id=batch_id,
            recorded_by=recorded_by,
        )
        return row

    @staticmethod
    def _retracted_head(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "key": row["event_id"],
            "event_id": row["event_id"],
            "revision": row["revision"],
            "content_hash": row["content_hash"],
            "retracted": True,
        }

    @staticmethod
    def _insert_batch(conn: Connection, batch: BatchInfo, *, accepted: int, recorded_by: str | None) -> int:
        return conn.execute(
            import_batches.insert().values(
                file_name=batch.file_name,
                sha256=batch.sha256,
                format=batch.format,
                encoding=batch.encoding,
                origin=batch.origin,
                rows_read=batch.rows_read,
                rows_rejected=batch.rows_rejected,
                rows_accepted=accepted,
                started_at=batch.started_at,
                recorded_by=recorded_by,
            )
        ).inserted_primary_key[0]

    def current_fields(self, event_ids: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
        """``columns`` of the current (not retracted) revision of each of ``event_ids`` the log holds."""
        cols = [events.c[name] for name in ("event_id", *[c for c in columns if c != "event_id"])]
        frames = []
        with self.reading() as conn:
            for chunk in _chunks(list(event_ids), _IDS_PER_QUERY):
                query = (
                    sa.select(*cols)
                    .select_from(
                        events.join(
                            event_heads,
                            sa.and_(
                                events.c.event_id == event_heads.c.event_id,
                                events.c.revision == event_heads.c.revision,
                            ),
                        )
                    )
                    .where(event_heads.c.retracted.is_(False), events.c.event_id.in_(chunk))
                )
                frames.append(pd.read_sql(query, conn))
        if not frames:
            return pd.DataFrame(columns=[c.name for c in cols])
        return pd.concat(frames, ignore_index=True)

    # --- reads -------------------------------------------------------------
    def current_events(self, as_of: dt.datetime | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The log's current view (or its view at ``as_of``, UTC), retractions removed.

        The current view of a SQLite file is served from a Parquet snapshot keyed on
        the revision token (see :func:`snapshot_path`): a million rows read in about
        a second, where the row-wise SQL read takes well over ten. The snapshot is
        written on the first read of each revision.

        A past view is built from the current one (see :meth:`_read_as_of`): only the events
        changed after ``as_of`` are read from SQL, at their revision then.
        """
        with self.reading() as conn:
            # Token, rows and (for a past view) the later changes from one transaction: an import
            # committing in between must not leave a snapshot named for a revision it does not hold.
            if as_of is None:
                table = self._current_table(conn, columns)
            else:
                table, replaced = self._read_as_of(conn, _naive_utc(as_of), columns)
                if replaced:  # categories as a read from SQL has them (the current view's are so already)
                    return _sorted_categories(_to_frame(table))
        return _to_frame(table)

    def _current_table(self, conn: Connection, columns: Sequence[str] | None, token: str | None = None) -> pa.Table:
        """The current view as Arrow: from the snapshot when it exists, else from SQL (writing the snapshot)."""
        token = self.revision_token(conn) if token is None else token
        path = snapshot_path(self.engine, token)
        cached = _read_cached(path, columns)
        if cached is not None:
            return cached
        table = self._read_current(conn, None, None if path is not None else columns)
        if path is not None:
            # Written before the read transaction ends (a reader never blocks a writer in
            # WAL mode), so a caller that reads the token next sees the same one.
            _write_snapshot(table, path)
            table = table.select(list(columns)) if columns else table
        return table

    def _read_as_of(
        self, conn: Connection, moment: dt.datetime, columns: Sequence[str] | None
    ) -> tuple[pa.Table, bool]:
        """The view at ``moment`` (naive UTC): the current view with the events changed after it replaced.

        Reading a past state straight from SQL (the newest revision per event at or before the moment:
        :meth:`_read_current` with ``as_of``, a group-by over every row) took 20 s at 1M events against
        0.4 s for the current view (bench/RESULTS.md). An event none of whose revisions was recorded after
        ``moment`` stands then as it stands now, so only the events with a later revision are replaced,
        by their newest revision recorded at or before ``moment`` (none: not yet known; a retraction:
        withdrawn by then). On a SQLite file those revisions come from the superseded file beside the
        snapshot (:func:`superseded_path`); elsewhere from SQL. Same rows, order and dtypes as the SQL
        read; tests hold the two equal. Returns the view and whether any event was replaced (else it is
        the current view as it is).
        """
        needed = None if columns is None else list(dict.fromkeys([*columns, *_AS_OF_KEYS]))
        token = self.revision_token(conn)
        last_write = conn.execute(sa.select(sa.func.max(events.c.recorded_at))).scalar()
        if last_write is None or _to_datetime(last_write) <= moment:  # nothing changed since: the current view
            return self._current_table(conn, columns, token), False
        path = superseded_path(self.engine, token)
        if path is None:
            merged = self._as_of_from_sql(conn, moment, needed, token)
        else:
            current = self._current_table(conn, needed, token)
            merged = _as_of_from_files(current, self._superseded_table(conn, path, needed), moment)
        return (merged.select(list(columns)) if columns else merged), True

    def _as_of_from_sql(self, conn: Connection, moment: dt.datetime, needed: list[str] | None, token: str) -> pa.Table:
        """The past view with the changed events' revisions then read from SQL (no snapshot: PostgreSQL,
        in-memory SQLite)."""
        # Without DISTINCT: SQLite would then scan the (event_id, revision) index of the whole log to
        # dedupe; plain, the recorded_at index finds the later rows (a set dedupes them).
        later = sa.select(events.c.event_id).where(events.c.recorded_at > moment)
        changed = set(conn.execute(later).scalars().all())
        current = self._current_table(conn, needed, token)
        # Each changed event's revision at the moment, found through the (event_id, revision) index.
        earlier = events.alias("earlier")
        revision_then = (
            sa.select(sa.func.max(earlier.c.revision))
            .where(earlier.c.event_id == events.c.event_id, earlier.c.recorded_at <= moment)
            .scalar_subquery()
        )
        cols = [events.c[name] for name in (needed or (*schema.FIELD_NAMES, *LOG_COLUMNS))]
        query = sa.select(*cols).where(
            events.c.event_id.in_(later), events.c.revision == revision_then, events.c.retracted.is_(False)
        )
        then = _as_table(pd.read_sql(query, conn))
        ids = pc.cast(current.column("event_id"), pa.string())
        hit = pc.is_in(ids, value_set=pa.array(sorted(changed), pa.string()))
        return _replace_rows(current, np.flatnonzero(_numpy(hit)), then)

    def _superseded_table(self, conn: Connection, path: Path, columns: Sequence[str] | None) -> pa.Table:
        """The revisions not in the current view, from their file when it exists, else from SQL (writing it)."""
        cached = _read_cached(path, columns)
        if cached is not None:
            return cached
        table = self._read_superseded(conn)
        _write_snapshot(table, path)
        return table.select(list(columns)) if columns else table

    @staticmethod
    def _read_superseded(conn: Connection) -> pa.Table:
        """Every row of the log not in the current view, from SQL: each revision below its event's head,
        and each head that is a retraction (one query; ~50,000 rows of a 1M-event log with 5% revised)."""
        at_head = events.c.event_id == event_heads.c.event_id
        query = (
            sa.select(*[events.c[name] for name in (*schema.FIELD_NAMES, *LOG_COLUMNS)])
            .select_from(events.join(event_heads, at_head))
            .where(sa.or_(events.c.revision < event_heads.c.revision, event_heads.c.retracted.is_(True)))
        )
        return _as_table(pd.read_sql(query, conn))

    def superseded_revisions(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Every revision of the log that is not in the current view, in no particular order.

        That is each revision a later one superseded, and each event's retraction when it is the
        event's head (``retracted`` says which); with the current view it makes the whole log. On a
        SQLite file it is read from the Parquet file beside the snapshot (tens of milliseconds for the
        50,000 earlier revisions of a 1M-event log, where SQL takes about a second), written on first
        use and carried forward by writes; elsewhere from SQL.
        """
        with self.reading() as conn:
            path = superseded_path(self.engine, self.revision_token(conn))
            if path is not None:
                table = self._superseded_table(conn, path, columns)
            else:
                table = self._read_superseded(conn)
                table = table.select(list(columns)) if columns else table
        return _to_frame(table)

    def _read_current(self, conn: Connection, as_of: dt.datetime | None, columns: Sequence[str] | None) -> pa.Table:
        cols = [events.c[name] for name in (columns or (*schema.FIELD_NAMES, *LOG_COLUMNS))]
        if as_of is None:
            query = (
                sa.select(*cols)
                .select_from(
                    events.join(
                        event_heads,
                        sa.and_(
                            events.c.event_id == event_heads.c.event_id, events.c.revision == event_heads.c.revision
                        ),
                    )
                )
                .where(event_heads.c.retracted.is_(False))
            )
        else:
            latest = (
                sa.select(events.c.event_id, sa.func.max(events.c.revision).label("revision"))
                .where(events.c.recorded_at <= _naive_utc(as_of))
                .group_by(events.c.event_id)
                .subquery()
            )
            query = (
                sa.select(*cols)
                .select_from(
                    events.join(
                        latest, sa.and_(events.c.event_id == latest.c.event_id, events.c.revision == latest.c.revision)
                    )
                )
                .where(events.c.retracted.is_(False))
            )
        return _as_table(pd.read_sql(query.order_by(events.c.event_date, events.c.event_id), conn))

    def query(self, filters: EventFilter | None = None, as_of: dt.datetime | None = None) -> pd.DataFrame:
        """Current events matching ``filters``."""
        frame = self.current_events(as_of=as_of)
        return (filters or EventFilter()).apply(frame).reset_index(drop=True)

    def history(self, event_id: str) -> pd.DataFrame:
        """Every revision of one event, oldest first."""
        with self.reading() as conn:
            frame = pd.read_sql(
                sa.select(events).where(events.c.event_id == event_id).order_by(events.c.revision), conn
            )
        if frame.empty:
            raise StoreError(f"no event with id {event_id!r}")
        return normalise_frame(frame)

    def revision_token(self, conn: Connection | None = None) -> str:
        """Changes whenever the log or the import history changes; O(1) on the indexes.

        Read in ``conn``'s transaction when given (a backup pins its snapshot so).
        """
        if conn is None:
            with self.reading() as own:
                return self.revision_token(own)
        last_row = conn.execute(sa.select(sa.func.max(events.c.row_id))).scalar()
        last_batch = conn.execute(sa.select(sa.func.max(import_batches.c.batch_id))).scalar()
        # The newest write time as well as the ids: after an older backup is restored,
        # new writes reuse row ids the dashboard may have cached, but never a timestamp.
        last_write = conn.execute(sa.select(sa.func.max(events.c.recorded_at))).scalar()
        last_import = conn.execute(sa.select(sa.func.max(import_batches.c.started_at))).scalar()
        stamp = max((t for t in (last_write, last_import) if t is not None), default=None)
        suffix = f".{_to_datetime(stamp):%Y%m%d%H%M%S%f}" if stamp is not None else ""
        return f"{last_row or 0}.{last_batch or 0}{suffix}"

    def is_empty(self) -> bool:
        with self.reading() as conn:
            return conn.execute(sa.select(events.c.row_id).limit(1)).first() is None

    def batches(self) -> pd.DataFrame:
        """The import history, newest first."""
        with self.reading() as conn:
            return pd.read_sql(sa.select(import_batches).order_by(import_batches.c.batch_id.desc()), conn)

    def find_batch(self, sha256: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = (
                conn.execute(
                    sa.select(import_batches)
                    .where(import_batches.c.sha256 == sha256)
                    .order_by(import_batches.c.batch_id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def stats(self) -> dict[str, Any]:
        """Counts by category and origin, date span and revision token."""
        frame = self.current_events(
            columns=("event_id", "category", "origin", "event_date", "event_date_end", "quality_flags")
        )
        with self.reading() as conn:
            revisions = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar()
        span_end = frame["event_date_end"].fillna(frame["event_date"]).max() if len(frame) else None
        return {
            "events": int(len(frame)),
            "revisions": int(revisions or 0),
            "by_category": {k: int(v) for k, v in frame["category"].value_counts().sort_index().items()},
            "by_origin": {k: int(v) for k, v in frame["origin"].value_counts().sort_index().items()},
            "by_quality_flag": quality_flag_counts(frame["quality_flags"]),
            "first_date": frame["event_date"].min().date().isoformat() if len(frame) else None,
            "last_date": span_end.date().isoformat() if span_end is not None else None,
            "revision_token": self.revision_token(),
        }

    # --- internals ---------------------------------------------------------
    def _heads(self, conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(ids), _IDS_PER_QUERY):
            for row in conn.execute(sa.select(event_heads).where(event_heads.c.event_id.in_(chunk))).mappings():
                found[row["event_id"]] = dict(row)
        return found

    @staticmethod
    def _current_rows(conn: Connection, heads: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The rows at the given heads' revisions, by event id: one query per 10,000 events."""
        found: dict[str, dict[str, Any]] = {}
        at_head = sa.and_(event_heads.c.event_id == events.c.event_id, event_heads.c.revision == events.c.revision)
        for chunk in _chunks([head["event_id"] for head in heads], _IDS_PER_QUERY):
            query = sa.select(events).join(event_heads, at_head).where(event_heads.c.event_id.in_(chunk))
            for row in conn.execute(query).mappings():
                found[row["event_id"]] = dict(row)
        return found

    def _current_row(self, conn: Connection, event_id: str) -> dict[str, Any]:
        head = self._heads(conn, [event_id]).get(event_id)
        if head is None:
            raise StoreError(f"no event with id {event_id!r}")
        if head["retracted"]:
            raise StoreError(f"event {event_id!r} is retracted")
        row = (
            conn.execute(sa.select(events).where(events.c.event_id == event_id, events.c.revision == head["revision"]))
            .mappings()
            .one()
        )
        return dict(row)

    @staticmethod
    def _write_heads(conn: Connection, new: list[dict], moved: list[dict]) -> None:
        for chunk in _chunks(new):
            conn.execute(event_heads.insert(), chunk)
        if moved:
            statement = (
                event_heads.update()
                .where(event_heads.c.event_id == sa.bindparam("key"))
                .values(
                    revision=sa.bindparam("revision"),
                    content_hash=sa.bindparam("content_hash"),
                    retracted=sa.bindparam("retracted"),
                )
            )
            for chunk in _chunks(moved):
                conn.execute(statement, [{k: v for k, v in m.items() if k != "event_id"} for m in chunk])


def _required_reason(reason: str | None, what: str) -> str:
    """A correction or retraction says why: the reason is what the change log shows beside it."""
    text = (reason or "").strip()
    if not text:
        raise StoreError(f"{what} needs a reason (what report or finding it rests on)")
    return text


def quality_flag_counts(flags: pd.Series) -> dict[str, int]:
    """Claims carrying each quality flag (a claim with two flags counts under both), in the schema's order."""
    counts = dict.fromkeys(schema.QUALITY_FLAGS, 0)
    for value, claims in flags.dropna().astype(str).value_counts().items():
        for flag in schema.flag_set(value):
            counts[flag] = counts.get(flag, 0) + int(claims)
    return {flag: n for flag, n in counts.items() if n}


def _insert_columns(conn: Connection, table: sa.Table, columns: dict[str, list[Any]]) -> None:
    """Insert rows given column-wise (name -> values, all of one length) in large executemany calls.

    On SQLite the statement goes straight to the driver's cursor: SQLAlchemy's
    per-row parameter handling costs several times the insert itself at a
    million rows. The SQL is still compiled from the Table, and values go through
    the column types' own bind processors, so what is stored is exactly what
    ``conn.execute(table.insert(), rows)`` stores. Other back ends take the Core path.
    """
    keys = list(columns)
    count = len(columns[keys[0]]) if keys else 0
    if not count:
        return
    if conn.dialect.name != "sqlite":
        rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        for chunk in _chunks(rows):
            conn.execute(table.insert(), chunk)
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup or keys)
    values = []
    for key in order:
        process = table.c[key].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        values.append(columns[key] if process is None else _processed(process, columns[key]))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(str(compiled), zip(*values, strict=True))
    finally:
        cursor.close()


def _processed(process: Any, values: list[Any]) -> list[Any]:
    """``process`` applied to each value, once per distinct value: the columns that need it
    (dates, the batch's timestamp, flags) repeat a few values many times."""
    done = {value: process(value) for value in set(values)}
    return [done[value] for value in values]


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame read from the database stable dtypes, whatever the back end."""
    for name in schema.DATE_FIELDS:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name], errors="coerce")
    for name in schema.FLOAT_FIELDS:
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in ("geo_precision", "credibility"):
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
    if "recorded_at" in frame:
        # Microseconds, what both back ends store: parsed text would otherwise take its unit from the
        # values (whole seconds read back as datetime64[s]), and two reads of one moment could differ.
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"]).astype("datetime64[us]")
    if "retracted" in frame:
        frame["retracted"] = frame["retracted"].astype(bool)
    return frame


# Low-cardinality text columns held as pandas categoricals: at a million rows a
# category column is 1 byte per row instead of a Python string, and filtering
# (isin) and grouping on it work on the integer codes.
CATEGORICAL_COLUMNS = (
    "category",
    "subcategory",
    "claimant",
    "actor",
    "counterpart",
    "unit",
    "admin1_code",
    "admin1_name",
    "country_code",
    "confidence",
    "date_precision",
    "origin",
)
SNAPSHOT_DIR = "cache"


def _as_table(frame: pd.DataFrame) -> pa.Table:
    """Rows read from SQL as Arrow: every read (SQL, snapshot, as_of, any back end) goes through this,
    so all give the same dtypes."""
    return pa.Table.from_pandas(compact_frame(normalise_frame(frame)), preserve_index=False)


def compact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Low-cardinality text columns as categoricals (same values, missing stays missing)."""
    for name in CATEGORICAL_COLUMNS:
        if name in frame and not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("category")
    return frame


def snapshot_path(engine: Engine, token: str) -> Path | None:
    """Where the Parquet snapshot of the current view at ``token`` lives, or None.

    Only for a SQLite file: ``<db folder>/cache/<db name>-current-<token>.parquet``
    (``cache/`` beside the default database in the user's data folder). The token changes with
    every appended row or import, and rows are never updated in place, so a
    snapshot named for a token can never go stale. PostgreSQL and in-memory
    databases are read from SQL every time.
    """
    return _cache_path(engine, "current", token)


def superseded_path(engine: Engine, token: str) -> Path | None:
    """Where the Parquet file of the revisions not in the current view at ``token`` lives, or None.

    Beside the snapshot (``<db name>-superseded-<token>.parquet``; a prefix of its own, so the
    cleanup of older snapshots and of older superseded files leaves the other kind alone). It holds
    every row of the log that the current view does not: each revision a later one superseded, and
    each retraction that is an event's head. The snapshot and this file together are the whole log,
    so a past view is built from the two without SQL (:meth:`EventStore._read_as_of`).
    """
    return _cache_path(engine, "superseded", token)


def _cache_path(engine: Engine, kind: str, token: str) -> Path | None:
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    db = Path(engine.url.database)
    return db.parent / SNAPSHOT_DIR / f"{db.stem}-{kind}-{token}.parquet"


def _snapshot_current(path: Path) -> bool:
    """Whether a snapshot exists and holds every schema field: a migration that adds a field
    (e.g. quality_flags) does not change the revision token, so an older snapshot may lack it."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return False
    try:
        return set(schema.FIELD_NAMES) <= set(pq.read_schema(path).names)
    except (OSError, pa.ArrowInvalid):
        return False


def _stacked(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames with the same columns end to end, categoricals with sorted categories and none unused
    (as a fresh read has them). Column by column: pandas' whole-frame concat of these dtypes takes
    seconds at 1M rows."""
    if len(frames) == 1:
        return frames[0]
    return pd.DataFrame(
        {
            name: _categories_union([frame[name] for frame in frames])
            if name in CATEGORICAL_COLUMNS
            else pd.concat([frame[name] for frame in frames], ignore_index=True)
            for name in frames[0].columns
        }
    )


def _read_cached(path: Path | None, columns: Sequence[str] | None = None) -> pa.Table | None:
    """A snapshot or superseded file when it exists, holds every schema field and reads; else None
    (an unreadable file, e.g. after a disk error, is rebuilt like a missing one)."""
    if path is None or not _snapshot_current(path):
        return None
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=list(columns) if columns else None)
    except (OSError, pa.ArrowInvalid):
        return None


def _categories_union(columns: Sequence[pd.Series]) -> pd.Series:
    """Categorical columns end to end, with sorted categories and none unused, as a fresh read has them."""
    try:
        joined = union_categoricals(list(columns), sort_categories=True, ignore_order=True)
    except TypeError:  # categories of different dtypes (one side has no value at all)
        joined = pd.Categorical(pd.concat([column.astype(object) for column in columns], ignore_index=True))
    return pd.Series(joined).cat.remove_unused_categories()


# Columns a past view is built on, read whatever columns the caller asked for.
_AS_OF_KEYS = ("event_id", "event_date", "revision", "recorded_at", "retracted")


def _as_of_from_files(current: pa.Table, superseded: pa.Table, moment: dt.datetime) -> pa.Table:
    """The view at ``moment`` from the current view and the revisions not in it (:func:`superseded_path`).

    The two hold every row of the log, so the events changed after ``moment`` are those with a row
    recorded after it in either, and each one's state then is its newest row recorded at or before
    it (a retraction: withdrawn then; none: not yet known). That row is a superseded one, except when
    the clock stepped back between two revisions; the current rows of those events are candidates too.
    """
    at = pa.scalar(moment, pa.timestamp("us"))
    later_here = np.flatnonzero(_numpy(pc.greater(current.column("recorded_at"), at)))
    ids = pc.cast(current.column("event_id"), pa.string())
    changed = ids.take(pa.array(later_here, pa.int64()))
    if superseded.num_rows:
        sup_ids = pc.cast(superseded.column("event_id"), pa.string())
        later_there = pc.unique(sup_ids.filter(pc.greater(superseded.column("recorded_at"), at)))
        # Changed events whose current row is not later than the moment: retracted now (no current
        # row), or a clock that stepped back. Few; only they need a look-up among the current ids.
        elsewhere = pc.filter(later_there, pc.invert(pc.is_in(later_there, value_set=changed.combine_chunks())))
        positions = later_here
        if len(elsewhere):
            extra = np.flatnonzero(_numpy(pc.is_in(ids, value_set=elsewhere)))
            positions = np.union1d(later_here, extra)
            changed = pa.chunked_array([changed.combine_chunks(), elsewhere], pa.string())
        else:
            extra = np.empty(0, np.int64)
        earlier = pc.and_(
            pc.is_in(sup_ids, value_set=changed.combine_chunks()),
            pc.less_equal(superseded.column("recorded_at"), at),
        )
        # Aligned for the candidates only: the view itself keeps its types (a text column typed by the
        # superseded rows would read back as strings, not as the objects a read from SQL gives).
        typed, then = _aligned(current, superseded.filter(earlier))
        candidates = pa.concat_tables([then, typed.take(pa.array(extra, pa.int64()))])
    else:
        positions, candidates = later_here, current.slice(0, 0)
    return _replace_rows(current, positions, _newest_known(candidates))


def _newest_known(rows: pa.Table) -> pa.Table:
    """Each event's row with the highest revision among ``rows``, unless that row is a retraction."""
    if not rows.num_rows:
        return rows
    if pc.count_distinct(rows.column("event_id")).as_py() == rows.num_rows:  # one row per event: no sort
        return rows.filter(pc.invert(rows.column("retracted")))
    keys = pa.table({"id": pc.cast(rows.column("event_id"), pa.string()), "revision": rows.column("revision")})
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending"), ("revision", "descending")])
    ids = _numpy(keys.column("id").take(order))
    first = np.ones(len(ids), bool)
    first[1:] = ids[1:] != ids[:-1]
    newest = rows.take(order.filter(pa.array(first)))
    return newest.filter(pc.invert(newest.column("retracted")))


def _replace_rows(view: pa.Table, positions: np.ndarray, rows: pa.Table) -> pa.Table:
    """``view`` without its rows at ``positions`` (sorted), plus ``rows``, in the SQL read's order
    (event date, then id); ``rows`` are of events among those at ``positions`` or not in ``view``.

    One ``take`` of the result's rows, with no sort of the view: a row of an event whose date did
    not change takes its event's place, and only the others (a date changed, an event not in the
    view) are placed by searching the view's order. A sort of the million (date, id) keys and the
    ``take`` it drove cost ~0.6 s at 1M rows; this ``take`` copies the rows in the view's order.
    When every event keeps its place, a column the replacing rows do not change is not copied at all.
    ``rows`` are given the view's column types, so the result reads back (``_to_frame``) with the
    dtypes of a read from SQL.
    """
    if not len(positions) and not rows.num_rows:
        return view
    view, rows = _aligned(view, rows)
    count = view.num_rows
    source = np.arange(count, dtype=np.int64)  # row i of the result: row source[i] of view + rows
    keep = np.ones(count, bool)
    keep[positions] = False
    placed = np.zeros(rows.num_rows, bool)
    same = target = np.empty(0, np.int64)
    if rows.num_rows and len(positions):
        ids_there = pc.cast(view.column("event_id"), pa.string()).take(pa.array(positions, pa.int64()))
        match = _numpy(pc.index_in(pc.cast(rows.column("event_id"), pa.string()), value_set=ids_there).fill_null(-1))
        found = np.flatnonzero(match >= 0)
        dates = _day_numbers(view.column("event_date").take(pa.array(positions[match[found]], pa.int64())))
        same = found[dates == _day_numbers(rows.column("event_date").take(pa.array(found, pa.int64())))]
        target = positions[match[same]]
        source[target] = count + same
        keep[target] = True
        placed[same] = True
    order = source[keep]
    moved = np.flatnonzero(~placed)
    if len(moved):
        moved, points = _insertion_points(view, rows, moved)
        order = np.insert(order, np.searchsorted(np.flatnonzero(keep), points), count + moved)
    elif keep.all():  # each changed event replaced in its place (the rows kept their dates)
        return _untyped_when_empty(_replaced_in_place(view, rows, target, same, pa.array(order, pa.int64())))
    return _untyped_when_empty(pa.concat_tables([view, rows]).take(pa.array(order, pa.int64())))


def _replaced_in_place(
    view: pa.Table, rows: pa.Table, target: np.ndarray, replacing: np.ndarray, order: pa.Array
) -> pa.Table:
    """``view`` with its rows at ``target`` replaced by ``rows`` at ``replacing`` (``order``: the take
    of view + rows that does it). A column whose values the replacing rows do not change is kept as
    it is, without a copy: revisions that change a description and a confidence leave the sources'
    text (a third of the view's bytes) and most other columns alone."""
    columns = []
    ascending = np.argsort(target)
    at, by = target[ascending], pa.array(replacing[ascending], pa.int64())
    for name in view.column_names:
        here, there = view.column(name), rows.column(name)
        if _same_values(_take_ascending(here, at), there.take(by)):
            columns.append(here)
        else:
            columns.append(pa.chunked_array([*here.chunks, *there.chunks], here.type).take(order))
    return pa.Table.from_arrays(columns, schema=view.schema)


def _take_ascending(column: pa.ChunkedArray, positions: np.ndarray) -> pa.ChunkedArray:
    """``column.take(positions)`` for ascending positions, chunk by chunk: a ``take`` over a chunked
    column joins its chunks first, a copy of the whole column (0.1–0.3 s for the sources' text at 1M)."""
    taken, start = [], 0
    for chunk in column.chunks:
        first, last = np.searchsorted(positions, [start, start + len(chunk)])
        if last > first:
            taken.append(chunk.take(pa.array(positions[first:last] - start, pa.int64())))
        start += len(chunk)
    return pa.chunked_array(taken, column.type)


def _same_values(one: pa.ChunkedArray, other: pa.ChunkedArray) -> bool:
    """Equal values, missing in the same places (categories compared by their values)."""
    if pa.types.is_dictionary(one.type):
        one, other = one.cast(one.type.value_type), other.cast(other.type.value_type)
    return one.combine_chunks().equals(other.combine_chunks())


def _untyped_when_empty(table: pa.Table) -> pa.Table:
    """Text columns with no value left as Arrow's null type, as a read from SQL gives them (pandas then
    reads them as objects, not as strings): a value the merge removed may have typed the column."""
    for index, column in enumerate(table.columns):
        text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        if text and table.num_rows and column.null_count == table.num_rows:
            table = table.set_column(index, table.field(index).with_type(pa.null()), pa.nulls(table.num_rows))
    return table


def _insertion_points(view: pa.Table, rows: pa.Table, picked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``picked`` rows of ``rows`` in (event date, id) order, and for each the position of the first
    row of ``view`` (in that order already) that sorts after it."""
    some = rows.take(pa.array(picked, pa.int64()))
    keys = pa.table(
        {"date": _day_numbers(some.column("event_date")), "id": pc.cast(some.column("event_id"), pa.string())}
    )
    order = _numpy(pc.sort_indices(keys, sort_keys=[("date", "ascending"), ("id", "ascending")]))
    dates, ids = _numpy(keys.column("date"))[order], keys.column("id").take(pa.array(order)).to_pylist()
    view_dates = _day_numbers(view.column("event_date"))
    view_ids = pc.cast(view.column("event_id"), pa.string())
    starts = np.searchsorted(view_dates, dates, side="left")
    ends = np.searchsorted(view_dates, dates, side="right")
    points = starts.copy()
    same_day: dict[int, list[str]] = {}
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if end > start:  # among the view's rows of that date, by id (Python's str order is Arrow's and SQLite's)
            if start not in same_day:
                same_day[start] = view_ids.slice(start, end - start).to_pylist()
            points[i] = start + bisect.bisect_left(same_day[start], ids[i])
    return picked[order], points


def _day_numbers(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Event dates as integers in the column's unit, ordered as the dates are."""
    return _numpy(pc.cast(column, pa.int64()))


def _numpy(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return values.to_numpy() if isinstance(values, pa.ChunkedArray) else values.to_numpy(zero_copy_only=False)


def _aligned(view: pa.Table, rows: pa.Table) -> tuple[pa.Table, pa.Table]:
    """``view`` and ``rows`` (the same columns, read separately) with one schema: the view's, pandas
    metadata included (it is what makes nullable integers read back as Int64). A column with no value
    in the view at all has Arrow's null type: it takes the rows' type. Categories of different index
    widths (more values on one side) share the wider one."""
    fields = []
    for column in view.schema:
        other = rows.schema.field(column.name)
        if _untyped(column.type):
            fields.append(other)
        elif pa.types.is_dictionary(column.type) and pa.types.is_dictionary(other.type) and column.type != other.type:
            fields.append(column.with_type(pa.dictionary(pa.int32(), column.type.value_type)))
        else:
            fields.append(column)
    schema_ = pa.schema(fields, metadata=view.schema.metadata)
    if schema_ == view.schema and schema_ == rows.schema and view.schema.metadata == rows.schema.metadata:
        return view, rows
    return tuple(
        pa.Table.from_arrays([_as_type(table.column(f.name), f.type) for f in schema_], schema=schema_)
        for table in (view, rows)
    )


def _untyped(kind: pa.DataType) -> bool:
    """A column read with no value at all: Arrow's null type, or a dictionary of nulls (a categorical)."""
    return pa.types.is_null(kind) or (pa.types.is_dictionary(kind) and pa.types.is_null(kind.value_type))


def _as_type(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    if column.type == kind:
        return column
    if _untyped(column.type):  # all missing: as missing values of the wanted type (no cast from null exists for all)
        return pa.chunked_array([pa.nulls(len(column), kind)], kind)
    return column.cast(kind)


def _sorted_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals with sorted categories and none unused, as ``astype("category")`` on a fresh SQL read gives."""
    for name in CATEGORICAL_COLUMNS:
        if name in frame and isinstance(frame[name].dtype, pd.CategoricalDtype):
            column = frame[name]
            categories = column.cat.categories
            # Which categories are used, by counting codes (-1 = missing): O(n), where
            # remove_unused_categories sorts the codes (~0.9 s for the twelve columns at 1M rows).
            used = np.bincount(column.cat.codes.to_numpy() + 1, minlength=len(categories) + 1)[1:] > 0
            wanted = sorted(categories[used])
            if list(categories) != wanted:
                frame[name] = column.cat.set_categories(wanted)
    return frame


def _to_frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    for name in schema.DATE_FIELDS:
        if name in frame:
            frame[name] = frame[name].astype("datetime64[s]")  # Parquet has no seconds unit; keep one dtype
    if "recorded_at" in frame:
        frame["recorded_at"] = frame["recorded_at"].astype("datetime64[us]")  # as normalise_frame gives it
    # Parquet gives a column with no value at all back as plain objects: categorical again, as read from SQL.
    return compact_frame(frame)


def _write_snapshot(table: pa.Table, path: Path) -> None:
    """Write atomically (a reader never sees half a file), then drop this database's older snapshots."""
    import pyarrow.parquet as pq

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        pq.write_table(table, partial)
        os.replace(partial, path)
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(f"{prefix}*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder only costs speed: the next read goes to SQL again


def _to_datetime(value: dt.datetime | str) -> dt.datetime:
    """SQLite hands aggregate timestamps back as text; PostgreSQL as datetimes."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_default_database(url: str) -> bool:
    """Whether ``url`` is the built-in default SQLite file, the one database seeded on the dashboard's first start."""
    return url == builtin_database_url()


def open_store(url: str | None = None, *, create: bool = True, seed: bool = False) -> EventStore:
    """Open the store at ``url``, creating (and migrating) the database when ``create``.

    Opening never loads data: seeding is the caller's choice (``importers.seed_store``: the CLI's
    ``seed`` command, the dashboard's first start on the default database, the Data page's button).
    With ``create=False`` (read-only commands) a SQLite file that does not exist is an error naming
    it, not a new empty database. ``seed`` is accepted only as False, for callers written when
    opening an empty database loaded the seed log.
    """
    if seed:
        raise TypeError("open_store no longer seeds: call dashboard.events.importers.seed_store(store)")
    url = default_url() if url is None else url
    if not is_default_database(url):  # the default database is ours: its folder is made on first use
        check_database_url(url, allow_memory=True)  # the command line refuses in-memory URLs itself
    if not create:
        _require_existing_sqlite_file(url)
    try:
        return EventStore(create_engine_for(url))
    except (sa.exc.ArgumentError, ImportError) as exc:  # unparsable URL, back end without its driver
        raise StoreError(f"cannot use the database URL: {exc}") from None
    except sa.exc.DatabaseError as exc:  # not a SQLite database, locked, read-only, server down, ...
        raise StoreError(database_error_message(exc, url) or f"cannot open the database: {exc.orig}") from None


def _require_existing_sqlite_file(url: str) -> None:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"cannot use the database URL: {exc}") from None
    path = parsed.database
    on_disk = parsed.get_backend_name() == "sqlite" and path and path != ":memory:" and not path.startswith("file:")
    if on_disk and not Path(path).is_file():
        raise StoreError(
            f"no database at {path}: this command only reads; check the path, or create it with "
            "`conflict-monitor --db URL import FILE` or `conflict-monitor --db URL seed`"
        )
