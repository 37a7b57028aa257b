"""The Overview's "Brief" control: the same document as ``conflict-monitor brief``, for the sidebar's filter.

Both buttons get a callable, so the brief (charts drawn by kaleido, the PDF printed by Chromium:
several seconds) is built only when someone clicks, and clicking does not rerun the page.
"""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from dashboard import brief
from dashboard.events.filters import EventFilter
from dashboard.figures.export import chromium_available
from dashboard.ui import data

_MIME = {"pdf": "application/pdf", "html": "text/html"}


def _build(fmt: str, flt: EventFilter, paper: str, as_of: dt.datetime | None = None) -> bytes:
    request = brief.BriefRequest(flt, as_of=as_of, paper=paper, out=f"conflict-monitor-brief.{fmt}")
    return brief.render(brief.build_brief(data.get_store(), request), fmt)


def brief_downloads(flt: EventFilter, as_of: dt.datetime | None = None) -> None:
    """A "Brief" heading with a paper choice and PDF and HTML download buttons for ``flt`` (the log as of ``as_of``)."""
    st.subheader("Brief", anchor=False)
    st.caption(
        "A document of this view to share or print: headline figures, the latest claims, charts, missile "
        "launches and every claim with its sources, pinned to the log's revision (the command that "
        "regenerates it is on its last page)."
    )
    paper_col, pdf_col, html_col = st.columns([1, 1, 1], vertical_alignment="bottom")
    paper = paper_col.selectbox("Paper", list(brief.PAPERS), format_func=brief.PAPERS.get, key="brief-paper")
    # Without Chromium there is no PDF (and the HTML brief says its charts were not drawn).
    printable = chromium_available()
    for column, fmt, label in ((pdf_col, "pdf", "Brief (PDF)"), (html_col, "html", "Brief (HTML)")):
        column.download_button(
            label,
            data=functools.partial(_build, fmt, flt, paper, as_of),
            file_name=f"conflict-monitor-brief.{fmt}",
            mime=_MIME[fmt],
            on_click="ignore",
            key=f"brief-{fmt}",
            icon=":material/description:",
            disabled=fmt == "pdf" and not printable,
            help=None if printable or fmt != "pdf" else "Printing to PDF needs Chromium (apt-get install chromium).",
        )
