"""Fixtures of the serving tests: the service on the champion the pipeline produced."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from house_price_model.config import (
    Settings,
    load_settings,
)
from house_price_model.serving.app import create_app

from ..conftest import isolated


@pytest.fixture(scope="session")
def served_version(pipeline_run: Path) -> str:
    """The first champion's version: the registry's number and the model file's digest."""
    metadata = json.loads((pipeline_run / "models" / "champion" / "model.json").read_text())
    return metadata["version"]


def service(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def app(trained_settings: Settings) -> FastAPI:
    return service(trained_settings)


@pytest.fixture
def unready_client(trained_settings: Settings) -> Iterator[TestClient]:
    serving = dataclasses.replace(trained_settings.serving, model_uri="models/absent")
    settings = dataclasses.replace(trained_settings, serving=serving)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def wait_ready(client: TestClient, timeout: float = 60.0) -> TestClient:
    """Wait until ``/ready`` answers 200 (the model loads after the service starts)."""
    deadline = time.monotonic() + timeout
    while (ready := client.get("/ready")).status_code != 200:
        assert time.monotonic() < deadline, ready.text
        time.sleep(0.02)
    return client


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield wait_ready(test_client)


@pytest.fixture(scope="module")
def shared_client(
    pipeline_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One running service for the tests that only send requests and read answers."""
    folder = tmp_path_factory.mktemp("served")
    shutil.copytree(pipeline_run, folder, dirs_exist_ok=True)
    with isolated() as patch:
        patch.chdir(folder)
        with TestClient(service(load_settings(environ={}))) as test_client:
            yield wait_ready(test_client)
