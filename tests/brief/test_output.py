"""Writing a brief: atomic, never over an existing file unless forced, never over the database."""

from __future__ import annotations

import os

import pytest

from dashboard.brief import OutputRefused, check_target, write_output


def test_writes_new_refuses_existing_and_replaces_when_forced(tmp_path):
    target = tmp_path / "brief.html"
    assert write_output(target, b"first") == target and target.read_bytes() == b"first"
    with pytest.raises(OutputRefused, match="already exists: choose another name or pass --force"):
        write_output(target, b"second")
    assert target.read_bytes() == b"first"
    write_output(target, b"second", force=True)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]


def test_the_database_is_refused_even_when_forced(tmp_path):
    database = tmp_path / "log.sqlite"
    database.write_bytes(b"SQLite format 3\x00")
    for path in (database, tmp_path / "." / "log.sqlite"):
        with pytest.raises(OutputRefused, match="over the database file"):
            write_output(path, b"x", force=True, protected=[database])
    assert database.read_bytes() == b"SQLite format 3\x00"


def test_folders_and_missing_folders_are_refused(tmp_path):
    with pytest.raises(OutputRefused, match="does not exist"):
        check_target(tmp_path / "no" / "brief.pdf")
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(OutputRefused, match="not a regular file"):
        check_target(tmp_path / "folder.pdf", force=True)


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_output(target, b"new", force=True)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.pdf"]
