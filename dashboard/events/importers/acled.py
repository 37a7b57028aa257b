"""Placeholder until the acled importer lands: matches no header."""

NAME = "acled"
MAPPING: list = []


def matches(columns: list[str]) -> bool:
    return False


def to_record_data(cells, context):
    raise NotImplementedError
