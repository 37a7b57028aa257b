"""The analyst's desk in the dashboard: record a claim, correct it, retract it, and the refusals.

Driven through AppTest on both back ends (``open_page`` in conftest.py). Each test asserts on what
the store holds afterwards as well as on what the page shows.
"""

from __future__ import annotations

import json

import pytest
from page_support import APP, TIMEOUT, charts, plain
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.events import access, changes
from dashboard.events.access import Actor, Role

NEW_CLAIMANT = "Lithuania VSD"


def _widget(at: AppTest, kind: str, key: str):
    found = [w for w in getattr(at, kind) if w.key == key]
    assert found, f"no {kind} with key {key!r}: {[w.key for w in getattr(at, kind)]}"
    return found[0]


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def _errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def fill_new_claim(at: AppTest, figure_best: float = 2400.0) -> str:
    """Fill the Record page's form as an analyst would; returns the form's event id."""
    event_id = at.session_state["desk-new-id"]
    form = f"claim-new-{event_id}"
    _widget(at, "selectbox", f"{form}:category").set_value("deployment")
    _widget(at, "text_input", f"{form}:subcategory").set_value("in_kursk")
    _widget(at, "date_input", f"{form}:event_date").set_value("2025-05-02")
    # A claimant the log has never named, typed in: the browser adds a typed option to the list it
    # sends from (accept_new_options); AppTest's widget only offers what the page listed.
    claimant = _widget(at, "selectbox", f"{form}:claimant")
    claimant.options.append(NEW_CLAIMANT)
    claimant.set_value(NEW_CLAIMANT)
    _widget(at, "text_input", f"{form}:actor").set_value("North Korea")
    _widget(at, "selectbox", f"{form}:unit").set_value("troops")
    _widget(at, "number_input", f"{form}:figure_best").set_value(figure_best)
    _widget(at, "selectbox", f"{form}:_place").set_value("Sudzha")
    _widget(at, "text_input", f"{form}:source0.outlet").set_value("LRT")
    _widget(at, "text_input", f"{form}:source0.title").set_value("VSD: new rotation near Sudzha")
    _widget(at, "text_input", f"{form}:source0.url").set_value("https://example.org/lrt/1")
    at.run()
    return event_id


def test_a_recorded_claim_is_on_the_timeline_map_and_events_at_once(open_page, page_store, monkeypatch):
    monkeypatch.setenv(access.USER_ENV, "desk-officer")
    at = open_page("record")
    assert not _errors(at)
    event_id = fill_new_claim(at)
    # the gazetteer place filled the "where" fields, and the preview map shows it
    form = f"claim-new-{event_id}"
    assert _widget(at, "selectbox", f"{form}:admin1_code").value == "RU-KRS"
    assert _widget(at, "number_input", f"{form}:latitude").value == pytest.approx(51.192)
    assert any(t.get("type") == "scattermap" for c in charts(at) for t in c["data"])
    assert "Counts toward the measure “DPRK troops in Kursk oblast”" in " ".join(plain(c.value) for c in at.caption)
    assert page_store.current_fields([event_id], ["event_id"]).empty  # nothing written before Save
    _button(at, "Save the claim").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert any(f"Claim {event_id} recorded" in plain(s.value) for s in at.success)
    [link] = [e for e in at.get("page_link") if e.proto.label == "See it on the Events page"]
    assert link.proto.query_string == f"event={event_id}"
    history = page_store.history(event_id)
    assert history["recorded_by"].tolist() == ["desk-officer"] and history["origin"].tolist() == ["desk"]
    assert history["figure_best"].tolist() == [2400.0] and history["location"].tolist() == ["Sudzha"]

    at.switch_page("app_pages/events.py").run()
    assert event_id in at.dataframe[0].value["Event"].tolist()  # newest first
    at.switch_page("app_pages/timeline.py").run()
    assert event_id in at.dataframe[0].value["Event"].tolist()
    assert NEW_CLAIMANT in at.sidebar.multiselect[[w.label for w in at.sidebar.multiselect].index("Claimants")].options
    at.switch_page("app_pages/map.py").run()
    assert any(event_id in json.dumps(c) for c in charts(at))


