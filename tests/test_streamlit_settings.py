"""The dashboard's Streamlit settings travel with the package: ``serve`` passes them as flags.

The checkout's ``.streamlit/config.toml`` says the same (a plain ``streamlit run`` from the checkout
reads it), and a server started by :func:`streamlit_command` from a folder without ``.streamlit/``
runs with every setting applied.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from server_support import free_port, get, stop, wait_healthy

from dashboard.streamlit_settings import APP, SETTINGS, streamlit_command, streamlit_flags

REPO = Path(__file__).resolve().parents[1]


def test_config_toml_says_what_the_package_passes():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flat = {f"{section}.{key}": value for section, options in config.items() for key, value in options.items()}
    assert flat == SETTINGS


def test_every_setting_is_a_streamlit_option():
    from streamlit import config

    unknown = [key for key in SETTINGS if key not in config._config_options_template]
    assert unknown == []  # `streamlit run` refuses an unknown flag, so serve would not start


def test_flags_spell_values_as_streamlit_reads_them():
    flags = streamlit_flags(
        {"server.enableXsrfProtection": True, "server.maxUploadSize": 200, "theme.font": "sans serif"}
    )
    assert flags == ["--server.enableXsrfProtection=true", "--server.maxUploadSize=200", "--theme.font=sans serif"]


def test_command_serves_the_packaged_app_with_every_setting():
    command = streamlit_command(8600)
    assert command[1:4] == ["-m", "dashboard.server", "run"]
    assert Path(command[4]) == APP and APP.is_file()
    assert command[5:7] == ["--server.port", "8600"]
    assert command[7:] == streamlit_flags()


PROBE = """
import json, os
import streamlit as st
from dashboard.streamlit_settings import SETTINGS

with open(os.environ["PROBE_OUT"], "w", encoding="utf-8") as out:
    json.dump({key: st.get_option(key) for key in SETTINGS}, out)
"""


@pytest.mark.slow
def test_settings_apply_when_started_from_a_folder_without_streamlit_config(tmp_path):
    """A probe app served by the same command reports the options the server runs with."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp_path / "options.json"
    port = free_port()
    env = {
        **os.environ,
        "PROBE_OUT": str(out),
        # The script health check runs the app's script once on request: the probe, here.
        "STREAMLIT_SERVER_SCRIPT_HEALTH_CHECK_ENABLED": "true",
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
        "HOME": str(tmp_path),  # no ~/.streamlit/config.toml either
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            streamlit_command(port, folder / "probe.py"),
            cwd=folder,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server, log, timeout_s=60)
        assert get(f"{base}/_stcore/script-health-check", timeout=60) == (200, "ok"), log.read_text()
    finally:
        stop(server)
    assert not (folder / ".streamlit").exists()
    assert json.loads(out.read_text(encoding="utf-8")) == SETTINGS


def test_serve_starts_the_packaged_command_on_the_resolved_database(monkeypatch, tmp_path):
    from dashboard import cli

    calls = []

    class OpenedStore:
        engine = type("Engine", (), {"dispose": staticmethod(lambda: None)})

        def is_empty(self) -> bool:
            return False

    def fake_open_store(url):
        calls.append(("open", url))
        return OpenedStore()

    folder = tmp_path / "admin"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setattr(cli, "open_store", fake_open_store)
    monkeypatch.setattr(cli.os, "execvpe", lambda file, command, env: calls.append((command, env)))
    monkeypatch.setenv("CONFLICT_MONITOR_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    url = f"sqlite:///{tmp_path / 'given.sqlite'}"
    assert cli.main(["serve", "--port", "8612", "--db", url]) == 0
    (_, opened), (command, env) = calls
    assert opened == url
    assert command == streamlit_command(8612)
    # The server gets the database this process chose, and runs in the caller's folder (no cwd change).
    assert env["CONFLICT_MONITOR_DB"] == url and Path.cwd() == folder
