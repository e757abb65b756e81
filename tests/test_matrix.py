"""Every valid option combination bakes, and every check runs on the same bake.

Tests of one combination share an xdist group, so one worker bakes it once.
"""

from __future__ import annotations

import configparser
import functools
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .conftest import by_combination
from .template import expected_files, yaml_documents

RUFF = [sys.executable, "-m", "ruff"]
LEFTOVER_JINJA = re.compile(r"\{\{|\}\}|\{%|%\}|\{#-|cookiecutter")
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")

# Words that may appear only when the component is enabled: (option, values, patterns).
# The patterns are banned from every file (name and text) when the answer for the option is
# not one of the listed values.
KEYWORDS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("ci", ("github-actions",), (r"github actions", r"\.github(?!\.io)", r"actions/")),
    ("ci", ("gitlab-ci",), (r"gitlab",)),
    ("data_versioning", ("dvc",), (r"\bdvc\b", r"version-data", r"\bversioning\b")),
    # sklearn.utils.validation is scikit-learn's own module, not the validation stage.
    ("data_validation", ("pandera",), (r"pandera", r"\bvalidate\b", r"(?<!utils\.)validation[./]")),
    ("experiment_tracking", ("mlflow",), (r"mlflow", r"\bmlruns\b")),
    (
        "serving",
        ("fastapi", "kserve"),
        (
            r"fastapi",
            r"uvicorn",
            r"\bserve[sd]?\b",
            r"\bserving\b",
            r"the service",
            r"prediction service",
        ),
    ),
    ("serving", ("kserve",), (r"kserve", r"inferenceservice", r"inference_url")),
    ("monitoring", ("evidently",), (r"evidently", r"\bdrift\b", r"\bmonitor(ing)?\b")),
    ("orchestrator", ("airflow",), (r"airflow", r"\bdags?\b")),
    ("gitops", ("flux",), (r"\bflux\b", r"fluxcd")),
    ("gitops", ("argocd",), (r"argocd", r"argo cd", r"argoproj")),
]


def files_of(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


@functools.lru_cache(maxsize=4)
def texts_of(project: Path) -> dict[str, str]:
    """Every file of a baked project, read once for all the checks of its combination."""
    return {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in files_of(project)
    }


@pytest.mark.counts_combinations
@by_combination
def test_exact_file_set(project: Path, request: pytest.FixtureRequest) -> None:
    answers = request.node.callspec.params["project"]
    package = next(path.name for path in (project / "src").iterdir())
    actual = {path.relative_to(project).as_posix() for path in files_of(project)}
    expected = expected_files(answers, package, project.name)
    assert sorted(actual - expected) == [], "files the manifest does not predict"
    assert sorted(expected - actual) == [], "files the manifest predicts but are missing"


@by_combination
def test_no_empty_folders(project: Path) -> None:
    empty = [path for path in project.rglob("*") if path.is_dir() and not any(path.iterdir())]
    assert empty == []


def leftover_jinja(relative: str, text: str) -> list[str]:
    """Every Jinja delimiter (or cookiecutter variable) left in one file, with its line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in LEFTOVER_JINJA.finditer(GITHUB_EXPRESSION.sub("", line)):
            found.append(f"{relative}:{number}: {match.group(0)!r} left over")
    return found


@by_combination
def test_no_leftover_jinja(project: Path) -> None:
    found = [
        leftover
        for relative, text in texts_of(project).items()
        for leftover in leftover_jinja(relative, text)
    ]
    assert not found, "\n".join(found)


def hand_written_faults(relative: str, text: str) -> list[str]:
    """What in one file's text a person would not have typed, one line a fault."""
    if not text:
        return []
    faults = []
    if not text.endswith("\n"):
        faults.append("no final newline")
    if text.endswith("\n\n"):
        faults.append("blank line at the end")
    if text.startswith("\n"):
        faults.append("starts with a blank line")
    if "\n\n\n\n" in text:
        faults.append("run of blank lines")
    elif "\n\n\n" in text and (
        relative.endswith((".yml", ".yaml", ".toml", ".md", ".cfg")) or "." not in relative
    ):
        faults.append("two blank lines in a row")
    trailing = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
    if trailing:
        faults.append(f"trailing white space on lines {trailing}")
    return [f"{relative}: {fault}" for fault in faults]


@by_combination
def test_text_looks_hand_written(project: Path) -> None:
    found = [
        fault
        for relative, text in texts_of(project).items()
        for fault in hand_written_faults(relative, text)
    ]
    assert not found, "\n".join(found)


def test_file_checks_report_every_bad_file_and_line() -> None:
    texts = {"a.py": "x = 1\n\n\n\n{{ y }}\n", "b.md": "\ntext \n\n\n", "c.yml": "run: ${{ x }}\n"}
    assert [found for name, text in texts.items() for found in leftover_jinja(name, text)] == [
        "a.py:5: '{{' left over",
        "a.py:5: '}}' left over",
    ]
    assert [found for name, text in texts.items() for found in hand_written_faults(name, text)] == [
        "a.py: run of blank lines",
        "b.md: blank line at the end",
        "b.md: starts with a blank line",
        "b.md: two blank lines in a row",
        "b.md: trailing white space on lines [2]",
    ]


@by_combination
def test_structured_files_parse(project: Path) -> None:
    for relative, text in texts_of(project).items():
        path = project / relative
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix in {".yml", ".yaml"}:
            yaml_documents(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.name == "config" and path.parent.name == ".dvc":
            configparser.ConfigParser().read_string(text)


@by_combination
def test_ruff_check_and_format(project: Path) -> None:
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run(
            [*RUFF, *command], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


@by_combination
def test_no_reference_to_disabled_components(project: Path, request: pytest.FixtureRequest) -> None:
    answers = request.node.callspec.params["project"]
    banned = [
        pattern
        for option, values, patterns in KEYWORDS
        if answers[option] not in values
        for pattern in patterns
    ]
    found = []
    for relative, text in texts_of(project).items():
        for pattern in banned:
            for where in (relative, text):
                match = re.search(pattern, where, flags=re.IGNORECASE)
                if match:
                    line = where[: match.start()].count("\n") + 1
                    found.append(f"{relative}:{line}: {match.group(0)!r} ({pattern})")
    assert not found, "\n".join(found)


@by_combination
def test_one_owner_schedules_training_and_monitoring(
    project: Path, request: pytest.FixtureRequest
) -> None:
    """With Airflow the DAGs own the schedule, so the CI's jobs run on demand only."""
    answers = request.node.callspec.params["project"]
    schedules = {}
    for workflow in ("train", "monitor"):
        path = project / ".github" / "workflows" / f"{workflow}.yml"
        if path.is_file():
            schedules[workflow] = "schedule" in yaml.safe_load(path.read_text())[True]
    gitlab = project / ".gitlab-ci.yml"
    if gitlab.is_file():
        jobs = yaml.safe_load(gitlab.read_text())
        for job in ("train", "monitor"):
            if job in jobs:
                rules = [rule.get("if", "") for rule in jobs[job]["rules"]]
                schedules[job] = any('"schedule"' in rule for rule in rules)
    dags = answers["orchestrator"] == "airflow"
    if answers["ci"] != "none":
        assert schedules, "no training job found in the CI files"
    assert schedules == dict.fromkeys(schedules, not dags)
