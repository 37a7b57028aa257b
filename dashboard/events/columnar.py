"""Records held column-wise: the storage table of the log and its content hash.

:func:`records_table` and the store's writer hold accepted records as an Arrow table of storage
values (one column per schema field), written and hashed in chunks (:func:`content_hashes`), never
as a million Python objects at once. The import path's column-wise checks, which produce such
tables from files, live with the importers (``dashboard.events.importers.validate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256
from json.encoder import encode_basestring_ascii

import pyarrow as pa
import pyarrow.compute as pc

from dashboard.events import schema

STORAGE_TYPES = {
    "text": pa.string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "date": pa.date32(),
    "json": pa.string(),
}


def storage_schema() -> pa.Schema:
    return pa.schema([(name, STORAGE_TYPES[schema.field_kind(name)]) for name in schema.FIELD_NAMES])


def records_table(records: Sequence[schema.EventRecord]) -> pa.Table:
    """Validated records as a table of storage values (sources as canonical JSON)."""
    columns = {}
    for name in schema.FIELD_NAMES:
        if name == "sources":
            values = [schema.sources_to_json(r.sources) for r in records]
        else:
            values = [getattr(r, name) for r in records]
        columns[name] = pa.array(values, type=STORAGE_TYPES[schema.field_kind(name)])
    return pa.table(columns, schema=storage_schema())


# --- the content hash ---------------------------------------------------------------

_HASHED_FIELDS = tuple(sorted(n for n in schema.FIELD_NAMES if n not in schema.PROVENANCE_FIELDS))


def content_hashes(table: pa.Table) -> list[str]:
    """SHA-256 of what each record claims (provenance excluded), from a table of storage values.

    Fields in ``schema.HASH_ONLY_WHEN_SET`` are left out of the claim when empty.

    The digest is of ``json.dumps(claim, sort_keys=True, default=str)``, the definition the
    log has always used (existing databases hold these digests, so it must not change by a
    byte). It is spelled out here with Arrow string kernels, because calling json.dumps once
    per record costs seconds at a million rows; only values JSON must escape beyond ``"``
    and ``\\`` go through Python's own JSON string encoder. Floats arrive normalised (no -0.0).
    """
    parts = []
    for name in _HASHED_FIELDS:
        column = table.column(name)
        kind = schema.field_kind(name)
        if kind in ("text", "json"):
            encoded = _json_strings(column)
        elif kind == "date":
            encoded = pc.binary_join_element_wise('"', pc.cast(column, pa.string()), '"', "")
        elif kind == "int":
            encoded = pc.cast(column, pa.string())
        else:
            encoded = _float_reprs(column)
        if name in schema.HASH_ONLY_WHEN_SET:
            # A null part is skipped by the join below: the claim reads as if the field did not exist.
            parts.append(pc.binary_join_element_wise(f'"{name}": ', encoded, ""))
        else:
            parts.append(pc.binary_join_element_wise(f'"{name}": ', pc.fill_null(encoded, "null"), ""))
    joined = pc.binary_join_element_wise(*parts, ", ", null_handling="skip")
    claims = pc.binary_join_element_wise("{", joined, "}", "")
    return [sha256(claim).hexdigest() for claim in pc.cast(claims, pa.binary()).to_pylist()]


# Characters JSON (ensure_ascii) writes as they are, bar the two it escapes with a backslash.
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"


def _json_strings(column: pa.ChunkedArray) -> pa.Array:
    """Each value as json.dumps writes it (ensure_ascii): quoted, escaped; nulls stay null."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    if len(encoded.dictionary) * 4 < len(encoded):
        # A column that repeats its values (categories, claimants, regions): each value once.
        return _json_string_values(encoded.dictionary).take(encoded.indices)
    return _json_string_values(column.combine_chunks())


def _json_string_values(column: pa.Array) -> pa.Array:
    plain = pc.fill_null(pc.match_substring_regex(column, _PRINTABLE_ASCII), True)
    escaped = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    special = pc.invert(plain)
    if not pc.any(special).as_py():
        return quoted
    others = [encode_basestring_ascii(v) for v in pc.filter(column, special).to_pylist()]
    return pc.replace_with_mask(quoted, special, pa.array(others, pa.string()))


def _float_reprs(column: pa.ChunkedArray) -> pa.Array:
    """repr() of each float, as json.dumps writes it: once per distinct value."""
    distinct = pc.unique(column)
    reprs = pa.array([None if v is None else repr(v) for v in distinct.to_pylist()], pa.string())
    return reprs.take(pc.index_in(column, value_set=distinct))


def normalise_floats(table: pa.Table) -> pa.Table:
    """-0.0 stored as 0.0: SQLite stores both as 0, so hash what is stored."""
    for name in schema.FLOAT_FIELDS:
        column = table.column(name)
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.if_else(pc.equal(column, 0.0), pa.scalar(0.0), column))
    return table
