"""What changed in the log between two knowledge times: claims added, revised and retracted.

Read from the append-only ``events`` table by ``recorded_at`` (UTC): a revision recorded
exactly at the upper bound counts as known, one recorded exactly at the lower bound does
not (it was already known "since" then). No Streamlit here; the brief and, later, a
"Changes" page (issue 17) read these functions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.events import schema
from dashboard.events.store import EventStore, event_heads, events, import_batches, normalise_frame

# One row per changed event; ``change`` says what happened to it within the window.
CHANGE_KINDS = ("new", "revised", "retracted")
CHANGE_COLUMNS = (
    "event_id",
    "change",
    "revision",
    "recorded_at",
    "reason",
    "changed_fields",
    "previous",
    *(name for name in schema.FIELD_NAMES if name != "event_id"),
)
# Provenance fields: a change in them alone is not a change of what the claim says.
_NOT_CONTENT = ("origin", "original_id")


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the naive UTC time the store compares (an aware time is converted)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def parse_knowledge_time(text: str) -> dt.datetime:
    """A knowledge time typed by a user or put in a URL, as naive UTC.

    ``2024-12-01`` means the end of that day in UTC (everything recorded on it is known);
    ``2024-12-01T12:00`` or ``2024-12-01 12:00:30`` is a UTC time; a time with an offset
    (``…+03:00``, ``…Z``) is converted to UTC. Raises ``ValueError`` naming the value otherwise.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            # A day alone: its last instant, so "as known on 1 Dec" includes what was recorded that day.
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.max)
        return naive_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date or time: write YYYY-MM-DD (the end of that day, UTC), "
            "YYYY-MM-DDTHH:MM (UTC), or add an offset such as +03:00"
        ) from None


def knowledge_time(store: EventStore, as_of: dt.datetime | None = None) -> dt.datetime | None:
    """When the log last changed (at or before ``as_of``): the newest revision or import time, UTC.

    This is the moment a brief "knows" the log as of; it is fixed for a revision of the
    log, unlike the wall clock. None for an empty log.
    """
    with store.reading() as conn:
        last_write = sa.select(sa.func.max(events.c.recorded_at))
        last_import = sa.select(sa.func.max(import_batches.c.started_at))
        if as_of is not None:
            last_write = last_write.where(events.c.recorded_at <= naive_utc(as_of))
            last_import = last_import.where(import_batches.c.started_at <= naive_utc(as_of))
        stamps = [conn.execute(last_write).scalar(), conn.execute(last_import).scalar()]
    found = [_as_datetime(s) for s in stamps if s is not None]
    return max(found) if found else None


def revision_token_as_of(store: EventStore, as_of: dt.datetime | None) -> str:
    """The revision token the log had at ``as_of`` (``EventStore.revision_token`` when None).

    The same rows as the store's token (the newest row id and batch id, the newest write or
    import time), counting only what was recorded by ``as_of``; a test holds the two equal
    for a moment after the last change. So a brief regenerated later with ``--as-of`` names
    the revision it describes, not the one the database has reached since.
    """
    if as_of is None:
        return store.revision_token()
    moment = naive_utc(as_of)
    with store.reading() as conn:
        last_row = conn.execute(sa.select(sa.func.max(events.c.row_id)).where(events.c.recorded_at <= moment)).scalar()
        last_batch = conn.execute(
            sa.select(sa.func.max(import_batches.c.batch_id)).where(import_batches.c.started_at <= moment)
        ).scalar()
    stamp = knowledge_time(store, moment)
    suffix = f".{stamp:%Y%m%d%H%M%S%f}" if stamp is not None else ""
    return f"{last_row or 0}.{last_batch or 0}{suffix}"


