"""Country and region codes from the place names outside datasets use.

ACLED, UCDP and CNS name countries and first-level regions in their own spellings
("Russia (Soviet Union)", "Kursk", "South Hamgyong Province"). These functions turn
a name into an ISO code only when the match is clean and unique; anything else
gives None, and the importer's point-in-region assignment fills the region later.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pycountry

from dashboard.events import geo
from dashboard.events.schema import REGION_DISAGREE_FLAG

# Short names the datasets use that pycountry files under a longer official name
# and that the word-prefix rule below cannot settle ("Korea" is two countries).
COUNTRY_ALIASES: dict[str, str] = {
    "north korea": "PRK",
    "korea, north": "PRK",
    "dprk": "PRK",
    "south korea": "KOR",
    "korea, south": "KOR",
    "russia": "RUS",
}

# Words that say what kind of region a name is, not which one: "Kursk Oblast",
# "Kursk" and "Kursk province" all mean RU-KRS. Dropping "city" makes "Kyiv" and
# "Kyiv City" collide with "Kyiv Oblast", so they stay unmatched: on purpose,
# since ACLED's "Kyiv" means the oblast and the boundaries' "Kyiv" the city.
_REGION_WORDS = frozenset(
    {
        "oblast",
        "oblasti",
        "krai",
        "kray",
        "region",
        "province",
        "republic",
        "of",
        "the",
        "autonomous",
        "okrug",
        "prefecture",
        "do",
        "city",
        "special",
        "municipality",
        "metropolitan",
        "governorate",
        # UCDP's adm_1 adds the kind in lower case: "Antioquia department", "Borno state".
        "department",
        "state",
    }
)


# Latin letters that have no decomposition to strip an accent from (as unidecode folds them).
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ħ": "h"}
)
# Spelling variants transliterations produce for the same sound: "Atacora"/"Atakora",
# "Ouémé"/"Weme", "Kharkiv"/"Harkiv", "Dzhankoy"/"Jankoy". Applied in order to a name key.
_TRANSLITERATION_FOLDS = (
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?:dzh|dj|zh)"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"(?:ck|q|c(?![eih]))"), "k"),
    (re.compile(r"(?:ou|oo)"), "u"),
    (re.compile(r"w"), "v"),
    (re.compile(r"y"), "i"),
    (re.compile(r"[ -]"), ""),
)


def name_key(name: str, drop: frozenset[str] = frozenset()) -> str:
    """A name folded for comparison: no accents, case, punctuation or ``drop`` words."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().translate(_LETTER_FOLDS)
    words = re.sub(r"[\W_]+", " ", text.replace("'", "").replace("\u2019", "")).split()
    return " ".join(w for w in words if w not in drop)


def loose_key(key: str) -> str:
    """A :func:`name_key` with transliteration variants folded together (see above)."""
    for pattern, replacement in _TRANSLITERATION_FOLDS:
        key = pattern.sub(replacement, key)
    return key


@functools.lru_cache(maxsize=1024)
def country_from_numeric(code: str) -> str | None:
    """ISO 3166-1 numeric code ("804", "4" or "804.0") to alpha-3, or None."""
    text = code.strip().removesuffix(".0")
    if not text.isascii() or not text.isdigit() or len(text) > 3:
        return None
    country = pycountry.countries.get(numeric=text.zfill(3))
    return country.alpha_3 if country else None


@functools.lru_cache(maxsize=1024)
def country_from_name(name: str) -> str | None:
    """A country name as a dataset spells it to ISO alpha-3, or None if not clean.

    Tries, in order: an alias table, pycountry's exact lookup (names, official
    and common names, codes), the same without a parenthetical ("Russia (Soviet
    Union)"), and finally a country whose name's words start with each word of
    the given name ("Syria" → Syrian Arab Republic) when exactly one does.
    """
    text = name.strip()
    if not text:
        return None
    for candidate in dict.fromkeys((text, re.sub(r"\s*\(.*?\)\s*", " ", text).strip())):
        if not candidate:
            continue
        if alias := COUNTRY_ALIASES.get(name_key(candidate)):
            return alias
        try:
            return pycountry.countries.lookup(candidate).alpha_3
        except LookupError:
            pass
        words = name_key(candidate).split()
        found = {
            c.alpha_3
            for c in pycountry.countries
            if words
            and any(
                all(any(n.startswith(w) for n in name_key(full).split()) for w in words) for full in _country_names(c)
            )
        }
        if len(found) == 1:
            return found.pop()
    return None


def _country_names(country) -> list[str]:
    return [getattr(country, attr) for attr in ("name", "official_name", "common_name") if hasattr(country, attr)]


@functools.lru_cache(maxsize=65_536)  # a large export names the same regions on many rows
def admin1_from_name(name: str, country_code: str | None) -> tuple[str, str] | None:
    """A first-level region's name to ``(ISO 3166-2 code, English name)``, or None.

    Only within ``country_code`` (alpha-3), and only when the name, without words
    like "Oblast" or "Province", means exactly one region among the shipped
    boundaries (their names and alternate names) and pycountry's subdivisions;
    failing an exact match, when its transliteration-folded form (:func:`loose_key`)
    means exactly one. The English name is the boundaries' when the region is in
    them, else the name as given.
    """
    if not name or not name.strip() or not country_code:
        return None
    key = name_key(name, _REGION_WORDS)
    codes = _admin1_index(country_code).get(key, set())
    if not codes:
        codes = _admin1_index(country_code, loose=True).get(loose_key(key), set())
    if len(codes) != 1:
        return None
    code = next(iter(codes))
    return code, _boundary_names().get(code, name.strip())


