"""The brief's content and its HTML: figures, citations, sources, the colophon, hostile text kept as text."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from urllib.parse import parse_qs, urlsplit

import pytest
from brief_support import HOSTILE_ID, HOSTILE_SCRIPT, parse_html, table_rows

from dashboard import cli
from dashboard.brief import BriefRequest, brief_html, build_brief, dashboard_url
from dashboard.brief.model import Table
from dashboard.events import changes
from dashboard.events.filters import EventFilter

JANUARY = EventFilter(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))


def section(brief, key):
    return next(s for s in brief.sections if s.key == key)


def tables(brief, key) -> list[Table]:
    return [b for b in section(brief, key).blocks if isinstance(b, Table)]


def test_headline_figures_compare_the_period_with_the_one_before_of_the_same_length(brief_store):
    brief = build_brief(brief_store, BriefRequest(JANUARY), images=False)
    assert brief.period == "Period: 1 Jan 2025 – 31 Jan 2025; 6 claims."
    counts = tables(brief, "headline")[0]
    assert counts.columns[1:3] == ("1 Jan 2025 – 31 Jan 2025", "1 Dec 2024 – 31 Dec 2024")
    rows = {row[0]: row[1:] for row in counts.rows}
    # January: three casualty claims, two launches, the hostile statement; December: a battle, a casualty claim.
    assert rows["Claims: Casualties"] == ("3", "1", "+2")
    assert rows["Claims: Missile test"] == ("2", "0", "+2")
    assert rows["Claims: Battle"] == ("0", "1", "-1")
    assert rows["Claims: Statement"] == ("1", "0", "+1")
    assert rows["Missiles fired"] == ("4", "0", "+4")
    assert (
        "The period (1 Jan 2025 – 31 Jan 2025, 31 days) against the 31 days before it."
        in section(brief, "headline").paragraphs[0]
    )


def test_an_open_period_compares_its_last_30_days_and_flags_recent_weeks_from_the_logs_time(brief_store):
    brief = build_brief(brief_store, BriefRequest(EventFilter(categories=("deployment",))), images=False)
    counts = tables(brief, "headline")[0]
    assert counts.columns[1] == "12 Mar 2025 – 10 Apr 2025"  # the 30 days up to the newest deployment claim
    paragraphs = " ".join(section(brief, "headline").paragraphs)
    assert "its last 30 days against the 30 days before them" in paragraphs
    # The log was written today, long after April 2025: the newest weeks are not "incomplete".
    assert "likely incomplete" not in paragraphs


def test_latest_claims_list_each_claimants_newest_figure_with_grade_and_sources(brief_store):
    brief = build_brief(brief_store, BriefRequest(), images=False)
    (latest,) = tables(brief, "latest")
    rows = [row for row in latest.rows if row[0] == "DPRK troops in Russia"]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        # The grade code: NIS's register reliability B, credibility 3 from the claim's "medium" confidence.
        ("South Korea NIS", "13 Nov 2024", "about 11,000 (10,000–12,000)", "B3", "T-D04"),
        ("US DoD", "23 Oct 2024", rows[1][3], rows[1][4], "T-D02"),
    ]
    assert rows[1][4] in {"B1", "B2", "B3", "B4", "B5", "B6"}  # the DoD is B in the register
    assert all(refs for refs in latest.refs), "every claim in the table cites its sources"


def test_every_claim_is_cited_and_sources_are_numbered_in_order_of_first_citation(brief_store):
    brief = build_brief(brief_store, BriefRequest(), images=False)
    (claims,) = tables(brief, "claims")
    assert len(claims.rows) == 19 and all(claims.refs)
    numbers = [
        n
        for block in (b for s in brief.sections for b in s.blocks if isinstance(b, Table))
        for r in block.refs
        for n in r
    ]
    first_seen = list(dict.fromkeys(numbers))
    assert first_seen == list(range(1, len(brief.sources) + 1))
    assert [s.number for s in brief.sources] == first_seen
    hostile = [s for s in brief.sources if s.outlet == "Hostile Outlet"]
    assert hostile and hostile[0].title == "<b>title</b> [x](javascript:alert(1))"  # kept as the text it is
    assert all(s.url is None or re.match(r"^https?://", s.url) for s in brief.sources)


def test_missile_table_lists_launches_newest_first(brief_store):
    brief = build_brief(brief_store, BriefRequest(), images=False)
    (launches,) = tables(brief, "missiles")
    assert [row[0] for row in launches.rows] == ["14 Jan 2025", "6 Jan 2025", "5 Nov 2024", "31 Oct 2024"]
    assert launches.rows[0][1].endswith("(SRBM)") and launches.rows[0][2] == "3"


def test_changes_section_only_with_since_and_filtered(brief_store):
    assert "changes" not in [s.key for s in build_brief(brief_store, BriefRequest(), images=False).sections]
    before = changes.knowledge_time(brief_store)
    brief_store.revise("T-D04", {"figure_best": 11500}, reason="NIS update")
    brief_store.retract("T-B01", reason="duplicate")
    brief = build_brief(brief_store, BriefRequest(EventFilter(categories=("deployment",)), since=before), images=False)
    changed = section(brief, "changes")
    assert "0 new, 1 revised and 0 retracted claims matching the filter" in changed.paragraphs[0]
    (table,) = changed.blocks
    assert table.rows[0][1:4] == ("revised", "T-D04", "South Korea NIS")
    assert "changed: figure_best" in table.rows[0][4] and "NIS update" in table.rows[0][4]
    everything = build_brief(brief_store, BriefRequest(since=before), images=False)
    assert "0 new, 1 revised and 1 retracted" in section(everything, "changes").paragraphs[0]


def test_regenerate_command_parses_back_to_the_same_request(brief_store):
    flt = EventFilter(
        start=dt.date(2024, 10, 1),
        categories=("deployment", "casualties"),
        admin1=("RU-KRS",),
        claimants=("South Korea NIS",),
        min_confidence="medium",
        min_reliability="C",
        min_credibility=3,
        text='it\'s "quoted"; $(rm -rf /)',
    )
    request = BriefRequest(flt, title="Kursk: Q4 <b>brief</b>", paper="letter", since=dt.datetime(2026, 1, 1))
    brief = build_brief(brief_store, request, images=False)
    argv = shlex.split(brief.colophon.command)
    assert argv[:2] == ["conflict-monitor", "brief"]
    args = cli.build_parser().parse_args(argv[1:])
    assert cli._filter_from(args) == flt
    assert (args.title, args.paper, args.since) == (request.title, "letter", request.since)
    assert args.as_of == changes.knowledge_time(brief_store)  # pinned: later imports do not change it


def test_dashboard_url_uses_the_sidebars_keys_and_labels():
    url = dashboard_url(
        EventFilter(
            start=dt.date(2024, 11, 1),
            end=dt.date(2024, 12, 31),
            categories=("missile_test",),
            countries=("RUS",),
            admin1=("RU-KRS",),
            claimants=("Ukraine HUR",),
            min_confidence="high",
            min_reliability="B",
            min_credibility=2,
            text="Sudzha",
        )
    )
    assert url.startswith("http://localhost:8501/?")
    assert parse_qs(urlsplit(url).query) == {
        "preset": ["Custom range"],
        "dates": ["2024-11-01", "2024-12-31"],
        "cat": ["Missile test"],
        "country": ["Russia (RUS)"],
        "region": ["Kursk Oblast (RU-KRS)"],
        "claimant": ["Ukraine HUR"],
        "conf": ["high"],
        "rel": ["B"],
        "cred": ["2"],
        "q": ["Sudzha"],
    }
    assert dashboard_url(EventFilter()) == "http://localhost:8501/"


@pytest.mark.parametrize("request_", [BriefRequest(), BriefRequest(EventFilter(text="E2E"), title="<i>T</i>")])
def test_html_keeps_every_hostile_string_as_text(brief_store, request_):
    brief = build_brief(brief_store, request_, images=False)
    page = brief_html(brief)
    parsed = parse_html(page)
    tags = {tag for tag, _ in parsed.tags}
    # Only the markup the writer itself uses: no script, img from data, iframe, form...
    assert tags <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "h2",
        "p",
        "nav",
        "ol",
        "li",
        "a",
        "span",
        "section",
        "table",
        "caption",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "figure",
        "figcaption",
        "b",
        "footer",
        "dl",
        "dt",
        "dd",
        "code",
    }, tags
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "a":
            assert re.match(r"^(https?://|#)", attrs["href"]), attrs["href"]
    text = "".join(parsed.text)
    assert HOSTILE_SCRIPT not in page  # never markup ...
    assert HOSTILE_SCRIPT in text  # ... always the text it is
    assert "E2E <b>bold</b> [link](javascript:alert(1)) claimant" in text
    assert any(HOSTILE_ID in row for row in table_rows(page, "claims"))
    csp = next(a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp["content"] and "img-src data:" in csp["content"]
    if request_.title:
        assert "<i>T</i>" not in page and "<h1>&lt;i&gt;T&lt;/i&gt;</h1>" in page


def test_a_request_that_matches_nothing_still_makes_a_brief(brief_store):
    brief = build_brief(brief_store, BriefRequest(EventFilter(text="no such words anywhere")), images=False)
    assert brief.period == "No claim matches the filter."
    assert [s.key for s in brief.sections] == ["headline", "sources"]
    assert "No claim matches the filter." in brief_html(brief)


def test_bad_requests_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="paper must be one of a4, letter"):
        BriefRequest(paper="a3")
    with pytest.raises(ValueError, match="is not before --as-of"):
        BriefRequest(since=dt.datetime(2026, 2, 1), as_of=dt.datetime(2026, 1, 1))
