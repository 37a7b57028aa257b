"""The definition of an event record: fields, vocabularies and rules.

Everything else derives from this module: the database table (``store``), the
import mappings (``importers``), the data dictionary (``conflict-monitor schema``)
and the dashboard's filter choices. An event record is a *claim*: who says what
happened, when, where, with which figures, and on which sources.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

# --- Vocabularies -----------------------------------------------------------
# Kept here and nowhere else; pages, importers and docs read them from here.

CATEGORIES: dict[str, str] = {
    "deployment": "Troops or personnel sent, stationed or moved (estimates of how many, where).",
    "missile_test": "A missile launch or test, one record per launch event.",
    "casualties": "A claim of killed, wounded, captured or total losses.",
    "weapons_transfer": "Arms, ammunition or equipment supplied from one state to another.",
    "battle": "Armed clash or ground operation.",
    "statement": "An official statement, acknowledgement or ceremony without a figure of its own.",
    "strike": "Explosions or remote violence: shelling, air or drone strikes, missile strikes.",
    "attack_on_civilians": "Violence against civilians.",
    "protest": "Protests and riots.",
    "other": "Anything that fits no other category (strategic developments).",
}

DATE_PRECISIONS: dict[str, str] = {
    "day": "The exact day is known.",
    "week": "Known to within a week.",
    "month": "Known to within a month; event_date is the first of the month.",
    "year": "Known to within a year; event_date is 1 January.",
}

CONFIDENCE_LEVELS: dict[str, str] = {
    "high": "Official statement reported by several reputable outlets.",
    "medium": "Single outlet, anonymous officials, or second-hand.",
    "low": "Unverified or partisan claim.",
}
# Ordered from least to most confident, so "minimum confidence" is a rank.
CONFIDENCE_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}

# --- Grades: the NATO/Admiralty system -------------------------------------------------------
# Two judgements kept apart: how far the *source* (the claim's originator) has proved reliable,
# and how credible the *item* is. Shown together as a two-character code (B2). A and 1 are best;
# F and 6 say "cannot be judged", which is what an ungraded claim carries (never a guess).
RELIABILITY_LEVELS: dict[str, str] = {
    "A": "Completely reliable: no doubt of authenticity, trustworthiness or competence; a history of complete "
    "reliability.",
    "B": "Usually reliable: minor doubt; a history of mostly valid information.",
    "C": "Fairly reliable: doubt; has provided valid information in the past.",
    "D": "Not usually reliable: significant doubt; has provided valid information in the past.",
    "E": "Unreliable: lacking authenticity, trustworthiness or competence; a history of invalid information.",
    "F": "Reliability cannot be judged: no basis for evaluating the source.",
}
CREDIBILITY_LEVELS: dict[int, str] = {
    1: "Confirmed by other sources: independent voices say the same.",
    2: "Probably true: not confirmed independently, but logical and consistent with other information.",
    3: "Possibly true: reasonably logical, agrees with some other information, not confirmed.",
    4: "Doubtful: possible, not logical, no other information on the subject.",
    5: "Improbable: not logical, contradicted by other information.",
    6: "Truth cannot be judged: no basis for evaluating the information.",
}
UNGRADED_RELIABILITY = "F"
UNGRADED_CREDIBILITY = 6
# The rule that carries the log's three-level ``confidence`` over to credibility, for every claim
# recorded before credibility existed (and any claim that still gives only ``confidence``). Applied
# when a claim is read, never written back: the log's revisions stay as they were recorded.
CONFIDENCE_TO_CREDIBILITY: dict[str, int] = {"high": 2, "medium": 3, "low": 4}
CONFIDENCE_TO_CREDIBILITY_RULE = (
    "A claim without its own `credibility` takes it from `confidence`: `high` → 2, `medium` → 3, `low` → 4. "
    "Why: `high` meant an official statement reported by several reputable outlets, which is consistent "
    "and well attested but not confirmed by an independent originator (several outlets relaying one "
    "statement are one voice), so 2, not 1; `medium` (a single outlet, anonymous officials or second hand) "
    "is possibly true, 3; `low` (unverified or partisan) is doubtful, 4. Nothing in `confidence` says a "
    "claim was contradicted, so no claim becomes 5, and 1 is given only by an analyst who has checked the "
    "independent confirmation. `confidence` stays readable and filterable as before."
)
# The claimant register's vocabularies (dashboard/events/claimants.py, data/claimants/).
CLAIMANT_KINDS: dict[str, str] = {
    "government": "A government, ministry, head of state or official body speaking for a state.",
    "military": "Armed forces, a command or a unit.",
    "intelligence_service": "A civilian or military intelligence service.",
    "state_media": "A news outlet owned or directed by a state.",
    "independent_media": "A news outlet, analyst or blogger not directed by a state.",
    "international_body": "An alliance, an international organisation or a group of states.",
    "research_database": "A research group or dataset that compiles events from other reports.",
    "unnamed_official": "An official or source who is not named.",
}
CLAIMANT_RELATIONS: dict[str, str] = {
    "party": "Its forces fight in the war (Ukraine, Russia, the DPRK) or it speaks for one of them.",
    "ally_of_party": "Supports a party with arms, money, intelligence or sanctions on the other side.",
    "third_party": "Neither: outlets, researchers and bodies with no side in the war.",
}
IMPORTER_GRADE_RULE = (
    "Importers of outside datasets (ACLED, UCDP GED, CNS) set `source_reliability` F and `credibility` 6 (ungraded): "
    "none of them grades its sources on this scale, and a grade is never guessed. An analyst may grade "
    "such a claim by revising it."
)

GEO_PRECISIONS: dict[int, str] = {
    1: "Exact place: a named settlement or site.",
    2: "District or area around the point.",
    3: "Region-level only: the claim names an admin-1 region; never drawn as a point.",
    4: "Country or unknown.",
}

UNITS: dict[str, str] = {
    "troops": "Military personnel.",
    "killed": "People killed.",
    "wounded": "People wounded.",
    "captured": "People taken prisoner.",
    "missing": "People missing.",
    "casualties": "Killed, wounded, captured and missing together.",
    "missiles": "Missiles or rockets fired or supplied.",
    "shells": "Artillery shells.",
    "containers": "Shipping containers of munitions.",
    "launchers": "Launchers or artillery systems.",
    "artillery_systems": "Artillery guns or howitzers (with rocket launchers when a claim counts them together).",
    "munitions": "Rounds of mixed kinds counted together (shells, rockets, missiles).",
    "sq_km": "Area in square kilometres.",
    "hectares": "Area in hectares.",
    "settlements": "Towns and villages.",
    "people": "People (e.g. evacuated civilians, workers).",
    "items": "Other countable items (devices, vehicles).",
    "percent": "A share in per cent (e.g. of territory retaken).",
}

# Data-quality flags: what an outside source itself gives inconsistently. Importers of outside
# formats keep the figures exactly as the source reports them and name the oddity here instead of
# refusing the row; the curated native format never sets a flag by itself.
QUALITY_FLAGS: dict[str, str] = {
    "source_figures_out_of_order": "The source's own figures break low <= best <= high (e.g. best > high); "
    "kept as given.",
    "source_high_zero": "The source gives high = 0 beside a larger low or best (a placeholder, not a bound); "
    "kept as given.",
    "check_deaths": 'UCDP marks the death figures as under review (code_status "Check deaths").',
    "region_name_coordinates_disagree": "The record's admin-1 region and its coordinates disagree: the point lies "
    "more than about 5 km outside the region named. Both are kept as given; see the region rule below.",
}
# Set by the import of an outside format on a record whose region and point disagree (geo.region_disagreements
# decides); a native row is reported and carries it only if the file gives it.
REGION_DISAGREE_FLAG = "region_name_coordinates_disagree"
# Which side wins when a record's region and point disagree: decided here, printed in the data dictionary.
REGION_DISAGREEMENT_RULE = (
    f"A record flagged `{REGION_DISAGREE_FLAG}` keeps the region as the source names it (`admin1_code` and "
    "`admin1_name`) and its coordinates as given: nothing is moved or renamed. Region counts, the region "
    "filter and the map's colours use the named region; the map draws the point where the coordinates put it. "
    "The import's report names the region the point lies in, so an analyst can decide which is right. "
    "Imports of ACLED, UCDP and CNS files set the flag; a native file's row is reported, and carries the flag "
    "only if the file gives it (the curated format never sets a flag by itself). Claims recorded or corrected "
    "at the desk (the Record page, `conflict-monitor add` and `revise`) are curated too: a claim with "
    "coordinates and no region gets the region its point lies in, a disagreement is shown to the analyst "
    "next to the region, and the flag is set only if the analyst asks for it (the page's tick box, "
    "`--flag-region-disagreement`)."
)
# The flags that excuse the figure-order rule: a record carrying one keeps its figures as the source gave them.
FIGURE_ORDER_FLAGS = frozenset({"source_figures_out_of_order", "source_high_zero"})
# How charts and headline figures treat a flagged claim: decided here, printed in the data
# dictionary and on the Data page, applied by dashboard/figures/_data.py.
FLAGGED_CLAIMS_RULE = (
    "Flagged claims are shown, never dropped or corrected. Counts, sums and the value a chart plots use "
    "`figure_best` as the source reports it (else the midpoint of low and high, else the one bound given). "
    "Uncertainty bands and error bars are not drawn where the source's bounds are out of order "
    "(flag `source_figures_out_of_order` or `source_high_zero`): the raw low/best/high stay visible in tables "
    "and exports."
)

# Recommended subcategories; free text is allowed (importers keep the
# source's own sub-type) but these are the values the dashboard's measures use.
SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "deployment": (
        "in_russia",
        "in_kursk",
        "near_border",
        "planned",
        "reinforcement",
        "engineers",
        "construction",
        "returned",
        "officers",
        "total_sent",
    ),
    "casualties": ("killed", "wounded", "captured", "missing", "total"),
    "missile_test": ("icbm", "irbm", "srbm", "cruise", "hypersonic", "mrl", "slbm", "satellite", "unknown"),
    "weapons_transfer": ("missiles", "shells", "artillery", "other"),
}


# --- Measures: every quantity the log holds, and what it counts -------------------------

# Whose forces, losses or supplies a figure is about, read from the record's ``actor``: for a
# casualty claim the actor is the side that suffered the losses; for a deployment or a transfer,
# the side that sent; for a strike, the side that struck. A claim of combined losses ("North Korea
# and Russia") is its own side, so it is never plotted or summarised as a DPRK figure.
SIDES: dict[str, str] = {
    "dprk": "DPRK",
    "russia": "Russian",
    "combined": "DPRK and Russian (combined)",
    "ukraine": "Ukrainian",
    "other": "Other or unnamed",
}
ACTOR_SIDES: dict[str, str] = {
    "north korea": "dprk",
    "dprk": "dprk",
    "russia": "russia",
    "north korea and russia": "combined",
    "russia and north korea": "combined",
    "ukraine": "ukraine",
}


def actor_side(actor: object) -> str:
    """The key of ``SIDES`` an ``actor`` value stands for ("other" for any actor not listed)."""
    if not isinstance(actor, str):
        return "other"
    return ACTOR_SIDES.get(" ".join(actor.split()).lower(), "other")


# What a measure's figure counts.
MEASURE_KINDS: dict[str, str] = {
    "stock": "in place at the date of the claim",
    "cumulative": "sent in total up to the date of the claim",
    "reinforcement": "sent in one wave or for one task",
    "planned": "planned or announced, not yet sent",
    "returned": "brought home",
    "losses": "losses up to the date of the claim",
    "supplies": "supplied up to the date of the claim",
    "event": "the figure of one event (a strike, a battle)",
    "extent": "an area, a number of places or a share at the date of the claim",
}


@dataclass(frozen=True)
class Measure:
    """A series the dashboard plots over time: the claims that answer one question.

    A claim answers a measure when its category, unit and subcategory match and its
    ``actor`` stands for the measure's ``side`` (see :func:`actor_side`).
    """

    label: str
    category: str
    unit: str
    subcategories: tuple[str, ...]
    side: str = "dprk"
    kind: str = "stock"
    # Measures of one group are offered side by side (troops in Russia beside troops sent in total).
    group: str | None = None

    @property
    def whose(self) -> str:
        return SIDES[self.side]


@dataclass(frozen=True)
class _MeasureSpec:
    key: str
    label: str  # "{side}" becomes the side's adjective
    category: str
    unit: str
    subcategories: tuple[str, ...]
    kind: str
    group: str | None = None


_MEASURE_SPECS: tuple[_MeasureSpec, ...] = (
    _MeasureSpec(
        "troops_in_russia", "{side} troops in Russia", "deployment", "troops", ("in_russia",), "stock", "troops"
    ),
    _MeasureSpec(
        "troops_in_kursk", "{side} troops in Kursk oblast", "deployment", "troops", ("in_kursk",), "stock", "troops"
    ),
    _MeasureSpec(
        "troops_sent_total",
        "{side} troops sent in total",
        "deployment",
        "troops",
        ("total_sent",),
        "cumulative",
        "troops",
    ),
    _MeasureSpec(
        "troops_near_border",
        "{side} troops near the border with Ukraine",
        "deployment",
        "troops",
        ("near_border",),
        "stock",
        "troops",
    ),
    _MeasureSpec(
        "troops_reinforcement",
        "{side} reinforcements (one wave)",
        "deployment",
        "troops",
        ("reinforcement",),
        "reinforcement",
        "waves",
    ),
    _MeasureSpec(
        "troops_planned", "{side} troops planned to be sent", "deployment", "troops", ("planned",), "planned", "waves"
    ),
    _MeasureSpec(
        "engineers", "{side} military engineers sent", "deployment", "troops", ("engineers",), "reinforcement", "waves"
    ),
    _MeasureSpec(
        "construction_troops",
        "{side} military construction troops sent",
        "deployment",
        "troops",
        ("construction",),
        "reinforcement",
        "waves",
    ),
    _MeasureSpec(
        "troops_returned", "{side} troops returned home", "deployment", "troops", ("returned",), "returned", "waves"
    ),
    _MeasureSpec("officers", "{side} officers among the troops", "deployment", "troops", ("officers",), "stock"),
    _MeasureSpec("generals", "{side} generals among the troops", "deployment", "troops", ("generals",), "stock"),
    _MeasureSpec(
        "own_troops_in_operation",
        "{side} own troops in the operation area",
        "deployment",
        "troops",
        ("russian_forces",),
        "stock",
    ),
    _MeasureSpec("killed", "{side} killed", "casualties", "killed", ("killed",), "losses", "losses"),
    _MeasureSpec("wounded", "{side} wounded", "casualties", "wounded", ("wounded",), "losses", "losses"),
    _MeasureSpec(
        "total_casualties",
        "{side} total casualties",
        "casualties",
        "casualties",
        ("total",),
        "losses",
        "losses",
    ),
    _MeasureSpec("captured", "{side} captured", "casualties", "captured", ("captured",), "losses", "losses"),
    _MeasureSpec("missing", "{side} missing", "casualties", "missing", ("missing",), "losses", "losses"),
    _MeasureSpec(
        "remains_repatriated",
        "{side} dead whose remains were brought home",
        "casualties",
        "killed",
        ("repatriated_remains",),
        "returned",
    ),
    _MeasureSpec(
        "wounded_repatriated",
        "{side} wounded brought home",
        "casualties",
        "wounded",
        ("wounded_repatriated",),
        "returned",
    ),
    _MeasureSpec(
        "shells_supplied",
        "Artillery shells supplied ({side} supplier)",
        "weapons_transfer",
        "shells",
        ("shells",),
        "supplies",
        "supplies",
    ),
    _MeasureSpec(
        "containers_supplied",
        "Containers of munitions shipped ({side} supplier)",
        "weapons_transfer",
        "containers",
        ("shells", "other"),
        "supplies",
        "supplies",
    ),
    _MeasureSpec(
        "missiles_supplied",
        "Missiles supplied ({side} supplier)",
        "weapons_transfer",
        "missiles",
        ("missiles",),
        "supplies",
        "supplies",
    ),
    _MeasureSpec(
        "artillery_supplied",
        "Artillery systems and launchers supplied ({side} supplier)",
        "weapons_transfer",
        "launchers",
        ("artillery",),
        "supplies",
        "supplies",
    ),
    _MeasureSpec(
        "strike_killed",
        "People killed in {side} missile strikes",
        "strike",
        "killed",
        ("missile_strike",),
        "event",
        "strikes",
    ),
    _MeasureSpec(
        "strike_wounded",
        "People wounded in {side} missile strikes",
        "strike",
        "wounded",
        ("missile_strike",),
        "event",
        "strikes",
    ),
    _MeasureSpec(
        "strike_missiles",
        "Missiles fired in {side} strikes",
        "strike",
        "missiles",
        ("missile_strike",),
        "event",
        "strikes",
    ),
    _MeasureSpec(
        "territory_area",
        "Area held by {side} forces (km²)",
        "battle",
        "sq_km",
        ("territory_held",),
        "extent",
        "territory",
    ),
    _MeasureSpec(
        "territory_settlements",
        "Settlements held by {side} forces",
        "battle",
        "settlements",
        ("territory_held",),
        "extent",
        "territory",
    ),
    _MeasureSpec(
        "territory_retaken",
        "Share of lost territory retaken by {side} forces (%)",
        "battle",
        "percent",
        ("territory_retaken",),
        "extent",
        "territory",
    ),
    _MeasureSpec(
        "people_evacuated", "People evacuated ({side} authorities)", "other", "people", ("evacuation",), "event"
    ),
    _MeasureSpec(
        "demining_area",
        "Area cleared of mines by {side} sappers (hectares)",
        "other",
        "hectares",
        ("demining",),
        "extent",
        "demining",
    ),
    _MeasureSpec(
        "demining_devices",
        "Explosive devices destroyed by {side} sappers",
        "other",
        "items",
        ("demining",),
        "extent",
        "demining",
    ),
)
_MEASURE_SPECS += (
    _MeasureSpec(
        "training_troops",
        "{side} troops in training in Russia",
        "deployment",
        "troops",
        ("training",),
        "stock",
        "troops",
    ),
    _MeasureSpec(
        "workers_sent", "{side} workers sent to Russia", "deployment", "people", ("workers",), "cumulative", "workers"
    ),
    _MeasureSpec(
        "workers_planned",
        "{side} workers planned to be sent",
        "deployment",
        "people",
        ("workers_planned",),
        "planned",
        "workers",
    ),
    _MeasureSpec(
        "ammunition_share",
        "Share of Russia's ammunition supplied by {side} suppliers (%)",
        "weapons_transfer",
        "percent",
        ("ammunition_share",),
        "extent",
        "supplies",
    ),
    _MeasureSpec(
        "equipment_supplied",
        "Other equipment supplied ({side} supplier)",
        "weapons_transfer",
        "items",
        ("other",),
        "supplies",
        "supplies",
    ),
    _MeasureSpec(
        "equipment_planned",
        "Equipment planned to be supplied ({side} supplier)",
        "weapons_transfer",
        "items",
        ("planned",),
        "planned",
        "supplies",
    ),
)
if "munitions" in UNITS:  # mixed artillery and rocket rounds counted together (issue 20)
    _MEASURE_SPECS += (
        _MeasureSpec(
            "munitions_supplied",
            "Artillery and rocket rounds supplied ({side} supplier)",
            "weapons_transfer",
            "munitions",
            ("shells", "other"),
            "supplies",
            "supplies",
        ),
    )
if "artillery_systems" in UNITS:  # the unit for guns, once the vocabulary has it (issue 20)
    _MEASURE_SPECS += (
        _MeasureSpec(
            "artillery_systems_supplied",
            "Artillery systems supplied ({side} supplier)",
            "weapons_transfer",
            "artillery_systems",
            ("artillery",),
            "supplies",
            "supplies",
        ),
    )


def _measures() -> dict[str, Measure]:
    """Every spec for every side: DPRK measures keep the plain key (``killed``), others get a prefix."""
    out: dict[str, Measure] = {}
    for side in SIDES:
        for spec in _MEASURE_SPECS:
            key = spec.key if side == "dprk" else f"{side}_{spec.key}"
            label = spec.label.format(side=SIDES[side])
            out[key] = Measure(label, spec.category, spec.unit, spec.subcategories, side, spec.kind, spec.group)
    return out


MEASURES: dict[str, Measure] = _measures()

# Figures the estimate chart does not plot, and why. Every (category, subcategory) in
# SUBCATEGORIES and every figure in the log is either in a measure or here (tests hold this).
NOT_CHARTED: dict[tuple[str, str], str] = {
    (
        "casualties",
        "share_by_dprk_artillery",
    ): "a share of one unit's losses caused by DPRK fire, not a count of losses",
    ("other", "construction_progress"): "a building's progress in per cent, not a quantity of the war",
    **{
        ("missile_test", sub): "missiles fired in one launch: counted per launch on the Missile tests page"
        for sub in SUBCATEGORIES["missile_test"]
    },
}


def measure_of(category: object, subcategory: object, unit: object, actor: object) -> str | None:
    """The key of the measure a claim answers, or None (no figure's measure, or not charted)."""
    side = actor_side(actor)
    sub = subcategory.strip() if isinstance(subcategory, str) else None
    for key, m in MEASURES.items():
        if m.category == category and m.unit == unit and m.side == side and sub in m.subcategories:
            return key
    return None


# ISO 3166-2 subdivision codes known to pycountry; built once.
_SUBDIVISION_CODES = frozenset(s.code for s in pycountry.subdivisions)
_COUNTRY_ALPHA3 = frozenset(c.alpha_3 for c in pycountry.countries)
# Also used by the columnar import path, through Arrow's RE2 engine: keep it RE2-compatible.
EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)


