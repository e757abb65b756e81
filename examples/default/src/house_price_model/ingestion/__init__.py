"""Ingestion: read the raw CSV, clean it and split it into train, validation and test sets."""

from ..commands import Command

COMMAND = Command(
    "ingest",
    "read the raw CSV, clean it and write train/val/test splits",
    position=10,
    pipeline=True,
    writes=("data.processed_dir",),
)
