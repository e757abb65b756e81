"""The service answers ``/health`` while it loads a model or predicts, and its request log
stays bounded: deterministic versions of what ``test_http.py`` shows on a real process."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from house_price_model import schema
from house_price_model.config import Settings
from house_price_model.serving.app import create_app
from house_price_model.serving.model import (
    LoadedModel,
    load_champion,
)
from house_price_model.serving.store import (
    PredictionLog,
    log_rows,
)

from .conftest import wait_ready

WAIT = 30.0


def test_health_answers_while_the_model_loads(trained_settings: Settings) -> None:
    release = threading.Event()

    def slow_load(settings: Settings) -> LoadedModel:
        assert release.wait(WAIT)
        return load_champion(settings)

    with TestClient(create_app(trained_settings, slow_load)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "loading" in ready.json()["detail"]
        assert client.post("/predict", json=schema.EXAMPLE).status_code == 503
        release.set()
        wait_ready(client)
        assert client.post("/predict", json=schema.EXAMPLE).status_code == 200


def test_health_answers_while_a_prediction_runs(trained_settings: Settings) -> None:
    champion = load_champion(trained_settings)
    started, release = threading.Event(), threading.Event()

    def slow_predict(records: list[dict]) -> np.ndarray:
        started.set()
        assert release.wait(WAIT)
        return champion.function(records)

    # A model's own predict: only the compiled model may answer a small body in place.
    model = dataclasses.replace(champion, function=slow_predict, compiled=False)
    answers: list[int] = []
    with TestClient(create_app(trained_settings, lambda _: model)) as client:
        wait_ready(client)
        request = threading.Thread(
            target=lambda: answers.append(client.post("/predict", json=schema.EXAMPLE).status_code)
        )
        request.start()
        assert started.wait(WAIT)
        assert client.get("/health").status_code == 200  # while the prediction is in progress
        assert answers == []
        release.set()
        request.join(WAIT)
    assert answers == [200]


def test_a_full_log_queue_drops_new_rows_and_counts_them(tmp_path: Path) -> None:
    database = tmp_path / "logs.db"
    rows = log_rows("r", ("model", "1+abc"), [schema.EXAMPLE] * 3, [1.0, 2.0, 3.0], 1.0)
    registry = CollectorRegistry()
    request_log = PredictionLog(f"sqlite:///{database}", registry, capacity=5)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the writer waits for this lock
    try:
        assert request_log.add(rows) is True
        assert request_log.add(rows) is False  # 6 rows would be more than 5
        assert registry.get_sample_value("prediction_log_dropped_total") == 3
        assert registry.get_sample_value("prediction_log_queue_depth") == 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    request_log.close()
    assert registry.get_sample_value("prediction_log_rows_total") == 3
    assert registry.get_sample_value("prediction_log_queue_depth") == 0
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM prediction_logs").fetchone()[0] == 3
