"""The seed log against its research sheets, and the corrections of issue 20.

Every row of both fact sheets must be in ``data/seed/events.csv`` (linked by
``original_id``) or listed in ``data/seed/README.md`` with its reason. The sheets
live outside the repository (the team's shared reference folder); their row ids are
kept in ``tests/data/reference_rows.csv`` so the check also runs where the sheets
are absent, and that list is compared with the sheets wherever they are found.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from dashboard.events.schema import EventRecord, parse_sources, validate_record

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "seed" / "events.csv"
SEED_README = ROOT / "data" / "seed" / "README.md"
REFERENCE_ROWS = Path(__file__).with_name("reference_rows.csv")
SHEETS = ("facts_dprk_russia.csv", "facts_dprk_russia_2025_2026.csv")
LEFT_OUT_HEADING = "## Sheet rows left out"
# Where a secondary body's figures for a launch live: <launch id>-<body>.
BODY_SUFFIXES = {"kcna": "DPRK KCNA", "cns": "CNS database", "japan": "Japan MoD", "jcs": "South Korea JCS"}
# The city-centre point that stood for "somewhere in Pyongyang" before issue 20.
PYONGYANG_PLACEHOLDER = (39.02, 125.75)


def _reference_dir() -> Path | None:
    env = os.environ.get("CONFLICT_MONITOR_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    # /work/main -> /work/shared/reference; a worktree /work/wt/x -> /work/shared/reference
    candidates += [ROOT.parent / "shared" / "reference", ROOT.parent.parent / "shared" / "reference"]
    return next((c for c in candidates if all((c / s).is_file() for s in SHEETS)), None)


def _reference_rows() -> list[dict[str, str]]:
    with REFERENCE_ROWS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def records() -> dict[str, EventRecord]:
    out = {}
    with SEED.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            data = {k: (v if v != "" else None) for k, v in row.items()}
            data["sources"] = parse_sources(data["sources"])
            rec = validate_record(data, line)
            assert isinstance(rec, EventRecord), "\n".join(e.describe("events.csv") for e in rec)
            out[rec.event_id] = rec
    return out


def left_out_rows(readme_text: str) -> dict[str, str]:
    """The ``| row | reason |`` lines under the README's "Sheet rows left out" heading."""
    start = readme_text.index(LEFT_OUT_HEADING)
    end = readme_text.find("\n## ", start + len(LEFT_OUT_HEADING))
    section = readme_text[start : end if end != -1 else None]
    rows = {}
    for match in re.finditer(r"^\|\s*([A-Z]\d{2})\s*\|\s*(.*?)\s*\|\s*$", section, flags=re.MULTILINE):
        rows[match.group(1)] = match.group(2)
    return rows


# --- coverage of the sheets -------------------------------------------------------------


def test_reference_row_list_matches_the_sheets():
    folder = _reference_dir()
    if folder is None:
        pytest.skip("the shared reference sheets are not on this machine; the committed id list is used")
    expected = []
    for sheet in SHEETS:
        with (folder / sheet).open(encoding="utf-8", newline="") as fh:
            expected += [{"sheet": sheet, "id": r["id"], "event_date": r["event_date"]} for r in csv.DictReader(fh)]
    assert _reference_rows() == expected


def test_both_sheets_are_listed():
    rows = _reference_rows()
    counts = {s: sum(r["sheet"] == s for r in rows) for s in SHEETS}
    assert counts == {"facts_dprk_russia.csv": 90, "facts_dprk_russia_2025_2026.csv": 45}
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a sheet id appears twice"


def test_every_sheet_row_is_in_the_log_or_left_out_with_a_reason(records):
    in_log = {r.original_id for r in records.values()}
    left_out = left_out_rows(SEED_README.read_text(encoding="utf-8"))
    missing = [r["id"] for r in _reference_rows() if r["id"] not in in_log and not left_out.get(r["id"])]
    assert missing == [], f"sheet rows neither in events.csv nor listed with a reason in README.md: {missing}"
    assert not set(left_out) & in_log, "a row listed as left out is in the log"
    assert set(left_out) <= {r["id"] for r in _reference_rows()}, "a row listed as left out is no sheet row"


def test_left_out_list_is_read_from_the_readme():
    text = f"intro\n{LEFT_OUT_HEADING}\n\n| row | reason |\n|---|---|\n| X99 | duplicate of X98 |\n\n## Next\n| Y01 | no |\n"
    assert left_out_rows(text) == {"X99": "duplicate of X98"}


def test_every_record_comes_from_a_sheet_row(records):
    sheet_ids = {r["id"] for r in _reference_rows()}
    strays = sorted(r.event_id for r in records.values() if r.original_id not in sheet_ids)
    assert strays == []


def test_every_claim_has_one_claimant_and_an_http_source(records):
    for rec in records.values():
        assert rec.claimant.strip(), rec.event_id
        # ";" joined several claimants in the sheets; each claimant gets its own record
        assert ";" not in rec.claimant, rec.event_id
        assert any(re.match(r"^https?://\S+$", s.url) for s in rec.sources), rec.event_id


# --- issue 20: specific corrections -----------------------------------------------------


def test_nis_death_series_does_not_fall_back_to_600_in_november_2025(records):
    assert "D18-killed" not in records
    nis_killed = sorted(
        (r.event_date.isoformat(), r.figure_best or r.figure_low)
        for r in records.values()
        if r.claimant == "South Korea NIS" and r.category == "casualties" and r.unit == "killed"
    )
    assert ("2025-11-04", 600) not in nis_killed
    after_september = [f for d, f in nis_killed if d >= "2025-09-02"]
    assert after_september == [2000], nis_killed


