"""Small frame helpers shared by the figure modules (private)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.events import schema

# Above this many event ids in one figure, charts leave customdata empty rather than send
# every id to the browser (a million ids are ~14 MB of JSON on every rerun); pages say
# to narrow the filter to click through to rows.
MAX_CUSTOMDATA_IDS = 50_000


def blank(values: pd.Series) -> pd.Series:
    """True where a text value is missing or only whitespace."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Test the few categories, not the million rows (the store loads text columns as categoricals).
        per_category = blank(pd.Series(values.cat.categories.astype(object))).to_numpy()
        codes = values.cat.codes.to_numpy()
        hit = np.where(codes < 0, True, per_category[np.maximum(codes, 0)]) if len(per_category) else codes < 0
        return pd.Series(hit, index=values.index)
    text = values.astype("string").str.strip()
    return (values.isna() | text.eq("")).fillna(True).astype(bool)


def text_in(values: pd.Series, allowed) -> np.ndarray:
    """True where a text value, stripped, is one of ``allowed`` (missing values never are)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Test the few categories, not every row (as in blank()).
        hit = np.array([str(c).strip() in allowed for c in values.cat.categories], dtype=bool)
        codes = values.cat.codes.to_numpy()
        return hit[np.maximum(codes, 0)] & (codes >= 0) if len(hit) else np.zeros(len(values), dtype=bool)
    return values.astype("string").str.strip().isin(list(allowed)).fillna(False).to_numpy(dtype=bool)


def actor_sides(actors: pd.Series) -> pd.Series:
    """Each actor's side (a key of ``schema.SIDES``), mapped once per distinct actor."""
    return actors.astype("category").map(schema.actor_side).astype(object)


def text_or(values: pd.Series, default: str) -> pd.Series:
    """Text values with blanks replaced by ``default`` (object dtype)."""
    out = values.astype(object).where(~blank(values), default)
    return out.map(lambda v: str(v).strip())


def claim_value(frame: pd.DataFrame) -> pd.Series:
    """The one number a claim stands for: best, else the midpoint of low/high, else low, else high."""
    low, best, high = (frame[c].astype("float64") for c in ("figure_low", "figure_best", "figure_high"))
    midpoint = (low + high) / 2
    return best.fillna(midpoint).fillna(low).fillna(high)


def band_bounds(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Low and high for drawing a band or error bar: both missing where the source's bounds are out of order.

    The rule for flagged claims is stated once in ``schema.FLAGGED_CLAIMS_RULE``: the value plotted is
    ``best`` as reported (:func:`claim_value`); a band is not drawn where low <= best <= high does not hold
    or the claim carries a figure-order flag. The raw figures stay in tables and exports.
    """
    low, best, high = (frame[c].astype("float64") for c in ("figure_low", "figure_best", "figure_high"))
    disordered = (low > best) | (best > high) | (low > high)  # comparisons with a missing figure are False
    if "quality_flags" in frame:
        flagged = text_in_any(frame["quality_flags"], schema.FIGURE_ORDER_FLAGS)
        disordered = disordered | flagged
    return low.mask(disordered), high.mask(disordered)


def text_in_any(values: pd.Series, names) -> np.ndarray:
    """True where a comma-separated text value (``quality_flags``) holds any of ``names``."""
    text = values.astype(object).where(values.notna(), "")
    return np.array([bool(schema.flag_set(v) & set(names)) if v else False for v in text], dtype=bool)


def grouped_ids(
    frame: pd.DataFrame, keys: str | list[str], column: str = "event_id"
) -> pd.api.extensions.ExtensionArray:
    """The ids of each group of ``frame.groupby(keys, sort=True)``, in that order (see :func:`ids_by_group`).

    Ids keep the frame's row order within a group. Vectorised (one sort and one
    take), so a million rows take a fraction of a second; keys must not be NaN.
    """
    if frame.empty:
        return ids_by_group(frame[column], np.zeros(0, dtype="int64"), 0)
    codes = frame.groupby(keys, sort=True).ngroup().to_numpy()
    return ids_by_group(frame[column], codes, int(codes.max()) + 1)


def dense_codes(codes: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered over the groups that have rows: (the present groups, each row's new code).

    ``sizes`` is ``np.bincount(codes)``; a lookup table, not a search, so it is one pass over the rows.
    """
    present = np.flatnonzero(sizes)
    renumber = np.zeros(len(sizes), dtype="int64")
    renumber[present] = np.arange(len(present))
    return present, renumber[codes]


