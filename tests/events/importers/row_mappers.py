"""The row-by-row mappers of ACLED, UCDP GED and CNS as they were before the column-wise mapping
(issue 11), kept verbatim as the oracle the column mappers are tested against
(tests/events/importers/test_column_mapping.py). Not used by the dashboard.
"""

# ruff: noqa

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any
from urllib.parse import urlsplit

from dashboard.events.importers.acled import (
    API_COLUMNS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    SOURCE_URL as ACLED_URL,
    TIME_PRECISIONS,
)
from dashboard.events.importers.base import RowError
from dashboard.events.importers.cells import (
    _THOUSANDS,
    clip,
    column_key,
    dataset_source,
    join_lines,
    pin_to_precision,
    slug,
)
from dashboard.events.importers.cns import (
    _DEGREES,
    _DISTANCE,
    _MONTH_ONLY,
    _MONTHS,
    _URL,
    _YEAR_MONTH,
    DATABASE_URL,
    KM_PER_MILE,
    MISSILE_TYPES,
    UNKNOWN,
)
from dashboard.events.importers.dates import DAY_FIRST, parse_date
from dashboard.events.importers.places import admin1_from_name, country_from_name, country_from_numeric
from dashboard.events.importers.ucdp import (
    CLARITY_CONFIDENCE,
    CODE_STATUS_FLAGS,
    DATE_PRECISIONS,
    GLEDITSCH_WARD,
    SOURCE_URL as UCDP_URL,
    VIOLENCE_TYPES,
    WHERE_PRECISIONS,
)
from dashboard.events.schema import figure_order_flags


class Cells:
    """One input row, read by column name regardless of case and surrounding spaces."""

    def __init__(self, cells: dict[str, Any]) -> None:
        self._cells = {column_key(k): v for k, v in cells.items() if isinstance(k, str)}

    def __contains__(self, column: str) -> bool:
        return column_key(column) in self._cells

    def text(self, column: str) -> str:
        """The cell as stripped text; "" when the column or the value is missing."""
        value = self._cells.get(column_key(column))
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise RowError(column, value, f"{column} must be text or a number")

    def required(self, column: str) -> str:
        text = self.text(column)
        if not text:
            raise RowError(column, text, f"{column} must not be empty")
        return text

    def number(self, column: str, rule: str) -> float | None:
        """A decimal number ("" gives None); ``rule`` says what was expected."""
        text = self.text(column)
        if not text:
            return None
        cleaned = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
        try:
            value = float(cleaned)
        except ValueError:
            value = math.nan
        if "_" in cleaned or not math.isfinite(value):  # float() takes "1_000", "nan" and "inf"
            raise RowError(column, text, rule)
        return value

    def count(self, column: str) -> float | None:
        """A whole number >= 0, e.g. fatalities ("" gives None)."""
        rule = f"{column} must be a whole number of 0 or more"
        value = self.number(column, rule)
        if value is not None and (value < 0 or not value.is_integer()):
            raise RowError(column, self.text(column), rule)
        return value

    def code(self, column: str, table: dict[str, Any], meaning: str) -> Any:
        """Look a coded cell ("1", "1.0") up in ``table``; unknown codes name the valid ones."""
        text = self.text(column)
        key = text.removesuffix(".0")
        if key not in table:
            raise RowError(column, text, f"{column} must be one of {', '.join(table)} ({meaning})")
        return table[key]

    def date(self, column: str, context: dict[str, Any], default_order: str | None = None) -> dt.date | None:
        """A date in any spelling :func:`parse_date` knows, in the column's day/month order."""
        order = context.get("date_order", {}).get(column) or default_order
        return parse_date(self.text(column), column, order)

    def required_date(self, column: str, context: dict[str, Any], default_order: str | None = None) -> dt.date:
        found = self.date(column, context, default_order)
        if found is None:
            raise RowError(column, "", f"{column} must not be empty")
        return found


