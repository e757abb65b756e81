"""A failed run changes nothing, through ``make pipeline`` as a user runs it.

The project is copied to a temporary folder (its own git repository, as DVC needs) and
``make pipeline`` runs there with this environment's tools on the PATH. After a good run,
each kind of bad raw file makes the run fail with a one-line reason, and
``data/processed``, ``models`` and ``reports``, ``dvc.lock`` and the DVC cache are byte for
byte as they were. Then a run killed while it saves a model leaves its staging folder
(``models/.challenger.*``) and an MLflow run that is not FINISHED; a later good run
on new data recovers and takes the staging folder away.
Columns come from ``schema.py``, so the cases hold for any dataset.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from house_price_model import schema
from house_price_model.config import load_settings

from .cases import NUMBER, WHOLE
from .conftest import ROOT

pytestmark = pytest.mark.xdist_group("failed-runs")
# What a failed run must leave exactly as it was.
KEPT = ("data/processed", "models", "reports", ".dvc/cache", "dvc.lock")
# What is not copied from the project: environments, caches and pipeline outputs.
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".*_cache", "site", "processed", "models", "reports",
    "*.db", ".dvc-remote", "cache", "tmp", "dvc.lock", "mlruns", "mlartifacts",
)  # fmt: skip


def tools_environment() -> dict[str, str]:
    """This environment's tools first on the PATH, as ``uv run`` would put them."""
    environ = dict(os.environ)
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    environ.pop("VIRTUAL_ENV", None)
    return environ


def make_pipeline(folder: Path) -> subprocess.CompletedProcess[str]:
    """``make pipeline`` in ``folder``, with the tools of this environment (RUN= skips uv)."""
    return subprocess.run(
        ["make", "pipeline", "RUN="],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=tools_environment(),
    )


def is_staging(relative: Path) -> bool:
    """A write's staging file or folder (``.<name>.<suffix>``), or inside one."""
    return any(part.startswith(".") and "." in part[1:] for part in relative.parts)


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under the kept paths, staging files left out."""
    digests = {}
    for name in KEPT:
        path = folder / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if is_staging(file.relative_to(folder)):
                continue
            digests[file.relative_to(folder).as_posix()] = hashlib.sha256(
                file.read_bytes()
            ).hexdigest()
    return digests


def staging_left(folder: Path) -> list[str]:
    """Staging files or folders (``.<name>.*``) anywhere under the kept paths."""
    return sorted(
        path.relative_to(folder).as_posix()
        for name in ("data", "models", "reports")
        for path in (folder / name).rglob(".*.*")
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project after one good ``make pipeline``."""
    folder = tmp_path_factory.mktemp("user") / "project"
    shutil.copytree(ROOT, folder, ignore=NOT_COPIED)
    subprocess.run(["git", "init", "--quiet"], cwd=folder, check=True)
    result = make_pipeline(folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder


def raw_path(folder: Path) -> Path:
    return folder / load_settings(folder / "config" / "params.yaml", environ={}).data.source


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def missing_column(text: str) -> tuple[str, str]:
    column = schema.FEATURES[0]
    kept = [name for name in _header(text) if name != column]
    return as_csv(rows_of(text), kept), column


def text_in_a_number(text: str) -> tuple[str, str]:
    column = NUMBER
    rows = rows_of(text)
    rows[0][column] = "many"
    return as_csv(rows, _header(text)), column


def fraction_in_a_whole_number(text: str) -> tuple[str, str]:
    column = WHOLE
    rows = rows_of(text)
    rows[0][column] = f"{float(rows[0][column]) + 0.5}"
    return as_csv(rows, _header(text)), column


BAD_DATA: dict[str, Callable[[str], tuple[str, str]]] = {
    "empty-file": lambda text: ("", "empty file"),
    "header-only": lambda text: (text.splitlines(keepends=True)[0], "no rows"),
    "missing-column": missing_column,
    "text-in-a-number": text_in_a_number,
    "fraction-in-a-whole-number": fraction_in_a_whole_number,
}


# Kinds of bad data that need a column the schema may lack -> why they are skipped then.
NOT_APPLICABLE = {
    "text-in-a-number": "schema.py has no numeric feature" if NUMBER is None else None,
    "fraction-in-a-whole-number": (
        "schema.py has no whole-number feature" if WHOLE is None else None
    ),
}


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(kind, marks=[pytest.mark.skip(reason=NOT_APPLICABLE[kind])])
        if NOT_APPLICABLE.get(kind)
        else kind
        for kind in BAD_DATA
    ],
)
def test_bad_data_stops_make_pipeline_and_changes_nothing(project: Path, kind: str) -> None:
    source = raw_path(project)
    good = source.read_text(encoding="utf-8")
    bad, named = BAD_DATA[kind](good)
    before = snapshot(project)
    assert before, "the good run wrote nothing"
    source.write_text(bad, encoding="utf-8")
    try:
        result = make_pipeline(project)
    finally:
        source.write_text(good, encoding="utf-8")
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("error: ingest:")]
    assert len(ours) == 1, result.stderr[-3000:]
    assert named in ours[0]
    assert snapshot(project) == before
    assert staging_left(project) == []


KILL_DURING_SAVE = """
import os, signal, sys
import skops.io

real_dump = skops.io.dump


def dump(model, file):
    real_dump(model, file)
    if ".challenger." in str(file):  # the stage's own save, not a library's
        os.kill(os.getpid(), signal.SIGKILL)  # as if the machine died during the save


skops.io.dump = dump
from house_price_model.cli import main

sys.exit(main(["train"]))
"""


def test_a_killed_training_run_then_a_good_run_on_new_data_recovers(project: Path) -> None:
    before = snapshot(project)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_DURING_SAVE],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=tools_environment(),
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert [name for name in staging_left(project) if name.startswith("models/.challenger.")]
    assert snapshot(project) == before  # the challenger it was replacing is intact
    import mlflow

    settings = load_settings(project / "config" / "params.yaml", environ={})
    uri = f"sqlite:///{project / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name(settings.tracking.experiment)
    [latest] = client.search_runs([experiment.experiment_id], max_results=1)
    assert latest.info.status != "FINISHED"  # no finished run without its challenger
    source = raw_path(project)
    good = source.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    source.write_text("".join(lines[:-1]), encoding="utf-8")  # one row fewer: new data
    try:
        result = make_pipeline(project)
        assert result.returncode == 0, result.stderr[-3000:]
        after = snapshot(project)
    finally:
        source.write_text(good, encoding="utf-8")
    assert after["data/processed/train.csv"] != before["data/processed/train.csv"]
    assert staging_left(project) == []  # the next run's write took the killed one's away
