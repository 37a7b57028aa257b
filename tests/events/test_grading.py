"""Grades on claims: the schema fields, the confidence rule, importers' F/6, the filter, independent
voices (relays collapse to their originator) and the descriptive record of a claimant's figures."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.events import grading, schema
from dashboard.events.claimants import builtin_register
from dashboard.events.filters import EventFilter
from dashboard.events.importers import import_file, seed_store
from dashboard.events.importers.acled import CLAIMANT as ACLED


def _graded(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in schema.FIELD_NAMES:
        if column not in frame:
            frame[column] = None
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    return grading.with_grades(frame, builtin_register())


def _claim(event_id: str, claimant: str, best: float | None, date: str = "2024-11-05", **more) -> dict:
    return {
        "event_id": event_id,
        "event_date": date,
        "category": "deployment",
        "subcategory": "in_russia",
        "actor": "North Korea",
        "claimant": claimant,
        "figure_best": best,
        "unit": "troops",
        "confidence": "high",
        **more,
    }


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"source_reliability": "G"}, "source_reliability"),
        ({"credibility": 0}, "credibility"),
        ({"credibility": 7}, "credibility"),
    ],
)
def test_grade_fields_are_checked_by_the_schema(record_data, fields, problem):
    errors = schema.validate_record(record_data(**fields), line=4)
    assert isinstance(errors, list) and errors[0].column == problem and errors[0].line == 4


def test_a_reliability_letter_is_stored_as_a_capital(record_data):
    record = schema.validate_record(record_data(source_reliability=" b ", credibility="2"))
    assert (record.source_reliability, record.credibility) == ("B", 2)


def test_the_grade_fields_carry_labels_help_and_a_vocabulary_in_the_data_dictionary():
    for name in ("source_reliability", "credibility"):
        assert name in schema.FIELD_LABELS and name in schema.FIELD_HELP and schema.vocabulary(name)
    dictionary = schema.data_dictionary()
    assert "`high` → 2, `medium` → 3, `low` → 4" in dictionary and "ungraded" in dictionary
    assert "## source_reliability" in dictionary and "## credibility" in dictionary


def test_grades_come_from_the_register_the_claim_and_the_confidence_rule():
    graded = _graded(
        [
            _claim("A", "South Korea NIS", 10, confidence="high"),
            _claim("B", "Ukrainian intelligence via Financial Times", 10, confidence="medium"),
            _claim("C", "Ukraine HUR", 10, confidence="low", source_reliability="A", credibility=1),
            _claim("D", "Somebody on a forum", 10, confidence=None),
        ]
    ).set_index("event_id")
    assert graded["grade"].to_dict() == {"A": "B2", "B": "C3", "C": "A1", "D": "F6"}
    assert graded.at["B", "originator"] == "Ukraine HUR" and graded.at["B", "relayed_by"] == "Financial Times"
    assert graded.at["B", "claimant"] == "Ukrainian intelligence via Financial Times"


def test_the_filter_keeps_claims_at_least_as_good_as_the_minimums():
    graded = _graded(
        [
            _claim("A", "South Korea NIS", 10),  # B2
            _claim("B", "Ukraine HUR", 10, confidence="medium"),  # C3
            _claim("C", "Russia MoD", 10),  # D2
            _claim("D", "Ukraine HUR", 10, source_reliability="A", credibility=4),  # A4
        ]
    )
    kept = lambda flt: sorted(flt.apply(graded)["event_id"])  # noqa: E731
    assert kept(EventFilter(min_reliability="C")) == ["A", "B", "D"]
    assert kept(EventFilter(min_credibility=2)) == ["A", "C"]
    assert kept(EventFilter(min_reliability="B", min_credibility=3)) == ["A"]
    # A frame without grade columns is graded with the built-in register: same answer.
    raw = graded.drop(columns=list(grading.GRADE_COLUMNS))
    assert kept(EventFilter(min_reliability="C")) == sorted(EventFilter(min_reliability="C").apply(raw)["event_id"])
    assert "source reliability B or better" in EventFilter(min_reliability="B").describe()
    with pytest.raises(ValueError, match="min_reliability"):
        EventFilter(min_reliability="Q")


def test_two_outlets_relaying_one_hur_statement_are_one_voice():
    graded = _graded(
        [
            _claim("FT", "Ukrainian intelligence via Financial Times", 11000),
            _claim("CNN", "Ukraine HUR (assessment seen by CNN)", 11000, date="2024-11-07"),
        ]
    )
    voices = grading.independent_voices(graded).set_index("event_id")
    assert voices.at["FT", "voices"] == 1 and voices.at["FT", "corroborated_by"] == ""
    assert voices.at["FT", "relays"] == 1  # the CNN claim repeats the same originator

    with_nis = _graded(
        [
            _claim("FT", "Ukrainian intelligence via Financial Times", 11000),
            _claim("CNN", "Ukraine HUR (assessment seen by CNN)", 11000, date="2024-11-07"),
            _claim("NIS", "South Korea NIS", 11000, date="2024-11-10"),
            _claim("far", "US DoD", 11000, date="2025-03-01"),  # outside the window
            _claim("other", "US DoD", 3000),  # the figure disagrees
        ]
    )
    voices = grading.independent_voices(with_nis).set_index("event_id")
    assert voices.at["FT", "voices"] == 2 and voices.at["FT", "corroborated_by"] == "South Korea NIS"
    assert voices.at["NIS", "voices"] == 2 and voices.at["NIS", "corroborated_by"] == "Ukraine HUR"
    assert voices.at["far", "voices"] == 1 and voices.at["other", "voices"] == 1


def test_the_figure_record_says_how_often_a_claimant_sat_above_inside_or_below_the_others():
    graded = _graded(
        [
            _claim("n1", "South Korea NIS", 10000, date="2024-10-01"),  # nobody earlier: no comparison
            _claim("u1", "US DoD", 8000, date="2024-10-10"),
            _claim("h1", "Ukraine HUR", 12000, date="2024-10-20"),
            _claim("n2", "South Korea NIS", 13000, date="2024-11-01"),  # above 8,000–12,000
            _claim("n3", "South Korea NIS", 9000, date="2024-11-02"),  # inside
            _claim("u2", "US DoD", 11000, date="2024-11-03"),
            _claim("n4", "South Korea NIS", 10000, date="2024-11-04"),  # below 11,000–12,000
        ]
    )
    record = grading.figure_record(graded, "South Korea NIS").set_index("measure")
    row = record.loc["troops_in_russia"]
    assert (row["claims"], row["above"], row["inside"], row["below"], row["no_comparison"]) == (4, 1, 1, 1, 1)
    assert grading.figure_record(graded, "Nobody").empty


def test_importers_grade_outside_datasets_f6_never_guessed(store, tmp_path):
    acled = tmp_path / "acled.csv"
    acled.write_text(
        "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,actor2,"
        "iso,country,admin1,location,latitude,longitude,geo_precision,source,notes,fatalities,timestamp\n"
        "UKR1,2024-11-05,2024,1,Political violence,Battles,Armed clash,Military Forces of Russia,"
        "Military Forces of Ukraine,804,Ukraine,Sumy,Sumy,50.9,34.8,1,Outlet,Clash.,3,1731000000\n",
        encoding="utf-8",
    )
    import_file(store, acled)
    events = store.current_events()
    assert events["claimant"].tolist() == [ACLED]
    assert (events["source_reliability"].tolist(), events["credibility"].tolist()) == (["F"], [6])
    graded = grading.with_grades(events, builtin_register())
    assert graded["grade"].tolist() == ["F6"]


def test_the_seed_log_is_graded_every_claim_from_the_register(store):
    seed_store(store)
    graded = grading.with_grades(store.current_events(), builtin_register())
    assert graded["grade"].str.fullmatch(r"[A-F][1-6]").all()
    hur_relayed = graded.loc[graded["claimant"] == "Ukrainian intelligence via Financial Times"]
    assert set(hur_relayed["originator"]) == {"Ukraine HUR"} and set(hur_relayed["grade_reliability"]) == {"C"}


def test_the_native_format_carries_grades_and_a_bad_grade_names_line_column_value(
    store, native_csv, record_data, tmp_path
):
    good = tmp_path / "graded.csv"
    good.write_text(
        native_csv(
            [
                record_data(event_id="G1", source_reliability="a", credibility="1"),
                record_data(event_id="G2"),  # no grade of its own: register and confidence
            ]
        ),
        encoding="utf-8",
    )
    report = import_file(store, good)
    assert report.written and report.new == 2
    graded = grading.with_grades(store.current_events(), builtin_register()).set_index("event_id")
    assert graded.at["G1", "grade"] == "A1" and graded.at["G2", "grade"] == "B2"

    bad = tmp_path / "bad.csv"
    bad.write_text(native_csv([record_data(event_id="G3", credibility="7")]), encoding="utf-8")
    before = store.revision_token()
    report = import_file(store, bad)
    assert not report.written and store.revision_token() == before
    (error,) = report.errors
    assert (error.line, error.column, str(error.value)) == (2, "credibility", "7")
    assert "less than or equal to 6" in error.rule
