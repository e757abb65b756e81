"""Facts about the template that several test modules share."""

from __future__ import annotations

import collections
import functools
import itertools
import json
import os
import random
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


Row = tuple[str, ...]  # one value per option of COMPONENTS, in that order


def row_pairs(row: Row) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    return list(itertools.combinations(enumerate(row), 2))


def _cover(valid: list[Row], count: int, seed: int, steps: int) -> list[Row] | None:
    """``count`` valid rows that hold every pair of values some valid row holds, or None.

    A local search: put a pair not yet held into a random row, and keep the change when
    no more pairs are left uncovered than before (now and then when more are, to leave a
    dead end).
    """
    allowed = set(valid)
    random_ = random.Random(seed)
    rows = [random_.choice(valid) for _ in range(count)]
    held = collections.Counter(pair for row in rows for pair in row_pairs(row))
    uncovered = {pair for row in valid for pair in row_pairs(row)} - held.keys()

    def replace(index: int, new: Row) -> None:
        for pair in row_pairs(rows[index]):
            held[pair] -= 1
            if held[pair] == 0:
                uncovered.add(pair)
        for pair in row_pairs(new):
            held[pair] += 1
            uncovered.discard(pair)
        rows[index] = new

    for _ in range(steps):
        if not uncovered:
            return rows
        (first, one), (second, other) = random_.choice(sorted(uncovered))
        index = random_.randrange(count)
        old = rows[index]
        new = tuple(
            one if option == first else other if option == second else value
            for option, value in enumerate(old)
        )
        if new not in allowed:
            continue
        before = len(uncovered)
        replace(index, new)
        if len(uncovered) > before and random_.random() >= 0.1:
            replace(index, old)
    return None


def pairwise_combinations() -> list[dict[str, str]]:
    """The fewest valid combinations found in which every valid pair of values appears.

    No covering set is smaller than the two largest options' sizes multiplied; a seeded,
    so repeatable, local search tries that many combinations first, then one more at a
    time. Python versions and licences rotate over the chosen combinations.
    """
    valid = sorted(tuple(answers[name] for name in COMPONENTS) for answers in all_combinations())
    largest, second = sorted((len(CHOICES[name]) for name in COMPONENTS), reverse=True)[:2]
    count = largest * second
    while (rows := _cover(valid, count, seed=count, steps=20_000)) is None:
        count += 1
    chosen = [dict(zip(COMPONENTS, row, strict=True)) for row in rows]
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
