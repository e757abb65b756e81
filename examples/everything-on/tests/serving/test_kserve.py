"""Tests of forwarding predictions to a KServe V2 endpoint (a fake one, in process)."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from house_price_model import schema
from house_price_model.config import Settings
from house_price_model.serving.app import create_app
from house_price_model.serving.kserve import (
    KServeModel,
    infer_request,
)
from house_price_model.task import (
    answers,
    predictions,
)

from ..cases import other_record, same_answers
from .conftest import FakeKServe

# V2 datatypes by the schema's kind of column.
DATATYPES = {
    **{name: "BYTES" for name in schema.CATEGORICAL},
    **{name: "FP64" if name in schema.FRACTIONAL else "INT64" for name in schema.NUMERIC},
}


def test_infer_request_has_one_typed_input_per_feature() -> None:
    body = infer_request([schema.EXAMPLE, schema.EXAMPLE])
    inputs = {item["name"]: item for item in body["inputs"]}
    assert list(inputs) == list(schema.FEATURES)
    assert {name: item["datatype"] for name, item in inputs.items()} == DATATYPES
    assert all(item["shape"] == [2] for item in inputs.values())


def test_predictions_come_from_the_endpoint(client: TestClient, fake_kserve: FakeKServe) -> None:
    records = [schema.EXAMPLE, other_record()]
    response = client.post("/predict", json=records)
    assert response.status_code == 200
    assert len(fake_kserve.requests) == 1
    expected = answers(np.asarray(predictions(fake_kserve.model, pd.DataFrame(records))))
    assert same_answers(response.json()["predictions"], expected)
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
