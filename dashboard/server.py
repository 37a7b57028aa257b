"""The dashboard's server process: Streamlit's own, with its calls to the outside switched off.

``conflict-monitor serve`` replaces itself with ``python -m dashboard.server run dashboard/app.py
...`` (the arguments of ``streamlit run``). Streamlit asks checkip.amazonaws.com for this machine's
public address when it prints its start banner on a wildcard bind, and again whenever a WebSocket
arrives from an origin it does not recognise (``net_util.get_external_ip``, read in streamlit 1.67's
``web/bootstrap.py`` and ``web/server/server_util.py``); its internal-address guess "connects" a UDP
socket to 8.8.8.8. Neither answer is needed: same-origin connections are allowed before either is
asked, and a reverse proxy is named with ``browser.serverAddress`` or ``server.corsAllowedOrigins``.
Both are replaced here, before the server starts, so no lookup can happen.

An address too long to serve gets a page that says so (issue 17). Streamlit 1.67 runs on uvicorn with
h11, which answers a request head over 16 KiB with a bare "Invalid HTTP request received."; and
Streamlit itself ignores a whole query string of more than 1,000 parameters or 512 Ki characters
(``runtime/state/query_params.py``: only its log says so), so the dashboard opened on "everything".
A link carrying a filter with thousands of repeated values hits one or the other.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl, urlencode

from streamlit import net_util
from streamlit.runtime.state import query_params as streamlit_query_params


def _no_address() -> None:
    """Stands in for Streamlit's address lookups: "unknown" is a value their callers handle."""
    return None


def disable_address_lookups() -> None:
    # server_util and bootstrap look the functions up on the module at call time, so replacing the
    # module attributes covers every caller.
    net_util.get_external_ip = _no_address
    net_util.get_internal_ip = _no_address


def too_long_page(what: str, detail: str, shorter: str | None = None) -> bytes:
    """The page served instead of the dashboard for an address it cannot read: what, why, and a way on."""
    way_on = (
        f'<p><a href="{html.escape(shorter, quote=True)}">Open the same view with each repeated value once</a>.</p>'
        if shorter
        else ""
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Address too long — Conflict Monitor</title>"
        "</head><body><h1>This address is too long to serve</h1>"
        f"<p>{html.escape(what)}: {html.escape(detail)} It most likely carries a filter with thousands of "
        "repeated values.</p>"
        f'{way_on}<p><a href="/">Open the dashboard without a filter</a>.</p></body></html>'
    ).encode()


def deduplicated_query(query: str) -> str:
    """``query`` with every repeated ``key=value`` pair kept once, in first-seen order."""
    pairs = list(dict.fromkeys(parse_qsl(query, keep_blank_values=True)))
    return urlencode(pairs)


def guard_query_strings(app: Any) -> Any:
    """``app`` (ASGI) behind a check of each page request's query string against Streamlit's limits."""
    max_fields = streamlit_query_params.CLIENT_STATE_QUERY_STRING_MAX_FIELDS
    max_length = streamlit_query_params.CLIENT_STATE_QUERY_STRING_MAX_LENGTH

    async def guarded(scope: dict, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"").decode("latin-1") if scope["type"] == "http" else ""
        fields = query.count("&") + 1 if query else 0
        if fields <= max_fields and len(query) <= max_length:
            await app(scope, receive, send)
            return
        shorter = deduplicated_query(query)
        fits = shorter.count("&") + 1 <= max_fields and len(shorter) <= max_length
        body = too_long_page(
            f"Its query has {fields:,} parameters and {len(query):,} characters",
            f"the dashboard reads at most {max_fields:,} parameters and {max_length:,} characters, and would "
            "otherwise ignore them all and show everything.",
            f"{scope.get('path', '/')}?{shorter}" if fits else None,
        )
        await send(
            {
                "type": "http.response.start",
                "status": 414,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return guarded


def explain_overlong_requests() -> None:
    """A request head over h11's limit is answered with :func:`too_long_page` (414), not a bare 400."""
    from uvicorn import config as uvicorn_config
    from uvicorn.protocols.http import h11_impl

    original_init = uvicorn_config.Config.__init__

    def init(self: Any, app: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, guard_query_strings(app), *args, **kwargs)

    uvicorn_config.Config.__init__ = init
    limit = h11_impl.DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
    original_400 = h11_impl.H11Protocol.send_400_response

    def send_400_response(self: Any, msg: str) -> None:
        buffered = self.conn.trailing_data[0]
        if len(buffered) <= limit:
            original_400(self, msg)
            return
        body = too_long_page(
            f"Its request is over {len(buffered) // 1024:,} KiB",
            f"this server reads request lines and headers of at most {limit // 1024:,} KiB.",
        )
        # The h11 connection is in its error state and cannot frame a response: written by hand.
        head = (
            "HTTP/1.1 414 URI Too Long\r\ncontent-type: text/html; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()

    h11_impl.H11Protocol.send_400_response = send_400_response


def main() -> None:
    disable_address_lookups()
    explain_overlong_requests()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
