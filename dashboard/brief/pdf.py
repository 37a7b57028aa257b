"""The brief printed to PDF by the Chromium the project already uses for image export.

Why Chromium's own command line (``chromium --headless --print-to-pdf``) and not another engine:
it is already a requirement (kaleido draws the charts with it, Playwright tests with it), it
embeds the fonts it uses, honours CSS ``@page`` size and margin boxes (page numbers, the revision
line on every page) and writes the PDF's outline from the headings. A second engine (WeasyPrint,
wkhtmltopdf) would be another renderer to install and keep in step with the HTML. Starting the
browser per document costs a second or two; a brief is made on request, not in a loop.

The table of contents needs page numbers that only exist after printing: the first pass prints
with placeholders and reads each section's page from the PDF outline (``pypdf``); the second
pass writes them in. A brief of three pages or fewer is printed without a table of contents.
The browser runs with a throw-away profile and with its background network features off; the
page itself may request nothing (its Content-Security-Policy forbids it).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

from dashboard.brief.html import brief_html
from dashboard.brief.model import Brief
from dashboard.figures.export import chromium_path

PRINT_TIMEOUT_S = 120
# A table of contents only for briefs longer than this many pages.
TOC_MIN_PAGES = 4
_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # we run as root in containers; the page is our own, from a local file
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-pings",
    "--no-pdf-header-footer",
    "--generate-pdf-document-outline",
)


class PdfUnavailable(RuntimeError):
    """The PDF cannot be printed here (no Chromium, or it failed)."""


def brief_pdf(brief: Brief) -> bytes:
    """The brief as PDF bytes (A4 or Letter as ``brief.paper`` says)."""
    first = print_html(brief_html(brief, with_toc=True))
    pages = section_pages(first, brief)
    if len(PdfReader(io.BytesIO(first)).pages) < TOC_MIN_PAGES:
        return print_html(brief_html(brief, with_toc=False))
    return print_html(brief_html(brief, toc_pages=pages, with_toc=True))


def section_pages(pdf: bytes, brief: Brief) -> dict[str, int]:
    """Section key -> the page (from 1) its heading is on, read from the PDF's outline."""
    reader = PdfReader(io.BytesIO(pdf))
    by_title: dict[str, int] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                by_title.setdefault(" ".join(str(item.title).split()), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return {
        section.key: by_title[" ".join(section.heading.split())]
        for section in brief.sections
        if " ".join(section.heading.split()) in by_title
    }


def print_html(page: str) -> bytes:
    """PDF bytes of an HTML document, printed by headless Chromium from a temporary file."""
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable(
            "Printing the brief to PDF needs Chromium, and none was found. Install it (Debian: apt-get install "
            "chromium) or set BROWSER_PATH; the HTML brief needs no browser."
        )
    with tempfile.TemporaryDirectory(prefix="conflict-monitor-brief-") as folder:
        work = Path(folder)
        source, target = work / "brief.html", work / "brief.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            *_CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"Chromium did not finish printing the brief within {PRINT_TIMEOUT_S} s.") from None
        if not target.is_file() or target.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfUnavailable(f"Chromium did not print the brief (exit code {done.returncode}): {' '.join(tail)}")
        return target.read_bytes()
