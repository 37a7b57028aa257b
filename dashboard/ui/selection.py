"""Reading chart selections back: which claims, which region.

Figures put event ids in ``customdata`` (several joined by ","), and the region
choropleth gives each region's ISO 3166-2 code as its location.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from dashboard.ui import text

# The URL parameter that holds the claim shown in detail (Events page, Missile tests page).
EVENT_PARAM = "event"


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


def rows_key(prefix: str, *parts: object) -> str:
    """A widget key that changes whenever ``parts`` (filter, sort, page…) change.

    A table's row selection is by position: under a new key it starts empty, so a tick
    never silently moves to whatever claim now sits in that row.
    """
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{prefix}-{digest}"


def select_event(event_id: str | None) -> None:
    """Show ``event_id`` in detail (None clears), through the URL so a copied link keeps it."""
    if event_id:
        st.query_params[EVENT_PARAM] = event_id
    else:
        st.query_params.pop(EVENT_PARAM, None)


def follow_clicked_row(table: object, table_key: str, row_ids: Sequence[str]) -> None:
    """Make a newly clicked table row's claim the selected claim.

    Only a new click counts (one this table has not reported before): a row still ticked
    from earlier must not override a claim picked since, from the URL or the detail box.
    """
    rows = getattr(getattr(table, "selection", None), "rows", None) or []
    clicked = row_ids[rows[0]] if rows and 0 <= rows[0] < len(row_ids) else None
    seen_key = f"_{table_key}-seen"
    if clicked is not None and st.session_state.get(seen_key) != clicked:
        select_event(clicked)
    st.session_state[seen_key] = clicked


def select_event_from_widget(key: str) -> None:
    """An ``on_change`` callback: the widget's value (an event id) becomes the selected claim."""
    select_event(st.session_state.get(key))


def selected_event(available: pd.Series) -> str | None:
    """The claim selected in the URL if it is among ``available`` ids; else None.

    A selected claim that the filter no longer holds is cleared, with a word saying so,
    rather than replaced by another claim.
    """
    wanted = st.query_params.get(EVENT_PARAM)
    if not wanted:
        return None
    if bool((available.astype(str) == wanted).any()):
        return wanted
    select_event(None)
    st.info(
        f"Event {text.escape_markdown(wanted)} is not among the filtered claims: its selection was cleared. "
        "Widen the filter to see it again.",
        icon=":material/deselect:",
    )
    return None
