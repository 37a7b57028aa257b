"""Building a brief: the document model (``model.py``) filled from the log for one request.

Reads the log through the data layer (``EventStore.query``, ``events.changes``) and draws
charts with the pure figure functions; knows nothing of Streamlit. What it makes is plain
data (strings, numbers, PNG bytes), never markup: the HTML writer (``html.py``) escapes every
string, so text from the log cannot turn into markup, and the PDF is printed from that HTML.

Sections are made by the functions in ``SECTION_BUILDERS``, in order. A new section (the
grades of issue 18, the "as known on" comparison of issue 17) is one more function there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.brief.colophon import make_colophon, moment_text
from dashboard.brief.model import DEFAULT_TITLE, Brief, BriefRequest, Chart, Section, Source, Table
from dashboard.events import changes, geo, register_store, schema
from dashboard.events.schema import MEASURES
from dashboard.events.store import EventStore
from dashboard.figures import export, maps, missiles, overview, printable, timeline
from dashboard.figures.style import category_label, format_number

MAX_TABLE_ROWS = 60
MAX_CITED_CLAIMS = 300
# The window the headline figures compare when the filter has no start date (as the Overview does).
OPEN_PERIOD_DAYS = 30
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

# --- building -------------------------------------------------------------------------------


class _Citations:
    """Numbers sources in order of first citation; the same source cited twice keeps its number."""

    def __init__(self) -> None:
        self._numbers: dict[tuple, int] = {}
        self.sources: list[Source] = []

    def cite(self, sources_cell: object) -> tuple[int, ...]:
        numbers = []
        for source in schema.stored_sources(sources_cell):
            key = tuple(str(source.get(k) or "") for k in ("outlet", "title", "date", "url"))
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers) + 1
                url = str(source.get("url") or "").strip()
                self.sources.append(
                    Source(
                        number=self._numbers[key],
                        outlet=key[0],
                        title=key[1],
                        date=key[2],
                        url=url if _HTTP_URL.match(url) else None,
                    )
                )
            numbers.append(self._numbers[key])
        return tuple(dict.fromkeys(numbers))


@dataclass
class _Context:
    """What every section builder reads: the request, the claims, the knowledge time, the citations."""

    request: BriefRequest
    store: EventStore
    shown: pd.DataFrame  # claims matching the filter
    base: pd.DataFrame  # claims matching the filter except its dates (for the previous period)
    start: dt.date | None
    end: dt.date | None
    known_at: dt.datetime | None
    citations: _Citations
    images: bool
    _positions: pd.Index | None = None

    def claim(self, event_id: str) -> dict:
        """One matching claim's fields, by id (an index lookup: the log may hold a million rows)."""
        if self._positions is None:
            self._positions = pd.Index(self.shown["event_id"].astype(str))
        return self.shown.iloc[self._positions.get_loc(event_id)].to_dict()


def build_brief(store: EventStore, request: BriefRequest, *, images: bool = True) -> Brief:
    """The brief for ``request`` over ``store``.

    ``images=False`` leaves the charts undrawn (``Chart.png`` None): for tests of the text, and
    where no Chromium is installed. The same request on the same revision of the log gives the
    same document: nothing in it depends on the wall clock (the "as of" time is when the log
    last changed, see ``changes.knowledge_time``).
    """
    flt = request.filter
    known_at = changes.knowledge_time(store, request.as_of)
    # Graded by the store's claimant register: the latest-claims table gives each claim's grade (B2).
    graded = register_store.graded_events(store, as_of=request.as_of)
    base = flt.with_dates(None, None).apply(graded).reset_index(drop=True)
    shown = flt.apply(base).reset_index(drop=True)
    span = _span(shown)
    start = flt.start or (span[0] if span else None)
    end = flt.end or (span[1] if span else None)
    context = _Context(request, store, shown, base, start, end, known_at, _Citations(), images)
    sections = []
    for builder in SECTION_BUILDERS:
        section = builder(context)
        if section is not None:
            sections.append(section)
    numbered = tuple(
        Section(s.key, f"{i}. {s.heading}", s.paragraphs, s.blocks) for i, s in enumerate(sections, start=1)
    )
    sources_section = Section("sources", f"{len(numbered) + 1}. Sources")
    return Brief(
        title=request.title or DEFAULT_TITLE,
        period=_period_text(start, end, shown),
        filters=f"Filter: {flt.describe()}.",
        sections=(*numbered, sources_section),
        sources=tuple(context.citations.sources),
        colophon=make_colophon(store, request, known_at),
        paper=request.paper,
    )


