"""Helpers for the data-safety tests: a small real file system that can fill up or go read-only.

``small_mount(path, size)`` mounts a tmpfs of ``size`` at ``path``, ``read_only_view`` shows a
folder through a read-only bind mount (the tests run as root in CI, where chmod stops nothing);
where mounting is not permitted the test is skipped with the reason, and the same failures are
still covered by injected errors (ENOSPC from a patched write) and by SQLite's ``?mode=ro``.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_mount(path: Path, size: str = "256k") -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode}); ENOSPC is injected")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path]:
    """``folder`` seen read-only at ``view`` (a read-only bind mount), or a skip where not permitted."""
    view.mkdir(parents=True, exist_ok=True)
    bound = subprocess.run(["mount", "--bind", str(folder), str(view)], capture_output=True, text=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount here ({bound.stderr.strip() or bound.returncode}); ?mode=ro is tested")
    try:
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make a bind mount read-only here ({done.stderr.strip()}); ?mode=ro is tested")
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                continue
    return filler


def listing(folder: Path) -> list[str]:
    """The names in ``folder`` (temporary partial files included), sorted."""
    return sorted(p.name for p in folder.iterdir())
