"""Database failures a user can meet, as one-line messages that say the cause and the fix.

The command line and the Data page catch a database exception once and show
``database_error_message(exc, url)`` instead of a traceback. Every failure named here leaves the
database as it was: a write runs in one transaction, which the database rolls back.
"""

from __future__ import annotations

import os
import sqlite3

import sqlalchemy as sa

# How long a SQLite writer waits for another's lock, unless the URL says ``?timeout=SECONDS``.
DEFAULT_BUSY_TIMEOUT_S = 30.0


# What a database failure is raised as: SQLAlchemy's wrappers, or sqlite3's own (the backup API).
DATABASE_ERRORS = (sa.exc.SQLAlchemyError, sqlite3.Error)


class DatabaseProblem(Exception):
    """A database failure explained for the user (locked, read-only, full, damaged, unreachable)."""


# Phrases of SQLite's and PostgreSQL's (psycopg's) messages, lower case, per kind of failure.
_LOCKED = ("database is locked", "database table is locked", "lock timeout", "canceling statement due to lock")
_READ_ONLY = ("readonly database", "read-only", "read only")
_FULL = ("database or disk is full", "no space left on device", "could not extend file", "disk full")
_CORRUPT = ("file is not a database", "database disk image is malformed", "malformed")
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "connection failed",
    "could not translate host name",
    "name or service not known",
    "server closed the connection",
    "timeout expired",
    "no route to host",
)
_CANNOT_OPEN = ("unable to open database file",)


def database_error_message(exc: BaseException, url: str | sa.URL | None) -> str | None:
    """The message for ``exc`` (a SQLAlchemy or DB-API error), or None if it is none of the known kinds."""
    if isinstance(exc, DatabaseProblem):
        return str(exc)
    original = getattr(exc, "orig", None) or exc
    if not isinstance(exc, (sa.exc.SQLAlchemyError, sqlite3.Error)) and not _is_driver_error(original):
        return None
    text = str(original).lower()
    where = _describe(url)
    if any(p in text for p in _LOCKED):
        return (
            f"{where} is locked: another program (an import, a backup, a restore) held its write lock longer "
            f"than the {_timeout(url):g} s wait for it; let it finish and try again "
            "(nothing was written)"
        )
    if any(p in text for p in _READ_ONLY):
        return (
            f"{where} is read-only: check the file's permissions and the mount, or the database role's rights "
            "(nothing was written)"
        )
    if any(p in text for p in _FULL):
        return f"disk full: {where} could not grow; free some space and try again (nothing was written)"
    if any(p in text for p in _CORRUPT):
        return (
            f"{where} is damaged or not a Conflict Monitor database: restore it from a backup "
            "(conflict-monitor backup / dump) or point --db at the right file"
        )
    if any(p in text for p in _UNREACHABLE):
        return f"cannot reach the database server for {where}: start the server or check host, port and name"
    if any(p in text for p in _CANNOT_OPEN):
        if _on_read_only_storage(url):
            # SQLite in WAL mode cannot even open a file it may not write beside (its -shm index).
            return (
                f"{where} is read-only: its folder cannot be written (a read-only mount or permissions); "
                "copy the database to a writable place or remount it read-write (nothing was written)"
            )
        return f"cannot open {where}: check that the folder exists and is writable"
    return None


def _on_read_only_storage(url: str | sa.URL | None) -> bool:
    try:
        parsed = sa.make_url(url) if url is not None else None
    except sa.exc.ArgumentError:
        return False
    if parsed is None or parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    folder = os.path.dirname(os.path.abspath(parsed.database.removeprefix("file:")))
    # access() answers EROFS for a read-only mount even to root, who passes every permission check.
    return os.path.isdir(folder) and not os.access(folder, os.W_OK)


def explained(exc: BaseException, url: str | sa.URL | None) -> BaseException:
    """``exc`` as a DatabaseProblem when it is a known kind; otherwise ``exc`` itself, to re-raise."""
    message = database_error_message(exc, url)
    return DatabaseProblem(message) if message else exc


def _is_driver_error(exc: BaseException) -> bool:
    # psycopg's errors derive from its own Error class; checked by name so psycopg stays optional.
    return any(cls.__module__.startswith(("psycopg", "sqlite3")) for cls in type(exc).__mro__)


def _describe(url: str | sa.URL | None) -> str:
    if url is None:
        return "the database"
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return "the database"
    if parsed.get_backend_name() == "sqlite":
        return f"the database {parsed.database}"
    return f"the database {parsed.render_as_string(hide_password=True)}"


def _timeout(url: str | sa.URL | None) -> float:
    try:
        return float(sa.make_url(url).query.get("timeout", DEFAULT_BUSY_TIMEOUT_S))
    except (sa.exc.ArgumentError, TypeError, ValueError):
        return DEFAULT_BUSY_TIMEOUT_S
