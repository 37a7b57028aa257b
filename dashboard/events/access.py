"""Who may change the log: roles, the role map an admin edits, and the one check before every write.

The data layer knows nothing of Streamlit or sign-in. Whoever serves a request (the dashboard
for a signed-in user, the command line for the OS user) says who is acting with
:func:`acting_as`; every write of the store calls :func:`require` first, so a write that skips
the user interface (a crafted request, a disabled button clicked anyway) is refused here and
logged, and every row written names the person who wrote it (:func:`current_actor`).
"""

from __future__ import annotations

import contextvars
import enum
import getpass
import logging
import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

USER_ENV = "CONFLICT_MONITOR_USER"
ROLES_ENV = "CONFLICT_MONITOR_ROLES"
ANONYMOUS_WRITES_ENV = "CONFLICT_MONITOR_ALLOW_ANONYMOUS_WRITES"

log = logging.getLogger("conflict_monitor.access")


class Role(enum.IntEnum):
    """What a person may do; each role may do everything the one before may."""

    VIEWER = 1  # reads every page, downloads
    ANALYST = 2  # also imports, records, revises and retracts claims
    ADMIN = 3  # also backs up and restores

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            names = ", ".join(r.label for r in cls)
            raise ValueError(f"unknown role {text!r} (one of: {names})") from None


# Every write the log accepts, and the least role that may do it: the one place to read it.
ACTIONS: dict[str, Role] = {
    "import": Role.ANALYST,
    "record": Role.ANALYST,  # one claim typed in by hand (the Record page, `conflict-monitor add`)
    "revise": Role.ANALYST,
    "retract": Role.ANALYST,
    "restore": Role.ADMIN,
}


class AccessDenied(PermissionError):
    """A write refused because the acting person's role does not allow it."""


@dataclass(frozen=True)
class Actor:
    """The person a write is done for: the name stored with it, and their role."""

    name: str
    role: Role
    signed_in: bool = False

    def may(self, action: str) -> bool:
        return self.role >= ACTIONS[action]


def local_user() -> str:
    """The name a local write is recorded under: ``CONFLICT_MONITOR_USER``, else the OS user."""
    configured = os.environ.get(USER_ENV, "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def local_actor() -> Actor:
    """Whoever runs the command line or a dashboard bound to this machine only: it is their own log."""
    return Actor(local_user(), Role.ADMIN)


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("conflict_monitor_actor", default=None)


def current_actor() -> Actor:
    """The actor set by the innermost :func:`acting_as`, else the local user."""
    return _actor.get() or local_actor()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Run the body's writes as ``actor`` (per thread and task: Streamlit sessions do not mix)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def require(action: str) -> Actor:
    """Return the current actor if they may do ``action``; otherwise log the refusal and raise."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    actor = current_actor()
    if not actor.may(action):
        log.warning("refused %s by %r (role %s; needs %s)", action, actor.name, actor.role.label, ACTIONS[action].label)
        raise AccessDenied(
            f"{actor.name} has the {actor.role.label} role and may not {action}; "
            f"that needs the {ACTIONS[action].label} role (ask an admin to change the role map)."
        )
    return actor


# --- the role map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleMap:
    """Signed-in users to roles, by email and by group claim; anyone else gets ``default``.

    Read from a TOML file the admin edits (see :func:`load_role_map`)::

        default = "viewer"          # any other signed-in user
        groups_claim = "groups"     # the ID-token claim that lists a user's groups
        [users]
        "ana@example.org" = "analyst"
        [groups]
        "osint-admins" = "admin"
    """

    users: Mapping[str, Role] = field(default_factory=dict)
    groups: Mapping[str, Role] = field(default_factory=dict)
    default: Role = Role.VIEWER
    groups_claim: str = "groups"

    def role_for(self, email: str | None, groups: Sequence[str] = ()) -> Role:
        """The highest role the user's email or any of their groups is given (emails match case-insensitively)."""
        found = [self.default]
        if email and email.strip().lower() in self.users:
            found.append(self.users[email.strip().lower()])
        found += [self.groups[g] for g in groups if g in self.groups]
        return max(found)


class RoleMapError(ValueError):
    """The role map file cannot be used; the message names the file and the entry."""


def load_role_map(path: Path) -> RoleMap:
    """Read the role map at ``path``; a missing file means everyone signed in is a viewer."""
    if not path.is_file():
        return RoleMap()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RoleMapError(f"{path}: not valid TOML ({exc})") from None
    known = {"default", "groups_claim", "users", "groups"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RoleMapError(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(known))})")

    def roles(section: str) -> dict[str, Role]:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise RoleMapError(f"{path}: [{section}] must be a table of name = role")
        out = {}
        for key, value in table.items():
            try:
                out[key.strip().lower() if section == "users" else key] = Role.parse(value)
            except ValueError as exc:
                raise RoleMapError(f"{path}: [{section}] {key!r}: {exc}") from None
        return out

    try:
        default = Role.parse(data.get("default", "viewer"))
    except ValueError as exc:
        raise RoleMapError(f"{path}: default: {exc}") from None
    claim = data.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim:
        raise RoleMapError(f'{path}: groups_claim must be the name of a claim, e.g. "groups"')
    return RoleMap(users=roles("users"), groups=roles("groups"), default=default, groups_claim=claim)


def role_map_path(base: Path | None = None) -> Path:
    """``CONFLICT_MONITOR_ROLES``, else ``.streamlit/roles.toml`` beside Streamlit's own settings."""
    configured = os.environ.get(ROLES_ENV, "").strip()
    if configured:
        return Path(configured)
    return (base or Path.cwd()) / ".streamlit" / "roles.toml"


# --- deployments without sign-in ---------------------------------------------------------------

_LOOPBACK = {"localhost", "::1"}


def is_loopback(address: str | None) -> bool:
    """True for an address only this machine can reach; empty or a wildcard means every interface."""
    if not address:
        return False
    host = address.strip().strip("[]").lower()
    return host in _LOOPBACK or host.startswith("127.")


def anonymous_actor(server_address: str | None, *, allow_writes: bool) -> Actor:
    """The actor for a visitor when no sign-in is configured.

    Bound to this machine only, the visitor is its own user (the OS user, full rights). Reachable
    from the network, nobody is known, so everyone only reads unless the admin allowed anonymous
    writes explicitly; the writes are then recorded under the local user's name, marked anonymous.
    """
    if is_loopback(server_address):
        return local_actor()
    if allow_writes:
        return Actor(f"anonymous via {local_user()}", Role.ANALYST)
    return Actor("anonymous", Role.VIEWER)


def anonymous_writes_allowed() -> bool:
    return os.environ.get(ANONYMOUS_WRITES_ENV, "").strip().lower() in {"1", "true", "yes"}
