"""Facts about the template that several test modules share."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = ROOT / "{{cookiecutter.project_slug}}"
COOKIECUTTER = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
PRUNE_MANIFEST = json.loads((PROJECT_DIR / ".template-prune.json").read_text(encoding="utf-8"))

COMPONENTS = (
    "task",
    "ci",
    "data_versioning",
    "data_validation",
    "experiment_tracking",
    "serving",
    "monitoring",
    "orchestrator",
    "gitops",
)
ROTATED = ("python_version", "license")
CHOICES = {
    name: value
    for name, value in COOKIECUTTER.items()
    if isinstance(value, list) and not name.startswith("_")
}
DEFAULTS = {name: values[0] for name, values in CHOICES.items()}
# Combinations the pre-generation hook refuses: (option, value, needs option, needs values).
FORBIDDEN = (("serving", "kserve", "experiment_tracking", ("mlflow",)),)


def is_forbidden(answers: dict[str, str]) -> bool:
    return any(
        answers[option] == value and answers[needed] not in accepted
        for option, value, needed, accepted in FORBIDDEN
    )


def combination_id(answers: dict[str, str]) -> str:
    return "-".join(f"{name}={answers[name]}" for name in COMPONENTS)


def all_combinations() -> list[dict[str, str]]:
    """Every valid component combination, with Python version and licence rotated."""
    valid = []
    for values in itertools.product(*(CHOICES[name] for name in COMPONENTS)):
        answers = dict(zip(COMPONENTS, values, strict=True))
        if not is_forbidden(answers):
            valid.append(answers)
    for index, answers in enumerate(valid):
        for name in ROTATED:
            answers[name] = CHOICES[name][index % len(CHOICES[name])]
    return valid


def single_overrides() -> list[dict[str, str]]:
    """The default answers, and each option changed alone to each other value."""
    overrides: list[dict[str, str]] = [{}]
    for name, values in CHOICES.items():
        for value in values[1:]:
            change = {name: value}
            if not is_forbidden({**DEFAULTS, **change}):
                overrides.append(change)
    return overrides


def render_path(relative: str, context: dict[str, str]) -> str:
    return re.sub(
        r"\{\{\s*cookiecutter\.(\w+)\s*\}\}", lambda match: context[match.group(1)], relative
    )


def pruned_paths(answers: dict[str, str]) -> set[str]:
    """Paths (template-relative) the manifest says are removed for these answers."""
    owners: dict[str, dict[str, set[str]]] = {}
    for option, by_value in PRUNE_MANIFEST.items():
        for value, paths in by_value.items():
            for path in paths:
                owners.setdefault(path, {}).setdefault(option, set()).add(value)
    return {
        path
        for path, by_option in owners.items()
        if any(answers[option] not in values for option, values in by_option.items())
    }


def expected_files(answers: dict[str, str], package_name: str, project_slug: str) -> set[str]:
    """Every file the manifest predicts for these answers, relative to the project."""
    context = {"package_name": package_name, "project_slug": project_slug}
    removed = {render_path(path, context) for path in pruned_paths(answers)}
    expected = set()
    for path in PROJECT_DIR.rglob("*"):
        if not path.is_file():
            continue
        relative = render_path(path.relative_to(PROJECT_DIR).as_posix(), context)
        if relative == ".template-prune.json":
            continue
        if any(relative == gone or relative.startswith(f"{gone}/") for gone in removed):
            continue
        expected.add(relative)
    return expected


def _pairs(answers: dict[str, str]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    items = sorted((name, answers[name]) for name in COMPONENTS)
    return set(itertools.combinations(items, 2))


def pairwise_combinations() -> list[dict[str, str]]:
    """A small subset of the valid combinations in which every valid pair of values appears.

    Greedy: repeatedly take the combination that covers most pairs not yet covered.
    Python versions and licences rotate over the chosen combinations.
    """
    candidates = all_combinations()
    uncovered = set().union(*(_pairs(answers) for answers in candidates))
    chosen: list[dict[str, str]] = []
    while uncovered:
        best = max(candidates, key=lambda answers: len(_pairs(answers) & uncovered))
        uncovered -= _pairs(best)
        chosen.append(dict(best))
    for index, answers in enumerate(chosen):
        for name in ROTATED:
            answers[name] = CHOICES[name][index % len(CHOICES[name])]
    return chosen


def selected_combinations() -> list[dict[str, str]]:
    """All valid combinations, or the pairwise subset when TEMPLATE_MATRIX=pairwise."""
    if os.environ.get("TEMPLATE_MATRIX") == "pairwise":
        return pairwise_combinations()
    return all_combinations()


class _YamlLoader(yaml.SafeLoader):
    """The safe loader, reading ``!!python/name:`` tags (MkDocs configuration) as text."""


_YamlLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: f"python/name:{suffix}"
)


def yaml_documents(text: str) -> list[object]:
    """Every document of a YAML text; nothing is executed."""
    return list(yaml.load_all(text, Loader=_YamlLoader))
