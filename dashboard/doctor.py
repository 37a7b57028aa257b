"""``conflict-monitor doctor``: what this installation runs with, and what would stop it working.

Each finding is a :class:`Finding` (a label, what was found, and whether it is fine, a warning or a
problem); the CLI prints them and exits 1 if any is a problem. Nothing here writes: a database that
does not exist yet is reported as such, not created.
"""

from __future__ import annotations

import importlib.metadata
import ipaddress
import os
import platform
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from dashboard.events import locations, migrate
from dashboard.streamlit_settings import SETTINGS

OK, WARNING, PROBLEM = "ok", "warning", "problem"
# Versions worth knowing when something misbehaves: the program and what draws, stores and exports.
LIBRARIES = ("streamlit", "pandas", "plotly", "kaleido", "geopandas", "pyogrio", "sqlalchemy", "alembic", "pyarrow")
CHROMIUM_HINT = (
    "install Chromium for PNG/SVG export (Debian/Ubuntu: `apt-get install chromium`), or set BROWSER_PATH "
    "to a Chrome/Chromium executable; kaleido cannot download one offline"
)


@dataclass(frozen=True)
class Finding:
    label: str
    text: str
    status: str = OK

    def line(self) -> str:
        mark = {OK: "", WARNING: "warning: ", PROBLEM: "PROBLEM: "}[self.status]
        return f"{self.label + ':':<18} {mark}{self.text}"


def version() -> str:
    """The installed version of Conflict Monitor ("unknown" when run from a checkout that is not installed)."""
    try:
        return importlib.metadata.version("conflict-monitor")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def versions() -> list[Finding]:
    import dashboard

    found = [
        Finding("conflict-monitor", f"{version()} ({Path(dashboard.__file__).parent})"),
        Finding("python", f"{platform.python_version()} ({sys.executable})"),
    ]
    for name in LIBRARIES:
        try:
            found.append(Finding(name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append(Finding(name, "not installed", PROBLEM))
    return found


def database(url: str | None) -> list[Finding]:
    """The database URL (password hidden), where it was chosen, and its schema revision against the newest."""
    where = locations.database_location(url)
    found = [Finding("database", f"{where.display} (from {where.origin})")]
    if where.note:
        found.append(Finding("database note", where.note, WARNING))
    head = migrate.head_revision()
    if where.path is not None and not where.path.is_file():
        return [*found, Finding("schema revision", f"none yet: the first start creates it at revision {head}")]
    try:
        engine = sa.create_engine(where.url)
        try:
            current = migrate.current_revision(engine)
        finally:
            engine.dispose()
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        return [*found, Finding("schema revision", f"cannot read the database: {exc}", PROBLEM)]
    if current == head:
        return [*found, Finding("schema revision", f"{current} (the newest)")]
    text = f"{current or 'none'}; the newest is {head}: the next start of the dashboard or any command upgrades it"
    return [*found, Finding("schema revision", text, WARNING)]


def data_files() -> list[Finding]:
    """Where the shipped data comes from, and whether every file the program reads is there."""
    from dashboard.events import geo
    from dashboard.events.importers import seed_path

    found = [Finding("data files", locations.data_source())]
    for label, path in (
        ("seed log", seed_path()),
        ("boundaries", geo.boundaries_path()),
        ("gazetteer", geo.gazetteer_path()),
    ):
        if path.is_file():
            found.append(Finding(label, f"{path} ({path.stat().st_size:,} bytes)"))
        else:
            found.append(Finding(label, f"{path} is missing", PROBLEM))
    return found


def chromium_path() -> str | None:
    """The Chrome/Chromium kaleido would use for image export, found as kaleido finds it."""
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 (a newer choreographer: fall back to the usual names)
        override = os.environ.get("BROWSER_PATH")
        return override or next(
            filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
        )


def chromium() -> Finding:
    path = chromium_path()
    if path:
        return Finding("chromium", f"{path} (PNG/SVG export)")
    return Finding("chromium", f"not found: {CHROMIUM_HINT}", WARNING)


def secrets_files(cwd: Path | None = None) -> list[Path]:
    """The secrets.toml files Streamlit reads for a server started in ``cwd`` (the global one first)."""
    return [Path.home() / ".streamlit" / "secrets.toml", (cwd or Path.cwd()) / ".streamlit" / "secrets.toml"]


def sign_in_configured(cwd: Path | None = None) -> bool:
    """Whether an ``[auth]`` section (Streamlit's OIDC sign-in) is in any secrets file the server would read."""
    for path in secrets_files(cwd):
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
    return False


def is_public(host: str | None) -> bool:
    """Whether a server bound to ``host`` answers other machines (no host: Streamlit binds every interface)."""
    if host is None or host in ("", "0.0.0.0", "::"):
        return True
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: assume it resolves to a reachable address
        return True


def exposure(host: str | None) -> Finding:
    """Whether ``conflict-monitor serve`` with this bind address would be reachable from outside without sign-in."""
    configured = SETTINGS.get("server.address")  # as serve would pass it, if it ever does
    host = host or os.environ.get("STREAMLIT_SERVER_ADDRESS") or (str(configured) if configured else None)
    where = f"{host}" if host else "every interface (Streamlit's default when no address is set)"
    if not is_public(host):
        return Finding("exposure", f"binds to {where}: this machine only")
    if sign_in_configured():
        return Finding("exposure", f"binds to {where}, with sign-in ([auth] in secrets.toml)")
    return Finding(
        "exposure",
        f"binds to {where} WITHOUT sign-in: anyone who reaches this machine can read the log "
        "(bind to 127.0.0.1 behind a proxy, or configure [auth] in .streamlit/secrets.toml)",
        WARNING,
    )


def findings(url: str | None, host: str | None) -> list[Finding]:
    return [*versions(), *database(url), *data_files(), chromium(), exposure(host)]
