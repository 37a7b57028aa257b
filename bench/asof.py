"""Issue 17's timings: the log "as known on" a past moment against the current view, and a week's Changes.

``python -m bench.asof 100000 1000000`` imports the synthetic log and its 5% revision file into a fresh
SQLite file per size, then times (median of a few, single runs at 1M) the current view (Parquet
snapshot), the as-of view just after the revisions (the same rows: the current view), the as-of view
before them (the snapshot with the revisions then taken from the superseded file beside it, which the
imports carried forward), and the Changes page's data (``changes_between`` + ``change_list``) for the last 7 days
(the whole log was imported in it: every claim is new) and for the revision file's window alone, and what
the Changes page computes for that window (the changes, then the readable list of the newest
``CHANGES_LISTED_AT_MOST`` it shows, their fields compared with the revisions before; the CSV is built
only when downloaded). ``bench/asof_view.py`` times the two views on an existing database, to compare
two checkouts' code by alternating their processes.
"""

from __future__ import annotations

import argparse
import datetime as dt

import pandas as pd

from bench import generate
from bench.__main__ import median_time
from dashboard.events import changes
from dashboard.events.importers import import_file
from dashboard.events.store import EventStore, open_store, utc_now
from dashboard.ui.tables import CHANGES_LISTED_AT_MOST


def bench_size(n: int) -> dict[str, float]:
    events_csv, revisions_csv = generate.write(n)
    db = generate.DATA_DIR / f"asof-{n}.sqlite"
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    store = open_store(f"sqlite:///{db}", seed=False)
    import_file(store, events_csv, fmt="native", origin="synthetic-bench")
    between = utc_now()
    import_file(store, revisions_csv, fmt="native", origin="synthetic-bench")
    after = utc_now()
    repeats = 1 if n >= 1_000_000 else 3
    store.current_events()  # writes the snapshot, as the app's first load does
    r = {
        "current_s": median_time(store.current_events, repeats),
        "as_of_after_s": median_time(lambda: store.current_events(as_of=after), repeats),
        "as_of_before_s": median_time(lambda: store.current_events(as_of=between), repeats),
        "changes_week_s": median_time(
            lambda: changes.change_list(changes.changes_between(store, after - dt.timedelta(days=7), after)), repeats
        ),
        "changes_rows": len(changes.changes_between(store, after - dt.timedelta(days=7), after)),
        "changes_revisions_s": median_time(
            lambda: changes.change_list(changes.changes_between(store, between, after)), repeats
        ),
        "revisions_rows": len(changes.changes_between(store, between, after)),
        "changes_page_s": median_time(lambda: changes_page(store, between, after), repeats),
    }
    store.engine.dispose()
    return r


def changes_page(store: EventStore, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """What the Changes page computes: the window's changes, fields compared only for the rows it lists."""
    found = changes.changes_between(store, since, until, compare=False)
    return changes.change_list(changes.compare_revised(store, found.tail(CHANGES_LISTED_AT_MOST), since))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    for n in parser.parse_args().sizes:
        r = bench_size(n)
        print(
            f"| {n:,} | {r['current_s']:.2f} | {r['as_of_after_s']:.2f} ({r['as_of_after_s'] / r['current_s']:.0f}×) "
            f"| {r['as_of_before_s']:.2f} | {r['changes_week_s']:.2f} ({r['changes_rows']:,} rows) "
            f"| {r['changes_revisions_s']:.2f} ({r['revisions_rows']:,} rows) | {r['changes_page_s']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
