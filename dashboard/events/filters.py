"""The one filter every query and every dashboard page shares.

An :class:`EventFilter` is applied to a frame of current events in pandas. The
store loads the current log once per revision (the dashboard caches that frame),
so one implementation of filtering serves the CLI, the exports and every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard.events import grading
from dashboard.events.claimants import builtin_register
from dashboard.events.schema import CATEGORIES, CONFIDENCE_RANK, CREDIBILITY_LEVELS, RELIABILITY_LEVELS

# Columns searched by the free-text filter.
TEXT_SEARCH_COLUMNS = (
    "event_id",
    "description",
    "location",
    "admin1_name",
    "claimant",
    "actor",
    "counterpart",
    "missile_name",
    "launch_site",
    "subcategory",
)


@dataclass(frozen=True)
class EventFilter:
    """Which claims to show. Empty selections mean "all".

    Dates are inclusive. An event matches the date range when its span
    ``[event_date, event_date_end or event_date]`` overlaps ``[start, end]``.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    admin1: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    min_confidence: str | None = None
    # Grades (NATO/Admiralty): keep claims whose source is at least this reliable (A best) and whose
    # information is at least this credible (1 best). Read from the frame's grade columns
    # (grading.with_grades); a frame without them is graded with the built-in register.
    min_reliability: str | None = None
    min_credibility: int | None = None
    text: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories: {', '.join(sorted(unknown))}")
        if self.min_confidence is not None and self.min_confidence not in CONFIDENCE_RANK:
            raise ValueError(f"min_confidence must be one of {', '.join(CONFIDENCE_RANK)}")
        if self.min_reliability is not None and self.min_reliability not in RELIABILITY_LEVELS:
            raise ValueError(f"min_reliability must be one of {', '.join(RELIABILITY_LEVELS)}")
        if self.min_credibility is not None and self.min_credibility not in CREDIBILITY_LEVELS:
            raise ValueError(f"min_credibility must be one of {', '.join(map(str, CREDIBILITY_LEVELS))}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")

    def with_dates(self, start: dt.date | None, end: dt.date | None) -> EventFilter:
        return replace(self, start=start, end=end)

    def is_empty(self) -> bool:
        return self == EventFilter()

    def mask(self, events: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of ``events`` that match."""
        keep = np.ones(len(events), dtype=bool)
        if len(events) == 0:
            return keep
        if self.start is not None:
            start = pd.Timestamp(self.start)
            ends = events["event_date_end"].fillna(events["event_date"])
            keep &= (ends >= start).to_numpy()
        if self.end is not None:
            keep &= (events["event_date"] <= pd.Timestamp(self.end)).to_numpy()
        for column, chosen in (
            ("category", self.categories),
            ("country_code", self.countries),
            ("admin1_code", self.admin1),
            ("claimant", self.claimants),
        ):
            if chosen:
                keep &= events[column].isin(chosen).to_numpy()
        if self.min_confidence:
            rank = events["confidence"].map(CONFIDENCE_RANK).fillna(-1).to_numpy()
            keep &= rank >= CONFIDENCE_RANK[self.min_confidence]
        if self.min_reliability or self.min_credibility:
            graded = events if "grade" in events else grading.with_grades(events, builtin_register())
            keep &= grading.grade_mask(graded, self.min_reliability, self.min_credibility)
        if self.text and self.text.strip():
            needle = self.text.strip().lower()
            hit = np.zeros(len(events), dtype=bool)
            for column in TEXT_SEARCH_COLUMNS:
                if column in events:
                    # regex=False: the user's text is a literal, never a pattern.
                    hit |= (
                        events[column]
                        .astype("string")
                        .str.lower()
                        .str.contains(needle, regex=False, na=False)
                        .to_numpy(dtype=bool)
                    )
            keep &= hit
        return keep

    def apply(self, events: pd.DataFrame) -> pd.DataFrame:
        """The matching rows, as a new frame."""
        return events.loc[self.mask(events)]

    def describe(self) -> str:
        """One human line: what this filter selects (used on exports and pages)."""
        parts = []
        if self.start or self.end:
            parts.append(f"{_day(self.start) if self.start else 'start'} – {_day(self.end) if self.end else 'today'}")
        if self.categories:
            parts.append(", ".join(c.replace("_", " ") for c in self.categories))
        if self.countries:
            parts.append("countries " + ", ".join(self.countries))
        if self.admin1:
            parts.append("regions " + ", ".join(self.admin1))
        if self.claimants:
            parts.append("claimants " + "; ".join(self.claimants))
        if self.min_confidence:
            parts.append(f"confidence ≥ {self.min_confidence}")
        if self.min_reliability:
            parts.append(f"source reliability {self.min_reliability} or better")
        if self.min_credibility:
            parts.append(f"credibility {self.min_credibility} or better")
        if self.text:
            parts.append(f"text “{self.text}”")
        return "; ".join(parts) if parts else "all events"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"