def changes_between(
    store: EventStore, since: dt.datetime, until: dt.datetime | None = None, *, compare: bool = True
) -> pd.DataFrame:
    """Every event whose log changed in ``(since, until]`` (UTC; ``until`` None = now).

    ``compare=False`` leaves ``changed_fields`` and ``previous`` as None (not compared yet): the
    Changes page compares only the rows it lists, with :func:`compare_revised` (reading the earlier
    revision of 50,000 revised claims was over a second of a 1M-event log's page).

    Returns
    -------
    DataFrame
        One row per event, ordered by the time of its last change in the window, then id.
        Columns: ``event_id``; ``change``: ``"new"`` (its first revision is in the window and
        it is not retracted at the end), ``"retracted"`` (its last revision in the window is a
        retraction), else ``"revised"``; ``revision``, ``recorded_at`` and ``reason`` of that
        last revision; ``changed_fields`` (for "revised": the fields whose value differs from
        the revision known at ``since``, as a tuple of names; empty otherwise); ``previous``
        (a dict of those fields' values known at ``since``; empty otherwise); then the
        record's fields as the last revision states them (a retraction repeats the
        retracted claim, so it can be filtered and cited like any other).
    """
    since = naive_utc(since)
    window = events.c.recorded_at > since
    if until is not None:
        window = sa.and_(window, events.c.recorded_at <= naive_utc(until))
    with store.reading() as conn:
        rows = pd.read_sql(
            sa.select(events).where(window).order_by(events.c.event_id, events.c.revision),
            conn,
        )
        if rows.empty:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in CHANGE_COLUMNS})
        before = _revisions_at(conn, window) if compare else None
    out = _summarised(normalise_frame(rows))
    change = out["change"].to_numpy()
    if before is None:
        out["changed_fields"] = out["previous"] = np.full(len(out), None, dtype=object)
    else:
        out["changed_fields"], out["previous"] = _field_changes(before, out, change == "revised")
    out = out.sort_values(["recorded_at", "event_id"], kind="stable").reset_index(drop=True)
    # Who made a change, once the log records it (issue 13 adds a ``recorded_by``): kept when present.
    return out.loc[:, [*CHANGE_COLUMNS, *(["recorded_by"] if "recorded_by" in out else [])]]


# The columns a window's changes take from the current view (the rest are derived or filled later).
_VIEW_COLUMNS = tuple(name for name in CHANGE_COLUMNS if name not in ("change", "changed_fields", "previous"))


