"""Facts about the template that several test modules share."""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import types
from pathlib import Path

import yaml
from cookiecutter.environment import StrictEnvironment

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

# The named instances: baked into examples/ (make examples), each with a hand-written file
# list in tests/expected_files/, and timed by benchmarks/bake_time.py.
INSTANCES: dict[str, dict[str, str]] = {
    "default": {},
    "everything-on": {"serving": "kserve", "orchestrator": "airflow"},
    "everything-off": {
        "ci": "none",
        "data_versioning": "none",
        "data_validation": "none",
        "experiment_tracking": "none",
        "serving": "none",
        "monitoring": "none",
        "gitops": "none",
    },
}


@functools.cache
def load_hook(name: str) -> types.ModuleType:
    """The hook ``hooks/<name>.py`` as a module, rendered as cookiecutter renders it.

    The hooks act only in ``main()``, so importing one runs nothing: the tests call the
    very functions and constants that generation uses, not copies of them.
    """
    path = ROOT / "hooks" / f"{name}.py"
    context = {"cookiecutter": {**COOKIECUTTER, **DEFAULTS}}
    environment = StrictEnvironment(context=context, keep_trailing_newline=True)
    source = environment.from_string(path.read_text(encoding="utf-8")).render(**context)
    module = types.ModuleType(f"hooks.{name}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)  # our own hook, rendered
    return module


PRE_GEN = load_hook("pre_gen_project")
POST_GEN = load_hook("post_gen_project")


def is_forbidden(answers: dict[str, str]) -> bool:
    """The pre-generation hook refuses this combination of component values."""
    try:
        PRE_GEN.check_combinations(answers)
    except PRE_GEN.Refusal:
        return True
    return False


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


def render_path(relative: str, context: dict[str, str]) -> str:
    return re.sub(
        r"\{\{\s*cookiecutter\.(\w+)\s*\}\}", lambda match: context[match.group(1)], relative
    )


# Private answers cookiecutter renders from the others: whether the components need the
# platform's database (cookiecutter.json); the prune manifest and the templates read it.
DERIVED = ("__database",)


def with_derived(answers: dict[str, str]) -> dict[str, str]:
    """``answers`` and the private answers rendered from them, in cookiecutter.json's order."""
    context = {**DEFAULTS, **answers}
    environment = StrictEnvironment(keep_trailing_newline=True)
    for name in DERIVED:
        context[name] = environment.from_string(COOKIECUTTER[name]).render(cookiecutter=context)
    return {**answers, **{name: context[name] for name in DERIVED}}


def expected_files(answers: dict[str, str], package_name: str, project_slug: str) -> set[str]:
    """Every file the manifest predicts for these answers, relative to the project."""
    context = {"package_name": package_name, "project_slug": project_slug}
    pruned = POST_GEN.unselected_paths(PRUNE_MANIFEST, with_derived(answers))
    removed = {render_path(path, context) for path in pruned}
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
