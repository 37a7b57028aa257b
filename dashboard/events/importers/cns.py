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
from dashboard.events.importers.cells import Cells, clip, has_columns, join_lines
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


def to_record_data(row: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """One launch row to record fields; raises RowError for a value CNS would not write."""
    cells = Cells(row)
    number = cells.required("F1").removesuffix(".0")
    launched, precision = _launch_date(cells, context)
    entered = cells.date("Date Entered/Updated", context)
    latitude = _degrees(cells, "Facility Latitude", "NS", 90)
    longitude = _degrees(cells, "Facility Longitude", "EW", 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    apogee, apogee_note = _distance(cells, "Apogee")
    distance, distance_note = _distance(cells, "Distance Travelled")
    region = _province(cells.text("Facility Location"))
    return {
        "event_id": f"cns:{number}",
        "original_id": number,
        "event_date": launched,
        "date_precision": precision,
        "category": "missile_test",
        "subcategory": _missile_type(cells.text("Missile Type")),
        "actor": "North Korea",
        "claimant": CLAIMANT,
        "figure_best": 1,
        "unit": "missiles",
        "missile_name": _known(cells, "Missile Name"),
        "launch_site": _known(cells, "Facility Name"),
        "location": _known(cells, "Facility Location") or _known(cells, "Facility Name"),
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": 1 if latitude is not None else 4,
        "country_code": "PRK",
        "admin1_code": region[0] if region else None,
        "admin1_name": region[1] if region else None,
        "apogee_km": apogee,
        "distance_km": distance,
        "outcome": clip(cells.text("Test Outcome")),
        "confidence": "high" if cells.text("Confirmation Status").casefold() == "confirmed" else "medium",
        # Ungraded, never guessed (schema.IMPORTER_GRADE_RULE): the dataset grades none of its sources.
        "source_reliability": UNGRADED_RELIABILITY,
        "credibility": UNGRADED_CREDIBILITY,
        "description": join_lines(
            cells.text("Additional Information"),
            *(
                f"{label}: {cells.text(column)}"
                for label, column in (
                    ("Missile type", "Missile Type"),
                    ("Launch agency", "Launch Agency/Authority"),
                    ("Launch time (UTC)", "Launch Time (UTC)"),
                    ("Facility also known as", "Other Name"),
                    ("Landing location", "Landing Location"),
                )
                if cells.text(column).casefold() not in UNKNOWN
            ),
            apogee_note,
            distance_note,
        ),
        "sources": _sources(cells.text("Source(s)"), entered or launched),
        "origin": NAME,
    }


def _launch_date(cells: Cells, context: dict[str, Any]) -> tuple[dt.date, str]:
    """The launch date and its precision: "month" for "Apr-84", "April 1984" or "1984-04"."""
    text = cells.required("Date")
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
    return cells.date("Date", context), "day"


def _known(cells: Cells, column: str) -> str | None:
    text = cells.text(column)
    return None if text.casefold() in UNKNOWN else clip(text)


def _missile_type(text: str) -> str:
    words = set(re.findall(r"[A-Za-z]+", text.upper()))
    return next((sub for word, sub in MISSILE_TYPES.items() if word in words), "unknown")


def _degrees(cells: Cells, column: str, hemispheres: str, limit: float) -> float | None:
    text = cells.text(column)
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


def _distance(cells: Cells, column: str) -> tuple[float | None, str | None]:
    """ "200 km" → 200; a range → its midpoint, with the text kept for the description."""
    text = cells.text(column)
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


def _sources(text: str, date: dt.date) -> list[dict[str, Any]]:
    urls = list(dict.fromkeys(url.rstrip(".)]") for url in _URL.findall(text)))
    sources = [
        {"outlet": _domain(url), "title": "CNS database source", "date": date, "url": url}
        for url in urls
        if _domain(url)
    ]
    if sources:
        return sources
    cited = f"; cites: {text}" if text and text.casefold() not in UNKNOWN else ""
    return [{"outlet": CLAIMANT, "title": clip(f"CNS database entry{cited}"), "date": date, "url": DATABASE_URL}]


def _domain(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None
