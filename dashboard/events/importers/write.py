"""The write stage: a parsed file appended to the log in one transaction, and the seed log.

``import_file`` reads and checks a file (``pipeline``) and writes it; :func:`write_parsed` writes a
file already checked (the Data page writes exactly what it previewed). All or nothing: nothing is
written when any row is invalid, unless ``skip_invalid``, which writes the rejects next to the input.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from dashboard.events import geo, register_store, safe_write
from dashboard.events.exports import neutralise_cell
from dashboard.events.importers import native, read
from dashboard.events.importers.base import ImportFileError, ImportReport, RawRow
from dashboard.events.importers.formats import format_module
from dashboard.events.importers.pipeline import ParsedFile, Progress, parse_bytes
from dashboard.events.importers.places import admin1_from_name, region_warnings
from dashboard.events.locations import data_file
from dashboard.events.schema import REGION_DISAGREE_FLAG, EventRecord, FieldError, with_flag
from dashboard.events.store import BatchInfo, utc_now


def seed_path() -> Path:
    """The curated seed log shipped with the program (``data/seed/events.csv`` in a checkout)."""
    return data_file("seed", "events.csv")


def import_file(
    store,
    path: Path | None = None,
    *,
    data: bytes | None = None,
    file_name: str | None = None,
    fmt: str = "auto",
    encoding: str | None = None,
    skip_invalid: bool = False,
    origin: str | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportReport:
    """Validate a file and, if it passes (or ``skip_invalid``), append it to the store.

    All or nothing: one transaction for the whole file, and nothing at all when any
    row is invalid and ``skip_invalid`` is false. An existing rejects file is replaced only
    with ``force`` (it is refused before anything is written otherwise).
    """
    started = utc_now()
    if data is None:
        if path is None:
            raise ValueError("give a path or data")
        data = read.read_path(path)
    name = file_name or Path(path).name
    parsed = parse_bytes(data, name, fmt=fmt, encoding=encoding, origin=origin, progress=progress)
    del data  # the file's bytes (hundreds of MB for a large import) are not needed while writing
    return write_parsed(
        store, parsed, skip_invalid=skip_invalid, origin=origin, path=path, started=started, force=force
    )


def write_parsed(
    store,
    parsed: ParsedFile,
    *,
    skip_invalid: bool = False,
    origin: str | None = None,
    path: Path | None = None,
    started: dt.datetime | None = None,
    force: bool = False,
) -> ImportReport:
    """The write stage: a file already read and checked (as the Data page previewed it), appended in one transaction.

    ``origin`` must be the one the file was parsed with. Nothing is written when any row is invalid
    and ``skip_invalid`` is false; with it, the rejects are written next to ``path`` (if given).
    """
    report = parsed.report
    if (report.errors and not skip_invalid) or parsed.file_errors or report.rows_read == 0:
        return report  # nothing to write; a header-only file leaves no trace but its warning
    if skip_invalid and parsed.rejected_rows and path is not None:
        report.rejects_path = write_rejects(Path(path), parsed.rejected_rows, force=force)
    batch = BatchInfo(
        file_name=report.file_name,
        sha256=report.sha256,
        format=report.format,
        encoding=report.encoding,
        origin=origin or report.format,
        rows_read=report.rows_read,
        rows_rejected=report.rejected,
        started_at=started or utc_now(),
    )
    if parsed.retractions or report.format == "acled_deletions":
        return _write_retractions(store, parsed.retractions, batch, report)
    table = _with_region(parsed.accepted_table(), report)
    if getattr(format_module(report.format), "VERSIONED_BY_SOURCE_DATE", False):
        table = _without_older_versions(store, table, report)
    result, batch_id = store.append(table, batch=batch)
    report.new, report.revised, report.unchanged = result.new, result.revised, result.unchanged
    report.batch_id, report.written = batch_id, True
    return report


def _write_retractions(store, retractions: list[tuple[str, str]], batch, report: ImportReport) -> ImportReport:
    result, batch_id = store.retract_many(retractions, batch=batch)
    report.revised, report.unchanged = len(result.retracted_ids), result.already
    if result.missing_ids:
        shown = ", ".join(result.missing_ids[:5]) + (" …" if len(result.missing_ids) > 5 else "")
        report.warnings.append(f"{len(result.missing_ids)} deleted event(s) are not in the log: {shown}")
    report.batch_id, report.written = batch_id, True
    return report


def _without_older_versions(store, table, report: ImportReport):
    """Rows older than the version of their event the log holds, left out (ACLED's ``timestamp``).

    ACLED re-publishes a changed event under the same ``event_id_cnty`` with a newer timestamp,
    which the importer writes as the source's date. A row is a change only if it is at least as new
    as the log's version: importing last month's export after this week's must not undo the update.
    Changed content at the same or a newer timestamp becomes a revision; the same content, nothing.
    """
    current = store.current_fields(table.column("event_id").to_pylist(), ["sources"])
    if current.empty:
        return table
    stored = dict(zip(current["event_id"], map(_first_source_date, current["sources"]), strict=True))
    keep = [
        not (event_id in stored and stored[event_id] and date and date < stored[event_id])
        for event_id, date in zip(
            table.column("event_id").to_pylist(),
            map(_first_source_date, table.column("sources").to_pylist()),
            strict=True,
        )
    ]
    report.older = keep.count(False)
    if report.older:
        report.warnings.append(
            f"{report.older} row(s) are older than the version the log holds (by ACLED's timestamp): not applied"
        )
    return table.filter(keep)


def _first_source_date(sources_json: str | None) -> str | None:
    """The first source's date (ISO text, so it orders as a date), from a stored sources cell."""
    sources = json.loads(sources_json) if sources_json else []
    return sources[0].get("date") if sources else None


# Formats whose files are curated by hand: an import never adds a quality flag to their rows (schema.QUALITY_FLAGS).
_CURATED_FORMATS = frozenset({"native"})


def _with_region(table, report: ImportReport | None = None):
    """Fill admin1 for records with coordinates but no region, by point-in-polygon.

    A record of an outside format (ACLED, UCDP, CNS) whose region and coordinates disagree keeps both
    as given and carries the quality flag ``schema.REGION_DISAGREE_FLAG`` (the rule is
    ``schema.REGION_DISAGREEMENT_RULE``); a native record is only reported, as the curated format never
    sets a flag by itself (an export imports again as the same claims). Unmatched region names and
    the disagreements go to ``report.warnings``.
    """
    try:
        boundaries = geo.load_boundaries()
    except FileNotFoundError:
        return table
    if table.num_rows:
        columns = ["event_id", "country_code", "admin1_code", "admin1_name", "latitude", "longitude"]
        frame = table.select(columns).to_pandas()
        disagree = geo.region_disagreements(frame.loc[frame["admin1_code"].notna().to_numpy()], boundaries)
        flagged = report is None or report.format not in _CURATED_FORMATS
        if flagged:
            table = _flag_disagreements(table, disagree.index.to_numpy())
        if report is not None:
            report.warnings += region_warnings(frame, boundaries, disagree, flagged=flagged)
    missing = pc.indices_nonzero(
        pc.and_(pc.is_valid(table.column("latitude")), pc.is_null(table.column("admin1_code")))
    )
    if len(missing) == 0:
        return table
    frame = (
        table.select(["latitude", "longitude", "admin1_code", "admin1_name", "country_code"]).take(missing).to_pandas()
    )
    given_country = table.column("country_code").take(missing).to_pylist()  # None, not pandas' NaN
    columns = {c: table.column(c).to_pylist() for c in ("admin1_code", "admin1_name", "country_code")}
    for index, fill in zip(missing.to_pylist(), _region_fills(frame, given_country, boundaries), strict=True):
        if fill is not None:
            columns["admin1_code"][index], name, columns["country_code"][index] = fill
            columns["admin1_name"][index] = columns["admin1_name"][index] or name
    for name, values in columns.items():
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, pa.string()))
    return table


