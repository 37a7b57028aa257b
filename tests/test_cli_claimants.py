"""``conflict-monitor claimants list|show|set`` and the grade options of ``export``."""

from __future__ import annotations

import csv
import io

from dashboard import cli
from dashboard.events import register_store
from dashboard.events.importers import seed_store
from dashboard.events.store import open_store


def _run(capsys, url: str, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_show_and_set(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    seed_store(open_store(url))
    code, out, _ = _run(capsys, url, "claimants", "list")
    assert code == 0 and "Ukraine HUR" in out and "intelligence_service" in out
    code, out, _ = _run(capsys, url, "claimants", "show", "Ukrainian intelligence via Financial Times")
    assert code == 0 and "name: Ukraine HUR" in out and "reliability: C" in out
    assert "relayed as: Ukraine HUR (assessment seen by CNN); Ukrainian intelligence via Financial Times" in out
    code, out, _ = _run(capsys, url, "claimants", "set", "GUR", "--reliability", "b", "--rationale", "Checked.")
    assert code == 0 and out.startswith("Ukraine HUR: reliability B")
    assert register_store.load_register(open_store(url)).claimants["Ukraine HUR"].rationale == "Checked."


def test_a_bad_value_is_refused_by_name_and_writes_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    seed_store(open_store(url))
    code, _, err = _run(capsys, url, "claimants", "set", "Ukraine HUR", "--country", "Narnia")
    assert code == 1 and "column 'country' (value: 'NARNIA')" in err and "ISO 3166-1" in err
    code, _, err = _run(capsys, url, "claimants", "show", "Nobody at all")
    assert code == 1 and "no registered claimant is called 'Nobody at all'" in err
    assert register_store.load_register(open_store(url)).claimants["Ukraine HUR"].country == "UKR"


def test_listing_never_creates_a_database(tmp_path, capsys):
    path = tmp_path / "missing.sqlite"
    code, _, err = _run(capsys, f"sqlite:///{path}", "claimants", "list")
    assert code == 1 and "no database" in err and not path.exists()


def test_export_carries_grades_and_filters_by_them(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    seed_store(open_store(url))
    out = tmp_path / "graded.csv"
    code, _, _ = _run(
        capsys, url, "export", "--format", "csv", "--out", str(out), "--min-reliability", "B", "--min-credibility", "2"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {r["grade"] for r in rows} <= {"A1", "A2", "B1", "B2"}
    relayed = [r for r in rows if r["claimant"] == "Ukrainian intelligence via Financial Times"]
    assert all(r["originator"] == "Ukraine HUR" and r["relayed_by"] == "Financial Times" for r in relayed)
    # The export imports again: the read-only grade columns are ignored, nothing changes.
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    code, _, _ = _run(capsys, copy, "import", str(out))
    assert code == 0 and len(open_store(copy).current_events()) == len(rows)
