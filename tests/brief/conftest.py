"""Brief tests: stores holding the page fixture plus the e2e suite's hostile record."""

from __future__ import annotations

import pytest
from brief_support import fill

from dashboard.events.store import EventStore


@pytest.fixture
def brief_store(store) -> EventStore:
    """The page fixture and the hostile record in an empty store on this test's back end."""
    fill(store)
    return store


@pytest.fixture
def fast_charts(monkeypatch) -> None:
    """Charts drawn as a small blank PNG instead of through kaleido (seconds each, the map ~6 s).

    For tests of the command line and the text; ``test_pdf.py`` draws the real charts once.
    """
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    blank = buffer.getvalue()
    monkeypatch.setattr("dashboard.figures.export.figure_png", lambda fig, **kwargs: blank)
