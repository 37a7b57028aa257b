"""What the brief tests share: the log they brief on, and readers for the PDF and HTML written.

A module of its own with a unique name, so test files import it reliably.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader

from dashboard.events.importers import import_file

REPO = Path(__file__).resolve().parents[2]
PAGES_FIXTURE = REPO / "tests" / "fixtures" / "pages" / "events.csv"  # 18 claims, Oct 2024 – Apr 2025
HOSTILE_CSV = REPO / "tests" / "fixtures" / "e2e" / "hostile.csv"  # the e2e suite's hostile record
HOSTILE_ID = "E2E-HOSTILE"
HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
ARTIFACTS = REPO / "tests" / "artifacts" / "brief"


def fill(store) -> None:
    """The page fixture's 18 claims plus the hostile record."""
    assert import_file(store, PAGES_FIXTURE, fmt="native", origin="seed").new == 18
    assert import_file(store, HOSTILE_CSV, origin="e2e").new == 1


def pdf_reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), data[:20]
    return PdfReader(io.BytesIO(data))


def pdf_pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pdf_reader(data).pages]


def flat(text: str) -> str:
    """Text with every run of white space as one space (PDF text breaks lines where the page does)."""
    return " ".join(text.split())


class TagCollector(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(page: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(page)
    return collector


def table_rows(page: str, section_key: str) -> list[str]:
    """The text of each body row of the tables of one section (cells joined by " | ")."""
    found = re.search(rf'<section id="sec-{section_key}".*?</section>', page, flags=re.S)
    assert found, section_key
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(0), flags=re.S)
    out = []
    for row in rows:
        if "<th" in row:
            continue
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        out.append(" | ".join(re.sub(r"<[^>]+>", "", c) for c in cells))
    return out
