"""The claimant register: who each claimant is, how far their word has held, and who relays whom.

A claim's ``claimant`` is the text the log records ("Ukrainian intelligence via Financial Times"),
kept exactly as written. The register resolves it to an *originator* (Ukraine HUR), the body whose
word it is, and the outlets that relayed it (the Financial Times), without changing the claim. The
originator carries a default source reliability (A–F) with a written rationale.

The built-in register ships as ``data/claimants/claimants.csv`` and ``relays.csv``; seeding loads it
into the store (``register_store``)'s ``claimants`` and ``claimant_relays`` tables, where the command line edits it. A
store whose tables are empty reads the built-in register.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pycountry

from dashboard.events import schema
from dashboard.events.locations import data_file

CLAIMANT_COLUMNS = ("name", "aliases", "kind", "country", "relation", "reliability", "rationale", "rationale_url")
RELAY_COLUMNS = ("claimant", "originator", "relayed_by")
# Lists in a register cell (aliases, relaying outlets) are separated by semicolons.
LIST_SEPARATOR = ";"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# "X via Y", "X (via Y)": a relay the register's relays file does not list, resolved when X and Y both are.
_VIA = re.compile(r"^(?P<origin>.+?)\s+\(?via\s+(?P<relay>[^)]+)\)?$", re.IGNORECASE)


class RegisterError(ValueError):
    """A register entry that breaks a rule: names the file, line, column, value and rule."""


@dataclass(frozen=True)
class Claimant:
    """One registered claimant (an originator or a relaying outlet)."""

    name: str
    kind: str
    relation: str
    reliability: str
    rationale: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    rationale_url: str | None = None

    @property
    def country_name(self) -> str | None:
        return country_name(self.country)


@dataclass(frozen=True)
class Relay:
    """A claimant text that is an originator's word passed on by one or more outlets."""

    claimant: str
    originator: str
    relayed_by: tuple[str, ...]


@dataclass(frozen=True)
class Attribution:
    """Who a claim's ``claimant`` text stands for: its originator and the outlets that relayed it."""

    claimant: str
    originator: str
    relayed_by: tuple[str, ...] = ()
    registered: bool = True


def country_name(code: str | None) -> str | None:
    """The English name of an ISO 3166-1 alpha-3 code (None for none)."""
    if not code:
        return None
    country = pycountry.countries.get(alpha_3=code)
    return country.name if country else code


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split(LIST_SEPARATOR) if p.strip())


@dataclass(frozen=True)
class Register:
    """The register: claimants by canonical name, and the relays the log names."""

    claimants: Mapping[str, Claimant]
    relays: Mapping[str, Relay] = field(default_factory=dict)

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for claimant in self.claimants.values():
            for text in (claimant.name, *claimant.aliases):
                names[_key(text)] = claimant.name
        return names

    @functools.cached_property
    def _relays(self) -> dict[str, Relay]:
        return {_key(r.claimant): r for r in self.relays.values()}

    def canonical(self, text: str) -> str | None:
        """The canonical name a name or alias stands for, or None."""
        return self._names.get(_key(text))

    def resolve(self, text: str) -> Attribution:
        """The originator and relays of a claimant text; an unknown text is its own (unregistered) originator."""
        name = self.canonical(text)
        if name is not None:
            return Attribution(text, name)
        relay = self._relays.get(_key(text))
        if relay is not None:
            return Attribution(text, relay.originator, relay.relayed_by)
        via = _VIA.match(str(text).strip())
        if via:
            origin, outlet = self.canonical(via["origin"]), self.canonical(via["relay"])
            if origin is not None and outlet is not None:
                return Attribution(text, origin, (outlet,))
        return Attribution(text, str(text).strip(), registered=False)

    def reliability_of(self, originator: str) -> str:
        """The register's default reliability of an originator (F, cannot be judged, when unregistered)."""
        claimant = self.claimants.get(originator)
        return claimant.reliability if claimant else schema.UNGRADED_RELIABILITY

    def with_claimant(self, claimant: Claimant) -> Register:
        """A copy with ``claimant`` added or replaced (checked against the others)."""
        updated = {**self.claimants, claimant.name: claimant}
        register = Register(updated, self.relays)
        register.check()
        return register

    def check(self, file_name: str = "register") -> None:
        """Every alias names one claimant; every relay's originator and outlets are registered."""
        seen: dict[str, str] = {}
        for claimant in self.claimants.values():
            for text in (claimant.name, *claimant.aliases):
                other = seen.setdefault(_key(text), claimant.name)
                if other != claimant.name:
                    raise RegisterError(
                        f"{file_name}: claimant {claimant.name!r} column 'aliases' (value: {text!r}): "
                        f"the name already belongs to {other!r}; a name may stand for one claimant only"
                    )
        for relay in self.relays.values():
            for column, name in (("originator", relay.originator), *(("relayed_by", r) for r in relay.relayed_by)):
                if name not in self.claimants:
                    raise RegisterError(
                        f"{file_name}: relay {relay.claimant!r} column {column!r} (value: {name!r}): "
                        "not a registered claimant's canonical name"
                    )


