"""Placeholder until the ucdp importer lands: matches no header."""

NAME = "ucdp"
MAPPING: list = []


def matches(columns: list[str]) -> bool:
    return False


def to_record_data(cells, context):
    raise NotImplementedError
