"""Command-line entry point: one sub-command per pipeline stage.

Stage modules are imported only when their command runs, so ``--help`` and the
commands that do not need them never load pandas, scikit-learn or other heavy libraries.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .commands import Command
from .config import ConfigError, Settings, load_settings
from .errors import PipelineError
from .logs import configure_logging
from .store import fetch, send


def stage_commands() -> dict[str, tuple[str, Command]]:
    """command -> (the stage module that runs it, its Command), in ``position`` order.

    Every sub-package with a ``main.py`` is a stage and declares its ``COMMAND`` in its
    ``__init__.py``, which imports nothing heavy.
    """
    found = []
    for folder in sorted(Path(__file__).parent.iterdir()):
        if (folder / "main.py").is_file():
            stage = importlib.import_module(f"{__package__}.{folder.name}")
            found.append((stage.COMMAND, f"{folder.name}.main"))
    found.sort(key=lambda item: item[0].position)
    return {command.name: (module, command) for command, module in found}


STAGES = stage_commands()
# command -> (module that implements it, one-line help)
COMMANDS = {name: (module, command.summary) for name, (module, command) in STAGES.items()}
# The stages `pipeline` runs, in order.
PIPELINE = tuple(name for name, (_, command) in STAGES.items() if command.pipeline)
# Parsed arguments that are not options of a stage.
GLOBAL_OPTIONS = ("command", "params")

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=__package__,
        description="Run the stages of the machine-learning pipeline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--params",
        metavar="FILE",
        help="params file (default: $PARAMS_FILE or config/params.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary)
        for flag, keywords in STAGES[name][1].options:
            command.add_argument(flag, **keywords)
    commands.add_parser(
        "pipeline",
        help=f"run {', '.join(PIPELINE)} in order",
        description=f"Run {', '.join(PIPELINE)} in order; stop at the first failure.",
    )
    return parser


def run_stage(name: str, settings: Settings, **options: str) -> int:
    """Import the module behind ``name`` and run it; return its exit status."""
    module = importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")
    log.info("stage %s: start", name)
    status = module.run(settings, **options) or 0
    log.info("stage %s: exit status %d", name, status)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.params)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.logging.level, as_json=settings.logging.json)
    options = {key: value for key, value in vars(args).items() if key not in GLOBAL_OPTIONS}
    stages = PIPELINE if args.command == "pipeline" else (args.command,)
    written: set[str] = set()  # what an earlier stage of this run wrote: newer than the store's
    for name in stages:
        command = STAGES[name][1]
        try:
            fetch(settings, [read for read in command.reads if read not in written])
            status = run_stage(name, settings, **options)
            send(settings, command.writes)
            written.update(command.writes)
        except PipelineError as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            return 1
        if status:
            return status
    return 0
