"""Client of the model's KServe InferenceService, spoken in the V2 inference protocol.

KServe (MLServer runtime) serves the MLflow model; this client sends it the validated
records as one column per feature and reads the predictions back (one value per record,
or one row of class probabilities per record), as the task's answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from .. import schema
from ..task import answers


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