def _region_fills(frame, given_country: list[str | None], boundaries) -> list[tuple[str, str, str | None] | None]:
    """For each row of ``frame`` (coordinates, no region code): ``(admin1_code, admin1_name, country_code)``
    from the region its point lies in, or None (at sea, outside the boundaries, or in another country
    than the row's ``given_country`` says: that is left to the analyst). The name is the boundaries'
    English, Latin-script one. Shared by imports (:func:`_with_region`) and the desk (:func:`place_claims`).
    """
    filled = geo.assign_admin1(frame, boundaries)
    fills: list[tuple[str, str, str | None] | None] = []
    for code, name, found, given in zip(
        filled["admin1_code"].tolist(),
        filled["admin1_name"].tolist(),
        filled["country_code"].tolist(),
        given_country,
        strict=True,
    ):
        country = given or (found if isinstance(found, str) else None)
        ok = isinstance(code, str) and code and not (country and not code.startswith(_alpha2(country)))
        fills.append((code, name, country) if ok else None)
    return fills


def _flag_disagreements(table, positions):
    """``table`` with ``schema.REGION_DISAGREE_FLAG`` added to the flags of the rows at ``positions``."""
    if len(positions) == 0:
        return table
    flags = table.column("quality_flags").to_pylist()
    for position in positions.tolist():
        flags[position] = with_flag(flags[position], REGION_DISAGREE_FLAG)
    index = table.schema.get_field_index("quality_flags")
    return table.set_column(index, "quality_flags", pa.array(flags, table.schema.field(index).type))


