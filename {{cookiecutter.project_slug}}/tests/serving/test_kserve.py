"""Tests of forwarding predictions to a KServe V2 endpoint (a fake one, in process)."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.serving.app import create_app
from {{ cookiecutter.package_name }}.serving.kserve import (
    KServeModel,
    infer_request,
)

from .conftest import FakeKServe


def test_infer_request_has_one_typed_input_per_feature() -> None:
    body = infer_request([schema.EXAMPLE, schema.EXAMPLE])
    inputs = {item["name"]: item for item in body["inputs"]}
    assert list(inputs) == list(schema.FEATURES)
    assert inputs["area"]["datatype"] == "INT64"
    assert inputs["mainroad"]["datatype"] == "BYTES"
    assert inputs["area"]["shape"] == [2]


def test_predictions_come_from_the_endpoint(client: TestClient, fake_kserve: FakeKServe) -> None:
    response = client.post("/predict", json=[schema.EXAMPLE, {**schema.EXAMPLE, "area": 9000}])
    assert response.status_code == 200
    assert len(fake_kserve.requests) == 1
    expected = fake_kserve.model.predict(
        pd.DataFrame([schema.EXAMPLE, {**schema.EXAMPLE, "area": 9000}])
    )
    assert response.json()["predictions"] == pytest.approx(list(expected))
    assert response.json()["model_version"] == "1"


def test_failing_endpoint_is_502_with_the_reason(trained_settings: Settings) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(500, text="boom"))
    app = create_app(trained_settings, lambda s: KServeModel(s.serving.inference_url, transport))
    with TestClient(app) as client:
        response = client.post("/predict", json=schema.EXAMPLE)
    assert response.status_code == 502
    assert "HTTP 500" in response.json()["detail"]


def test_unreachable_endpoint_is_not_ready(trained_settings: Settings) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport = httpx.MockTransport(refuse)
    app = create_app(trained_settings, lambda s: KServeModel(s.serving.inference_url, transport))
    with TestClient(app) as client:
        ready = client.get("/ready")
        predict = client.post("/predict", json=schema.EXAMPLE)
    assert ready.status_code == 503
    assert "unreachable" in ready.json()["detail"]
    assert predict.status_code == 502


def test_garbled_answer_is_502(trained_settings: Settings) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"outputs": []}))
    app = create_app(trained_settings, lambda s: KServeModel(s.serving.inference_url, transport))
    with TestClient(app) as client:
        response = client.post("/predict", json=schema.EXAMPLE)
    assert response.status_code == 502
    assert "not a V2 inference response" in response.json()["detail"]