def window_changes(
    store: EventStore,
    since: dt.datetime,
    until: dt.datetime | None = None,
    *,
    current: pd.DataFrame | None = None,
    current_token: str | None = None,
) -> pd.DataFrame:
    """The rows of ``changes_between(store, since, until, compare=False)``, in no particular order
    (:func:`newest_changes` orders them), without ``recorded_by`` (:func:`compare_revised` adds it).

    Most claims changed in a window are still their event's head: their fields are in the current view,
    so only the others are read from SQL: those revised after ``until``, those retracted, and (when the
    counts cannot tell) each revised head's first revision in the window. Reading every row of a week
    holding a 1M-row import took 60–120 s; the current view is already in memory in the app.

    ``current``: the log's current view (``store.current_events()``; extra columns are ignored) as of
    revision ``current_token``; when the log has moved on since (or ``current`` is None) the view is read
    from the store. Falls back to the plain SQL read when the counts do not add up (the log changed while
    it was read).
    """
    since = naive_utc(since)
    until = None if until is None else naive_utc(until)
    window = events.c.recorded_at > since
    if until is not None:
        window = sa.and_(window, events.c.recorded_at <= until)
    with store.reading() as conn:
        token = store.revision_token(conn)
        if current is not None and current_token == token:
            view, read_token = current, token
        else:
            view, read_token = None, None
        in_window = int(conn.execute(sa.select(sa.func.count()).where(window)).scalar() or 0)
        # Revised after the window: their last row in it (if any) is no head. Indexed on recorded_at.
        later = (
            set()
            if until is None
            else set(conn.execute(sa.select(events.c.event_id).where(~(events.c.recorded_at <= until))).scalars())
        )
    if view is None:
        view = store.current_events(columns=_VIEW_COLUMNS)
        read_token = store.revision_token()
    if read_token != token:  # a write landed between the two reads: the view may not match the counts
        return changes_between(store, since, until, compare=False)
    recorded = view["recorded_at"].to_numpy()
    is_head = recorded > np.datetime64(since)
    if until is not None:
        is_head &= recorded <= np.datetime64(until)
    with store.reading() as conn:
        if store.revision_token(conn) != token:
            return changes_between(store, since, until, compare=False)
        other_ids = set(later)
        rest = in_window - int(is_head.sum())
        if rest > 0:
            # Retracted claims (the view holds none): their rows in the window, if any, are read below. Two
            # steps: joined in one query, SQLite walked the window's rows (0.6 s for a week of 1M) instead of
            # the retracted heads (a scan of the heads table, ~60 ms at 1M).
            retracted = sa.select(event_heads.c.event_id).where(event_heads.c.retracted.is_(True))
            other_ids |= set(conn.execute(retracted).scalars().all())
        others = _rows_of(conn, window, sorted(other_ids))
    if len(others):  # the view is of this revision (the tokens matched), so this only guards
        is_head &= ~view["event_id"].isin(others["event_id"].unique()).to_numpy()
    heads = view.loc[is_head, list(_VIEW_COLUMNS)]
    rest = in_window - len(heads) - len(others)
    revision = heads["revision"].to_numpy()
    # Which heads were first recorded in the window ("new") rather than revised in it. The window's rows
    # that are neither heads nor read above are the heads' earlier revisions (a later revision is never
    # recorded before an earlier one: writes are serialised and stamped inside their transaction).
    if rest == 0:  # one row per head in the window: its own
        first = revision
    elif rest == int((revision - 1).sum()):  # every earlier revision of every head is in the window
        first = np.ones(len(heads), dtype=revision.dtype)
    else:
        multi = revision > 1
        with store.reading() as conn:
            found_first, extra = _first_revisions(conn, window, heads["event_id"].to_numpy()[multi].tolist())
            still = store.revision_token(conn) == token
        if not still or extra != rest:
            return changes_between(store, since, until, compare=False)
        first = revision.copy()
        first[multi] = pd.Series(heads["event_id"].to_numpy()[multi]).map(found_first).to_numpy(dtype=revision.dtype)
    out = heads.reset_index(drop=True)
    # A categorical: a million "new" strings took ~0.1 s to build (compare_revised gives the listed rows text).
    out.insert(1, "change", pd.Categorical.from_codes(np.where(first == 1, 0, 1), categories=CHANGE_KINDS))
    out.insert(5, "changed_fields", np.full(len(out), None, dtype=object))
    out.insert(6, "previous", np.full(len(out), None, dtype=object))
    if len(others):
        summary = _summarised(others).drop(columns=["recorded_by"], errors="ignore")
        out = _concat_like(out, summary.loc[:, list(out.columns)])
    return out


def newest_changes(found: pd.DataFrame, count: int | None = None) -> pd.DataFrame:
    """``found``'s rows in the order :func:`changes_between` gives them (by time, then id), the newest
    ``count`` only (all when None). A top-k in Arrow: sorting a million ids in pandas took 1.5–2 s."""
    if count is not None and count <= 0:
        return found.iloc[:0]
    ids = found["event_id"].array
    # The ids as Arrow holds them (no copy) when they are Arrow-backed text, as the current view's are.
    ids = ids.__arrow_array__() if hasattr(ids, "__arrow_array__") else pa.array(np.asarray(ids, dtype=object))
    keys = pa.table({"recorded_at": pa.array(found["recorded_at"].to_numpy()), "event_id": pc.cast(ids, pa.string())})
    if count is not None and count < len(found):
        picked = pc.select_k_unstable(
            keys, count, sort_keys=[("recorded_at", "descending"), ("event_id", "descending")]
        )
        keys = keys.take(picked)
        order = picked.take(pc.sort_indices(keys, sort_keys=[("recorded_at", "ascending"), ("event_id", "ascending")]))
    else:
        order = pc.sort_indices(keys, sort_keys=[("recorded_at", "ascending"), ("event_id", "ascending")])
    return found.iloc[order.to_numpy()]


