"""Data: what the log holds and where it came from, the data dictionary, and uploads.

An upload is parsed and checked first; nothing is written until the user presses
"Import N rows", and then all of it in one transaction (or none).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.events import access, schema
from dashboard.events.db_errors import DATABASE_ERRORS, database_error_message
from dashboard.events.filters import EventFilter
from dashboard.events.importers import ImportFileError, write_parsed
from dashboard.events.importers.budget import parse_within_budget
from dashboard.ui import asof, data, page, text

_PARSED = "_upload_parsed"
_IMPORTED = "_upload_message"
_ROUND = "_upload_round"
ERROR_ROWS_SHOWN = 1000
PREVIEW_ROWS = 50
UPLOAD_ORIGIN = "upload"


def _who(name: object) -> str:
    """Who ran an import; imports from before this was recorded have no name."""
    return str(name) if isinstance(name, str) and name else "(not recorded)"


view = page.current_view()
store = data.get_store()
st.title("Data", anchor=False)
asof.past_state_notice(view.as_of)  # the caption follows it; the database figures and imports below are as of now
text.page_caption(view.events, EventFilter(), "claims in the log")
if view.events.empty:
    page.offer_seed()
elif view.shown.empty:
    text.no_events(view.filter)
elif not view.filter.is_empty():
    st.caption(
        text.escape_markdown(f"{len(view.shown):,} of them match the current filter ({view.filter.describe()}).")
    )

# --- what the log holds ------------------------------------------------------------------
stats = store.stats()
batches = store.batches()
counts = st.columns(4)
counts[0].metric("Claims", f"{stats['events']:,}", border=True)
counts[1].metric("Revisions", f"{stats['revisions']:,}", border=True, help="Every change is a new revision.")
counts[2].metric("Claimants", f"{view.events['claimant'].nunique():,}", border=True)
counts[3].metric("Imports", f"{len(batches):,}", border=True)
if stats["first_date"]:
    st.caption(
        f"Claims from {text.day(pd.Timestamp(stats['first_date']))} to "
        f"{text.day(pd.Timestamp(stats['last_date']))}. Revision token {text.escape_markdown(stats['revision_token'])}."
    )
if len(batches):
    last = batches.iloc[0]
    finished = last["finished_at"] if pd.notna(last["finished_at"]) else last["started_at"]
    st.caption(
        text.escape_markdown(
            f"Last import: {last['file_name']} ({last['format']}) by {_who(last['recorded_by'])}, "
            f"finished {finished:%Y-%m-%d %H:%M} UTC: "
            f"{last['rows_new']} new, {last['rows_revised']} revised, {last['rows_unchanged']} unchanged."
        )
    )

by_origin, by_category, by_claimant = st.columns(3)
with by_origin:
    st.markdown("**By origin**")
    st.dataframe(
        pd.DataFrame(list(stats["by_origin"].items()), columns=["Origin", "Claims"]), hide_index=True, width="stretch"
    )
with by_category:
    st.markdown("**By category**")
    st.dataframe(
        pd.DataFrame(list(stats["by_category"].items()), columns=["Category", "Claims"]),
        hide_index=True,
        width="stretch",
    )
with by_claimant:
    st.markdown("**By claimant**")
    claimants = view.events["claimant"].value_counts().rename_axis("Claimant").reset_index(name="Claims")
    st.dataframe(claimants, hide_index=True, width="stretch", height=250)

st.markdown("**Quality flags**")
if stats["by_quality_flag"]:
    st.dataframe(
        pd.DataFrame(
            [(flag, schema.QUALITY_FLAGS[flag], n) for flag, n in stats["by_quality_flag"].items()],
            columns=["Flag", "Meaning", "Claims"],
        ),
        hide_index=True,
        width="stretch",
        key="quality-flags",
    )
else:
    st.caption("No claim carries a quality flag.")
st.caption(schema.FLAGGED_CLAIMS_RULE)  # our own text, no data in it
if schema.REGION_DISAGREE_FLAG in stats["by_quality_flag"]:
    st.caption(schema.REGION_DISAGREEMENT_RULE)  # which side wins, our own text

with st.expander("Data dictionary: every field, rule and vocabulary", icon=":material/menu_book:"):
    st.markdown(schema.data_dictionary())  # our own generated text, no data in it

# --- upload ---------------------------------------------------------------------------------
st.subheader("Add data", anchor=False)
st.caption(
    "CSV, JSON or XLSX in the native format (see the data dictionary) or an ACLED, UCDP or CNS export. "
    "The file is checked first; nothing is written until you press Import."
)
if _IMPORTED in st.session_state:
    st.success(st.session_state.pop(_IMPORTED), icon=":material/check_circle:")
actor = access.current_actor()
# Shown, but disabled, for those who may not import. Streamlit drops what a disabled widget reports;
# behind that, the store's own role check refuses the write whatever a crafted request sends.
may_import = actor.may("import")
if not may_import:
    st.info(
        text.escape_markdown(
            f"{actor.name} has the {actor.role.label} role: reading and downloads only. "
            f"Importing needs the {access.ACTIONS['import'].label} role."
        ),
        icon=":material/lock:",
    )

# A new key after each import empties the box, so the same file is not offered for import twice.
upload_round = st.session_state.get(_ROUND, 0)
upload = st.file_uploader(
    "File to import", type=["csv", "json", "xlsx"], key=f"upload-{upload_round}", disabled=not may_import
)
if upload is None:
    st.session_state.pop(_PARSED, None)
else:
    payload = upload.getvalue()
    cached = st.session_state.get(_PARSED)
    if cached is None or cached[0] != upload.file_id:
        try:
            # In a worker process with a time and memory limit: a hostile file cannot stall other sessions.
            with st.spinner("Reading the file…"):
                parsed = parse_within_budget(payload, upload.name, origin=UPLOAD_ORIGIN)
        except ImportFileError as exc:
            parsed = exc
        st.session_state[_PARSED] = cached = (upload.file_id, parsed)
    parsed = cached[1]
    if isinstance(parsed, ImportFileError):
        st.error(text.escape_markdown(str(parsed)), icon=":material/error:")
        st.stop()

    report = parsed.report
    summary = st.columns(4)
    summary[0].metric("Rows read", f"{report.rows_read:,}")
    summary[1].metric("Valid", f"{report.accepted:,}")
    summary[2].metric("Invalid", f"{report.rejected:,}")
    summary[3].metric("Format", report.format)
    st.caption(text.escape_markdown(f"{report.file_name}: {report.format}, encoding {report.encoding}."))
    for warning in report.warnings:
        st.warning(text.escape_markdown(warning))

    if report.errors:
        st.markdown(f"**Validation report**: {len(report.errors):,} problems in {report.rejected:,} rows")
        errors = pd.DataFrame(
            [
                {"Line": e.line, "Column": e.column, "Value": text.preview(e.value), "Rule": e.rule}
                for e in report.errors[:ERROR_ROWS_SHOWN]
            ]
        )
        st.dataframe(errors, hide_index=True, width="stretch", key="upload-errors")
        if len(report.errors) > ERROR_ROWS_SHOWN:
            st.caption(f"Showing the first {ERROR_ROWS_SHOWN:,}; fix these and upload again to see the rest.")
    else:
        st.caption("Every row passes the schema's rules.")

    if report.accepted:
        st.markdown(f"**Preview** (first {min(PREVIEW_ROWS, report.accepted)} of {report.accepted:,} valid rows)")
        preview = parsed.preview(PREVIEW_ROWS)
        if "sources" in preview:  # a deletions file previews the events it retracts, without sources
            preview["sources"] = preview["sources"].map(lambda s: schema.format_sources(json.loads(s)))
        st.dataframe(preview.dropna(axis="columns", how="all"), hide_index=True, width="stretch", key="upload-preview")

    file_level = any(e.line == 1 and e.column and "unknown column" in e.rule for e in report.errors)
    skip = st.checkbox(
        "Skip invalid rows (import only the valid ones)", key="skip_invalid", disabled=not report.errors or file_level
    )
    blocked = report.accepted == 0 or file_level or (bool(report.errors) and not skip)
    if st.button(
        f"Import {report.accepted:,} row{'' if report.accepted == 1 else 's'}",
        type="primary",
        disabled=blocked or not may_import,
        key="import",
        icon=":material/upload:",
    ):
        try:
            with st.spinner("Importing…"):
                # What was previewed is what is written: the file is not parsed a second time.
                done = write_parsed(store, parsed, skip_invalid=skip, origin=UPLOAD_ORIGIN)
        except access.AccessDenied as exc:  # logged by the store's check
            st.error(text.escape_markdown(f"Nothing was imported: {exc}"), icon=":material/block:")
            st.stop()
        except DATABASE_ERRORS as exc:  # locked, read-only, disk full, ...: a message, not a traceback
            message = database_error_message(exc, store.engine.url)
            if message is None:
                raise
            st.error(text.escape_markdown(message), icon=":material/error:")
            st.stop()
        if done.written:
            st.session_state[_IMPORTED] = text.escape_markdown(done.summary())
            st.session_state.pop(_PARSED, None)
            st.session_state[_ROUND] = upload_round + 1
            st.rerun()
        st.error(text.escape_markdown(f"Nothing was imported: {done.summary()}"), icon=":material/error:")
    elif blocked and report.errors and not file_level:
        st.caption("Fix the rows above and upload again, or tick “Skip invalid rows”.")

# --- import history -------------------------------------------------------------------------
st.subheader("Import history", anchor=False)
if batches.empty:
    st.caption("No imports yet.")
else:
    st.dataframe(
        batches[
            [
                "batch_id",
                "file_name",
                "format",
                "encoding",
                "origin",
                "rows_read",
                "rows_accepted",
                "rows_rejected",
                "rows_new",
                "rows_revised",
                "rows_unchanged",
                "finished_at",
                "recorded_by",
            ]
        ].assign(recorded_by=batches["recorded_by"].map(_who)),
        hide_index=True,
        width="stretch",
        key="import-history",
    )
