"""The claim form derived from the schema (``dashboard.events.desk``): fields, groups, problems in words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import pydantic

from dashboard.events import desk, schema


def test_every_schema_field_is_on_the_form_once_or_set_by_the_desk():
    placed = [f.name for _, _, fields in desk.form_groups() for f in fields]
    assert len(placed) == len(set(placed))
    assert set(placed) | set(desk.NOT_ON_FORM) == set(schema.FIELD_NAMES)
    groups = {key: [f.name for f in fields] for key, _, fields in desk.form_groups()}
    assert groups["who"] == ["claimant", "actor", "counterpart"]
    assert groups["how_many"] == ["unit", "figure_low", "figure_best", "figure_high"]
    kinds = {f.name: f.kind for _, _, fields in desk.form_groups() for f in fields}
    assert kinds["category"] == kinds["confidence"] == kinds["geo_precision"] == "choice"
    assert kinds["event_date"] == "date" and kinds["figure_best"] == "number" and kinds["description"] == "long_text"
    assert desk.form_field("category").required and not desk.form_field("counterpart").required
    assert desk.form_field("confidence").default == "medium"


def test_a_field_added_to_the_schema_later_appears_on_the_form(monkeypatch):
    """Another issue adds grade fields: they must show without editing the page or this module."""

    class Graded(schema.EventRecord):
        source_reliability: Literal["A", "B", "C", "D", "E", "F"] | None = pydantic.Field(
            None, description="How reliable the source has been (A reliable … F cannot be judged)."
        )
        assessed_on: dt.date | None = pydantic.Field(None, description="When it was graded.")

    monkeypatch.setattr(schema, "EventRecord", Graded)
    monkeypatch.setattr(schema, "FIELD_NAMES", tuple(Graded.model_fields))
    groups = dict((key, fields) for key, _, fields in desk.form_groups())
    assert [(f.name, f.kind) for f in groups["more"]] == [("assessed_on", "date")]
    # The grade fields issue 18 added sit with confidence ("How sure"), choices from the schema.
    sure = {f.name: f for f in groups["confidence"]}
    assert sure["source_reliability"].choices == ("A", "B", "C", "D", "E", "F") and sure["credibility"].kind == "choice"
    assert "reliable" in sure["source_reliability"].help


def test_problems_go_to_their_fields_in_plain_words(record_data):
    data = desk.claim_data(
        "N1",
        record_data(
            category="", claimant=" ", figure_best=-1, sources=[{"outlet": "X", "date": None, "url": "ftp://x"}]
        ),
    )
    assert "category" not in data and "claimant" not in data  # left out: "required", not "not one of"
    errors = schema.validate_record(data)
    problems = desk.field_problems(errors)
    assert problems["category"] == ["This is required."] and problems["claimant"] == ["This is required."]
    assert problems["figure_best"] == ["Must be 0 or more."]
    assert problems["sources"] == ["Source 1, Link (http/https): Must be an http(s) URL."]


def test_form_values_round_trip_a_stored_claim(store, make_record):
    store.append([make_record(event_id="R1", counterpart=None)])
    row = store.current_fields(["R1"], list(schema.FIELD_NAMES)).iloc[0].to_dict()
    values = desk.form_values(row)
    assert values["event_date"] == dt.date(2024, 11, 5) and values["counterpart"] is None
    assert values["sources"][0]["outlet"] == "Yonhap" and values["geo_precision"] == 1
    again = schema.validate_record(desk.claim_data("R1", values, origin=values["origin"]))
    assert isinstance(again, schema.EventRecord)
    assert again == schema.validate_record({**row, "sources": values["sources"]})


def test_measure_note_names_what_the_figures_count():
    values = {"category": "deployment", "subcategory": "in_kursk", "unit": "troops", "actor": "North Korea"}
    assert (
        desk.measure_note(values) == "No figure: the claim is listed on every page, but no chart of figures plots it."
    )
    assert "“DPRK troops in Kursk oblast”: in place at the date of the claim." in desk.measure_note(
        {**values, "figure_best": 1000.0}
    )
    assert "answer none of the dashboard's measures" in desk.measure_note({**values, "unit": "shells", "figure_low": 1})


def test_new_ids_are_valid_event_ids_and_differ():
    ids = {desk.new_event_id(dt.date(2026, 11, 30)) for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("desk-20261130-") for i in ids)
    assert all(re.fullmatch(schema.EVENT_ID_PATTERN.strip("^$"), i) for i in ids)
