"""Where Conflict Monitor finds its files: the data it ships, and the user's database.

The shipped data (seed log, boundaries, gazetteer) is the package ``dashboard.resources``: the
checkout's top-level ``data/`` folder, mapped into the package by ``pyproject.toml``, so that a wheel
carries it and an editable install points at it. The database lives in the user's data folder, not in
the source tree or wherever the program happens to be installed.
"""

from __future__ import annotations

import atexit
import importlib.resources
import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import sqlalchemy as sa

APP_NAME = "conflict-monitor"
DB_URL_ENV = "CONFLICT_MONITOR_DB"
DB_FILE_NAME = "conflict_monitor.sqlite"
RESOURCES_PACKAGE = "dashboard.resources"

# The checkout this module sits in, if it does: only two things look there. A checkout put on
# sys.path without an install that maps data/ (PYTHONPATH=checkout) still finds its own data/, and
# a database that earlier versions created in data/ keeps being used instead of silently ignored.
_CHECKOUT = Path(__file__).resolve().parents[2]
_CHECKOUT_DATA = _CHECKOUT / "data"

# Files extracted from a zipped installation live until the interpreter exits.
_extracted = ExitStack()
atexit.register(_extracted.close)


def data_dir() -> Path:
    """The folder that holds the shipped data files (``seed/``, ``boundaries/``).

    ``dashboard.resources`` through :mod:`importlib.resources` when the package is installed
    (wheel or editable); the checkout's ``data/`` when it is only on ``sys.path``.
    """
    try:
        root = importlib.resources.files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        if (_CHECKOUT_DATA / "__init__.py").is_file():
            return _CHECKOUT_DATA
        raise
    if isinstance(root, Path):
        return root
    return _extracted.enter_context(importlib.resources.as_file(root))


def data_file(*parts: str) -> Path:
    """A shipped data file, e.g. ``data_file("seed", "events.csv")``."""
    return data_dir().joinpath(*parts)


def data_source() -> str:
    """One line on where the shipped data comes from (for ``doctor``)."""
    try:
        importlib.resources.files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        return f"{data_dir()} (the checkout's data/: {RESOURCES_PACKAGE} is not installed)"
    return f"{data_dir()} (package {RESOURCES_PACKAGE})"


def user_data_dir() -> Path:
    """The user's data folder for Conflict Monitor, e.g. ``~/.local/share/conflict-monitor`` on Linux."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def checkout_db_path() -> Path | None:
    """``data/conflict_monitor.sqlite`` of the checkout this code runs from, if one exists there."""
    path = _CHECKOUT_DATA / DB_FILE_NAME
    return path if (_CHECKOUT / "pyproject.toml").is_file() and path.is_file() else None


@dataclass(frozen=True)
class DatabaseLocation:
    """Which database the program uses, and why.

    ``origin`` is one of ``"--db"``, ``"$CONFLICT_MONITOR_DB"``, ``"checkout"`` or
    ``"user data folder"``; ``note`` is a line to show the user, or empty.
    """

    url: str
    origin: str
    note: str = ""

    @property
    def display(self) -> str:
        """The URL with any password hidden, fit to print."""
        try:
            return sa.make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return self.url

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for another back end or an in-memory database."""
        prefix = "sqlite:///"
        if not self.url.startswith(prefix) or self.url[len(prefix) :] in ("", ":memory:"):
            return None
        return Path(self.url[len(prefix) :].split("?", 1)[0])


def builtin_database_url() -> str:
    """The database used when neither ``--db`` nor ``$CONFLICT_MONITOR_DB`` names one."""
    legacy = checkout_db_path()
    return f"sqlite:///{legacy if legacy is not None else user_data_dir() / DB_FILE_NAME}"


def database_location(url: str | None = None) -> DatabaseLocation:
    """The database to use: ``url`` (``--db``), else ``$CONFLICT_MONITOR_DB``, else the default file.

    The default is ``conflict_monitor.sqlite`` in the user's data folder, unless the checkout this
    code runs from already holds ``data/conflict_monitor.sqlite`` (made by earlier versions): that
    one is used, with a note saying so and how to move it.
    """
    if url:
        return DatabaseLocation(url, "--db")
    if os.environ.get(DB_URL_ENV):
        return DatabaseLocation(os.environ[DB_URL_ENV], f"${DB_URL_ENV}")
    legacy = checkout_db_path()
    user_db = user_data_dir() / DB_FILE_NAME
    if legacy is not None:
        note = (
            f"note: using the database in the checkout, {legacy} (made by an earlier version); the default is now "
            f"{user_db}: move the file there (with its -wal/-shm files, the dashboard stopped) or set {DB_URL_ENV}"
        )
        return DatabaseLocation(f"sqlite:///{legacy}", "checkout", note)
    return DatabaseLocation(f"sqlite:///{user_db}", "user data folder")
