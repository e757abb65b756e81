"""The champion from the MLflow registry: ``serving.model_uri`` is ``models:/<name>@<alias>``."""

from __future__ import annotations

from .. import schema
from ..artifacts import version_label
from ..errors import PipelineError
from .model import LoadedModel
from .predictor import predict_function


def load_registered(tracking_uri: str, uri: str) -> LoadedModel:
    """The model an MLflow model URI (``models:/<name>@<alias>``) names, as the service uses it."""
    import mlflow
    import mlflow.sklearn

    mlflow.set_tracking_uri(tracking_uri)
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
