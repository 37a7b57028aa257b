"""``conflict-monitor --version`` and ``conflict-monitor doctor``."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard import cli, doctor
from dashboard.events import locations, migrate
from dashboard.events.store import open_store


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def lines(out: str) -> dict[str, str]:
    """doctor's output as {label: text}."""
    found = {}
    for line in out.splitlines():
        label, _, text = line.partition(":")
        found[label] = text.strip()
    return found


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"conflict-monitor {importlib.metadata.version('conflict-monitor')}"


def test_doctor_reports_versions_database_revision_and_data(capsys, make_url):
    url = make_url("doctor")
    open_store(url, seed=False).engine.dispose()
    code, out, _ = run(capsys, "--db", url, "doctor", "--host", "127.0.0.1")
    found = lines(out)
    assert code == 0, out
    assert found["streamlit"] == importlib.metadata.version("streamlit")
    assert found["sqlalchemy"] == importlib.metadata.version("sqlalchemy")
    assert found["database"] == f"{sa.make_url(url).render_as_string(hide_password=True)} (from --db)"
    assert found["schema revision"] == f"{migrate.head_revision()} (the newest)"
    assert found["data files"].startswith(str(locations.data_dir()))
    assert found["seed log"].startswith(str(locations.data_file("seed", "events.csv")))
    assert found["exposure"] == "binds to 127.0.0.1: this machine only"


@pytest.mark.sqlite_only
def test_doctor_writes_nothing(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'not-yet.sqlite'}"
    code, out, _ = run(capsys, "--db", url, "doctor")
    assert code == 0
    assert (
        lines(out)["schema revision"] == f"none yet: the first start creates it at revision {migrate.head_revision()}"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite_only
def test_doctor_flags_an_old_schema_and_an_unreadable_database(capsys, tmp_path):
    old = tmp_path / "old.sqlite"
    engine = sa.create_engine(f"sqlite:///{old}")
    with engine.begin() as conn:  # a database that never ran a migration
        conn.exec_driver_sql("CREATE TABLE something (x)")
    engine.dispose()
    code, out, _ = run(capsys, "--db", f"sqlite:///{old}", "doctor")
    assert code == 0 and lines(out)["schema revision"].startswith(
        f"warning: none; the newest is {migrate.head_revision()}"
    )

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("not a database\n" * 100)
    code, out, _ = run(capsys, "--db", f"sqlite:///{garbage}", "doctor")
    assert code == 1 and lines(out)["schema revision"].startswith("PROBLEM: cannot read the database")


def test_doctor_names_a_missing_data_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CONFLICT_MONITOR_BOUNDARIES", str(tmp_path / "gone.geojson"))
    code, out, _ = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "doctor")
    assert code == 1
    assert lines(out)["boundaries"] == f"PROBLEM: {tmp_path / 'gone.geojson'} is missing"


def test_doctor_gives_the_chromium_hint(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(doctor, "chromium_path", lambda: None)
    code, out, _ = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "doctor")
    assert code == 0  # only image export needs it
    assert lines(out)["chromium"] == f"warning: not found: {doctor.CHROMIUM_HINT}"
    monkeypatch.setattr(doctor, "chromium_path", lambda: "/opt/chrome/chrome")
    _, out, _ = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "doctor")
    assert lines(out)["chromium"] == "/opt/chrome/chrome (PNG/SVG export)"


def test_chromium_is_found_as_kaleido_finds_it(monkeypatch, tmp_path):
    browser = tmp_path / "my-chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(browser))
    assert doctor.chromium_path() == str(browser)


@pytest.mark.parametrize(
    ("host", "public"),
    [(None, True), ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("dash.example.org", True),
     ("127.0.0.1", False), ("127.0.1.1", False), ("::1", False), ("localhost", False)],
)  # fmt: skip
def test_public_addresses(host, public):
    assert doctor.is_public(host) is public


def test_exposure_without_and_with_sign_in(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    _, out, _ = run(capsys, "--db", db, "doctor", "--host", "0.0.0.0")
    assert lines(out)["exposure"].startswith("warning: binds to 0.0.0.0 WITHOUT sign-in")
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('[auth]\nredirect_uri = "https://dash.example.org/oauth2callback"\n')
    _, out, _ = run(capsys, "--db", db, "doctor", "--host", "0.0.0.0")
    assert lines(out)["exposure"] == "binds to 0.0.0.0, with sign-in ([auth] in secrets.toml)"


def test_doctor_runs_from_any_folder(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "doctor", "--host", "localhost")
    assert code == 0, out
    assert Path(lines(out)["seed log"].split(" (")[0]).is_file()
