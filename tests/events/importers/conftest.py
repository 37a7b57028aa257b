"""Helpers for the outside-dataset importer tests: fixture files and edited copies of them.

The fixtures (``tests/fixtures/acled_*``, ``ucdp_*``, ``cns_*``) are synthetic rows in
each dataset's exact layout; ACLED's terms forbid shipping its data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from dashboard.events.importers import ParsedFile, parse_bytes
from dashboard.events.schema import FieldError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited_csv(
    data: bytes,
    changes: dict[tuple[int, str], str] | None = None,
    *,
    rows: list[int] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """A CSV fixture with cells changed (``{(data row index, column): value}``) or only some rows kept."""
    table = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
    header, body = table[0], table[1:]
    for (index, column), value in (changes or {}).items():
        body[index][header.index(column)] = value
    if rows is not None:
        body = [body[i] for i in rows]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *body])
    return buffer.getvalue().encode(encoding)


def parse_fixture(name: str, **kwargs) -> ParsedFile:
    return parse_bytes(read_fixture(name), name, **kwargs)


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes(name)`` -> the bytes of ``tests/fixtures/<name>``."""
    return read_fixture


@pytest.fixture
def edit_csv() -> Callable[..., bytes]:
    """``edit_csv(data, {(row, column): value}, rows=[...])`` -> the CSV with those changes."""
    return edited_csv


@pytest.fixture
def parsed() -> Callable[..., ParsedFile]:
    """``parsed(name, **kwargs)`` -> parse_bytes of a fixture file."""
    return parse_fixture


def only_error(name: str, row: int, column: str, value: str) -> FieldError:
    """The one error of a fixture with one cell changed (fails if there are none or several)."""
    parsed_file = parse_bytes(edited_csv(read_fixture(name), {(row, column): value}), name)
    [error] = parsed_file.report.errors
    return error


@pytest.fixture
def error_for() -> Callable[[str, int, str, str], FieldError]:
    """``error_for(fixture, data row index, column, value)`` -> the single FieldError it causes."""
    return only_error
