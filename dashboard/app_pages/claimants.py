"""Claimants: everything one originator said, their grade and why, and how their figures sat against others'.

Facts from the log with the method shown, not a score. The register entry can be changed here by
anyone who may revise claims (the store checks the role again before it writes).
"""

from __future__ import annotations

import streamlit as st

from dashboard.events import access, grading, register_store, schema
from dashboard.events.claimants import RegisterError, country_name
from dashboard.figures import claimants as figures
from dashboard.ui import data, downloads, page, tables, text

WHO = "who"  # the URL's claimant: ?who=Ukraine+HUR
MAX_COMPARED_CLAIMS = 5_000

view = page.start("Claimants")
register = data.claimant_register()
names = sorted(register.claimants, key=str.casefold)
if st.session_state.get(WHO) not in names:
    # A link may name a claimant by an alias or a relayed text: show its originator.
    asked = st.session_state.get(WHO) or st.query_params.get(WHO)
    st.session_state[WHO] = register.resolve(asked).originator if asked else None
    if st.session_state[WHO] not in names:
        # Without a name asked for, open on the originator with most claims in the filter, not on
        # the alphabet's first (an imported dataset's name, with nothing in the built-in log).
        most = view.shown["originator"].value_counts() if "originator" in view.shown else None
        busiest = [name for name in (most.index if most is not None else []) if name in register.claimants]
        st.session_state[WHO] = busiest[0] if busiest else (names[0] if names else None)
who = st.selectbox("Claimant", names, key=WHO, bind="query-params", help="Originators and relaying outlets")
claimant = register.claimants[who]

# --- who they are, and their grade -----------------------------------------------------------------
st.subheader(who, anchor=False)
facts = [
    schema.CLAIMANT_KINDS[claimant.kind].split(":")[0].rstrip("."),
    f"country: {country_name(claimant.country)}" if claimant.country else "no single country",
    f"relation to the war: {claimant.relation.replace('_', ' ')}",
]
st.markdown(text.escape_markdown(" · ".join(facts)))
st.metric(
    "Default source reliability",
    claimant.reliability,
    help="NATO/Admiralty scale; a claim may carry its own grade instead",
    border=True,
)
# The letter comes from the A–F vocabulary (the register is checked on load); only the rest is escaped.
st.markdown(f"**{claimant.reliability}**: " + text.escape_markdown(schema.RELIABILITY_LEVELS[claimant.reliability]))
st.markdown(text.escape_markdown(f"Why: {claimant.rationale}"))
if (url := tables.safe_url(claimant.rationale_url)) is not None:
    st.link_button("Source for the rationale", url, icon=":material/open_in_new:")
relayed = sorted(r.claimant for r in register.relays.values() if r.originator == who)
also = [*claimant.aliases, *relayed]
if also:
    st.caption(text.escape_markdown("Also recorded as: " + "; ".join(also)))

# --- their claims --------------------------------------------------------------------------------
graded = view.shown
claims = figures.claims_of(graded, who)
st.subheader("Claims over time", anchor=False)
st.caption(
    text.escape_markdown(
        f"{len(claims):,} claims whose originator is {who} in the current filter (relayed claims included)."
    )
)
if claims.empty:
    st.info(text.escape_markdown(f"{who} has no claims in the current filter: widen the period or the filters."))
else:
    over_time = figures.claims_over_time(claims, title=None)
    st.plotly_chart(over_time, width="stretch", key="claimant-over-time", config=downloads.CHART_CONFIG)
    downloads.chart_downloads(
        over_time,
        key="claimant-over-time",
        title=f"Claims by {who} per month",
        flt=view.filter,
        events=claims,
        chart_data=claims[["event_id", "event_date", "category", "claimant", "grade"]],
    )

measures = figures.measures_of(graded, who)
if measures:
    st.subheader("Their estimates against other originators'", anchor=False)
    measure = st.selectbox("Measure", measures, format_func=lambda k: schema.MEASURES[k].label, key="claimant-measure")
    estimates = figures.estimates_against_others(graded, who, measure, title=None)
    st.plotly_chart(estimates, width="stretch", key="claimant-estimates", config=downloads.CHART_CONFIG)
    st.caption("One line per originator: outlets relaying one statement are merged into its originator.")

if not claims.empty:
    st.subheader("Grades of their claims", anchor=False)
    st.dataframe(figures.grade_counts(claims), hide_index=True, width="stretch")

if len(claims) > MAX_COMPARED_CLAIMS:
    # Each claim is compared with the others of its kind one by one: fine for a curated claimant,
    # too slow for a whole imported dataset. Narrowing the filter brings the comparisons back.
    st.info(
        f"{len(claims):,} claims: corroboration and the record of figures are computed for at most "
        f"{MAX_COMPARED_CLAIMS:,}. Narrow the filter (period, category, region) to see them.",
        icon=":material/filter_alt:",
    )
elif not claims.empty:
    voices = grading.independent_voices(graded, claims["event_id"].astype(str))
    corroborated = voices.loc[voices["voices"] > 1]
    st.subheader("Corroborated by independent voices", anchor=False)
    st.caption(text.escape_markdown(grading.CORROBORATION_RULE))
    if corroborated.empty:
        st.write("No claim of theirs in the current filter is said by another originator.")
    else:
        st.dataframe(
            corroborated.rename(
                columns={
                    "event_id": "Event",
                    "voices": "Voices",
                    "corroborated_by": "Also said by",
                    "relays": "Repeats by relays",
                }
            ),
            hide_index=True,
            width="stretch",
        )

    st.subheader("Their figures against the others' at the time", anchor=False)
    st.caption(text.escape_markdown("Method: " + grading.COMPARISON_RULE))
    record = grading.figure_record(graded, who)
    if record.empty:
        st.write("No figure of theirs answers a measure in the current filter.")
    else:
        st.dataframe(
            record.drop(columns=["measure"]).rename(
                columns={
                    "label": "Measure",
                    "claims": "Claims",
                    "above": "Above the others",
                    "inside": "Inside their range",
                    "below": "Below the others",
                    "no_comparison": "No earlier claim to compare",
                }
            ),
            hide_index=True,
            width="stretch",
        )

# --- revisions and retractions -------------------------------------------------------------------
st.subheader("Revisions and retractions of their claims", anchor=False)
texts = [who, *also]
changes = register_store.revisions_by_claimant(data.get_store(), texts)
if changes.empty:
    st.write("None: every claim of theirs stands as first recorded.")
else:
    st.dataframe(changes, hide_index=True, width="stretch")

# --- the register entry, editable ------------------------------------------------------------------
actor = access.current_actor()
with st.expander("Change this register entry", icon=":material/edit:"):
    may = actor.may("revise")
    if not may:
        st.info(text.escape_markdown(f"{actor.name} has the {actor.role.label} role: reading only."))
    with st.form("claimant-edit"):
        letters = list(schema.RELIABILITY_LEVELS)
        reliability = st.selectbox("Default reliability", letters, index=letters.index(claimant.reliability))
        rationale = st.text_area("Rationale", value=claimant.rationale, max_chars=2000)
        rationale_url = st.text_input("Source for the rationale (http/https)", value=claimant.rationale_url or "")
        if st.form_submit_button("Save", disabled=not may):
            try:
                register_store.set_claimant(
                    data.get_store(),
                    who,
                    {"reliability": reliability, "rationale": rationale, "rationale_url": rationale_url},
                )
            except (RegisterError, access.AccessDenied) as exc:
                st.error(text.escape_markdown(f"Nothing was saved: {exc}"), icon=":material/block:")
            else:
                st.rerun()
