"""The seed log goes through the real importer: clean, complete and idempotent."""

from __future__ import annotations

import csv
from pathlib import Path

from dashboard.events.importers import import_file, load_seed, seed_path, seed_store
from dashboard.events.store import open_store


def _seed_ids() -> set[str]:
    with seed_path().open(encoding="utf-8", newline="") as handle:
        return {row["event_id"] for row in csv.DictReader(handle)}


def test_first_open_loads_every_seed_record(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    seed_store(store)  # what the dashboard's first start on the default database does
    current = store.query()
    assert set(current["event_id"]) == _seed_ids()
    assert (current["origin"] == "seed").all()
    batches = store.batches()
    assert batches["rows_rejected"].tolist() == [0]
    assert batches["rows_new"].tolist() == [len(current)]


def test_seed_import_is_idempotent(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'seed.sqlite'}")
    first = load_seed(store)
    token = store.revision_token()
    again = import_file(store, seed_path(), fmt="native", origin="seed")
    assert first.new == len(_seed_ids()) and first.rejected == 0
    assert (again.new, again.revised, again.unchanged) == (0, 0, first.new)
    # The batch is recorded, but the log itself gained no revision.
    assert store.stats()["revisions"] == first.new
    assert store.revision_token().split(".")[0] == token.split(".")[0]
