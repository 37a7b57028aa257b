"""What a pasted URL asked of the sidebar that the sidebar cannot give, said on the page.

A widget bound to the URL (``bind="query-params"``) drops a value it does not offer without a word:
an unknown claimant or region is left out, an unknown period or confidence falls back to the
default, a date range the picker cannot show is replaced by the whole log (read in Streamlit 1.67:
the value is also removed from the URL). :class:`UrlValues` reads the URL before the widgets are
drawn, is told what each widget offers, and lists every value it had to ignore, and why, in one
notice under the page's title and in the sidebar. Any filter bound to the URL can use it: call
:meth:`UrlValues.choices` (several values) or :meth:`UrlValues.choice` (one value) with its key,
label and the labels it offers (as the URL carries them: what the widget shows), then :meth:`show`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import streamlit as st

from dashboard.ui import text

# Values named in a notice before "and N more": a URL may carry thousands.
NAMED_AT_MOST = 5


def _listed(values: list[str]) -> str:
    shown = ", ".join(f"“{v[:60]}”" for v in values[:NAMED_AT_MOST])
    more = len(values) - NAMED_AT_MOST
    return shown + (f" and {more:,} more" if more > 0 else "")


class UrlValues:
    """The URL's values for the sidebar's keys, read once before any widget is drawn."""

    def __init__(self) -> None:
        self.asked = {key: list(st.query_params.get_all(key)) for key in st.query_params}
        self.ignored: list[str] = []

    def choices(self, key: str, label: str, offered: Iterable[str], what: str = "value") -> None:
        """A multiselect's URL values: repeats and values it does not offer are ignored, and said so."""
        asked = self.asked.get(key, [])
        if not asked:
            return
        offered_set = set(offered)
        unknown = list(dict.fromkeys(v for v in asked if v not in offered_set))
        if unknown:
            self.ignored.append(f"{label}: {_listed(unknown)} — not a {what} in the log, ignored")
        repeats = len(asked) - len(set(asked))
        if repeats:
            self.ignored.append(f"{label}: {repeats:,} repeated values ignored (each value counts once)")

    def choice(self, key: str, label: str, offered: Iterable[str], default: str) -> None:
        """A single choice's URL value: one it does not offer falls back to ``default``; repeats to the first."""
        asked = self.asked.get(key, [])
        if not asked:
            return
        offered_list = list(offered)
        if asked[0] not in offered_list:
            self.ignored.append(
                f"{label}: {_listed([asked[0]])} is not one of the choices ({', '.join(offered_list)}); "
                f"showing “{default}”"
            )
        if len(asked) > 1:
            self.ignored.append(f"{label}: given {len(asked):,} times; only the first is used")

    def date_range(
        self, key: str, label: str, reach: tuple[dt.date, dt.date], applies: bool, why_not: str
    ) -> tuple[dt.date, dt.date] | None:
        """A date range's URL values, checked before the picker is drawn.

        Returns the range to put in the picker (through session state) when the URL's range lies partly
        beyond the picker's ``reach``: clamped to it, where the picker would drop it for the whole log.
        None when the URL has no range, it fits, or it cannot be used (said in the notice). ``applies``
        False (e.g. the period is not "Custom range"): the range is ignored, with ``why_not``.
        """
        asked = self.asked.get(key, [])
        if not asked:
            return None
        if not applies:
            self.ignored.append(f"{label}: {_listed(asked)} ignored — {why_not}")
            return None
        days = []
        for value in asked:
            try:
                days.append(dt.date.fromisoformat(value))
            except ValueError:
                self.ignored.append(f"{label}: {_listed([value])} is not a date (write YYYY-MM-DD); showing all dates")
                return None
        if len(days) > 2:
            self.ignored.append(f"{label}: {len(days):,} dates given; only the first two are used")
        start, end = sorted(days[:2]) if len(days) > 1 else (days[0], days[0])
        low, high = reach
        if low <= start and end <= high:
            return None
        clamped = (min(max(start, low), high), max(min(end, high), low))
        self.ignored.append(
            f"{label}: {text.day(start)} – {text.day(end)} reaches beyond the dates the picker offers "
            f"({text.day(low)} – {text.day(high)}); cut to {text.day(clamped[0])} – {text.day(clamped[1])}"
        )
        return clamped

    def show(self) -> None:
        """One notice in the main area (the sidebar may be collapsed) and a short one in the sidebar."""
        if not self.ignored:
            return
        message = "This address asked for values the filter does not offer: " + "; ".join(self.ignored) + "."
        st.warning(text.escape_markdown(message), icon=":material/link_off:")
        st.sidebar.caption(text.escape_markdown(f"Some values in the address were ignored ({len(self.ignored)})."))
