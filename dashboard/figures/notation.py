"""The one way figures are written: tables, claim detail, headline cards, hovers and export text.

"about 15,000 (up to 18,000)", "1,000–3,000", "at least 3,000", "up to 40", "≥ 23 missiles".
A claim's low / best / high become words that say what was claimed; units come from the
schema's vocabulary, never a raw field name, and a missing figure is never "None" or "nan".
"""

from __future__ import annotations

import math

NO_FIGURE = "no figure given"
# Units read as nouns after a number ("3,000 troops"); a unit not listed reads as its key.
_UNIT_NOUNS: dict[str, tuple[str, str]] = {
    "troops": ("troop", "troops"),
    "killed": ("killed", "killed"),
    "wounded": ("wounded", "wounded"),
    "captured": ("captured", "captured"),
    "missing": ("missing", "missing"),
    "casualties": ("casualty", "casualties"),
    "missiles": ("missile", "missiles"),
    "shells": ("shell", "shells"),
    "containers": ("container", "containers"),
    "launchers": ("launcher or artillery system", "launchers or artillery systems"),
    "artillery_systems": ("artillery system", "artillery systems"),
    "sq_km": ("km²", "km²"),
    "hectares": ("hectare", "hectares"),
    "settlements": ("settlement", "settlements"),
    "people": ("person", "people"),
    "items": ("item", "items"),
    "percent": ("%", "%"),
}


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # NaN, pd.NA-like floats
    except (TypeError, ValueError):
        return True


def number(value: object) -> str:
    """``11,000``; ``2.5``; "" for a missing value."""
    if _missing(value):
        return ""
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def unit_label(unit: object, value: float | None = None) -> str:
    """The unit as a noun for a number ("troops", "missile"); "" when there is no unit."""
    if not isinstance(unit, str) or not unit.strip():
        return ""
    key = unit.strip()
    fallback = key.replace("_", " ")
    one, many = _UNIT_NOUNS.get(key, (fallback, fallback))
    return one if value is not None and float(value) == 1 else many


def _with_unit(text: str, unit: object, value: float | None) -> str:
    noun = unit_label(unit, value)
    if not noun:
        return text
    return f"{text}{noun}" if noun == "%" else f"{text} {noun}"


def figure_text(low: object, best: object, high: object, unit: object = None, *, bounds: bool = True) -> str:
    """A claim's figures in words, e.g. "about 15,000 troops (up to 18,000)".

    - best only (or all equal): "about 12,000"
    - best with bounds: "about 12,000 (10,000–15,000)", "about 15,000 (up to 18,000)",
      "about 12,000 (at least 10,000)"
    - low and high: "1,000–3,000"
    - low only: "at least 3,000"; high only: "up to 40"
    - nothing: ``NO_FIGURE``

    ``bounds=False`` leaves out the bracket after a best estimate (a headline card's short form).
    """
    lo, be, hi = (None if _missing(v) else float(v) for v in (low, best, high))
    if lo is None and be is None and hi is None:
        return NO_FIGURE
    if be is not None:
        if not bounds or (lo in (None, be) and hi in (None, be)):
            return _with_unit(f"about {number(be)}", unit, be)
        if lo is not None and hi is not None:
            bounds = f"{number(lo)}–{number(hi)}"
        elif hi is not None:
            bounds = f"up to {number(hi)}"
        else:
            bounds = f"at least {number(lo)}"
        return _with_unit(f"about {number(be)}", unit, be) + f" ({bounds})"
    if lo is not None and hi is not None:
        if lo == hi:
            return _with_unit(f"about {number(lo)}", unit, lo)
        return _with_unit(f"{number(lo)}–{number(hi)}", unit, hi)
    if lo is not None:
        return _with_unit(f"at least {number(lo)}", unit, lo)
    return _with_unit(f"up to {number(hi)}", unit, hi)


def total_text(total: float, unit: object = None, *, lower_bound: bool = False) -> str:
    """A sum over claims: "23 missiles", or "≥ 23 missiles" when some of them were only lower bounds."""
    text = _with_unit(number(total) or "0", unit, total)
    return f"≥ {text}" if lower_bound else text


def spread_text(low: float, high: float, unit: object = None) -> str:
    """The spread of several claimants' figures: "3,000 to 12,000 troops across claimants"."""
    if low == high:
        return _with_unit(number(low), unit, low)
    return _with_unit(f"{number(low)} to {number(high)}", unit, high)