# --- Field-level rules --------------------------------------------------------


class RuleError(ValueError):
    """A rule across several fields, naming the field to fix (so errors can point at a column)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    if "\x00" in value:
        raise ValueError("contains a NUL byte")
    value = value.strip()
    return value or None


def _check_admin1(code: str | None) -> str | None:
    if code is not None and code not in _SUBDIVISION_CODES:
        raise ValueError(f"{code!r} is not an ISO 3166-2 subdivision code")
    return code


def _check_country(code: str | None) -> str | None:
    if code is not None and code not in _COUNTRY_ALPHA3:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


def _check_event_id(value: str) -> str:
    if not _EVENT_ID.match(value):
        raise ValueError("must be 1-128 characters: letters, digits and _ . : - (starting with a letter or digit)")
    return value


def _flags_text(value: Any) -> Any:
    """A list of flags (as importers give them) to the stored spelling, comma-separated."""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return value


def _check_flags(value: str | None) -> str | None:
    """Flags as stored: known names only, each once, sorted, comma-separated; None when there are none."""
    if value is None:
        return None
    names = sorted({part for part in re.split(r"[\s,;]+", value) if part})
    unknown = [n for n in names if n not in QUALITY_FLAGS]
    if unknown:
        raise ValueError(f"unknown quality flag(s) {', '.join(unknown)}; known: {', '.join(QUALITY_FLAGS)}")
    return ",".join(names) or None


def figure_order_flags(low: float | None, best: float | None, high: float | None) -> list[str]:
    """The flag an outside importer puts on figures its source gives out of order ([] when in order)."""
    present = [v for v in (low, best, high) if v is not None]
    if all(a <= b for a, b in zip(present, present[1:], strict=False)):
        return []
    if high == 0 and max(present) > 0:
        return ["source_high_zero"]
    return ["source_figures_out_of_order"]


def flag_set(value: str | None) -> frozenset[str]:
    """The flags of a stored ``quality_flags`` value."""
    return frozenset(value.split(",")) if value else frozenset()


def with_flag(value: str | None, flag: str) -> str:
    """A stored ``quality_flags`` value with ``flag`` added, in the stored spelling (sorted, each once)."""
    if flag not in QUALITY_FLAGS:
        raise ValueError(f"unknown quality flag {flag!r}; known: {', '.join(QUALITY_FLAGS)}")
    return ",".join(sorted(flag_set(value) | {flag}))


def _required_text(value: str) -> str:
    cleaned = _clean_text(value)
    if cleaned is None:
        raise ValueError("must not be empty")
    return cleaned


RequiredText = Annotated[str, Field(max_length=300), AfterValidator(_required_text)]
ShortText = Annotated[str | None, Field(max_length=300), AfterValidator(_clean_text)]
LongText = Annotated[str | None, Field(max_length=20_000), AfterValidator(_clean_text)]
Figure = Annotated[float | None, Field(ge=0, allow_inf_nan=False)]

Category = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
DatePrecision = Literal[tuple(DATE_PRECISIONS)]  # type: ignore[valid-type]
Confidence = Literal[tuple(CONFIDENCE_LEVELS)]  # type: ignore[valid-type]
Unit = Literal[tuple(UNITS)]  # type: ignore[valid-type]
Reliability = Literal[tuple(RELIABILITY_LEVELS)]  # type: ignore[valid-type]


def _reliability_text(value: Any) -> Any:
    """A reliability letter as typed (``b``, `` B ``) to the stored capital; empty is no override."""
    if isinstance(value, str):
        return value.strip().upper() or None
    return value


class Source(BaseModel):
    """One published source of a claim."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outlet: RequiredText
    title: ShortText = None
    date: dt.date | None = None
    url: Annotated[str, Field(max_length=2000)]

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        url = url.strip()
        # Only http(s): a javascript: or data: URL must never become a link.
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, flags=re.IGNORECASE):
            raise ValueError("must be an http(s) URL")
        return url

    @model_validator(mode="after")
    def _title_or_date(self) -> Source:
        if self.title is None and self.date is None:
            raise ValueError("a source needs a title or a date besides its outlet and URL")
        return self