def ids_by_group(ids: pd.Series, codes: np.ndarray, groups: int) -> pd.api.extensions.ExtensionArray:
    """The ids of groups ``0 .. groups - 1`` (row ``i`` is in group ``codes[i]``), row order kept within a group.

    One list of str per group, as an Arrow list array (a frame column of dtype
    ``list<large_string>[pyarrow]``; an item reads back as a Python list). The ids stay Arrow
    strings: as Python lists, a million ids were ~70 MB of str objects and ~0.1 s to make, on
    every rerun of a page over the whole log, for lists only a click or a download reads.
    """
    order = np.argsort(codes, kind="stable")
    taken = ids.iloc[order].astype(str)  # the store's ids are Arrow strings already: one take
    values = pa.array(taken.array if hasattr(taken.array, "__arrow_array__") else taken.tolist(), pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    offsets = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=groups)))).astype("int32")
    return pd.arrays.ArrowExtensionArray(pa.ListArray.from_arrays(pa.array(offsets), values))


def sorted_by_date_and_id(frame: pd.DataFrame) -> bool:
    """True if ``frame`` is already ordered by ``event_date`` then ``event_id`` (as the store returns it)."""
    dates = frame["event_date"].to_numpy()
    if len(dates) < 2:
        return True
    later, same = dates[1:] > dates[:-1], dates[1:] == dates[:-1]
    if not (later | same).all():
        return False
    ids = frame["event_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype):  # unordered categories cannot compare; their text can
        ids = ids.astype(str)
    # Each id against the next as the column's own arrays (slices of Arrow strings compare in C,
    # without copying): turning every id into a Python object first cost more than the comparison.
    values = ids.array
    increasing = np.asarray(values[:-1] < values[1:], dtype=bool)
    return bool((~same | increasing).all())  # within a day, ids increase


def customdata_ids(id_lists, figure_ids: int) -> list[str]:
    """Each group's ids joined for customdata; all "" when the figure holds more than MAX_CUSTOMDATA_IDS."""
    if figure_ids > MAX_CUSTOMDATA_IDS:
        return [""] * len(id_lists)
    return [join_ids(ids) for ids in id_lists]


def join_ids(ids) -> str:
    """Event ids as one customdata string (ids never contain a comma: see schema)."""
    return ",".join(str(i) for i in ids)


def period_start(dates: np.ndarray, freq: str) -> np.ndarray:
    """The first day of each date's ``"week"`` (Monday) or ``"month"``, as datetime64[ns] (NaT stays NaT).

    Calendar arithmetic on the integer days: ``Series.dt.to_period`` builds Period objects, several
    times slower on a million dates.
    """
    days = np.asarray(dates).astype("datetime64[D]")
    if freq == "month":
        starts = days.astype("datetime64[M]").astype("datetime64[D]")
    else:
        number = days.view("int64")
        starts = (number - (number + 3) % 7).view("datetime64[D]")  # day 0, 1 Jan 1970, was a Thursday
    return np.where(np.isnat(days), np.datetime64("NaT"), starts).astype("datetime64[ns]")


def month_start(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").dt.start_time


def week_start(dates: pd.Series) -> pd.Series:
    """Monday of each date's week."""
    return dates.dt.to_period("W-SUN").dt.start_time


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def has_point(events: pd.DataFrame) -> np.ndarray:
    """Rows that may be drawn as points: precision 1 or 2 with both coordinates."""
    # As plain floats (missing: NaN), compared with two numbers: isin on the nullable column was
    # ~10 ms per 200k rows.
    precision = pd.to_numeric(events["geo_precision"]).to_numpy(dtype="float64", na_value=np.nan)
    return (
        ((precision == 1) | (precision == 2))
        & events["latitude"].notna().to_numpy()
        & events["longitude"].notna().to_numpy()
    )
