"""Records every attempt of this Python process to reach another machine (loaded via PYTHONPATH).

The tests that start the dashboard's server put this folder first on ``PYTHONPATH`` and name a
file in ``CONFLICT_MONITOR_AUDIT_LOG``; Python imports ``sitecustomize`` at start, and the audit
hook below appends one line per ``socket.connect``, ``socket.sendto`` or ``socket.getaddrinfo``
whose address is not this machine's. The attempt itself is refused, so a forgotten lookup fails
fast instead of waiting on a network the test machine may have. A server that keeps its calls
inside the machine leaves the file empty.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import traceback

_LOG = os.environ.get("CONFLICT_MONITOR_AUDIT_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the wildcard address for a listening socket
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%")[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # a host name other than localhost: a DNS lookup
    return address.is_loopback or address.is_unspecified


def _hook(event: str, args: tuple) -> None:
    if event in ("socket.connect", "socket.sendto"):
        address = args[-1]
        if not isinstance(address, tuple):  # AF_UNIX path, abstract socket name
            return
        host = address[0]
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if _is_local(host):
        return
    where = "".join(traceback.format_stack(limit=8)[:-1]).replace("\n", " | ")
    with open(_LOG, "a", encoding="utf-8") as out:
        out.write(f"{event} {host!r} from {where}\n")
    raise OSError(f"outbound connection attempt to {host!r} refused by the test's audit hook")


if _LOG:
    sys.addaudithook(_hook)
