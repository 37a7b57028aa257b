"""dashboard.figures.export: annotated PNG/SVG through kaleido, offline HTML, chart data CSV.

The image tests import Streamlit first: ``import streamlit`` swaps plotly's
default template for one with placeholder colours, which made exports
near-black. They run in Debian's Chromium; without /usr/bin/chromium they are
skipped, except on CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from figure_support import KURSK_REGION, SUDZHA, SUMY

from dashboard.events.filters import EventFilter
from dashboard.events.geo import load_boundaries
from dashboard.figures import (
    ChartExportUnavailable,
    annotate_for_export,
    chart_claims,
    chart_data_csv,
    chromium_available,
    figure_html,
    figure_png,
    figure_svg,
    period_counts,
    point_events,
    region_map,
    region_values,
    source_line,
    timeline_chart,
)
from dashboard.figures import export as export_module

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: PNG/SVG export cannot be tested"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: install chromium)")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def streamlit_imported():
    import streamlit  # noqa: F401  - the point: its plotly template is now the default

    assert pio.templates.default == "streamlit"


@pytest.fixture
def events(make_events):
    return make_events(
        [
            {"event_date": "2024-11-04", "category": "deployment", "claimant": "South Korea NIS"},
            {"event_date": "2024-11-06", "category": "deployment", "claimant": "South Korea NIS"},
            {"event_date": "2024-11-12", "category": "missile_test", "claimant": "Japan MoD"},
            {"event_date": "2024-12-15", "category": "casualties", "claimant": "Ukraine HUR", **KURSK_REGION},
            {"event_date": "2024-12-16", "category": "battle", "claimant": "Ukraine HUR", **SUDZHA},
            {"event_date": "2024-12-17", "category": "strike", "claimant": "Ukraine HUR", "origin": "acled", **SUMY},
        ]
    )


FILTERS = EventFilter(
    start=pd.Timestamp("2024-11-01").date(), end=pd.Timestamp("2024-12-31").date(), categories=("deployment", "battle")
)


def _annotated(events):
    fig = timeline_chart(period_counts(events, "week"), "week", title="Claims per week")
    return annotate_for_export(fig, "DPRK support to Russia: claims per week", FILTERS.describe(), source_line(events))


def _image_stats(png: bytes) -> tuple[float, float, float]:
    """Mean brightness (0-255), the share of clearly coloured and of near-black pixels."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    brightness = float(pixels.mean())
    coloured = float(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).mean())
    dark = float((pixels.max(axis=2) < 60).mean())
    return brightness, coloured, dark


# --- pure parts ---------------------------------------------------------------


def test_source_line(events):
    # Outlets first (what an image must cite), then claimants, then the data sets.
    line = source_line(events)
    assert line == (
        "Sources: Yonhap. Claims by Ukraine HUR, South Korea NIS, Japan MoD. Data: Conflict Monitor seed log, ACLED."
    )
    assert "by Ukraine HUR and 2 others." in source_line(events, max_claimants=1)
    assert "no claims" in source_line(events.iloc[0:0])
    # Without its sources column the line still points at the sources, never at claimants alone.
    assert source_line(events.drop(columns="sources")).startswith("Sources: listed per claim in the chart data CSV")


def test_source_line_names_outlets_or_counts_them(make_events):
    def claim(outlet: str) -> dict:
        url = f"https://example.org/{outlet.replace(' ', '')}"
        return {"event_date": "2024-11-04", "sources": [{"outlet": outlet, "title": "t", "url": url}]}

    few = make_events([claim("Yonhap"), claim("Yonhap"), claim("Reuters")])
    assert source_line(few).startswith("Sources: Yonhap, Reuters. Claims by")
    many = make_events([claim(f"Outlet {i}") for i in range(8)])
    assert source_line(many).startswith("Sources: 8 sources from 8 outlets, listed in the chart data CSV.")


