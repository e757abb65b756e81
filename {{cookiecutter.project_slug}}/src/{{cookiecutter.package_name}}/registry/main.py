"""Entry point of the registry stage, called by ``{{ cookiecutter.package_name }} <command>``."""

from __future__ import annotations

from ..config import Settings


def run(settings: Settings) -> int:
    """Run the stage with ``settings``; return the process exit status."""
    raise NotImplementedError(f"the registry stage of {settings.project.name} is not written yet")
