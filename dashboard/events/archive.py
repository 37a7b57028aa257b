"""Dump and restore: the whole log, every revision and import batch, in an open format.

A dump is a ZIP file holding JSON Lines, one object per database row, and a manifest:

- ``import_batches.jsonl``: every import batch, ``batch_id`` order;
- ``events.jsonl``: every revision of every event (retractions included), ``row_id`` order,
  with the log's own columns (``row_id``, ``revision``, ``recorded_at``, ``reason``,
  ``retracted``, ``content_hash``, ``batch_id``);
- ``manifest.json``: the format version, the schema migration, the revision token, the
  columns, and for each member its row count and SHA-256.

Dates are ISO text, times are UTC ISO text with microseconds, numbers are JSON numbers
(every float with all its digits). ``event_heads`` is not dumped: it is an index that
:func:`restore` rebuilds from ``events``. A restore goes into an empty database only, on
either back end, with the same ids and times, so the revision token, ``history`` and
as-of answers are the dump's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dashboard.events import safe_write
from dashboard.events.store import EventStore, StoreError, event_heads, events, import_batches

FORMAT = "conflict-monitor-dump"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Members in restore order: a revision names its batch.
TABLES = {"import_batches.jsonl": import_batches, "events.jsonl": events}
_ORDER = {"import_batches.jsonl": "batch_id", "events.jsonl": "row_id"}
# Rows per INSERT on restore.
_CHUNK = 5_000


@dataclass(frozen=True)
class DumpResult:
    path: Path
    events: int
    batches: int
    revision_token: str


def dump(store: EventStore, target: Path, *, force: bool = False, protected=()) -> DumpResult:
    """Write every batch and revision of ``store`` to ``target`` (a new ZIP file; see the module doc).

    One read transaction, so the dump is one consistent state of the log, whatever is written
    meanwhile; the file appears under its name only when complete (``safe_write``).
    """
    counts: dict[str, int] = {}
    members: dict[str, dict[str, Any]] = {}
    with (
        safe_write.open_for_write(target, force=force, protected=protected) as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        store.reading() as conn,
    ):
        token = store.revision_token(conn)
        for name, table in TABLES.items():
            digest = hashlib.sha256()
            rows = 0
            with archive.open(name, "w", force_zip64=True) as member:
                query = sa.select(table).order_by(table.c[_ORDER[name]])
                for row in conn.execute(query).mappings():
                    line = (json.dumps(_to_json(row), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
                    digest.update(line)
                    member.write(line)
                    rows += 1
            counts[name] = rows
            members[name] = {"rows": rows, "sha256": digest.hexdigest(), "columns": [c.name for c in table.columns]}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "migration": _migration(conn),
            "revision_token": token,
            "dumped_at": dt.datetime.now(dt.UTC).isoformat(),
            "source_backend": conn.dialect.name,
            "members": members,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return DumpResult(Path(target), counts["events.jsonl"], counts["import_batches.jsonl"], token)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a dump, after checking that it is one and that every member matches it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise StoreError(f"{path} is not a dump made by `conflict-monitor dump`: {exc}") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (KeyError, json.JSONDecodeError):
            raise StoreError(f"{path} has no readable {MANIFEST}: not a dump made by `conflict-monitor dump`") from None
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise StoreError(
                f"{path}: unknown dump format {manifest.get('format')!r} version {manifest.get('format_version')!r}"
            )
        for name, table in TABLES.items():
            entry = manifest["members"].get(name)
            if entry is None or name not in archive.namelist():
                raise StoreError(f"{path}: the dump lacks {name}")
            unknown = set(entry["columns"]) - {c.name for c in table.columns}
            if unknown:
                raise StoreError(
                    f"{path}: {name} has column(s) this version does not know ({', '.join(sorted(unknown))}); "
                    "restore with the version that made the dump"
                )
            digest, rows = hashlib.sha256(), 0
            with archive.open(name) as member:
                for line in member:
                    digest.update(line)
                    rows += 1
            if digest.hexdigest() != entry["sha256"] or rows != entry["rows"]:
                raise StoreError(
                    f"{path}: {name} does not match its checksum in the manifest (damaged or edited); nothing restored"
                )
    return manifest


def restore(store: EventStore, path: Path) -> DumpResult:
    """Load the dump at ``path`` into ``store``, which must be empty; all in one transaction.

    Raises StoreError (and writes nothing) if the store holds anything, the dump is damaged,
    or the restored log's revision token differs from the dump's.
    """
    manifest = read_manifest(path)
    with store.writing() as conn:
        if _has_rows(conn, events) or _has_rows(conn, import_batches):
            raise StoreError(
                "restore needs an empty database and this one holds data: give --db a new SQLite file "
                "or an empty PostgreSQL database (nothing was changed)"
            )
        with zipfile.ZipFile(path) as archive:
            for name, table in TABLES.items():
                for chunk in _chunks(_read_rows(archive, name, table)):
                    conn.execute(table.insert(), chunk)
        _rebuild_heads(conn)
        if conn.dialect.name == "postgresql":
            # Rows came with their ids: move each serial sequence past them, or the next import
            # would be handed an id already taken.
            for table, column in ((events, "row_id"), (import_batches, "batch_id")):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "  # noqa: S608 (fixed names)
                        f"COALESCE((SELECT max({column}) FROM {table.name}), 0) + 1, false)"
                    )
                )
        token = store.revision_token(conn)
        if token != manifest["revision_token"]:
            raise StoreError(
                f"restored log has revision token {token}, the dump says {manifest['revision_token']}; "
                "nothing was restored"
            )
    members = manifest["members"]
    return DumpResult(Path(path), members["events.jsonl"]["rows"], members["import_batches.jsonl"]["rows"], token)


def _has_rows(conn: sa.Connection, table: sa.Table) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None


def _rebuild_heads(conn: sa.Connection) -> None:
    """``event_heads`` from ``events``: each event's highest revision."""
    latest = (
        sa.select(events.c.event_id, sa.func.max(events.c.revision).label("revision"))
        .group_by(events.c.event_id)
        .subquery()
    )
    heads = sa.select(events.c.event_id, events.c.revision, events.c.content_hash, events.c.retracted).join(
        latest, sa.and_(events.c.event_id == latest.c.event_id, events.c.revision == latest.c.revision)
    )
    conn.execute(event_heads.insert().from_select(["event_id", "revision", "content_hash", "retracted"], heads))


def _migration(conn: sa.Connection) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def _to_json(row: Any) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat(timespec="microseconds")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


def _read_rows(archive: zipfile.ZipFile, name: str, table: sa.Table) -> Iterator[dict[str, Any]]:
    kinds = {c.name: c.type.python_type if _has_python_type(c.type) else None for c in table.columns}
    with archive.open(name) as member:
        for line in io.TextIOWrapper(member, encoding="utf-8"):
            row = json.loads(line)
            for key, value in row.items():
                if value is None:
                    continue
                kind = kinds.get(key)
                if kind is dt.datetime:
                    row[key] = dt.datetime.fromisoformat(value)
                elif kind is dt.date:
                    row[key] = dt.date.fromisoformat(value)
            yield row


def _has_python_type(column_type: Any) -> bool:
    try:
        column_type.python_type  # noqa: B018 - raises for types without one
    except NotImplementedError:
        return False
    return True


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
