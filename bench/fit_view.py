"""``python -m bench.fit_view [DB_URL]``: what the Map's "Fit to data" view costs to build and send.

For the seed log (loaded into a temporary SQLite file) and, given ``DB_URL``, for that database
(the 1M synthetic log of ``python -m bench``): regions outlined, the figure's JSON size and the
time to build it (view, region values, points, figure) and to serialise it, as the Map page does
on each rerun (the first build, and a rerun's). Prints a Markdown table (copied by hand into ``bench/RESULTS.md``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import plotly.io

from bench.__main__ import median_time
from dashboard.events import geo
from dashboard.events.importers import seed_store
from dashboard.events.store import open_store
from dashboard.figures import maps


def _figure(events, boundaries):
    view = maps.view_for(maps.FIT_VIEW, events, boundaries)
    regions = maps.region_values(events)
    points, _ = maps.point_events(events)
    return maps.region_map(regions, points, boundaries, view=view, title=None, value_label="Claims")


def measure(label: str, events, boundaries) -> tuple[str, ...]:
    """One row: regions outlined, JSON bytes, first build, rebuild and serialise time (median of 5, ms).

    The rebuild is a rerun's: the same regions at the same zoom (their simplified outlines reused).
    """
    started = time.perf_counter()
    fig = _figure(events, boundaries)
    first = time.perf_counter() - started
    outlined = sum(len(t.locations) for t in fig.data if t.type == "choroplethmap")
    payload = plotly.io.to_json(fig, validate=False)
    build = median_time(lambda: _figure(events, boundaries))
    serialise = median_time(lambda: plotly.io.to_json(fig, validate=False))
    return (
        label,
        f"{len(events):,}",
        f"{outlined:,}",
        f"{len(payload) / 1e6:.2f}",
        f"{first * 1000:.0f}",
        f"{build * 1000:.0f}",
        f"{serialise * 1000:.0f}",
    )


def main() -> int:
    boundaries = geo.load_boundaries()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'seed.sqlite'}", seed=False)
        seed_store(store)
        rows.append(measure("seed log", store.current_events(), boundaries))
        store.engine.dispose()
    if len(sys.argv) > 1:
        store = open_store(sys.argv[1], seed=False)
        started = time.perf_counter()
        events = store.current_events()
        print(f"(loaded {sys.argv[1]} in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
        rows.append(measure("synthetic log", events, boundaries))
    print("| log | claims | regions drawn | figure JSON (MB) | first build (ms) | rebuild (ms) | serialise (ms) |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
