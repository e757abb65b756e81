"""Tests of the prediction service."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from house_price_model import schema
from house_price_model.config import (
    Settings,
    load_settings,
)
from house_price_model.serving.app import (
    create_app,
)

from ..cases import (
    CATEGORY,
    NUMBER,
    UNKNOWN_FIELD,
    above_range,
    case,
    is_whole,
    other_record,
    same_answers,
    unknown_category,
    well_formed,
)
from ..conftest import ROOT
from .conftest import wait_ready

MAX_BATCH = load_settings(ROOT / "config" / "params.yaml", environ={}).serving.max_batch

OTHER = other_record()


def test_health_and_ready(shared_client: TestClient, served_version: str) -> None:
    assert shared_client.get("/health").json() == {
        "status": "ok",
        "model_name": None,
        "model_version": None,
    }
    ready = shared_client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["model_version"] == served_version


def test_one_record(shared_client: TestClient, served_version: str) -> None:
    response = shared_client.post("/predict", json=schema.EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["model_name"] == "house-price-model"
    assert body["model_version"] == served_version
    [answer] = body["predictions"]
    assert well_formed(answer), answer


def test_batch_keeps_the_order(shared_client: TestClient) -> None:
    single = [
        shared_client.post("/predict", json=record).json()["predictions"][0]
        for record in (schema.EXAMPLE, OTHER)
    ]
    batch = shared_client.post("/predict", json=[schema.EXAMPLE, OTHER]).json()["predictions"]
    assert single[0] != single[1]  # so that a swap would show
    assert same_answers(batch, single)


FIRST = schema.FEATURES[0]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        case("unknown-field", lambda: ({**schema.EXAMPLE, UNKNOWN_FIELD: 1}, "Extra inputs")),
        case(
            "missing-field",
            lambda: ({k: v for k, v in schema.EXAMPLE.items() if k != FIRST}, "Field required"),
        ),
        case(
            "unknown-category",
            lambda: ({**schema.EXAMPLE, CATEGORY: unknown_category(CATEGORY)}, "Input should be"),
            needs="category",
        ),
        case(
            "out-of-range",
            lambda: ({**schema.EXAMPLE, NUMBER: above_range(NUMBER)}, "less than or equal to"),
            needs="number",
        ),
        case(
            "wrong-type",
            lambda: (
                {**schema.EXAMPLE, NUMBER: "large"},
                "valid integer" if is_whole(NUMBER) else "valid number",
            ),
            needs="number",
        ),
        case("empty-batch", lambda: ([], "at least 1 item")),
        case("batch-too-big", lambda: ([schema.EXAMPLE] * (MAX_BATCH + 1), "at most")),
        case("not-an-object", lambda: ("not a record", "valid dictionary")),
    ],
)
def test_bad_payload_is_422_with_the_reason(
    shared_client: TestClient, payload: object, reason: str
) -> None:
    response = shared_client.post("/predict", json=payload)
    assert response.status_code == 422
    assert reason in response.text


def test_malformed_json_is_400(shared_client: TestClient) -> None:
    response = shared_client.post(
        "/predict", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.text


def test_not_ready_is_503_with_a_reason(unready_client: TestClient) -> None:
    assert unready_client.get("/health").status_code == 200
    ready = unready_client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["detail"]
    predict = unready_client.post("/predict", json=schema.EXAMPLE)
    assert predict.status_code in {502, 503}


def test_metrics_count_requests_latency_and_predictions(client: TestClient) -> None:
    client.post("/predict", json=[schema.EXAMPLE, OTHER])
    client.post("/predict", json={UNKNOWN_FIELD: 1})
    text = client.get("/metrics").text
    assert 'prediction_requests_total{status="200"} 1.0' in text
    assert 'prediction_requests_total{status="422"} 1.0' in text
    assert "prediction_latency_seconds_count 1.0" in text
    assert "predictions_total 2.0" in text


def test_each_request_is_logged(
    trained_settings: Settings, app: FastAPI, served_version: str
) -> None:
    with TestClient(app) as client:
        wait_ready(client)
        assert client.post("/predict", json=[schema.EXAMPLE, OTHER]).status_code == 200
        assert client.post("/predict", json=schema.EXAMPLE).status_code == 200
    # leaving the block stopped the app, which wrote the queued log rows
    database = trained_settings.serving.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        columns = "request_id, model_version, features, prediction, latency_ms"
        rows = connection.execute(f"SELECT {columns} FROM prediction_logs").fetchall()
    assert len(rows) == 3
    assert len({row[0] for row in rows}) == 2
    assert all(row[1] == served_version and row[4] >= 0 for row in rows)
    # SQLite hands a JSON number back as a number (the column's numeric affinity)
    answers = [json.loads(row[3]) if isinstance(row[3], str) else row[3] for row in rows]
    assert all(well_formed(answer) for answer in answers), answers
    assert json.loads(rows[1][2]) == OTHER


def test_openapi_documents_the_request_schema(shared_client: TestClient) -> None:
    spec = shared_client.get("/openapi.json").json()
    record = spec["components"]["schemas"]["Record"]
    assert set(record["properties"]) == set(schema.FEATURES)
    assert shared_client.get("/docs").status_code == 200


def test_app_can_be_created_without_starting(trained_settings: Settings) -> None:
    app = create_app(trained_settings)
    assert {route.path for route in app.routes} >= {"/predict", "/health", "/ready", "/metrics"}
