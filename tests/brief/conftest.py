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
