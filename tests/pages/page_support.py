"""Constants and helpers of the page tests (fixtures live in conftest.py).

A module of its own, with a unique name, so test files import it reliably:
``from conftest import`` depends on which conftest was imported first.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
FIXTURE = REPO / "tests" / "fixtures" / "pages" / "events.csv"
FIXTURE_EVENTS = 18
TIMEOUT = 60


def plain(markdown: str) -> str:
    """Escaped Markdown (as the pages write data into captions) back to its text as a reader sees it
    (without the invisible word joiners that keep bare addresses from becoming links)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def shown_caption(at: AppTest) -> str:
    """The "what is shown" line under the page title."""
    return plain(at.main.caption[0].value)


def charts(at: AppTest) -> list[dict]:
    """Every plotly figure on the page, as the JSON sent to the browser."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def no_match_shown(at: AppTest) -> bool:
    return any("No events match" in info.value for info in at.info)


def values(array: list | dict) -> list:
    """A plotly JSON array as a list (plotly sends numbers as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        decoded = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        return decoded.reshape(array["shape"]).tolist() if "shape" in array else decoded.tolist()
    return list(array)
