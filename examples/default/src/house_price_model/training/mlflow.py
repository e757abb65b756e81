"""Training with MLflow: the run, its parameters, validation metrics and the model with its
signature and an input example are logged to MLflow (``tracking.uri``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import save_model
from ..config import Settings
from ..task import predictions

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)
EXAMPLE_ROWS = 20  # rows of the training split that infer the logged signature


def model_name(settings: Settings) -> str:
    """The name the model is registered under."""
    return settings.tracking.model_name


def _requirements() -> list[str]:
    """Pinned requirements of the logged model (saves MLflow from guessing them)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("scikit-learn", "skops", "pandas", "numpy")]


def save(
    settings: Settings,
    model: Pipeline,
    train: pd.DataFrame,
    metadata: dict[str, Any],
    extra: dict[str, Callable[[Path], None]],
) -> None:
    """Log parameters, validation metrics and the model to MLflow, then save it locally.

    The run ends, FINISHED, only after the model reached ``training.model_dir``: a run
    whose save failed is marked FAILED, and one killed on the way stays RUNNING, so no
    finished run lacks its challenger.
    """
    import mlflow
    import mlflow.sklearn
    import numpy as np
    from mlflow.models import infer_signature

    from ..artifacts import TRUSTED_TYPES
    from ..task import PREDICT_METHOD

    tracking = settings.tracking
    mlflow.set_tracking_uri(tracking.store_uri())
    mlflow.set_experiment(tracking.experiment)
    example = train[list(schema.FEATURES)].head(EXAMPLE_ROWS)
    with mlflow.start_run(tags={"model_id": metadata["id"]}) as run:
        mlflow.log_params({**metadata["hyperparameters"], "seed": settings.data.seed})
        mlflow.log_params({"estimator": metadata["estimator"], "train_rows": len(train)})
        mlflow.log_metrics({f"val_{key}": value for key, value in metadata["validation"].items()})
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(example, np.asarray(predictions(model, example))),
            input_example=example.head(2),
            pyfunc_predict_fn=PREDICT_METHOD,
            serialization_format="skops",
            skops_trusted_types=TRUSTED_TYPES,
            pip_requirements=_requirements(),
        )
        metadata["mlflow"] = {"run_id": run.info.run_id, "model_uri": info.model_uri}
        digest = save_model(settings.training.model_dir, model, metadata, extra)
        mlflow.set_tag("model_sha256", digest)
    log.info("logged run %s to MLflow at %s", run.info.run_id, tracking.uri)
