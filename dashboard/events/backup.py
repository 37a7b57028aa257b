"""Backups of the event log that are checked before they are trusted."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from dashboard.events import safe_write
from dashboard.events.store import EventStore, StoreError, create_engine_for


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    integrity: str
    revision_token: str


def backup_database(store: EventStore, target: Path, *, force: bool = False) -> BackupResult:
    """Copy a SQLite log with the online backup API, then verify the copy.

    The backup API copies a consistent snapshot while readers and writers carry
    on. The copy must pass ``PRAGMA integrity_check`` and open as a store with the
    same revision token as the source at the time of the copy; otherwise it is
    deleted and an error raised. PostgreSQL deployments use ``pg_dump`` or
    ``conflict-monitor dump`` instead.

    The copy is made under a temporary name beside ``target`` and renamed into place only once
    verified (``safe_write``): a full disk or a failed check leaves no file behind. An existing
    ``target`` is refused unless ``force``; the database itself always.
    """
    if store.engine.dialect.name != "sqlite":
        raise StoreError("backup copies SQLite databases; for PostgreSQL use pg_dump or conflict-monitor dump")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    protected = safe_write.database_files(store.engine.url.database)
    with safe_write.staged_path(target, force=force, protected=protected) as partial:
        with store.reading() as conn:
            # One read transaction pins one snapshot for both the token and the copy: the
            # token's reads start it, and the backup API copies from the transaction its
            # source connection has open. (A token read on another connection could miss
            # a write that the copy then holds.)
            token = store.revision_token(conn)
            source = conn.connection.dbapi_connection
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        result = verify_backup(partial, expected_token=token)
    return BackupResult(target, result.size_bytes, result.integrity, result.revision_token)


def verify_backup(path: Path, expected_token: str | None = None) -> BackupResult:
    """Integrity-check a backup file and read its revision token."""
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()  # sqlite3's context manager only commits; it never closes
    if integrity != "ok":
        path.unlink(missing_ok=True)
        raise StoreError(f"backup failed its integrity check: {integrity}")
    copy = EventStore(create_engine_for(f"sqlite:///{path}"))
    token = copy.revision_token()
    copy.engine.dispose()
    if expected_token is not None and token != expected_token:
        raise StoreError(f"backup holds revision {token}, expected {expected_token}")
    return BackupResult(path, path.stat().st_size, integrity, token)