def _alpha2(alpha3: str) -> str:

    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else ""


# --- the desk: a claim typed in by an analyst gets its region the way an import's row does ----------
# The desk is curated like the native format, so the rule of schema.REGION_DISAGREEMENT_RULE for native
# rows holds: a region that disagrees with the coordinates is shown to the analyst, not flagged, unless
# the analyst asks for the flag (the Record page's tick box, the CLI's --flag-region-disagreement).

_PLACE_FIELDS = ("event_id", "country_code", "admin1_code", "admin1_name", "latitude", "longitude")


@dataclass(frozen=True)
class PlacedClaim:
    """A desk claim after region assignment: ``data`` to hand to the store, and what to tell the analyst."""

    data: Any  # the claim's fields (a dict; anything else passes through for the store to refuse)
    filled: str | None = None  # the region set from the name or the coordinates, in words
    warning: str | None = None  # the region given and the coordinates disagree, in words


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value).strip() or None


def place_claims(items: Sequence[Any], *, flag_disagreements: bool = False) -> list[PlacedClaim]:
    """Give desk claims their region with the code imports use, and say where region and coordinates disagree.

    A claim with a region name and a country but no code gets the code the name means
    (:func:`~dashboard.events.importers.places.admin1_from_name`, as ACLED and UCDP rows do); a claim
    with coordinates and still no code gets the region its point lies in, for any country the
    boundaries draw, with the region's Latin-script name unless a name was typed (:func:`_region_fills`).
    A claim whose region lies away from its coordinates keeps both as typed and gets a ``warning``;
    with ``flag_disagreements`` it also carries ``schema.REGION_DISAGREE_FLAG``. Nothing is written.
    """
    claims = [dict(item) if isinstance(item, Mapping) else item for item in items]
    try:
        boundaries = geo.load_boundaries()
    except FileNotFoundError:
        return [PlacedClaim(claim) for claim in claims]
    filled: dict[int, str] = {}
    rows = []
    for position, claim in enumerate(claims):
        row = {c: _text(claim.get(c)) if isinstance(claim, dict) else None for c in _PLACE_FIELDS}
        if row["country_code"]:
            row["country_code"] = row["country_code"].upper()
        named = row["admin1_name"] and not row["admin1_code"] and row["country_code"]
        if named and (region := admin1_from_name(row["admin1_name"], row["country_code"])):
            claims[position]["admin1_code"], claims[position]["admin1_name"] = region
            filled[position] = f"Region {region[0]} ({region[1]}) from the name {row['admin1_name']!r}."
            row["admin1_code"], row["admin1_name"] = region
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(_PLACE_FIELDS), dtype=object)
    for axis in ("latitude", "longitude"):
        frame[axis] = pd.to_numeric(frame[axis], errors="coerce")  # a bad value is the schema's to refuse
    warnings: dict[int, str] = {}
    if not (frame["latitude"].notna() & frame["longitude"].notna()).any():  # nothing to place or compare
        return [PlacedClaim(claim, filled.get(p)) for p, claim in enumerate(claims)]
    disagree = geo.region_disagreements(frame.loc[frame["admin1_code"].notna().to_numpy()], boundaries)
    names = geo.region_names(boundaries) if len(disagree) else {}
    for position, found in disagree.iterrows():
        claim, point = claims[position], found["point_admin1_code"]
        lies = f"in {point} ({names.get(point, point)})" if isinstance(point, str) else "in no region we draw"
        code = found["admin1_code"]
        warnings[position] = (
            f"The region {code} ({names.get(code, found['admin1_name'] or code)}) and the coordinates "
            f"({found['latitude']:g}, {found['longitude']:g}) disagree: the point lies {lies}, "
            f"{found['distance_deg']:.1f}° from {code}. Both are kept as typed; correct the one that is wrong"
            + (f", or keep both: the claim carries the flag {REGION_DISAGREE_FLAG}." if flag_disagreements else ".")
        )
        if flag_disagreements:
            flags = claim.get("quality_flags")
            claim["quality_flags"] = with_flag(
                ",".join(flags) if isinstance(flags, list) else flags, REGION_DISAGREE_FLAG
            )
    todo = (frame["admin1_code"].isna() & frame["latitude"].notna() & frame["longitude"].notna()).to_numpy()
    missing = frame.loc[todo, ["latitude", "longitude", "admin1_code", "admin1_name", "country_code"]]
    fills = _region_fills(missing, missing["country_code"].tolist(), boundaries) if len(missing) else []
    for position, fill in zip(missing.index.tolist(), fills, strict=True):
        typed = rows[position]["admin1_name"]
        if fill is None:
            continue
        code, name, country = fill
        claims[position].update(admin1_code=code, admin1_name=typed or name, country_code=country)
        filled[position] = f"Region {code} ({name}) from the coordinates."
        if typed and country and admin1_from_name(typed, country) is None:
            warnings[position] = (
                f"The region name {typed!r} matches no region of {country}; the coordinates put the claim in "
                f"{code} ({name}). The name is kept as typed: correct it if it is wrong."
            )
    return [PlacedClaim(claim, filled.get(p), warnings.get(p)) for p, claim in enumerate(claims)]