def test_chart_claims_cite_every_claim_behind_each_mark(make_events):
    events = make_events(
        [
            {
                "event_date": "2024-11-04",
                "category": "deployment",
                "subcategory": "in_russia",
                "claimant": "South Korea NIS",
                "figure_best": 11000,
                "figure_high": 12000,
                "unit": "troops",
                "sources": [
                    {"outlet": "Yonhap", "title": "NIS briefing", "date": "2024-11-04", "url": "https://example.org/y"},
                    {"outlet": "KBS", "title": "Troops in Russia", "url": "https://example.org/k"},
                ],
            },
            {"event_date": "2024-11-06", "category": "battle", "claimant": "Ukraine HUR", **KURSK_REGION},
        ]
    )
    counts = period_counts(events, "month")
    rows = chart_claims(counts, events)
    assert list(rows.columns[-10:]) == [
        "event_id", "claimant", "grade", "claim_date", "figure", "unit", "outlet", "title", "source_date", "url"
    ]  # fmt: skip
    nis = rows.loc[rows["event_id"] == "E001"]
    assert list(nis["outlet"]) == ["Yonhap", "KBS"] and list(nis["url"]) == [
        "https://example.org/y",
        "https://example.org/k",
    ]
    assert set(nis["figure"]) == {"about 11,000 troops (up to 12,000)"} and set(nis["unit"]) == {"troops"}
    assert set(nis["category"]) == {"deployment"} and set(nis["claim_date"]) == {"2024-11-04"}
    assert len(rows.loc[rows["event_id"] == "E002"]) == 1
    # Regions by name with their code, not a bare "RU-KRS".
    regions = chart_claims(region_values(events), events)
    assert "Kursk Oblast (RU-KRS)" in set(regions["region"])
    text = chart_data_csv(rows).decode("utf-8")
    assert "https://example.org/k" in text and "event_ids" not in text


def test_annotate_for_export_is_a_copy_with_title_filters_and_source(events, streamlit_imported):
    fig = timeline_chart(period_counts(events, "week"), "week", title="On screen")
    before = fig.to_json()
    out = _annotated(events)
    out_again = annotate_for_export(fig, "T", "all events", "Data: x")
    assert fig.to_json() == before  # the page's figure is untouched
    assert out is not fig and out_again is not fig
    assert out.layout.template.layout.colorway == pio.templates["plotly_white"].layout.colorway
    assert out.layout.paper_bgcolor == "white"
    assert "DPRK support to Russia: claims per week" in out.layout.title.text
    assert "1 Nov 2024 – 31 Dec 2024; deployment, battle" in out.layout.title.subtitle.text
    assert "Sources: Yonhap. Claims by Ukraine HUR" in out.layout.annotations[-1].text
    assert out.layout.margin.b > fig.layout.margin.b and out.layout.margin.t >= 80


def test_annotate_escapes_user_text():
    out = annotate_for_export(go.Figure(), "<b>x</b>", "text “<script>alert(1)</script>”", "Data: a & b")
    assert "<script>" not in out.layout.title.subtitle.text
    assert "&lt;script&gt;" in out.layout.title.subtitle.text
    assert "a &amp; b" in out.layout.annotations[-1].text


def test_figure_html_embeds_plotly_js(events):
    page = figure_html(timeline_chart(period_counts(events, "week"), "week")).decode("utf-8")
    bundle = (Path(pio.__file__).parents[1] / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    assert len(page) > len(bundle)  # plotly.js itself is inside
    assert "Plotly.newPlot" in page and "<script src=" not in page
    # "cdn.plot.ly" appears only inside the embedded bundle (its default topojsonURL
    # for geo maps, which we never draw): nothing is loaded from the CDN.
    assert page.count("cdn.plot.ly") == bundle.count("cdn.plot.ly")
    head = page.split(bundle[:200])[0]
    assert "http" not in head  # no MathJax or other script from the network


def test_chart_data_csv_goes_through_the_formula_guard():
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-11-04", "2024-11-11"]),
            "category": ['=HYPERLINK("http://x")', "battle"],
            "count": [2, -1],
            "event_ids": [["E1", "E2"], ["E3"]],
        }
    )
    text = chart_data_csv(frame).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "period,category,count,event_ids"
    assert lines[1].startswith("2024-11-04,\"'=HYPERLINK(")
    assert lines[1].endswith(',2,"E1,E2"')
    assert lines[2] == "2024-11-11,battle,-1,E3"  # numbers stay numbers


