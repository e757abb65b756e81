"""Tests of the monitoring stage."""

from __future__ import annotations

import importlib

from {{ cookiecutter.package_name }}.cli import COMMANDS

from ..heavy import imports_heavy_libraries


def test_monitoring_module_is_light_to_import() -> None:
    assert not imports_heavy_libraries("{{ cookiecutter.package_name }}.monitoring.main")


def test_monitoring_is_reachable_from_the_cli() -> None:
    modules = {module for module, _ in COMMANDS.values()}
    assert "monitoring.main" in modules
    assert callable(importlib.import_module("{{ cookiecutter.package_name }}.monitoring.main").run)
