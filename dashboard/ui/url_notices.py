"""What a pasted URL asked of the sidebar that the sidebar cannot give, said on the page.

A widget bound to the URL (``bind="query-params"``) drops a value it does not offer without a word:
an unknown claimant or region is left out, an unknown period or confidence falls back to the
default, a date range the picker cannot show is replaced by the whole log (read in Streamlit 1.67:
the value is also removed from the URL). :class:`UrlValues` reads the URL before the widgets are
drawn, is told what each widget offers, and lists every value it had to ignore, and why, in one
notice above the page's title (the sidebar is drawn first) and in the sidebar. Any filter bound to the URL can use it: call
:meth:`UrlValues.choices` (several values) or :meth:`UrlValues.choice` (one value) with its key,
label and the labels it offers (as the URL carries them: what the widget shows), then :meth:`show`.

The widget drops the value from the URL on the run that reads it, so the notice is kept in the
session (:class:`_Notice`) and shown on every later run and page until the user dismisses it or
changes a filter it names: each part goes when the widget it concerns no longer holds the value it
held when the part was written, the other parts stay.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import streamlit as st

from dashboard.ui import text

# Values named in a notice before "and N more": a URL may carry thousands.
NAMED_AT_MOST = 5
# The session's notice (a _Notice). Not a widget key: the notice is not part of the filter or the URL.
_STATE_KEY = "_url_notice"
DISMISS_KEY = "url-notice-dismiss"


def _listed(values: list[str]) -> str:
    shown = ", ".join(f"“{v[:60]}”" for v in values[:NAMED_AT_MOST])
    more = len(values) - NAMED_AT_MOST
    return shown + (f" and {more:,} more" if more > 0 else "")


def _widget_state(keys: Iterable[str]) -> dict[str, tuple[bool, object]]:
    """What each widget key holds now (and whether it holds anything: an undrawn widget has no state)."""
    return {key: (key in st.session_state, copy.deepcopy(st.session_state.get(key))) for key in keys}


@dataclass
class _Part:
    """One thing a URL asked that the filter ignored or cut, and the widgets it is about."""

    key: str  # the URL key whose value was ignored; a later URL with other values for it replaces the part
    message: str
    concerns: tuple[str, ...]  # widget keys: when one of them changes, the part no longer applies
    held: dict[str, tuple[bool, object]] = field(default_factory=dict)  # their state when the part was written

    def applies(self) -> bool:
        return _widget_state(self.concerns) == self.held


@dataclass
class _Notice:
    """A session's notice: its parts, and the URL values they were read from."""

    parts: list[_Part] = field(default_factory=list)
    # The URL's values per key as the last run found them and as its widgets left them. Either one
    # on a later run is not news: a widget not drawn (dates without "Custom range") leaves its value in
    # the URL, and a browser may send the old URL once more; reporting it again would bring back a
    # part the user dismissed or made moot.
    seen: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)


def dismiss() -> None:
    """Forget the notice's parts (the "Dismiss" button, "Reset filters"); the URL values stay seen."""
    notice = st.session_state.get(_STATE_KEY)
    if notice is not None:
        notice.parts = []