def acled_row(row: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """One ACLED row to record fields; raises RowError for a value ACLED would not write."""
    cells = Cells(row)
    event_id = cells.required("event_id_cnty")
    api_layout = all(column in cells for column in API_COLUMNS)
    precision = cells.code("time_precision", TIME_PRECISIONS, "ACLED's time precision: 1 day, 2 week, 3 month")
    event_date = cells.required_date("event_date", context, DAY_FIRST if api_layout else None)
    category = cells.code("event_type", EVENT_TYPES, "ACLED's event types")
    fatalities = cells.count("fatalities")
    country_code = country_from_numeric(cells.text("iso")) or country_from_name(cells.text("country"))
    region = admin1_from_name(cells.text("admin1"), country_code)
    outlets = cells.text("source")
    return {
        "event_id": f"acled:{event_id}",
        "original_id": event_id,
        "event_date": pin_to_precision(event_date, precision),
        "date_precision": precision,
        "category": category,
        "subcategory": slug(cells.text("sub_event_type")),
        "actor": cells.required("actor1"),
        "counterpart": clip(cells.text("actor2")),
        "claimant": "ACLED",
        "figure_low": fatalities,
        "unit": "killed" if fatalities is not None else None,
        "location": clip(cells.text("location")),
        "latitude": cells.number("latitude", "latitude must be decimal degrees, e.g. 51.19"),
        "longitude": cells.number("longitude", "longitude must be decimal degrees, e.g. 35.27"),
        "geo_precision": cells.code("geo_precision", GEO_PRECISIONS, "ACLED's geo precision"),
        "country_code": country_code,
        "admin1_code": region[0] if region else None,
        "admin1_name": region[1] if region else clip(cells.text("admin1")),
        "description": join_lines(
            cells.text("notes"),
            _acled_labelled("Associated with actor 1", cells.text("assoc_actor_1")),
            _acled_labelled("Associated with actor 2", cells.text("assoc_actor_2")),
            _acled_labelled("Tags", cells.text("tags")),
        ),
        "sources": [
            dataset_source(
                "ACLED",
                f"ACLED event {event_id}" + (f"; sources: {outlets}" if outlets else ""),
                _timestamp_date(cells) or event_date,
                ACLED_URL,
            )
        ],
        "confidence": "medium",
        "origin": "acled",
        # Ungraded (schema.IMPORTER_GRADE_RULE, issue 18): every outside dataset's row is F/6.
        "source_reliability": "F",
        "credibility": 6,
    }


def _acled_labelled(label: str, text: str) -> str | None:
    return f"{label}: {text}" if text else None


def _timestamp_date(cells: Cells) -> dt.date | None:
    """ACLED's timestamp: when the row was last coded, as Unix seconds (or a date)."""
    text = cells.text("timestamp")
    rule = "timestamp must be Unix seconds (e.g. 1672782338) or a date"
    try:
        if text.removesuffix(".0").isdigit():
            return dt.datetime.fromtimestamp(int(text.removesuffix(".0")), dt.UTC).date()
        return cells.date("timestamp", {})
    except (OverflowError, OSError, ValueError, RowError):
        raise RowError("timestamp", text, rule) from None


def ucdp_row(row: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """One GED row to record fields; raises RowError for a value GED would not write."""
    cells = Cells(row)
    event_id = cells.required("id").removesuffix(".0")
    category, subcategory = cells.code("type_of_violence", VIOLENCE_TYPES, "UCDP's types of violence")
    precision = cells.code("date_prec", DATE_PRECISIONS, "UCDP's date precision")
    start = cells.required_date("date_start", context)
    end = cells.date("date_end", context)
    geo_precision = cells.code("where_prec", WHERE_PRECISIONS, "UCDP's where precision")
    latitude = cells.number("latitude", "latitude must be decimal degrees, e.g. 51.19")
    longitude = cells.number("longitude", "longitude must be decimal degrees, e.g. 35.27")
    if geo_precision == 4:
        latitude = longitude = None  # a country's centroid is no place
    country_code = _country(cells)
    region = admin1_from_name(cells.text("adm_1"), country_code)
    offices, headlines = cells.text("source_office"), cells.text("source_headline")
    low, best, high = cells.count("low"), cells.count("best"), cells.count("high")
    # Kept as GED gives them, flagged: refusing these rows dropped a third of a real extract's deaths.
    flags = figure_order_flags(low, best, high)
    if status_flag := CODE_STATUS_FLAGS.get(cells.text("code_status").casefold()):
        flags.append(status_flag)
    return {
        "event_id": f"ucdp:{event_id}",
        "original_id": event_id,
        "event_date": pin_to_precision(start, precision),
        "event_date_end": end,
        "date_precision": precision,
        "category": category,
        "subcategory": subcategory,
        "actor": cells.required("side_a"),
        "counterpart": clip(cells.text("side_b")),
        "claimant": "UCDP",
        "figure_low": low,
        "figure_best": best,
        "figure_high": high,
        "unit": "killed",
        "location": clip(cells.text("where_coordinates")),
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": geo_precision,
        "country_code": country_code,
        "admin1_code": region[0] if region else None,
        "admin1_name": region[1] if region else clip(cells.text("adm_1")),
        "description": join_lines(
            cells.text("where_description"), _deaths(cells), f"Headlines: {_listed(headlines)}" if headlines else None
        ),
        "sources": [
            dataset_source(
                "UCDP GED",
                f"UCDP GED event {event_id}"
                + (f" ({_listed(offices)})" if offices else "")
                + (f": {_listed(headlines)}" if headlines else ""),
                _first_date(cells.text("source_date")) or end or start,
                UCDP_URL,
            )
        ],
        "confidence": CLARITY_CONFIDENCE.get(cells.text("event_clarity").removesuffix(".0"), "medium"),
        "origin": "ucdp",
        # Ungraded (schema.IMPORTER_GRADE_RULE, issue 18): every outside dataset's row is F/6.
        "source_reliability": "F",
        "credibility": 6,
        "quality_flags": flags or None,
    }


def _country(cells: Cells) -> str | None:
    iso3 = cells.text("iso3").upper()
    if len(iso3) == 3 and country_from_name(iso3) == iso3:
        return iso3
    return GLEDITSCH_WARD.get(cells.text("country_id").removesuffix(".0")) or country_from_name(cells.text("country"))


def _deaths(cells: Cells) -> str | None:
    parts = [
        (label, cells.text(column))
        for label, column in (
            ("side A", "deaths_a"),
            ("side B", "deaths_b"),
            ("civilians", "deaths_civilians"),
            ("unknown", "deaths_unknown"),
        )
    ]
    shown = [f"{label} {value}" for label, value in parts if value]
    return "Deaths (best): " + ", ".join(shown) if shown else None


def _listed(text: str) -> str:
    """GED's ";"-separated lists ("Reuters;TASS") as "Reuters; TASS"."""
    return "; ".join(p.strip() for p in text.split(";") if p.strip())


def _first_date(text: str) -> dt.date | None:
    """The first readable date of GED's source_date ("2022-03-01;2022-03-02"); None if none.

    Lenient on purpose: source_date only dates the citation, and the event's own
    dates are checked strictly.
    """
    for part in text.split(";"):
        try:
            if found := parse_date(part, "source_date"):
                return found
        except RowError:
            continue
    return None


def cns_row(row: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
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
        "claimant": "CNS North Korea Missile Test Database",
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
        "sources": _cns_sources(cells.text("Source(s)"), entered or launched),
        "origin": "cns",
        # Ungraded (schema.IMPORTER_GRADE_RULE, issue 18): every outside dataset's row is F/6.
        "source_reliability": "F",
        "credibility": 6,
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


def _cns_sources(text: str, date: dt.date) -> list[dict[str, Any]]:
    urls = list(dict.fromkeys(url.rstrip(".)]") for url in _URL.findall(text)))
    sources = [
        {"outlet": _domain(url), "title": "CNS database source", "date": date, "url": url}
        for url in urls
        if _domain(url)
    ]
    if sources:
        return sources
    cited = f"; cites: {text}" if text and text.casefold() not in UNKNOWN else ""
    return [
        {
            "outlet": "CNS North Korea Missile Test Database",
            "title": clip(f"CNS database entry{cited}"),
            "date": date,
            "url": DATABASE_URL,
        }
    ]


def _domain(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None
