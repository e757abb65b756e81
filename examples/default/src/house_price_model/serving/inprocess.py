"""The back end that predicts in this process, with the champion ``serving.model_uri`` names
(loaded by :func:`.model.load_champion`).

Parsing, validation and prediction run in a worker thread, so ``/health`` answers while
a large request or a slow model is at work. A body up to INLINE_BYTES for the compiled
model is the exception: it takes tens of microseconds, less than the trip to a thread.
The champion is loaded in the background after the service starts listening: until it is
loaded, or if it cannot be, ``/ready`` and ``/predict`` answer 503 with the reason, while
``/health`` answers 200.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..config import Settings
from .contract import (
    INLINE_BYTES,
    JSON,
    Parser,
    RefusedError,
    ServiceState,
    Status,
    predict_route,
    problem,
    read_body,
    ready_route,
)
from .model import LoadedModel, load_champion

log = logging.getLogger(__name__)


class InProcessBackend:
    """The champion, loaded by ``load`` in a background thread, answering in this process."""

    def __init__(
        self,
        settings: Settings,
        state: ServiceState[LoadedModel],
        load: Callable[[Settings], LoadedModel] | None = None,
    ) -> None:
        self.settings = settings
        self.state = state
        self.load = load or load_champion
        state.reason = "the model is loading"

    def _load(self) -> None:
        """Load the model into ``state``; any failure becomes the reason ``/ready`` gives."""
        state = self.state
        try:
            model = self.load(self.settings)
        except Exception as error:  # any failure: the service stays up and says why
            text = str(error).splitlines()[0] if str(error) else type(error).__name__
            state.reason = f"no model loaded: {text[:300]}"
            log.error("%s", state.reason)
            return
        state.model = model
        log.info("serving %s version %s (%s)", model.name, model.version, model.how)

    @asynccontextmanager
    async def running(self) -> AsyncGenerator[None]:
        """Start loading the model; the service answers ``/health`` meanwhile."""
        threading.Thread(target=self._load, name="model-load", daemon=True).start()
        yield

    def add_routes(self, app: FastAPI, parser: Parser, limit: int) -> None:
        """``/ready`` and ``/predict``, answered by the model in this process."""
        state = self.state

        @app.get("/ready", **ready_route("readiness: a model is loaded"))
        async def ready() -> Status:
            model = state.model
            if model is None:
                raise HTTPException(status_code=503, detail=state.reason)
            return Status(status="ready", model_name=model.name, model_version=model.version)

        def answer(body: bytes, start: float) -> bytes:
            """Parse and check the body, predict and log (in a worker thread)."""
            records = parser(body)
            model = state.model
            if model is None:
                raise RefusedError(503, state.reason)
            return state.answer(records, model.predict(records), start)

        @app.post("/predict", **predict_route(parser))
        async def predict(request: Request) -> Response:
            start = time.perf_counter()
            try:
                body = await read_body(request, limit)
                model = state.model
                if len(body) <= INLINE_BYTES and model is not None and model.compiled:
                    content = answer(body, start)  # microseconds: cheaper than a thread
                else:
                    content = await run_in_threadpool(answer, body, start)
            except RefusedError as refusal:
                state.metrics.answered(refusal.status)
                return problem(refusal.status, refusal.detail)
            return Response(content, media_type=JSON)
