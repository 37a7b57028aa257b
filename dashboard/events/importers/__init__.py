"""Importers: outside formats to validated schema records, written all-or-nothing.

A facade over the pipeline's stages, each a module named for its job:

- ``read``: bytes from a path (regular files only) and rows from a spreadsheet, with the limits
  for hostile files; ``base``: decoding and CSV/JSON rows with line numbers; ``budget``: an
  upload parsed in a worker process within a time and memory budget;
- ``formats``: the formats and detection; one module per format maps rows to record fields
  (``native``, ``acled``, ``acled_deletions``, ``ucdp``, ``cns``);
- ``validate``: the schema's rules over whole columns; ``pipeline``: read → map → validate
  (:func:`parse_bytes`, :func:`validate_file`), writing nothing;
- ``write``: :func:`import_file`, :func:`write_parsed` and the seed log; the desk's :func:`record_claims`
  and :func:`revise_claim`, which give typed-in claims their region as imports do.
"""

from __future__ import annotations

from dashboard.events.importers.base import ImportFileError, ImportReport
from dashboard.events.importers.formats import FORMATS, format_module
from dashboard.events.importers.pipeline import ParsedFile, parse_bytes, validate_file
from dashboard.events.importers.write import (
    PlacedClaim,
    import_file,
    load_seed,
    place_claims,
    record_claims,
    revise_claim,
    seed_path,
    seed_store,
    write_parsed,
    write_rejects,
)

__all__ = [
    "FORMATS",
    "ImportFileError",
    "ImportReport",
    "ParsedFile",
    "PlacedClaim",
    "format_module",
    "import_file",
    "load_seed",
    "parse_bytes",
    "place_claims",
    "record_claims",
    "revise_claim",
    "seed_path",
    "seed_store",
    "validate_file",
    "write_parsed",
    "write_rejects",
]
