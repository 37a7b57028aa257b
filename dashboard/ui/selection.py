"""Reading chart selections back: which claims, which region.

Figures put event ids in ``customdata`` (several joined by ","), and the region
choropleth gives each region's ISO 3166-2 code as its location.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


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


def selected_bar_ids(state: object, figure: object, counts: pd.DataFrame) -> list[str]:
    """Event ids behind the selected bars of a timeline chart.

    The bars' customdata holds their ids, except in charts of very many claims,
    where figures leave it empty to keep the page light. Then a bar is found by
    its trace (``meta`` = category) and its position among that category's rows
    of ``counts`` (as from ``period_counts``), whose ``event_ids`` stay on the server.
    """
    ids: list[str] = []
    traces = getattr(figure, "data", ())
    for point in _points(state):
        if not isinstance(point, Mapping):
            continue
        from_custom = selected_event_ids({"selection": {"points": [point]}})
        if from_custom:
            ids.extend(from_custom)
            continue
        curve, index = point.get("curve_number"), point.get("point_index", point.get("point_number"))
        if not isinstance(curve, int) or not isinstance(index, int) or not 0 <= curve < len(traces):
            continue
        rows = counts.loc[(counts["category"] == getattr(traces[curve], "meta", None)).to_numpy()]
        if 0 <= index < len(rows):
            ids.extend(str(i) for i in rows["event_ids"].iloc[index])
    return list(dict.fromkeys(ids))


def clicked_region(state: object) -> str | None:
    """The ISO 3166-2 code of the first clicked region (choropleth points carry a location)."""
    for point in _points(state):
        code = point.get("location") if isinstance(point, Mapping) else None
        if isinstance(code, str) and code:
            return code
    return None
