"""The wheel is the product: build it, install it into a fresh virtual environment, use it from elsewhere.

The wheel is built from a copy of what it is made of (pyproject.toml, README.md, dashboard/, data/), so
the checkout is not written to. The venv sees this interpreter's site-packages for the dependencies
(``--system-site-packages``; installing them again would take minutes) but gets the wheel itself with
``--no-deps --ignore-installed``, and the test checks that ``dashboard`` is imported from the venv, not
from the checkout or the editable install. Every command runs in an empty temporary folder, with the user
data folder under tmp and no ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from server_support import free_port, get, stop, wait_healthy

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
NATIVE_CSV = REPO / "tests" / "fixtures" / "native" / "events.csv"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

pytestmark = pytest.mark.slow


def _build_isolation_needed() -> bool:
    """Whether this interpreter's setuptools is too old for pyproject's build requirement (then pip fetches one)."""
    requirement = Requirement(PROJECT["build-system"]["requires"][0])
    try:
        return importlib.metadata.version(requirement.name) not in requirement.specifier
    except importlib.metadata.PackageNotFoundError:
        return True


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "*.sqlite", "*.sqlite-*", "cache", "*.rejects.csv")
    for name in ("dashboard", "data"):
        shutil.copytree(REPO / name, source / name, ignore=skip)
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)]
    if not _build_isolation_needed():
        command.insert(4, "--no-build-isolation")  # offline: this interpreter's setuptools will do
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = dist.glob("conflict_monitor-*.whl")
    return built


def test_the_wheel_holds_what_the_program_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "dashboard/app.py",
        "dashboard/app_pages/overview.py",
        "dashboard/assets/icon.png",
        "dashboard/events/migrations/env.py",
        "dashboard/events/migrations/script.py.mako",
        "dashboard/events/migrations/versions/0001_initial_event_log.py",
        "dashboard/resources/__init__.py",
        "dashboard/resources/seed/events.csv",
        "dashboard/resources/boundaries/admin1.parquet",
        "dashboard/resources/boundaries/gazetteer.csv",
    ):
        assert name in names
    # Tests, benchmarks and databases stay out; data/ is only there as dashboard/resources.
    assert not [n for n in names if n.startswith(("tests/", "data/", "bench/")) or n.endswith(".sqlite")]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A venv with the wheel installed: its bin folder, an empty working folder and the environment to run in."""
    venv = tmp_path_factory.mktemp("venv")
    # Without pip of its own (seeding one costs ~10 s): this interpreter's pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            wheel,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    work = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CONFLICT_MONITOR_DB", "VIRTUAL_ENV")}
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("user-data"))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {"venv": venv, "work": work, "env": env}


def run(installed, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [installed["venv"] / "bin" / "conflict-monitor", *args],
        cwd=installed["work"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_dashboard_is_imported_from_the_venv(installed):
    done = subprocess.run(
        [installed["venv"] / "bin" / "python", "-c", "import dashboard, sys; print(dashboard.__file__)"],
        cwd=installed["work"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed["venv"])


@pytest.fixture(scope="module")
def served(installed, tmp_path_factory) -> Path:
    """The dashboard started headless from the empty folder, as an analyst's first start; its log file.

    It runs on the default database, which the first start creates in the user data folder and fills
    with the packaged seed log.
    """
    tmp_path = tmp_path_factory.mktemp("served")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **installed["env"],
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
        # Runs the app's script (router, sidebar, default page) once on request and reports an exception.
        "STREAMLIT_SERVER_SCRIPT_HEALTH_CHECK_ENABLED": "true",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [installed["venv"] / "bin" / "conflict-monitor", "serve", "--port", str(port)],
            cwd=installed["work"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(base, server, log)
        assert get(f"{base}/_stcore/script-health-check", timeout=120) == (200, "ok"), log.read_text()
        if CHROMIUM.exists() or os.environ.get("CI") == "true":
            # In a thread of its own: Playwright's sync API refuses to start inside another one's event
            # loop, such as the e2e suite's browser when the whole suite runs in one session.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(_assert_overview_renders, base).result()
    finally:
        stop(server)
    return log


def test_dashboard_starts_headless_from_another_folder(installed, served):
    assert "Traceback" not in served.read_text(errors="replace"), served.read_text(errors="replace")
    assert list(installed["work"].iterdir()) == []  # no .streamlit/, no database: nothing written there


def test_cli_from_another_folder(installed, served):
    version = run(installed, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"conflict-monitor {PROJECT['project']['version']}"

    # The dashboard's first start created the database in the user data folder, with the packaged seed log.
    stats = run(installed, "stats")
    assert stats.returncode == 0, stats.stderr
    database = Path(installed["env"]["XDG_DATA_HOME"]) / "conflict-monitor" / "conflict_monitor.sqlite"
    assert stats.stdout.splitlines()[0] == f"database: sqlite:///{database}"
    assert database.is_file()
    seeded = int(stats.stdout.splitlines()[1].split()[1])
    assert seeded > 100

    exported = run(installed, "export", "--format", "csv", "--out", "all.csv")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"{seeded} events written to all.csv"
    assert (installed["work"] / "all.csv").read_text(encoding="utf-8").startswith("event_id,")

    shutil.copy(NATIVE_CSV, installed["work"] / "new.csv")
    imported = run(installed, "import", "new.csv", "--no-progress")
    assert imported.returncode == 0, imported.stderr
    assert "4 new, 0 revised, 0 unchanged" in imported.stdout
    assert f"events: {seeded + 4} " in run(installed, "stats").stdout

    checked = run(installed, "doctor", "--host", "127.0.0.1")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    package_data = installed["venv"] / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert f"{package_data}/site-packages/dashboard/resources (package dashboard.resources)" in checked.stdout
    assert f"sqlite:///{database} (from user data folder)" in checked.stdout
    # Nothing was written where the program runs except what was asked for.
    assert sorted(p.name for p in installed["work"].iterdir()) == ["all.csv", "new.csv"]


def _assert_overview_renders(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base, wait_until="domcontentloaded")
            expect(page.locator(IDLE)).to_be_attached(timeout=90_000)
            expect(page.get_by_role("heading", name="Overview").first).to_be_visible(timeout=30_000)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        finally:
            browser.close()