class EventRecord(BaseModel):
    """One claim in the event log. Field descriptions are the data dictionary."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    event_id: Annotated[str, AfterValidator(_check_event_id)] = Field(
        description="Stable text id of the event (e.g. D08, acled:UKR12345); revisions share it."
    )
    event_date: dt.date = Field(
        description="Date the event happened or started (for running estimates: the date of the claim)."
    )
    event_date_end: dt.date | None = Field(None, description="Last day, for events spanning several days.")
    date_precision: DatePrecision = Field("day", description="How precisely event_date is known.")
    reported_date: dt.date | None = Field(
        None, description="Publication date of the claim, when different from event_date."
    )
    category: Category = Field(description="What kind of event this is (controlled vocabulary).")
    subcategory: ShortText = Field(
        None, description="Finer type: killed/wounded/captured/total; icbm/srbm/cruise/hypersonic; in_russia/in_kursk."
    )
    actor: RequiredText = Field(description="Whose forces or whose missile (e.g. North Korea).")
    counterpart: ShortText = Field(None, description="The other side, where there is one.")
    claimant: RequiredText = Field(description="Who makes the claim (e.g. South Korea NIS, Ukraine HUR, US DoD).")
    figure_low: Figure = Field(
        None, description="Lower bound of the claimed figure ('more than 10,000' is a low of 10000)."
    )
    figure_best: Figure = Field(None, description="Best estimate of the claimed figure.")
    figure_high: Figure = Field(None, description="Upper bound ('up to 40' is a high of 40).")
    unit: Unit | None = Field(
        None, description="What the figures count (controlled vocabulary); required when a figure is given."
    )
    location: ShortText = Field(None, description="Name of the place.")
    admin1_code: Annotated[str | None, AfterValidator(_check_admin1)] = Field(
        None, description="ISO 3166-2 code of the first-level region (e.g. RU-KRS)."
    )
    admin1_name: ShortText = Field(None, description="English name of the region.")
    country_code: Annotated[str | None, AfterValidator(_check_country)] = Field(
        None, description="ISO 3166-1 alpha-3 code of the country where it happened."
    )
    latitude: Annotated[float | None, Field(ge=-90, le=90, allow_inf_nan=False)] = Field(
        None, description="WGS84 latitude in degrees; only where a place is really named."
    )
    longitude: Annotated[float | None, Field(ge=-180, le=180, allow_inf_nan=False)] = Field(
        None, description="WGS84 longitude in degrees."
    )
    geo_precision: Annotated[int, Field(ge=1, le=4)] = Field(
        4, description="1 exact place, 2 district/area, 3 region-level only, 4 country or unknown."
    )
    missile_name: ShortText = Field(None, description="Missile name or designation (e.g. Hwasong-19, KN-23).")
    launch_site: ShortText = Field(None, description="Launch site or area.")
    apogee_km: Annotated[float | None, Field(ge=0, le=100_000, allow_inf_nan=False)] = Field(
        None, description="Apogee in kilometres."
    )
    distance_km: Annotated[float | None, Field(ge=0, le=100_000, allow_inf_nan=False)] = Field(
        None, description="Distance flown in kilometres."
    )
    outcome: ShortText = Field(None, description="Test outcome as reported (success, failure, unknown).")
    description: LongText = Field(None, description="What the claim says, in the log's own words.")
    confidence: Confidence = Field("medium", description="How far the claim is corroborated.")
    sources: tuple[Source, ...] = Field(
        min_length=1, description="One or more sources: outlet, title, date, URL (http/https)."
    )
    origin: Annotated[str, Field(max_length=100), AfterValidator(_required_text)] = Field(
        "native", description="Where the record came from: seed, acled, ucdp, cns, or an upload's batch id."
    )
    original_id: ShortText = Field(None, description="The record's id in its origin dataset, where one exists.")
    quality_flags: Annotated[str | None, BeforeValidator(_flags_text), AfterValidator(_check_flags)] = Field(
        None,
        description="Data-quality flags, comma-separated: what the source itself gives inconsistently "
        "(set by the importers of outside formats; figures are kept as given).",
    )
    source_reliability: Annotated[Reliability | None, BeforeValidator(_reliability_text)] = Field(
        None,
        description="Reliability of the claim's originator, A (completely reliable) to F (cannot be judged), "
        "when this claim departs from the claimant register; empty takes the register's default.",
    )
    credibility: Annotated[int | None, Field(ge=1, le=6)] = Field(
        None,
        description="Credibility of the information, 1 (confirmed by other sources) to 6 (cannot be judged); "
        "empty takes it from `confidence` by the rule below.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EventRecord:
        for check in RECORD_RULES.values():
            check(self)
        return self


# --- Record rules: the rules across fields, each with a name -----------------------------------
# The one definition. The importers' column-wise check (dashboard/events/importers/validate.py)
# implements each by the same name over whole columns; tests/events/test_rules.py fails if a rule
# exists on one side only, or if the two disagree on a record that breaks it.


def _rule_date_order(r: EventRecord) -> None:
    if r.event_date_end is not None and r.event_date_end < r.event_date:
        raise RuleError("event_date_end", "event_date_end is before event_date")


def _rule_figure_order(r: EventRecord) -> None:
    present = [
        (n, v)
        for n, v in (("figure_low", r.figure_low), ("figure_best", r.figure_best), ("figure_high", r.figure_high))
        if v is not None
    ]
    if flag_set(r.quality_flags) & FIGURE_ORDER_FLAGS:
        return  # the source gives them out of order: kept as given, flagged
    for (name_a, a), (name_b, b) in zip(present, present[1:], strict=False):
        if a > b:
            raise RuleError(name_a, f"{name_a} ({a:g}) is greater than {name_b} ({b:g}); need low <= best <= high")


def _rule_figure_unit(r: EventRecord) -> None:
    if (r.figure_low is not None or r.figure_best is not None or r.figure_high is not None) and r.unit is None:
        raise RuleError("unit", "a figure needs a unit")


def _rule_coordinate_pair(r: EventRecord) -> None:
    if (r.latitude is None) != (r.longitude is None):
        raise RuleError(
            "longitude" if r.longitude is None else "latitude",
            "latitude and longitude must both be given or both be empty",
        )


def _rule_no_null_island(r: EventRecord) -> None:
    if r.latitude is not None and r.latitude == 0 and r.longitude == 0:
        raise RuleError("latitude", "0,0 is a placeholder, not a place: leave coordinates empty")


def _rule_precision_needs_point(r: EventRecord) -> None:
    if r.geo_precision in (1, 2) and r.latitude is None:
        raise RuleError("geo_precision", f"geo_precision {r.geo_precision} needs latitude and longitude")


def _rule_admin1_in_country(r: EventRecord) -> None:
    if r.admin1_code and r.country_code and not admin1_in_country(r.admin1_code, r.country_code):
        raise RuleError("admin1_code", f"admin1_code {r.admin1_code} is not in country {r.country_code}")


RECORD_RULES = {
    "date_order": _rule_date_order,
    "figure_order": _rule_figure_order,
    "figure_unit": _rule_figure_unit,
    "coordinate_pair": _rule_coordinate_pair,
    "no_null_island": _rule_no_null_island,
    "precision_needs_point": _rule_precision_needs_point,
    "admin1_in_country": _rule_admin1_in_country,
}


@functools.lru_cache(maxsize=4096)  # pycountry's lookup costs more than the rest of a record's checks
def admin1_in_country(admin1_code: str, country_code: str) -> bool:
    """Whether a region code belongs to a country (True when the code's prefix is no known country)."""
    expected = pycountry.countries.get(alpha_2=admin1_code.split("-")[0])
    return expected is None or expected.alpha_3 == country_code


# How each field is named to a reader (claim detail, exports' readable parts): never the raw name.
FIELD_LABELS: dict[str, str] = {
    "event_id": "Event id",
    "event_date": "Date",
    "event_date_end": "Last day",
    "date_precision": "Date known to the",
    "reported_date": "Reported on",
    "category": "Category",
    "subcategory": "Type",
    "actor": "Whose forces",
    "counterpart": "Other side",
    "claimant": "Claimed by",
    "figure_low": "Lower bound",
    "figure_best": "Best estimate",
    "figure_high": "Upper bound",
    "unit": "Unit",
    "location": "Place",
    "admin1_code": "Region code",
    "admin1_name": "Region",
    "country_code": "Country code",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geo_precision": "Place precision",
    "missile_name": "Missile",
    "launch_site": "Launch site",
    "apogee_km": "Apogee (km)",
    "distance_km": "Distance flown (km)",
    "outcome": "Outcome",
    "description": "Description",
    "confidence": "Confidence",
    "sources": "Sources",
    "origin": "Data set",
    "original_id": "Id in its data set",
    "quality_flags": "Data-quality flags",
    "source_reliability": "Source reliability",
    "credibility": "Information credibility",
}
# A line of help for the fields a person fills in by hand (the Record form shows it under the field).
FIELD_HELP: dict[str, str] = {
    "source_reliability": "Leave empty to take the claimant register's grade for the originator; "
    "set A–F only when this claim's source differs from its usual standing.",
    "credibility": "1 confirmed by an independent originator, 2 probably true, 3 possibly true, 4 doubtful, "
    "5 improbable, 6 cannot be judged. Empty: taken from confidence (high 2, medium 3, low 4).",
}


# --- Derived views of the schema ------------------------------------------------

FIELD_NAMES: tuple[str, ...] = tuple(EventRecord.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(n for n, f in EventRecord.model_fields.items() if f.is_required())
FIGURE_FIELDS = ("figure_low", "figure_best", "figure_high")
FLOAT_FIELDS = ("figure_low", "figure_best", "figure_high", "latitude", "longitude", "apogee_km", "distance_km")
DATE_FIELDS = ("event_date", "event_date_end", "reported_date")
# Fields that do not change what a record claims: re-importing the same claim from
# another batch must not create a revision just because provenance differs.
PROVENANCE_FIELDS = ("origin",)
# Fields added after the log began, left out of the content hash when empty: records imported
# before they existed keep their digests, so re-importing them makes no revision.
HASH_ONLY_WHEN_SET = ("quality_flags", "source_reliability", "credibility")


@functools.cache  # built on first use: 31 adapters would add to every program's start
def field_adapter(name: str) -> TypeAdapter:
    """A validator for one field alone, with the field's own type, constraints and checks.

    The columnar import path (``dashboard.events.columnar``) runs each distinct value of a
    column through it, so a value is judged by exactly the rules a whole record would apply.
    """
    info = EventRecord.model_fields[name]
    return TypeAdapter(
        Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation,
        config=ConfigDict(str_strip_whitespace=EventRecord.model_config.get("str_strip_whitespace", False)),
    )


def field_kind(name: str) -> str:
    """Storage kind of a field: text, float, int, date or json."""
    if name in FLOAT_FIELDS:
        return "float"
    if name in DATE_FIELDS:
        return "date"
    if name in ("geo_precision", "credibility"):
        return "int"
    if name == "sources":
        return "json"
    return "text"


def vocabulary(name: str) -> tuple[str, ...] | None:
    """The allowed values of a field, if it has a controlled vocabulary."""
    return {
        "category": tuple(CATEGORIES),
        "date_precision": tuple(DATE_PRECISIONS),
        "confidence": tuple(CONFIDENCE_LEVELS),
        "unit": tuple(UNITS),
        "geo_precision": tuple(str(p) for p in GEO_PRECISIONS),
        "quality_flags": tuple(QUALITY_FLAGS),
        "source_reliability": tuple(RELIABILITY_LEVELS),
        "credibility": tuple(str(c) for c in CREDIBILITY_LEVELS),
    }.get(name)


@dataclass(frozen=True)
class FieldError:
    """One broken rule in one input row: enough to find and fix it."""

    line: int | None
    column: str | None
    value: Any
    rule: str

    def describe(self, file_name: str | None = None) -> str:
        where = ":".join(str(p) for p in (file_name, self.line) if p is not None)
        column = f" column {self.column!r}" if self.column else ""
        value = _preview(self.value)
        return f"{where}{column}: {self.rule} (value: {value})".lstrip(": ")


def _preview(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 15] + f"… [{len(text)} chars]"


def validate_record(data: dict[str, Any], line: int | None = None) -> EventRecord | list[FieldError]:
    """Validate one record given as a mapping of field name to value.

    Returns the record, or the list of rules it breaks (never raises for bad data).
    """
    try:
        return EventRecord.model_validate(data)
    except ValidationError as exc:
        details = exc.errors(include_url=False)
        errors = []
        for err in details:
            loc = err.get("loc", ())
            if (
                loc == ("sources",)
                and err["type"] == "too_short"
                and any(d.get("loc", ())[:1] == ("sources",) and len(d["loc"]) > 1 for d in details)
            ):
                continue  # "no valid source" only repeats the errors of the sources themselves
            column = str(loc[0]) if loc else None
            if column == "sources" and len(loc) > 1:
                column = "sources" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input") if loc else None
            rule = err.get("ctx", {}).get("error")
            if isinstance(rule, RuleError):
                column = rule.column
                value = data.get(column) if isinstance(data, dict) else None
            errors.append(FieldError(line, column, value, message))
        return errors


def stored_sources(cell: object) -> list[dict[str, Any]]:
    """A stored ``sources`` cell (the canonical JSON text :func:`sources_to_json` writes) as a list of
    dicts; [] when missing or unreadable. Pages, figures and the brief read sources through this."""
    if not isinstance(cell, str):
        return []
    try:
        sources = json.loads(cell)
    except json.JSONDecodeError:
        return []
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


def sources_to_json(sources: tuple[Source, ...] | list[Source]) -> str:
    return json.dumps([s.model_dump(mode="json") for s in sources], ensure_ascii=False, sort_keys=True)


def parse_sources(cell: Any) -> list[dict[str, Any]] | Any:
    """Read the ``sources`` cell of a native CSV.

    Two spellings are accepted. The documented one: one source per line,
    ``outlet | title | date | url`` (title or date may be empty). A JSON array of
    ``{"outlet", "title", "date", "url"}`` objects is accepted too; exports write
    it when a value itself contains ``|`` or a line break. Anything else is
    returned unchanged so validation reports it.
    """
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return cell
    sources = []
    # Only CR/LF separate sources: str.splitlines() would also split on characters
    # such as U+0085 or U+2028 inside a title, which format_sources writes as is.
    for line in filter(None, (ln.strip() for ln in re.split(r"\r\n|\r|\n", text))):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            return cell  # validation says "sources" has the wrong shape
        outlet, title, date, url = parts
        sources.append({"outlet": outlet, "title": title or None, "date": date or None, "url": url})
    return sources


def format_sources(sources: list[dict[str, Any]]) -> str:
    """Inverse of :func:`parse_sources`: lines when unambiguous, else JSON."""
    values = [str(s.get(k) or "") for s in sources for k in ("outlet", "title", "date", "url")]
    if any("|" in v or "\n" in v or "\r" in v for v in values) or (values and values[0].startswith("[")):
        return json.dumps(sources, ensure_ascii=False)
    return "\n".join(" | ".join(str(s.get(k) or "") for k in ("outlet", "title", "date", "url")) for s in sources)


def data_dictionary() -> str:
    """The schema as Markdown: fields, types, rules and vocabularies."""
    lines = ["# Event record: data dictionary", "", "| field | kind | required | description |", "|---|---|---|---|"]
    for name, info in EventRecord.model_fields.items():
        vocab = vocabulary(name)
        desc = (info.description or "").replace("|", "\\|")
        if vocab:
            desc += " One of: " + ", ".join(f"`{v}`" for v in vocab) + "."
        lines.append(f"| `{name}` | {field_kind(name)} | {'yes' if info.is_required() else 'no'} | {desc} |")
    lines += [
        "",
        "Rules: figure_low <= figure_best <= figure_high where present (unless `quality_flags` says the "
        "source gives them out of order); a figure needs a unit; "
        "event_date_end >= event_date; latitude in [-90, 90], longitude in [-180, 180], both or neither, "
        "never the 0,0 placeholder; geo_precision 1-2 needs coordinates; admin1_code must lie in country_code; "
        "every source URL is http(s).",
        "",
        "Native CSV `sources` cell: one source per line as `outlet | title | date | url`, or a JSON array "
        "of objects with those keys.",
        "",
    ]
    for title, vocab in (
        ("category", CATEGORIES),
        ("confidence", CONFIDENCE_LEVELS),
        ("unit", UNITS),
        ("geo_precision", GEO_PRECISIONS),
        ("date_precision", DATE_PRECISIONS),
        ("quality_flags", QUALITY_FLAGS),
        ("source_reliability", RELIABILITY_LEVELS),
        ("credibility", CREDIBILITY_LEVELS),
    ):
        lines += [f"## {title}", ""] + [f"- `{k}`: {v}" for k, v in vocab.items()] + [""]
    lines += [
        "### Grades",
        "",
        "A claim's grade is the NATO/Admiralty two-character code: its originator's reliability and the "
        "information's credibility (e.g. `B2`). Reliability is the claim's `source_reliability` where set, else the "
        "claimant register's default for the claim's originator (relays such as \"Ukrainian intelligence via "
        'Financial Times" resolve to the originator, Ukraine HUR), else F.',
        "",
        CONFIDENCE_TO_CREDIBILITY_RULE,
        "",
        IMPORTER_GRADE_RULE,
        "",
    ]
    lines += ["### Flagged claims in charts and headline figures", "", FLAGGED_CLAIMS_RULE, ""]
    lines += ["### Region and coordinates that disagree", "", REGION_DISAGREEMENT_RULE, ""]
    lines += ["## measures (series plotted on the Timeline)", ""]
    lines += [
        f"- `{k}`: {m.label} = category `{m.category}`, unit `{m.unit}`, subcategory "
        + "/".join(f"`{s}`" for s in m.subcategories)
        + f", actor side `{m.side}`; counts {MEASURE_KINDS[m.kind]}"
        for k, m in MEASURES.items()
    ]
    lines += [
        "",
        "Actor sides (whose forces, losses or supplies): " + ", ".join(f"`{k}` {v}" for k, v in SIDES.items()),
    ]
    lines += ["", "## not charted", ""] + [f"- `{c}` / `{s}`: {why}" for (c, s), why in NOT_CHARTED.items()]
    return "\n".join(lines) + "\n"
