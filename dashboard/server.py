"""The dashboard's server process: Streamlit's own, with its calls to the outside switched off.

``conflict-monitor serve`` replaces itself with ``python -m dashboard.server run dashboard/app.py
...`` (the arguments of ``streamlit run``). Streamlit asks checkip.amazonaws.com for this machine's
public address when it prints its start banner on a wildcard bind, and again whenever a WebSocket
arrives from an origin it does not recognise (``net_util.get_external_ip``, read in streamlit 1.67's
``web/bootstrap.py`` and ``web/server/server_util.py``); its internal-address guess "connects" a UDP
socket to 8.8.8.8. Neither answer is needed: same-origin connections are allowed before either is
asked, and a reverse proxy is named with ``browser.serverAddress`` or ``server.corsAllowedOrigins``.
Both are replaced here, before the server starts, so no lookup can happen.
"""

from __future__ import annotations

from streamlit import net_util


def _no_address() -> None:
    """Stands in for Streamlit's address lookups: "unknown" is a value their callers handle."""
    return None


def disable_address_lookups() -> None:
    # server_util and bootstrap look the functions up on the module at call time, so replacing the
    # module attributes covers every caller.
    net_util.get_external_ip = _no_address
    net_util.get_internal_ip = _no_address


def main() -> None:
    disable_address_lookups()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
