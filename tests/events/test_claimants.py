"""The claimant register: every seed claimant registered, relays resolved to originators, bad register
files refused with file/line/column/value/rule, and the register in the store on both back ends."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command

from dashboard.events import claimants, migrate, register_store, schema
from dashboard.events.claimants import RegisterError, builtin_register, read_register
from dashboard.events.importers import seed_path, seed_store
from dashboard.events.locations import data_file
from dashboard.events.store import open_store

HEADER = ",".join(claimants.CLAIMANT_COLUMNS)
GOOD_ROW = 'Test ministry,,government,UKR,party,C,"A party\'s ministry.",'


def _register_files(tmp_path: Path, rows: list[str], relays: list[str] = ()) -> tuple[Path, Path]:
    path = tmp_path / "claimants.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    relay_path = tmp_path / "relays.csv"
    relay_path.write_text("\n".join(["claimant,originator,relayed_by", *relays]) + "\n", encoding="utf-8")
    return path, relay_path


def test_every_claimant_in_the_seed_log_is_registered_with_a_rationale():
    register = builtin_register()
    seed = pd.read_csv(seed_path(), dtype=str)
    unresolved = [c for c in sorted(seed["claimant"].unique()) if not register.resolve(c).registered]
    assert unresolved == []
    for text in seed["claimant"].unique():
        attribution = register.resolve(text)
        originator = register.claimants[attribution.originator]
        assert originator.rationale.strip() and originator.reliability in schema.RELIABILITY_LEVELS
        assert all(outlet in register.claimants for outlet in attribution.relayed_by)


def test_the_register_files_are_the_ones_the_package_ships():
    assert data_file("claimants", "claimants.csv").is_file()
    with data_file("claimants", "claimants.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert tuple(header) == claimants.CLAIMANT_COLUMNS


@pytest.mark.parametrize(
    "text, originator, relays",
    [
        ("Ukrainian intelligence via Financial Times", "Ukraine HUR", ("Financial Times",)),
        ("Ukraine HUR (assessment seen by CNN)", "Ukraine HUR", ("CNN",)),
        ("TASS / KCNA (via AP)", "DPRK KCNA", ("TASS", "Associated Press")),
        ("Ukraine HUR", "Ukraine HUR", ()),
        ("GUR", "Ukraine HUR", ()),  # an alias
        ("  south korea   nis ", "South Korea NIS", ()),  # spacing and case do not make another claimant
        ("Ukraine HUR via BBC", "Ukraine HUR", ("BBC",)),  # "X via Y" resolved without a relays row
    ],
)
def test_relays_and_aliases_resolve_to_the_originator(text, originator, relays):
    attribution = builtin_register().resolve(text)
    assert (attribution.originator, attribution.relayed_by, attribution.registered) == (originator, relays, True)
    assert attribution.claimant == text  # the claim's own words are kept


def test_an_unknown_claimant_is_its_own_unregistered_originator_graded_f():
    register = builtin_register()
    attribution = register.resolve("Somebody on a forum")
    assert (attribution.originator, attribution.registered) == ("Somebody on a forum", False)
    assert register.reliability_of(attribution.originator) == "F"


@pytest.mark.parametrize(
    "row, column, rule",
    [
        ('Test ministry,,government,UKR,party,G,"Why.",', "reliability", "A-F"),
        ('Test ministry,,ministry,UKR,party,C,"Why.",', "kind", "must be one of"),
        ('Test ministry,,government,UKR,friend,C,"Why.",', "relation", "must be one of"),
        ('Test ministry,,government,XXX,party,C,"Why.",', "country", "ISO 3166-1"),
        ("Test ministry,,government,UKR,party,C,,", "rationale", "rationale"),
        ('Test ministry,,government,UKR,party,C,"Why.",javascript:alert(1)', "rationale_url", "http(s)"),
    ],
)
def test_a_bad_register_row_is_refused_naming_file_line_column_value_and_rule(tmp_path, row, column, rule):
    path, relays = _register_files(tmp_path, [GOOD_ROW.replace("Test ministry", "Other"), row])
    with pytest.raises(RegisterError) as caught:
        read_register(path, relays)
    message = str(caught.value)
    assert message.startswith("claimants.csv:3 ") and f"column {column!r}" in message and rule in message


def test_an_alias_may_name_one_claimant_only(tmp_path):
    path, relays = _register_files(
        tmp_path, [GOOD_ROW.replace(",,", ",MoD,", 1), GOOD_ROW.replace("Test ministry,,", "Other ministry,MoD,")]
    )
    with pytest.raises(RegisterError, match="'MoD'.*already belongs to 'Test ministry'"):
        read_register(path, relays)


def test_a_relay_must_name_registered_claimants(tmp_path):
    path, relays = _register_files(tmp_path, [GOOD_ROW], ["Ministry via Nobody,Test ministry,Nobody"])
    with pytest.raises(RegisterError, match=r"relays.csv:2 column 'relayed_by' \(value: 'Nobody'\)"):
        read_register(path, relays)


# --- the register in the store ----------------------------------------------------------------------


def test_seeding_loads_the_register_and_an_edit_survives_seeding_again(store):
    assert register_store.load_register(store) is builtin_register()  # a store never seeded reads the built-in one
    seed_store(store)
    stored = register_store.load_register(store)
    assert stored.claimants == builtin_register().claimants and stored.relays == builtin_register().relays
    register_store.set_claimant(store, "GUR", {"reliability": "b", "rationale": "Checked against later releases."})
    seed_store(store)  # idempotent: the edit is kept
    hur = register_store.load_register(store).claimants["Ukraine HUR"]
    assert (hur.reliability, hur.rationale, hur.kind) == (
        "B",
        "Checked against later releases.",
        "intelligence_service",
    )


def test_setting_a_claimant_on_an_unseeded_store_writes_the_whole_register(store):
    token = register_store.register_token(store)
    register_store.set_claimant(
        store,
        "New outlet",
        {"kind": "independent_media", "relation": "third_party", "reliability": "C", "rationale": "New."},
    )
    register = register_store.load_register(store)
    assert register.claimants["New outlet"].reliability == "C"
    assert len(register.claimants) == len(builtin_register().claimants) + 1
    assert register.resolve("Ukrainian intelligence via Financial Times").originator == "Ukraine HUR"
    assert register_store.register_token(store) != token


def test_a_bad_edit_writes_nothing(store):
    seed_store(store)
    before = register_store.load_register(store)
    with pytest.raises(RegisterError, match="column 'reliability' .*'Z'"):
        register_store.set_claimant(store, "Ukraine HUR", {"reliability": "Z"})
    with pytest.raises(RegisterError, match="already belongs to 'South Korea NIS'"):
        register_store.set_claimant(store, "Ukraine HUR", {"aliases": "GUR; National Intelligence Service"})
    assert register_store.load_register(store).claimants == before.claimants


def test_a_database_at_0002_recorded_by_upgrades_with_its_data_intact(make_store, make_record):
    store = make_store()
    store.append([make_record(event_id=f"M{i}") for i in range(3)])
    store.retract("M2", "test")
    before = store.current_events().drop(columns=["source_reliability", "credibility"])
    token = store.revision_token()
    config = migrate.alembic_config()
    with store.engine.connect().execution_options(write=True) as conn:  # back to the schema before grades
        config.attributes["connection"] = conn
        command.downgrade(config, "0002_recorded_by")
        conn.commit()
    inspector = sa.inspect(store.engine)
    assert "claimants" not in inspector.get_table_names()
    assert "credibility" not in {c["name"] for c in inspector.get_columns("events")}
    url = store.engine.url.render_as_string(hide_password=False)
    store.engine.dispose()

    reopened = open_store(url, seed=False)
    try:
        assert migrate.current_revision(reopened.engine) == migrate.head_revision()
        after = reopened.current_events()
        assert after["source_reliability"].isna().all() and after["credibility"].isna().all()
        pd.testing.assert_frame_equal(after.drop(columns=["source_reliability", "credibility"]), before)
        assert reopened.revision_token() == token
        # The digests written before the columns existed still match: the same records are unchanged.
        result, _ = reopened.append([make_record(event_id=f"M{i}") for i in range(2)])
        assert (result.new, result.revised, result.unchanged) == (0, 0, 2)
        # A grade given later is a revision of the claim.
        result, _ = reopened.append([make_record(event_id="M0", credibility=1, source_reliability="A")])
        assert result.revised == 1
        graded = reopened.current_events().set_index("event_id")
        assert (graded.at["M0", "source_reliability"], graded.at["M0", "credibility"]) == ("A", 1)
    finally:
        reopened.engine.dispose()
