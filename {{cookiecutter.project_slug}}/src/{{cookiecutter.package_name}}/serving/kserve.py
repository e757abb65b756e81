"""The back end that forwards to the model's KServe InferenceService (V2 inference protocol).

KServe (MLServer runtime) serves the MLflow model; this client sends it the validated
records as one column per feature and reads the predictions back (one value per record,
or one row of class probabilities per record), as the task's answers. The service in
front validates requests, logs them and exposes metrics.
A body over INLINE_BYTES is parsed and validated in a worker thread, so ``/health``
answers while a large request is in flight; a smaller one takes under a few milliseconds
on the event loop, the prediction is an awaited HTTP call.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from .. import schema
from ..config import Settings
from ..task import answers
from .contract import (
    ERRORS,
    INLINE_BYTES,
    JSON,
    Parser,
    Problem,
    RefusedError,
    ServiceState,
    Status,
    predict_route,
    problem,
    read_body,
    ready_route,
    short,
)

# The answers of /predict: the contract's, and 502 when KServe fails.
PREDICT_ERRORS = {
    **ERRORS,
    502: {"model": Problem, "description": "the KServe model failed to answer"},
}


class UpstreamError(Exception):
    """The KServe endpoint is unreachable, not ready, or answered something unexpected."""


def infer_request(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A V2 ``infer`` request body: one named input per feature, as a pandas DataFrame."""
    inputs = []
    for name in schema.FEATURES:
        if name in schema.CATEGORICAL:
            datatype = "BYTES"
        else:
            datatype = "FP64" if name in schema.FRACTIONAL else "INT64"
        data = [record[name] for record in records]
        inputs.append({"name": name, "shape": [len(data)], "datatype": datatype, "data": data})
    parameters = {"content_type": "pd"}  # MLServer decodes the inputs as a DataFrame
    return {"inputs": inputs, "parameters": parameters}


class KServeModel:
    """The model behind ``url`` (``.../v2/models/<name>``)."""

    def __init__(
        self, url: str, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url.rstrip("/")
        self.name = self.url.rsplit("/", 1)[-1]
        self.version = "unknown"
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, f"{self.url}{path}", **kwargs)
        except httpx.HTTPError as error:
            raise UpstreamError(f"KServe model at {self.url} is unreachable: {error}") from None
        if response.status_code != httpx.codes.OK:
            raise UpstreamError(
                f"KServe model at {self.url}{path} answered HTTP {response.status_code}"
            )
        return response

    async def ready(self) -> None:
        """Return if the model is ready, learning its version; raise UpstreamError otherwise."""
        await self._call("GET", "/ready")
        if self.version == "unknown":
            try:
                versions = (await self._call("GET", "")).json().get("versions") or []
            except ValueError:
                versions = []
            if versions:
                self.version = str(versions[0])

    async def predict(self, records: Sequence[dict[str, Any]]) -> list[Any]:
        response = await self._call("POST", "/infer", json=infer_request(records))
        try:
            answer = response.json()
            output = answer["outputs"][0]
            values = np.asarray(output["data"], dtype=np.float64)
            shape = [int(size) for size in output.get("shape") or [len(values)]]
            values = values.reshape(shape if len(shape) > 1 and shape[1] > 1 else [-1])
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise UpstreamError(f"KServe answer is not a V2 inference response: {error}") from None
        if len(values) != len(records):
            raise UpstreamError(f"KServe returned {len(values)} predictions for {len(records)}")
        self.name = answer.get("model_name") or self.name
        self.version = str(answer.get("model_version") or self.version)
        return answers(values)

    async def close(self) -> None:
        await self._client.aclose()


def kserve_model(settings: Settings) -> KServeModel:
    return KServeModel(settings.serving.inference_url)


class KServeBackend:
    """The InferenceService at ``serving.inference_url``, reached by the client ``load`` gives."""

    def __init__(
        self,
        settings: Settings,
        state: ServiceState[KServeModel],
        load: Callable[[Settings], KServeModel] | None = None,
    ) -> None:
        self.settings = settings
        self.state = state
        self.load = load or kserve_model

    @asynccontextmanager
    async def running(self) -> AsyncGenerator[None]:
        """Open the KServe client at start; close it at the end."""
        model = self.state.model = self.load(self.settings)
        try:
            yield
        finally:
            await model.close()

    def add_routes(self, app: FastAPI, parser: Parser, limit: int) -> None:
        """``/ready`` and ``/predict``, answered by the KServe model."""
        state = self.state

        @app.get("/ready", **ready_route("readiness: the KServe model is ready"))
        async def ready() -> Status:
            model = state.model
            if model is None:
                raise HTTPException(status_code=503, detail=state.reason)
            try:
                await model.ready()
            except UpstreamError as error:
                raise HTTPException(status_code=503, detail=str(error)) from None
            return Status(status="ready", model_name=model.name, model_version=model.version)

        @app.post("/predict", **predict_route(parser, PREDICT_ERRORS))
        async def predict(request: Request) -> Response:
            start = time.perf_counter()
            try:
                body = await read_body(request, limit)
                if len(body) <= INLINE_BYTES:
                    records = parser(body)
                else:
                    records = await run_in_threadpool(parser, body)
                model = state.model
                if model is None:
                    raise RefusedError(503, state.reason)
                try:
                    values = await model.predict(records)
                except UpstreamError as error:
                    raise RefusedError(502, short(error)) from None
            except RefusedError as refusal:
                state.metrics.answered(refusal.status)
                return problem(refusal.status, refusal.detail)
            return Response(state.answer(records, values, start), media_type=JSON)
