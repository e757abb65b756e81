"""The prediction service: ``POST /predict``, ``/health``, ``/ready`` and ``/metrics``.

Requests are checked as :mod:`.contract` describes; the chosen back end holds the model
and answers ``/ready`` and ``/predict`` (see its module for where predictions come from).
The typed :class:`.contract.ServiceState` is on ``app.state.service``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .. import __version__, schema
from ..config import Settings
from ..task import ANSWER
from .contract import Backend, Metrics, Parser, ServiceState, Status, problem
from .inprocess import InProcessBackend as ChosenBackend
from .store import PredictionLog

# The /metrics answer in the OpenAPI document: Prometheus's text format.
PROMETHEUS_TEXT = {"type": "string", "description": "Prometheus text format"}
PROMETHEUS_MEDIA = {"schema": PROMETHEUS_TEXT}
METRICS_CONTENT = {"text/plain": PROMETHEUS_MEDIA}
METRICS_ANSWER = {"description": "the metrics", "content": METRICS_CONTENT}


def _add_common_routes(app: FastAPI, state: ServiceState[Any], parser: Parser) -> None:
    """``/health``, ``/metrics``, the 500 handler and the request schema in the OpenAPI."""
    metrics = state.metrics
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        spec = default_openapi()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Record"] = parser.one.json_schema(ref_template="#/components/schemas/{model}")
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> Response:
        """An unexpected failure: 500, counted, without the details (they go to the log)."""
        del error
        if request.url.path == "/predict":
            metrics.answered(500)
        return problem(500, "internal error; the service log has the details")

    @app.get("/health", response_model=Status, summary="liveness: the process answers")
    async def health() -> Status:
        return Status(status="ok")

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: METRICS_ANSWER},
    )
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _lifespan(
    settings: Settings, backend: Backend
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the request log, run the back end while the service runs; flush the log at the end."""
    serving, state = settings.serving, backend.state

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None]:
        state.log = PredictionLog(
            serving.database_url, state.metrics.registry, serving.log_queue_rows
        )
        try:
            async with backend.running():
                yield
        finally:
            state.log.close()

    return lifespan


def create_app(settings: Settings, load: Callable[[Settings], Any] | None = None) -> FastAPI:
    """The service for ``settings``; ``load`` gives the back end its model (tests pass others)."""
    backend = ChosenBackend(settings, ServiceState(Metrics()), load)
    parser = Parser(settings.serving.max_batch)
    app = FastAPI(
        title=settings.project.name,
        version=__version__,
        description=f"Predictions of {schema.TARGET} by the champion model: {ANSWER}.",
        lifespan=_lifespan(settings, backend),
    )
    app.state.service = backend.state
    _add_common_routes(app, backend.state, parser)
    backend.add_routes(app, parser, settings.serving.max_body_bytes)
    return app