# --- sections -------------------------------------------------------------------------------


def _headline_section(ctx: _Context) -> Section:
    if ctx.shown.empty or ctx.end is None:
        return Section("headline", "Headline figures", ("No claim matches the filter.",))
    end = ctx.end
    if ctx.request.filter.start is not None:
        days = (end - ctx.request.filter.start).days + 1
        framing = f"The period ({_day(ctx.request.filter.start)} – {_day(end)}, {days} days) against the {days} days before it."
    else:
        days = OPEN_PERIOD_DAYS
        framing = f"The period has no start date: its last {days} days against the {days} days before them."
    change = overview.window_change(ctx.base, end, days=days)
    current, previous = change.attrs["current"], change.attrs["previous"]
    rows, refs = [], []
    for row in change.itertuples(index=False):
        if row.current or row.previous:
            rows.append((f"Claims: {row.label}", f"{row.current:,}", f"{row.previous:,}", _signed(row.change)))
            refs.append(())
    fired_now = _missiles_fired(ctx.base, *current)
    fired_before = _missiles_fired(ctx.base, *previous)
    if fired_now or fired_before:
        rows.append(
            ("Missiles fired", format_number(fired_now), format_number(fired_before), _signed(fired_now - fired_before))
        )
        refs.append(())
    measure_rows, measure_refs = [], []
    previous_end = pd.Timestamp(previous[1])
    # Each measure the period's claims answer (trying each of the schema's 200 cost seconds).
    latest_before = overview.latest_by_measure(ctx.base.loc[ctx.base["event_date"] <= previous_end])
    for key, latest in overview.latest_by_measure(ctx.shown).items():
        measure = MEASURES[key]
        before = latest_before.get(key, latest.iloc[:0])
        measure_rows.append(
            (
                measure.label,
                _range_text(latest["value"]),
                f"{len(latest)}",
                _range_text(before["value"]) if len(before) else "no claim",
            )
        )
        measure_refs.append(
            tuple(n for event_id in latest["event_id"] for n in ctx.citations.cite(ctx.claim(event_id)["sources"]))
        )
    blocks: list[Table | Chart] = [
        Table(
            (
                "What",
                f"{_day(current[0])} – {_day(current[1])}",
                f"{_day(previous[0])} – {_day(previous[1])}",
                "Change",
            ),
            tuple(rows),
            tuple(refs),
            caption="Claims recorded, by the date of the event",
        )
    ]
    if measure_rows:
        blocks.append(
            Table(
                ("Measure", "Latest claims (range across claimants)", "Claimants", f"Latest by {_day(previous[1])}"),
                tuple(measure_rows),
                tuple(measure_refs),
                caption="Estimates: each claimant's newest figure; claims that disagree are not summed",
            )
        )
    paragraphs = [
        f"{len(ctx.shown):,} claims from {ctx.shown['claimant'].nunique():,} claimants match the filter. {framing}"
    ]
    reference_day = ctx.known_at.date() if ctx.known_at else end
    note = overview.incomplete_note(ctx.shown, end, reference_day)
    if note:
        paragraphs.append(f"{note} (Counted from when the log was last updated, {_day(reference_day)}.)")
    return Section("headline", "Headline figures", tuple(paragraphs), tuple(blocks))


def _changes_section(ctx: _Context) -> Section | None:
    since = ctx.request.since
    if since is None:
        return None
    found = changes.changes_between(ctx.store, since, ctx.request.as_of)
    found = found.loc[ctx.request.filter.mask(found)] if len(found) else found
    counts = {kind: int((found["change"] == kind).sum()) if len(found) else 0 for kind in changes.CHANGE_KINDS}
    until = _moment(ctx.request.as_of) if ctx.request.as_of else "this brief"
    summary = (
        f"Recorded in the log after {_moment(since)} and up to {until}: {counts['new']:,} new, "
        f"{counts['revised']:,} revised and {counts['retracted']:,} retracted claims matching the filter."
    )
    if found.empty:
        return Section("changes", f"What changed since {_moment(since)}", (summary,))
    rows, refs = [], []
    listed = found.tail(MAX_TABLE_ROWS).iloc[::-1]  # newest first
    for row in listed.to_dict("records"):
        what = _preview(row.get("description"))
        if row["change"] == "revised" and row["changed_fields"]:
            what = "changed: " + ", ".join(row["changed_fields"]) + (f". {what}" if what else "")
        if row.get("reason"):
            what = (
                f"{what} (reason: {_preview(row['reason'], 80)})" if what else f"reason: {_preview(row['reason'], 80)}"
            )
        rows.append((_moment(row["recorded_at"]), row["change"], str(row["event_id"]), str(row["claimant"]), what))
        refs.append(ctx.citations.cite(row["sources"]))
    note = _more_note(len(found), len(listed), "changes")
    table = Table(
        ("Recorded (UTC)", "Change", "Claim", "Claimant", "What"),
        tuple(rows),
        tuple(refs),
        note=note,
        nowrap=("Claim",),
    )
    return Section("changes", f"What changed since {_moment(since)}", (summary,), (table,))


