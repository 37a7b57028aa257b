"""Issue 17's timings: the log "as known on" a past moment against the current view, and a week's Changes.

``python -m bench.asof 100000 1000000`` imports the synthetic log and its 5% revision file into a fresh
SQLite file per size, then times (median of a few, single runs at 1M) the current view (Parquet
snapshot), the as-of view just after the revisions (the same rows: the current view), the as-of view
before them (the snapshot with the revisions then taken from the superseded file beside it, which the
imports carried forward), and the Changes page's data (``changes_between`` + ``change_list``) for the last 7 days
(the whole log was imported in it: every claim is new) and for the revision file's window alone, and what
the Changes page computes (the changes, the claims still current taken from the current view the app
holds, then the readable list of the newest ``CHANGES_LISTED_AT_MOST`` it shows, their fields compared
with the revisions before; the CSV is built only when downloaded) for that window, for the last 7 days
(the whole import and the revisions), and for those 7 days with one claimant chosen in the shared filter.
``bench/changes_page.py`` times the page, and ``bench/asof_view.py`` the two views, against another
checkout's code on an existing log, by alternating their processes.
"""

from __future__ import annotations

import argparse
import datetime as dt

import pandas as pd

from bench import generate
from bench.__main__ import median_time
from dashboard.events import changes
from dashboard.events.filters import EventFilter
from dashboard.events.importers import import_file
from dashboard.events.store import EventStore, open_store, utc_now
from dashboard.ui.data import _one_chunk_per_column
from dashboard.ui.tables import CHANGES_LISTED_AT_MOST

BENCH_CLAIMANT = "Bench claimant 000"  # the synthetic log's largest claimant (~12% of its claims)


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
    # The current view as the app holds it (ui.data.load_events: one chunk per column, so taking rows is cheap).
    held = (_one_chunk_per_column(store.current_events()), store.revision_token())
    week = after - dt.timedelta(days=7)
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
        "changes_page_s": median_time(lambda: changes_page(store, between, after, current=held), repeats),
        # (b) a week holding the whole import and the revisions; (c) the same, one claimant through the filter.
        "changes_page_week_s": median_time(lambda: changes_page(store, week, after, current=held), repeats),
        "changes_page_claimant_s": median_time(
            lambda: changes_page(store, week, after, (BENCH_CLAIMANT,), current=held), repeats
        ),
    }
    store.engine.dispose()
    return r


def changes_page(
    store: EventStore, since: dt.datetime, until: dt.datetime, claimants: tuple[str, ...] = (), current=None
) -> pd.DataFrame:
    """What the Changes page computes: the window's changes (the claims still current taken from the view
    the app holds, ``current`` = (view, its revision token); read here when None), filtered by the shared
    filter (``claimants``), counted, and the newest ``CHANGES_LISTED_AT_MOST`` listed, their fields compared."""
    view, token = current if current is not None else (None, None)
    found = changes.window_changes(store, since, until, current=view, current_token=token)
    found = found.loc[EventFilter(claimants=claimants).mask(found)] if len(found) else found
    found["change"].value_counts()
    shown = changes.newest_changes(found, CHANGES_LISTED_AT_MOST)
    return changes.change_list(changes.compare_revised(store, shown, since))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    for n in parser.parse_args().sizes:
        r = bench_size(n)
        print(
            f"| {n:,} | {r['current_s']:.2f} | {r['as_of_after_s']:.2f} ({r['as_of_after_s'] / r['current_s']:.0f}×) "
            f"| {r['as_of_before_s']:.2f} | {r['changes_week_s']:.2f} ({r['changes_rows']:,} rows) "
            f"| {r['changes_revisions_s']:.2f} ({r['revisions_rows']:,} rows) | {r['changes_page_s']:.2f} "
            f"| {r['changes_page_week_s']:.2f} | {r['changes_page_claimant_s']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
