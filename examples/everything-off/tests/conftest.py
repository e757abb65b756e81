"""Shared fixtures: a private copy of the project's config and data for each test.

Stages read and write paths relative to the working directory, so every test that runs
a stage works in a temporary folder and never touches the project's own files.
Environment variables that would override settings are cleared for every test.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from house_price_model.cli import main
from house_price_model.config import (
    ENV_OVERRIDES,
    PARAMS_ENV,
    SECRETS_ENV,
    Settings,
    load_settings,
)

# Two xdist workers share the cores: one native thread each (OpenMP in gradient boosting,
# BLAS) keeps them from oversubscribing; processes started by tests inherit it.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("config", "data")


def make_workspace(folder: Path) -> Path:
    """Copy the params file and the bundled data into ``folder``."""
    for name in COPIED:
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("processed"))
    return folder


@contextlib.contextmanager
def isolated() -> Generator[pytest.MonkeyPatch]:
    """No overriding environment variables; logging set up inside is undone at the end."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with pytest.MonkeyPatch.context() as patch:
        for variable in (*ENV_OVERRIDES, PARAMS_ENV, SECRETS_ENV):
            patch.delenv(variable, raising=False)
        yield patch
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    with isolated():
        yield


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of config and data, made the working directory."""
    make_workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def settings(workspace: Path) -> Settings:
    del workspace
    return load_settings(environ={})


def run_once(folder: Path, command: str) -> Path:
    """Run ``command`` in a fresh workspace in ``folder``; return the folder."""
    make_workspace(folder)
    with isolated() as patch:
        patch.chdir(folder)
        status = main([command])
    assert status == 0
    return folder


def private_copy(source: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy ``source`` to ``folder`` and make the copy the working directory."""
    shutil.copytree(source, folder)
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where only the ingest stage ran (for tests that need data but no model)."""
    return run_once(tmp_path_factory.mktemp("ingested"), "ingest")


@pytest.fixture
def ingested_settings(ingested: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings in a private copy of the ingested folder, made the working directory."""
    private_copy(ingested, tmp_path / "ingested", monkeypatch)
    return load_settings(environ={})


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the whole pipeline ran once on the bundled data (run once per session)."""
    return run_once(tmp_path_factory.mktemp("pipeline"), "pipeline")


@pytest.fixture
def trained(pipeline_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the folder where the pipeline ran, made the working directory."""
    return private_copy(pipeline_run, tmp_path / "trained", monkeypatch)


@pytest.fixture
def trained_settings(trained: Path) -> Settings:
    del trained
    return load_settings(environ={})
