"""Writing a brief to a file: all or nothing, never over an existing file unless asked, never over the log.

One small function on purpose: safety12 is building ``dashboard/events/safe_write.py`` with the
same rules for every export (temporary file in the target folder, then an atomic rename; an
existing target refused unless ``--force``; the database file refused always). At merge this
function can hand over to it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


class OutputRefused(ValueError):
    """The target may not be written (it exists, or it is the database)."""


def check_target(path: Path, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """The resolved target if ``path`` may be written (see :func:`write_output`), else :class:`OutputRefused`.

    Called before a brief is built, so a refused name costs nothing; :func:`write_output` checks again.
    """
    path = Path(path)
    target = path.resolve()
    for guarded in protected:
        if target == Path(guarded).resolve():
            raise OutputRefused(f"{path}: refusing to write the brief over the database file")
    if target.exists() and not force:
        raise OutputRefused(f"{path} already exists: choose another name or pass --force to replace it")
    if target.exists() and not target.is_file():
        raise OutputRefused(f"{path} exists and is not a regular file")
    if not target.parent.is_dir():
        raise OutputRefused(f"{path}: the folder {path.parent} does not exist")
    return target


def write_output(path: Path, data: bytes, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written.

    The bytes go to a temporary file in the same folder, are flushed to disk, and then
    renamed over ``path``: a reader (or a crash) never sees half a file. An existing
    ``path`` is refused unless ``force``; a path that is one of ``protected`` (the
    database file) is refused always.
    """
    target = check_target(path, force=force, protected=protected)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Path(path)
