"""The platform's Helm values checked against the charts' own schemas (``tests/charts``).

Helm validates a release's values, the chart's defaults with the given values merged over
them, against the chart's ``values.schema.json``; this does the same without Helm or the
network, so a misspelt or mistyped value fails here rather than at ``helm install``.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .crds import Loader, sources

CHARTS = Path(__file__).resolve().parent.parent / "charts"


def folder(chart: str, version: str) -> Path:
    return CHARTS / f"{chart}-{version}"


def merged(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over ``defaults`` as Helm merges them: maps key by key, the rest replaced."""
    result = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@functools.cache
def chart(chart: str, version: str) -> tuple[dict[str, Any], jsonschema.protocols.Validator]:
    """The chart's default values and the validator of its values schema."""
    where = folder(chart, version)
    defaults = yaml.load((where / "values.yaml").read_text(encoding="utf-8"), Loader=Loader)
    schema = json.loads((where / "values.schema.json").read_text(encoding="utf-8"))
    return defaults, jsonschema.validators.validator_for(schema)(schema)


def errors(chart_name: str, version: str, values: dict[str, Any]) -> list[str]:
    """Every way the release's values break the chart's schema; one line each, with its path."""
    defaults, validator = chart(chart_name, version)
    found = validator.iter_errors(merged(defaults, values))
    return [
        f"{chart_name} {version}: {'.'.join(map(str, error.absolute_path)) or '(top)'}: "
        f"{error.message}"
        for error in sorted(found, key=lambda error: list(map(str, error.absolute_path)))
    ]


def versions() -> str:
    """The charts the schemas come from, for the run summary."""
    rows = sources(CHARTS / "SOURCES.md")
    return ", ".join(sorted({row["file"].partition("/")[0] for row in rows}))
