"""Generated projects work: install with uv, then their own lint, tests and pipeline pass.

Runs on a covering set of combinations: every valid pair of component values appears at
least once, and Python 3.11, 3.12 and 3.13 are each used. Each project is copied out of the bake
folder, then ``make install lint test docs pipeline`` runs in it exactly as a user would,
with the git hooks run on every file after install; then, with a serving component, the
README's request is sent to ``make serve`` (in front of ``make serve-model``, MLServer,
with KServe). The first project has no uv on the PATH, so its Makefile installs uv itself.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import bake_once
from .template import (
    CHOICES,
    COMPONENTS,
    all_combinations,
    combination_id,
    pairwise_combinations,
    row_pairs,
)

COMBINATIONS = pairwise_combinations()
TARGETS = ("install", "lint", "test", "docs", "pipeline", "score")
# The uv the template's Makefile installed (make test passes it); a uv on PATH otherwise.
UV = os.environ.get("TEMPLATE_UV") or shutil.which("uv")


def test_covering_set_holds_every_valid_pair_and_uses_every_python() -> None:
    assert {answers["python_version"] for answers in COMBINATIONS} == set(CHOICES["python_version"])
    rows = [tuple(answers[name] for name in COMPONENTS) for answers in COMBINATIONS]
    valid = [tuple(answers[name] for name in COMPONENTS) for answers in all_combinations()]
    held = {pair for row in rows for pair in row_pairs(row)}
    assert held == {pair for row in valid for pair in row_pairs(row)}
    assert set(rows) <= set(valid)
    for option in COMPONENTS:  # so orchestrator=airflow, and its DAG tests, run too
        assert {answers[option] for answers in COMBINATIONS} == set(CHOICES[option])


# Not passed to a project: `uv run` sets UV to its own path, which the project's Makefile
# would take; and without PYTHONDONTWRITEBYTECODE Python caches bytecode, as in a user's shell.
NOT_PASSED = {
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "UV_PROJECT_ENVIRONMENT",
    "UV",
    "PYTHONDONTWRITEBYTECODE",
}


def _pyenv_versions() -> str | None:
    """Every Python pyenv has, the global ones first, for ``PYENV_VERSION``; None without pyenv.

    uv may not download interpreters on this machine, so it must find installed ones, and
    pyenv's shims answer only for the versions pyenv selects: a project's ``.python-version``
    selects one (say 3.13) while ``make serve-model`` needs MLServer's 3.12. This selects
    them all, as ``pyenv global 3.11 3.12 3.13`` does on a developer's machine.
    """
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    listed = [
        subprocess.run([pyenv, *command], capture_output=True, text=True, check=True).stdout
        for command in (["global"], ["versions", "--bare", "--skip-aliases"])
    ]
    first, installed = listed[0].split(), listed[1].split()
    return ":".join(dict.fromkeys(first + installed[::-1]))


PYENV_VERSIONS = _pyenv_versions()


def _environment(without_uv: bool = False) -> dict[str, str]:
    environ = {name: value for name, value in os.environ.items() if name not in NOT_PASSED}
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    if PYENV_VERSIONS:
        environ["PYENV_VERSION"] = PYENV_VERSIONS
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


@pytest.mark.long
@pytest.mark.counts_generated_projects
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
    scored = json.loads((project / "data" / "scored" / "summary.json").read_text())
    assert scored["rows_scored"] > 0, scored  # make score: the champion on scoring.input
    assert scored["model_version"] == champion["version"], scored
    if answers["data_versioning"] == "dvc":
        assert (project / "dvc.lock").is_file()
    if answers["experiment_tracking"] == "mlflow":
        assert (project / "mlflow.db").is_file()
    if answers["serving"] != "none":  # the README's request, answered as its quick start says
        readme = (project / "README.md").read_text(encoding="utf-8")
        body = next(line for line in readme.splitlines() if line.startswith("curl "))
        record = json.loads(body.split(" -d '", 1)[1].removesuffix("'"))
        if answers["serving"] == "kserve":
            with _model_server(project, environ) as url:
                answer = _predict_with_the_service(
                    project, {**environ, "INFERENCE_URL": url}, record
                )
        else:
            answer = _predict_with_the_service(project, environ, record)
        assert len(answer["predictions"]) == 1
        assert _well_formed(answers["task"], answer["predictions"][0]), answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(url: str, process: subprocess.Popen, what: str, seconds: float) -> None:
    """Return once ``url`` answers 200; fail if ``process`` exits or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"{what} exited:\n{process.stderr.read().decode()[-4000:]}"
        try:
            with urllib.request.urlopen(url, timeout=5) as ready:
                if ready.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{what} did not become ready ({url})"
        time.sleep(0.5)


