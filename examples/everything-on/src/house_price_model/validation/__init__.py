"""Validation: check raw and processed data against pandera schemas."""

from ..commands import Command

COMMAND = Command(
    "validate",
    "check raw and processed data against their schemas",
    position=20,
    pipeline=True,
    reads=("data.processed_dir",),
    writes=("validation.report",),
)
