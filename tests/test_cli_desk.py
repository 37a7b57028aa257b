"""``conflict-monitor add``, ``revise``, ``retract`` and ``history`` (both back ends, in-process)."""

from __future__ import annotations

import functools
import io
import json

import pytest

from dashboard import cli
from dashboard.events import access
from dashboard.events.store import open_store
from tests.conftest import base_record


@pytest.fixture(autouse=True)
def as_user(monkeypatch):
    monkeypatch.setattr(cli, "open_store", functools.partial(open_store, seed=False))
    monkeypatch.setenv(access.USER_ENV, "night-shift")


@pytest.fixture
def db(make_url) -> str:
    return make_url("desk")


@pytest.fixture
def run(db, capsys, monkeypatch):
    """``run(*args, stdin=None)`` -> (exit code, stdout, stderr) of ``conflict-monitor --db DB args``."""

    def call(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(["--db", db, *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def _claim(event_id: str, **overrides) -> dict:
    return base_record(event_id, **overrides)


def test_add_one_claim_from_a_file_then_history_says_who_when_why(run, tmp_path):
    path = tmp_path / "nis.json"
    path.write_text(json.dumps(_claim("NIS-1")), encoding="utf-8")
    code, out, err = run("add", path, "--reason", "NIS briefing to the National Assembly")
    assert (code, err) == (0, "")
    assert out.strip() == "1 claim recorded (NIS-1) by night-shift"
    code, out, _ = run("history", "NIS-1")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "NIS-1: 1 revision"
    assert "revision 1" in lines[1] and "by night-shift" in lines[1] and "added" in lines[1]
    assert "reason: NIS briefing to the National Assembly" in lines[1]


def test_add_a_list_from_standard_input_with_sources_in_the_native_cell_spelling(run, db):
    second = _claim("HUR-1", claimant="Ukraine HUR", sources="HUR | Statement | 2024-11-06 | https://example.org/hur")
    code, out, _ = run("add", "-", stdin=json.dumps([_claim("NIS-1"), second]))
    assert code == 0 and "2 claims recorded (NIS-1, HUR-1)" in out
    store = open_store(db, seed=False)
    try:
        current = store.current_events().set_index("event_id")
        assert json.loads(current.loc["HUR-1", "sources"])[0]["outlet"] == "HUR"
    finally:
        store.engine.dispose()


def test_add_is_all_or_nothing_and_names_record_field_value_and_rule(run, tmp_path, db):
    path = tmp_path / "bad.json"
    bad = _claim("B-2", figure_low=20000)
    worse = _claim("B-3", sources=[{"outlet": "X", "date": "2024-11-05", "url": "javascript:alert(1)"}])
    path.write_text(json.dumps([_claim("B-1"), bad, worse, _claim("B-1")]), encoding="utf-8")
    code, out, err = run("add", path)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert f"error: {path}, record 2, field 'figure_low': figure_low (20000) is greater than figure_best" in lines[0]
    assert "(value: 20000)" in lines[0]
    assert (
        lines[1]
        == f"error: {path}, record 3, field 'sources[0].url': must be an http(s) URL (value: 'javascript:alert(1)')"
    )
    assert f"error: {path}, record 4, field 'event_id': the same event_id as claim 1 (value: 'B-1')" == lines[2]
    assert lines[-1] == f"nothing recorded: 3 problem(s) in {path}"
    code, _, err = run("history", "B-1")
    assert code == 1 and "no event with id 'B-1'" in err  # the valid first claim was not written either


def test_add_refuses_an_id_the_log_holds_and_broken_json(run, tmp_path):
    assert run("add", "-", stdin=json.dumps(_claim("NIS-1")))[0] == 0
    code, _, err = run("add", "-", stdin=json.dumps(_claim("NIS-1", figure_best=11500)))
    assert code == 1 and "record 1, field 'event_id': the log already holds a claim with this id" in err
    code, _, err = run("add", "-", stdin='{"event_id": "X",\n "event_date": }')
    assert code == 1 and "error: standard input: line 2, column 16: not valid JSON" in err
    code, _, err = run("add", "-", stdin="[]")
    assert code == 1 and "a non-empty list of objects" in err


def test_revise_sets_fields_and_history_shows_old_and_new(run):
    run("add", "-", stdin=json.dumps(_claim("NIS-1")))
    code, out, err = run(
        "revise", "NIS-1", "--set", "figure_best=11500", "--set", "confidence=medium", "--set", "counterpart=",
        "--reason", "NIS corrected its figure", "--expected-revision", "1",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "revision 2" in out and "revised" in out and "Best estimate: 11,000 → 11,500" in out
    code, out, _ = run("history", "NIS-1")
    text = out.strip().splitlines()
    assert text[0] == "NIS-1: 2 revisions"
    assert "by night-shift" in text[2] and "reason: NIS corrected its figure" in text[2]
    assert text[3:] == [
        "    Other side: Ukraine → —",
        "    Best estimate: 11,000 → 11,500",
        "    Confidence: high → medium",
    ]


def test_revise_refuses_bad_values_unknown_fields_and_a_stale_revision(run, monkeypatch):
    run("add", "-", stdin=json.dumps(_claim("NIS-1")))
    code, _, err = run("revise", "NIS-1", "--set", "figure_best=lots", "--reason", "x")
    assert code == 1 and "error: NIS-1, field 'figure_best':" in err and "(value: 'lots')" in err
    code, _, err = run("revise", "NIS-1", "--set", "size=3", "--reason", "x")
    assert code == 1 and "--set 'size=3': write FIELD=VALUE with one of the fields" in err
    monkeypatch.setenv(access.USER_ENV, "day-shift")
    assert run("revise", "NIS-1", "--set", "figure_best=11800", "--reason", "HUR says more")[0] == 0
    monkeypatch.setenv(access.USER_ENV, "night-shift")
    code, out, err = run("revise", "NIS-1", "--set", "figure_best=1", "--reason", "x", "--expected-revision", "1")
    assert code == 1 and out == ""
    assert "claim NIS-1 changed since you opened it at revision 1" in err and "by day-shift" in err
    assert "what changed since:" in err and "Best estimate: 11,000 → 11,800" in err
    code, out, _ = run("revise", "NIS-1", "--set", "figure_best=11800", "--reason", "again")
    assert code == 0 and "no field changed, nothing recorded (still revision 2)" in out


def test_retract_needs_a_reason_and_leaves_the_claim_in_history(run, tmp_path):
    run("add", "-", stdin=json.dumps([_claim("NIS-1"), _claim("NIS-2")]))
    with pytest.raises(SystemExit):  # argparse: --reason is required
        run("retract", "NIS-1")
    code, _, err = run("retract", "NIS-1", "--reason", "  ")
    assert code == 1 and "a retraction needs a reason" in err
    code, out, _ = run("retract", "NIS-1", "--reason", "shown false by satellite images", "--expected-revision", "1")
    assert code == 0 and "NIS-1 retracted (revision 2, recorded by night-shift)" in out
    code, out, _ = run("export", "--format", "csv", "--out", tmp_path / "now.csv")
    assert "1 events written" in out
    code, out, _ = run("history", "NIS-1")
    assert "retracted" in out.splitlines()[2] and "reason: shown false by satellite images" in out
    code, _, err = run("retract", "NIS-1", "--reason", "again", "--expected-revision", "1")
    assert code == 1 and "revision 2 retracted it" in err


def test_revise_and_retract_never_create_a_database(tmp_path, capsys):
    missing = tmp_path / "nope.sqlite"
    code = cli.main(["--db", f"sqlite:///{missing}", "retract", "X", "--reason", "r"])
    assert code == 1 and "no database at" in capsys.readouterr().err and not missing.exists()