@functools.lru_cache(maxsize=512)
def _admin1_index(country_code: str, loose: bool = False) -> dict[str, set[str]]:
    country = pycountry.countries.get(alpha_3=country_code)
    if country is None:
        return {}
    names = [(code, n) for code, n in _boundary_names().items() if code.startswith(country.alpha_2 + "-")]
    names += [(code, n) for code, n in _boundary_alt_names() if code.startswith(country.alpha_2 + "-")]
    names += [
        (s.code, s.name)
        for s in pycountry.subdivisions.get(country_code=country.alpha_2) or ()
        if s.parent_code is None
    ]
    index: dict[str, set[str]] = {}
    for code, region in names:
        if pycountry.subdivisions.get(code=code) is not None:  # the schema's rule
            key = name_key(region, _REGION_WORDS)
            index.setdefault(loose_key(key) if loose else key, set()).add(code)
    index.pop("", None)
    return index


@functools.lru_cache(maxsize=1)
def _boundary_names() -> dict[str, str]:
    try:
        return geo.region_names()
    except (FileNotFoundError, ValueError):
        return {}  # no boundaries built: pycountry's subdivisions alone


@functools.lru_cache(maxsize=1)
def _boundary_alt_names() -> tuple[tuple[str, str], ...]:
    """(code, other name) pairs from the boundaries' ``alt_names`` (Natural Earth's variants)."""

    try:
        regions = geo.load_boundaries()
    except (FileNotFoundError, ValueError):
        return ()
    return tuple(
        (code, alt)
        for code, alts in zip(regions["iso_3166_2"], regions["alt_names"].fillna(""), strict=True)
        for alt in str(alts).split("|")
        if alt.strip()
    )


# How many names or events a warning lists before it says "and N more".
_WARNING_EXAMPLES = 10


def region_warnings(frame, boundaries, disagree=None, *, flagged: bool = False) -> list[str]:
    """What an import should tell the user about the regions of its rows.

    Two things are reported, never silently resolved: region names that matched no
    ISO 3166-2 code (the rows keep the name as given, and get a code from their
    coordinates where they have any), and rows whose region code and coordinates
    disagree by more than :data:`dashboard.events.geo.DISAGREEMENT_TOLERANCE_DEG`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows as parsed, before point-in-region filling: ``event_id``,
        ``country_code``, ``admin1_code``, ``admin1_name``, ``latitude``, ``longitude``.
    boundaries : geopandas.GeoDataFrame
        Regions as from :func:`dashboard.events.geo.load_boundaries`.
    disagree : pandas.DataFrame, optional
        The rows' disagreements as :func:`dashboard.events.geo.region_disagreements` gives them,
        when the caller has them already (the import flags those rows); computed if not given.
    flagged : bool
        Whether the import puts the quality flag on the disagreeing rows (outside formats do; the
        curated native format does not), so that the warning says which.

    Returns
    -------
    list of str
        Zero, one or two warnings.
    """

    warnings = []
    names = frame["admin1_name"].astype("string").str.strip()
    unmatched = frame.loc[(frame["admin1_code"].isna() & names.notna() & names.ne("")).to_numpy()]
    if len(unmatched):
        counts = unmatched.groupby([unmatched["admin1_name"], unmatched["country_code"].fillna("?")]).size()
        listed = [f"{name!r} ({country}, {n} rows)" for (name, country), n in counts.items()]
        placed = int(unmatched["latitude"].notna().sum())
        warnings.append(
            f"{len(unmatched)} rows name a region that matches no ISO 3166-2 code; the name is kept and "
            f"{placed} of them get their region from their coordinates: " + _examples(listed)
        )
    if disagree is None:
        disagree = geo.region_disagreements(frame.loc[frame["admin1_code"].notna().to_numpy()], boundaries)
    if len(disagree):
        region = geo.region_names(boundaries)
        listed = [
            f"{row.event_id}: {row.admin1_name or row.admin1_code} ({row.admin1_code}) but its point "
            f"({row.latitude:g}, {row.longitude:g}) lies "
            + (
                f"in {region.get(row.point_admin1_code, '')} ({row.point_admin1_code})"
                if row.point_admin1_code
                else "in no region"
            )
            + f", {row.distance_deg * 111:.0f} km outside"
            for row in disagree.itertuples()
        ]
        warnings.append(
            f"{len(disagree)} rows give a region and coordinates that disagree; both are kept as given"
            + (
                f" and the rows carry the quality flag {REGION_DISAGREE_FLAG}"
                if flagged
                else f" (a native row carries the quality flag {REGION_DISAGREE_FLAG} only if the file gives it)"
            )
            + ", check which is right: "
            + _examples(listed)
        )
    return warnings


def _examples(items: list[str]) -> str:
    shown = "; ".join(items[:_WARNING_EXAMPLES])
    return shown + (f"; and {len(items) - _WARNING_EXAMPLES} more" if len(items) > _WARNING_EXAMPLES else "")
