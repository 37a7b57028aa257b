"""The analyst's desk in the dashboard: the claim form, Save, Edit and Retract controls, the change log.

The form draws what ``dashboard.events.desk`` lists (every schema field, grouped); the store
checks the role, the schema and the lost-update guard on every write, and this module shows its
refusals next to the fields, in plain words. Nothing is written before Save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.events import access, changes, desk, geo, schema
from dashboard.events.store import InvalidRecord, StaleRevision, StoreError
from dashboard.figures.place import place_preview
from dashboard.ui import data, text

RECORD_PAGE = "app_pages/record.py"
EVENTS_PAGE = "app_pages/events.py"
_FIRST_DAY, _LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
# Steps of the number inputs: whole numbers for counts, about 100 m for coordinates.
_STEPS = {"latitude": 0.001, "longitude": 0.001}


@st.cache_resource(show_spinner=False)
def load_gazetteer() -> pd.DataFrame:
    """The places the form offers, read once per server; read-only."""
    return geo.load_gazetteer()


def may_write(action: str = "record") -> bool:
    """Whether this session's user may use the desk (viewers see no desk controls)."""
    return access.current_actor().may(action)


def after_write() -> None:
    """Drop the shared frames so the very next run of every page reads the log with the new claim.

    They are keyed on the log's revision token as well, so other sessions move over on their next
    interaction either way; clearing frees the old revision's memory at once.
    """
    data.load_events.clear()
    data.load_events_as_of.clear()


# --- the form ------------------------------------------------------------------------------------


def _key(form: str, name: str) -> str:
    return f"{form}:{name}"


def _start(form: str, name: str, value: Any) -> str:
    """The widget key for a field, its starting value put in session state once (not on every run)."""
    key = _key(form, name)
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _problems(problems: Mapping[str, list[str]], name: str) -> None:
    for message in problems.get(name, []):
        st.error(text.escape_markdown(message), icon=":material/error:")


