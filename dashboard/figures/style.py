"""Shared look of every figure: category colours, labels, template and layout.

Every figure sets :data:`TEMPLATE` explicitly, so it never depends on plotly's
default template (``import streamlit`` replaces that default with one whose
colours are placeholders only the browser fills in).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.events.schema import CATEGORIES
from dashboard.figures import notation

# plotly_white, with trace defaults for only the trace types the figures draw (choroplethmap has
# none). Plotly deep-copies and re-validates a figure's template each time one is built: ~8 ms for
# plotly_white, whose defaults cover 24 trace types, ~3 ms for this one. Registered by name, as
# plotly's own are, so figures and exports set ``template=TEMPLATE``; the figure carries its content.
TEMPLATE = "conflict_monitor"
_PLOTLY_WHITE = pio.templates["plotly_white"]
pio.templates[TEMPLATE] = go.layout.Template(
    layout=_PLOTLY_WHITE.layout, data={kind: _PLOTLY_WHITE.data[kind] for kind in ("bar", "scatter", "scattermap")}
)
FONT_FAMILY = "Inter, 'Source Sans Pro', 'DejaVu Sans', Arial, sans-serif"
TEXT_COLOR = "#222222"
MUTED_COLOR = "#666666"
GRID_COLOR = "#e6e6e6"

# After Paul Tol's "muted" scheme (distinguishable with the common colour-vision
# deficiencies), one colour per category in schema order; grey for "other".
CATEGORY_COLORS: dict[str, str] = dict(
    zip(
        CATEGORIES,
        (
            "#332288",  # deployment: indigo
            "#CC6677",  # missile_test: rose
            "#882255",  # casualties: wine
            "#DDAA33",  # weapons_transfer: sand
            "#117733",  # battle: green
            "#88CCEE",  # statement: cyan
            "#AA4499",  # strike: purple
            "#44AA99",  # attack_on_civilians: teal
            "#999933",  # protest: olive
            "#AAAAAA",  # other: grey
        ),
        strict=True,
    )
)
UNKNOWN_COLOR = "#777777"

# Okabe-Ito, for series that are not categories (claimants, missile types).
SERIES_COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)

# Sequential scale for region values: light to dark, readable under coloured points.
SEQUENTIAL_COLORSCALE: list[list] = [
    [0.0, "#f1eef6"],
    [0.25, "#bdc9e1"],
    [0.5, "#74a9cf"],
    [0.75, "#3690c0"],
    [1.0, "#0570b0"],
]


def safe_text(value: object) -> str:
    """``value`` as text that plotly shows literally: ``<``, ``>`` and ``&`` become entities.

    Plotly renders a subset of HTML (``<b>``, ``<a href>``, ``<br>``…) in trace
    names, hover text and annotations, and decodes entities back to characters
    when it draws them, so ``"<b>x</b>"`` from the data shows as typed, never as
    markup or a link. Apply it to every data value that enters a figure string
    (never to a whole template: our own ``<b>``/``<br>`` must stay markup).
    """
    return html.escape(str(value), quote=False)


def safe_texts(values) -> list[str]:
    """:func:`safe_text` of each value, escaping each distinct value once (names repeat across rows)."""
    # factorize finds the distinct values without iterating Python objects (the columns are often
    # Arrow strings or categoricals, whose per-item iteration alone cost ~40 ms per 25k values).
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, distinct = pd.factorize(series, use_na_sentinel=False)  # missing values kept, as "None"/"nan"
    return np.array([safe_text(v) for v in distinct], dtype=object)[codes].tolist()


def category_label(cat: str) -> str:
    """Human label of a category: ``"missile_test"`` -> ``"Missile test"``."""
    text = str(cat).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def category_color(cat: str) -> str:
    return CATEGORY_COLORS.get(cat, UNKNOWN_COLOR)


def category_order(categories) -> list[str]:
    """The distinct categories given, in schema order, unknown ones last (sorted)."""
    # Distinct values first: callers pass a million-row column, whose unique values are few.
    present = {str(c) for c in pd.unique(pd.Series(categories))}
    known = [c for c in CATEGORIES if c in present]
    return known + sorted(present - set(CATEGORIES))


def series_colors(names) -> dict[str, str]:
    """A stable colour per name, in the order given (cycling after eight)."""
    return {name: SERIES_COLORS[i % len(SERIES_COLORS)] for i, name in enumerate(names)}


def format_number(value: float | None) -> str:
    """``12000.0`` -> ``"12,000"``; ``2.5`` -> ``"2.5"``; missing -> ``"–"`` (``notation.number``)."""
    return notation.number(value) or "–"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 launch"``, ``"3 launches"``: the count with the right form of the noun."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# The shared axis look, for every x and y axis of a figure.
_XAXIS = dict(
    gridcolor=GRID_COLOR,
    linecolor="#999999",
    ticks="outside",
    tickcolor="#999999",
    title=dict(font=dict(size=13, color=MUTED_COLOR)),
    automargin=True,
)
_YAXIS = dict(
    gridcolor=GRID_COLOR, zerolinecolor="#bbbbbb", title=dict(font=dict(size=13, color=MUTED_COLOR)), automargin=True
)


def layout(title: str | None, **settings) -> dict:
    """The shared look and a figure's own ``settings`` as one layout dict (``settings`` win, merged key by key).

    Explicit template, white background, fonts, left-aligned title, margins that leave room for
    axis titles and a legend on the right. Pass it once, ``go.Figure(data=traces, layout=layout(...))``:
    plotly validates a layout as a whole, and each ``update_layout`` call on a built figure
    validated and copied again (0.03–0.05 s a call in the profiled Timeline page at 1M events).
    """
    shared = dict(
        template=TEMPLATE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=13, color=TEXT_COLOR),
        title=dict(
            text=title or "", x=0.01, xanchor="left", y=0.97, yanchor="top", font=dict(size=17, color=TEXT_COLOR)
        ),
        margin=dict(l=70, r=30, t=60 if title else 30, b=60),
        legend=dict(bgcolor="rgba(255,255,255,0.85)", font=dict(size=12), tracegroupgap=4),
        hoverlabel=dict(bgcolor="white", font=dict(family=FONT_FAMILY, size=12, color=TEXT_COLOR)),
        separators=".,",
        xaxis=_XAXIS,
        yaxis=_YAXIS,
    )
    return merged(shared, settings)


def merged(base: dict, extra: dict) -> dict:
    """``base`` updated by ``extra``, nested dicts merged rather than replaced (neither is modified)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def base_layout(fig: go.Figure, title: str | None) -> go.Figure:
    """Apply the shared look (:func:`layout`) to a built ``fig`` in place and return it.

    For figures built step by step; a figure built at once takes ``layout(title, ...)`` instead.
    """
    shared = layout(title)
    xaxis, yaxis = shared.pop("xaxis"), shared.pop("yaxis")
    fig.update_layout(**shared)
    fig.update_xaxes(**xaxis)  # every x and y axis of the figure, subplots and second axes included
    fig.update_yaxes(**yaxis)
    return fig


def count_axis(max_value: float) -> dict:
    """Axis settings for counts: whole-number ticks (never 0.5 claims)."""
    if max_value <= 8:
        return dict(tick0=0, dtick=1, tickformat=",d")
    return dict(tickformat=",~d")


def month_axis(first: object, last: object) -> dict:
    """Date axis settings for monthly data: month ticks, each label centred on its month.

    Over longer spans ticks are every 2, 3, 6 or 12 months and labels sit at the
    tick (a label centred on a two-month period would sit between two bars).
    """
    months = (pd.Timestamp(last).to_period("M") - pd.Timestamp(first).to_period("M")).n + 1
    step = next((s for s in (1, 2, 3, 6, 12) if months / s <= 14), 24)
    return dict(
        type="date",
        dtick=f"M{step}",
        ticklabelmode="period" if step == 1 else "instant",
        tickformat="%b %Y" if step < 12 else "%Y",
    )


def empty_figure(title: str | None, message: str = "No events match the current filters.") -> go.Figure:
    """A blank figure with a centred note (pages normally show a message instead)."""
    note = dict(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=14, color=MUTED_COLOR)
    )
    return go.Figure(layout=layout(title, xaxis=dict(visible=False), yaxis=dict(visible=False), annotations=[note]))
