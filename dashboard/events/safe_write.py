"""Safe writes for every file the tool produces (exports, backups, rejects, dumps, later outputs).

A file is written to a temporary name in the target's own folder, flushed to disk, and only
then moved into place, so a crash or a full disk never leaves a partial or empty file under the
real name. An existing target is refused unless the caller says ``force``, and the database in
use (its file and SQLite's ``-wal``/``-shm``/``-journal`` companions, compared after resolving
links) is refused always.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

# SQLite keeps a live database in up to three extra files beside it.
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class UnsafeWriteError(Exception):
    """A write that was refused or failed before anything reached the target name."""


class DiskFullError(UnsafeWriteError):
    """The file system ran out of space; the target was left as it was."""


def database_files(database: str | os.PathLike[str] | None) -> list[Path]:
    """The files of a SQLite database at ``database`` (a path; None or ":memory:" gives none)."""
    text = str(database or "")
    if text.startswith("file:"):  # SQLite's URI form: file:PATH?mode=...
        text = text.removeprefix("file:").split("?", 1)[0]
    if not text or text == ":memory:":
        return []
    path = Path(text)
    return [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_SIBLINGS)]


def is_disk_full(exc: BaseException) -> bool:
    """An OSError for a full disk or quota, or SQLite's "database or disk is full"."""
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        return True
    return "disk is full" in str(exc).lower() or "no space left" in str(exc).lower()


def check_target(target: str | os.PathLike[str], *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Raise UnsafeWriteError if ``target`` may not be written; return it as a Path.

    ``protected`` are files that must never be written (the database in use). They are compared
    with the target as named, with its links resolved, and by inode when the target exists, so a
    symlink or a hard link to the database is caught too.
    """
    path = Path(target)
    guarded = [Path(p) for p in protected]
    named = {path.absolute(), path.resolve()}
    for file in guarded:
        if {file.absolute(), file.resolve()} & named or _same_file(path, file):
            raise UnsafeWriteError(f"refusing to write {path}: it is the database in use ({file})")
    if path.is_dir():
        raise UnsafeWriteError(f"refusing to write {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise UnsafeWriteError(f"cannot write {path}: the folder {path.parent} does not exist")
    if os.path.lexists(path) and not force:
        raise UnsafeWriteError(f"{path} exists; choose a new file name or use --force to replace it")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist
        return False


@contextmanager
def open_for_write(
    target: str | os.PathLike[str], *, force: bool = False, protected: Iterable[Path] = ()
) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file that becomes ``target`` when the block ends without error.

    On any error (a full disk included, reported as DiskFullError) the temporary file is removed
    and ``target`` is left exactly as it was.
    """
    path = check_target(target, force=force, protected=protected)
    with staged_path(path, force=force, protected=protected) as partial, open(partial, "wb") as handle:
        yield handle  # a text wrapper round it may close it; staged_path fsyncs by name either way


@contextmanager
def staged_path(
    target: str | os.PathLike[str], *, force: bool = False, protected: Iterable[Path] = ()
) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that needs a name (SQLite's backup API).

    The caller writes the file at the yielded path; it is moved onto ``target`` when the block
    ends without error, and removed otherwise.
    """
    path = check_target(target, force=force, protected=protected)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    os.chmod(partial, _new_file_mode())  # mkstemp makes it private (0600); outputs are ordinary files
    try:
        try:
            yield partial
            _fsync_file(partial)
            _move_into_place(partial, path, force=force)
        except Exception as exc:
            # ENOSPC from a write, or SQLite's "database or disk is full" from the backup API.
            if is_disk_full(exc):
                raise DiskFullError(f"disk full: {path} was not written (free some space and try again)") from None
            raise
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()
        for suffix in SQLITE_SIBLINGS:  # a SQLite writer may leave a journal beside the partial file
            with suppress(FileNotFoundError):
                partial.with_name(partial.name + suffix).unlink()


def write_bytes(
    target: str | os.PathLike[str], data: bytes, *, force: bool = False, protected: Iterable[Path] = ()
) -> Path:
    """Write ``data`` to ``target`` safely (see :func:`open_for_write`)."""
    return write_chunks(target, [data], force=force, protected=protected)


def write_chunks(
    target: str | os.PathLike[str],
    chunks: Iterable[bytes],
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Write the byte blocks of ``chunks`` to ``target`` safely, one block at a time."""
    with open_for_write(target, force=force, protected=protected) as handle:
        for block in chunks:
            handle.write(block)
    return Path(target)


def write_with(
    target: str | os.PathLike[str],
    writer: Callable[[BinaryIO], None],
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Let ``writer(handle)`` fill ``target`` safely (for writers that want a file object)."""
    with open_for_write(target, force=force, protected=protected) as handle:
        writer(handle)
    return Path(target)


def _new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _move_into_place(partial: Path, target: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, target)  # replaces a symlink itself, never the file it points at
    else:
        try:
            # A hard link fails if the name was taken meanwhile: no check-then-write race.
            os.link(partial, target)
        except FileExistsError:
            raise UnsafeWriteError(f"{target} exists; choose a new file name or use --force to replace it") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            if os.path.lexists(target):  # a file system without hard links: check, then rename
                raise UnsafeWriteError(
                    f"{target} exists; choose a new file name or use --force to replace it"
                ) from None
            os.replace(partial, target)
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