def test_chart_data_csv_joins_arrow_id_lists(make_events):
    events = make_events([{"event_date": "2024-11-05", "category": "battle"}, {"event_date": "2024-11-20"}] * 2)
    counts = period_counts(events, "month")  # event_ids as an Arrow list column
    lines = chart_data_csv(counts).decode("utf-8").splitlines()
    assert lines[1:] == ['2024-11-01,battle,2,"E001,E003"', '2024-11-01,statement,2,"E002,E004"']


def test_missing_chromium_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    assert chromium_available() is False
    with pytest.raises(ChartExportUnavailable, match="Chromium"):
        figure_png(go.Figure())


def test_chromium_found_on_path(monkeypatch, chromium):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    assert chromium_available() is True


# --- rendering in Chromium -------------------------------------------------------


def test_png_export_is_light_and_coloured_after_import_streamlit(events, chromium, streamlit_imported):
    png = figure_png(_annotated(events))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000
    brightness, coloured, dark = _image_stats(png)
    assert brightness > 200, f"image too dark (mean {brightness:.0f}): the Streamlit template leaked in"
    assert coloured > 0.01, "no coloured pixels: bars lost their colours"
    assert dark < 0.05, f"{dark:.0%} near-black pixels: placeholder colours were drawn"


def test_png_of_a_figure_built_on_streamlits_template(chromium, streamlit_imported):
    # A figure made by hand inside the app carries the placeholder template itself.
    fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]))
    assert fig.layout.template.layout.colorway[0] == "#000001"
    png = figure_png(fig, width=600, height=400, scale=1)
    brightness, coloured, dark = _image_stats(png)
    assert brightness > 200 and coloured > 0.02 and dark < 0.05
    assert fig.layout.template.layout.colorway[0] == "#000001"  # input untouched


@pytest.mark.filterwarnings("ignore:The kopts argument is ignored")
def test_the_trap_is_real_without_the_explicit_template(chromium, streamlit_imported):
    # Control: the same figure through plotly.io directly comes out black bars on white,
    # which the checks above would catch.
    figure_png(go.Figure())  # make sure the shared server is up, as in the app
    png = pio.to_image(go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2])), format="png", width=600, height=400)
    _, coloured, dark = _image_stats(png)
    assert coloured == 0 and dark > 0.1


def test_png_size_and_server_reuse(events, chromium):
    import kaleido
    from PIL import Image

    fig = _annotated(events)
    first = figure_png(fig, width=800, height=500, scale=1)
    thread = kaleido._global_server._thread
    second = figure_png(fig, width=800, height=500, scale=2)
    assert kaleido._global_server._thread is thread  # one browser for every export
    assert Image.open(io.BytesIO(first)).size == (800, 500)
    assert Image.open(io.BytesIO(second)).size == (1600, 1000)


def test_svg_contains_title_filters_and_source(events, chromium, streamlit_imported):
    svg = figure_svg(_annotated(events)).decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert "DPRK support to Russia: claims per week" in svg
    assert "1 Nov 2024 – 31 Dec 2024; deployment, battle" in svg
    assert "Sources: Yonhap. Claims by Ukraine HUR" in svg


def test_map_png_renders_offline(events, chromium, streamlit_imported):
    fig = region_map(region_values(events), point_events(events)[0], load_boundaries(), view="kursk_border")
    png = figure_png(annotate_for_export(fig, "Claims by region", "all events", source_line(events)))
    brightness, coloured, dark = _image_stats(png)
    assert len(png) > 10_000 and brightness > 200 and coloured > 0.005 and dark < 0.05


def test_export_lock_serialises_threads(events, chromium):
    import concurrent.futures

    fig = _annotated(events)
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        sizes = list(pool.map(lambda w: figure_png(fig, width=w, height=300, scale=1), (400, 500, 600)))
    from PIL import Image

    assert [Image.open(io.BytesIO(p)).size for p in sizes] == [(400, 300), (500, 300), (600, 300)]
    assert export_module._lock.acquire(blocking=False)
    export_module._lock.release()
