"""A small map of one claim's place, for the claim form: its region outlined, its point marked.

Drawn like the Map page (MapLibre traces on ``maps.OFFLINE_STYLE`` and our own boundaries), so
the preview fetches nothing from the internet.
"""

from __future__ import annotations

import geopandas
import plotly.graph_objects as go

from dashboard.figures import maps
from dashboard.figures.style import safe_text

# How far around the place the preview shows (degrees), and at which zoom.
_AROUND = 4.0
_ZOOM_POINT = 5.0
_ZOOM_REGION = 4.0


def place_preview(
    boundaries: geopandas.GeoDataFrame,
    latitude: float | None = None,
    longitude: float | None = None,
    region_code: str | None = None,
    label: str | None = None,
    *,
    height: int = 260,
) -> go.Figure | None:
    """The place a claim names: its point (when it has coordinates) and its region, or None when it names neither.

    Parameters
    ----------
    boundaries : GeoDataFrame
        As from ``dashboard.events.geo.load_boundaries()`` (column ``iso_3166_2``).
    latitude, longitude : float, optional
        WGS84 degrees of the place; both or neither.
    region_code : str, optional
        ISO 3166-2 code of its region, outlined darker than its neighbours.
    label : str, optional
        The place's name, shown on hover (as text, never HTML).

    Returns
    -------
    plotly.graph_objects.Figure or None
        Region outlines around the place (``choroplethmap``) and a ``scattermap`` marker.
    """
    has_point = latitude is not None and longitude is not None
    region = boundaries.loc[boundaries["iso_3166_2"] == region_code] if region_code else boundaries.iloc[:0]
    if not has_point and region.empty:
        return None
    if has_point:
        lat, lon, zoom = float(latitude), float(longitude), _ZOOM_POINT
    else:
        centre = region.geometry.union_all().representative_point()
        lat, lon, zoom = centre.y, centre.x, _ZOOM_REGION
    bbox = (lon - _AROUND * 1.5, lat - _AROUND, lon + _AROUND * 1.5, lat + _AROUND)
    view = maps.MapView("Place", lat, lon, zoom, (region_code,) if region_code else (), bbox)
    nearby = maps.view_regions(boundaries, view)
    traces: list = []
    outline = maps.outline_trace(nearby, view.region_codes, "region")
    if outline is not None:
        traces.append(outline)
    if has_point:
        traces.append(
            go.Scattermap(
                lat=[lat],
                lon=[lon],
                mode="markers",
                marker=dict(size=12, color="#c0392b"),
                text=[safe_text(label or f"{lat:.3f}, {lon:.3f}")],
                hovertemplate="%{text}<extra></extra>",
                name="Place",
                showlegend=False,
            )
        )
    fig = go.Figure(data=traces)
    maps.map_layout(fig, view, None, height)
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=0))
    return fig
