"""``conflict-monitor serve`` as a supervisor runs it: where it listens, how it stops, what it calls.

Each test starts the real command in a process of its own, with ``tests/outbound/sitecustomize.py``
recording (and refusing) every attempt to reach another machine, and waits on the health endpoint.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AUDIT = REPO / "tests" / "outbound"
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 10

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def port_is_free(port: int) -> bool:
    """True when a new server could listen on ``port`` (as servers do, past TIME_WAIT connections)."""
    if listening_addresses(port):
        return False
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                    if len(address) == 8:
                        found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                    else:
                        words = bytes.fromhex(address)
                        raw = b"".join(words[i : i + 4][::-1] for i in range(0, 16, 4))
                        found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


@dataclass
class Served:
    process: subprocess.Popen
    port: int
    audit_log: Path
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def outbound(self) -> list[str]:
        return self.audit_log.read_text().splitlines() if self.audit_log.exists() else []


@pytest.fixture
def serve(tmp_path) -> Iterator:
    started: list[Served] = []

    def start(*options: str) -> Served:
        port = free_port()
        db = f"sqlite:///{tmp_path / 'serve.sqlite'}"
        served = Served(None, port, tmp_path / f"outbound-{port}.log", tmp_path / f"serve-{port}.log")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
            "CONFLICT_MONITOR_AUDIT_LOG": str(served.audit_log),
        }
        env.pop("CONFLICT_MONITOR_ALLOW_ANONYMOUS_WRITES", None)
        command = [sys.executable, "-m", "dashboard.cli", "--db", db, "serve", "--port", str(port), *options]
        with served.output.open("wb") as out:
            served.process = subprocess.Popen(
                command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(served)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(port):
            if served.process.poll() is not None:
                raise RuntimeError(f"serve exited with {served.process.returncode}:\n{served.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy server after {START_TIMEOUT_S} s:\n{served.text()[-3000:]}")
            time.sleep(0.3)
        return served

    yield start
    for served in started:  # whatever a failed test left running: the whole session, by its own id
        if served.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(timeout=15)


def stop_and_time(served: Served, signum: int) -> float:
    """Send ``signum`` to the pid a supervisor knows (not a process group); seconds until the port is free."""
    started = time.monotonic()
    os.kill(served.process.pid, signum)
    served.process.wait(timeout=STOP_TIMEOUT_S)
    while not port_is_free(served.port):
        assert time.monotonic() - started < STOP_TIMEOUT_S, "the port is still held after the server stopped"
        time.sleep(0.1)
    return time.monotonic() - started


def foreign_origin_websocket(port: int) -> str:
    """Open Streamlit's WebSocket from an origin it does not know; return the status line."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://foreign.example\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode(errors="replace").splitlines()[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_local_by_default_and_a_signal_frees_the_port(serve, signum):
    served = serve()
    assert listening_addresses(served.port) == {"127.0.0.1"}
    # serve replaced itself with the server: the pid a supervisor signals is the server's.
    cmdline = Path(f"/proc/{served.process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"dashboard.server" in cmdline, cmdline
    assert stop_and_time(served, signum) < STOP_TIMEOUT_S
    assert served.outbound() == []


def test_exposed_bind_is_read_only_and_calls_nobody(serve):
    served = serve("--host", "0.0.0.0")
    assert listening_addresses(served.port) & {"0.0.0.0", "::"}
    assert "read-only for everyone" in served.text()
    # Streamlit checks an unknown origin against this machine's addresses, looked up outside.
    status = foreign_origin_websocket(served.port)
    assert " 101 " not in status, status
    stop_and_time(served, signal.SIGTERM)
    assert served.outbound() == [], "\n".join(served.outbound())


def test_anonymous_writes_are_an_explicit_choice_with_a_warning(serve):
    served = serve("--host", "0.0.0.0", "--allow-anonymous-writes")
    assert "warning: listening on 0.0.0.0 without sign-in and with --allow-anonymous-writes" in served.text()
    stop_and_time(served, signal.SIGTERM)


def test_the_audit_hook_sees_what_streamlit_would_call(tmp_path):
    """The check above can fail: unpatched, a wildcard start banner asks checkip.amazonaws.com."""
    log = tmp_path / "outbound.log"
    script = "from streamlit import net_util; net_util.get_external_ip(); net_util.get_internal_ip()"
    env = {**os.environ, "PYTHONPATH": str(AUDIT), "CONFLICT_MONITOR_AUDIT_LOG": str(log)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60, capture_output=True)
    seen = log.read_text()
    assert "checkip.amazonaws.com" in seen and "8.8.8.8" in seen, seen
