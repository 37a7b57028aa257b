"""``conflict-monitor changes`` (issue 17): what changed between two knowledge times, as CSV or JSON, on both back ends."""

from __future__ import annotations

import csv
import functools
import io
import json
import time
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.events.store import open_store, utc_now

NATIVE = Path(__file__).resolve().parent / "fixtures" / "native"


@pytest.fixture(autouse=True)
def no_seed(monkeypatch):
    monkeypatch.setattr(cli, "open_store", functools.partial(open_store, seed=False))


@pytest.fixture
def db(make_url) -> str:
    return make_url("changes")


@pytest.fixture
def run(db, capsys):
    def call(*args: str | Path) -> tuple[int, str, str]:
        code = cli.main(["--db", db, *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_changes_lists_new_revised_and_retracted(run, db, tmp_path):
    before = utc_now()
    assert run("import", NATIVE / "events.csv", "--no-progress")[0] == 0
    between = utc_now()
    time.sleep(0.01)
    store = open_store(db, seed=False)
    ids = list(store.current_events()["event_id"])
    store.revise("N01", {"figure_best": 1600}, '=HYPERLINK("evil") newer report')
    store.retract(ids[-1], "withdrawn")
    store.engine.dispose()

    code, out, err = run("changes", "--since", before.isoformat(), "--until", between.isoformat())
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["change"] for r in rows} == {"new"} and len(rows) == len(ids)

    code, out, err = run("changes", "--since", between.isoformat())
    assert code == 0, err
    rows = {r["event_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {"N01", ids[-1]}
    assert rows["N01"]["change"] == "revised"
    assert rows["N01"]["what_changed"] == "Best estimate: 1,500 → 1,600"
    assert rows["N01"]["reason"].startswith("'=HYPERLINK")  # the export guard
    assert rows[ids[-1]]["change"] == "retracted"

    code, out, err = run("changes", "--since", between.isoformat(), "--format", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert [r["change"] for r in listed] == ["revised", "retracted"]
    assert listed[0]["reason"] == '=HYPERLINK("evil") newer report'  # JSON is data, not a spreadsheet
    assert listed[0]["recorded_at"].endswith("Z")

    # The shared filter's options narrow the list.
    code, out, _ = run("changes", "--since", between.isoformat(), "--text", "special forces", "--format", "json")
    assert [r["event_id"] for r in json.loads(out)] == ["N01"]


def test_changes_refuses_bad_times(run, capsys):
    with pytest.raises(SystemExit):
        cli.main(["changes", "--since", "last week"])
    assert "'last week' is not a date or time" in capsys.readouterr().err
    assert run("import", NATIVE / "events.csv", "--no-progress")[0] == 0
    code, _, err = run("changes", "--since", "2025-01-02", "--until", "2025-01-01")
    assert code == 1 and "is not before --until" in err
