"""Table and chart downloads: deferred to a click, the same file as the command-line export, clean images."""

from __future__ import annotations

import csv
import io
import json

from dashboard import cli
from dashboard.events import register_store
from dashboard.events.filters import EventFilter
from dashboard.figures import apogee_distance_chart, export
from dashboard.ui import downloads
from dashboard.ui.page import WIDE_COLUMNS, PageView


def cli_export(store, tmp_path, fmt: str, *args: str) -> bytes:
    out = tmp_path / f"cli.{fmt}"
    url = store.engine.url.render_as_string(hide_password=False)
    assert cli.main(["--db", url, "export", "--format", fmt, "--out", str(out), *args]) == 0
    return out.read_bytes()


def test_table_csv_download_is_the_cli_export_of_the_same_rows(page_store, tmp_path):
    # The dashboard's frame is graded by the store's claimant register, as the CLI's export is.
    view = PageView(register_store.graded_events(page_store), EventFilter(categories=("deployment", "casualties")))
    assert not set(WIDE_COLUMNS) & set(view.shown.columns)  # the page's rows lack the text: the builder adds it
    data = downloads.TABLE_FORMATS["csv"].build(view.shown, view.with_text)
    assert data == cli_export(page_store, tmp_path, "csv", "--category", "deployment", "--category", "casualties")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(rows) == len(view.shown) > 0
    assert all(row["description"] and row["sources"] for row in rows)


def test_table_geojson_download_is_the_cli_export_of_the_same_rows(page_store, tmp_path):
    view = PageView(register_store.graded_events(page_store), EventFilter())
    data = downloads.TABLE_FORMATS["geojson"].build(view.shown, view.with_text)
    assert data == cli_export(page_store, tmp_path, "geojson")
    assert len(json.loads(data)["features"]) == len(view.events)


def test_xlsx_download_is_refused_above_a_worksheets_rows():
    assert downloads.TABLE_FORMATS["xlsx"].max_rows == 1_048_576 - 1  # one row is the header
    assert all(fmt.max_rows is None for key, fmt in downloads.TABLE_FORMATS.items() if key != "xlsx")


def test_every_download_on_the_events_and_missile_pages_is_built_on_click(open_page):
    for name, expected in (("events", 3), ("missiles", 3 * 3)):
        at = open_page(name)
        buttons = at.get("download_button")
        assert len(buttons) >= expected, name
        for button in buttons:
            # A deferred button carries the id of a registered callable and no file URL:
            # nothing was built while the page ran.
            assert button.proto.deferred_file_id and not button.proto.url, (name, button.proto.label)
            assert button.proto.ignore_rerun, (name, button.proto.label)  # on_click="ignore"


def test_exported_chart_moves_a_legend_above_the_plot_back_beside_it(page_store):
    shown = apogee_distance_chart(page_store.current_events())
    assert shown.layout.legend.orientation == "h"
    image = downloads._legend_beside(shown)
    # Above the plot, the legend ran into the title and filter lines the export writes at the top.
    assert image.layout.legend.orientation == "v" and image.layout.legend.x > 1
    assert shown.layout.legend.orientation == "h"  # the figure on the page is left as it is
    annotated = export.annotate_for_export(image, "Apogee and distance flown", "none", "Data: test")
    assert annotated.layout.legend.orientation == "v"

    plain = apogee_distance_chart(page_store.current_events()).update_layout(legend=dict(orientation="v", y=1))
    assert downloads._legend_beside(plain) is plain  # any other legend is not touched