def _fill(form: str, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        st.session_state[_key(form, name)] = "" if value is None and name in _TEXT_FIELDS else value


_TEXT_FIELDS = {f.name for _, _, fields in desk.form_groups() for f in fields if f.kind in ("text", "long_text")}


def _pick_place(form: str) -> None:
    chosen = st.session_state.get(_key(form, "_place"))
    places = load_gazetteer()
    row = places.loc[places["place"] == chosen]
    if len(row):
        _fill(form, desk.place_fields(row.iloc[0].to_dict()))


def _pick_region(form: str) -> None:
    code = st.session_state.get(_key(form, "admin1_code"))
    if code:
        _fill(form, desk.region_fields(code, data.region_names()))


def _input(form: str, field: desk.FormField, value: Any, claimants: list[str]) -> Any:
    label = field.label + (" *" if field.required else "")
    if field.name == "claimant":
        key = _start(form, field.name, value or None)
        typed = st.session_state.get(key)  # a new claimant typed in stays on the list
        options = sorted({*claimants, *([typed] if typed else [])})
        return st.selectbox(
            label,
            options,
            key=key,
            accept_new_options=True,
            placeholder="Type to search the log's claimants, or type a new one",
            help=field.help,
        )
    if field.name == "admin1_code":
        names = data.region_names()
        options = sorted({*names, *([value] if value else [])})
        key = _start(form, field.name, value or None)
        return st.selectbox(
            label,
            options,
            key=key,
            format_func=lambda c: f"{c} — {names[c]}" if c in names else str(c),
            placeholder="Type a region's name or code",
            on_change=_pick_region,
            args=(form,),
            help=field.help,
        )
    if field.kind == "choice":
        options = list(field.choices or ())
        if not field.required and field.default is None:
            options = [None, *options]
        key = _start(form, field.name, value)
        return st.selectbox(
            label,
            options,
            key=key,
            format_func=lambda v, n=field.name: desk.choice_label(n, v),
            placeholder="Choose…",
            help=field.help,
        )
    if field.kind == "date":
        key = _start(form, field.name, value)
        return st.date_input(
            label, key=key, min_value=_FIRST_DAY, max_value=_LAST_DAY, format="YYYY-MM-DD", help=field.help
        )
    if field.kind in ("number", "integer"):
        key = _start(form, field.name, value)
        step = 1 if field.kind == "integer" else _STEPS.get(field.name, 1.0)
        return st.number_input(label, key=key, step=step, help=field.help, placeholder="not given")
    key = _start(form, field.name, "" if value is None else str(value))
    if field.kind == "long_text":
        return st.text_area(label, key=key, help=field.help, height=110)
    return st.text_input(label, key=key, help=field.help)


def _sources(form: str, initial: list[dict], problems: Mapping[str, list[str]]) -> list[dict]:
    count_key = _key(form, "_sources")
    if count_key not in st.session_state:
        st.session_state[count_key] = max(1, len(initial))
    rows = []
    for i in range(st.session_state[count_key]):
        start = initial[i] if i < len(initial) else {}
        outlet, title, day, url = st.columns([2, 3, 2, 3])
        date_value = start.get("date")
        rows.append(
            {
                "outlet": outlet.text_input(
                    f"Source {i + 1}: outlet", key=_start(form, f"source{i}.outlet", start.get("outlet") or "")
                ),
                "title": title.text_input("Title", key=_start(form, f"source{i}.title", start.get("title") or "")),
                "date": day.date_input(
                    "Published on",
                    key=_start(form, f"source{i}.date", dt.date.fromisoformat(date_value) if date_value else None),
                    min_value=_FIRST_DAY,
                    max_value=_LAST_DAY,
                    format="YYYY-MM-DD",
                ),
                "url": url.text_input("Link (http/https)", key=_start(form, f"source{i}.url", start.get("url") or "")),
            }
        )
    add, remove, _ = st.columns([1, 1, 4])
    if add.button("Add another source", key=_key(form, "_add_source"), icon=":material/add:"):
        st.session_state[count_key] += 1
        st.rerun()
    if st.session_state[count_key] > 1 and remove.button("Remove the last", key=_key(form, "_drop_source")):
        st.session_state[count_key] -= 1
        st.rerun()
    _problems(problems, "sources")
    return desk.sources_from_rows(rows)


def claim_form(form: str, initial: Mapping[str, Any], claimants: list[str]) -> dict[str, Any]:
    """Draw every field of the claim form under ``form`` (a key prefix); return the values as entered.

    ``initial``: the starting values (a stored claim's for an edit, or none); problems from the
    last Save (``st.session_state[form + ":problems"]``) show under their fields.
    """
    problems: dict[str, list[str]] = st.session_state.get(_key(form, "problems"), {})
    values: dict[str, Any] = {}
    for group, title, fields in desk.form_groups():
        st.subheader(title, anchor=False, divider="gray")
        if group == "where":
            places = load_gazetteer()
            st.selectbox(
                "A place from the gazetteer",
                list(places["place"]),
                index=None,
                key=_key(form, "_place"),
                placeholder="Type a place name to fill in the fields below",
                on_change=_pick_place,
                args=(form,),
                help="Fills the place, region, country, coordinates and precision; change any of them after.",
            )
        if group == "sources":
            values["sources"] = _sources(form, list(initial.get("sources") or []), problems)
            continue
        if group == "how_many":
            st.caption(desk.FIGURES_EXPLAINED)
        columns = st.columns(3 if len(fields) > 2 else max(1, len(fields)))
        for position, field in enumerate(fields):
            with columns[position % len(columns)]:
                values[field.name] = _input(form, field, initial.get(field.name, field.default), claimants)
                _problems(problems, field.name)
        if group == "how_many":
            st.caption(text.escape_markdown(desk.measure_note(values)))
        if group == "where":
            figure = place_preview(
                data.load_boundaries(),
                values.get("latitude"),
                values.get("longitude"),
                values.get("admin1_code") or None,
                values.get("location") or None,
            )
            if figure is not None:
                st.plotly_chart(figure, width="stretch", key=_key(form, "_map"), config={"displayModeBar": False})
    return values


def reset_form(form: str) -> None:
    """Forget a form's entries and problems (after Save, or a Reload)."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{form}:")]:
        del st.session_state[key]


def show_problems(problems: Mapping[str, list[str]], form_fields: set[str]) -> None:
    """Problems of fields not on the form (the event id), and a summary that points at the fields."""
    if not problems:
        return
    st.error(
        f"Not saved: {sum(len(v) for v in problems.values())} problem(s), shown next to their fields.",
        icon=":material/error:",
    )
    for name, messages in problems.items():
        if name not in form_fields:
            label = "" if name == "_form" else f"{schema.FIELD_LABELS.get(name, name)}: "
            for message in messages:
                st.error(text.escape_markdown(f"{label}{message}"))


# --- saving ----------------------------------------------------------------------------------------


def save_new(form: str, event_id: str, values: Mapping[str, Any], note: str | None) -> bool:
    """Record a new claim; on a refusal put the problems next to their fields and return False."""
    try:
        data.get_store().record(desk.claim_data(event_id, values), reason=note or None)
    except InvalidRecord as exc:
        st.session_state[_key(form, "problems")] = desk.field_problems(exc.errors)
        return False
    after_write()
    return True


def save_correction(
    form: str, event_id: str, values: Mapping[str, Any], reason: str, *, expected: int, origin: str
) -> bool:
    """Record a correction made from revision ``expected``; refusals go next to fields, a stale edit to
    ``st.session_state[form + ":stale"]``."""
    problems: dict[str, list[str]] = {}
    if not reason.strip():
        problems["_reason"] = ["Say why: the report or finding the correction rests on."]
        st.session_state[_key(form, "problems")] = problems
        return False
    changed = {k: v for k, v in desk.claim_data(event_id, values, origin=origin).items() if k != "event_id"}
    try:
        revision = data.get_store().revise(event_id, changed, reason, expected_revision=expected)
    except InvalidRecord as exc:
        st.session_state[_key(form, "problems")] = desk.field_problems(exc.errors)
        return False
    except StaleRevision as exc:
        st.session_state[_key(form, "stale")] = exc
        return False
    if revision == expected:  # the form holds what the claim already says
        st.session_state[_key(form, "problems")] = {"_form": ["No field differs from the claim: nothing to save."]}
        return False
    after_write()
    return True


def stale_notice(exc: StaleRevision) -> None:
    """A refused lost update: what happened, what changed field by field, and nothing overwritten."""
    st.error(text.escape_markdown(str(exc)), icon=":material/sync_problem:")
    log = changes.revision_log(data.get_store(), exc.event_id)
    st.markdown("**What changed since you opened it**")
    history_table(log.loc[log["revision"] > exc.expected])


def history_table(log: pd.DataFrame) -> None:
    """A claim's change log (``changes.revision_log``) as a table: text, never HTML."""
    st.dataframe(
        pd.DataFrame(
            {
                "Revision": log["revision"],
                "Recorded (UTC)": log["recorded_at"],
                "By": log["recorded_by"].fillna("(not recorded)"),
                "Change": log["change"],
                "What changed (old → new)": log["what_changed"],
                "Reason": log["reason"],
                "Imported from": log["imported_from"],
            }
        ),
        hide_index=True,
        width="stretch",
    )


# --- Edit and Retract where a claim is shown ----------------------------------------------------------


def claim_controls(event_id: str, revision: int, *, key: str) -> None:
    """Edit (opens the claim form filled in) and Retract (asks for a reason) for the claim shown.

    ``revision``: the revision on screen, so a retraction of a claim that changed meanwhile is refused.
    Nothing at all for a user who may not change the log.
    """
    if not (may_write("revise") and may_write("retract")):
        return
    edit, retract, _ = st.columns([1, 1, 4])
    if edit.button("Edit", key=f"{key}-edit", icon=":material/edit:"):
        st.switch_page(RECORD_PAGE, query_params={"edit": event_id})
    asking = f"{key}-retracting-{event_id}"
    if retract.button("Retract", key=f"{key}-retract", icon=":material/delete:"):
        st.session_state[asking] = revision
    if asking not in st.session_state:
        return
    expected = st.session_state[asking]
    stale = st.session_state.get(f"{asking}-stale")
    with st.container(border=True):
        if stale is not None:
            stale_notice(stale)
            if st.button("Reload", key=f"{asking}-reload", icon=":material/refresh:"):
                del st.session_state[asking], st.session_state[f"{asking}-stale"]
                st.rerun()
            return
        st.markdown(
            f"**Retract claim {text.escape_markdown(event_id)}?** "
            "It leaves every current view and stays in its history."
        )
        reason = st.text_input("Why is it retracted?", key=f"{asking}-reason", placeholder="e.g. shown false by …")
        confirm, cancel, _ = st.columns([1, 1, 4])
        if cancel.button("Cancel", key=f"{asking}-cancel"):
            del st.session_state[asking]
            st.rerun()
        if confirm.button("Retract the claim", key=f"{asking}-confirm", type="primary"):
            try:
                data.get_store().retract(event_id, reason, expected_revision=expected)
            except StaleRevision as exc:
                st.session_state[f"{asking}-stale"] = exc
                st.rerun()
            except StoreError as exc:  # no reason given, or the claim is gone
                st.error(text.escape_markdown(str(exc)), icon=":material/error:")
                return
            del st.session_state[asking]
            after_write()
            st.session_state["desk-notice"] = f"Claim {event_id} retracted: it stays in its history."
            st.rerun()


def notice() -> None:
    """The message a write left for the next run (shown once)."""
    message = st.session_state.pop("desk-notice", None)
    if message:
        st.success(text.escape_markdown(message), icon=":material/check_circle:")
