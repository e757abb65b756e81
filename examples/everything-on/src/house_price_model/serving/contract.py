"""The service's HTTP contract, whichever back end predicts: requests, answers, metrics.

The request schema is generated from :mod:`..schema` and is strict: an unknown or missing
field, a value of the wrong JSON type (``"5000"`` or ``true`` for a whole number), a value
out of range, ``NaN`` or an infinity, or an unknown category is refused with 422 and the
reasons. Malformed JSON is 400, a body over ``serving.max_body_bytes`` is 413 and a body
that is not ``application/json`` is 415. An answer never copies more than a short,
bounded part of the request. A :class:`Backend` adds ``/ready`` and ``/predict``.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from .. import schema
from ..task import ANSWER, answer_type
from .store import PredictionLog, log_rows

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
MAX_ERRORS = 10  # validation errors listed in one answer
MAX_TEXT = 120  # characters of a message or a field name copied into an answer
JSON = "application/json"
INLINE_BYTES = 2048  # bodies up to this size (about eight records) may be handled in place


def _whole(value: Any) -> Any:
    """A JSON number with no fraction (``3.0``) is a whole number, as JSON Schema says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number(name: str, bounds: tuple[float, float]) -> Any:
    if name in schema.FRACTIONAL:
        return Annotated[float, Field(ge=bounds[0], le=bounds[1], allow_inf_nan=False)]
    return Annotated[int, Field(ge=bounds[0], le=bounds[1]), BeforeValidator(_whole)]


# One record of POST /predict (a TypedDict: validated straight into the dict the model reads).
Record = TypedDict(  # the functional form: the field names come from the schema
    "Record",
    {
        **{name: _number(name, bounds) for name, bounds in schema.NUMERIC.items()},
        **{name: Literal[allowed] for name, allowed in schema.CATEGORICAL.items()},
    },
)
Record.__pydantic_config__ = ConfigDict(  # type: ignore[attr-defined]
    extra="forbid", strict=True, json_schema_extra={"examples": [schema.EXAMPLE]}
)


class Prediction(BaseModel):
    model_name: str = Field(description="registered name of the model that answered")
    model_version: str = Field(description="version of that model: <number>+<digest>")
    predictions: list[answer_type()] = Field(  # type: ignore[valid-type]
        description=f"for each record, in order: {ANSWER}"
    )


class Status(BaseModel):
    status: str
    model_name: str | None = None
    model_version: str | None = None


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where in the body: field names and list indices")
    msg: str
    type: str


class Problem(BaseModel):
    detail: str | list[FieldError] = Field(description="why the request was not answered")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body is not valid JSON"},
    413: {"model": Problem, "description": "the body is larger than serving.max_body_bytes"},
    415: {"model": Problem, "description": "the body is not application/json"},
    422: {"model": Problem, "description": "the records do not match the schema"},
    503: {"model": Problem, "description": "no model is ready to answer"},
}


class RefusedError(Exception):
    """A request answered with a 4xx or 5xx status and a short reason."""

    def __init__(self, status: int, detail: str | list[dict[str, Any]]) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


def short(text: object) -> str:
    text = str(text)
    return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}…"


def _field_errors(error: ValidationError) -> list[dict[str, Any]]:
    """The first MAX_ERRORS problems, without the input values and with short names."""
    problems = error.errors(include_url=False, include_context=False, include_input=False)
    return [
        {
            "loc": [item if isinstance(item, int) else short(item) for item in problem["loc"]],
            "msg": short(problem["msg"]),
            "type": problem["type"],
        }
        for problem in problems[:MAX_ERRORS]
    ]


