"""What the wheel is made of, the lock file, and the set-up commands README and CI share.

Fast checks on the checkout; ``tests/test_wheel.py`` builds and runs the wheel itself.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import os
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dashboard.events import geo, locations
from dashboard.events.importers import seed_path

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PROJECT["tool"]["setuptools"]
LOCK = REPO / "requirements.lock"
LOCK_COMMAND = (
    "uv pip compile pyproject.toml --extra test --extra postgres --generate-hashes --python-version 3.11 "
    "--python-platform x86_64-manylinux_2_28 -o requirements.lock"
)


# --- the wheel's contents ----------------------------------------------------------------------------


def test_every_folder_of_python_files_is_a_listed_package():
    found = {
        ".".join(folder.relative_to(REPO).parts)
        for folder in (REPO / "dashboard").rglob("*")
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
    } | {"dashboard", "dashboard.assets"}
    listed = set(SETUPTOOLS["packages"])
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml, or the wheel lacks them"
    assert listed - found == {
        "dashboard.resources",
        "dashboard.resources.boundaries",
        "dashboard.resources.claimants",
        "dashboard.resources.seed",
    }


def test_data_folder_is_the_resources_package():
    assert SETUPTOOLS["package-dir"] == {
        "dashboard.resources": "data",
        "dashboard.resources.boundaries": "data/boundaries",
        "dashboard.resources.claimants": "data/claimants",
        "dashboard.resources.seed": "data/seed",
    }
    assert (REPO / "data" / "__init__.py").is_file()  # an editable install finds a mapped folder only with one


def test_package_data_covers_every_file_the_program_reads(monkeypatch):
    monkeypatch.delenv(geo.BOUNDARIES_ENV, raising=False)
    root = locations.data_dir()
    for path in (seed_path(), geo.boundaries_path(), geo.gazetteer_path()):
        package = ".".join(["dashboard.resources", *path.parent.relative_to(root).parts])
        globs = SETUPTOOLS["package-data"].get(package, [])
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in globs), (package, path.name)


def test_package_data_globs_all_match_files():
    for package, globs in SETUPTOOLS["package-data"].items():
        folder = REPO / SETUPTOOLS["package-dir"].get(package, package.replace(".", "/"))
        for pattern in globs:
            assert list(folder.glob(pattern)), f"{package}: {pattern} matches nothing"


# --- the lock file -------------------------------------------------------------------------------------


def lock_pins() -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, hashes)} from requirements.lock."""
    pins: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)", block)
        if match:
            name = canonicalize_name(match[1].split("[")[0])
            pins[name] = (match[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


def test_lock_was_made_by_the_documented_command():
    assert LOCK_COMMAND in LOCK.read_text(encoding="utf-8").splitlines()[1]
    assert LOCK_COMMAND in " ".join((REPO / "README.md").read_text(encoding="utf-8").split())


def test_lock_pins_every_dependency_within_its_range_with_hashes():
    pins = lock_pins()
    assert len(pins) > 40  # transitive dependencies too, not only the direct ones
    wanted = [*PROJECT["project"]["dependencies"]]
    for extra in ("test", "postgres"):
        wanted += PROJECT["project"]["optional-dependencies"][extra]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `{LOCK_COMMAND}`"
        assert pins[name][0] in requirement.specifier, f"{name}=={pins[name][0]} is outside {requirement}"
    assert all(hashes for _, hashes in pins.values())


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="a developer's environment may hold other versions")
def test_ci_runs_the_locked_versions():
    pins = lock_pins()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    assert {name: installed.get(name) for name in pins} == {name: version for name, (version, _) in pins.items()}


# --- README and CI -----------------------------------------------------------------------------------


def set_up_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)]


def test_readme_has_exactly_two_set_up_commands_and_ci_runs_the_test_command():
    run, test = set_up_commands()
    assert "\n" not in run and run.endswith("conflict-monitor")
    assert "\n" not in test and test.endswith("python -m pytest") and "requirements.lock" in test
    ci_commands = [
        line.strip() for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    assert ci_commands[-1] == test
