"""Downloads as a user gets them: chart images, chart data and HTML, and the events table."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from e2e_support import ARTIFACTS, HOSTILE_ID, brightness, coloured_fraction, png_image
from playwright.sync_api import expect

from dashboard.events.filters import EventFilter

pytestmark = pytest.mark.e2e

HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","click")'  # the hostile record's counterpart


def check_chart_png(data: bytes, name: str) -> None:
    assert len(data) > 10_000, f"{name}: only {len(data)} bytes"
    image = png_image(data)
    width, height = image.size
    assert width >= 1200 and height >= 600, f"{name}: {image.size}"
    # On a white template, not the streamlit template's placeholder colours (near-black).
    assert brightness(image) > 180, f"{name}: too dark ({brightness(image):.0f})"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"download-{name}.png").write_bytes(data)
    assert coloured_fraction(image) > 0.01, f"{name}: hardly any colour ({coloured_fraction(image):.4f})"


def test_timeline_chart_downloads_png_csv_html(app, log_events):
    app.open("/timeline", {"cat": ["Deployment"]})
    expected = EventFilter(categories=("deployment",)).apply(log_events)
    assert app.shown_count() == len(expected) > 0

    body = app.open_downloads(0)  # the first chart: claims per week by category
    name, png = app.download(body.get_by_role("button", name="PNG image"))
    assert name.endswith(".png")
    check_chart_png(png, "timeline")

    name, data = app.download(body.get_by_role("button", name="Chart data (CSV)"))
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    # One row per bar × claim in it × source of that claim (issue 21: downloads cite sources).
    assert list(rows[0]) == [
        "period", "category", "count", "event_id", "claimant", "grade", "claim_date", "figure", "unit",
        "outlet", "title", "source_date", "url",
    ]  # fmt: skip
    assert all(re.fullmatch(r"[A-F][1-6]", r["grade"]) for r in rows)  # the grade code of every claim
    assert {r["category"] for r in rows} == {"deployment"}
    bars = {(r["period"], r["category"]): int(r["count"]) for r in rows}
    assert sum(bars.values()) == len(expected)
    assert sorted({r["event_id"] for r in rows}) == sorted(expected["event_id"])
    assert all(r["url"].startswith(("http://", "https://")) for r in rows)

    name, data = app.download(body.get_by_role("button", name="Interactive HTML"))
    assert name.endswith(".html")
    page = data.decode("utf-8")
    assert re.search(r"plotly\.js v\d", page), "plotly.js is not embedded"
    assert len(data) > 1_000_000
    assert not re.search(r"""<script[^>]*\bsrc\s*=\s*["']?(https?:)?//""", page), "the HTML loads a script from a CDN"
    assert "Plotly.newPlot" in page
    app.assert_no_error_boxes()


def test_map_png_is_not_blank(app):
    app.open("/map", {"view": "Kursk border area"})  # a view whose regions fill the picture (URLs carry labels)
    body = app.open_downloads(0)
    name, png = app.download(body.get_by_role("button", name="PNG image"))
    assert name.endswith(".png")
    check_chart_png(png, "map")


def test_events_table_downloads(app, log_events):
    app.open("/events")
    total = len(log_events)
    expect(app.caption()).to_contain_text(f"{total:,} claims")

    _, data = app.download(app.main.get_by_role("button", name=f"CSV · {total:,} rows"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["event_id", "event_date"] and "sources" in header
    assert len(body) == total
    assert sorted(r[0] for r in body) == sorted(log_events["event_id"])
    hostile = dict(zip(header, next(r for r in body if r[0] == HOSTILE_ID), strict=True))
    assert hostile["counterpart"] == "'" + HOSTILE_FORMULA
    assert "<script>window.__pwned=1</script>" in hostile["description"]  # data kept as it was, only as text
    formulas = [cell for row in body for cell in row if cell.startswith(("=", "+", "@"))]
    assert not formulas, f"cells a spreadsheet would run: {formulas[:5]}"

    _, data = app.download(app.main.get_by_role("button", name=f"Excel (XLSX) · {total:,} rows"))
    assert data[:4] == b"PK\x03\x04"
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    table = list(sheet.iter_rows())
    names = [c.value for c in table[0]]
    assert len(table) - 1 == total
    row = next(r for r in table[1:] if r[0].value == HOSTILE_ID)
    cell = row[names.index("counterpart")]
    assert cell.data_type == "s" and cell.value == "'" + HOSTILE_FORMULA
    assert not [c.coordinate for r in table for c in r if c.data_type == "f"], "formula cells in the XLSX"

    _, data = app.download(app.main.get_by_role("button", name=f"GeoJSON · {total:,} rows"))
    collection = json.loads(data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == total
    feature = next(f for f in collection["features"] if f["properties"]["event_id"] == HOSTILE_ID)
    assert feature["geometry"] == {"type": "Point", "coordinates": [36.19, 51.73]}
    assert [s["url"] for s in feature["properties"]["sources"]] == [
        "https://example.org/e2e/hostile",
        "https://example.org/e2e/second",
    ]
    located = log_events["latitude"].notna() & log_events["longitude"].notna()
    assert sum(f["geometry"] is not None for f in collection["features"]) == int(located.sum())
    app.assert_no_error_boxes()