class Parser:
    """Check a JSON body and turn it into records: one object, or a list of 1 to ``max_batch``.

    The body is parsed first (NaN and infinities are not JSON), then unknown fields are
    looked for in Python, which is quick however many there are, and only then is each
    record validated against the strict schema.
    """

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self.fields = frozenset(schema.FEATURES)
        self.one = TypeAdapter(Record)
        self.many = TypeAdapter(Annotated[list[Record], Field(min_length=1, max_length=max_batch)])

    def unknown_fields(self, value: Any) -> list[dict[str, Any]]:
        """Problems for the first MAX_ERRORS fields that the schema does not have."""
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        problems: list[dict[str, Any]] = []
        for index, item in items:
            if not isinstance(item, dict) or item.keys() <= self.fields:
                continue
            for name in item.keys() - self.fields:
                loc = [short(name)] if index is None else [index, short(name)]
                problems.append(
                    {"loc": loc, "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
                )
                if len(problems) == MAX_ERRORS:
                    return problems
        return problems

    def __call__(self, body: bytes) -> list[dict[str, Any]]:
        try:
            value = pydantic_core.from_json(body, allow_inf_nan=False)
        except ValueError as error:
            raise RefusedError(400, f"body is not valid JSON: {short(error)}") from None
        problems = self.unknown_fields(value)
        if problems:
            raise RefusedError(422, problems)
        try:
            records = (self.many if isinstance(value, list) else self.one).validate_python(value)
        except ValidationError as error:
            raise RefusedError(422, _field_errors(error)) from None
        return records if isinstance(records, list) else [records]

    def request_body(self) -> dict[str, Any]:
        """The request body of the OpenAPI document: one Record or a list of them."""
        record = {"$ref": "#/components/schemas/Record"}
        batch = {"type": "array", "items": record, "minItems": 1, "maxItems": self.max_batch}
        media = {"schema": {"anyOf": [record, batch]}, "example": schema.EXAMPLE}
        content = {JSON: media}
        body = {"required": True, "content": content}
        return {"requestBody": body}


def ready_route(summary: str) -> dict[str, Any]:
    """The keywords of every back end's ``GET /ready``."""
    return {"response_model": Status, "responses": {503: ERRORS[503]}, "summary": summary}


def predict_route(
    parser: Parser, responses: dict[int | str, dict[str, Any]] = ERRORS
) -> dict[str, Any]:
    """The keywords of every back end's ``POST /predict``: its answers and request body."""
    return {
        "response_model": Prediction,
        "responses": responses,
        "openapi_extra": parser.request_body(),
        "summary": "predict one record or a batch",
    }


async def read_body(request: Request, limit: int) -> bytes:
    """The body, if it is JSON and at most ``limit`` bytes; RefusedError otherwise."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON and not media.endswith("+json"):
        sent = short(media) or "no content type"
        raise RefusedError(415, f"send the body as {JSON}, not {sent}")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise RefusedError(413, f"body of {length} bytes is over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RefusedError(413, f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def problem(status: int, detail: str | list[dict[str, Any]]) -> Response:
    return Response(json.dumps({"detail": detail}), status_code=status, media_type=JSON)


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


class Model(Protocol):
    """What every back end's model tells the answers and the log: its name and version."""

    name: str
    version: str


ModelT = TypeVar("ModelT", bound=Model)


@dataclasses.dataclass
class ServiceState(Generic[ModelT]):
    """What the running service holds (``app.state.service``): metrics, request log, model."""

    metrics: Metrics
    log: PredictionLog | None = None
    model: ModelT | None = None
    reason: str = "the service is starting"  # why there is no model, for /ready

    def answer(self, records: list[dict[str, Any]], values: list[Any], start: float) -> bytes:
        """The response body, with the request logged and measured."""
        model, request_log = self.model, self.log
        assert model is not None
        assert request_log is not None
        elapsed = time.perf_counter() - start
        rows = log_rows(
            uuid.uuid4().hex, (model.name, model.version), records, values, elapsed * 1e3
        )
        request_log.add(rows)
        self.metrics.answered(200, elapsed, len(values))
        answer = {"model_name": model.name, "model_version": model.version, "predictions": values}
        return json.dumps(answer).encode()


class Backend(Protocol):
    """Where the predictions come from: it holds the model in ``state`` and answers for it."""

    state: ServiceState[Any]

    def running(self) -> AbstractAsyncContextManager[None]:
        """While the service runs: get the model (or say in ``state.reason`` why not)."""
        ...

    def add_routes(self, app: FastAPI, parser: Parser, limit: int) -> None:
        """``/ready`` and ``/predict`` (bodies of at most ``limit`` bytes)."""
        ...
