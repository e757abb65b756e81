"""Tests of the command-line entry point."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from house_price_model import __version__
from house_price_model.cli import (
    COMMANDS,
    PIPELINE,
    build_parser,
    main,
)

from .heavy import heavy_imports

PACKAGE = "house_price_model"

# command -> the stage module that runs it
EXPECTED_COMMANDS = {
    "adopt-data": "adoption.main",
    "ingest": "ingestion.main",
    "validate": "validation.main",
    "version-data": "versioning.main",
    "train": "training.main",
    "evaluate": "evaluation.main",
    "register": "registry.main",
    "serve": "serving.main",
    "score": "scoring.main",
    "monitor": "monitoring.main",
}


def test_commands_are_the_enabled_stages() -> None:
    assert {name: module for name, (module, _) in COMMANDS.items()} == EXPECTED_COMMANDS
    assert list(COMMANDS) == list(EXPECTED_COMMANDS), "the order of --help"
    expected = ("ingest", "validate", "train", "evaluate", "register")
    assert expected == PIPELINE


def test_every_stage_module_has_a_run_function() -> None:
    for module in EXPECTED_COMMANDS.values():
        assert callable(importlib.import_module(f"{PACKAGE}.{module}").run), module


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in [*EXPECTED_COMMANDS, "pipeline"]:
        assert command in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert __version__ in capsys.readouterr().out


def test_cli_and_stage_modules_are_light_to_import() -> None:
    modules = [f"{PACKAGE}.cli"] + [f"{PACKAGE}.{module}" for module, _ in COMMANDS.values()]
    assert heavy_imports(modules) == {module: [] for module in modules}


def test_bad_params_file_stops_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "params.yaml"
    bad.write_text("data: [not, a, mapping]\n", encoding="utf-8")
    assert main(["--params", str(bad), "ingest"]) == 2
    assert "error: " in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", PACKAGE, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "pipeline" in result.stdout
