"""``python -m bench.acled``: a 100k-row ACLED export imported beside the same rows as a native CSV.

The target (issue 11): the ACLED import takes at most 1.5 times the native one, both measured in
the same run with ``conflict-monitor import`` into fresh SQLite files. The native file is what the
ACLED file maps to (written by the native exporter), so both imports write the same records.
The two imports alternate ``--repeat`` times (the machine is shared: one pair says little); the
median and the spread of each, and of the ratio within each pair, are reported. A UCDP GED and a
CNS file of the same size are imported once each for their rows per second.
Writes (or replaces) the "ACLED beside native" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bench.__main__ import REPO, RESULTS, machine, run_measured
from dashboard.events import exports
from dashboard.events.importers import parse_bytes

DATA_DIR = Path(__file__).resolve().parent / "data"
TARGET_RATIO = 1.5
SECTION = "## ACLED beside native"
# (country, ISO numeric, admin1, latitude, longitude) of the places the synthetic rows fall in.
PLACES = [
    ("Ukraine", 804, "Donetsk", 48.0, 37.8),
    ("Ukraine", 804, "Kharkiv", 49.99, 36.23),
    ("Ukraine", 804, "Zaporizhia", 47.84, 35.14),
    ("Russia", 643, "Kursk", 51.73, 36.19),
    ("Russia", 643, "Belgorod", 50.6, 36.6),
]
EVENT_TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Violence against civilians", "Attack"),
    ("Strategic developments", "Other"),
]


def acled_export(n: int, seed: int = 11) -> pd.DataFrame:
    """``n`` synthetic rows in the ACLED Export Tool's layout (columns and spellings as ACLED writes them)."""
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(PLACES), n)
    kind = rng.integers(0, len(EVENT_TYPES), n)
    days = pd.Timestamp("2022-02-24") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    places = [PLACES[i] for i in place]
    kinds = [EVENT_TYPES[i] for i in kind]
    return pd.DataFrame(
        {
            "event_id_cnty": [f"{'UKR' if p[1] == 804 else 'RUS'}{i + 1}" for i, p in enumerate(places)],
            "event_date": days.strftime("%-d %B %Y"),
            "year": days.year,
            "time_precision": rng.choice([1, 1, 1, 2, 3], n),
            "disorder_type": "Political violence",
            "event_type": [k[0] for k in kinds],
            "sub_event_type": [k[1] for k in kinds],
            "actor1": rng.choice(["Military Forces of Russia (2000-)", "Military Forces of Ukraine (2019-)"], n),
            "assoc_actor_1": "",
            "inter1": 8,
            "actor2": rng.choice(["Military Forces of Ukraine (2019-)", "Civilians (Ukraine)", ""], n),
            "assoc_actor_2": "",
            "inter2": 1,
            "interaction": 18,
            "civilian_targeting": "",
            "iso": [p[1] for p in places],
            "region": "Europe",
            "country": [p[0] for p in places],
            "admin1": [p[2] for p in places],
            "admin2": "",
            "admin3": "",
            "location": [f"Village {i % 5000}" for i in range(n)],
            "latitude": np.round([p[3] for p in places] + rng.normal(0, 0.2, n), 4),
            "longitude": np.round([p[4] for p in places] + rng.normal(0, 0.2, n), 4),
            "geo_precision": rng.choice([1, 2], n),
            "source": rng.choice(["Ukrainska Pravda", "RIA Novosti; TASS", "Kyiv Independent"], n),
            "source_scale": "National",
            "notes": [f"Synthetic benchmark row {i}: shelling reported near the village." for i in range(n)],
            "fatalities": rng.integers(0, 12, n),
            "tags": "",
            "timestamp": 1_700_000_000 + rng.integers(0, 10_000_000, n),
        }
    )


def ged_export(n: int, seed: int = 12) -> pd.DataFrame:
    """``n`` synthetic rows in UCDP GED's CSV layout, a few with GED's out-of-order figures."""
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(PLACES), n)
    places = [PLACES[i] for i in place]
    start = pd.Timestamp("2022-02-24") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    best = rng.integers(0, 40, n)
    low = np.maximum(best - rng.integers(0, 5, n), 0)
    high = best + rng.integers(0, 10, n)
    odd = rng.random(n) < 0.02  # high = 0 beside best > 0, as real GED candidate rows have
    high = np.where(odd, 0, high)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "relid": [f"UKR-2024-1-{i}" for i in range(1, n + 1)],
            "year": start.year,
            "code_status": np.where(odd, "Check deaths", "Clear"),
            "type_of_violence": rng.choice([1, 1, 2, 3], n),
            "side_a": "Government of Russia (Soviet Union)",
            "side_b": "Government of Ukraine",
            "source_office": rng.choice(["Reuters;TASS", "Ukrinform", "Kyiv Independent"], n),
            "source_date": start.strftime("%Y-%m-%d"),
            "source_headline": [f"Fighting near village {i % 5000}" for i in range(n)],
            "where_prec": rng.choice([1, 2, 4], n),
            "where_coordinates": [f"Village {i % 5000}" for i in range(n)],
            "where_description": "Synthetic benchmark row",
            "adm_1": [f"{p[2]} oblast" for p in places],
            "latitude": np.round([p[3] for p in places] + rng.normal(0, 0.2, n), 4),
            "longitude": np.round([p[4] for p in places] + rng.normal(0, 0.2, n), 4),
            "country": [p[0] for p in places],
            "country_id": [365 if p[1] == 643 else 369 for p in places],
            "event_clarity": rng.choice([1, 1, 2], n),
            "date_prec": rng.choice([1, 1, 2, 4], n),
            "date_start": start.strftime("%Y-%m-%d 00:00:00.000"),
            "date_end": start.strftime("%Y-%m-%d 00:00:00.000"),
            "deaths_a": low,
            "deaths_b": best - low,
            "deaths_civilians": 0,
            "deaths_unknown": 0,
            "best": best,
            "high": high,
            "low": low,
        }
    )


