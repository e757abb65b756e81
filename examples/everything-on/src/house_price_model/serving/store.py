"""The ``prediction_logs`` table: every request, prediction and latency, via SQLAlchemy.

A SQLite file by default (in WAL mode, so two servers can share it) and a Postgres URL in
a cluster (``DATABASE_URL``). Rows are queued and written by one background thread,
which gathers what arrives within GATHER_SECONDS into one insert, so logging never adds
a database round trip to a request and a busy service does not commit once a request.

The queue is bounded (``serving.log_queue_rows``): when it is full, new rows are dropped
and counted rather than let memory grow or requests wait. When the database cannot be
written (unreachable, a deleted folder, a read-only file) the batch is dropped and
counted, one line says so, writing is retried with every new batch, and one line says
when it works again; a deleted SQLite folder is made again. :meth:`PredictionLog.close`
(on SIGTERM, through the service's shutdown) writes everything still queued.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge

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
    sa.Column("prediction", sa.JSON, nullable=False),  # the answer: a number, or a class
    sa.Column("latency_ms", sa.Float, nullable=False),
)
BATCH = 500  # most rows in one insert
GATHER_SECONDS = 0.05  # how long the writer gathers rows before an insert


def log_rows(
    request_id: str,
    model: tuple[str, str],
    records: Sequence[dict[str, Any]],
    predictions: Sequence[Any],
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
            "prediction": prediction,
            "latency_ms": latency_ms,
        }
        for record, prediction in zip(records, predictions, strict=True)
    ]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in {None, "", ":memory:"}:
        return None
    return Path(parsed.database)


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite opens the file anew for each batch, in WAL mode."""
    if sqlite_file(url) is None:
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _wal(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


class LogMetrics:
    """The request log's Prometheus metrics, in the service's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.rows = Counter("prediction_log_rows", "Request-log rows written", registry=registry)
        self.dropped = Counter(
            "prediction_log_dropped",
            "Request-log rows dropped: queue full or database not writable",
            registry=registry,
        )
        self.errors = Counter(
            "prediction_log_errors", "Failed writes to the request log", registry=registry
        )
        self.depth = Gauge(
            "prediction_log_queue_depth",
            "Request-log rows waiting to be written",
            registry=registry,
        )


class PredictionLog:
    """Queue rows (at most ``capacity``) and insert them from a background thread."""

    def __init__(
        self, url: str, registry: CollectorRegistry | None = None, capacity: int = 10_000
    ) -> None:
        self.url = url
        self.capacity = capacity
        self.metrics = LogMetrics(registry or CollectorRegistry())
        self._engine = create_engine(url)
        self._table_ready = False
        self._queue: queue.SimpleQueue[list[dict[str, Any]] | None] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._full = False
        self._outage = False
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        return self._pending

    def add(self, rows: list[dict[str, Any]]) -> bool:
        """Queue ``rows``; return False (and count them as dropped) when the queue is full."""
        with self._lock:
            if self._pending + len(rows) > self.capacity:
                if not self._full:
                    log.warning(
                        "request log queue is full (%d rows): new rows are dropped until it drains",
                        self.capacity,
                    )
                self._full = True
                self.metrics.dropped.inc(len(rows))
                return False
            self._pending += len(rows)
            self.metrics.depth.set(self._pending)
        self._queue.put(rows)
        return True

    def close(self) -> None:
        """Write every queued row, then stop the writer."""
        self._queue.put(None)
        self._thread.join()
        self._engine.dispose()

    def _done(self, count: int) -> None:
        with self._lock:
            self._pending -= count
            self.metrics.depth.set(self._pending)
            if self._full and self._pending <= self.capacity // 2:
                self._full = False

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        path = sqlite_file(self.url)
        if path is not None and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._table_ready = False
        if not self._table_ready:
            metadata.create_all(self._engine)
            self._table_ready = True
        with self._engine.begin() as connection:
            connection.execute(prediction_logs.insert(), rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            try:
                self._insert(rows)
            except sa.exc.SQLAlchemyError:
                self._table_ready = False  # the file may be new: make the table, try again
                self._insert(rows)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            self.metrics.errors.inc()
            self.metrics.dropped.inc(len(rows))
            if not self._outage:
                reason = str(error).splitlines()[0][:300]
                log.error(
                    "request log %s is not writable (%s): rows are dropped until it works",
                    sa.engine.make_url(self.url).render_as_string(hide_password=True),
                    reason,
                )
                self._outage = True
            return
        self.metrics.rows.inc(len(rows))
        if self._outage:
            log.warning("request log is writable again")
            self._outage = False

    def _run(self) -> None:
        """Insert what arrives within GATHER_SECONDS of a first row in one transaction.

        The thread sleeps while rows gather rather than waking for each one, so a busy
        service does not hand the interpreter to it once a request.
        """
        done = False
        while not done:
            rows = self._queue.get()
            if rows is None:
                return
            time.sleep(GATHER_SECONDS)
            while len(rows) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    done = True
                    break
                rows.extend(more)
            self._write(rows)
            self._done(len(rows))


def logged_requests(url: str) -> list[tuple[dict[str, Any], Any]]:
    """Every logged record with its answer, oldest first (none if the table is not there
    yet)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            columns = (prediction_logs.c.features, prediction_logs.c.prediction)
            query = sa.select(*columns).order_by(prediction_logs.c.id)
            return [(row.features, row.prediction) for row in connection.execute(query)]
    except sa.exc.OperationalError:
        return []
    finally:
        engine.dispose()
