"""Entry point of the monitoring stage: the command line calls :func:`run`."""

from __future__ import annotations

from ..config import Settings


def run(settings: Settings) -> int:
    """Run the stage with ``settings``; return the process exit status."""
    raise NotImplementedError(f"the monitoring stage of {settings.project.name} is not written yet")
