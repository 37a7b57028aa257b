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
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from dashboard.events import geo, register_store, safe_write
from dashboard.events.exports import neutralise_cell
from dashboard.events.importers import native, read
from dashboard.events.importers.base import ImportFileError, ImportReport, RawRow
from dashboard.events.importers.formats import format_module
from dashboard.events.importers.pipeline import ParsedFile, Progress, parse_bytes
from dashboard.events.importers.places import region_warnings
from dashboard.events.locations import data_file
from dashboard.events.schema import REGION_DISAGREE_FLAG, FieldError, with_flag
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
    filled = geo.assign_admin1(frame, boundaries)
    codes, names, countries = (filled[c].tolist() for c in ("admin1_code", "admin1_name", "country_code"))
    columns = {c: table.column(c).to_pylist() for c in ("admin1_code", "admin1_name", "country_code")}
    for position, index in enumerate(missing.to_pylist()):
        code = codes[position]
        if isinstance(code, str) and code:
            country = given_country[position] or countries[position]
            if country and not code.startswith(_alpha2(country)):
                continue  # the point lies in another country than the record says: leave it to the analyst
            columns["admin1_code"][index] = code
            columns["admin1_name"][index] = columns["admin1_name"][index] or names[position]
            columns["country_code"][index] = country
    for name, values in columns.items():
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, pa.string()))
    return table


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