def _rows_of(conn: Connection, window: sa.ColumnElement, ids: list[str]) -> pd.DataFrame:
    """Every row of the events ``ids`` recorded in the window, by id and revision (normalised)."""
    frames = [
        pd.read_sql(
            sa.select(events)
            .where(window, events.c.event_id.in_(ids[start : start + _IDS_PER_QUERY]))
            .order_by(events.c.event_id, events.c.revision),
            conn,
        )
        for start in range(0, len(ids), _IDS_PER_QUERY)
    ]
    if not frames:
        return pd.DataFrame()
    return normalise_frame(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


def _first_revisions(conn: Connection, window: sa.ColumnElement, ids: list[str]) -> tuple[dict[str, int], int]:
    """Each of ``ids``' first revision in the window, and how many of their rows in it are not the last."""
    first: dict[str, int] = {}
    extra = 0
    for start in range(0, len(ids), _IDS_PER_QUERY):
        query = (
            sa.select(events.c.event_id, sa.func.min(events.c.revision), sa.func.count())
            .where(window, events.c.event_id.in_(ids[start : start + _IDS_PER_QUERY]))
            .group_by(events.c.event_id)
        )
        for event_id, revision, rows in conn.execute(query).all():  # all(): row by row cost ~13 µs each
            first[event_id] = int(revision)
            extra += int(rows) - 1
    return first, extra


def _concat_like(main: pd.DataFrame, few: pd.DataFrame) -> pd.DataFrame:
    """``main`` then ``few``, each column keeping ``main``'s dtype (a categorical gains ``few``'s values):
    concatenating a categorical with text would turn a million codes into strings."""
    columns = {}
    for name in main.columns:
        big, small = main[name], few[name]
        if isinstance(big.dtype, pd.CategoricalDtype):
            added = pd.Index(small.dropna().unique()).difference(big.cat.categories)
            if len(added):
                big = big.cat.add_categories(added)
            small = pd.Series(pd.Categorical(small, categories=big.cat.categories), index=small.index)
        elif len(big) and small.dtype != big.dtype:  # no row in main: nothing to keep
            small = small.astype(big.dtype)
        columns[name] = pd.concat([big, small], ignore_index=True)
    return pd.DataFrame(columns)


def _summarised(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per event of ``rows`` (its rows in a window, by id and revision): its last, with ``change``."""
    first_revision = rows.groupby("event_id", sort=False)["revision"].min()
    last = rows.drop_duplicates("event_id", keep="last").set_index("event_id")
    change = np.where(
        last["retracted"].to_numpy(dtype=bool),
        "retracted",
        np.where(first_revision.reindex(last.index).to_numpy() == 1, "new", "revised"),
    )
    out = last.reset_index()
    out["change"] = change
    out["changed_fields"] = out["previous"] = np.full(len(out), None, dtype=object)
    return out


def compare_revised(store: EventStore, found: pd.DataFrame, since: dt.datetime) -> pd.DataFrame:
    """``found`` (rows of ``changes_between(store, since, until, compare=False)``, any subset, same
    ``since``) with ``changed_fields`` and ``previous`` filled in, as ``changes_between`` gives them.

    Only the revised rows' earlier revisions are read: the page's newest 5,000 rather than every
    revision in the window. Rows of :func:`window_changes` get their ``recorded_by`` here (read for
    these rows only) and their text columns as a SQL read gives them (the current view holds some
    as categoricals).
    """
    out = _as_read(found)
    revised = (out["change"] == "revised").to_numpy(dtype=bool) if len(out) else np.zeros(0, dtype=bool)
    ids = out["event_id"].to_numpy()[revised].tolist()
    window = events.c.recorded_at > naive_utc(since)
    if "recorded_at" in out and len(out):
        # The window's end: the newest change listed (a later one cannot be an event's first in the window).
        window = sa.and_(window, events.c.recorded_at <= out["recorded_at"].max().to_pydatetime())
    frames = []
    with store.reading() as conn:
        for start in range(0, len(ids), _IDS_PER_QUERY):
            frames.append(_revisions_at(conn, window, ids[start : start + _IDS_PER_QUERY]))
        if "recorded_by" not in out and len(out):
            who = _recorded_by(conn, out["event_id"].tolist(), out["revision"].tolist())
            out["recorded_by"] = pd.Series(who, index=out.index, dtype=object).infer_objects()
    before = pd.concat(frames) if frames else pd.DataFrame(columns=list(schema.FIELD_NAMES)).set_index("event_id")
    fields, previous = _field_changes(before, out, revised)
    out["changed_fields"] = pd.Series(fields, index=out.index, dtype=object)
    out["previous"] = pd.Series(previous, index=out.index, dtype=object)
    return out


def _as_read(found: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``found`` with the text columns a SQL read gives as text (not categoricals, nor objects)."""
    out = found.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype) or (
            out[name].dtype == object and name not in ("changed_fields", "previous")
        ):
            out[name] = out[name].astype(object).infer_objects()
    return out


def _recorded_by(conn: Connection, ids: list[str], revisions: list[int]) -> list[object]:
    """Who recorded each (event id, revision) pair: one indexed read per ``_IDS_PER_QUERY`` events."""
    who: dict[tuple[str, int], object] = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        query = sa.select(events.c.event_id, events.c.revision, events.c.recorded_by).where(
            events.c.event_id.in_(sorted(set(ids[start : start + _IDS_PER_QUERY])))
        )
        who.update({(event_id, int(revision)): by for event_id, revision, by in conn.execute(query).all()})
    return [who.get((i, int(r))) for i, r in zip(ids, revisions, strict=True)]


# Event ids per query (SQLite's bound-parameter limit is far above; PostgreSQL has none to speak of).
_IDS_PER_QUERY = 5_000


def _revisions_at(conn: Connection, window: sa.ColumnElement, ids: list[str] | None = None) -> pd.DataFrame:
    """Each event's revision known at the window's start (the one before its first in the window), by id.

    In one join: fetching them by (id, revision) pairs took most of 11.7 s at 50,000 revisions.
    ``ids``: only those events (else every event changed in the window).
    """
    first = sa.select(events.c.event_id, sa.func.min(events.c.revision).label("first")).where(window)
    if ids is not None:
        first = first.where(events.c.event_id.in_(ids))
    first = first.group_by(events.c.event_id).subquery("first_in_window")
    before = pd.read_sql(
        sa.select(events).join(
            first, sa.and_(events.c.event_id == first.c.event_id, events.c.revision == first.c.first - 1)
        ),
        conn,
    )
    return normalise_frame(before).set_index("event_id")


def _field_changes(
    before: pd.DataFrame, after: pd.DataFrame, revised: np.ndarray
) -> tuple[list[tuple[str, ...]], list[dict]]:
    """For each row of ``after``: the content fields that differ from ``before`` (by event id), and their old values.

    Only the ``revised`` rows are compared (others get ``()`` and ``{}``). Column by column over whole
    arrays: a record per row cost seconds at a week of a large import. Two missing values are equal.
    """
    fields: list[tuple[str, ...]] = [()] * len(after)
    previous: list[dict] = [{} for _ in range(len(after))]
    positions = np.flatnonzero(revised)
    if not len(positions):
        return fields, previous
    ids = after["event_id"].to_numpy()[positions]
    known = before.index.get_indexer(ids) >= 0  # hashed: np.isin on 50,000 strings took 0.6 s
    positions, ids = positions[known], ids[known]
    names = [name for name in schema.FIELD_NAMES if name not in _NOT_CONTENT and name != "event_id"]
    old = before.loc[ids, names].reset_index(drop=True)
    new = after.iloc[positions][names].reset_index(drop=True)
    differs = np.zeros((len(positions), len(names)), dtype=bool)
    for column, name in enumerate(names):
        a, b = old[name], new[name]
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna().to_numpy() & b.isna().to_numpy())
        differs[:, column] = ~same
    labels = np.array(names, dtype=object)
    # Old values as Python objects (Timestamps, floats, text), and only of the columns where something changed.
    old_values = {
        name: old[name].astype(object).to_numpy() for name, any_ in zip(names, differs.any(axis=0), strict=True) if any_
    }
    for row, position in enumerate(positions):
        changed = labels[differs[row]]
        if len(changed):
            fields[position] = tuple(changed)
            previous[position] = {name: _plain(old_values[name][row]) for name in changed}
    return fields, previous


