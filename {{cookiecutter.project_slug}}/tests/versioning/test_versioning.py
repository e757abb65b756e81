"""Tests of the versioning stage."""

from __future__ import annotations

import importlib

from {{ cookiecutter.package_name }}.cli import COMMANDS

from ..heavy import imports_heavy_libraries

MODULE = "{{ cookiecutter.package_name }}.versioning.main"


def test_versioning_module_is_light_to_import() -> None:
    assert imports_heavy_libraries(MODULE) == []


def test_versioning_is_reachable_from_the_cli() -> None:
    assert "versioning.main" in {module for module, _ in COMMANDS.values()}
    assert callable(importlib.import_module(MODULE).run)
