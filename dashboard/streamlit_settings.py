"""The dashboard's Streamlit settings, and the command that starts the dashboard with them.

Streamlit reads ``.streamlit/config.toml`` only from the folder it is started in, which an installed
package cannot count on; ``conflict-monitor serve`` passes these settings as ``streamlit run`` flags
instead, so they apply from any folder. The checkout's ``.streamlit/config.toml`` (for a plain
``streamlit run dashboard/app.py``) must say the same: tests/test_streamlit_settings.py compares them.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Served offline to analysts; safe defaults for a shared server.
# Local by default: a dashboard reachable from the network is a choice made with `serve --host`. A
# specific address also keeps Streamlit from asking checkip.amazonaws.com for its start banner.
LOCAL_HOST = "127.0.0.1"

SETTINGS: dict[str, bool | int | str] = {
    "server.headless": True,
    "server.address": LOCAL_HOST,
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    # Nothing is served but what the app itself ships.
    "server.enableStaticServing": False,
    # Uploads are CSV exports; 200 MB holds a large ACLED extract.
    "server.maxUploadSize": 200,
    "server.runOnSave": False,
    "browser.gatherUsageStats": False,
    # Viewers see a plain message, not tracebacks with paths and code.
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
    # A table's own "Download as CSV" writes cells such as "=HYPERLINK(...)" as they are; the
    # Events page's downloads go through the formula-cell guard instead (dashboard/events/exports.py).
    "client.disableDataExport": True,
    "runner.magicEnabled": False,
    "theme.base": "light",
    "theme.primaryColor": "#1f4e79",
    "theme.backgroundColor": "#ffffff",
    "theme.secondaryBackgroundColor": "#f3f5f8",
    "theme.textColor": "#1b1f24",
    "theme.font": "sans serif",
}

APP = Path(__file__).with_name("app.py")


def streamlit_flags(settings: dict[str, bool | int | str] = SETTINGS) -> list[str]:
    """``settings`` as ``streamlit run`` flags, e.g. ``--server.maxUploadSize=200``."""
    return [f"--{key}={str(value).lower() if isinstance(value, bool) else value}" for key, value in settings.items()]


def streamlit_command(port: int, app: Path = APP, *, host: str = LOCAL_HOST) -> list[str]:
    """The command that serves ``app`` (the dashboard) on ``host``:``port`` with :data:`SETTINGS`.

    Through ``dashboard.server``: Streamlit's own command with its address lookups switched off.
    """
    settings = {**SETTINGS, "server.address": host}
    return [
        sys.executable,
        "-m",
        "dashboard.server",
        "run",
        str(app),
        "--server.port",
        str(port),
        *streamlit_flags(settings),
    ]