def _latest_claims_section(ctx: _Context) -> Section | None:
    rows, refs = [], []
    for key, latest in overview.latest_by_measure(ctx.shown).items():
        measure = MEASURES[key]
        for claim in latest.to_dict("records"):
            record = ctx.claim(claim["event_id"])
            rows.append(
                (
                    measure.label,
                    claim["claimant"],
                    _day(claim["event_date"]),
                    timeline.claim_text(claim),
                    str(record.get("grade") or "—"),
                    claim["event_id"],
                )
            )
            refs.append(ctx.citations.cite(record["sources"]))
    if not rows:
        return None
    paragraph = (
        "The newest claim of each claimant for each measure in the period. Grade: the NATO/Admiralty code, "
        "the reliability of the claim's originator (A completely reliable … E unreliable, F cannot be judged; "
        "from the claimant register unless the claim says otherwise) and the credibility of the information "
        "(1 confirmed by other sources … 5 improbable, 6 cannot be judged)."
    )
    table = Table(("Measure", "Claimant", "Date", "Claim", "Grade", "Id"), tuple(rows), tuple(refs), nowrap=("Id",))
    return Section("latest", "Latest claims by claimant", (paragraph,), (table,))


def _charts_section(ctx: _Context) -> Section | None:
    if ctx.shown.empty:
        return None
    charts = [
        _chart(
            ctx,
            "Claims per month, by category",
            timeline.timeline_chart(timeline.period_counts(ctx.shown, "month"), "month", title=None),
            "Stacked bars: the number of claims per month, one pattern per category.",
        )
    ]
    for key in ("troops_in_russia", "total_casualties"):
        series = timeline.estimate_series(ctx.shown, key)
        if len(series):
            label = MEASURES[key].label
            charts.append(
                _chart(
                    ctx,
                    f"{label}: running estimates by claimant",
                    timeline.estimate_chart(series, key, title=None),
                    f"Each claimant's claims ({label}) over time, one line style per claimant; "
                    "bands span a claim's low to high figure.",
                )
            )
    regions = maps.region_values(ctx.shown, "count")
    points, _ = maps.point_events(ctx.shown)
    charts.append(
        _chart(
            ctx,
            "Claims by region (Kursk and the border)",
            maps.region_map(regions, points, geo.load_boundaries(), view="kursk_border", title=None, labels=False),
            "Regions shaded by the number of claims (darker is more); precise places as points.",
        )
    )
    monthly = missiles.missile_monthly(ctx.shown)
    if len(monthly):
        charts.append(
            _chart(
                ctx,
                "Missiles fired per month, by type",
                missiles.missile_monthly_chart(monthly, title=None),
                "Stacked bars: missiles fired per month, one pattern per missile type; diamonds: launch events.",
            )
        )
    paragraph = "Static images of the dashboard's charts for the same filter; the data behind each is in the tables and sources."
    return Section("charts", "Charts", (paragraph,), tuple(charts))


def _missiles_section(ctx: _Context) -> Section | None:
    tests = ctx.shown.loc[(ctx.shown["category"] == "missile_test").to_numpy()]
    if tests.empty:
        return None
    tests = tests.sort_values(["event_date", "event_id"], ascending=[False, True], kind="stable")
    listed = tests.head(MAX_TABLE_ROWS)
    rows, refs = [], []
    for row in listed.to_dict("records"):
        kind = missiles.missile_type_label(row.get("subcategory") or "unknown")
        name = _text(row.get("missile_name"))
        rows.append(
            (
                _day(row["event_date"]),
                f"{name} ({kind})" if name else kind,
                format_number(row.get("figure_best") if _has(row.get("figure_best")) else row.get("figure_low")),
                _km(row.get("apogee_km")),
                _km(row.get("distance_km")),
                _text(row.get("launch_site")) or "—",
                str(row["claimant"]),
            )
        )
        refs.append(ctx.citations.cite(row["sources"]))
    table = Table(
        ("Date", "Missile", "Fired", "Apogee", "Distance", "Launch site", "Claimant"),
        tuple(rows),
        tuple(refs),
        note=_more_note(len(tests), len(listed), "launches"),
    )
    return Section(
        "missiles", "Missile launches", (f"{len(tests):,} launch events in the period, newest first.",), (table,)
    )


