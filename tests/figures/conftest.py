"""Fixtures of the figure tests; the helpers they use live in figure_support.py."""

from __future__ import annotations

import pytest
from figure_support import build_events


@pytest.fixture
def make_events():
    return build_events
