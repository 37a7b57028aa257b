"""Issue 17 point 6: the Changes page's computation on an existing log, old code against new, alternated.

``python -m bench.changes_page --db PATH [--runs 3]`` starts one process per (run, code, window) and each
process times the page's computation cold (its first call, the current view read included when the code
takes the claims from it) and warm (the median of ``--warm`` further calls, the view held as the app holds
it). The code is this checkout's and ``--old`` (default /work/main), put first on ``PYTHONPATH`` in turn.
Windows, for the bench log (a 1M-row import then a 5% revision file, bench/asof.py): ``revisions`` (just
before the revision file to its end), ``week`` (the 7 days up to the log's last change: the whole import
and the revisions) and ``week-claimant`` (that week, one claimant through the shared filter).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WINDOWS = ("revisions", "week", "week-claimant")
CLAIMANT = "Bench claimant 000"  # the bench log's largest claimant (121k of 1M claims)


def page(store, since, until, claimants, view):  # noqa: ANN001, ANN201  (runs under either checkout)
    """What app_pages/changes.py computes: the window's changes, filtered and counted, the newest listed."""
    from dashboard.events import changes
    from dashboard.events.filters import EventFilter
    from dashboard.ui.tables import CHANGES_LISTED_AT_MOST  # imported before the clock starts (streamlit: ~1 s)

    if hasattr(changes, "window_changes"):
        found = changes.window_changes(store, since, until, current=view[0], current_token=view[1])
        newest = lambda frame: changes.newest_changes(frame, CHANGES_LISTED_AT_MOST)  # noqa: E731
    else:
        found = changes.changes_between(store, since, until, compare=False)
        newest = lambda frame: frame.tail(CHANGES_LISTED_AT_MOST)  # noqa: E731
    filters = EventFilter(claimants=claimants)
    found = found.loc[filters.mask(found)] if len(found) else found
    counts = {kind: int(n) for kind, n in found["change"].value_counts().items() if n}
    listed = changes.change_list(changes.compare_revised(store, newest(found), since))
    return counts, listed


def one(db: str, window: str, warm: int) -> dict:
    """Time one window in this process: cold, then warm."""
    from dashboard.events import changes
    from dashboard.events.filters import EventFilter  # noqa: F401  (the page's modules, loaded before timing)
    from dashboard.events.store import open_store
    from dashboard.ui import data, tables  # noqa: F401

    store = open_store(f"sqlite:///{db}", create=False)
    until = changes.knowledge_time(store)
    with store.reading() as conn:
        import sqlalchemy as sa

        from dashboard.events.store import import_batches

        started = conn.execute(sa.select(sa.func.max(import_batches.c.started_at))).scalar()
    revisions_since = dt.datetime.fromisoformat(str(started)) - dt.timedelta(microseconds=1)
    since = revisions_since if window == "revisions" else until - dt.timedelta(days=7)
    claimants = (CLAIMANT,) if window == "week-claimant" else ()
    new = hasattr(changes, "window_changes")
    times = []
    started_at = time.perf_counter()
    # As the app: the current view is loaded (here, cold: read once) and held, one chunk per column
    # (ui.data.load_events); the old page did not use it.
    view = (data._one_chunk_per_column(store.current_events()), store.revision_token()) if new else (None, None)
    counts, listed = page(store, since, until, claimants, view)
    times.append(time.perf_counter() - started_at)
    for _ in range(warm):
        started_at = time.perf_counter()
        counts, listed = page(store, since, until, claimants, view)
        times.append(time.perf_counter() - started_at)
    return {
        "cold_s": times[0],
        "warm_s": statistics.median(times[1:]) if warm else None,
        "warm_all_s": times[1:],
        "counts": counts,
        "listed": len(listed),
        # The listed table's content, to check that both codes list the same rows and values.
        "listed_sha256": hashlib.sha256(listed.to_csv(index=False).encode()).hexdigest()[:16],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--old", default="/work/main", help="the other checkout ('' = time this one only)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--windows", nargs="+", default=list(WINDOWS), choices=WINDOWS)
    parser.add_argument("--one", choices=WINDOWS, help=argparse.SUPPRESS)  # a child process: time this window
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.db, args.one, args.warm)))
        return
    args.db = str(Path(args.db).resolve())  # each process runs in its checkout's folder
    here = str(Path(__file__).resolve().parent.parent)
    for run in range(args.runs):
        for window in args.windows:
            for label, code in (("old", args.old), ("new", here)) if args.old else (("new", here),):
                env = {**os.environ, "PYTHONPATH": code, "PYTHONHASHSEED": "0"}
                command = [sys.executable, __file__, "--db", args.db, "--one", window, "--warm", str(args.warm)]
                result = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=code)
                print(
                    json.dumps({"run": run, "window": window, "code": label, **json.loads(result.stdout)}), flush=True
                )


if __name__ == "__main__":
    main()
