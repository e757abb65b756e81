"""What a stage package declares to get a sub-command of the command line (see cli.py).

A stage is a sub-package with a ``main.py`` whose ``run(settings, **options)`` does the
work; its ``__init__.py`` holds a ``COMMAND`` and imports nothing heavy, so the command
line can list every stage without loading pandas or scikit-learn.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Command:
    """``<package> <name>`` runs the stage's ``main.run``."""

    name: str
    summary: str  # one line for --help
    position: int  # its place in --help and, for a pipeline stage, in `pipeline`
    pipeline: bool = False  # whether `<package> pipeline` runs it
    # (flag, argparse keywords) pairs of the command's own options
    options: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Settings naming the working files the command reads and those it writes, which the
    # artefact store (store.py) fetches before it runs and keeps after it returns.
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
