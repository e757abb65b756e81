"""Load the champion model for the service{% if cookiecutter.experiment_tracking == "mlflow" %}: a local folder written by the registry stage, or
an MLflow model URI such as ``models:/<name>@champion`` (``MODEL_URI``){% else %} from the folder the registry stage writes{% endif %}."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..artifacts import load_model{% if cookiecutter.experiment_tracking == "mlflow" %}, version_label{% endif %}
from ..config import Settings
from ..errors import PipelineError
from .predictor import PredictFunction, predict_function


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A model ready to answer: its name, version and predict function."""

    name: str
    version: str
    compiled: bool
    function: PredictFunction

    def predict(self, records: Sequence[dict[str, Any]]) -> list[float]:
        return [float(value) for value in self.function(records)]
{%- if cookiecutter.experiment_tracking == "mlflow" %}


def _from_mlflow(settings: Settings, uri: str) -> LoadedModel:
    import mlflow
    import mlflow.sklearn

    from .. import schema

    mlflow.set_tracking_uri(settings.tracking.store_uri())
    name, _, alias = uri.removeprefix("models:/").partition("@")
    try:
        model = mlflow.sklearn.load_model(uri)
        version = "?"
        if alias:
            client = mlflow.MlflowClient()
            found = client.get_model_version_by_alias(name, alias)
            tags = client.get_run(found.run_id).data.tags if found.run_id else {}
            version = version_label(str(found.version), tags.get("model_sha256", ""))
    except mlflow.exceptions.MlflowException as error:
        raise PipelineError(f"{uri}: {error.message}") from None
    function, compiled = predict_function(model, [schema.EXAMPLE])
    return LoadedModel(name, version, compiled, function)
{%- endif %}


def load_champion(settings: Settings) -> LoadedModel:
    """Load ``serving.model_uri``; raise PipelineError if there is no model there."""
    uri = settings.serving.model_uri
{%- if cookiecutter.experiment_tracking == "mlflow" %}
    if uri.startswith("models:/"):
        return _from_mlflow(settings, uri)
{%- endif %}
    model, metadata = load_model(Path(uri))
    try:
        function, compiled = predict_function(model, metadata["check"]["records"])
        return LoadedModel(metadata["name"], str(metadata["version"]), compiled, function)
    except KeyError as error:
        raise PipelineError(f"{uri}: model.json has no {error} entry") from None