@contextlib.contextmanager
def _make_server(
    project: Path, target: str, environ: dict[str, str], ready_path: str, port_variable: str
) -> Iterator[str]:
    """``make <target>`` as a user runs it, on a free port; yields its base URL once
    ``ready_path`` answers 200, and stops the whole process group afterwards."""
    ports = {port_variable: str(_free_port())}
    if target == "serve-model":  # MLServer listens on two more ports
        ports |= {f"MLSERVER_{name}_PORT": str(_free_port()) for name in ("GRPC", "METRICS")}
    server = subprocess.Popen(
        ["make", target, f"UV={UV}"],
        cwd=project,
        env={**environ, **ports},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{ports[port_variable]}"
    try:
        # a first serve-model downloads MLServer
        _wait_until_ready(f"{base}{ready_path}", server, f"make {target}", 300)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@contextlib.contextmanager
def _model_server(project: Path, environ: dict[str, str]) -> Iterator[str]:
    """``make serve-model`` (MLServer); yields the champion's V2 model URL."""
    model = f"/v2/models/{project.name}"
    with _make_server(
        project, "serve-model", environ, f"{model}/ready", "MLSERVER_HTTP_PORT"
    ) as base:
        yield f"{base}{model}"


def _predict_with_the_service(project: Path, environ: dict[str, str], record: dict) -> dict:
    """Start the prediction service as a user does, wait until ready, ask for one record."""
    with _make_server(project, "serve", environ, "/ready", "PORT") as base:
        request = urllib.request.Request(
            f"{base}/predict",
            data=json.dumps(record).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


# Real tables shipped inside scikit-learn: the task, the loader and the column to predict.
SKLEARN_TABLES = {
    "regression": ("regression", "load_diabetes", "target"),
    "binary": ("classification", "load_breast_cancer", "target"),
    "multiclass": ("classification", "load_wine", "target"),
}


def _well_formed(task: str, answer: object) -> bool:
    if task == "regression":
        return isinstance(answer, float) and math.isfinite(answer)
    probabilities = answer["probabilities"]
    return answer["label"] in probabilities and math.isclose(sum(probabilities.values()), 1)


@pytest.mark.long
@pytest.mark.parametrize("kind", list(SKLEARN_TABLES))
def test_adopt_data_then_lint_test_pipeline_predict_and_monitor_with_no_edit(
    cookies_session, tmp_path: Path, kind: str
) -> None:
    """A real table of another shape: adopt-data, then every command works as it is."""
    task, loader, target = SKLEARN_TABLES[kind]
    # the default project of the task, with every stage
    result = bake_once(cookies_session, {} if task == "regression" else {"task": task})
    assert result.exit_code == 0, result.exception
    project = tmp_path / Path(result.project_path).name
    shutil.copytree(result.project_path, project)
    environ = _environment()
    uv = [f"UV={UV}"]
    _run(["make", "install", *uv], project, environ)
    table = tmp_path / f"{loader.removeprefix('load_')}.csv"
    frame = f"datasets.{loader}(as_frame=True).frame"
    write = f"from sklearn import datasets; {frame}.to_csv({str(table)!r}, index=False)"
    _run([".venv/bin/python", "-c", write], project, environ)
    _run(["make", "adopt-data", f"CSV={table}", f"TARGET={target}", *uv], project, environ)
    for target_name in ("lint", "test", "pipeline"):
        _run(["make", target_name, *uv], project, environ)
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    assert metrics["promote"] is True, metrics["reasons"]
    # The whole table, its target column carried through: every row fits the inferred schema.
    _run(["make", "score", f"INPUT={table}", *uv], project, environ)
    scored = json.loads((project / "data" / "scored" / "summary.json").read_text())
    rows = sum(1 for _ in csv.DictReader(table.open(encoding="utf-8")))
    assert (scored["rows_read"], scored["rows_scored"]) == (rows, rows), scored
    row = next(csv.DictReader(table.open(encoding="utf-8")))
    record = {name: float(value) for name, value in row.items() if name != target}
    answer = _predict_with_the_service(project, environ, record)
    [prediction] = answer["predictions"]
    assert _well_formed(task, prediction), prediction
    _run(["make", "monitor", *uv], project, environ)  # a sample of the table: no drift
    shifted = subprocess.run(
        ["make", "monitor", *uv],
        cwd=project,
        env={**environ, "CURRENT_DATA": "data/current/shifted.csv"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert shifted.returncode != 0, "the shifted batch shows no drift"
    summary = json.loads((project / "reports" / "monitoring" / "drift.json").read_text())
    assert summary["drift"] is True, summary
    package = next(path.name for path in (project / "src").iterdir())
    command = subprocess.run(  # what the CI jobs run: drift has its own exit status
        [f".venv/bin/{package}", "monitor"],
        cwd=project,
        env={**environ, "CURRENT_DATA": "data/current/shifted.csv"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert command.returncode == 3, command.stderr[-2000:]


@pytest.mark.long
def test_make_demo_bakes_runs_and_predicts(tmp_path: Path) -> None:
    """The README's first command, as written: bake, install, pipeline, monitor, one answer."""
    demo = tmp_path / "demo"
    result = subprocess.run(
        ["make", "demo", f"DEMO_DIR={demo}"],
        cwd=Path(__file__).resolve().parents[1],
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    assert "HTTP 200 " in result.stdout, output
    assert "prediction:" in result.stdout, output
    assert (demo / "house-price-model" / "models" / "champion" / "model.json").is_file()