def _launch(records, original_id: str) -> dict[str, EventRecord]:
    return {r.claimant: r for r in records.values() if r.original_id == original_id}


def test_m01_flight_figures_are_kcnas(records):
    m01 = _launch(records, "M01")
    assert m01["DPRK KCNA"].apogee_km == 7687.5 and m01["DPRK KCNA"].distance_km == 1001.2
    assert m01["DPRK KCNA"].missile_name == "Hwasong-19"
    jcs = m01["South Korea JCS"]
    assert (jcs.apogee_km, jcs.distance_km, jcs.missile_name) == (None, None, None)


def test_m03_apogee_is_kcnas_and_distance_the_jcss(records):
    m03 = _launch(records, "M03")
    assert m03["DPRK KCNA"].apogee_km == 99.8 and m03["DPRK KCNA"].distance_km == 1500
    assert m03["South Korea JCS"].distance_km == 1100 and m03["South Korea JCS"].apogee_km is None
    assert m03["CNS database"].missile_name == "Hwasong-16B"


def test_m08_japan_apogee_and_cns_count(records):
    m08 = _launch(records, "M08")
    assert m08["Japan MoD"].apogee_km == 100
    assert m08["South Korea JCS"].apogee_km is None and m08["South Korea JCS"].figure_low == 2
    assert m08["CNS database"].figure_best == 3


def test_m09_count_of_two_is_kcnas(records):
    m09 = _launch(records, "M09")
    assert m09["DPRK KCNA"].figure_best == 2
    jcs = m09["South Korea JCS"]
    assert jcs.figure_best is None and jcs.figure_low == 2  # "multiple": the sheet's minimum, as a lower bound


def test_m10_keeps_both_distances(records):
    m10 = _launch(records, "M10")
    assert m10["South Korea JCS"].distance_km == 700
    assert m10["CNS database"].distance_km == 450


def test_m12_missile_name_is_the_cns_databases(records):
    m12 = _launch(records, "M12")
    assert m12["CNS database"].missile_name == "Hwasong-11E"
    assert m12["South Korea JCS"].missile_name is None
    assert _launch(records, "M20")["DPRK KCNA"].distance_km == 1000  # KCNA's ~1,000 km for the same launch


def test_m14_counts_and_apogee_by_body(records):
    m14 = _launch(records, "M14")
    jcs, cns = m14["South Korea JCS"], m14["CNS database"]
    assert (jcs.figure_best, jcs.figure_low, jcs.figure_high, jcs.apogee_km) == (10, None, None, None)
    assert (cns.figure_best, cns.apogee_km, cns.missile_name) == (12, 80, "KN-25")


def test_m15_failed_launch_is_dated_7_april(records):
    assert records["M15-failed"].event_date.isoformat() == "2026-04-07"
    assert records["M23"].event_date.isoformat() == "2026-04-07"  # the JCS's report of the same launch


def test_body_claims_are_linked_to_their_launch(records):
    for rec in records.values():
        base, _, suffix = rec.event_id.rpartition("-")
        if rec.category != "missile_test" or suffix not in BODY_SUFFIXES or base not in records:
            continue
        primary = records[base]
        assert rec.claimant == BODY_SUFFIXES[suffix], rec.event_id
        assert rec.claimant != primary.claimant, rec.event_id
        assert (rec.original_id, rec.event_date) == (primary.original_id, primary.event_date), rec.event_id


def test_places_are_no_more_precise_than_their_sources(records):
    for eid in ("C02-total", "B01", "S05", "S06", "S07", "C21", "M11", "W04-shells", "W04-containers", "M14-cns"):
        assert records[eid].latitude is None and records[eid].geo_precision >= 3, eid
    for eid in ("M14", "M07-jcs", "B06-dprk", "B06-mod", "C23", "C23-forbes", "B07"):
        assert records[eid].geo_precision == 2 and records[eid].latitude is not None, eid
    placeholders = [r.event_id for r in records.values() if (r.latitude, r.longitude) == PYONGYANG_PLACEHOLDER]
    assert placeholders == []


def test_guns_are_artillery_systems_not_launchers(records):
    for eid in ("W01", "W07-spg", "W09-spg", "W14"):
        assert records[eid].unit == "artillery_systems", eid
    assert records["W07-mlrs"].unit == records["W09-mlrs"].unit == "launchers"


def test_smaller_fixes(records):
    assert records["S06"].confidence == "medium"
    near_border = records["D18-near-border"]
    assert near_border.admin1_code is None and near_border.geo_precision == 4
    shells = records["D23-shells"]
    assert shells.unit == "munitions" and shells.figure_low == 10_000_000
    assert records["B03-share"].figure_low == 86
    assert records["D13-first-wave"].figure_best == 11000
    assert records["D13-casualties"].figure_best == 4000


def test_new_sheet_disagreements_are_kept_side_by_side(records):
    # Budanov's ammunition shares: about half (February) and up to 40% (July), each its own claim.
    assert records["W10"].figure_best == 50 and records["W17"].figure_high == 40
    # UK Defence Intelligence: >5,000 casualties (March 2025) beside its later >6,000 (C20).
    assert records["C25-total"].figure_low == 5000 and records["C20"].figure_low == 6000