def claimant_from_fields(fields: Mapping[str, Any], *, where: str = "") -> Claimant:
    """A :class:`Claimant` from text fields (a CSV row, the command line), checked rule by rule.

    ``where`` ("claimants.csv:12") prefixes each error, which names the column, value and rule.
    """

    def fail(column: str, value: Any, rule: str) -> RegisterError:
        prefix = f"{where} " if where else ""
        return RegisterError(f"{prefix}column {column!r} (value: {value!r}): {rule}")

    def text(column: str) -> str | None:
        value = fields.get(column)
        if value is None:
            return None
        if not isinstance(value, str):
            value = LIST_SEPARATOR.join(value) if isinstance(value, list | tuple) else str(value)
        if "\x00" in value:
            raise fail(column, value, "contains a NUL byte")
        return value.strip() or None

    name = text("name")
    if not name:
        raise fail("name", fields.get("name"), "a claimant needs a name")
    if len(name) > 300:
        raise fail("name", name, "at most 300 characters")
    kind = text("kind")
    if kind not in schema.CLAIMANT_KINDS:
        raise fail("kind", kind, f"must be one of {', '.join(schema.CLAIMANT_KINDS)}")
    relation = text("relation")
    if relation not in schema.CLAIMANT_RELATIONS:
        raise fail("relation", relation, f"must be one of {', '.join(schema.CLAIMANT_RELATIONS)}")
    reliability = (text("reliability") or "").upper()
    if reliability not in schema.RELIABILITY_LEVELS:
        raise fail("reliability", fields.get("reliability"), "must be one letter A-F (F: cannot be judged)")
    rationale = text("rationale")
    if not rationale:
        raise fail("rationale", fields.get("rationale"), "a grade needs a written rationale")
    if len(rationale) > 2000:
        raise fail("rationale", rationale, "at most 2,000 characters")
    country = (text("country") or "").upper() or None
    if country is not None and country_name(country) == country:
        raise fail("country", country, "must be an ISO 3166-1 alpha-3 code (e.g. KOR, UKR) or empty")
    url = text("rationale_url")
    if url is not None and not _URL.match(url):
        raise fail("rationale_url", url, "must be an http(s) URL or empty")
    return Claimant(
        name=name,
        kind=kind,
        relation=relation,
        reliability=reliability,
        rationale=rationale,
        aliases=tuple(a for a in _split(text("aliases")) if _key(a) != _key(name)),
        country=country,
        rationale_url=url,
    )


def _rows(path: Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegisterError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise RegisterError(f"{path.name}:1: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    for row in reader:
        yield reader.line_num, row


def read_register(claimants_path: Path | None = None, relays_path: Path | None = None) -> Register:
    """The register in two CSV files (the built-in ones by default); a broken rule is a RegisterError."""
    claimants_path = claimants_path or data_file("claimants", "claimants.csv")
    relays_path = relays_path or data_file("claimants", "relays.csv")
    entries: dict[str, Claimant] = {}
    for line, row in _rows(claimants_path, CLAIMANT_COLUMNS):
        claimant = claimant_from_fields(row, where=f"{claimants_path.name}:{line}")
        if claimant.name in entries:
            raise RegisterError(
                f"{claimants_path.name}:{line} column 'name' (value: {claimant.name!r}): registered twice"
            )
        entries[claimant.name] = claimant
    relays: dict[str, Relay] = {}
    for line, row in _rows(relays_path, RELAY_COLUMNS):
        where = f"{relays_path.name}:{line}"
        text = (row.get("claimant") or "").strip()
        originator, outlets = (row.get("originator") or "").strip(), row.get("relayed_by")
        if not text:
            raise RegisterError(f"{where} column 'claimant' (value: {text!r}): a relay needs the claimant text")
        for column, name in (("originator", originator), *(("relayed_by", o) for o in _split(outlets))):
            if name not in entries:
                raise RegisterError(
                    f"{where} column {column!r} (value: {name!r}): not a registered claimant's canonical name"
                )
        relays[text] = Relay(text, originator, _split(outlets))
    register = Register(entries, relays)
    register.check(f"{claimants_path.name}/{relays_path.name}")
    return register


@functools.cache
def builtin_register() -> Register:
    """The register that ships with the program (read once)."""
    return read_register()


def claimant_fields(claimant: Claimant) -> dict[str, Any]:
    fields = asdict(claimant)
    fields["aliases"] = f"{LIST_SEPARATOR} ".join(claimant.aliases)
    return fields


def register_frame(register: Register) -> pd.DataFrame:
    """The register as a table (one row per claimant), for the command line and the pages."""
    return pd.DataFrame(
        [{**claimant_fields(c), "country_name": c.country_name} for c in register.claimants.values()]
    ).sort_values("name", key=lambda s: s.str.casefold(), ignore_index=True)


__all__ = [
    "Attribution",
    "Claimant",
    "Register",
    "RegisterError",
    "Relay",
    "builtin_register",
    "claimant_fields",
    "claimant_from_fields",
    "read_register",
    "register_frame",
]
