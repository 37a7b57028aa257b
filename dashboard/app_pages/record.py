"""Record a claim: add one to the log, or correct one (``?edit=EVENT_ID``), checked by the schema.

The form is built from the schema (``dashboard.events.desk``); the store checks the role, the rules
and, for a correction, that nobody changed the claim since the form was opened.
"""

from __future__ import annotations

import streamlit as st

from dashboard.events import desk as claim_form
from dashboard.events import schema
from dashboard.ui import access as signin
from dashboard.ui import data, desk, page, text

view = page.current_view()
edit_id = st.query_params.get("edit")
st.title(f"Correct claim {edit_id}" if edit_id else "Record a claim", anchor=False)
if not desk.may_write("revise" if edit_id else "record"):
    # The page is not in a viewer's menu; a typed URL gets this, and the store would refuse anyway.
    st.info(signin.read_only_notice() if not signin.sign_in_configured() else "Your role only reads the log.")
    st.stop()
desk.notice()
if just_recorded := st.session_state.pop("desk-last-recorded", None):
    st.page_link(desk.EVENTS_PAGE, label="See it on the Events page", query_params={"event": just_recorded})
store = data.get_store()
claimants = data.log_facets().values.get("claimant", [])
on_form = {f.name for _, _, fields in claim_form.form_groups() for f in fields}

if edit_id:
    # The claim as it stands now, and the revision the form opens on (kept until Save or Reload).
    opened_key = f"desk-opened-{edit_id}"
    if opened_key not in st.session_state:
        row = store.current_fields([edit_id], [*schema.FIELD_NAMES, "revision"])
        if row.empty:
            st.warning(
                f"The current log holds no claim {text.escape_markdown(edit_id)} (retracted, or never recorded)."
            )
            st.stop()
        st.session_state[opened_key] = row.iloc[0].to_dict()
    opened = st.session_state[opened_key]
    revision = int(opened["revision"])
    form = f"claim-edit-{edit_id}-r{revision}"
    st.caption(
        text.escape_markdown(
            f"Opened at revision {revision}. Saving records revision {revision + 1} with your reason; "
            "the earlier ones stay in the claim's history."
        )
    )
    stale = st.session_state.get(f"{form}:stale")
    if stale is not None:
        desk.stale_notice(stale)
        if st.button("Reload the claim as it is now", key=f"{form}:reload", icon=":material/refresh:", type="primary"):
            desk.reset_form(form)
            del st.session_state[opened_key]
            st.rerun()
        st.caption("Nothing was saved. Reload, then make your change again.")
    values = desk.claim_form(form, claim_form.form_values(opened), claimants)
    st.subheader("Why", anchor=False, divider="gray")
    reason = st.text_input(
        "Why this correction *", key=f"{form}:reason", placeholder="e.g. NIS revised its figure on 30 Nov"
    )
    for message in st.session_state.get(f"{form}:problems", {}).get("_reason", []):
        st.error(message, icon=":material/error:")
    desk.show_problems(st.session_state.get(f"{form}:problems", {}), on_form | {"_reason"})
    if st.button("Save the correction", key=f"{form}:save", type="primary", icon=":material/save:"):
        st.session_state.pop(f"{form}:problems", None)
        if desk.save_correction(form, edit_id, values, reason, expected=revision, origin=opened["origin"]):
            desk.reset_form(form)
            del st.session_state[opened_key]
            st.session_state["desk-notice"] = f"Claim {edit_id} corrected."
            st.switch_page(desk.EVENTS_PAGE, query_params={"event": edit_id})
        st.rerun()
    st.stop()

# A new claim: a fresh id per form, kept until it is saved.
if "desk-new-id" not in st.session_state:
    st.session_state["desk-new-id"] = claim_form.new_event_id()
form = f"claim-new-{st.session_state['desk-new-id']}"
id_key = f"{form}:event_id"
st.session_state.setdefault(id_key, st.session_state["desk-new-id"])
event_id = st.text_input("Event id *", key=id_key, help=schema.EventRecord.model_fields["event_id"].description)
for message in st.session_state.get(f"{form}:problems", {}).get("event_id", []):
    st.error(text.escape_markdown(message), icon=":material/error:")
st.caption("Fields marked * are required. Nothing is written until you press Save.")
values = desk.claim_form(form, {}, claimants)
st.subheader("Note", anchor=False, divider="gray")
note = st.text_input("Where it comes from (optional)", key=f"{form}:note", placeholder="e.g. NIS briefing, 30 Nov")
desk.show_problems(st.session_state.get(f"{form}:problems", {}), on_form | {"event_id"})
if st.button("Save the claim", key=f"{form}:save", type="primary", icon=":material/save:"):
    st.session_state.pop(f"{form}:problems", None)
    if desk.save_new(form, event_id.strip(), values, note):
        desk.reset_form(form)
        del st.session_state["desk-new-id"]
        st.session_state["desk-notice"] = f"Claim {event_id.strip()} recorded: it is on every page now."
        st.session_state["desk-last-recorded"] = event_id.strip()
    st.rerun()
st.caption(f"{len(view.events):,} claims in the log.")