def _plain(value: object) -> object:
    """A value as the log's records hold it (a missing value as None, as a record read row by row gives)."""
    return None if _missing(value) else value


def _changed_fields(before: dict | None, after: dict) -> tuple[str, ...]:
    """The content fields whose values differ between two records (one claim's revisions, record by record).

    The same rule as :func:`_field_changes` applies column by column: two missing values are equal.
    """
    if before is None:
        return ()
    return tuple(
        name for name in schema.FIELD_NAMES if name not in _NOT_CONTENT and not _same(before.get(name), after.get(name))
    )


def _same(a: object, b: object) -> bool:
    missing_a, missing_b = _missing(a), _missing(b)
    if missing_a or missing_b:
        return missing_a and missing_b
    return a == b


def change_count(store: EventStore, since: dt.datetime, until: dt.datetime | None = None) -> int:
    """How many events changed in ``(since, until]`` (UTC): the row count of :func:`changes_between`, in one query."""
    window = events.c.recorded_at > naive_utc(since)
    if until is not None:
        window = sa.and_(window, events.c.recorded_at <= naive_utc(until))
    with store.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count(sa.distinct(events.c.event_id))).where(window)).scalar() or 0)


def last_import_time(store: EventStore, as_of: dt.datetime | None = None) -> dt.datetime | None:
    """When the newest import (at or before ``as_of``) started, UTC; None without imports."""
    query = sa.select(sa.func.max(import_batches.c.started_at))
    if as_of is not None:
        query = query.where(import_batches.c.started_at <= naive_utc(as_of))
    with store.reading() as conn:
        stamp = conn.execute(query).scalar()
    return None if stamp is None else _as_datetime(stamp)


