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

# Words that may appear only when the component is enabled: (option, value) -> patterns.
# A pattern is disabled when the answer for the option is not one of the listed values.
KEYWORDS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("ci", ("github-actions",), (r"github actions", r"\.github", r"actions/")),
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


@by_combination
def test_no_leftover_jinja(project: Path) -> None:
    for relative, text in texts_of(project).items():
        match = LEFTOVER_JINJA.search(GITHUB_EXPRESSION.sub("", text))
        assert match is None, f"{relative}: {match.group(0)!r} left over"


@by_combination
def test_text_looks_hand_written(project: Path) -> None:
    for relative, text in texts_of(project).items():
        if not text:
            continue
        assert text.endswith("\n"), f"{relative}: no final newline"
        assert not text.endswith("\n\n"), f"{relative}: blank line at the end"
        assert not text.startswith("\n"), f"{relative}: starts with a blank line"
        assert "\n\n\n\n" not in text, f"{relative}: run of blank lines"
        if relative.endswith((".yml", ".yaml", ".toml", ".md", ".cfg")) or "." not in relative:
            assert "\n\n\n" not in text, f"{relative}: two blank lines in a row"
        trailing = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
        assert trailing == [], f"{relative}: trailing white space on lines {trailing}"


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
