"""Fixtures of the serving tests: the service on the champion the pipeline produced."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from house_price_model.artifacts import load_model
from house_price_model.config import (
    Settings,
    load_settings,
)
from house_price_model.serving.app import create_app
from house_price_model.serving.kserve import (
    KServeModel,
)
from house_price_model.task import (
    predictions,
)

from ..conftest import isolated


class FakeKServe:
    """A stand-in for the InferenceService: answers the V2 protocol with the champion."""

    def __init__(self, settings: Settings, *, ready: bool = True) -> None:
        self.model, self.metadata = load_model(settings.registry.champion_dir)
        self.base = httpx.URL(settings.serving.inference_url).path.rstrip("/")
        self.ready = ready
        self.requests: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == f"{self.base}/ready":
            return httpx.Response(200 if self.ready else 503)
        if path == self.base and request.method == "GET":
            name = self.base.rsplit("/", 1)[-1]
            answer = {"name": name, "versions": [SERVED_VERSION], "platform": ""}
            return httpx.Response(200, json=answer)
        if path == f"{self.base}/infer" and request.method == "POST":
            if not self.ready:
                return httpx.Response(503)
            body = json.loads(request.content)
            self.requests.append(body)
            frame = pd.DataFrame({item["name"]: item["data"] for item in body["inputs"]})
            # As MLServer answers: one output, a column of numbers or a row per record.
            values = np.asarray(predictions(self.model, frame), dtype=np.float64)
            shape = [len(values), *values.shape[1:]] if values.ndim > 1 else [len(values), 1]
            output = {"name": "predict", "shape": shape, "datatype": "FP64"}
            answer = {
                "model_name": self.base.rsplit("/", 1)[-1],
                "model_version": SERVED_VERSION,
                "outputs": [{**output, "data": values.ravel().tolist()}],
            }
            return httpx.Response(200, json=answer)
        return httpx.Response(404)


@pytest.fixture
def fake_kserve(trained_settings: Settings) -> FakeKServe:
    return FakeKServe(trained_settings)


def kserve_loader(fake: FakeKServe) -> Callable[[Settings], KServeModel]:
    return lambda settings: KServeModel(settings.serving.inference_url, httpx.MockTransport(fake))


# The version the fake endpoint reports, as MLServer reports the registry's number.
SERVED_VERSION = "1"


@pytest.fixture(scope="session")
def served_version() -> str:
    return SERVED_VERSION


def service(settings: Settings) -> FastAPI:
    """The app for ``settings``, in front of a fake KServe endpoint."""
    return create_app(settings, kserve_loader(FakeKServe(settings)))


@pytest.fixture
def app(trained_settings: Settings, fake_kserve: FakeKServe) -> FastAPI:
    return create_app(trained_settings, kserve_loader(fake_kserve))


@pytest.fixture
def unready_client(trained_settings: Settings) -> Iterator[TestClient]:
    fake = FakeKServe(trained_settings, ready=False)
    with TestClient(create_app(trained_settings, kserve_loader(fake))) as test_client:
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
