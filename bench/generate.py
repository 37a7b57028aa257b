"""Synthetic event logs in the native CSV schema, for the benchmark only.

Every row has ``origin = "synthetic-bench"`` and an id starting ``bench-``, so
it can never be mistaken for (or mixed into) the curated seed data. Files go to
``bench/data/`` (git-ignored).

The spread imitates the real log at scale: five years of dates, every category,
a few hundred claimants, points sampled inside real admin-1 polygons of Ukraine,
Russia and the two Koreas (so ``admin1_code`` is right for every point), a mix
of geo precisions (3 and 4 never carry coordinates), and a second file that
revises about 5% of the rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from dashboard.events import geo, schema

ORIGIN = "synthetic-bench"
DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTRIES = ("UKR", "RUS", "PRK", "KOR")
# Share of rows per geo precision 1..4.
PRECISION_SHARE = (0.35, 0.25, 0.30, 0.10)
CATEGORY_SHARE = {
    "strike": 0.30,
    "battle": 0.25,
    "deployment": 0.08,
    "casualties": 0.10,
    "missile_test": 0.03,
    "weapons_transfer": 0.04,
    "statement": 0.06,
    "attack_on_civilians": 0.06,
    "protest": 0.04,
    "other": 0.04,
}
UNIT_BY_CATEGORY = {
    "deployment": "troops",
    "casualties": "killed",
    "weapons_transfer": "shells",
    "missile_test": "missiles",
    "strike": "killed",
    "battle": "killed",
}
POINTS_PER_REGION = 400
START, DAYS = np.datetime64("2022-01-01"), 5 * 365


def _region_points(rng: np.random.Generator) -> pd.DataFrame:
    """A pool of points inside each region of the four countries (rejection sampling in the bbox)."""
    regions = geo.load_boundaries()
    regions = regions.loc[regions["country_code"].isin(COUNTRIES)].reset_index(drop=True)
    pools = []
    for row in regions.itertuples():
        west, south, east, north = row.geometry.bounds
        got = np.empty((0, 2))
        while len(got) < POINTS_PER_REGION:
            lon = rng.uniform(west, east, 4 * POINTS_PER_REGION)
            lat = rng.uniform(south, north, 4 * POINTS_PER_REGION)
            inside = shapely.contains_xy(row.geometry, lon, lat)
            got = np.vstack([got, np.column_stack([lon[inside], lat[inside]])])
        got = got[:POINTS_PER_REGION]
        pools.append(
            pd.DataFrame(
                {
                    "longitude": got[:, 0].round(4),
                    "latitude": got[:, 1].round(4),
                    "admin1_code": row.iso_3166_2,
                    "admin1_name": row.name,
                    "country_code": row.country_code,
                }
            )
        )
    return pd.concat(pools, ignore_index=True)


def synthetic_events(n: int, seed: int = 5) -> pd.DataFrame:
    """``n`` valid native records as a frame of CSV cells (text; empty = no value)."""
    rng = np.random.default_rng(seed)
    pool = _region_points(rng)
    place = pool.iloc[rng.integers(0, len(pool), n)].reset_index(drop=True)
    precision = rng.choice([1, 2, 3, 4], size=n, p=PRECISION_SHARE)
    cats = list(CATEGORY_SHARE)
    category = np.array(cats, dtype=object)[rng.choice(len(cats), size=n, p=list(CATEGORY_SHARE.values()))]
    claimants = np.array([f"Bench claimant {i:03d}" for i in range(300)], dtype=object)
    # A skewed claimant mix, as in real logs: a few claimants make most claims.
    weights = 1.0 / np.arange(1, len(claimants) + 1) ** 0.9
    claimant = claimants[rng.choice(len(claimants), size=n, p=weights / weights.sum())]
    date = START + rng.integers(0, DAYS, n).astype("timedelta64[D]")
    has_end = rng.random(n) < 0.05
    end = np.where(has_end, date + rng.integers(1, 30, n).astype("timedelta64[D]"), np.datetime64("NaT"))

    unit = pd.Series(category).map(UNIT_BY_CATEGORY)
    has_figure = unit.notna().to_numpy() & (rng.random(n) < 0.7)
    best = np.where(has_figure, rng.integers(1, 5000, n).astype(float), np.nan)
    low = np.where(has_figure & (rng.random(n) < 0.3), np.floor(best * 0.8), np.nan)
    high = np.where(has_figure & (rng.random(n) < 0.3), np.ceil(best * 1.2), np.nan)
    subcategory = np.where(category == "casualties", "killed", np.where(category == "deployment", "in_russia", ""))

    points = precision <= 2
    region_known = precision <= 3
    missile = category == "missile_test"
    frame = pd.DataFrame(
        {
            "event_id": [f"bench-{i:07d}" for i in range(n)],
            "event_date": pd.to_datetime(date).strftime("%Y-%m-%d"),
            "event_date_end": pd.Series(pd.to_datetime(end).strftime("%Y-%m-%d")).fillna(""),
            "date_precision": rng.choice(["day", "week", "month"], size=n, p=[0.85, 0.1, 0.05]),
            "reported_date": "",
            "category": category,
            "subcategory": subcategory,
            "actor": rng.choice(["Russia", "Ukraine", "North Korea", "South Korea"], size=n),
            "counterpart": rng.choice(["Ukraine", "Russia", ""], size=n),
            "claimant": claimant,
            "figure_low": low,
            "figure_best": best,
            "figure_high": high,
            "unit": np.where(has_figure, unit.fillna(""), ""),
            "location": np.where(points, [f"Bench place {i % 5000}" for i in range(n)], ""),
            "admin1_code": np.where(region_known, place["admin1_code"], ""),
            "admin1_name": np.where(region_known, place["admin1_name"], ""),
            "country_code": place["country_code"],
            "latitude": np.where(points, place["latitude"], np.nan),
            "longitude": np.where(points, place["longitude"], np.nan),
            "geo_precision": precision,
            "missile_name": np.where(missile, rng.choice(["Hwasong-19", "KN-23", "KN-25"], size=n), ""),
            "launch_site": np.where(missile, "Bench launch site", ""),
            "apogee_km": np.where(missile, rng.integers(20, 7000, n).astype(float), np.nan),
            "distance_km": np.where(missile, rng.integers(50, 1500, n).astype(float), np.nan),
            "outcome": np.where(missile, "success", ""),
            "description": [f"Synthetic benchmark claim {i}: not a real event." for i in range(n)],
            "confidence": rng.choice(["high", "medium", "low"], size=n, p=[0.3, 0.5, 0.2]),
            "sources": [
                f"Bench Outlet {i % 40} | Synthetic report {i} |  | https://example.org/bench/{i}" for i in range(n)
            ],
            "origin": ORIGIN,
            "original_id": "",
        }
    )
    return frame.reindex(columns=list(schema.FIELD_NAMES))  # fields added since (quality_flags) left empty


def revisions(events: pd.DataFrame, share: float = 0.05, seed: int = 6) -> pd.DataFrame:
    """About ``share`` of the rows with a changed description and confidence: a revision file."""
    rng = np.random.default_rng(seed)
    picked = events.loc[rng.random(len(events)) < share].copy()
    picked["description"] = picked["description"] + " Revised."
    picked["confidence"] = np.where(picked["confidence"] == "high", "medium", "high")
    return picked


def write(n: int, out_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """Write ``events-N.csv`` and ``revisions-N.csv``; reuse them if they exist."""
    out_dir.mkdir(parents=True, exist_ok=True)
    main, revised = out_dir / f"events-{n}.csv", out_dir / f"revisions-{n}.csv"
    if not (main.exists() and revised.exists()):
        events = synthetic_events(n)
        events.to_csv(main, index=False)
        revisions(events).to_csv(revised, index=False)
    return main, revised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    for n in parser.parse_args().sizes:
        print(*write(n))


if __name__ == "__main__":
    main()
