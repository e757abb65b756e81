"""The prediction service: ``POST /predict``, ``/health``, ``/ready`` and ``/metrics``.

The request schema is generated from :mod:`..schema`, so an unknown or missing field, a
value out of range or an unknown category is refused with 422 and the reason.
{%- if cookiecutter.serving == "kserve" %}
Predictions come from the model's KServe InferenceService (V2 protocol); this service
validates requests, logs them and exposes metrics in front of it.
{%- else %}
The champion model is loaded at start; until it is, ``/ready`` and ``/predict`` answer 503.
{%- endif %}
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field, create_model

from .. import __version__, schema
from ..config import Settings
{%- if cookiecutter.serving == "kserve" %}
from .kserve import KServeModel, UpstreamError
{%- else %}
from ..errors import PipelineError
from .model import LoadedModel, load_champion
{%- endif %}
from .store import PredictionLog, log_rows

log = logging.getLogger(__name__)
MAX_BATCH = 1000
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _number(name: str, bounds: tuple[float, float]) -> tuple[Any, Any]:
    kind = float if name in schema.FRACTIONAL else int
    return kind, Field(ge=bounds[0], le=bounds[1], allow_inf_nan=False)


House = create_model(
    "House",
    __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [schema.EXAMPLE]}),
    **{name: _number(name, bounds) for name, bounds in schema.NUMERIC.items()},
    **{name: (Literal[allowed], ...) for name, allowed in schema.CATEGORICAL.items()},
)
Batch = Annotated[list[House], Field(min_length=1, max_length=MAX_BATCH)]
# The body of POST /predict: one record, or a list of up to MAX_BATCH records.
Payload = Annotated[House | Batch, Body(examples=[schema.EXAMPLE])]


class Prediction(BaseModel):
    model_name: str = Field(description="registered name of the model that answered")
    model_version: str = Field(description="version of that model")
    predictions: list[float] = Field(description="one predicted price per record, in order")


class Status(BaseModel):
    status: str
    model_name: str | None = None
    model_version: str | None = None


class Metrics:
    """Prometheus metrics of one app (its own registry, so apps in tests do not clash)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "prediction_requests",
            "Prediction requests by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "prediction_latency_seconds",
            "Time to answer a successful prediction request",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter("predictions", "Records predicted", registry=self.registry)

    def answered(self, status: int, elapsed: float = 0.0, records: int = 0) -> None:
        self.requests.labels(status=str(status)).inc()
        if records:
            self.latency.observe(elapsed)
            self.predictions.inc(records)


def _records(body: Any) -> list[dict[str, Any]]:
    return [item.model_dump() for item in (body if isinstance(body, list) else [body])]


def _answer(
    model: Any, values: list[float], records: list[dict[str, Any]], start: float, state: dict
) -> Prediction:
    """The response, with the request logged and measured."""
    elapsed = time.perf_counter() - start
    rows = log_rows(uuid.uuid4().hex, (model.name, model.version), records, values, elapsed * 1e3)
    state["log"].add(rows)
    state["metrics"].answered(200, elapsed, len(values))
    return Prediction(model_name=model.name, model_version=model.version, predictions=values)
{%- if cookiecutter.serving == "kserve" %}


def _default_model(settings: Settings) -> KServeModel:
    return KServeModel(settings.serving.inference_url)


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _lifespan(settings: Settings, load: Callable[[Settings], KServeModel], state: dict) -> Lifespan:
    """Open the prediction log and the KServe client at start; close both at the end."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None]:
        state["log"] = PredictionLog(settings.serving.database_url)
        state["model"] = load(settings)
        try:
            yield
        finally:
            await state["model"].close()
            state["log"].close()

    return lifespan


def create_app(
    settings: Settings, load: Callable[[Settings], KServeModel] = _default_model
) -> FastAPI:
    """The service for ``settings``; ``load`` gives the KServe client (tests pass a fake)."""
    metrics = Metrics()
    state: dict[str, Any] = {"metrics": metrics}
    lifespan = _lifespan(settings, load, state)
{%- else %}


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _lifespan(settings: Settings, load: Callable[[Settings], LoadedModel], state: dict) -> Lifespan:
    """Open the prediction log and load the model at start; flush the log at the end."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None]:
        state["log"] = PredictionLog(settings.serving.database_url)
        try:
            state["model"] = load(settings)
        except PipelineError as error:
            state["reason"] = f"no model loaded: {error}"
            log.error("%s", state["reason"])
        else:
            log.info("serving %s version %s", state["model"].name, state["model"].version)
        try:
            yield
        finally:
            state["log"].close()

    return lifespan


def create_app(
    settings: Settings, load: Callable[[Settings], LoadedModel] = load_champion
) -> FastAPI:
    """The service for ``settings``; ``load`` gives the model (tests may pass another)."""
    metrics = Metrics()
    state: dict[str, Any] = {"metrics": metrics, "model": None, "reason": "the model is loading"}
    lifespan = _lifespan(settings, load, state)
{%- endif %}

    app = FastAPI(
        title=settings.project.name,
        version=__version__,
        description="Price predictions from the champion model.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def refused(request: Request, error: RequestValidationError) -> Response:
        metrics.answered(422)
        return await request_validation_exception_handler(request, error)

    @app.get("/health", response_model=Status, summary="liveness: the process answers")
    async def health() -> Status:
        return Status(status="ok")
{%- if cookiecutter.serving == "kserve" %}

    @app.get("/ready", response_model=Status, summary="readiness: the KServe model is ready")
    async def ready() -> Status:
        model: KServeModel = state["model"]
        try:
            await model.ready()
        except UpstreamError as error:
            raise HTTPException(status_code=503, detail=str(error)) from None
        return Status(status="ready", model_name=model.name, model_version=model.version)

    @app.post("/predict", response_model=Prediction, summary="predict one record or a batch")
    async def predict(body: Payload) -> Prediction:
        start = time.perf_counter()
        records = _records(body)
        model: KServeModel = state["model"]
        try:
            values = await model.predict(records)
        except UpstreamError as error:
            metrics.answered(502)
            raise HTTPException(status_code=502, detail=str(error)) from None
        return _answer(model, values, records, start, state)
{%- else %}

    @app.get("/ready", response_model=Status, summary="readiness: a model is loaded")
    async def ready() -> Status:
        model: LoadedModel | None = state["model"]
        if model is None:
            raise HTTPException(status_code=503, detail=state["reason"])
        return Status(status="ready", model_name=model.name, model_version=model.version)

    @app.post("/predict", response_model=Prediction, summary="predict one record or a batch")
    async def predict(body: Payload) -> Prediction:
        start = time.perf_counter()
        model: LoadedModel | None = state["model"]
        if model is None:
            metrics.answered(503)
            raise HTTPException(status_code=503, detail=state["reason"])
        records = _records(body)
        return _answer(model, model.predict(records), records, start, state)
{%- endif %}

    @app.get("/metrics", summary="Prometheus metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
