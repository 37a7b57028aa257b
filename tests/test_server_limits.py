"""An address too long to serve gets a page that says so, not a dropped connection or the whole log (issue 17).

Against a started server, with raw HTTP requests: a query of more parameters than Streamlit reads (it
would ignore them all and show everything), and a request head larger than the HTTP parser holds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator

import pytest
from server_support import free_port, stop, wait_healthy

from dashboard import server
from dashboard.streamlit_settings import streamlit_command


def raw_get(port: int, target: str) -> tuple[int, str]:
    """(status, body) of ``GET target`` sent as one HTTP/1.1 request; the server may close while we still send."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # The server may answer and close before it has read the whole request: the answer is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head, "the connection was dropped without an answer"
    return int(head.split()[1]), body.decode(errors="replace")


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("server-limits")
    port = free_port()
    env = {**os.environ, "CONFLICT_MONITOR_DB": f"sqlite:///{folder / 'log.sqlite'}", "HOME": str(folder)}
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            streamlit_command(port), env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, log)
        yield port
    finally:
        stop(process)


@pytest.mark.slow
def test_thousands_of_repeated_parameters_get_a_page_with_a_shorter_link(port):
    status, body = raw_get(port, "/?" + "&".join(["conf=high"] * 1500 + ["cat=Statement"]))
    assert status == 414
    assert "This address is too long to serve" in body and "Its query has 1,501 parameters" in body
    assert "at most 1,000 parameters" in body
    assert '<a href="/?conf=high&amp;cat=Statement">Open the same view with each repeated value once</a>' in body


@pytest.mark.slow
def test_a_request_larger_than_the_parser_holds_gets_a_page_not_a_dropped_connection(port):
    status, body = raw_get(port, "/?q=" + "x" * 2_000_000)
    assert status == 414
    assert "This address is too long to serve" in body and "at most 16 KiB" in body
    assert '<a href="/">Open the dashboard without a filter</a>' in body


@pytest.mark.slow
def test_an_ordinary_address_is_served(port):
    status, body = raw_get(port, "/?cat=Statement&claimant=South+Korea+NIS")
    assert status == 200 and "<!--" in body  # Streamlit's page


def run_apart(coroutine) -> None:
    """Run ``coroutine`` to its end in a thread of its own: Playwright's sync API, used by tests run
    earlier in the same process, leaves an event loop running in the main thread, where asyncio.run fails."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_the_guard_passes_what_streamlit_reads_and_answers_the_rest():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope.get("query_string"))

    sent = []

    async def send(message):
        sent.append(message)

    guarded = server.guard_query_strings(app)
    ok = b"&".join([b"cat=Statement"] * 1000)  # exactly Streamlit's limit: still read
    run_apart(guarded({"type": "http", "path": "/", "query_string": ok}, None, send))
    assert seen == [ok] and not sent
    run_apart(guarded({"type": "http", "path": "/map", "query_string": ok + b"&q=x"}, None, send))
    assert sent[0]["status"] == 414 and b'href="/map?cat=Statement&amp;q=x"' in sent[1]["body"]
    run_apart(guarded({"type": "lifespan"}, None, send))  # not a page request: passed on
    assert seen[-1] is None and len(sent) == 2
    assert server.deduplicated_query("a=1&b=2&a=1&a=3") == "a=1&b=2&a=3"
