"""Versioning: tag data versions in git and push them to the DVC remote."""

from ..commands import Command

COMMAND = Command(
    "version-data",
    "tag the current data version in git and DVC",
    position=30,
    options=(
        (
            "--bump",
            {
                "choices": ("major", "minor", "patch"),
                "default": "patch",
                "help": "part of the version number to increase (default: patch)",
            },
        ),
    ),
)
