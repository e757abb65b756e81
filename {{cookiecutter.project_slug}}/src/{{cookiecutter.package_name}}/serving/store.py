"""The ``prediction_logs`` table: every request, prediction and latency, via SQLAlchemy.

A SQLite file by default and a Postgres URL in a cluster (``DATABASE_URL``). Rows are
queued and written by one background thread in small batches, so logging never adds a
database round trip to a request; :meth:`PredictionLog.close` writes what is left.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)
metadata = sa.MetaData()
prediction_logs = sa.Table(
    "prediction_logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("features", sa.JSON, nullable=False),
    sa.Column("prediction", sa.Float, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
)
BATCH = 500


def log_rows(
    request_id: str,
    model: tuple[str, str],
    records: Sequence[dict[str, Any]],
    predictions: Sequence[float],
    latency_ms: float,
) -> list[dict[str, Any]]:
    """The table rows of one request: one per record."""
    now = datetime.now(UTC)
    return [
        {
            "created_at": now,
            "request_id": request_id,
            "model_name": model[0],
            "model_version": model[1],
            "features": record,
            "prediction": float(prediction),
            "latency_ms": latency_ms,
        }
        for record, prediction in zip(records, predictions, strict=True)
    ]


class PredictionLog:
    """Queue rows and insert them from a background thread."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)
        metadata.create_all(self.engine)
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._write, name="prediction-log", daemon=True)
        self._thread.start()

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._queue.put(rows)

    def close(self) -> None:
        """Write every queued row, then stop the writer."""
        self._queue.put(None)
        self._thread.join()
        self.engine.dispose()

    def _write(self) -> None:
        done = False
        while not done:
            rows = self._queue.get()
            if rows is None:
                return
            while len(rows) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    done = True
                    break
                rows.extend(more)
            try:
                with self.engine.begin() as connection:
                    connection.execute(prediction_logs.insert(), rows)
            except sa.exc.SQLAlchemyError:
                log.exception("could not write %d prediction log rows", len(rows))


def read_features(url: str) -> list[dict[str, Any]]:
    """Every logged record, oldest first."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(prediction_logs.c.features).order_by(prediction_logs.c.id)
            return [row.features for row in connection.execute(query)]
    except sa.exc.OperationalError:
        return []
    finally:
        engine.dispose()