# The columns of the readable list of changes (the Changes page, the CLI's CSV and JSON).
CHANGE_LIST_COLUMNS = (
    "recorded_at",
    "change",
    "event_id",
    "event_date",
    "category",
    "claimant",
    "what_changed",
    "reason",
)


def change_list(found: pd.DataFrame) -> pd.DataFrame:
    """:func:`changes_between`'s rows as a readable list: one row per event, its changes spelled out.

    ``what_changed``: for a revision, each changed field as ``label: old → new`` (``; ``-separated);
    for a new claim its measure and figure; for a retraction "retracted". ``recorded_by`` is kept
    when the log records who made a change.
    """
    columns = [*CHANGE_LIST_COLUMNS, *(["recorded_by"] if "recorded_by" in found else [])]
    if found.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    out = found.copy()
    out["what_changed"] = np.where(out["change"] == "retracted", "retracted", "new claim").astype(object)
    revised = np.flatnonzero((out["change"] == "revised").to_numpy())
    # The new values by column (a record per row cost ~1 s at 50,000 revisions): only changed fields are read.
    values = {name: out[name].to_numpy() for name in schema.FIELD_NAMES if name in out}
    changed, previous = out["changed_fields"].to_numpy(), out["previous"].to_numpy()
    out.iloc[revised, out.columns.get_loc("what_changed")] = [
        _what_changed(changed[i], previous[i], {name: values[name][i] for name in changed[i]}) for i in revised
    ]
    return out.loc[:, columns].reset_index(drop=True)


