"""dashboard.events.filters: the one EventFilter every query shares."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.events.filters import EventFilter


@pytest.fixture
def events(store, make_record) -> pd.DataFrame:
    store.append(
        [
            make_record(
                event_id="E1",
                event_date="2024-10-18",
                claimant="South Korea NIS",
                confidence="high",
                description="Special forces moved to the Far East",
            ),
            make_record(
                event_id="E2",
                event_date="2024-11-04",
                event_date_end="2024-11-20",
                category="battle",
                subcategory=None,
                figure_low=None,
                figure_best=None,
                figure_high=None,
                unit=None,
                claimant="Ukraine HUR",
                confidence="medium",
                description="Clashes near Sudzha",
            ),
            make_record(
                event_id="E3",
                event_date="2024-12-01",
                claimant="Ukraine HUR",
                confidence="low",
                admin1_code="UA-59",
                admin1_name="Sumy Oblast",
                country_code="UKR",
                location="Sumy",
                latitude=50.91,
                longitude=34.80,
                description="Unverified: 100% (a.*b) regex chars",
            ),
            make_record(
                event_id="E4",
                event_date="2025-01-12",
                category="casualties",
                subcategory="captured",
                figure_low=2,
                figure_best=2,
                figure_high=2,
                unit="captured",
                claimant="Ukraine SBU",
                location=None,
                latitude=None,
                longitude=None,
                geo_precision=3,
                description=None,
            ),
        ]
    )
    return store.current_events()


def ids(filt: EventFilter, frame: pd.DataFrame) -> list[str]:
    return filt.apply(frame)["event_id"].tolist()


def test_empty_filter_keeps_everything(events):
    assert ids(EventFilter(), events) == ["E1", "E2", "E3", "E4"]
    assert EventFilter().is_empty() and EventFilter().describe() == "all events"


def test_date_range_is_inclusive_and_spans_overlap(events):
    # E2 runs 4-20 November: a window inside its span still matches it.
    assert ids(EventFilter(start=dt.date(2024, 11, 10), end=dt.date(2024, 11, 12)), events) == ["E2"]
    assert ids(EventFilter(start=dt.date(2024, 12, 1), end=dt.date(2024, 12, 1)), events) == ["E3"]
    assert ids(EventFilter(end=dt.date(2024, 10, 18)), events) == ["E1"]
    assert ids(EventFilter(start=dt.date(2024, 11, 21)), events) == ["E3", "E4"]


def test_start_after_end_is_refused():
    with pytest.raises(ValueError, match="start 2024-12-01 is after end 2024-11-01"):
        EventFilter(start=dt.date(2024, 12, 1), end=dt.date(2024, 11, 1))


def test_categories_countries_regions_claimants(events):
    assert ids(EventFilter(categories=("battle", "casualties")), events) == ["E2", "E4"]
    assert ids(EventFilter(countries=("UKR",)), events) == ["E3"]
    assert ids(EventFilter(admin1=("RU-KRS",)), events) == ["E1", "E2", "E4"]
    assert ids(EventFilter(claimants=("Ukraine HUR",)), events) == ["E2", "E3"]
    assert ids(EventFilter(claimants=("Ukraine HUR",), categories=("deployment",)), events) == ["E3"]


def test_unknown_category_and_confidence_are_refused():
    with pytest.raises(ValueError, match="unknown categories: war"):
        EventFilter(categories=("war",))
    with pytest.raises(ValueError, match="min_confidence must be one of"):
        EventFilter(min_confidence="certain")


@pytest.mark.parametrize(
    "level, expected", [("low", ["E1", "E2", "E3", "E4"]), ("medium", ["E1", "E2", "E4"]), ("high", ["E1", "E4"])]
)
def test_minimum_confidence_is_a_rank(events, level, expected):
    assert ids(EventFilter(min_confidence=level), events) == expected


def test_text_search_is_literal_and_case_insensitive(events):
    assert ids(EventFilter(text="SUDZHA"), events) == ["E1", "E2"]  # E1's location, E2's description
    assert ids(EventFilter(text="(a.*b)"), events) == ["E3"]
    assert ids(EventFilter(text="100%"), events) == ["E3"]
    assert ids(EventFilter(text="e4"), events) == ["E4"]  # the id is searched too
    assert ids(EventFilter(text="   "), events) == ["E1", "E2", "E3", "E4"]
    assert ids(EventFilter(text="nowhere"), events) == []


def test_mask_of_an_empty_frame(events):
    assert EventFilter(text="x", categories=("battle",)).apply(events.iloc[:0]).empty


def test_apply_does_not_modify_its_input(events):
    before = events.copy()
    EventFilter(text="sudzha", min_confidence="high").apply(events)
    pd.testing.assert_frame_equal(events, before)


def test_describe_says_what_is_selected():
    filt = EventFilter(
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 31),
        categories=("attack_on_civilians",),
        countries=("RUS",),
        claimants=("Ukraine HUR", "US DoD"),
        min_confidence="medium",
        text="Kursk",
    )
    assert filt.describe() == (
        "1 Nov 2024 – 31 Dec 2024; attack on civilians; countries RUS; "
        "claimants Ukraine HUR; US DoD; confidence ≥ medium; text “Kursk”"
    )
    assert EventFilter(start=dt.date(2024, 11, 1)).describe() == "1 Nov 2024 – today"


def test_with_dates_returns_a_new_filter():
    filt = EventFilter(categories=("battle",))
    moved = filt.with_dates(dt.date(2024, 1, 1), None)
    assert moved.start == dt.date(2024, 1, 1) and moved.categories == ("battle",) and filt.start is None
