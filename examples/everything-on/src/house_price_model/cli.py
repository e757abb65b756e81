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
from typing import Any

from . import __version__
from .config import ConfigError, Settings, load_settings
from .errors import PipelineError
from .logs import configure_logging

# command -> (module that implements it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "adopt-data": ("adoption.main", "make a CSV the project's data: infer schema.py and the rest"),
    "ingest": ("ingestion.main", "read the raw CSV, clean it and write train/val/test splits"),
    "validate": ("validation.main", "check raw and processed data against their schemas"),
    "version-data": ("versioning.main", "tag the current data version in git and DVC"),
    "train": ("training.main", "fit the model on the training split"),
    "evaluate": ("evaluation.main", "score the model on the test split and apply the gate"),
    "register": ("registry.main", "make the model champion if it passed the gate"),
    "serve": ("serving.main", "start the prediction service"),
    "monitor": ("monitoring.main", "compare current data with the reference and report drift"),
}
# The stages `pipeline` runs, in order.
PIPELINE: tuple[str, ...] = (
    "ingest",
    "validate",
    "train",
    "evaluate",
    "register",
)

# Options of single commands: command -> (flag, argparse keywords) pairs.
OPTIONS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "adopt-data": (
        ("csv", {"metavar": "CSV", "help": "the table to adopt: a local CSV file"}),
        ("--target", {"required": True, "metavar": "COLUMN", "help": "the column to predict"}),
        (
            "--force",
            {"action": "store_true", "help": "replace data that adopt-data wrote before"},
        ),
    ),
    "version-data": (
        (
            "--bump",
            {
                "choices": ("major", "minor", "patch"),
                "default": "patch",
                "help": "part of the version number to increase (default: patch)",
            },
        ),
    ),
}
# Parsed arguments that are not options of a stage.
GLOBAL_OPTIONS = ("command", "params")

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="house_price_model",
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
        for flag, keywords in OPTIONS.get(name, ()):
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
    for name in stages:
        try:
            status = run_stage(name, settings, **options)
        except PipelineError as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            return 1
        if status:
            return status
    return 0
