"""Figures made legible in black-and-white print: bars get fill patterns, lines get dash styles.

Colour alone tells categories and claimants apart on screen; a grey-scale printout of a brief
turns the muted palette into near-identical greys. :func:`for_print` adds a second encoding
that survives the printer. Pure: a copy is returned, the input is not modified.
"""

from __future__ import annotations

import plotly.graph_objects as go

# Plotly's bar fill patterns, most distinct first; "" (solid) leads so the largest series stays plain.
BAR_PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")
# Plotly's dash styles, most distinct first.
LINE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def for_print(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` whose series differ in more than colour.

    - every bar trace gets its own fill pattern (``marker.pattern.shape``, in trace order,
      cycling through :data:`BAR_PATTERNS`), drawn in dark ink over the trace's colour;
    - every line trace gets a dash style per legend group (a claimant's step line and its
      pointers share one), cycling through :data:`LINE_DASHES`.

    Markers, bands and map layers are left as they are: their shapes already carry meaning
    (the kind of claim) or their colour scale runs light to dark.
    """
    out = go.Figure(fig)
    bars = 0
    dashes: dict[str, str] = {}
    for trace in out.data:
        if trace.type == "bar":
            trace.marker.pattern = dict(
                shape=BAR_PATTERNS[bars % len(BAR_PATTERNS)], fgcolor="#1a1a1a", fgopacity=0.55, size=7, solidity=0.3
            )
            bars += 1
        elif trace.type == "scatter" and trace.mode and "lines" in trace.mode and trace.fill in (None, "none"):
            group = trace.legendgroup or trace.name or str(len(dashes))
            dash = dashes.setdefault(group, LINE_DASHES[len(dashes) % len(LINE_DASHES)])
            trace.line.dash = dash
            trace.line.width = max(trace.line.width or 2, 2)
    return out
