"""The claimant register in the store: the ``claimants`` and ``claimant_relays`` tables.

Seeding loads the built-in register (``claimants.builtin_register``); the command line changes one
claimant at a time. A store whose tables are empty (never seeded) reads the built-in register.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dashboard.events import access, grading
from dashboard.events.claimants import (
    CLAIMANT_COLUMNS,
    Claimant,
    Register,
    RegisterError,
    Relay,
    builtin_register,
    claimant_fields,
    claimant_from_fields,
)
from dashboard.events.store import EventStore, claimant_relays, claimants, events, utc_now


def _claimant_row(claimant: Claimant) -> dict[str, Any]:
    row = asdict(claimant)
    row["aliases"] = json.dumps(list(claimant.aliases), ensure_ascii=False)
    return row


def load_register(store: EventStore) -> Register:
    """The store's register; the built-in one while the store holds none (a store never seeded)."""
    with store.reading() as conn:
        rows = conn.execute(sa.select(claimants)).mappings().all()
        relay_rows = conn.execute(sa.select(claimant_relays)).mappings().all()
    if not rows:
        return builtin_register()
    entries = {
        r["name"]: Claimant(
            name=r["name"],
            kind=r["kind"],
            relation=r["relation"],
            reliability=r["reliability"],
            rationale=r["rationale"],
            aliases=tuple(json.loads(r["aliases"] or "[]")),
            country=r["country"],
            rationale_url=r["rationale_url"],
        )
        for r in rows
    }
    relays = {
        r["claimant"]: Relay(r["claimant"], r["originator"], tuple(json.loads(r["relayed_by"] or "[]")))
        for r in relay_rows
    }
    return Register(entries, relays)


def seed_register(store: EventStore, register: Register | None = None) -> int:
    """Load the register (the built-in one by default) into the store: only entries it lacks, so an
    edit made with ``claimants set`` survives seeding again. Returns how many claimants were added."""
    register = register or builtin_register()
    actor = access.require("revise")
    now = utc_now()
    with store.writing() as conn:
        have = set(conn.execute(sa.select(claimants.c.name)).scalars())
        have_relays = set(conn.execute(sa.select(claimant_relays.c.claimant)).scalars())
        new = [
            {**_claimant_row(c), "updated_at": now, "updated_by": actor.name}
            for c in register.claimants.values()
            if c.name not in have
        ]
        if new:
            conn.execute(sa.insert(claimants), new)
        relays = [
            {"claimant": r.claimant, "originator": r.originator, "relayed_by": json.dumps(list(r.relayed_by))}
            for r in register.relays.values()
            if r.claimant not in have_relays
        ]
        if relays:
            conn.execute(sa.insert(claimant_relays), relays)
    return len(new)


def set_claimant(store: EventStore, name: str, changes: Mapping[str, Any]) -> Claimant:
    """Change (or add, given every required field) one claimant in the store's register.

    ``changes`` maps register columns to text; the result is checked as a whole, against the rest of
    the register (an alias may not name two claimants), and written in one transaction.
    """
    actor = access.require("revise")
    register = load_register(store)
    current = register.canonical(name)
    base = claimant_fields(register.claimants[current]) if current else {"name": name}
    unknown = set(changes) - set(CLAIMANT_COLUMNS)
    if unknown:
        raise RegisterError(
            f"unknown register column(s) {', '.join(sorted(unknown))}; known: {', '.join(CLAIMANT_COLUMNS)}"
        )
    claimant = claimant_from_fields({**base, **changes}, where=f"claimant {name!r}")
    if current and claimant.name != current:
        raise RegisterError(f"claimant {name!r} column 'name' (value: {claimant.name!r}): renaming is not supported")
    updated = register.with_claimant(claimant)
    with store.writing() as conn:
        if not conn.execute(sa.select(sa.func.count()).select_from(claimants)).scalar():
            # The store held no register (it read the built-in one): write all of it with this change.
            rows = [_claimant_row(c) for c in updated.claimants.values()]
            conn.execute(sa.insert(claimants), [{**r, "updated_at": utc_now(), "updated_by": actor.name} for r in rows])
            relays = [
                {"claimant": r.claimant, "originator": r.originator, "relayed_by": json.dumps(list(r.relayed_by))}
                for r in updated.relays.values()
            ]
            if relays:
                conn.execute(sa.insert(claimant_relays), relays)
        else:
            conn.execute(sa.delete(claimants).where(claimants.c.name == claimant.name))
            conn.execute(
                sa.insert(claimants), [{**_claimant_row(claimant), "updated_at": utc_now(), "updated_by": actor.name}]
            )
    return claimant


def register_token(store: EventStore) -> str:
    """Changes whenever the store's register does (for caches keyed on it)."""
    with store.reading() as conn:
        count, latest = conn.execute(sa.select(sa.func.count(), sa.func.max(claimants.c.updated_at))).one()
    return f"{count}:{latest}"


# Claimant texts per "claimant IN (...)": under both back ends' parameter limits.
_MAX_TEXTS = 10_000
REVISION_COLUMNS = ("event_id", "revision", "recorded_at", "retracted", "reason", "recorded_by", "claimant")


def revisions_by_claimant(store: EventStore, claimant_texts: Sequence[str], *, limit: int = 500) -> pd.DataFrame:
    """The revisions and retractions of the claims made under any of ``claimant_texts``, newest first.

    A claim's first revision (its recording) is left out: what is listed is every later change and
    every withdrawal, with when, why and by whom. At most ``limit`` rows (a claimant of a large
    imported dataset may have many).
    """
    texts = list(dict.fromkeys(str(t) for t in claimant_texts))[:_MAX_TEXTS]
    if not texts:
        return pd.DataFrame(columns=list(REVISION_COLUMNS))
    query = (
        sa.select(*(events.c[c] for c in REVISION_COLUMNS))
        .where(events.c.claimant.in_(texts), sa.or_(events.c.revision > 1, events.c.retracted.is_(True)))
        .order_by(events.c.recorded_at.desc(), events.c.event_id, events.c.revision.desc())
        .limit(limit)
    )
    with store.reading() as conn:
        frame = pd.read_sql(query, conn)
    frame["retracted"] = frame["retracted"].astype(bool)
    return frame


def graded_events(store: EventStore, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """The log's current view (or as known at ``as_of``) with each claim's grade and originator
    (``grading.with_grades``) by the store's register: what the dashboard, exports and briefs read."""
    return grading.with_grades(store.current_events(as_of=as_of), load_register(store))
