"""Page timings through Streamlit's AppTest, run in a fresh process per database.

``python -m bench.pages DB_URL PARENT_START`` prints one JSON object: the cold
start (from ``PARENT_START``, the parent's clock just before it spawned this
process, to the Overview page rendered), the median rerun of the Timeline, Map
and Events pages after a date-range change, the marks the Map page sends, and
this process's peak RSS. A fresh process per run, so nothing is warm but the
operating system's file cache, as for a server started after an import.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("timeline", "map", "events", "missiles", "overview")
RERUNS = 5


def _marks(at) -> int:
    """Points the Map page sends to the browser: every lat entry of every scattermap trace but labels."""
    total = 0
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            if trace.get("type") == "scattermap" and trace.get("mode") != "text":
                total += _length(trace.get("lat"))
    return total


def _length(array) -> int:
    """Entries of a plotly JSON array, plain or typed ({"dtype": "f8", "bdata": base64})."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np

        return len(base64.b64decode(array["bdata"])) // np.dtype(array["dtype"]).itemsize
    return len(array or [])


def _chart_bytes(at) -> int:
    return sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not getrusage's ru_maxrss: Linux carries that over from the parent across fork and exec, so
    it reported the benchmark runner's own peak (gigabytes, from the import limit) as the app's.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def after_script_run() -> None:
    """What the server does after every script run and AppTest does not: a full garbage collection.

    Streamlit's ``runner.postScriptGC`` (on by default) collects after each run, freeing the page
    script's namespace, which a function defined in the script keeps in a reference cycle. Without
    it the peak memory below would count garbage a server frees. Outside the timers: the server
    collects after the page has been sent.
    """
    gc.collect(2)


def main() -> None:
    url, parent_start = sys.argv[1], float(sys.argv[2])
    os.environ["CONFLICT_MONITOR_DB"] = url
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.query_params["preset"] = "Custom range"
    at.run()
    cold = time.time() - parent_start
    if at.exception:
        raise SystemExit(f"overview failed: {[e.message for e in at.exception]}")
    picker = at.date_input(key="dates")
    # The log's span is the picker's opening value. Not its min/max: those now reach years beyond the
    # log (sidebar.PICKER_MARGIN_YEARS), and ranges taken from them fell in years without a claim, so
    # four of the six reruns timed an empty page.
    first, last = picker.value
    span = (last - first).days
    # Ranges of about a year, moving through the log, so each rerun asks a new question.
    ranges = [
        (first + dt.timedelta(days=span * k // 10), first + dt.timedelta(days=span * k // 10 + 365))
        for k in range(RERUNS + 1)
    ]
    result = {"cold_start_s": cold, "pages": {}}
    for name in PAGES:
        started = time.perf_counter()
        at.switch_page(f"app_pages/{name}.py").run()
        first_render = time.perf_counter() - started
        after_script_run()
        if at.exception:
            raise SystemExit(f"{name} failed: {[e.message for e in at.exception]}")
        times = []
        for start, end in ranges:
            started = time.perf_counter()
            at.date_input(key="dates").set_value((start, min(end, last))).run()
            times.append(time.perf_counter() - started)
            after_script_run()
            if at.exception:
                raise SystemExit(f"{name} rerun failed: {[e.message for e in at.exception]}")
        # The first rerun after a page switch is not counted: it is the page's own first draw.
        page = {
            "switch_s": first_render,
            "rerun_median_s": statistics.median(times[1:]),
            "rerun_all_s": times,
            "chart_json_bytes": _chart_bytes(at),
        }
        if name == "map":
            page["marks"] = _marks(at)
            at.date_input(key="dates").set_value((first, last)).run()
            page["marks_full_range"] = _marks(at)
            page["chart_json_bytes_full_range"] = _chart_bytes(at)
            page["notes"] = [c.value for c in at.main.caption if "aggregated" in c.value or "cells" in c.value]
            page["view"] = at.selectbox(key="view").value
            # The same reruns in the "Fit to data" view, which outlines the claims' regions and their
            # neighbours wherever they are (issue 15), beside the named view the page opened on.
            at.selectbox(key="view").set_value("fit").run()
            fit_times = []
            for start, end in ranges:
                started = time.perf_counter()
                at.date_input(key="dates").set_value((start, min(end, last))).run()
                fit_times.append(time.perf_counter() - started)
                after_script_run()
                if at.exception:
                    raise SystemExit(f"map (fit) rerun failed: {[e.message for e in at.exception]}")
            page["fit_rerun_median_s"] = statistics.median(fit_times[1:])
            page["fit_rerun_all_s"] = fit_times
            page["fit_chart_json_bytes"] = _chart_bytes(at)
            page["fit_marks"] = _marks(at)
        result["pages"][name] = page
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
