"""Claimants page: renders for every registered claimant; grade, rationale, claims, estimates against
other originators, corroboration, the record of figures (with its method) and the register edit."""

from __future__ import annotations

from page_support import charts, plain

from dashboard.events import register_store
from dashboard.events.claimants import builtin_register


def _markdown(at) -> str:
    return "\n".join(plain(m.value) for m in at.markdown)


def test_renders_for_every_registered_claimant(open_page):
    at = open_page("claimants")
    names = sorted(builtin_register().claimants, key=str.casefold)
    assert at.selectbox(key="who").options == names
    for name in names:
        at.selectbox(key="who").set_value(name).run()
        assert not at.exception, (name, [e.message for e in at.exception])
        claimant = builtin_register().claimants[name]
        assert at.subheader[0].value == name
        assert at.metric[0].value == claimant.reliability
        assert claimant.rationale in _markdown(at)


def test_a_claimant_with_claims_shows_them_their_grades_and_the_method(open_page):
    at = open_page("claimants", who="South Korea NIS")
    headings = [h.value for h in at.subheader]
    assert "Claims over time" in headings and "Their figures against the others' at the time" in headings
    over_time, estimates = charts(at)[:2]
    assert over_time["data"] and any(t.get("name") == "South Korea NIS" for t in estimates["data"])
    # The legend explains the marker opacity (credibility).
    assert any(t.get("legendgroup") == "_credibility" for t in estimates["data"])
    grades = at.dataframe[0].value
    assert set(grades["grade"]) <= {f"B{n}" for n in range(1, 7)} and grades["claims"].sum() > 0
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "Method: For each claim with a figure" in captions and "one voice" in captions


def test_a_link_by_alias_or_relay_opens_the_originator(open_page):
    at = open_page("claimants", who="Ukrainian intelligence via Financial Times")
    assert at.selectbox(key="who").value == "Ukraine HUR"


def test_the_register_entry_can_be_changed_on_the_page(open_page, page_store):
    at = open_page("claimants", who="Ukraine HUR")
    form_select = next(s for s in at.selectbox if s.label == "Default reliability")
    form_select.set_value("B")
    next(t for t in at.text_area if t.label == "Rationale").set_value("Checked against later releases.")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    hur = register_store.load_register(page_store).claimants["Ukraine HUR"]
    assert (hur.reliability, hur.rationale) == ("B", "Checked against later releases.")
    assert at.metric[0].value == "B"


def test_opens_on_the_busiest_originator_with_its_grade_in_bold_and_no_empty_chart_for_the_silent(open_page):
    at = open_page("claimants")
    graded_counts = {}
    for name in builtin_register().claimants:
        at.selectbox(key="who").set_value(name).run()
        count = next(plain(c.value) for c in at.caption if "whose originator is" in plain(c.value))
        graded_counts[name] = int(count.split(" ", 1)[0].replace(",", ""))
    opened = open_page("claimants")
    assert opened.selectbox(key="who").value == max(graded_counts, key=graded_counts.get)
    # The grade letter is bold, not shown with its asterisks.
    letter = builtin_register().claimants[opened.selectbox(key="who").value].reliability
    assert any(m.value.startswith(f"**{letter}**: ") for m in opened.markdown)
    silent = next(name for name, n in graded_counts.items() if n == 0)
    at.selectbox(key="who").set_value(silent).run()
    assert not charts(at)[:1] or all(c["data"] for c in charts(at))
    assert any("has no claims in the current filter" in plain(i.value) for i in at.info)