def cns_export(n: int, seed: int = 13) -> pd.DataFrame:
    """``n`` synthetic rows in the CNS missile test database's layout (real CNS has ~300: a volume test only)."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("1984-04-01") + pd.to_timedelta(rng.integers(0, 14_000, n), unit="D")
    return pd.DataFrame(
        {
            "F1": np.arange(1, n + 1),
            "Date": days.strftime("%-d-%b-%y"),
            "Date Entered/Updated": "3/31/2017",
            "Launch Time (UTC)": "Unknown",
            "Missile Name": rng.choice(["Scud-B", "Hwasong-14", "KN-23", "Unknown"], n),
            "Missile Type": rng.choice(["SRBM", "ICBM", "IRBM (Hwasong-12)", "Unknown"], n),
            "Launch Agency/Authority": "Korean People's Army",
            "Facility Name": rng.choice(["Tonghae Satellite Launching Ground", "Sohae", "Unknown"], n),
            "Facility Location": rng.choice(["Hwadae County, North Hamgyong Province", "Unknown"], n),
            "Other Name": "",
            "Facility Latitude": np.round(39 + rng.random(n), 3),
            "Facility Longitude": np.round(125 + rng.random(n), 3),
            "Landing Location": "Sea of Japan",
            "Apogee": rng.choice(["Unknown", "200 km", "approx. 500 km", "2,800 km"], n),
            "Distance Travelled": rng.choice(["Unknown", "933 km", "450"], n),
            "Confirmation Status": rng.choice(["Confirmed", "Unconfirmed"], n),
            "Test Outcome": rng.choice(["Success", "Failure"], n),
            "Additional Information": [f"Synthetic benchmark row {i}." for i in range(n)],
            "Source(s)": [f"https://www.nknews.org/launch-{i}" for i in range(n)],
        }
    )


def write_files(n: int) -> tuple[Path, Path]:
    """The ACLED CSV and the native CSV of the records it maps to."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    acled_path, native_path = DATA_DIR / f"acled_{n}.csv", DATA_DIR / f"acled_{n}_as_native.csv"
    acled_export(n).to_csv(acled_path, index=False)
    parsed = parse_bytes(acled_path.read_bytes(), acled_path.name)
    if parsed.report.errors:
        raise SystemExit(f"the synthetic ACLED file does not validate: {parsed.report.error_lines()[:3]}")
    exports.write_csv(exports.export_frame(parsed.accepted_table().to_pandas()), native_path)
    return acled_path, native_path


def time_import(path: Path, db: Path) -> float:
    db.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "dashboard.cli", "--db", f"sqlite:///{db}", "import", str(path), "--no-progress"]
    seconds, _, out = run_measured(command, env=env)
    if "new" not in out:
        raise SystemExit(f"import of {path.name} failed: {out}")
    return seconds


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="pairs of imports (native, then ACLED)")
    parser.add_argument("--no-others", action="store_true", help="skip the UCDP and CNS imports")
    args = parser.parse_args()
    acled_path, native_path = write_files(args.rows)
    native_s, acled_s = [], []
    for _ in range(args.repeat):
        native_s.append(time_import(native_path, DATA_DIR / "acled_bench_native.sqlite"))
        acled_s.append(time_import(acled_path, DATA_DIR / "acled_bench_acled.sqlite"))
    ratios = [a / n for a, n in zip(acled_s, native_s, strict=True)]
    ratio = statistics.median(ratios)
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    others = []
    if not args.no_others:
        for label, frame in (("UCDP GED CSV", ged_export(args.rows)), ("CNS CSV", cns_export(args.rows))):
            path = DATA_DIR / f"{label.split()[0].lower()}_{args.rows}.csv"
            frame.to_csv(path, index=False)
            seconds = time_import(path, DATA_DIR / "other_bench.sqlite")
            others.append(f"| {label} (one run) | {seconds:.1f} | | {args.rows / seconds:,.0f} |")
    section = "\n".join(
        [
            SECTION,
            "",
            f"{dt.date.today():%Y-%m-%d}, {machine()}. `python -m bench.acled --rows {args.rows} --repeat "
            f"{args.repeat}`: the same {args.rows:,} records as an ACLED Export Tool CSV and as a native CSV, each "
            f"imported with `conflict-monitor import` into a fresh SQLite file, alternating, {args.repeat} times in "
            "one run. Times are wall-clock seconds including the process start.",
            "",
            "| file | import, median (s) | min–max (s) | rows/s at the median |",
            "|---|---|---|---|",
            f"| native CSV | {statistics.median(native_s):.2f} | {spread(native_s)} | "
            f"{args.rows / statistics.median(native_s):,.0f} |",
            f"| ACLED export | {statistics.median(acled_s):.2f} | {spread(acled_s)} | "
            f"{args.rows / statistics.median(acled_s):,.0f} |",
            *others,
            "",
            f"ACLED / native, pair by pair: median **{ratio:.2f}×**, min–max {spread(ratios)}× "
            f"(target ≤ {TARGET_RATIO}×: {verdict}).",
            "",
        ]
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
