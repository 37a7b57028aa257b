"""The claim form, derived from the schema: which fields it asks for, in which group, with which widget.

The Record page (``dashboard/app_pages/record.py``) draws what this module lists; nothing here
knows Streamlit. Groups follow the way an analyst reads a report (what, when, who says so, how
many, where, sources, confidence). A field the schema gains later (another issue's grade fields)
appears in the group named for it in :data:`GROUP_OF`, else under "More", without editing the
page; the widget comes from the field's own type and vocabulary.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pycountry

from dashboard.events import schema

# The groups of the form, in order, with the fields each holds first; the rest of a group's
# fields (new ones) follow in schema order.
GROUPS: tuple[tuple[str, str], ...] = (
    ("what", "What happened"),
    ("when", "When"),
    ("who", "Who says so"),
    ("how_many", "How many"),
    ("where", "Where"),
    ("missile", "Missile details"),
    ("sources", "Sources"),
    ("confidence", "How sure"),
    ("more", "More"),
)
GROUP_OF: dict[str, str] = {
    "category": "what",
    "subcategory": "what",
    "description": "what",
    "event_date": "when",
    "event_date_end": "when",
    "date_precision": "when",
    "reported_date": "when",
    "claimant": "who",
    "actor": "who",
    "counterpart": "who",
    "unit": "how_many",
    "figure_low": "how_many",
    "figure_best": "how_many",
    "figure_high": "how_many",
    "location": "where",
    "admin1_code": "where",
    "admin1_name": "where",
    "country_code": "where",
    "latitude": "where",
    "longitude": "where",
    "geo_precision": "where",
    "missile_name": "missile",
    "launch_site": "missile",
    "apogee_km": "missile",
    "distance_km": "missile",
    "outcome": "missile",
    "sources": "sources",
    "confidence": "confidence",
    "source_reliability": "confidence",  # the grade (issue 18): how far the source and the item are trusted
    "credibility": "confidence",
}
# Not typed in by an analyst: the id is shown above the form, provenance is set by the desk,
# quality flags describe outside data sets (the curated log never sets one by itself).
NOT_ON_FORM = ("event_id", "origin", "original_id", "quality_flags")
# Where a claim typed in at the desk comes from (the ``origin`` field).
DESK_ORIGIN = "desk"
# Source fields, in the order of a citation.
SOURCE_FIELDS = ("outlet", "title", "date", "url")
SOURCE_LABELS = {"outlet": "Outlet", "title": "Title", "date": "Published on", "url": "Link (http/https)"}


@dataclass(frozen=True)
class FormField:
    """One input of the claim form.

    ``kind``: "choice" (one of ``choices``), "date", "number", "integer", "text", "long_text"
    or "sources"; ``required``: the schema needs a value; ``default``: the schema's default.
    """

    name: str
    label: str
    help: str
    kind: str
    required: bool
    choices: tuple[Any, ...] | None = None
    default: Any = None


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """The values of a ``Literal[...]`` (optionally ``| None``) annotation, else None."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _literal_values(arg)
            if found:
                return found
    return None


