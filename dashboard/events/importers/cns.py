"""The CNS (James Martin Center) North Korea Missile Test Database, as .xlsx or CSV.
One row is one missile launched: one missile_test record with a figure of 1 missile.
Early launches are dated by month only ("Apr-84"); distances are text like "200 km" or
"Unknown". Each URL in Source(s) is one source; without URLs, the database itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from dashboard.events.importers.base import RowError
from dashboard.events.importers.cells import FAILED, Columns, clip, has_columns, join_lines
from dashboard.events.importers.dates import parse_date
from dashboard.events.importers.places import admin1_from_name
from dashboard.events.schema import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY

NAME = "cns"
CLAIMANT = "CNS North Korea Missile Test Database"
DATABASE_URL = "https://www.nti.org/analysis/articles/cns-north-korea-missile-test-database/"

# Missile Type → subcategory, by the first of these words found in the cell
# ("SRBM", "IRBM (Hwasong-12)"); anything else is "unknown".
MISSILE_TYPES: dict[str, str] = {
    "SRBM": "srbm",
    "MRBM": "irbm",
    "IRBM": "irbm",
    "ICBM": "icbm",
    "SLBM": "slbm",
    "CRUISE": "cruise",
    "SLV": "satellite",
}
# Cells that mean "not known" in distance and coordinate columns.
UNKNOWN = frozenset({"", "unknown", "n/a", "na", "none", "-", "\u2013", "\u2014", "?", "unk", "not applicable"})
KM_PER_MILE = 1.609344

REQUIRED_COLUMNS = (
    "F1",
    "Date",
    "Missile Name",
    "Missile Type",
    "Facility Name",
    "Facility Latitude",
    "Facility Longitude",
    "Apogee",
    "Distance Travelled",
    "Confirmation Status",
    "Test Outcome",
    "Source(s)",
)
DATE_COLUMNS = ("Date", "Date Entered/Updated")

MAPPING = [
    ("F1", "event_id", '"cns:" + F1'),
    ("F1", "original_id", "as is"),
    (
        "Date",
        "event_date",
        'a day ("2017-07-04", "4-Jul-17") or a month ("Apr-84", "April 1984", or an Excel '
        "date shown as a month), which becomes the 1st",
    ),
    ("Date", "date_precision", "month for a month-only date, else day"),
    ("", "category", '"missile_test"'),
    ("Missile Type", "subcategory", "; ".join(f"{k} → {v}" for k, v in MISSILE_TYPES.items()) + "; else unknown"),
    ("", "actor", '"North Korea"'),
    ("", "claimant", f'"{CLAIMANT}"'),
    ("", "figure_best, unit", "1 missiles (one row is one missile in the database)"),
    ("Missile Name", "missile_name", "as is"),
    ("Facility Name", "launch_site", "as is"),
    ("Facility Location", "location", "as is, else Facility Name"),
    ("Facility Location", "admin1_code, admin1_name", "a comma-separated part that names exactly one province"),
    (
        "Facility Latitude, Facility Longitude",
        "latitude, longitude",
        'decimal degrees (39.66 or 39.66° N); "Unknown" → empty',
    ),
    ("", "geo_precision", "1 with coordinates, 4 without"),
    ("", "country_code", '"PRK"'),
    (
        "Apogee",
        "apogee_km",
        '"200 km", "approx. 500 km", "310 miles" (converted), a bare number (km); a range '
        'gives its midpoint; "Unknown"/"N/A" → empty',
    ),
    ("Distance Travelled", "distance_km", "as apogee_km"),
    ("Test Outcome", "outcome", "as is"),
    ("Confirmation Status", "confidence", "Confirmed → high, else medium"),
    ("", "source_reliability, credibility", '"F", 6: ungraded (schema.IMPORTER_GRADE_RULE)'),
    (
        "Additional Information, Launch Agency/Authority, Launch Time (UTC), Other Name, Landing Location, Missile "
        "Type",
        "description",
        "Additional Information, then the other columns labelled",
    ),
    (
        "Source(s)",
        "sources",
        'each URL one source: outlet its domain, title "CNS database source", date Date '
        f"Entered/Updated (else the launch date); no URL: one source {CLAIMANT}, {DATABASE_URL}",
    ),
    ("", "origin", f'"{NAME}"'),
]

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Full names and the abbreviations CNS uses ("Apr", "Sept"), independent of the locale.
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])} | {"sept": 9}
_MONTH_ONLY = re.compile(r"^([A-Za-z]+)\.?[\s\-/]*'?(\d{2}|\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_DISTANCE = re.compile(
    rf"^(?:approx(?:imately|\.)?|about|around|est(?:imated|\.)?|ca\.?|c\.|~|>|<|over|under|more than|less than|"
    rf"up to)?\s*({_NUMBER})\s*(?:(?:-|\u2013|to)\s*({_NUMBER}))?\s*(km|kms|kilometers|kilometres|mi|miles)?\.?$",
    re.IGNORECASE,
)
_DEGREES = re.compile(r"^(-?\d+(?:\.\d+)?)\s*°?\s*([NSEWnsew])?$")
_URL = re.compile(r"https?://[^\s;,<>\"']+", re.IGNORECASE)


def matches(columns: list[str]) -> bool:
    return has_columns(columns, REQUIRED_COLUMNS)


def to_record_columns(cells: Columns, context: dict[str, Any]) -> dict[str, list[Any]]:
    """Launch rows to record fields, column by column; a value CNS would not write fails its row.

    The columns are read in one fixed order (``Columns`` keeps each row's first problem).
    """
    orders = context.get("date_order", {})
    number = [text.removesuffix(".0") for text in cells.required("F1")]
    launch = cells.each(lambda text: _launch_date(text, orders.get("Date")), cells.required("Date"))
    launched = [value[0] if value is not FAILED else value for value in launch]
    entered = cells.date("Date Entered/Updated", orders.get("Date Entered/Updated"))
    latitude = cells.each(lambda text: _degrees("Facility Latitude", text, "NS", 90), cells.text("Facility Latitude"))
    longitude = cells.each(
        lambda text: _degrees("Facility Longitude", text, "EW", 180), cells.text("Facility Longitude")
    )
    located = [lat is not None and lon is not None for lat, lon in zip(latitude, longitude, strict=True)]
    apogee = cells.each(lambda text: _distance("Apogee", text), cells.text("Apogee"), placeholder=(None, None))
    distance = cells.each(
        lambda text: _distance("Distance Travelled", text), cells.text("Distance Travelled"), placeholder=(None, None)
    )
    region = cells.each(_province, cells.text("Facility Location"))
    subcategory = cells.each(_missile_type, cells.text("Missile Type"))
    missile_name = cells.each(_known, cells.text("Missile Name"))
    launch_site = cells.each(_known, cells.text("Facility Name"))
    place = cells.each(_known, cells.text("Facility Location"))
    outcome = cells.each(clip, cells.text("Test Outcome"))
    confirmed = [text.casefold() == "confirmed" for text in cells.text("Confirmation Status")]
    description = _descriptions(cells, apogee, distance)
    sources = cells.each(_sources, cells.text("Source(s)"), [e or d for e, d in zip(entered, launched, strict=True)])
    return {
        "event_id": [f"cns:{n}" for n in number],
        "original_id": number,
        "event_date": launched,
        "date_precision": [value[1] if value is not FAILED else value for value in launch],
        "category": ["missile_test"] * cells.rows,
        "subcategory": subcategory,
        "actor": ["North Korea"] * cells.rows,
        "claimant": [CLAIMANT] * cells.rows,
        "figure_best": [1] * cells.rows,
        "unit": ["missiles"] * cells.rows,
        "missile_name": missile_name,
        "launch_site": launch_site,
        "location": [p or s for p, s in zip(place, launch_site, strict=True)],
        "latitude": [v if ok else None for v, ok in zip(latitude, located, strict=True)],
        "longitude": [v if ok else None for v, ok in zip(longitude, located, strict=True)],
        "geo_precision": [1 if ok else 4 for ok in located],
        "country_code": ["PRK"] * cells.rows,
        "admin1_code": [r[0] if r else None for r in region],
        "admin1_name": [r[1] if r else None for r in region],
        "apogee_km": [a[0] for a in apogee],
        "distance_km": [d[0] for d in distance],
        "outcome": outcome,
        "confidence": ["high" if c else "medium" for c in confirmed],
        # Ungraded, never guessed (schema.IMPORTER_GRADE_RULE): the dataset grades none of its sources.
        "source_reliability": [UNGRADED_RELIABILITY] * cells.rows,
        "credibility": [UNGRADED_CREDIBILITY] * cells.rows,
        "description": description,
        "sources": [[dict(s) for s in found] if found is not FAILED else found for found in sources],
        "origin": [NAME] * cells.rows,
    }


def _descriptions(cells: Columns, apogee: list[tuple], distance: list[tuple]) -> list[str | None]:
    """Additional Information, then the other columns labelled, then distances as reported."""
    information = cells.text("Additional Information")
    labelled = [
        [None if text.casefold() in UNKNOWN else f"{label}: {text}" for text in cells.text(column)]
        for label, column in (
            ("Missile type", "Missile Type"),
            ("Launch agency", "Launch Agency/Authority"),
            ("Launch time (UTC)", "Launch Time (UTC)"),
            ("Facility also known as", "Other Name"),
            ("Landing location", "Landing Location"),
        )
    ]
    return [
        join_lines(info, *parts, a[1], d[1])
        for info, *parts, a, d in zip(information, *labelled, apogee, distance, strict=True)
    ]


def _launch_date(text: str, order: str | None) -> tuple[dt.date, str]:
    """The launch date and its precision: "month" for "Apr-84", "April 1984" or "1984-04"."""
    month = None
    if match := _YEAR_MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    elif (match := _MONTH_ONLY.match(text)) and match.group(1).casefold() in _MONTHS:
        month, year = _MONTHS[match.group(1).casefold()], int(match.group(2))
        if len(match.group(2)) == 2:
            year += 1900 if year >= 50 else 2000  # CNS's launches start in 1984
    if month is not None:
        try:
            return dt.date(year, month, 1), "month"
        except ValueError:
            raise RowError("Date", text, "impossible month: write the date as YYYY-MM-DD or like Apr-1984") from None
    return parse_date(text, "Date", order), "day"


def _known(text: str) -> str | None:
    return None if text.casefold() in UNKNOWN else clip(text)


def _missile_type(text: str) -> str:
    words = set(re.findall(r"[A-Za-z]+", text.upper()))
    return next((sub for word, sub in MISSILE_TYPES.items() if word in words), "unknown")


def _degrees(column: str, text: str, hemispheres: str, limit: float) -> float | None:
    if text.casefold() in UNKNOWN:
        return None
    match = _DEGREES.match(text)
    if not match or (match.group(2) and match.group(2).upper() not in hemispheres):
        raise RowError(
            column,
            text,
            f"{column.lower()} must be decimal degrees (e.g. 39.66 or 39.66° {hemispheres[0]}) or 'Unknown'",
        )
    value = float(match.group(1))
    if match.group(2) and match.group(2).upper() == hemispheres[1]:
        value = -value
    if abs(value) > limit:
        raise RowError(column, text, f"{column.lower()} must lie between -{limit:g} and {limit:g} degrees")
    return value


def _distance(column: str, text: str) -> tuple[float | None, str | None]:
    """ "200 km" → 200; a range → its midpoint, with the text kept for the description."""
    if text.casefold() in UNKNOWN:
        return None, None
    match = _DISTANCE.match(text)
    if not match:
        raise RowError(column, text, f"{column.lower()} must be a distance like '200 km' or 'Unknown'")
    low = float(match.group(1).replace(",", ""))
    high = float(match.group(2).replace(",", "")) if match.group(2) else low
    if high < low:
        raise RowError(column, text, f"{column.lower()} range must run from low to high, e.g. '500-600 km'")
    factor = KM_PER_MILE if (match.group(3) or "km").casefold() in ("mi", "miles") else 1.0
    value = round((low + high) / 2 * factor, 1)
    plain = match.group(2) is None and factor == 1.0 and text[0].isdigit()
    return value, None if plain else f"{column} as reported: {text}"


def _province(location: str) -> tuple[str, str] | None:
    """The province named in "Sinpo, South Hamgyong Province", if one part names exactly one."""
    for part in reversed(location.split(",")):
        if region := admin1_from_name(part, "PRK"):
            return region
    return None


def _sources(text: str, date: dt.date) -> tuple[dict[str, Any], ...]:
    """Each URL one source; without URLs, the database itself. A tuple (of mappings the caller copies)
    so that a cell repeated on many rows is read once."""
    urls = list(dict.fromkeys(url.rstrip(".)]") for url in _URL.findall(text)))
    sources = [
        {"outlet": _domain(url), "title": "CNS database source", "date": date, "url": url}
        for url in urls
        if _domain(url)
    ]
    if sources:
        return tuple(sources)
    cited = f"; cites: {text}" if text and text.casefold() not in UNKNOWN else ""
    return ({"outlet": CLAIMANT, "title": clip(f"CNS database entry{cited}"), "date": date, "url": DATABASE_URL},)


def _domain(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None
