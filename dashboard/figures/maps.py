"""Maps of claims: regions coloured by count or figure, precise places as points.

Drawn with MapLibre traces (``go.Choroplethmap``, ``go.Scattermap``) on
:data:`OFFLINE_STYLE` and our own boundaries, so nothing is fetched from a
tile server, glyph server or CDN. Region-level claims (geo_precision 3) colour their region
but are never drawn as points.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pycountry
import shapely

from dashboard.events import geo
from dashboard.events.schema import FIGURE_FIELDS, UNITS
from dashboard.figures import _data, notation
from dashboard.figures.style import (
    SEQUENTIAL_COLORSCALE,
    category_color,
    category_label,
    category_order,
    count_axis,
    format_number,
    layout,
    plural,
    safe_text,
    safe_texts,
)


@dataclass(frozen=True)
class MapView:
    """A named map extent.

    ``region_codes`` are the ISO 3166-2 regions the view is about (empty: all);
    ``bbox`` (west, south, east, north, degrees) is the area whose region
    outlines are drawn; ``labels`` are (text, lat, lon) place labels.
    """

    label: str
    center_lat: float
    center_lon: float
    zoom: float
    region_codes: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)
    labels: tuple[tuple[str, float, float], ...] = ()
    label_regions: bool = False
    # ISO alpha-3 codes: outline only these countries' regions (empty: every country in bbox).
    countries: tuple[str, ...] = ()
    # Outline only the regions that hold claims and their neighbours (within bbox), not every region
    # the box touches: a box framing claims from Kursk to Japan touches over a thousand regions.
    outline_claim_regions: bool = False

    @property
    def center(self) -> dict[str, float]:
        return {"lat": self.center_lat, "lon": self.center_lon}


# The named views outline the first case's countries only, as before the boundaries
# covered the world: neighbours' outlines would add regions to draw on every rerun.
_SIX = ("RUS", "UKR", "BLR", "PRK", "KOR", "JPN")


def _codes(*countries: str) -> tuple[str, ...]:
    return tuple(sorted(s.code for c in countries for s in pycountry.subdivisions.get(country_code=c)))


MAP_VIEWS: dict[str, MapView] = {
    "kursk_border": MapView(
        "Kursk border area",
        51.2,
        35.4,
        5.4,
        region_codes=("RU-KRS", "RU-BEL", "RU-BRY", "UA-59", "UA-63"),
        bbox=(26.0, 47.0, 45.0, 56.0),
        label_regions=True,
        countries=_SIX,
    ),
    "ukraine_russia": MapView(
        "Ukraine and western Russia",
        50.5,
        35.0,
        3.7,
        region_codes=_codes("UA", "RU", "BY"),
        bbox=(20.0, 42.0, 56.0, 62.0),
        countries=_SIX,
        labels=(("UKRAINE", 49.0, 31.5), ("RUSSIA", 54.5, 42.0), ("BELARUS", 53.6, 28.0)),
    ),
    "korean_peninsula": MapView(
        "Korean peninsula",
        38.3,
        127.8,
        5.0,
        region_codes=_codes("KP", "KR"),
        bbox=(122.0, 32.0, 134.0, 44.0),
        countries=_SIX,
        labels=(("NORTH KOREA", 40.4, 127.2), ("SOUTH KOREA", 36.3, 128.0)),
    ),
    "all": MapView(
        "All six countries",
        58.0,
        95.0,
        1.6,
        region_codes=_codes("RU", "UA", "BY", "KP", "KR", "JP"),
        countries=_SIX,
        labels=(("RUSSIA", 62.0, 95.0), ("UKRAINE", 49.0, 31.5), ("JAPAN", 36.5, 138.5), ("KOREA", 39.0, 127.5)),
    ),
}

FIT_VIEW = "fit"
"""The view key of :func:`fit_view`: framed on the claims shown, for any country."""
FIT_VIEW_LABEL = "Fit to data"
# Countries of the first case (DPRK support to Russia): when no claim shown is in one,
# the named views would show an empty map, so the Map opens on FIT_VIEW instead.
FIRST_CASE_COUNTRIES = frozenset({"RUS", "UKR", "BLR", "PRK", "KOR"})
# The map's drawing area in pixels as a page shows it: 560 px tall less the margins and
# legend, in a typical wide layout; a little small rather than too large, so nothing is cut.
_FRAME_PX = (800, 440)
# MapLibre's tiles are 512 px: at zoom z the world is 512 * 2**z pixels wide.
_TILE_PX = 512


def fit_view(
    extent: tuple[float, float, float, float] | None,
    *,
    size: tuple[int, int] = _FRAME_PX,
    pad: float = 0.15,
    min_span: float = 0.5,
) -> MapView:
    """A view that frames ``extent``: centre and zoom so that the box fills the map.

    Parameters
    ----------
    extent : tuple of float or None
        (west, south, east, north) in degrees, as from
        ``dashboard.events.geo.data_extent``; None frames the whole world.
    size : (int, int)
        Map width and height in pixels.
    pad : float
        Margin around the box, as a share of its span on each side.
    min_span : float
        Smallest span framed, degrees (a single place is shown with its surroundings).

    Returns
    -------
    MapView
        Labelled :data:`FIT_VIEW_LABEL`, with ``bbox`` the padded box, no region focus, and
        ``outline_claim_regions`` set: the map outlines the regions in the box that hold
        claims and their neighbours.
    """
    if extent is None:
        return MapView(FIT_VIEW_LABEL, 20.0, 0.0, 0.6, outline_claim_regions=True)
    west, south, east, north = extent
    half_lon = max(east - west, min_span) * (0.5 + pad)
    half_lat = max(north - south, min_span) * (0.5 + pad)
    mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
    west, east = max(mid_lon - half_lon, -180.0), min(mid_lon + half_lon, 180.0)
    south, north = max(mid_lat - half_lat, -85.0), min(mid_lat + half_lat, 85.0)

    def mercator(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width, height = size
    zoom_lon = math.log2(width * 360.0 / (_TILE_PX * (east - west)))
    zoom_lat = math.log2(height * 2 * math.pi / (_TILE_PX * (mercator(north) - mercator(south))))
    centre_lat = math.degrees(2 * math.atan(math.exp((mercator(north) + mercator(south)) / 2)) - math.pi / 2)
    zoom = min(max(min(zoom_lon, zoom_lat), 0.5), 10.0)
    return MapView(
        FIT_VIEW_LABEL,
        round(centre_lat, 4),
        round((west + east) / 2, 4),
        round(zoom, 2),
        bbox=(west, south, east, north),
        outline_claim_regions=True,
    )


def default_view(country_codes: Iterable[str]) -> str:
    """The view the Map opens on: the Kursk border area, or :data:`FIT_VIEW` when no
    claim of the log is in a first-case country (an ACLED export for Benin, say).

    ``country_codes`` are the log's distinct countries (the sidebar's facets, computed
    once per revision), not a column of a million rows.
    """
    return "kursk_border" if FIRST_CASE_COUNTRIES.intersection(country_codes) else FIT_VIEW


def view_for(key: str, events: pd.DataFrame, boundaries: geopandas.GeoDataFrame) -> MapView:
    """The view named ``key``: one of :data:`MAP_VIEWS`, or :data:`FIT_VIEW` framed on ``events``."""
    if key == FIT_VIEW:
        return fit_view(geo.data_extent(events, boundaries))
    return _view(key)


REGION_COLUMNS = {"admin1_code": "object", "events": "int64", "value": "float64", "event_ids": "object"}
POINT_COLUMNS = {
    "event_id": "object",
    "event_date": "datetime64[ns]",
    "category": "object",
    "claimant": "object",
    "grade": "object",
    "figure": "object",
    "location": "object",
    "latitude": "float64",
    "longitude": "float64",
    "count": "int64",
    "event_ids": "object",
}
_OUTLINE_FOCUS = "#8c8c8c"
_OUTLINE_CONTEXT = "#c9c9c9"


def region_values(events: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """What to colour each region by.

    Parameters
    ----------
    events : DataFrame
        Current events. Every event with an ``admin1_code`` counts toward its
        region, whatever its geo_precision (region-level claims included).
    value : str
        ``"count"`` (number of claims) or a unit of ``schema.UNITS`` such as
        ``"troops"`` or ``"killed"``: the sum of the figures of the claims in that
        unit (best, else the midpoint of low/high, else low, else high). Claims
        by different claimants about the same thing add up: the sum reads as
        "figures claimed", not as an estimate.

    Returns
    -------
    DataFrame
        Columns ``admin1_code``, ``events`` (claims in the region), ``value``
        (float; NaN when ``value`` is a unit and no claim in the region gives
        it) and ``event_ids`` (list of str per region, an Arrow list column: see
        ``_data.ids_by_group``); sorted by code.
    """
    if value != "count" and value not in UNITS:
        raise ValueError(f"value must be 'count' or a unit ({', '.join(UNITS)}), not {value!r}")
    # Only the columns used, before selecting rows: taking every text column of a million rows costs seconds.
    needed = ["admin1_code", "event_id"] + ([] if value == "count" else ["unit", *FIGURE_FIELDS])
    located = events[needed].loc[~_data.blank(events["admin1_code"]).to_numpy()] if len(events) else events
    if located.empty:
        return _data.empty(REGION_COLUMNS)
    # Grouped on integer codes: each distinct code is stripped once (the column is categorical in
    # the store's frame), not each of up to a million rows, and the ids stay Arrow strings.
    codes = located["admin1_code"].astype("category")
    names = pd.Series(codes.cat.categories.astype(str)).str.strip()
    group_of_category, regions_found = pd.factorize(names, sort=True)
    group = group_of_category[codes.cat.codes.to_numpy()]  # no missing codes: blanks were left out above
    if value == "count":
        values = np.ones(len(located))
    else:
        in_unit = (located["unit"] == value).fillna(False).to_numpy(dtype=bool)
        values = _data.claim_value(located).where(in_unit).to_numpy(dtype=float)
    given = ~np.isnan(values)
    per_region = np.bincount(group, minlength=len(regions_found))
    present, region_of_row = _data.dense_codes(group, per_region)
    sums = np.bincount(group[given], weights=values[given], minlength=len(regions_found))[present]
    return pd.DataFrame(
        {
            "admin1_code": pd.Series(np.asarray(regions_found, dtype=object)[present], dtype=object),
            "events": per_region[present].astype("int64"),
            # NaN when no claim in the region gives the unit (as sum(min_count=1) would).
            "value": np.where(np.bincount(group[given], minlength=len(regions_found))[present] > 0, sums, np.nan),
            "event_ids": _data.ids_by_group(located["event_id"], region_of_row, len(present)),
        }
    )


def regions_without_outline(
    regions: pd.DataFrame, events: pd.DataFrame, boundaries: geopandas.GeoDataFrame
) -> pd.DataFrame:
    """Regions that hold claims but have no outline in ``boundaries``, most claims first.

    Regions created after the boundaries' edition (Natural Earth's admin-1: Mali's Ménaka and
    Taoudénit, India's Telangana and Ladakh, ...) keep their ISO code and name on the claims but have
    nothing to colour; no geometry is made up for them, so the page says which they are.

    Parameters
    ----------
    regions : DataFrame
        As from :func:`region_values` (``admin1_code`` and ``events`` are used).
    events : DataFrame
        The claims ``regions`` was computed from (``admin1_code`` and ``admin1_name``): the name
        shown is the one the claims give, else pycountry's, else the code.
    boundaries : GeoDataFrame
        As from ``dashboard.events.geo.load_boundaries()``.

    Returns
    -------
    DataFrame
        Columns ``admin1_code``, ``name`` and ``claims`` (int); empty when every region is drawn.
    """
    columns = {"admin1_code": "object", "name": "object", "claims": "int64"}
    if regions.empty:
        return _data.empty(columns)
    missing = regions.loc[~regions["admin1_code"].isin(boundaries["iso_3166_2"]).to_numpy()]
    if missing.empty:
        return _data.empty(columns)
    codes = missing["admin1_code"].tolist()
    # Only the rows of the missing regions (a few) are read for their names, not a million rows' text.
    named = events.loc[events["admin1_code"].isin(codes).to_numpy(), ["admin1_code", "admin1_name"]]
    named = named.loc[~_data.blank(named["admin1_name"]).to_numpy()]
    given = dict(zip(named["admin1_code"].astype(str), named["admin1_name"].astype(str).str.strip(), strict=True))

    def name(code: str) -> str:
        subdivision = pycountry.subdivisions.get(code=code)
        return given.get(code) or (subdivision.name if subdivision is not None else code)

    out = pd.DataFrame(
        {
            "admin1_code": pd.Series(codes, dtype=object),
            "name": pd.Series([name(c) for c in codes], dtype=object),
            "claims": missing["events"].to_numpy(dtype="int64"),
        }
    )
    return out.sort_values(["claims", "admin1_code"], ascending=[False, True], ignore_index=True)


# Regions a notice names before it says "and N more".
_NOTICE_REGIONS = 10


def no_outline_notice(unoutlined: pd.DataFrame) -> str:
    """The Map's notice for :func:`regions_without_outline`'s regions: how many claims, which regions (plain text)."""
    claims = int(unoutlined["claims"].sum())
    listed = [
        f"{name} ({code}, {plural(n, 'claim')})"
        for code, name, n in unoutlined[["admin1_code", "name", "claims"]].itertuples(index=False)
    ]
    shown = "; ".join(listed[:_NOTICE_REGIONS])
    if len(listed) > _NOTICE_REGIONS:
        shown += f"; and {len(listed) - _NOTICE_REGIONS} more"
    return (
        f"{plural(claims, 'claim')} {'is' if claims == 1 else 'are'} in "
        f"{plural(len(listed), 'region')} the map has no outline for (newer than the boundaries' "
        f"Natural Earth edition), so no region is coloured for them: {shown}. They keep their region "
        "code and name; those with coordinates are drawn as points."
    )


# Marks the map may send to the browser (issue 5's cap); each point is drawn twice (white halo + marker).
MAX_MAP_MARKS = 50_000
# Points drawn before nearby ones merge into grid cells: well under the cap. Every point costs its
# hover text and ~150 bytes of figure JSON on each rerun (25,000 points were ~4 MB and ~0.5 s to build,
# serialise and send at 1M events); 10,000 cells still resolve a front line at the views' zoom levels.
MAX_MAP_POINTS = 10_000


def point_events(events: pd.DataFrame, max_points: int = MAX_MAP_POINTS) -> tuple[pd.DataFrame, bool]:
    """Claims that name a place precisely enough to be drawn as a point.

    Only rows with ``geo_precision`` 1 (exact place) or 2 (district or area)
    and both coordinates: region-level (3) and country-level (4) claims are
    never points, even when they carry placeholder coordinates.

    Parameters
    ----------
    events : DataFrame
    max_points : int
        Above this many points, nearby points are merged into grid cells (the
        finest of 0.01 degrees times a power of √2 whose cells number at most
        ``max_points``): one point per cell at the cell's centre, ``count``
        claims, ``category`` the most common one (schema order breaks ties).

    Returns
    -------
    (DataFrame, bool)
        Columns ``event_id`` (None for merged cells), ``event_date`` (the latest
        in a cell), ``category``, ``claimant``, ``figure`` (text), ``location``,
        ``latitude``, ``longitude``, ``count``, ``event_ids`` (list; None in every
        cell when the points stand for more than ``_data.MAX_CUSTOMDATA_IDS``
        claims, as the map then sends no ids); and True if points were merged
        (the page should say so). The cell size is in ``frame.attrs["cell_degrees"]``.
    """
    if events.empty:
        return _data.empty(POINT_COLUMNS), False
    where = np.flatnonzero(_data.has_point(events))
    if len(where) > max_points:
        return _grid(events, where, max_points), True
    used = [
        "event_id",
        "event_date",
        "category",
        "claimant",
        "location",
        "latitude",
        "longitude",
        "unit",
        *FIGURE_FIELDS,
    ]
    if "grade" in events:  # grading.with_grades: the claim's grade (B2) goes into its hover
        used.append("grade")
    rows = events[used].iloc[where]  # columns first: see region_values
    points = pd.DataFrame(
        {
            "event_id": rows["event_id"].astype(str).astype(object),
            "event_date": pd.to_datetime(rows["event_date"]).astype("datetime64[ns]"),
            "category": rows["category"].astype(str).astype(object),
            "claimant": rows["claimant"].astype(str).astype(object),
            "grade": rows["grade"].astype(str).astype(object) if "grade" in rows else "",
            "figure": _figure_text(rows),
            "location": _data.text_or(rows["location"], "unnamed place"),
            "latitude": rows["latitude"].astype("float64"),
            "longitude": rows["longitude"].astype("float64"),
            "count": np.ones(len(rows), dtype="int64"),
            "event_ids": [[str(i)] for i in rows["event_id"]],
        }
    ).reset_index(drop=True)
    return points, False


def _figure_text(rows: pd.DataFrame) -> pd.Series:
    """Each claim's figures in the one notation ("about 500 troops", "at least 10 killed"), or ""."""
    text = [
        "" if written == notation.NO_FIGURE else written
        for written in (
            notation.figure_text(lo, be, hi, unit)
            for lo, be, hi, unit in zip(
                rows["figure_low"], rows["figure_best"], rows["figure_high"], rows["unit"].astype(object), strict=True
            )
        )
    ]
    return pd.Series(text, index=rows.index, dtype=object)


