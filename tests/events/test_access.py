"""Roles, the role map, the store's check before every write, and who did it (recorded_by)."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command

from dashboard.events import access, migrate
from dashboard.events.access import AccessDenied, Actor, Role, RoleMap, RoleMapError
from dashboard.events.importers import import_file
from dashboard.events.store import create_engine_for, open_store

VIEWER = Actor("vera@example.org", Role.VIEWER, signed_in=True)
ANALYST = Actor("ana@example.org", Role.ANALYST, signed_in=True)


# --- the policy -----------------------------------------------------------------------------------


def test_each_role_may_do_what_the_one_before_may_and_more():
    assert not VIEWER.may("import") and not VIEWER.may("retract")
    assert ANALYST.may("import") and ANALYST.may("revise") and ANALYST.may("retract")
    assert not ANALYST.may("restore")
    assert Actor("root", Role.ADMIN).may("restore")


def test_require_refuses_logs_and_names_the_rule(caplog):
    caplog.set_level(logging.WARNING, logger="conflict_monitor.access")
    with access.acting_as(VIEWER), pytest.raises(AccessDenied, match="viewer role and may not import.*analyst"):
        access.require("import")
    assert [r.getMessage() for r in caplog.records] == [
        "refused import by 'vera@example.org' (role viewer; needs analyst)"
    ]
    with pytest.raises(ValueError, match="unknown action"):
        access.require("drop everything")


def test_local_user_is_the_environment_or_the_os_user(monkeypatch):
    monkeypatch.setenv(access.USER_ENV, "  field-analyst ")
    assert access.local_actor() == Actor("field-analyst", Role.ADMIN)
    monkeypatch.delenv(access.USER_ENV)
    assert access.local_user()  # the OS login name, whatever it is here
    assert access.current_actor().name == access.local_user()  # no acting_as: the command line


@pytest.mark.parametrize(
    ("address", "allow", "expected"),
    [
        ("127.0.0.1", False, Role.ADMIN),
        ("localhost", False, Role.ADMIN),
        ("::1", False, Role.ADMIN),
        ("0.0.0.0", False, Role.VIEWER),
        ("::", False, Role.VIEWER),
        ("192.0.2.7", False, Role.VIEWER),
        ("", False, Role.VIEWER),  # Streamlit's default: every interface
        (None, False, Role.VIEWER),
        ("0.0.0.0", True, Role.ANALYST),
    ],
)
def test_anonymous_visitors_only_read_when_exposed(address, allow, expected):
    assert access.anonymous_actor(address, allow_writes=allow).role is expected


def test_role_map_by_email_and_group(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        'default = "viewer"\ngroups_claim = "roles"\n[users]\n"Ana@Example.org" = "analyst"\n'
        '[groups]\n"cm-admins" = "ADMIN"\n'
    )
    roles = access.load_role_map(path)
    assert roles.groups_claim == "roles"
    assert roles.role_for("ana@example.org") is Role.ANALYST  # emails match case-insensitively
    assert roles.role_for("ana@example.org", ["cm-admins"]) is Role.ADMIN  # the highest wins
    assert roles.role_for("someone@example.org", ["readers"]) is Role.VIEWER
    assert roles.role_for(None) is Role.VIEWER
    assert access.load_role_map(tmp_path / "missing.toml") == RoleMap()  # everyone a viewer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[users]\n"a@b.c" = "superuser"\n', r"roles.toml: \[users\] 'a@b.c': unknown role 'superuser'"),
        ("default = 'owner'\n", r"roles.toml: default: unknown role 'owner'"),
        ("[users\n", r"roles.toml: not valid TOML"),
        ("admins = ['a@b.c']\n", r"roles.toml: unknown key 'admins'"),
        ("users = 'a@b.c'\n", r"roles.toml: \[users\] must be a table"),
    ],
)
def test_bad_role_map_names_file_and_entry(tmp_path, text, message):
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(RoleMapError, match=message):
        access.load_role_map(path)


# --- the store's check ----------------------------------------------------------------------------


def test_viewer_import_is_refused_and_writes_nothing(store, native_csv, record_data, state, caplog):
    caplog.set_level(logging.WARNING, logger="conflict_monitor.access")
    data = native_csv([record_data(event_id="V1")]).encode()
    before = state(store)
    with access.acting_as(VIEWER), pytest.raises(AccessDenied):
        import_file(store, data=data, file_name="crafted.csv")
    assert state(store) == before
    assert any("refused import" in r.getMessage() for r in caplog.records)


def test_viewer_cannot_revise_or_retract(store, make_record, state):
    with access.acting_as(ANALYST):
        store.append([make_record(event_id="R1")])
    before = state(store)
    with access.acting_as(VIEWER):
        with pytest.raises(AccessDenied, match="may not revise"):
            store.revise("R1", {"figure_best": 1}, reason="crafted")
        with pytest.raises(AccessDenied, match="may not retract"):
            store.retract("R1", reason="crafted")
    assert state(store) == before


def test_every_write_records_who_made_it(store, native_csv, record_data, make_record):
    data = native_csv([record_data(event_id="W1"), record_data(event_id="W2")]).encode()
    with access.acting_as(ANALYST):
        report = import_file(store, data=data, file_name="ana.csv")
    assert report.written
    assert store.batches().iloc[0]["recorded_by"] == "ana@example.org"
    boss = Actor("boss@example.org", Role.ADMIN, signed_in=True)
    with access.acting_as(boss):
        store.revise("W1", {"figure_best": 11500}, reason="typo")
        store.retract("W2", reason="withdrawn")
    assert list(store.history("W1")["recorded_by"]) == ["ana@example.org", "boss@example.org"]
    assert list(store.history("W2")["recorded_by"]) == ["ana@example.org", "boss@example.org"]


# --- the migration ---------------------------------------------------------------------------------


def test_a_0001_database_upgrades_with_its_data(make_url, native_csv, record_data, monkeypatch):
    url = make_url("old")
    engine = create_engine_for(url)
    config = migrate.alembic_config()
    with engine.connect().execution_options(write=True) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
    now = dt.datetime(2025, 1, 2, 3, 4, 5)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO import_batches (file_name, sha256, format, origin, rows_read, rows_accepted, "
                "rows_rejected, rows_new, rows_revised, rows_unchanged, started_at, finished_at) "
                "VALUES ('old.csv', :sha, 'native', 'file', 1, 1, 0, 1, 0, 0, :now, :now)"
            ),
            {"sha": "0" * 64, "now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO events (event_id, event_date, category, actor, claimant, sources, revision, "
                "recorded_at, retracted, content_hash, batch_id) VALUES ('OLD1', :day, 'deployment', "
                "'North Korea', 'South Korea NIS', '[]', 1, :now, :false, :hash, 1)"
            ),
            {"day": dt.date(2024, 11, 5), "now": now, "false": False, "hash": "1" * 64},
        )
        conn.execute(
            sa.text(
                "INSERT INTO event_heads (event_id, revision, content_hash, retracted) "
                "VALUES ('OLD1', 1, :hash, :false)"
            ),
            {"hash": "1" * 64, "false": False},
        )
    engine.dispose()

    monkeypatch.setenv(access.USER_ENV, "after-upgrade")
    store = open_store(url, seed=False)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        assert list(store.current_events()["event_id"]) == ["OLD1"]
        old = store.history("OLD1")
        assert old["recorded_by"].isna().all()  # nobody recorded who wrote it then
        assert old.iloc[0]["recorded_at"] == now
        report = import_file(store, data=native_csv([record_data(event_id="NEW1")]).encode(), file_name="new.csv")
        assert report.written
        batches = store.batches()
        assert list(batches["file_name"]) == ["new.csv", "old.csv"]
        assert batches.iloc[0]["recorded_by"] == "after-upgrade" and pd.isna(batches.iloc[1]["recorded_by"])
    finally:
        store.engine.dispose()
