"""Training stage: fit a scikit-learn pipeline on the training split and save it.

The pipeline one-hot encodes the categorical columns and fits the task's estimator
(:mod:`..task`) with ``training.hyperparameters``. The model and its metadata are
written to ``training.model_dir`` (skops format, see :mod:`..artifacts`) by the ``save``
imported below, which also logs the run where a tracking server is chosen.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import check_trusted
from ..config import Settings
from ..errors import PipelineError
from ..ingestion.main import read_split
from ..metrics import summary
from ..task import METRICS, STEP, check_model, estimator, predictions, score
from .local import model_name, save

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)
CHECK_ROWS = 20


def build_model(hyperparameters: dict[str, Any], seed: int) -> Pipeline:
    """Preprocessing and the task's estimator in one pipeline; replace either here."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    encode = ColumnTransformer(
        [
            (
                "categorical",
                OneHotEncoder(
                    categories=[list(values) for values in schema.CATEGORICAL.values()],
                    handle_unknown="ignore",
                    sparse_output=False,
                ),
                list(schema.CATEGORICAL),
            )
        ],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    try:
        final = estimator(hyperparameters, seed)
    except TypeError as error:
        raise PipelineError(f"training.hyperparameters: {error}") from None
    return Pipeline([("encode", encode), (STEP, final)])


def fit(model: Pipeline, train: pd.DataFrame) -> Pipeline:
    """Fit ``model``; a bad hyperparameter value stops with a message naming it.

    scikit-learn refuses a bad parameter value with a ``ValueError`` (its public contract)
    when fitting; the data has passed its checks by then, so the parameters are the cause.
    """
    try:
        return model.fit(train[list(schema.FEATURES)], train[schema.TARGET])
    except ValueError as error:
        raise PipelineError(f"training.hyperparameters: {error}") from None


def extra_files(model: Pipeline) -> dict[str, Callable[[Path], None]]:
    """Other forms of the model saved with it (none in this project)."""
    del model
    return {}


def run(settings: Settings) -> int:
    """Fit, score on the validation split and save the model; return the exit status."""
    processed = settings.data.processed_dir
    train = read_split(processed, "train")
    val = read_split(processed, "val")
    hyperparameters = dict(settings.training.hyperparameters)
    model = fit(build_model(hyperparameters, settings.data.seed), train)
    check_model(model)
    check_trusted(model)
    check = train[list(schema.FEATURES)].head(CHECK_ROWS)
    metadata: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "name": model_name(settings),
        "version": "challenger",
        "created_at": datetime.now(UTC).isoformat(),
        "estimator": type(model[-1]).__name__,
        "hyperparameters": hyperparameters,
        "features": list(schema.FEATURES),
        "target": schema.TARGET,
        "train_rows": len(train),
        "train_sha256": hashlib.sha256((processed / "train.csv").read_bytes()).hexdigest(),
        "validation": score(model, val) if len(val) else {},
        "check": {
            "records": check.to_dict("records"),
            "predictions": predictions(model, check),
        },
    }
    save(settings, model, train, metadata, extra_files(model))
    log.info(
        "trained %s on %d rows; validation %s",
        metadata["estimator"],
        len(train),
        summary(metadata["validation"], METRICS) if metadata["validation"] else "not scored",
    )
    return 0
