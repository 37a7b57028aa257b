"""dashboard.events.safe_write: temp file + rename, refusals, and a full disk that leaves no file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from safety_support import fill, listing, small_mount

from dashboard.events import safe_write
from dashboard.events.safe_write import DiskFullError, UnsafeWriteError


def test_writes_the_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    safe_write.write_chunks(target, [b"a,b\r\n", b"1,2\r\n"])
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"
    assert listing(tmp_path) == ["out.csv"]
    # An ordinary file, as open() would make it (mkstemp's private 0600 is not kept).
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_an_existing_file_is_refused_unless_forced(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep me")
    with pytest.raises(UnsafeWriteError, match=r"out.csv exists; choose a new file name or use --force"):
        safe_write.write_bytes(target, b"new")
    assert target.read_text() == "keep me"
    safe_write.write_bytes(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert listing(tmp_path) == ["out.csv"]


def database(tmp_path: Path) -> list[Path]:
    db = tmp_path / "log.sqlite"
    for path in safe_write.database_files(db):
        path.write_bytes(b"live")
    return safe_write.database_files(db)


@pytest.mark.parametrize("name", ["log.sqlite", "log.sqlite-wal", "log.sqlite-shm", "log.sqlite-journal"])
def test_the_database_and_its_companion_files_are_refused_even_with_force(tmp_path, name):
    protected = database(tmp_path)
    with pytest.raises(UnsafeWriteError, match="it is the database in use"):
        safe_write.write_bytes(tmp_path / name, b"csv", force=True, protected=protected)
    assert all(p.read_bytes() == b"live" for p in protected)


def test_links_to_the_database_are_refused(tmp_path, monkeypatch):
    protected = database(tmp_path)
    (tmp_path / "link.csv").symlink_to("log.sqlite")
    os.link(tmp_path / "log.sqlite", tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    for target in (tmp_path / "link.csv", tmp_path / "hard.csv", tmp_path / "sub" / ".." / "log.sqlite"):
        with pytest.raises(UnsafeWriteError, match="it is the database in use"):
            safe_write.write_bytes(target, b"csv", force=True, protected=protected)
    # A relative name in the database's folder is the same file.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafeWriteError, match="it is the database in use"):
        safe_write.write_bytes(Path("log.sqlite"), b"csv", force=True, protected=protected)
    assert (tmp_path / "log.sqlite").read_bytes() == b"live"


def test_a_symlink_is_replaced_itself_never_followed(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("someone else's file")
    (tmp_path / "out.csv").symlink_to(other)
    with pytest.raises(UnsafeWriteError, match="exists"):
        safe_write.write_bytes(tmp_path / "out.csv", b"x")
    safe_write.write_bytes(tmp_path / "out.csv", b"x", force=True)
    assert other.read_text() == "someone else's file"
    assert not (tmp_path / "out.csv").is_symlink() and (tmp_path / "out.csv").read_bytes() == b"x"


def test_a_missing_folder_and_a_folder_as_target_are_refused(tmp_path):
    with pytest.raises(UnsafeWriteError, match=r"the folder .*nope does not exist"):
        safe_write.write_bytes(tmp_path / "nope" / "out.csv", b"x")
    with pytest.raises(UnsafeWriteError, match="it is a folder"):
        safe_write.write_bytes(tmp_path, b"x", force=True)


def test_an_error_while_writing_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def chunks():
        yield b"half"
        raise RuntimeError("the export failed half-way")

    with pytest.raises(RuntimeError):
        safe_write.write_chunks(target, chunks(), force=True)
    assert target.read_text() == "old" and listing(tmp_path) == ["out.csv"]


def test_enospc_injected_is_disk_full_with_the_path_and_no_file(tmp_path):
    def chunks():
        yield b"the first block lands"
        raise OSError(errno.ENOSPC, "No space left on device")  # what write() raises on a full disk

    target = tmp_path / "out.csv"
    with pytest.raises(DiskFullError, match=rf"^disk full: {target} was not written"):
        safe_write.write_chunks(target, chunks())
    assert listing(tmp_path) == []


@pytest.mark.timeout(60)
def test_a_really_full_disk_leaves_no_file(tmp_path):
    with small_mount(tmp_path / "small", "256k") as folder:
        target = folder / "export.csv"
        with pytest.raises(DiskFullError, match=rf"^disk full: {target}"):
            safe_write.write_chunks(target, (b"x" * 65536 for _ in range(16)))
        assert listing(folder) == []
        # The next attempt is not blocked by an empty leftover ("exists").
        safe_write.write_bytes(target, b"small enough")
        assert target.read_bytes() == b"small enough"
        # A full disk with --force keeps the old file whole.
        fill(folder)
        with pytest.raises(DiskFullError):
            safe_write.write_chunks(target, (b"y" * 65536 for _ in range(4)), force=True)
        assert target.read_bytes() == b"small enough"
        assert listing(folder) == ["export.csv", "filler.bin"]


def test_database_files_of_a_uri_and_of_memory(tmp_path):
    assert safe_write.database_files(f"file:{tmp_path}/log.sqlite?mode=ro") == safe_write.database_files(
        tmp_path / "log.sqlite"
    )
    assert safe_write.database_files(":memory:") == [] and safe_write.database_files(None) == []
