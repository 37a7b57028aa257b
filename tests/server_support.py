"""Starting and stopping a Streamlit server in a test: a free port, plain GETs, a wait on health, a clean stop.

Used by the settings and wheel tests, which start servers of their own (the e2e suite has its own fixture).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 2) -> tuple[int, str]:
    """(status, body) of a GET; (0, "") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def wait_healthy(base_url: str, server: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    """Until ``/_stcore/health`` answers ok; fails with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + timeout_s
    while get(f"{base_url}/_stcore/health") != (200, "ok"):
        assert server.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)


def stop(server: subprocess.Popen) -> None:
    """SIGTERM the server's process group (started with ``start_new_session=True``), SIGKILL what stays."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)
