"""Adoption: make a CSV the project's data, with a schema inferred from it."""

from ..commands import Command

COMMAND = Command(
    "adopt-data",
    "make a CSV the project's data: infer schema.py and the rest",
    position=0,
    options=(
        ("csv", {"metavar": "CSV", "help": "the table to adopt: a local CSV file"}),
        ("--target", {"required": True, "metavar": "COLUMN", "help": "the column to predict"}),
        (
            "--force",
            {"action": "store_true", "help": "replace data that adopt-data wrote before"},
        ),
    ),
)
