"""How a brief says where it came from: the revision, the as-of time, the dashboard link, the command.

The command pins ``--as-of`` to the moment the log stood at, so it makes the same text again after
later imports; the link uses the query format the sidebar binds (``dashboard/ui/sidebar.py``).
"""

from __future__ import annotations

import datetime as dt
import shlex
from urllib.parse import urlencode

from dashboard.brief.model import BriefRequest, Colophon
from dashboard.events import changes, geo
from dashboard.events.filters import EventFilter
from dashboard.events.store import EventStore
from dashboard.figures.style import category_label

# Where the dashboard answers by default (``conflict-monitor serve``); the link opens the same view there.
DASHBOARD_URL = "http://localhost:8501/"


def make_colophon(store: EventStore, request: BriefRequest, known_at: dt.datetime | None) -> Colophon:
    pinned = request.as_of or known_at
    return Colophon(
        revision_token=changes.revision_token_as_of(store, request.as_of),
        as_of=moment_text(pinned) + " UTC" if pinned else "an empty log",
        as_of_iso=pinned.isoformat() if pinned else "",
        dashboard_url=dashboard_url(request.filter),
        command=regenerate_command(request, pinned),
    )


def regenerate_command(request: BriefRequest, pinned: dt.datetime | None) -> str:
    """The ``conflict-monitor brief`` command that makes this brief again (``--as-of`` pinned to ``pinned``)."""
    flt = request.filter
    args = ["conflict-monitor", "brief", "--out", request.out or "brief.pdf"]
    if flt.start:
        args += ["--start", flt.start.isoformat()]
    if flt.end:
        args += ["--end", flt.end.isoformat()]
    for option, values in (
        ("--category", flt.categories),
        ("--country", flt.countries),
        ("--admin1", flt.admin1),
        ("--claimant", flt.claimants),
    ):
        for value in values:
            args += [option, value]
    if flt.min_confidence:
        args += ["--min-confidence", flt.min_confidence]
    if flt.min_reliability:
        args += ["--min-reliability", flt.min_reliability]
    if flt.min_credibility:
        args += ["--min-credibility", str(flt.min_credibility)]
    if flt.text:
        args += ["--text", flt.text]
    if request.since:
        args += ["--since", changes.naive_utc(request.since).isoformat()]
    if pinned:
        args += ["--as-of", changes.naive_utc(pinned).isoformat()]
    if request.title:
        args += ["--title", request.title]
    if request.paper != "a4":
        args += ["--paper", request.paper]
    return shlex.join(args)


def dashboard_url(flt: EventFilter, base: str = DASHBOARD_URL) -> str:
    """The dashboard's address showing ``flt``, in the query format the sidebar binds (``ui/sidebar.py``).

    Streamlit writes a choice as the label the widget shows: categories by label, countries as
    "Name (RUS)", regions as "Name (RU-KRS)"; a date filter as the custom range.
    """
    params: list[tuple[str, str]] = []
    if flt.start or flt.end:
        params.append(("preset", "Custom range"))
        # The sidebar's range runs to the log's ends; an open side is written as the filter's other day.
        params += [("dates", (flt.start or flt.end).isoformat()), ("dates", (flt.end or flt.start).isoformat())]
    params += [("cat", category_label(c)) for c in flt.categories]
    if flt.countries or flt.admin1:
        boundaries = geo.load_boundaries()
        countries = dict(zip(boundaries["country_code"], boundaries["country_name"], strict=True))
        regions = geo.region_names(boundaries)
        params += [("country", f"{countries.get(c, c)} ({c})") for c in flt.countries]
        params += [("region", f"{regions.get(c, c)} ({c})") for c in flt.admin1]
    params += [("claimant", c) for c in flt.claimants]
    if flt.min_confidence:
        params.append(("conf", flt.min_confidence))
    if flt.min_reliability:
        params.append(("rel", flt.min_reliability))
    if flt.min_credibility:
        params.append(("cred", str(flt.min_credibility)))
    if flt.text:
        params.append(("q", flt.text))
    return base + ("?" + urlencode(params) if params else "")


def moment_text(value: dt.datetime) -> str:
    """A UTC moment as the brief prints it: ``2026-11-30 02:44:21``."""
    return f"{changes.naive_utc(value):%Y-%m-%d %H:%M:%S}"