def test_problems_show_next_to_their_fields_and_nothing_is_written(open_page, page_store, state):
    at = open_page("record")
    before = state(page_store)
    event_id = at.session_state["desk-new-id"]
    form = f"claim-new-{event_id}"
    _widget(at, "text_input", f"{form}:source0.outlet").set_value("Blog")
    _widget(at, "text_input", f"{form}:source0.url").set_value("javascript:alert(1)")
    _widget(at, "number_input", f"{form}:figure_best").set_value(5.0)
    at.run()
    _button(at, "Save the claim").click().run()
    errors = _errors(at)
    assert errors[-1] == "Not saved: 5 problem(s), shown next to their fields."  # beside the Save button
    assert errors.count("This is required.") == 4  # category, date, actor, claimant: each under its field
    assert "Source 1, Link (http/https): Must be an http(s) URL." in errors
    assert state(page_store) == before
    # fixing them saves; the figure without a unit is caught by the record rule next
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/record.py").run()
    event_id = fill_new_claim(at)
    _widget(at, "selectbox", f"claim-new-{event_id}:unit").set_value(None)
    at.run()
    _button(at, "Save the claim").click().run()
    assert "A figure needs a unit." in _errors(at)
    assert state(page_store) == before


def _open_edit(at: AppTest, event_id: str) -> AppTest:
    at.switch_page("app_pages/events.py")
    at.query_params["event"] = event_id
    at.run()
    _button(at, "Edit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == f"Correct claim {event_id}"
    assert at.query_params["edit"] == [event_id] or at.query_params["edit"] == event_id
    # A browser stays on the page st.switch_page opened; AppTest reruns the page it was last told to.
    at.switch_page("app_pages/record.py")
    return at


def test_edit_from_the_events_page_writes_a_revision_whose_diff_the_history_shows(open_page, page_store):
    at = _open_edit(open_page(), "T-D04")
    form = "claim-edit-T-D04-r1"
    assert _widget(at, "number_input", f"{form}:figure_best").value == 11000.0  # the form opens filled in
    _widget(at, "number_input", f"{form}:figure_best").set_value(11500.0)
    at.run()
    _button(at, "Save the correction").click().run()
    assert "Say why: the report or finding the correction rests on." in _errors(at)
    assert page_store.head_revision("T-D04") == 1
    _widget(at, "text_input", f"{form}:reason").set_value("NIS revised its figure")
    _widget(at, "number_input", f"{form}:figure_best").set_value(11000.0)
    at.run()
    _button(at, "Save the correction").click().run()
    assert "No field differs from the claim: nothing to save." in _errors(at)
    _widget(at, "number_input", f"{form}:figure_best").set_value(11500.0)
    at.run()
    _button(at, "Save the correction").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert page_store.head_revision("T-D04") == 2
    # back on the Events page, the claim's history shows who, why and the change
    history = at.dataframe[-1].value
    assert history["What changed (old → new)"].tolist() == ["first version", "Best estimate: 11,000 → 11,500"]
    assert history["Reason"].tolist()[1] == "NIS revised its figure"
    assert history["Imported from"].tolist()[0] == "events.csv"


def test_a_concurrent_change_refuses_the_save_shows_it_and_offers_a_reload(open_page, page_store):
    at = _open_edit(open_page(), "T-D04")
    form = "claim-edit-T-D04-r1"
    _widget(at, "number_input", f"{form}:figure_best").set_value(11200.0)
    _widget(at, "text_input", f"{form}:reason").set_value("my correction")
    at.run()
    with access.acting_as(Actor("ben@example.org", Role.ANALYST, signed_in=True)):
        page_store.revise("T-D04", {"figure_best": 12000}, "HUR's newer figure")
    _button(at, "Save the correction").click().run()
    assert not at.exception
    errors = _errors(at)
    assert any("claim T-D04 changed since you opened it at revision 1" in e and "ben@example.org" in e for e in errors)
    assert at.dataframe[-1].value["What changed (old → new)"].tolist() == ["Best estimate: 11,000 → 12,000"]
    assert page_store.current_fields(["T-D04"], ["figure_best"])["figure_best"].tolist() == [12000.0]  # kept
    _button(at, "Reload the claim as it is now").click().run()
    assert not _errors(at)
    assert _widget(at, "number_input", "claim-edit-T-D04-r2:figure_best").value == 12000.0


def test_retract_asks_why_then_the_claim_leaves_current_views_and_stays_in_history(open_page, page_store):
    at = open_page("events", event="T-D04")
    _button(at, "Retract").click().run()
    _button(at, "Retract the claim").click().run()
    assert any("a retraction needs a reason" in e for e in _errors(at))
    assert page_store.head_revision("T-D04") == 1
    [reason] = [w for w in at.text_input if w.label == "Why is it retracted?"]
    reason.set_value("double-counted with T-D03").run()
    _button(at, "Retract the claim").click().run()
    assert not at.exception
    assert "T-D04" not in page_store.current_events()["event_id"].tolist()
    assert any("Claim T-D04 retracted" in plain(s.value) for s in at.success)
    assert "T-D04" not in at.dataframe[0].value["Event"].tolist()
    log = changes.revision_log(page_store, "T-D04")
    assert log["change"].tolist() == ["added", "retracted"] and log["reason"].tolist()[1] == "double-counted with T-D03"


def test_a_retraction_of_a_claim_changed_meanwhile_is_refused(open_page, page_store):
    at = open_page("events", event="T-D04")
    _button(at, "Retract").click().run()
    [reason] = [w for w in at.text_input if w.label == "Why is it retracted?"]
    reason.set_value("false").run()
    page_store.revise("T-D04", {"confidence": "low"}, "single source")
    _button(at, "Retract the claim").click().run()
    assert any("changed since you opened it" in e for e in _errors(at))
    assert page_store.head_revision("T-D04") == 2
    _button(at, "Reload").click().run()
    assert not _errors(at)


@pytest.fixture
def exposed_read_only():
    """Served on every interface without sign-in: every visitor is a viewer."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_a_viewer_sees_no_desk_controls(open_page, page_store, state, exposed_read_only):
    before = state(page_store)
    at = open_page("events", event="T-D04")
    labels = [b.label for b in at.button]
    assert "Edit" not in labels and "Retract" not in labels
    with pytest.raises(ValueError, match="Could not find a navigation page for .*record.py"):
        at.switch_page("app_pages/record.py")  # not in a viewer's menu at all
    at.switch_page("app_pages/timeline.py").run()
    assert not any(w.key == "timeline-desk-claim" for w in at.selectbox)
    assert state(page_store) == before


def test_the_timeline_selection_offers_edit_and_retract(open_page, page_store):
    at = open_page("timeline")
    assert not any(w.key == "timeline-desk-claim" for w in at.selectbox)  # nothing selected: no controls
    at.session_state["timeline-bars-week"] = {
        "selection": {
            "points": [{"customdata": "T-D01,T-D02", "x": "2024-10-14", "y": 2}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    picker = at.selectbox(key="timeline-desk-claim")
    assert picker.options == ["T-D01", "T-D02"]
    picker.set_value("T-D02").run()
    assert at.button(key="timeline-desk-edit").label == "Edit"
    at.button(key="timeline-desk-retract").click().run()
    [reason] = [w for w in at.text_input if w.label == "Why is it retracted?"]
    reason.set_value("same briefing as T-D01").run()
    _button(at, "Retract the claim").click().run()
    assert not at.exception
    assert changes.revision_log(page_store, "T-D02")["change"].tolist() == ["added", "retracted"]
    assert "T-D02" not in at.dataframe[0].value["Event"].tolist()  # gone from the current view
