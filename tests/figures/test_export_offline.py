"""The Chromium that renders PNG/SVG exports runs with its own network traffic switched off."""

from __future__ import annotations

import os
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard.figures import export

CHROMIUM = Path("/usr/bin/chromium")


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc (the export browser runs behind a wrapper)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def test_export_chromium_runs_with_background_networking_off():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (CI=true: install chromium)")
        pytest.skip(f"{CHROMIUM} is missing: PNG export cannot be tested")
    png = export.figure_png(go.Figure(go.Bar(x=["a"], y=[1])), width=200, height=150, scale=1)
    assert png.startswith(b"\x89PNG")
    # choreographer's own switch tells kaleido's browser from Playwright's (the e2e tests' browser may
    # still run below this process when the whole suite runs).
    browsers = [
        args
        for args in map(_cmdline, _descendants(os.getpid()))
        if any("chrom" in Path(a).name for a in args[:3]) and "--allow-file-access-from-files" in args
    ]
    assert browsers, "no export browser found below this process"
    for args in browsers:
        missing = [flag for flag in export.OFFLINE_CHROMIUM_FLAGS if flag not in args]
        assert not missing, f"the export browser runs without {missing}: {args}"
    assert "DnsOverHttps" in " ".join(export.OFFLINE_CHROMIUM_FLAGS)
