"""Tests of the registry stage."""

from __future__ import annotations

import importlib

from {{ cookiecutter.package_name }}.cli import COMMANDS

from ..heavy import imports_heavy_libraries

MODULE = "{{ cookiecutter.package_name }}.registry.main"


def test_registry_module_is_light_to_import() -> None:
    assert imports_heavy_libraries(MODULE) == []


def test_registry_is_reachable_from_the_cli() -> None:
    assert "registry.main" in {module for module, _ in COMMANDS.values()}
    assert callable(importlib.import_module(MODULE).run)
