"""The brief as plain data: what was asked for, and the document's sections, tables, charts and sources.

Nothing here is markup: the HTML writer escapes every string it is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dashboard.events import changes
from dashboard.events.filters import EventFilter

PAPERS = {"a4": "A4", "letter": "Letter"}
DEFAULT_TITLE = "Conflict Monitor brief"


@dataclass(frozen=True)
class BriefRequest:
    """What to brief on: the shared filter, optional knowledge times, a title and a paper size."""

    filter: EventFilter = field(default_factory=EventFilter)
    since: dt.datetime | None = None
    as_of: dt.datetime | None = None
    title: str | None = None
    paper: str = "a4"
    out: str | None = None  # the file name, for the regenerate command only

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        if self.since and self.as_of and changes.naive_utc(self.since) >= changes.naive_utc(self.as_of):
            raise ValueError(f"--since {self.since.isoformat()} is not before --as-of {self.as_of.isoformat()}")


@dataclass(frozen=True)
class Source:
    """One entry of the numbered source list; ``url`` is None unless it is http(s)."""

    number: int
    outlet: str
    title: str
    date: str
    url: str | None


@dataclass(frozen=True)
class Table:
    """Rows of plain text; ``refs[i]`` are the source numbers row ``i`` cites."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    refs: tuple[tuple[int, ...], ...] = ()
    caption: str | None = None
    note: str | None = None
    nowrap: tuple[str, ...] = ()  # columns of short codes (ids, dates) that must not break


@dataclass(frozen=True)
class Chart:
    """A static image of a figure (PNG) with a title and a text alternative; ``png`` None if not drawn."""

    title: str
    alt: str
    png: bytes | None
    note: str | None = None


@dataclass(frozen=True)
class Section:
    """A numbered part of the brief: paragraphs, then tables and charts in order."""

    key: str
    heading: str
    paragraphs: tuple[str, ...] = ()
    blocks: tuple[Table | Chart, ...] = ()


@dataclass(frozen=True)
class Colophon:
    """How to check and regenerate the brief (printed at the end and, short, on every page)."""

    revision_token: str
    as_of: str
    as_of_iso: str
    dashboard_url: str
    command: str


@dataclass(frozen=True)
class Brief:
    title: str
    period: str
    filters: str
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    colophon: Colophon
    paper: str = "a4"
