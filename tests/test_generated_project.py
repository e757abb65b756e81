"""Generated projects work: install with uv, then their own lint, tests and pipeline pass.

Runs on a covering set of combinations: every pair of component values appears at least
once, and Python 3.11, 3.12 and 3.13 are each used. Each project is copied out of the bake
folder, then ``make install lint test docs pipeline`` runs in it exactly as a user would,
with the git hooks run on every file after install. The first project has no uv on the
PATH, so its Makefile installs uv itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import bake_once
from .template import CHOICES, COMPONENTS, combination_id, pairwise_combinations

COMBINATIONS = pairwise_combinations()
TARGETS = ("install", "lint", "test", "docs", "pipeline")
# The uv the template's Makefile installed (make test passes it); a uv on PATH otherwise.
UV = os.environ.get("TEMPLATE_UV") or shutil.which("uv")


def test_covering_set_uses_every_python_and_every_value() -> None:
    assert {answers["python_version"] for answers in COMBINATIONS} == set(CHOICES["python_version"])
    for option in COMPONENTS:  # so orchestrator=airflow, and its DAG tests, run too
        assert {answers[option] for answers in COMBINATIONS} == set(CHOICES[option])


def _environment(without_uv: bool = False) -> dict[str, str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        # `uv run` sets UV to its own path, which the project's Makefile would take
        if name not in {"VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT", "UV"}
    }
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    if without_uv:  # a machine with only python3: the project's Makefile installs uv
        environ["PATH"] = os.pathsep.join(
            folder
            for folder in environ["PATH"].split(os.pathsep)
            if folder and not (Path(folder) / "uv").exists()
        )
    return environ


def _run(command: list[str], project: Path, environ: dict[str, str]) -> None:
    run = subprocess.run(
        command, cwd=project, capture_output=True, text=True, check=False, env=environ
    )
    output = run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0, f"{' '.join(command)} failed:\n{output}"


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(answers, id=f"py{answers['python_version']}-{combination_id(answers)}")
        for answers in COMBINATIONS
    ],
)
def test_make_install_lint_test_pipeline(
    cookies_session, tmp_path: Path, answers: dict[str, str]
) -> None:
    assert UV, "uv not found: run the template tests with `make test`, which installs it"
    result = bake_once(cookies_session, answers)
    assert result.exit_code == 0, result.exception
    project = tmp_path / Path(result.project_path).name
    shutil.copytree(result.project_path, project)
    # The first project starts as a user without uv would; the others use the template's.
    bootstrap = answers == COMBINATIONS[0]
    environ = _environment(without_uv=bootstrap)
    uv = [] if bootstrap else [f"UV={UV}"]
    for target in TARGETS:
        _run(["make", target, *uv], project, environ)
        if target == "install":  # the git hooks run offline, on every file of the project
            _run(["git", "add", "--all"], project, environ)
            _run([".venv/bin/pre-commit", "run", "--all-files"], project, environ)
    assert (project / ".tools" / "bin" / "uv").is_file() == bootstrap
    python = (project / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert f"version_info = {answers['python_version']}." in python
    champion = json.loads((project / "models" / "champion" / "model.json").read_text())
    assert champion["registry_version"] == "1"
    assert champion["version"] == f"1+{champion['sha256'][:12]}"
    if answers["data_versioning"] == "dvc":
        assert (project / "dvc.lock").is_file()
    if answers["experiment_tracking"] == "mlflow":
        assert (project / "mlflow.db").is_file()