def _grid(events: pd.DataFrame, where: np.ndarray, max_points: int) -> pd.DataFrame:
    """Merge the point rows ``where`` (positions) into grid cells, the finest with at most ``max_points`` cells.

    Works on numbers only: category and claimant as their categorical codes, dates as integers,
    cells as one integer each. Strings of the ~600k point rows of a 1M log (object arrays of
    categories, claimants and ids, and an id list per cell) were most of the Map page's peak memory
    and ~0.5 s per rerun; only the few thousand cells' labels are turned into text, and their id
    lists only when the map will send them.
    """
    lat = events["latitude"].to_numpy(dtype=float)[where]
    lon = events["longitude"].to_numpy(dtype=float)[where]

    def cells(step: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        # Sizes 0.01° × √2 per step (0.01, 0.0141, 0.02 … 0.32, 0.453, 0.64 …), rounded for the page's
        # text: each step about halves the number of cells, so the grid ends up close to max_points
        # (doubling the size quartered it, and could leave a map of 2,500 dots for a budget of 10,000).
        size = float(f"{0.01 * 2 ** (step / 2):.3g}")
        cell_lat = np.floor(lat / size).astype("int64")
        cell_lon = np.floor(lon / size).astype("int64")
        # One integer per cell, ordered as (cell_lat, cell_lon): |cell_lon| < 2**19 even at 0.01 degrees.
        return size, cell_lat, cell_lon, cell_lat * (1 << 20) + cell_lon

    # The finest step with at most max_points cells, by bisection: fewer passes over the points than
    # trying every step from the finest (each pass is a hash of up to ~600k keys).
    low, high = 0, 26  # 0.01° × √2**26 ≈ 82°: a handful of cells
    while low < high:
        middle = (low + high) // 2
        if len(pd.unique(cells(middle)[3])) <= max_points:
            high = middle
        else:
            low = middle + 1
    cell, cell_lat, cell_lon, key = cells(low)
    cell_of_row, _ = pd.factorize(key, sort=True)
    counts = np.bincount(cell_of_row)
    # Rows grouped by cell, each cell's rows in the frame's order: the first claimant, the latest date.
    order = np.argsort(cell_of_row, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    first = order[starts]  # each cell's first row (a position in ``where``)

    categories, category_codes = _codes_of(events["category"], where)
    # Most common category per cell, ties to the category earliest in the schema: count per
    # (cell, category), put the columns in schema order, and argmax takes the first largest.
    per_category = np.bincount(
        cell_of_row * len(categories) + category_codes, minlength=len(counts) * len(categories)
    ).reshape(len(counts), len(categories))
    ranked = [categories.index(c) for c in category_order(categories)]
    top_category = np.asarray(categories, dtype=object)[ranked][per_category[:, ranked].argmax(axis=1)]

    claimants, claimant_codes = _codes_of(events["claimant"], where)
    pairs = pd.unique(cell_of_row.astype("int64") * len(claimants) + claimant_codes)  # distinct (cell, claimant)
    claimants_per_cell = np.bincount(pairs // len(claimants), minlength=len(counts))
    first_claimant = np.asarray(claimants, dtype=object)[claimant_codes[first]]

    dates = events["event_date"].to_numpy()[where].astype("datetime64[ns]")
    latest = np.maximum.reduceat(dates[order].view("int64"), starts).view("datetime64[ns]")

    if len(where) <= _data.MAX_CUSTOMDATA_IDS:
        event_ids = _data.ids_by_group(events["event_id"].iloc[where], cell_of_row, len(counts))
    else:
        event_ids = [None] * len(counts)
    out = pd.DataFrame(
        {
            "event_id": None,
            "event_date": latest,
            # Object columns as documented (pandas 3 would infer its string dtype from an object array).
            "category": pd.Series(top_category, dtype=object),
            "claimant": pd.Series(np.where(claimants_per_cell > 1, "several claimants", first_claimant), dtype=object),
            "grade": "",  # a cell holds claims of several grades
            "figure": "",
            "location": [f"{n:,} claims in a {cell:g}° cell" for n in counts],
            "latitude": (cell_lat[first] + 0.5) * cell,
            "longitude": (cell_lon[first] + 0.5) * cell,
            "count": counts.astype("int64"),
            "event_ids": event_ids,
        }
    )
    out.attrs["cell_degrees"] = cell
    return out


def _codes_of(values: pd.Series, where: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Labels (as text) and the code of each row ``where`` of a text column; a missing value is "nan", as str() says."""
    cats = values.astype("category")  # the store loads these columns as categoricals: no work then
    labels = [str(c) for c in cats.cat.categories]
    codes = cats.cat.codes.to_numpy()[where].astype("int64")
    if (codes < 0).any():
        codes = np.where(codes < 0, len(labels), codes)
        labels.append("nan")
    return labels, codes


def claims_in_views(events: pd.DataFrame) -> dict[str, int]:
    """How many located claims each of :data:`MAP_VIEWS` frames: points inside its box, region-level
    claims by their region's code (a view without codes frames every located claim)."""
    if events.empty:
        return dict.fromkeys(MAP_VIEWS, 0)
    point = _data.has_point(events)
    lat = events["latitude"].to_numpy(dtype="float64", na_value=np.nan)
    lon = events["longitude"].to_numpy(dtype="float64", na_value=np.nan)
    # Region codes tested per distinct code, not per row: a loop and an object-array isin over the
    # ~200k rows of a year at 1M events took 2 s of every Map rerun. The store's column is
    # categorical already, so this costs nothing more.
    codes = events["admin1_code"].astype("category")
    distinct = pd.Series(codes.cat.categories.astype(str)).str.strip()
    code_of_row = codes.cat.codes.to_numpy()
    coded = ~point & ~_data.blank(codes).to_numpy()
    out = {}
    for key, spec in MAP_VIEWS.items():
        west, south, east, north = spec.bbox
        inside = point & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        if spec.region_codes:
            in_view = np.append(distinct.isin(spec.region_codes).to_numpy(), False)  # code -1 (missing): last
            inside |= coded & in_view[code_of_row]
        else:
            inside |= coded
        out[key] = int(inside.sum())
    return out


# A closer view is chosen when it frames at least this share of the located claims.
FRAME_SHARE = 2 / 3


def best_view(events: pd.DataFrame) -> str:
    """The closest of :data:`MAP_VIEWS` (in their order) that frames ``FRAME_SHARE`` of the located claims.

    Kursk claims open on the Kursk view, 2026 missile launches on the Korean peninsula, a mix of
    both on all regions; without located claims, the first view.
    """
    counts = claims_in_views(events)
    located = max(counts.values())
    if located == 0:
        return next(iter(MAP_VIEWS))
    # Claims spread beyond every named view (another country): the view that frames the most.
    return next((key for key in MAP_VIEWS if counts[key] >= FRAME_SHARE * located), max(counts, key=counts.get))


def opening_view(events: pd.DataFrame, country_codes: Iterable[str]) -> str:
    """The view the Map opens on: the named view that frames the filtered claims (:func:`best_view`),
    else :data:`FIT_VIEW` (a log with no first-case claim, or claims no named view frames)."""
    if default_view(country_codes) == FIT_VIEW:
        return FIT_VIEW
    counts = claims_in_views(events)
    located = max(counts.values(), default=0)
    if located == 0:
        return next(iter(MAP_VIEWS))
    return next((key for key in MAP_VIEWS if counts[key] >= FRAME_SHARE * located), FIT_VIEW)


def view_regions(
    boundaries: geopandas.GeoDataFrame, view: str | MapView, claim_regions: Iterable[str] = ()
) -> geopandas.GeoDataFrame:
    """Regions whose outline the view draws: those touching its ``bbox`` (in its ``countries``, if set).

    For a view with ``outline_claim_regions`` (:func:`fit_view`), only those among ``claim_regions``
    (codes of the regions holding claims) and their neighbours; all that touch the box when no
    claim region has an outline (claims at sea, or only in regions newer than the boundaries).
    """
    spec = _view(view)
    west, south, east, north = spec.bbox
    bounds = boundaries.geometry.bounds
    touches = (
        (bounds["minx"] <= east) & (bounds["maxx"] >= west) & (bounds["miny"] <= north) & (bounds["maxy"] >= south)
    )
    if spec.countries:
        touches &= boundaries["country_code"].isin(spec.countries)
    if spec.outline_claim_regions:
        near = geo.region_neighbours(boundaries, claim_regions)
        if near:
            touches &= boundaries["iso_3166_2"].isin(near)
    return boundaries.loc[touches.to_numpy()]


def _view(view: str | MapView) -> MapView:
    if isinstance(view, MapView):
        return view
    try:
        return MAP_VIEWS[view]
    except KeyError:
        raise ValueError(f"unknown map view {view!r}; choose one of {', '.join(MAP_VIEWS)}") from None


# At this zoom and closer, outlines are drawn as the boundaries give them (their own detail, ~1 km).
_DETAIL_ZOOM = 4.5


def simplify_tolerance(zoom: float) -> float:
    """Degrees of simplification for a map at ``zoom``: a quarter of a screen pixel, at least 0.02°.

    A pixel spans 360 / (512 * 2**zoom) degrees of longitude (MapLibre's 512 px tiles): 0.23° at the
    six-country zoom (1.6), 0.47° at the world's (0.6). A quarter pixel keeps outlines sharp in a
    PNG exported at twice the size; 0 (no simplification) from zoom 4.5, where the boundaries'
    own detail is about what a pixel shows.
    """
    if zoom >= _DETAIL_ZOOM:
        return 0.0
    return max(0.02, 360.0 / (_TILE_PX * 2**zoom) / 4)


def coordinate_decimals(zoom: float) -> int:
    """Decimals the outlines' coordinates are sent with: 0.001° (~100 m) when close, else 0.01° (~1 km),
    still a tenth of a pixel at zoom 4.5 and less further out."""
    return 3 if zoom >= _DETAIL_ZOOM else 2


def simplified_regions(regions: geopandas.GeoDataFrame, zoom: float) -> geopandas.GeoDataFrame:
    """``regions`` with only code, name and geometry, simplified for the zoom (:func:`simplify_tolerance`).

    Simplify every region a figure draws in one call: ``coverage_simplify``
    keeps shared borders shared, so neighbours never gap or overlap.
    """
    tolerance = simplify_tolerance(zoom)
    geometry = regions.geometry.to_numpy()
    if tolerance and len(geometry):
        geometry = _coverage_simplified(geometry, regions["iso_3166_2"].to_numpy(), tolerance)
    return geopandas.GeoDataFrame(
        {"iso_3166_2": regions["iso_3166_2"].to_numpy(), "name": regions["name"].to_numpy()},
        geometry=geometry,
        crs=regions.crs,
    )


# Simplified outlines kept for reuse: a map rerun draws the same regions at the same zoom, and
# simplifying the six countries' ~190 regions took ~0.25 s of every Map rerun at the "All" view.
_SIMPLIFIED: dict[tuple, np.ndarray] = {}
_SIMPLIFIED_KEPT = 16
_SIMPLIFIED_LOCK = threading.Lock()


def _coverage_simplified(geometry: np.ndarray, codes: np.ndarray, tolerance: float) -> np.ndarray:
    """``shapely.coverage_simplify(geometry, tolerance)``, remembered for the same regions and tolerance.

    The key holds the codes and each polygon's bounds, so other boundaries with the same codes (a
    test's hand-made file) are not mistaken for these.
    """
    key = (tolerance, tuple(codes), shapely.bounds(geometry).round(6).tobytes())
    found = _SIMPLIFIED.get(key)
    if found is None:
        found = shapely.coverage_simplify(geometry, tolerance)
        with _SIMPLIFIED_LOCK:  # sessions rerun in threads of one server
            while len(_SIMPLIFIED) >= _SIMPLIFIED_KEPT:
                del _SIMPLIFIED[next(iter(_SIMPLIFIED))]
            _SIMPLIFIED[key] = found
    return found


def _geojson(regions: geopandas.GeoDataFrame, decimals: int = 3) -> dict:
    """A FeatureCollection of ``regions`` (``properties.iso_3166_2`` only) for a choroplethmap trace.

    Each ring's coordinates are one numpy array, rounded to ``decimals`` (3: 0.001°, ~100 m, finer
    than the boundaries' own detail; see :func:`coordinate_decimals`), and the same rounding keeps
    shared borders shared; a point that rounds onto the one before it is left out. Plotly deep-copies a
    trace's geojson when it builds the figure and again when Streamlit serialises it: as nested
    tuples of floats (``__geo_interface__``) each copy of the ~87k points took ~0.12 s; an array
    copies in one go, and the JSON is the same nested lists. Each trace carries only its own
    regions: plotly sends a trace's geojson in full.
    """
    features = []
    if len(regions):
        kind, coords, offsets = shapely.to_ragged_array(regions.geometry.to_numpy())
        # Offsets: rings → points, polygons → rings, and (multipolygons, or a mix) geometries → polygons.
        ring_ends, polygon_ends = offsets[0], offsets[1]
        geometry_ends = offsets[2] if kind == shapely.GeometryType.MULTIPOLYGON else np.arange(len(regions) + 1)
        coords, ring_ends = _without_repeats(np.round(coords, decimals), ring_ends)
        for i, code in enumerate(regions["iso_3166_2"]):
            polygons = [
                [coords[ring_ends[r] : ring_ends[r + 1]] for r in range(polygon_ends[p], polygon_ends[p + 1])]
                for p in range(geometry_ends[i], geometry_ends[i + 1])
            ]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"iso_3166_2": code},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _without_repeats(coords: np.ndarray, ring_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ring coordinates without points equal to the one before (as rounding makes them), and the new ring offsets.

    A ring keeps its first point, and every point of a ring that would be left with fewer than four
    (a closed ring's minimum): a tiny island stays drawn, however coarse the rounding.
    """
    if len(coords) == 0:
        return coords, ring_ends
    repeat = np.zeros(len(coords), dtype=bool)
    repeat[1:] = (coords[1:] == coords[:-1]).all(axis=1)
    lengths = np.diff(ring_ends)
    ring_of_point = np.repeat(np.arange(len(lengths)), lengths)
    repeat[ring_ends[:-1][lengths > 0]] = False  # each ring's first point
    kept = lengths - np.bincount(ring_of_point, weights=repeat, minlength=len(lengths)).astype(lengths.dtype)
    repeat &= (kept >= 4)[ring_of_point]
    keep = ~repeat
    ends = np.concatenate(([0], np.cumsum(np.bincount(ring_of_point, weights=keep, minlength=len(lengths)))))
    return coords[keep], ends.astype(ring_ends.dtype)


def outline_trace(
    regions: geopandas.GeoDataFrame, focus: tuple[str, ...], label: str, *, decimals: int = 3
) -> go.Choroplethmap | None:
    """Grey outlines of ``regions``: the view's own (``focus``) darker, neighbours lighter.

    ``decimals``: the coordinates' rounding (:func:`coordinate_decimals` of the map's zoom).
    """
    if regions.empty:
        return None
    in_focus = regions["iso_3166_2"].isin(focus).to_numpy() if focus else np.ones(len(regions), dtype=bool)
    return go.Choroplethmap(
        geojson=_geojson(regions, decimals),
        featureidkey="properties.iso_3166_2",
        locations=regions["iso_3166_2"].tolist(),
        z=in_focus.astype(int).tolist(),
        zmin=0,
        zmax=1,
        colorscale=[[0, "#fbfbfb"], [1, "#f1f1f1"]],
        showscale=False,
        marker=dict(
            line=dict(
                color=np.where(in_focus, _OUTLINE_FOCUS, _OUTLINE_CONTEXT).tolist(),
                width=np.where(in_focus, 0.9, 0.5).tolist(),
            )
        ),
        text=[f"{safe_text(name)}: {safe_text(label)}" for name in regions["name"]],
        hovertemplate="%{text}<extra></extra>",
        name="Regions",
        showlegend=False,
    )


def label_trace(spec: MapView, regions: geopandas.GeoDataFrame) -> go.Scattermap | None:
    labels = list(spec.labels)
    if spec.label_regions:
        focus = regions.loc[regions["iso_3166_2"].isin(spec.region_codes).to_numpy()]
        for name, point in zip(focus["name"], focus.geometry.representative_point(), strict=True):
            labels.append((str(name).replace(" Oblast", ""), point.y, point.x))
    if not labels:
        return None
    text, lat, lon = zip(*labels, strict=True)
    return go.Scattermap(
        lat=list(lat),
        lon=list(lon),
        text=[safe_text(t) for t in text],
        mode="text",
        hoverinfo="skip",
        showlegend=False,
        textfont=dict(size=11, color="#4d4d4d"),
        name="Labels",
    )


def _point_traces(points: pd.DataFrame) -> list[dict]:
    """The halo and one marker trace per category, as trace dicts (validated once, by ``go.Figure``).

    Built as plain dicts of numpy arrays: a ``go.Scattermap`` validates its arrays when made and
    ``go.Figure`` validates the same trace again from scratch, so objects doubled the cost.
    """
    if points.empty:
        return []
    sizes = 8 + 2.5 * np.log2(points["count"].clip(lower=1).to_numpy(dtype=float))
    lat = points["latitude"].to_numpy(dtype=float)
    lon = points["longitude"].to_numpy(dtype=float)
    # Text parts, each distinct value formatted and escaped once: dates, names and places repeat.
    date_codes, distinct_dates = pd.factorize(pd.to_datetime(points["event_date"]), use_na_sentinel=False)
    dates = np.array([f"{d:%d %b %Y}" if d == d else "date unknown" for d in distinct_dates], dtype=object)[date_codes]
    places = np.array(safe_texts(points["location"]), dtype=object)
    claimants = np.array(safe_texts(points["claimant"]), dtype=object)
    if "grade" in points:  # "South Korea NIS · B2": the grade beside who says so
        grades = points["grade"].fillna("").astype(str).to_numpy(dtype=object)
        claimants = np.where(grades != "", claimants + " · " + np.array(safe_texts(grades), dtype=object), claimants)
    figures = np.array([f"<br>{t}" if t else "" for t in safe_texts(points["figure"].fillna(""))], dtype=object)
    customdata = np.array(_data.customdata_ids(points["event_ids"], int(points["count"].sum())), dtype=object)
    categories = points["category"].to_numpy(dtype=object)
    # A white halo under the points keeps them readable on dark regions.
    traces = [
        dict(
            type="scattermap",
            lat=lat,
            lon=lon,
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker=dict(size=sizes + 3, color="white"),
            name="halo",
        )
    ]
    for cat in category_order(points["category"]):
        rows = np.flatnonzero(categories == cat)
        label = safe_text(category_label(cat))
        traces.append(
            dict(
                type="scattermap",
                lat=lat[rows],
                lon=lon[rows],
                mode="markers",
                name=label,
                meta=cat,
                marker=dict(size=sizes[rows], color=category_color(cat), opacity=0.9),
                customdata=customdata[rows],
                text=np.array(
                    [
                        f"<b>{place}</b><br>{day} · {label}<br>{who}{figure}"
                        for place, day, who, figure in zip(
                            places[rows], dates[rows], claimants[rows], figures[rows], strict=True
                        )
                    ],
                    dtype=object,
                ),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return traces


# Plotly's "white-bg" with no glyph server: the built-in styles name fonts.openmaptiles.org, which
# MapLibre asks for label glyphs as soon as a trace has text. Without a ``glyphs`` URL MapLibre draws
# every label glyph itself from the browser's fonts (TinySDF), the same way it falls back offline,
# so labels look the same and no request leaves the machine.
# MapLibre requires ``sources``; an empty dict does not survive the trip to the browser (Streamlit's
# plotly drops empty objects), so one empty GeoJSON source stands in.
OFFLINE_STYLE = {
    "version": 8,
    "sources": {"none": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
    "layers": [{"id": "white-bg", "type": "background", "paint": {"background-color": "#FFFFFF"}}],
}


def _map_layout(spec: MapView, title: str | None, height: int) -> dict:
    return layout(
        title,
        map=dict(style=OFFLINE_STYLE, center=spec.center, zoom=spec.zoom),
        height=height,
        margin=dict(l=10, r=10, t=60 if title else 10, b=10),
        legend=dict(
            title=dict(text="Located claims"),
            x=0.01,
            y=0.99,
            xanchor="left",
            yanchor="top",
            bgcolor="rgba(255,255,255,0.85)",
            bordercolor="#dddddd",
            borderwidth=1,
        ),
    )


def map_layout(fig: go.Figure, spec: MapView, title: str | None, height: int) -> go.Figure:
    """Apply the maps' layout (blank MapLibre background, the view's centre and zoom) to a built ``fig``."""
    shared = _map_layout(spec, title, height)
    xaxis, yaxis = shared.pop("xaxis"), shared.pop("yaxis")
    fig.update_layout(**shared)
    fig.update_xaxes(**xaxis)
    fig.update_yaxes(**yaxis)
    return fig


def region_map(
    regions: pd.DataFrame,
    points: pd.DataFrame,
    boundaries: geopandas.GeoDataFrame,
    view: str | MapView = "kursk_border",
    title: str | None = "Claims by region",
    value_label: str = "Events",
    *,
    height: int = 560,
    labels: bool = True,
    value_is_count: bool | None = None,
) -> go.Figure:
    """Regions coloured by value, precise places as points, on a blank background.

    Parameters
    ----------
    regions : DataFrame
        As from :func:`region_values`.
    points : DataFrame
        As from :func:`point_events` (its first element).
    boundaries : GeoDataFrame
        As from ``dashboard.events.geo.load_boundaries()``.
    view : str or MapView
        A key of :data:`MAP_VIEWS`, or a view such as :func:`fit_view` gives:
        centre, zoom and which outlines to draw.
    title, value_label : str
        Figure title and colour bar title.
    height : int
        Figure height in pixels.
    labels : bool
        Draw place labels (region names on the Kursk view, country names on
        the wider ones). MapLibre renders their glyphs locally when offline,
        which adds about 3 s to a PNG export in Chromium; pass False to skip.
    value_is_count : bool, optional
        True when ``regions`` hold claim counts (``region_values(..., "count")``): the hover then
        says "2 claims" once. Default: guessed from ``value_label`` ("Claims", "Number of claims").

    Returns
    -------
    plotly.graph_objects.Figure
        Only ``choroplethmap`` and ``scattermap`` traces on :data:`OFFLINE_STYLE`
        (no tiles, no ``geo`` layout). Traces, bottom to top: grey outlines of
        the regions around the view without a value (one trace, no customdata); the
        value choropleth (``customdata[i]`` = admin1_code, ``meta="regions"``);
        place labels; one point trace per category (``customdata[i]`` = event
        ids joined by ","; "" for every point when the points stand for more than
        ``_data.MAX_CUSTOMDATA_IDS`` claims). The map always shows outlines, even with no claims;
        pages show a "no events match" message in that case.
    """
    spec = _view(view)
    counts_claims = (
        value_label.strip().lower() in ("claims", "number of claims") if value_is_count is None else value_is_count
    )
    # Only regions with an outline are coloured: a region newer than the boundaries has none (the page
    # names those, see regions_without_outline), and its hover text would go to the browser for nothing.
    shown = (
        regions.loc[(regions["value"].notna() & regions["admin1_code"].isin(boundaries["iso_3166_2"])).to_numpy()]
        if len(regions)
        else regions
    )
    names = dict(zip(boundaries["iso_3166_2"], boundaries["name"], strict=True))
    around = view_regions(boundaries, spec, regions["admin1_code"] if len(regions) else ())
    valued_codes = set(shown["admin1_code"]) if len(shown) else set()
    drawn = boundaries.loc[
        (boundaries["iso_3166_2"].isin(around["iso_3166_2"]) | boundaries["iso_3166_2"].isin(valued_codes)).to_numpy()
    ]
    drawn = simplified_regions(drawn, spec.zoom)
    decimals = coordinate_decimals(spec.zoom)

    # Traces are collected and given to go.Figure once, with the whole layout: each fig.add_trace or
    # update_layout validates and copies what is already there (0.5 s on a map of 25,000 points).
    traces: list = []
    unvalued = drawn["iso_3166_2"].isin(around["iso_3166_2"]) & ~drawn["iso_3166_2"].isin(valued_codes)
    outlines = outline_trace(drawn.loc[unvalued.to_numpy()], spec.region_codes, "no matching claims", decimals=decimals)
    if outlines is not None:
        traces.append(outlines)
    if len(shown):
        codes = shown["admin1_code"].tolist()
        top = max(float(shown["value"].max()), 1.0)
        traces.append(
            dict(
                type="choroplethmap",
                geojson=_geojson(drawn.loc[drawn["iso_3166_2"].isin(valued_codes).to_numpy()], decimals),
                featureidkey="properties.iso_3166_2",
                locations=codes,
                z=shown["value"].astype(float).tolist(),
                zmin=0,
                zmax=top,
                colorscale=SEQUENTIAL_COLORSCALE,
                marker=dict(opacity=0.85, line=dict(color="#555555", width=0.8)),
                colorbar=dict(
                    title=dict(text=safe_text(value_label), side="top"),
                    thickness=14,
                    len=0.6,
                    x=0.99,
                    xanchor="right",
                    y=0.5,
                    outlinewidth=0,
                    **count_axis(top),
                ),
                customdata=codes,
                meta="regions",
                name=safe_text(value_label),
                showlegend=False,
                # A count map says the count once ("2 claims"), not "Claims: 2" over "2 claims".
                text=[
                    f"<b>{safe_text(names.get(c, c))}</b> ({safe_text(c)})<br>"
                    + ("" if counts_claims else f"{safe_text(value_label)}: {format_number(v)}<br>")
                    + plural(n, "claim")
                    for c, v, n in zip(codes, shown["value"], shown["events"], strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    names_trace = label_trace(spec, boundaries) if labels else None
    if names_trace is not None:
        traces.append(names_trace)
    traces += _point_traces(points)
    return go.Figure(data=traces, layout=_map_layout(spec, title, height))
