"""Reading chart selections back: which claims, which region.

Figures put event ids in ``customdata`` (several joined by ","), and the region
choropleth gives each region's ISO 3166-2 code as its location.
"""

from __future__ import annotations

from collections.abc import Mapping


def _points(state: object) -> list:
    selection = state.get("selection") if isinstance(state, Mapping) else getattr(state, "selection", None)
    points = selection.get("points") if isinstance(selection, Mapping) else getattr(selection, "points", None)
    return list(points or [])


def selected_event_ids(state: object) -> list[str]:
    """Event ids behind the selected bars or points, in order, without repeats."""
    ids: list[str] = []
    for point in _points(state):
        custom = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(custom, list):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and custom:
            ids.extend(i for i in custom.split(",") if i)
    return list(dict.fromkeys(ids))


def clicked_region(state: object) -> str | None:
    """The ISO 3166-2 code of the first clicked region (choropleth points carry a location)."""
    for point in _points(state):
        code = point.get("location") if isinstance(point, Mapping) else None
        if isinstance(code, str) and code:
            return code
    return None
