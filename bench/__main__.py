"""``python -m bench``: import, load and page timings at 10k, 100k and 1M events, each beside its limit.

Writes ``bench/RESULTS.md``. Not part of the test suite: timings depend on the
machine and on what else runs on it. Data and databases go to ``bench/data/``
(git-ignored); the synthetic files are made once and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from bench import generate

SIZES = (10_000, 100_000, 1_000_000)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
REPO = Path(__file__).resolve().parents[1]
REPEATS = 5
TARGETS = {
    "rerun_s": 0.300,
    "rerun_ratio": 2.0,
    "cold_start_s": 5.0,
    "import_rows_s": 100_000,
    "peak_rss_mb": 1536,
    "marks": 50_000,
}


def run_measured(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command; return wall seconds, peak RSS in MB (polled every 50 ms, children included), stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        ps = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
                peak = max(peak, rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err[-3000:]}")
    return elapsed, peak, out


def median_time(func, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_size(n: int, pages: bool) -> dict:
    from dashboard.events.filters import EventFilter
    from dashboard.events.store import open_store
    from dashboard.figures import maps, timeline

    events_csv, revisions_csv = generate.write(n)
    db = generate.DATA_DIR / f"bench-{n}.sqlite"
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    for path in (db.parent / "cache").glob(f"{db.stem}-*"):
        path.unlink()
    url = f"sqlite:///{db}"
    cli = [sys.executable, "-m", "dashboard.cli", "--db", url, "import", "--no-progress"]
    r: dict = {"n": n}
    # Create the database with the file's first row, so the CLI does not load the seed log into an
    # empty one (the bench log stays synthetic) and the import's time is the import's.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dashboard.events.store import open_store; "
            "from dashboard.events.importers import import_file; "
            "lines = open(sys.argv[2], 'rb'); head = next(lines) + next(lines); "
            "import_file(open_store(sys.argv[1], seed=False), data=head, file_name='first-row.csv')",
            url,
            str(events_csv),
        ],
        cwd=REPO,
        check=True,
    )
    r["import_s"], r["import_rss_mb"], _ = run_measured([*cli, str(events_csv)])
    r["revise_rows"] = len(pd.read_csv(revisions_csv, usecols=["event_id"]))
    r["revise_s"], _, r["revise_out"] = run_measured([*cli, str(revisions_csv)])
    r["read_csv_s"] = median_time(lambda: pd.read_csv(events_csv), repeats=1 if n >= 1_000_000 else 3)
    r["sqlite_insert_s"] = sqlite_insert_limit(events_csv)

    store = open_store(url, seed=False)
    started = time.perf_counter()
    frame = store.current_events()
    r["first_load_s"] = time.perf_counter() - started
    started = time.perf_counter()
    frame = store.current_events()
    r["load_s"] = time.perf_counter() - started
    r["rows"] = len(frame)
    r["frame_mb"] = frame.memory_usage(deep=True).sum() / 2**20

    # The raw limit of a filter change: one boolean mask and the Timeline's group-by on the in-memory frame.
    first, last = frame["event_date"].min(), frame["event_date"].max()
    start, end = first + (last - first) / 3, first + (last - first) / 3 + pd.Timedelta(days=365)

    def raw_query() -> None:
        mask = (frame["event_date"] >= start) & (frame["event_date"] <= end)
        rows = frame.loc[mask.to_numpy()]
        rows.groupby([rows["event_date"].dt.to_period("M"), "category"], observed=True).size()

    r["raw_limit_s"] = median_time(raw_query)
    flt = EventFilter(start=start.date(), end=end.date())
    r["filter_s"] = median_time(lambda: flt.apply(frame))
    shown = flt.apply(frame)
    r["period_counts_s"] = median_time(lambda: timeline.period_counts(shown, "month"))
    r["point_events_s"] = median_time(lambda: maps.point_events(shown))
    r["region_values_s"] = median_time(lambda: maps.region_values(shown))
    store.engine.dispose()

    if pages:
        env = {**os.environ, "CONFLICT_MONITOR_DB": url}
        _, r["server_rss_mb"], out = run_measured(
            [sys.executable, "-m", "bench.pages", url, repr(time.time())], env=env
        )
        r["pages"] = json.loads(out.strip().splitlines()[-1])
    return r


def sqlite_insert_limit(events_csv: Path) -> float:
    """The write limit: seconds for SQLite alone to insert the file's rows into an empty log.

    The same table, indexes and pragmas as an import, one transaction, values prepared beforehand
    (untimed): only ``executemany`` and the commit are timed. No parsing, checking or hashing.
    """
    import pyarrow as pa

    from dashboard.events import schema
    from dashboard.events.importers import parse_bytes
    from dashboard.events.store import LOG_COLUMNS, open_store

    table = parse_bytes(events_csv.read_bytes(), events_csv.name).accepted_table()
    db = generate.DATA_DIR / "insert-limit.sqlite"
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    store = open_store(f"sqlite:///{db}", seed=False)
    names = [*schema.FIELD_NAMES, *LOG_COLUMNS, "content_hash"]
    sql = f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    log_values = (1, "2026-01-01 00:00:00.000000", None, 0, None, "0" * 64)
    elapsed = 0.0
    with store.writing() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for start in range(0, table.num_rows, 50_000):
            chunk = table.slice(start, 50_000)
            columns = [
                [v.isoformat() if v is not None else None for v in chunk[name].to_pylist()]
                if pa.types.is_date(chunk.schema.field(name).type)
                else chunk[name].to_pylist()
                for name in schema.FIELD_NAMES
            ]
            rows = [(*values, *log_values) for values in zip(*columns, strict=True)]
            started = time.perf_counter()
            cursor.executemany(sql, rows)
            elapsed += time.perf_counter() - started
        started = time.perf_counter()
    elapsed += time.perf_counter() - started  # the commit
    store.engine.dispose()
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    return elapsed


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {ram:.0f} GB RAM, Python {platform.python_version()}, "
        f"pandas {pd.__version__}, {platform.system()} {platform.release()}"
    )


def _ok(value: float | None, target: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "–"
    met = value >= target if higher_is_better else value <= target
    return "✅" if met else "❌"


def write_results(results: list[dict], notes: str = "") -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} with `python -m bench` on {machine()}.",
        "The machine's 2 cores were shared with other work during the run, so timings are noisy "
        "(single runs for import and cold start; medians of several for the rest).",
        "",
        "Synthetic data (origin `synthetic-bench`, see `bench/generate.py`); then a revision file "
        "changing ~5% of the rows is imported.",
        "",
        "| measure | " + " | ".join(f"{r['n']:,}" for r in results) + " | target at 1M |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label: str, values: list[str], target: str = "") -> None:
        lines.append(f"| {label} | " + " | ".join(values) + f" | {target} |")

    last = results[-1]
    row("import `conflict-monitor import` (s)", [f"{r['import_s']:.1f}" for r in results])
    row(
        "import throughput (rows/s)",
        [f"{r['n'] / r['import_s']:,.0f}" for r in results],
        f"≥ 100,000 {_ok(last['n'] / last['import_s'], TARGETS['import_rows_s'], True)}",
    )
    row("limit: `pandas.read_csv` (rows/s)", [f"{r['n'] / r['read_csv_s']:,.0f}" for r in results])
    row("import ÷ read_csv time", [f"{r['import_s'] / r['read_csv_s']:.0f}×" for r in results])
    row(
        "limit: SQLite alone inserting the rows (rows/s)",
        [f"{r['n'] / r['sqlite_insert_s']:,.0f}" if "sqlite_insert_s" in r else "–" for r in results],
    )
    row("import peak RSS (MB)", [f"{r['import_rss_mb']:,.0f}" for r in results])
    row("revision file import (rows, s)", [f"{r['revise_rows']:,} in {r['revise_s']:.1f}" for r in results])
    row("first load of the log after the imports (s)", [f"{r['first_load_s']:.2f}" for r in results])
    row("load `current_events()` from snapshot (s)", [f"{r['load_s']:.2f}" for r in results])
    row("events frame in memory (MB)", [f"{r['frame_mb']:,.0f}" for r in results])
    row("limit: pandas mask + group-by (ms)", [f"{r['raw_limit_s'] * 1000:.0f}" for r in results])
    row("`EventFilter.apply` date range (ms)", [f"{r['filter_s'] * 1000:.0f}" for r in results])
    row("`period_counts` (ms)", [f"{r['period_counts_s'] * 1000:.0f}" for r in results])
    row("`point_events` (ms)", [f"{r['point_events_s'] * 1000:.0f}" for r in results])
    row("`region_values` (ms)", [f"{r['region_values_s'] * 1000:.0f}" for r in results])
    if all("pages" in r for r in results):
        row(
            "cold start → Overview rendered (s)",
            [f"{r['pages']['cold_start_s']:.1f}" for r in results],
            f"≤ 5 s {_ok(last['pages']['cold_start_s'], TARGETS['cold_start_s'])}",
        )
        for name in ("timeline", "map", "events", "missiles", "overview"):
            if not all(name in r["pages"]["pages"] for r in results):
                continue
            values = [
                f"{r['pages']['pages'][name]['rerun_median_s'] * 1000:,.0f} "
                f"({r['pages']['pages'][name]['rerun_median_s'] / r['raw_limit_s']:,.1f}×)"
                for r in results
            ]
            t = last["pages"]["pages"][name]["rerun_median_s"]
            row(
                f"{name.replace('missiles', 'missile tests').capitalize()} rerun after date change, ms (× limit)",
                values,
                f"≤ 300 ms {_ok(t, TARGETS['rerun_s'])}, ≤ 2× {_ok(t / last['raw_limit_s'], TARGETS['rerun_ratio'])}",
            )
        row(
            "Map marks sent (1-year range / all dates)",
            [
                f"{r['pages']['pages']['map']['marks']:,} / {r['pages']['pages']['map']['marks_full_range']:,}"
                for r in results
            ],
            f"≤ 50,000 {_ok(last['pages']['pages']['map']['marks_full_range'], TARGETS['marks'])}",
        )
        row(
            "Map figure JSON, all dates (MB)",
            [f"{r['pages']['pages']['map']['chart_json_bytes_full_range'] / 2**20:.1f}" for r in results],
        )
        row(
            "peak RSS of the app process (MB)",
            [f"{r['pages']['peak_rss_mb']:,.0f}" for r in results],
            f"≤ 1,536 {_ok(last['pages']['peak_rss_mb'], TARGETS['peak_rss_mb'])}",
        )
    lines += ["", "Raw results:", "", "```json", json.dumps(results, indent=1, default=str), "```", ""]
    if notes:
        lines[7:7] = [notes, ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page timings")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        print(f"benchmarking {n:,} events…", file=sys.stderr, flush=True)
        results.append(bench_size(n, pages=not args.no_pages))
        print(json.dumps(results[-1], default=str), file=sys.stderr, flush=True)
        # Write as we go, so a long run leaves its partial results.
        globals()["RESULTS"] = args.out
        write_results(results)


if __name__ == "__main__":
    main()
