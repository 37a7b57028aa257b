"""Placeholder until the cns importer lands: matches no header."""

NAME = "cns"
MAPPING: list = []


def matches(columns: list[str]) -> bool:
    return False


def to_record_data(cells, context):
    raise NotImplementedError