def _what_changed(fields: tuple[str, ...], previous: dict, now: dict) -> str:
    """A revision's changes as ``label: old → new; …``."""
    parts = [
        f"{schema.FIELD_LABELS.get(name, name)}: {_shown(previous.get(name))} → {_shown(now.get(name))}"
        for name in fields
    ]
    return "; ".join(parts) or "no field changed"


def _shown(value: object) -> str:
    """A field's value as the change lists write it ("—" for none, 11,500, 2024-11-05)."""
    if _missing(value):
        return "—"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, pd.Timestamp | dt.datetime):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT


def _as_datetime(value: dt.datetime | str) -> dt.datetime:
    """SQLite hands aggregate timestamps back as text; PostgreSQL as datetimes."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


# --- one claim's history as a change log (issue 16) ------------------------------------------------
# The same field comparison as the list of changes above, applied revision by revision.
REVISION_LOG_COLUMNS = (
    "revision",
    "recorded_at",
    "recorded_by",
    "reason",
    "change",
    "changes",
    "what_changed",
    "imported_from",
)


def revision_log(store: EventStore, event_id: str, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Every revision of ``event_id`` (known at ``as_of``, UTC, when given) as a change log, oldest first.

    Columns: ``revision``, ``recorded_at`` (UTC), ``recorded_by`` (None before it was recorded),
    ``reason``; ``change``: "added" (the first revision), "revised", "retracted", or "restored" (a
    revision after a retraction); ``changes``: the fields that differ from the revision before, as
    ``(field, old, new)`` tuples (provenance fields left out, as in :func:`changes_between`);
    ``what_changed``: those as text (``label: old → new; …``); ``imported_from``: the import's file
    name for a revision written by an import, else None (typed in, or by a command).
    Raises ``StoreError`` for an id the log has never held.
    """
    rows = store.history(event_id)
    if as_of is not None:
        rows = rows.loc[rows["recorded_at"] <= naive_utc(as_of)].reset_index(drop=True)
    batch_ids = sorted({int(b) for b in rows["batch_id"].dropna()})
    files: dict[int, str] = {}
    if batch_ids:
        with store.reading() as conn:
            query = sa.select(import_batches.c.batch_id, import_batches.c.file_name).where(
                import_batches.c.batch_id.in_(batch_ids)
            )
            files = {int(b): name for b, name in conn.execute(query)}
    records = rows.to_dict("records")
    out = []
    for position, row in enumerate(records):
        before = records[position - 1] if position else None
        if before is None:
            change, changed = "added", ()
        elif row["retracted"]:
            change, changed = "retracted", ()
        else:
            change, changed = ("restored" if before["retracted"] else "revised"), _changed_fields(before, row)
        pairs = tuple((name, before.get(name), row.get(name)) for name in changed)  # type: ignore[union-attr]
        if change == "revised":
            text = "; ".join(f"{schema.FIELD_LABELS.get(n, n)}: {_shown(a)} → {_shown(b)}" for n, a, b in pairs)
            text = text or "no field changed"
        elif change == "restored":
            text = "restored" + "".join(
                f"; {schema.FIELD_LABELS.get(n, n)}: {_shown(a)} → {_shown(b)}" for n, a, b in pairs
            )
        else:
            text = {"added": "first version", "retracted": "retracted"}[change]
        batch = row.get("batch_id")
        out.append(
            {
                "revision": int(row["revision"]),
                "recorded_at": row["recorded_at"],
                "recorded_by": None if _missing(row.get("recorded_by")) else row.get("recorded_by"),
                "reason": None if _missing(row.get("reason")) else row.get("reason"),
                "change": change,
                "changes": pairs,
                "what_changed": text,
                "imported_from": None if _missing(batch) else files.get(int(batch)),
            }
        )
    if not out:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in REVISION_LOG_COLUMNS})
    # Text columns as plain objects: a missing reason or user stays None, not a NaN.
    frame = pd.DataFrame({name: pd.Series([r[name] for r in out], dtype=object) for name in REVISION_LOG_COLUMNS})
    frame["revision"] = frame["revision"].astype("int64")
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    return frame


shown_value = _shown  # public name for the command line's history text
