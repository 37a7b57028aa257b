"""Grades of claims and the facts behind them: who a claim's originator is, its two-character grade
(B2), how many independent voices say the same, and how a claimant's figures sat against others'.

Every function takes a frame of current events and returns a new frame; nothing is written. The
rules are stated in the schema (``CONFIDENCE_TO_CREDIBILITY_RULE``, ``IMPORTER_GRADE_RULE``) and
in the docstrings below, which the claimant page shows as its method.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.events import schema
from dashboard.events.claimants import Register

GRADE_COLUMNS = ("originator", "relayed_by", "grade_reliability", "grade_credibility", "grade")
# Reliability letters best first: "at least B" keeps A and B.
RELIABILITY_ORDER = tuple(schema.RELIABILITY_LEVELS)
CREDIBILITY_ORDER = tuple(schema.CREDIBILITY_LEVELS)
# Two claims of one matter corroborate each other when their dates are this close.
CORROBORATION_WINDOW_DAYS = 14
CORROBORATION_RULE = (
    "Two claims corroborate each other when they answer the same measure (or, without a figure, have the same "
    f"category, type and actor), are dated within {CORROBORATION_WINDOW_DAYS} days of each other, and their "
    "figures agree (the ranges low–high overlap; a claim with one figure is a range of one point). Voices are "
    "counted by originator: outlets relaying one statement are one voice."
)
COMPARISON_RULE = (
    "For each claim with a figure, the latest claim of every other originator for the same measure dated on or "
    "before it is taken; the claim's value (best, else the midpoint of low and high, else the one bound) is "
    "compared with the lowest and highest of those values: above, inside (between them, ends included) or "
    "below. Claims with no earlier claim by another originator are counted as 'no comparison'."
)


def with_grades(events: pd.DataFrame, register: Register) -> pd.DataFrame:
    """``events`` with the grade columns added (a new frame).

    ``originator`` and ``relayed_by`` ("; "-joined outlets, "" for none) from the register;
    ``grade_reliability`` the claim's ``source_reliability`` where set, else the register's default for
    the originator, else F; ``grade_credibility`` the claim's ``credibility`` where set, else taken from
    ``confidence`` by ``schema.CONFIDENCE_TO_CREDIBILITY``, else 6; ``grade`` the two together (B2).
    """
    out = events.copy(deep=False)
    n = len(events)
    claimant = events["claimant"] if "claimant" in events else pd.Series(None, index=events.index, dtype=object)
    # Once per distinct claimant text (a million rows repeat a few hundred), then by integer code:
    # categoricals built from codes, never a million strings compared or joined.
    codes, texts = pd.factorize(claimant.astype(object), use_na_sentinel=True)
    attributions = [register.resolve(str(t)) for t in texts]
    out["originator"] = _by_code(codes, [a.originator for a in attributions], None)
    out["relayed_by"] = _by_code(codes, ["; ".join(a.relayed_by) for a in attributions], "")
    letters = list(schema.RELIABILITY_LEVELS)
    defaults = np.array([letters.index(register.reliability_of(a.originator)) for a in attributions] + [5])
    letter_codes = defaults[codes]
    if "source_reliability" in events:
        own_codes, own_letters = pd.factorize(events["source_reliability"].astype(object))
        lookup = np.array([letters.index(letter) for letter in own_letters] + [-1])
        own = lookup[own_codes]
        letter_codes = np.where(own >= 0, own, letter_codes)
    credibility = np.full(n, schema.UNGRADED_CREDIBILITY, dtype="int64")
    if "confidence" in events:
        conf_codes, levels = pd.factorize(events["confidence"].astype(object))
        lookup = np.array([schema.CONFIDENCE_TO_CREDIBILITY.get(c, schema.UNGRADED_CREDIBILITY) for c in levels] + [6])
        credibility = lookup[conf_codes].astype("int64")
    if "credibility" in events:
        own = pd.to_numeric(events["credibility"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        credibility = np.where(np.isnan(own), credibility, np.nan_to_num(own)).astype("int64")
    out["grade_reliability"] = pd.Categorical.from_codes(letter_codes, categories=letters)
    out["grade_credibility"] = credibility
    labels = [f"{letter}{number}" for letter in letters for number in range(7)]
    out["grade"] = pd.Categorical.from_codes(
        letter_codes * 7 + credibility, categories=labels
    ).remove_unused_categories()
    return out


def _by_code(codes: np.ndarray, values: list, missing: object) -> pd.Categorical:
    """A categorical of ``values[code]`` per row (``missing`` where the code is -1)."""
    value_codes, categories = pd.factorize(pd.Series([*values, missing], dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(value_codes[codes], categories=categories)


def grade_mask(graded: pd.DataFrame, min_reliability: str | None, min_credibility: int | None) -> np.ndarray:
    """Rows whose grade is at least as good as the minimums (A best, 1 best); None means any."""
    keep = np.ones(len(graded), dtype=bool)
    if min_reliability:
        allowed = RELIABILITY_ORDER[: RELIABILITY_ORDER.index(min_reliability) + 1]
        keep &= graded["grade_reliability"].isin(allowed).to_numpy()
    if min_credibility:
        keep &= (graded["grade_credibility"].to_numpy() <= int(min_credibility)).astype(bool)
    return keep


def _matters(graded: pd.DataFrame) -> pd.Series:
    """What each claim is about: its measure key, else "category|type|actor" for claims without a figure."""
    measures = [
        schema.measure_of(c, s, u, a)
        for c, s, u, a in zip(graded["category"], graded["subcategory"], graded["unit"], graded["actor"], strict=True)
    ]
    plain = (
        graded["category"].astype(str)
        + "|"
        + graded["subcategory"].astype(object).fillna("").astype(str)
        + "|"
        + graded["actor"].astype(str)
    )
    return pd.Series(measures, index=graded.index, dtype=object).fillna(plain)


def _bounds(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    low, best, high = (pd.to_numeric(frame[c], errors="coerce") for c in schema.FIGURE_FIELDS)
    lo = low.fillna(best).fillna(high)
    hi = high.fillna(best).fillna(low)
    return lo.to_numpy(dtype=float), hi.to_numpy(dtype=float)


def independent_voices(graded: pd.DataFrame, event_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Per claim (of ``event_ids``, else every claim), the other originators that say the same (by
    :data:`CORROBORATION_RULE`).

    Takes a frame from :func:`with_grades`; returns ``event_id``, ``voices`` (distinct originators saying
    it, the claim's own included), ``corroborated_by`` (the other originators, "; "-joined, sorted) and
    ``relays`` (how many claims of the same originator relayed by other outlets agree: repeats, not voices).
    """
    columns = {"event_id": object, "voices": "int64", "corroborated_by": object, "relays": "int64"}
    if graded.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    frame = graded.reset_index(drop=True)
    targets = np.arange(len(frame))
    if event_ids is not None:
        wanted = set(map(str, event_ids))
        targets = np.flatnonzero(frame["event_id"].astype(str).isin(wanted).to_numpy())
        # Only claims of the same kind (category and unit) can corroborate: the rest is never compared.
        # and only within the window around the claims asked about (one claim: four weeks of the log).
        kinds = set(zip(frame["category"].iloc[targets], frame["unit"].iloc[targets], strict=True))
        when = pd.to_datetime(frame["event_date"])
        window = pd.Timedelta(days=CORROBORATION_WINDOW_DAYS)
        near = (when >= when.iloc[targets].min() - window) & (when <= when.iloc[targets].max() + window)
        rows = np.flatnonzero(near.to_numpy(dtype=bool))
        same_kind = [
            (c, u) in kinds for c, u in zip(frame["category"].iloc[rows], frame["unit"].iloc[rows], strict=True)
        ]
        keep = rows[np.asarray(same_kind, dtype=bool)] if len(rows) else rows
        frame = frame.iloc[keep].reset_index(drop=True)
        targets = np.flatnonzero(frame["event_id"].astype(str).isin(wanted).to_numpy())
    matter = _matters(frame).to_numpy(dtype=object)
    dates = pd.to_datetime(frame["event_date"]).to_numpy()
    lo, hi = _bounds(frame)
    has_figure = ~np.isnan(lo)
    originators = frame["originator"].astype(object).to_numpy()
    window = np.timedelta64(CORROBORATION_WINDOW_DAYS, "D")
    rows = []
    by_matter: dict[object, list[int]] = {}
    for i, m in enumerate(matter):
        by_matter.setdefault(m, []).append(i)
    for i in targets:
        others, repeats = set(), 0
        for j in by_matter[matter[i]]:
            if j == i or abs(dates[j] - dates[i]) > window:
                continue
            if has_figure[i] != has_figure[j]:
                continue
            if has_figure[i] and (lo[j] > hi[i] or hi[j] < lo[i]):
                continue
            if originators[j] == originators[i]:
                repeats += 1
            else:
                others.add(str(originators[j]))
        rows.append((str(frame.at[i, "event_id"]), len(others) + 1, "; ".join(sorted(others)), repeats))
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def figure_record(graded: pd.DataFrame, originator: str) -> pd.DataFrame:
    """How often ``originator``'s figures sat above, inside or below the range of other originators' latest
    claims at the time, per measure (by :data:`COMPARISON_RULE`): facts, not a score.

    Returns one row per measure the originator gave a figure for: ``measure`` (key), ``label``,
    ``claims``, ``above``, ``inside``, ``below``, ``no_comparison``.
    """
    columns = ["measure", "label", "claims", "above", "inside", "below", "no_comparison"]
    if graded.empty:
        return pd.DataFrame(columns=columns)
    frame = graded.assign(_measure=_matters(graded), _value=_values(graded))
    frame = frame.loc[frame["_value"].notna() & frame["_measure"].isin(list(schema.MEASURES))]
    frame = frame.sort_values(["event_date", "event_id"], kind="stable")
    out = []
    for measure, rows in frame.groupby("_measure", sort=True):
        own = rows.loc[rows["originator"] == originator]
        if own.empty:
            continue
        counts = {"above": 0, "inside": 0, "below": 0, "no_comparison": 0}
        others = rows.loc[rows["originator"] != originator]
        for _, claim in own.iterrows():
            earlier = others.loc[others["event_date"] <= claim["event_date"]]
            latest = earlier.drop_duplicates("originator", keep="last")["_value"]
            if latest.empty:
                counts["no_comparison"] += 1
            elif claim["_value"] > latest.max():
                counts["above"] += 1
            elif claim["_value"] < latest.min():
                counts["below"] += 1
            else:
                counts["inside"] += 1
        out.append({"measure": measure, "label": schema.MEASURES[measure].label, "claims": len(own), **counts})
    return pd.DataFrame(out, columns=columns)


def _values(frame: pd.DataFrame) -> pd.Series:
    low, best, high = (pd.to_numeric(frame[c], errors="coerce") for c in schema.FIGURE_FIELDS)
    return best.fillna((low + high) / 2).fillna(low).fillna(high)
