"""The briefing: a reproducible brief of the filtered log, as self-contained HTML or as PDF.

``build_brief`` fills the document model (``model.py``) from the store (``document.py``; the
colophon's command and link in ``colophon.py``), ``brief_html``
writes it as one HTML file (``html.py``), and ``brief_pdf`` prints that with Chromium (``pdf.py``).
The command line writes either with ``dashboard.events.safe_write``, the same rules as every
export. No Streamlit here.
"""

from __future__ import annotations

from dashboard.brief.colophon import dashboard_url, regenerate_command
from dashboard.brief.document import build_brief
from dashboard.brief.html import brief_html
from dashboard.brief.model import DEFAULT_TITLE, PAPERS, Brief, BriefRequest
from dashboard.brief.pdf import PdfUnavailable, brief_pdf, print_html

FORMATS = ("pdf", "html")


def render(brief: Brief, fmt: str) -> bytes:
    """The brief's bytes in ``fmt`` ("pdf" or "html")."""
    if fmt == "html":
        return brief_html(brief).encode("utf-8")
    if fmt == "pdf":
        return brief_pdf(brief)
    raise ValueError(f"a brief is written as {' or '.join(FORMATS)}, not {fmt!r}")


__all__ = [
    "DEFAULT_TITLE",
    "FORMATS",
    "PAPERS",
    "Brief",
    "BriefRequest",
    "PdfUnavailable",
    "brief_html",
    "brief_pdf",
    "build_brief",
    "dashboard_url",
    "print_html",
    "regenerate_command",
    "render",
]
