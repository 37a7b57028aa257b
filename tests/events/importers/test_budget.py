"""Uploads are parsed in a worker process within a time and memory budget; other work keeps running."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.events.importers import ImportFileError, parse_bytes
from dashboard.events.importers.budget import parse_within_budget


def test_the_worker_gives_the_same_answer_as_parsing_in_process(native_csv, record_data):
    data = native_csv([record_data(event_id=f"W{i}") for i in range(3)] + [record_data(event_id="W9", unit="")])
    here, there = parse_bytes(data.encode(), "w.csv", origin="upload"), None
    there = parse_within_budget(data.encode(), "w.csv", origin="upload")
    assert there.report == here.report
    assert [r.model_dump() for r in there.accepted_records()] == [r.model_dump() for r in here.accepted_records()]


def test_a_file_error_comes_back_with_its_file_and_line():
    with pytest.raises(ImportFileError) as caught:
        parse_within_budget(b"a,b\n1,\x00\n", "nul.csv")
    assert str(caught.value) == "nul.csv:2: contains a NUL byte: the file is damaged or not CSV"
    assert (caught.value.file_name, caught.value.line) == ("nul.csv", 2)


def test_a_parse_over_its_time_is_stopped(native_csv, record_data):
    data = native_csv([record_data(event_id="T1")]).encode()
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match=r"t.csv: reading the file took longer than 0.2 s, the limit"):
        parse_within_budget(data, "t.csv", seconds=0.2)
    assert time.perf_counter() - started < 10


def test_a_parse_over_its_memory_is_stopped(native_csv, record_data):
    # ~40 MB of text: decoding and splitting it alone needs several times the 16 MiB allowed.
    row = record_data(event_id="M1", description="x" * 15_000)
    data = native_csv([dict(row, event_id=f"M{i}") for i in range(2_700)]).encode()
    with pytest.raises(ImportFileError, match=r"m.csv: reading the file needed more than 16 MiB of memory"):
        parse_within_budget(data, "m.csv", memory_bytes=16 * 2**20)


def test_other_work_keeps_running_while_an_upload_is_refused(native_csv, record_data):
    """The parse holds no lock in this process: a thread standing for another session is never stalled."""
    row = record_data(event_id="R1", description="x" * 15_000)
    data = native_csv([dict(row, event_id=f"R{i}") for i in range(2_700)]).encode()
    gaps: list[float] = []
    stop = threading.Event()

    def other_session() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            sum(range(2_000))  # a little Python work, which needs the GIL
            time.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=other_session)
    thread.start()
    try:
        with pytest.raises(ImportFileError, match="needed more than"):
            parse_within_budget(data, "r.csv", memory_bytes=16 * 2**20)
    finally:
        stop.set()
        thread.join()
    assert len(gaps) > 20 and max(gaps) < 1.0, f"longest stall {max(gaps):.2f} s"