class UrlValues:
    """The URL's values for the sidebar's keys, read once before any widget is drawn."""

    def __init__(self) -> None:
        self.asked = {key: list(st.query_params.get_all(key)) for key in st.query_params}
        self.found: list[_Part] = []  # this run's findings, in the order the keys were checked
        self.checked: list[str] = []

    def _ignore(self, key: str, message: str, also: tuple[str, ...] = ()) -> None:
        self.found.append(_Part(key, message, (key, *also)))

    def _asked(self, key: str) -> list[str]:
        self.checked.append(key)
        return self.asked.get(key, [])

    def choices(self, key: str, label: str, offered: Iterable[str], what: str = "value") -> None:
        """A multiselect's URL values: repeats and values it does not offer are ignored, and said so."""
        asked = self._asked(key)
        if not asked:
            return
        offered_set = set(offered)
        unknown = list(dict.fromkeys(v for v in asked if v not in offered_set))
        if unknown:
            self._ignore(key, f"{label}: {_listed(unknown)} — not a {what} in the log, ignored")
        repeats = len(asked) - len(set(asked))
        if repeats:
            self._ignore(key, f"{label}: {repeats:,} repeated values ignored (each value counts once)")

    def choice(self, key: str, label: str, offered: Iterable[str], default: str) -> None:
        """A single choice's URL value: one it does not offer falls back to ``default``; repeats to the first."""
        asked = self._asked(key)
        if not asked:
            return
        offered_list = list(offered)
        if asked[0] not in offered_list:
            self._ignore(
                key,
                f"{label}: {_listed([asked[0]])} is not one of the choices ({', '.join(offered_list)}); "
                f"showing “{default}”",
            )
        if len(asked) > 1:
            self._ignore(key, f"{label}: given {len(asked):,} times; only the first is used")

    def date_range(
        self,
        key: str,
        label: str,
        reach: tuple[dt.date, dt.date],
        applies: bool,
        why_not: str,
        depends_on: tuple[str, ...] = (),
    ) -> tuple[dt.date, dt.date] | None:
        """A date range's URL values, checked before the picker is drawn.

        Returns the range to put in the picker (through session state) when the URL's range lies partly
        beyond the picker's ``reach``: clamped to it, where the picker would drop it for the whole log.
        None when the URL has no range, it fits, or it cannot be used (said in the notice). ``applies``
        False (e.g. the period is not "Custom range"): the range is ignored, with ``why_not``.
        ``depends_on``: the widget keys ``applies`` was read from; changing one ends the range's notice.
        """
        asked = self._asked(key)
        if not asked:
            return None
        if not applies:
            self._ignore(key, f"{label}: {_listed(asked)} ignored — {why_not}", depends_on)
            return None
        days = []
        for value in asked:
            try:
                days.append(dt.date.fromisoformat(value))
            except ValueError:
                self._ignore(
                    key, f"{label}: {_listed([value])} is not a date (write YYYY-MM-DD); showing all dates", depends_on
                )
                return None
        if len(days) > 2:
            self._ignore(key, f"{label}: {len(days):,} dates given; only the first two are used", depends_on)
        start, end = sorted(days[:2]) if len(days) > 1 else (days[0], days[0])
        low, high = reach
        if low <= start and end <= high:
            return None
        clamped = (min(max(start, low), high), max(min(end, high), low))
        self._ignore(
            key,
            f"{label}: {text.day(start)} – {text.day(end)} reaches beyond the dates the picker offers "
            f"({text.day(low)} – {text.day(high)}); cut to {text.day(clamped[0])} – {text.day(clamped[1])}",
            depends_on,
        )
        return clamped

    def show(self) -> None:
        """The session's notice, after every widget is drawn: one in the main area, a short one in the sidebar.

        In the main area because the sidebar may be collapsed. This run's findings join the notice only
        for keys whose URL values are new to the session; for such a key they replace what an earlier
        URL asked, so a value is never named twice.
        """
        notice = st.session_state.get(_STATE_KEY) or _Notice()
        new = [p for p in self.found if tuple(self.asked.get(p.key, ())) not in notice.seen.get(p.key, set())]
        replaced = {p.key for p in new}
        for part in new:
            part.held = _widget_state(part.concerns)
        kept = [p for p in notice.parts if p.key not in replaced and p.applies()]
        # In the sidebar's order, whichever run found them.
        order = {key: i for i, key in enumerate(dict.fromkeys(self.checked))}
        notice.parts = sorted(kept + new, key=lambda p: order.get(p.key, len(order)))
        notice.seen.update(
            {key: {tuple(self.asked.get(key, ())), tuple(st.query_params.get_all(key))} for key in self.checked}
        )
        st.session_state[_STATE_KEY] = notice
        if not notice.parts:
            return
        message = (
            "This address asked for values the filter does not offer: "
            + "; ".join(p.message for p in notice.parts)
            + "."
        )
        # The values come from whoever wrote the link: text, never Markdown or a link to click.
        st.warning(text.escape_markdown(message), icon=":material/link_off:")
        st.button("Dismiss", key=DISMISS_KEY, on_click=dismiss, type="tertiary", icon=":material/close:")
        st.sidebar.caption(text.escape_markdown(f"Some values in the address were ignored ({len(notice.parts)})."))