def _base_type(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return _base_type(typing.get_args(annotation)[0])
    return annotation


def form_field(name: str) -> FormField:
    """The input for the schema field ``name``: widget kind, choices, label and help from the schema."""
    info = schema.EventRecord.model_fields[name]
    label = schema.FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
    default = None if info.is_required() else info.default
    vocabulary = schema.vocabulary(name)
    literal = _literal_values(info.annotation)
    base = _base_type(info.annotation)
    if name == "sources":
        kind, choices = "sources", None
    elif name == "geo_precision":
        kind, choices = "choice", tuple(schema.GEO_PRECISIONS)
    elif literal or vocabulary:
        kind, choices = "choice", tuple(literal or vocabulary or ())
    elif name in schema.DATE_FIELDS or base is dt.date:
        kind, choices = "date", None
    elif name in schema.FLOAT_FIELDS or base is float:
        kind, choices = "number", None
    elif base is int:
        kind, choices = "integer", None
    elif any(getattr(m, "max_length", 0) and m.max_length > 300 for m in info.metadata):
        kind, choices = "long_text", None
    else:
        kind, choices = "text", None
    return FormField(name, label, info.description or "", kind, info.is_required(), choices, default)


def form_groups() -> list[tuple[str, str, list[FormField]]]:
    """(key, title, fields) for every group with a field, every form field placed exactly once."""
    placed: dict[str, list[FormField]] = {key: [] for key, _ in GROUPS}
    ordered = [n for n in GROUP_OF if n in schema.FIELD_NAMES]
    ordered += [n for n in schema.FIELD_NAMES if n not in GROUP_OF]
    for name in ordered:
        if name in NOT_ON_FORM:
            continue
        placed[GROUP_OF.get(name, "more")].append(form_field(name))
    return [(key, title, placed[key]) for key, title in GROUPS if placed[key]]


def choice_label(name: str, value: Any) -> str:
    """How a choice reads in the form: the value and what it means (``high — Official statement…``)."""
    if value is None:
        return "—"
    meaning = {
        "category": schema.CATEGORIES,
        "date_precision": schema.DATE_PRECISIONS,
        "confidence": schema.CONFIDENCE_LEVELS,
        "unit": schema.UNITS,
        "geo_precision": schema.GEO_PRECISIONS,
        "source_reliability": schema.RELIABILITY_LEVELS,
        "credibility": {str(k): v for k, v in schema.CREDIBILITY_LEVELS.items()},
    }.get(name, {})
    text = meaning.get(value)
    return f"{value} — {text}" if text else str(value)


def new_event_id(today: dt.date | None = None) -> str:
    """A fresh id for a claim typed in at the desk: ``desk-YYYYMMDD-xxxxxx`` (random hex; never reused)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return f"{DESK_ORIGIN}-{day:%Y%m%d}-{secrets.token_hex(3)}"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def form_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored claim (a row of the log, as read back) as the form's starting values."""
    values: dict[str, Any] = {}
    for name in schema.FIELD_NAMES:
        value = row.get(name)
        if _missing(value):
            values[name] = None
        elif name == "sources":
            values[name] = schema.stored_sources(value) if isinstance(value, str) else list(value)
        elif name in schema.DATE_FIELDS:
            values[name] = pd.Timestamp(value).date()
        elif name == "geo_precision":
            values[name] = int(value)
        elif isinstance(value, float) and value.is_integer() and name in schema.FIGURE_FIELDS:
            values[name] = value
        else:
            values[name] = value
    return values


def sources_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The sources table of the form as the schema takes them: blank rows dropped, blank cells None."""
    out = []
    for row in rows:
        source = {
            k: (None if _missing(row.get(k)) or str(row.get(k)).strip() == "" else row.get(k)) for k in SOURCE_FIELDS
        }
        if isinstance(source["date"], pd.Timestamp | dt.datetime):
            source["date"] = source["date"].date()
        if any(v is not None for v in source.values()):
            out.append(source)
    return out


def claim_data(event_id: str, values: Mapping[str, Any], *, origin: str = DESK_ORIGIN) -> dict[str, Any]:
    """The form's values as a record for the schema: empty text is "not given", provenance set."""
    data: dict[str, Any] = {"event_id": event_id, "origin": origin}
    for name, value in values.items():
        if name not in schema.FIELD_NAMES or name in ("event_id", "origin"):
            continue
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and name in schema.REQUIRED_FIELDS:
            continue  # left out, so the schema says "required" rather than "not one of …"
        data[name] = value
    return data


def field_problems(errors: Sequence[schema.FieldError]) -> dict[str, list[str]]:
    """The schema's refusals by form field, in plain words (``sources[1].url`` goes to "sources")."""
    problems: dict[str, list[str]] = {}
    for error in errors:
        column = error.column or "event_id"
        name = column.split("[", 1)[0].split(".", 1)[0]
        message = plain_rule(error.rule)
        if name == "sources" and column != "sources":
            parts = column.removeprefix("sources").strip("[]").replace("].", ".").split(".")
            which = f"Source {int(parts[0]) + 1}" if parts and parts[0].isdigit() else "A source"
            what = SOURCE_LABELS.get(parts[1], parts[1]) if len(parts) > 1 else ""
            message = f"{which}{f', {what}' if what else ''}: {message}"
        problems.setdefault(name, []).append(message)
    return problems


# Pydantic's wording for the commonest mistakes, as an analyst would say it.
_PLAIN = {
    "Field required": "This is required.",
    "Input should be a finite number": "Give a number.",
    "Input should be a valid number, unable to parse string as a number": "Give a number.",
    "Input should be a valid date or datetime, input is too short": "Give a date (YYYY-MM-DD).",
    "List should have at least 1 item after validation, not 0": "Give at least one source.",
    "Value should have at least 1 item after validation, not 0": "Give at least one source.",
}


def plain_rule(rule: str) -> str:
    """A rule's message in plain words, with a capital and a full stop."""
    if rule in _PLAIN:
        return _PLAIN[rule]
    if rule.startswith("Input should be greater than or equal to 0"):
        return "Must be 0 or more."
    text = rule[:1].upper() + rule[1:]
    return text if text.endswith(".") else text + "."


def place_fields(place: Mapping[str, Any]) -> dict[str, Any]:
    """The form's "where" fields from a gazetteer row (``dashboard.events.geo.load_gazetteer``)."""
    return {
        "location": place["place"],
        "admin1_code": place["admin1_code"] or None,
        "admin1_name": place["admin1_name"] or None,
        "country_code": place["country_code"] or None,
        "latitude": float(place["latitude"]),
        "longitude": float(place["longitude"]),
        "geo_precision": int(place["geo_precision"]),
    }


def region_fields(code: str, names: Mapping[str, str]) -> dict[str, Any]:
    """The region's name and country for an ISO 3166-2 code picked in the form."""
    country = pycountry.countries.get(alpha_2=code.split("-", 1)[0])
    return {"admin1_name": names.get(code), "country_code": country.alpha_3 if country else None}


FIGURES_EXPLAINED = (
    "Lower bound: the least the claim allows (“more than 10,000” is a lower bound of 10,000). "
    "Best estimate: the figure it gives. Upper bound: the most it allows (“up to 12,000”). "
    "Give the ones the source states; leave the others empty."
)


def measure_note(values: Mapping[str, Any]) -> str:
    """What the claim's figures will count as on the charts, in words (or that no chart plots them)."""
    figures = [values.get(n) for n in schema.FIGURE_FIELDS]
    if all(_missing(v) for v in figures):
        return "No figure: the claim is listed on every page, but no chart of figures plots it."
    key = schema.measure_of(values.get("category"), values.get("subcategory"), values.get("unit"), values.get("actor"))
    if key is None:
        return (
            "These figures answer none of the dashboard's measures (category, type, unit and whose forces "
            "together decide it): the claim is listed and exported, but the estimate chart does not plot it."
        )
    measure = schema.MEASURES[key]
    return f"Counts toward the measure “{measure.label}”: {schema.MEASURE_KINDS[measure.kind]}."
