"""What the end-to-end tests share: the page driver, waits, and checks on downloads.

The fixtures that start the server and the browser live in ``conftest.py``; this
module holds plain helpers so test files can import them by name.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Download, Locator, Page, expect

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "e2e"
ARTIFACTS = REPO / "tests" / "artifacts" / "e2e"
HOSTILE_CSV = FIXTURES / "hostile.csv"
HOSTILE_JAVASCRIPT_URL_CSV = FIXTURES / "hostile_javascript_url.csv"
BAD_UPLOAD_CSV = FIXTURES / "bad_upload.csv"
HOSTILE_ID = "E2E-HOSTILE"
OUTBOUND_AUDIT = REPO / "tests" / "outbound"  # holds the sitecustomize.py that audits sockets
VIEWPORT = {"width": 1400, "height": 900}

# Page name -> (URL path, title heading, plotly charts drawn with the unfiltered log).
# The default page (Overview) answers at "/": Streamlit ignores a default page's url_path.
PAGES: dict[str, tuple[str, str, int]] = {
    "overview": ("/", "Overview", 1),
    "timeline": ("/timeline", "Timeline", 2),
    "map": ("/map", "Map", 1),
    "events": ("/events", "Events", 0),
    "missiles": ("/missiles", "Missile tests", 3),
    "data": ("/data", "Data", 0),
}

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SCRIPT_TIMEOUT_MS = 60_000


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


def query(url: str) -> dict[str, list[str]]:
    """The query parameters of ``url``, each as the list of its values."""
    return parse_qs(urlsplit(url).query)


def unescape_markdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --- the server process ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (the server and kaleido's Chromium), SIGKILL what stays."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group, if any
    process.wait(timeout=15)


@dataclass
class AppPage:
    """One browser tab on the dashboard, with what it tried to fetch and what it raised."""

    page: Page
    base_url: str
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    # --- navigation and waiting ---------------------------------------------------------
    def open(self, path: str = "/", params: Mapping[str, str | Sequence[str]] | None = None) -> None:
        """Go to ``path`` with query ``params`` (lists repeat the key) and wait for the script."""
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, doseq=True)
        self.page.goto(url, wait_until="domcontentloaded")
        self.wait_idle()
        expect(self.page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=SCRIPT_TIMEOUT_MS)

    def wait_idle(self, settle_ms: int = 400) -> None:
        """Wait until the script has finished its run, then let the browser draw.

        A click sends its rerun a moment later, so give the run time to start first.
        Assertions after this still use ``expect`` (which retries), not one-shot reads.
        """
        self.page.wait_for_timeout(150)
        self.page.locator(IDLE).wait_for(state="attached", timeout=SCRIPT_TIMEOUT_MS)
        self.page.wait_for_timeout(settle_ms)

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    @property
    def params(self) -> dict[str, list[str]]:
        return query(self.page.url)

    # --- reading the page ------------------------------------------------------------
    @property
    def main(self) -> Locator:
        return self.page.locator('[data-testid="stMain"]')

    @property
    def sidebar(self) -> Locator:
        return self.page.locator('[data-testid="stSidebar"]')

    def caption(self) -> Locator:
        """The "what is shown" line under the page title (the first caption of the page)."""
        return self.main.locator('[data-testid="stCaptionContainer"]').first

    def shown_count(self) -> int:
        """The N of the caption's "N claims"."""
        text = self.caption().inner_text()
        found = re.match(r"([\d,]+) claim", text)
        assert found, f"no claim count in the caption {text!r}"
        return int(found.group(1).replace(",", ""))

    def metric(self, label: str) -> Locator:
        """The value of the metric labelled ``label``."""
        box = self.main.locator('[data-testid="stMetric"]').filter(
            has=self.page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}$"))
        )
        return box.locator('[data-testid="stMetricValue"]')

    def grid_rows(self, container: Locator) -> list[list[str]]:
        """Cell texts of a ``st.dataframe`` (its accessible table: rows and columns in view only), header first."""
        container.scroll_into_view_if_needed()  # the grid draws (and labels) only what is in view
        table = container.locator('table[role="grid"]')
        expect(table).to_have_count(1)
        return table.evaluate(
            """t => [...t.querySelectorAll('tr')].map(
                r => [...r.querySelectorAll('th, td')].map(c => c.textContent))"""
        )

    def sidebar_select(self, label: str) -> Locator:
        return self.sidebar.locator('[data-testid="stSelectbox"]').filter(has_text=label)

    def choose(self, widget: Locator, option: str) -> None:
        """Open a select box or multiselect, click ``option``, close the list, wait for the rerun."""
        widget.click()
        self.page.get_by_role("option", name=option, exact=True).click()
        listbox = self.page.get_by_role("listbox")
        if listbox.count() and listbox.first.is_visible():  # a multiselect stays open; a select box closes
            self.page.keyboard.press("Escape")
        self.wait_idle()

    def open_downloads(self, index: int = 0) -> Locator:
        """Open the ``index``-th chart "Download" popover; returns its body."""
        self.main.locator('[data-testid="stPopover"]').nth(index).get_by_role("button", name="Download").click()
        body = self.page.locator('[data-testid="stPopoverBody"]')
        expect(body).to_be_visible()
        return body

    def download(self, button: Locator, timeout_ms: int = 90_000) -> tuple[str, bytes]:
        """Click a download button; (suggested file name, the bytes)."""
        with self.page.expect_download(timeout=timeout_ms) as info:
            button.click()
        done: Download = info.value
        assert done.failure() is None, done.failure()
        return done.suggested_filename, Path(done.path()).read_bytes()

    # --- evidence -----------------------------------------------------------------------
    def full_screenshot(self, name: str) -> Path:
        """A screenshot of the whole page: the app scrolls inside ``stMain``, so grow the viewport."""
        size = self.page.viewport_size or {"width": 1400, "height": 900}
        height = self.page.evaluate(
            """() => Math.max(...[...document.querySelectorAll(
                '[data-testid="stMain"], [data-testid="stSidebarContent"]')].map(e => e.scrollHeight))"""
        )
        self.page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
        self.wait_idle(settle_ms=1200)  # plotly resizes its charts to the new viewport
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.page.set_viewport_size(size)
        return path

    def assert_clean(self) -> None:
        """No dialog, no uncaught script error, and not one request to the outside (none is tolerated)."""
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.errors, f"uncaught errors in the page: {self.errors}"
        assert not self.blocked, f"requests to the outside: {self.blocked}"

    def assert_no_error_boxes(self) -> None:
        expect(self.page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(self.page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def coloured_fraction(image: Image.Image, min_saturation: int = 60) -> float:
    """Share of pixels with a clear colour (HSV saturation and value above thresholds)."""
    hsv = image.convert("RGB").convert("HSV")
    saturated = hsv.getchannel("S").point(lambda s: 255 if s >= min_saturation else 0)
    not_dark = hsv.getchannel("V").point(lambda v: 255 if v >= 60 else 0)
    return ImageStat.Stat(ImageChops.multiply(saturated, not_dark)).mean[0] / 255


def brightness(image: Image.Image) -> float:
    """Average grey level, 0 (black) to 255 (white)."""
    return ImageStat.Stat(image.convert("L")).mean[0]


def png_image(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: {data[:16]!r}"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def element_image(locator: Locator) -> Image.Image:
    return Image.open(io.BytesIO(locator.screenshot()))


def wait_until(condition, timeout_s: float = 30, interval_s: float = 0.2, describe=None):
    """Poll ``condition()`` until it returns something truthy; that value, or AssertionError.

    ``describe()``, if given, says what was seen instead (for the failure message).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f": {describe()}" if describe else ""
            raise AssertionError(f"condition not met within {timeout_s} s{seen}")
        time.sleep(interval_s)


# --- the server ----------------------------------------------------------------------------

SERVER_START_TIMEOUT_S = 90


@contextlib.contextmanager
def serve(
    db_url: str,
    log_path: Path,
    *,
    cwd: Path = REPO,
    port: int | None = None,
    unset: Sequence[str] = (),
) -> Iterator[str]:
    """Run the dashboard over ``db_url`` as a user starts it; yield its base URL, then stop it.

    ``python -m dashboard.server run dashboard/app.py`` (Streamlit with its address lookups off) from
    the repository root (so ``.streamlit/config.toml`` applies) on a free port, with every outbound
    connection attempt audited (``tests/outbound/sitecustomize.py``); fails if the server log shows
    a traceback or the server tried to reach another machine. ``cwd`` is the folder it starts in (an
    admin's, with its own ``.streamlit/``), ``port`` one chosen beforehand, ``unset`` environment
    variables the server must not inherit.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    audit_log = log_path.with_name(log_path.stem + "-outbound.log")
    env = {
        **os.environ,
        "CONFLICT_MONITOR_DB": db_url,
        "PYTHONPATH": os.pathsep.join([str(OUTBOUND_AUDIT), str(REPO), os.environ.get("PYTHONPATH", "")]),
        "CONFLICT_MONITOR_AUDIT_LOG": str(audit_log),
    }
    for name in unset:
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "dashboard.server",
        "run",
        str(REPO / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        # Others edit the checkout while the suite runs: a "File change" prompt must not appear.
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(base_url):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no healthy server after {SERVER_START_TIMEOUT_S} s:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.3)
        yield base_url
    finally:
        stop_server(process)
    assert "Traceback" not in log_path.read_text(errors="replace"), log_path.read_text(errors="replace")[-4000:]
    outbound = audit_log.read_text() if audit_log.exists() else ""
    assert not outbound, f"the server tried to reach other machines:\n{outbound[:4000]}"