def _claims_section(ctx: _Context) -> Section | None:
    if ctx.shown.empty:
        return None
    ordered = ctx.shown.sort_values(["event_date", "event_id"], kind="stable")
    listed = ordered.head(MAX_CITED_CLAIMS)
    rows, refs = [], []
    for row in listed.to_dict("records"):
        figures = _figures_text(row)
        rows.append(
            (
                _day(row["event_date"]),
                str(row["event_id"]),
                category_label(row["category"]),
                str(row["claimant"]),
                figures,
                _preview(row.get("description"), 160),
            )
        )
        refs.append(ctx.citations.cite(row["sources"]))
    note = _more_note(len(ordered), len(listed), "claims")
    if note:
        note += " The command in the last section with `conflict-monitor export` in place of `brief` lists them all."
    table = Table(
        ("Date", "Id", "Category", "Claimant", "Figures", "Claim"), tuple(rows), tuple(refs), note=note, nowrap=("Id",)
    )
    return Section(
        "claims",
        "Claims behind the figures",
        ("Every claim the figures above count, oldest first, with its sources.",),
        (table,),
    )


SECTION_BUILDERS: tuple[Callable[[_Context], Section | None], ...] = (
    _headline_section,
    _changes_section,
    _latest_claims_section,
    _charts_section,
    _missiles_section,
    _claims_section,
)


# --- charts ---------------------------------------------------------------------------------


def _chart(ctx: _Context, title: str, fig, alt: str) -> Chart:
    if not ctx.images:
        return Chart(title, alt, None, note="Chart not drawn (text-only brief).")
    printable_fig = printable.for_print(export.with_export_template(fig))
    # Drawn at about the printed width (180 mm ≈ 1000 px), so 16 px type prints at about 8 pt.
    printable_fig.update_layout(title=None, font=dict(size=16))
    try:
        png = export.figure_png(printable_fig, width=1000, height=500, scale=2)
    except export.ChartExportUnavailable as exc:
        return Chart(title, alt, None, note=f"Chart not drawn: {exc}")
    return Chart(title, alt, png)


# --- the colophon ---------------------------------------------------------------------------

# --- small helpers --------------------------------------------------------------------------


def _span(events: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    if events.empty:
        return None
    ends = events["event_date_end"].fillna(events["event_date"])
    return events["event_date"].min().date(), ends.max().date()


def _period_text(start: dt.date | None, end: dt.date | None, shown: pd.DataFrame) -> str:
    if start is None or end is None:
        return "No claim matches the filter."
    return f"Period: {_day(start)} – {_day(end)}; {len(shown):,} claims."


def _missiles_fired(events: pd.DataFrame, first: dt.date, last: dt.date) -> float:
    dates = events["event_date"]
    window = events.loc[((dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(last))).to_numpy()]
    monthly = missiles.missile_monthly(window)
    return float(monthly["missiles"].sum()) if len(monthly) else 0.0


def _range_text(values: pd.Series) -> str:
    low, high = float(values.min()), float(values.max())
    return format_number(low) if low == high else f"{format_number(low)} – {format_number(high)}"


def _figures_text(row: dict) -> str:
    figures = [format_number(row.get(c)) for c in ("figure_low", "figure_best", "figure_high") if _has(row.get(c))]
    if not figures:
        return "—"
    unit = _text(row.get("unit")) or ""
    return " / ".join(figures) + (f" {unit.replace('_', ' ')}" if unit else "")


def _signed(value: float) -> str:
    return "no change" if not value else f"{value:+,.0f}"


def _day(value: dt.date | pd.Timestamp | None) -> str:
    if value is None or value is pd.NaT:
        return "—"
    return f"{value.day} {value:%b %Y}"


def _moment(value: dt.datetime | pd.Timestamp) -> str:
    return moment_text(pd.Timestamp(value).to_pydatetime())


def _km(value: object) -> str:
    return f"{format_number(value)} km" if _has(value) else "—"


def _has(value: object) -> bool:
    """Not missing: None, NaN, NaT and pd.NA are all missing."""
    return not bool(pd.isna(value))


def _text(value: object) -> str | None:
    return (str(value).strip() or None) if _has(value) else None


def _preview(value: object, limit: int = 120) -> str:
    text = _text(value) or ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _more_note(total: int, listed: int, noun: str) -> str | None:
    return None if total <= listed else f"{listed:,} of {total:,} {noun} listed."
