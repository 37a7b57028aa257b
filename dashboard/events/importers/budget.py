"""Parsing an upload within a wall-clock and memory budget, in a worker process.

The dashboard serves every session from one process. Parsing a hostile or huge upload there
held the GIL and gigabytes: other users' pages stalled for 20 s while it ran. Here the parse
(read, map, validate: :func:`dashboard.events.importers.parse_bytes`) runs in a separate Python
process (``python -m dashboard.events.importers.budget``) with its own memory limit; the page's
thread only waits on a pipe, so other sessions keep running, and a parse over its time is
killed. Either limit is a clear :class:`ImportFileError`; nothing is written (writing is the
caller's next step). A plain subprocess rather than ``multiprocessing``: its spawn and forkserver
modes re-run the parent's ``__main__``, which under Streamlit is the server itself.
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from dashboard.events.importers import ParsedFile, parse_bytes
from dashboard.events.importers.base import ImportFileError

PARSE_SECONDS = 120.0
PARSE_MEMORY_BYTES = 3 * 2**30
# The folder holding the ``dashboard`` package, so the worker imports this same code.
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]


def parse_within_budget(
    data: bytes,
    file_name: str,
    *,
    seconds: float = PARSE_SECONDS,
    memory_bytes: int = PARSE_MEMORY_BYTES,
    **options: Any,
) -> ParsedFile:
    """``parse_bytes(data, file_name, **options)`` in a worker process; ImportFileError past either limit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    request = pickle.dumps((data, file_name, memory_bytes, options), protocol=pickle.HIGHEST_PROTOCOL)
    with subprocess.Popen(
        [sys.executable, "-m", "dashboard.events.importers.budget"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as worker:
        try:
            answer, errors = worker.communicate(request, timeout=seconds)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.communicate()
            raise ImportFileError(
                file_name,
                f"reading the file took longer than {seconds:g} s, the limit for an upload: "
                "split it, or import it with `conflict-monitor import`",
            ) from None
    if worker.returncode != 0 or not answer:
        if b"MemoryError" in errors or worker.returncode < 0:
            raise ImportFileError(file_name, _over_memory(memory_bytes))
        last = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ImportFileError(file_name, f"reading the file failed in the worker: {last[0]}")
    kind, *payload = pickle.loads(answer)  # noqa: S301 - our own worker's answer over a private pipe
    if kind == "parsed":
        return payload[0]
    if kind == "memory":
        raise ImportFileError(file_name, _over_memory(memory_bytes))
    message, line = payload
    raise ImportFileError(file_name, message, line)


def _over_memory(memory_bytes: int) -> str:
    return (
        f"reading the file needed more than {memory_bytes / 2**20:,.0f} MiB of memory, the limit for an upload: "
        "split it, or import it with `conflict-monitor import`"
    )


def _serve() -> None:
    """The worker: one request on stdin, one answer on stdout."""
    data, file_name, memory_bytes, options = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    _limit_memory(memory_bytes)
    try:
        answer = ("parsed", parse_bytes(data, file_name, **options))
    except ImportFileError as exc:
        prefix = f"{exc.file_name}:{exc.line}: " if exc.line else f"{exc.file_name}: "
        answer = ("error", str(exc).removeprefix(prefix), exc.line)
    except MemoryError:
        answer = ("memory",)
    del data
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


def _limit_memory(extra_bytes: int) -> None:
    """Cap the worker's data segment and anonymous mappings at what it uses now plus ``extra_bytes``."""
    with open("/proc/self/status", encoding="ascii") as status:
        used = next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:")), 0)
    resource.setrlimit(resource.RLIMIT_DATA, (used + extra_bytes, used + extra_bytes))


if __name__ == "__main__":
    _serve()
