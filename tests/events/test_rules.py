"""One rule source: every record rule of the schema has a column-wise twin of the same name, and they agree."""

from __future__ import annotations

import pytest

from dashboard.events import schema
from dashboard.events.importers import validate

# A record that breaks exactly one rule, for every rule the schema defines (a new rule needs an example here).
BREAKS = {
    "date_order": {"event_date_end": "2024-11-01"},
    "figure_order": {"figure_low": 12000, "figure_best": 11000},
    "figure_unit": {"unit": None},
    "coordinate_pair": {"longitude": None, "geo_precision": 3},
    "no_null_island": {
        "latitude": 0.0,
        "longitude": 0.0,
        "admin1_code": None,
        "admin1_name": None,
        "country_code": None,
    },
    "precision_needs_point": {"latitude": None, "longitude": None, "geo_precision": 1},
    "admin1_in_country": {"country_code": "UKR"},
}


def test_every_record_rule_has_a_column_rule_of_the_same_name():
    assert set(validate.COLUMN_RULES) == set(schema.RECORD_RULES)


def test_every_record_rule_has_an_example_here():
    assert set(BREAKS) == set(schema.RECORD_RULES)


@pytest.mark.parametrize("rule", sorted(schema.RECORD_RULES))
def test_both_sides_refuse_a_record_that_breaks_the_rule(rule, record_data):
    data = {k: v for k, v in record_data(event_id="R1").items()} | BREAKS[rule]
    data = {k: v for k, v in data.items() if v is not None}
    errors = schema.validate_record(data)
    assert isinstance(errors, list) and len(errors) == 1, errors
    with pytest.raises(schema.RuleError):  # the named rule itself is the one that refuses it
        schema.RECORD_RULES[rule](schema.EventRecord.model_construct(**_constructed(data)))
    assert validate.validate_mapped([data]) is None
    good = validate.validate_mapped([record_data(event_id="R2")])
    assert good is not None and all(holds(good) for holds in validate.COLUMN_RULES.values())
    assert validate.validate_mapped([record_data(event_id="R2"), data | {"event_id": "R3"}]) is None


def _constructed(data: dict) -> dict:
    """Field values as the model holds them, for calling one rule on its own."""
    values = {name: info.default for name, info in schema.EventRecord.model_fields.items() if not info.is_required()}
    values |= data
    for name in schema.DATE_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = schema.field_adapter(name).validate_python(values[name])
    return values
