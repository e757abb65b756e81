"""Monitoring: compare current data with the reference data and report drift."""

from ..commands import Command

COMMAND = Command(
    "monitor",
    "compare current data with the reference and report drift",
    position=80,
    reads=("monitoring.reference", "data.processed_dir", "registry.champion_dir"),
    writes=("monitoring.reports_dir",),
)
