"""The formats an import understands, and which one a header belongs to (``--format auto``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from dashboard.events.importers.base import ImportFileError

# The formats, in detection order (native first: its header is the most specific).
FORMATS = ("native", "acled", "ucdp", "cns", "acled_deletions")


def format_module(name: str) -> ModuleType:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
    return importlib.import_module(f"dashboard.events.importers.{name}")


def detect(header: list[str], file_name: str) -> str:
    for name in FORMATS:
        if format_module(name).matches(header):
            return name
    shown = ", ".join(header[:12]) + (" …" if len(header) > 12 else "")
    # A header with most of our required fields is a native file with a column missing: name it.
    native = format_module("native")
    native_missing = missing_columns(native, header)
    hint = (
        f"; as a native file it lacks the required column(s) {', '.join(sorted(native_missing))}"
        if len(native_missing) <= len(native.REQUIRED_COLUMNS) // 2
        else ""
    )
    raise ImportFileError(
        file_name,
        f"unrecognised header ({shown}); expected the columns of one of: "
        f"{', '.join(FORMATS)} (see `conflict-monitor schema`){hint}",
        1,
    )


def missing_columns(module: ModuleType, header: list[str]) -> set[str]:
    required = getattr(module, "REQUIRED_COLUMNS", ())
    return set(required) - set(header)