def record_claims(
    store, items: Sequence[Any], *, reason: str | None = None, flag_disagreements: bool = False
) -> tuple[list[EventRecord], list[PlacedClaim]]:
    """Record new desk claims (CLI ``add``, the Record page) with their regions assigned by :func:`place_claims`.

    All or nothing, as ``store.record_many``; returns the stored records and what to tell the analyst.
    """
    placed = place_claims(items, flag_disagreements=flag_disagreements)
    return store.record_many([p.data for p in placed], reason=reason), placed


def revise_claim(
    store,
    event_id: str,
    changes: dict[str, Any],
    reason: str,
    *,
    expected_revision: int | None = None,
    flag_disagreements: bool = False,
) -> tuple[int, PlacedClaim]:
    """Correct a claim at the desk (CLI ``revise``, the Record page), its region assigned as for a new one.

    The claim as it stands with ``changes`` applied goes through :func:`place_claims`; the fields that
    assigns (region, country, flag) join the changes, and ``store.revise`` writes them with its checks.
    """
    wanted = [*_PLACE_FIELDS, "quality_flags"]
    current = store.current_fields([event_id], wanted)
    if current.empty:  # the store names the problem (unknown or retracted claim)
        return store.revise(event_id, changes, reason, expected_revision=expected_revision), PlacedClaim(changes)
    before = {k: _text(v) if isinstance(v, str) else (None if pd.isna(v) else v) for k, v in current.iloc[0].items()}
    merged = {**before, **changes}
    placed = place_claims([merged], flag_disagreements=flag_disagreements)[0]
    assigned = {k: v for k, v in placed.data.items() if k in wanted and v != merged.get(k)}
    revision = store.revise(event_id, {**changes, **assigned}, reason, expected_revision=expected_revision)
    return revision, placed


# The columns a rejects file adds before the input's own; the native importer ignores them, so a
# corrected rejects file imports as it is.
REJECTS_COLUMNS = native.REJECTS_ONLY_COLUMNS


def write_rejects(path: Path, rejected: list[tuple[RawRow, list[FieldError]]], *, force: bool = False) -> Path:
    """Write rejected rows with their reasons next to the input: ``NAME.rejects.csv``."""
    out = path.with_name(path.stem + ".rejects.csv")
    columns = sorted({c for raw, _ in rejected for c in raw.cells if c != "__shape__"})
    # Safely (temporary file, then rename): a full disk leaves no half file. An existing file (the
    # rejects of an earlier run, perhaps corrected by hand) is replaced only with --force.
    with (
        safe_write.open_for_write(out, force=force) as binary,
        io.TextIOWrapper(binary, encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow([*REJECTS_COLUMNS, *columns])
        for raw, errors in rejected:
            # The line has its own column; a bare "4 column 'x'" in the reasons would only confuse.
            reasons = "; ".join(replace(e, line=None).describe() for e in errors)
            writer.writerow([raw.line, reasons, *(_neutral(raw.cells.get(c, "")) for c in columns)])
    return out


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _neutral(value: Any) -> Any:
    """The export guard, except for a plain number: ``-5`` written as ``'-5`` made a corrected
    rejects file fail to import (a number is never run as a formula)."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return neutralise_cell(value)


def load_seed(store) -> ImportReport:
    """Load the curated seed log; any invalid row is a bug in data/, so it raises."""
    path = seed_path()
    report = import_file(store, path, fmt="native", origin="seed")
    if not report.written:
        raise ImportFileError(path.name, "the seed log does not validate:\n" + "\n".join(report.error_lines()))
    return report


def seed_store(store) -> ImportReport | None:
    """Load the seed log unless this version of it was loaded already (idempotent); None if it was.

    Opening a store never seeds: the CLI's ``seed`` command, the dashboard's first start on the
    default database and the Data page's button on an empty log call this. The built-in claimant
    register is loaded with it (only the claimants the store lacks, so edits survive).
    """
    register_store.seed_register(store)
    if store.find_batch(hashlib.sha256(read.read_path(seed_path())).hexdigest()) is not None:
        return None
    return load_seed(store)
