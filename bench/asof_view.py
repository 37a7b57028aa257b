"""Issue 17 point 6: time the current view and a past view of an existing database, in one process.

``python bench/asof_view.py DB_PATH MOMENT [--repeats N]`` prints one JSON line: the first call of
the past view (``as_of_first_s``: a fresh process, as the dashboard's first page after a start) and
the medians of the next N calls of each, alternated (``*_warm_s``: later calls in one process, as a
running Streamlit server serves them). Run as a file, not as ``-m bench...``, so that ``PYTHONPATH`` chooses whose
``dashboard`` package is timed: alternate two checkouts' processes on the same database to compare them
on a noisy machine (the database is opened read-mostly: only the snapshot cache beside it is written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

import dashboard
from dashboard.events.store import open_store


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("moment", type=dt.datetime.fromisoformat, help="naive UTC, e.g. 2026-11-30T06:17:00")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    store = open_store(f"sqlite:///{args.db}")
    result = {"code": dashboard.__file__.rsplit("/dashboard/", 1)[0]}
    # The past view first: a fresh process, as the first page a pasted ?asof= address opens.
    result["as_of_first_s"] = timed(lambda: store.current_events(as_of=args.moment))
    result["as_of_rows"] = len(store.current_events(as_of=args.moment))
    current, past = [], []
    for _ in range(args.repeats):  # alternated, so that a burst of load hits both
        current.append(timed(store.current_events))
        past.append(timed(lambda: store.current_events(as_of=args.moment)))
    result["current_warm_s"] = statistics.median(current)
    result["as_of_warm_s"] = statistics.median(past)
    result["ratio_warm"] = round(result["as_of_warm_s"] / result["current_warm_s"], 2)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}), flush=True)


if __name__ == "__main__":
    main()
