"""``python -m bench.boundaries``: the world boundaries' size, load time and region assignment speed.

Prints a Markdown table (copied by hand into ``bench/RESULTS.md``). The load is timed
in a fresh interpreter (as a server start sees it), after geopandas is imported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

import numpy as np
import pandas as pd

from bench.__main__ import median_time
from dashboard.events import geo
from dashboard.figures import maps

LOAD_LIMIT_S = 1.0
SIZE_LIMIT_MB = 15.0
_COLD_LOAD = (
    "import time, geopandas; from dashboard.events import geo; t = time.perf_counter(); "
    "geo.load_boundaries(); print(time.perf_counter() - t)"
)


def _world_points(boundaries, count: int, rng: np.random.Generator) -> pd.DataFrame:
    """``count`` points on land: random points in random regions' bounding boxes, kept if inside one."""
    west, south, east, north = boundaries.total_bounds
    lon = rng.uniform(west, east, count * 4)
    lat = rng.uniform(max(south, -60), min(north, 75), count * 4)
    frame = pd.DataFrame({"latitude": lat, "longitude": lon, "admin1_code": None})
    placed = geo.assign_admin1(frame, boundaries)
    return placed.loc[placed["admin1_code"].notna()].head(count).reset_index(drop=True)


def main() -> int:
    path = geo.boundaries_path()
    size_mb = path.stat().st_size / 1e6
    cold = [float(subprocess.check_output([sys.executable, "-c", _COLD_LOAD], text=True)) for _ in range(3)]
    boundaries = geo.load_boundaries()
    warm = median_time(geo.load_boundaries)
    rng = np.random.default_rng(15)
    points = _world_points(boundaries, 100_000, rng)
    blank = points.assign(admin1_code=None, country_code=None)
    assign_s = median_time(lambda: geo.assign_admin1(blank, boundaries), repeats=3)
    disagree_s = median_time(lambda: geo.region_disagreements(points, boundaries), repeats=3)
    million = pd.concat([points] * 10, ignore_index=True)
    extent_ms = median_time(lambda: maps.fit_view(geo.data_extent(million, boundaries))) * 1000

    rows = [
        (
            "`admin1.parquet` on disk (MB)",
            f"{size_mb:.2f}",
            f"≤ {SIZE_LIMIT_MB:g} {'✅' if size_mb <= SIZE_LIMIT_MB else '❌'}",
        ),
        (
            "load, fresh interpreter (s; median of 3)",
            f"{statistics.median(cold):.2f}",
            f"< {LOAD_LIMIT_S:g} {'✅' if statistics.median(cold) < LOAD_LIMIT_S else '❌'}",
        ),
        ("load again, cached (ms)", f"{warm * 1000:.0f}", ""),
        ("regions / countries", f"{len(boundaries):,} / {boundaries['country_code'].nunique()}", ""),
        ("point-in-region, 100,000 points worldwide (s)", f"{assign_s:.2f}", ""),
        ("name/point disagreement check, 100,000 rows (s)", f"{disagree_s:.2f}", ""),
        ("Fit-to-data view at 1M rows (ms)", f"{extent_ms:.0f}", ""),
    ]
    print("| measure | value | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
