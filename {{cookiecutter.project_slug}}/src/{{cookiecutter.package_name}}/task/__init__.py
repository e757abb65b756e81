"""What the model predicts: the estimator, the target's cleaning, the metrics (with the
way each one is better), the evaluation plots and the answer per record. The other stages
use only these names, so they are the same whatever the task."""

from .regression import (
    KIND,
    METRICS,
    PLOTS,
    SPLIT_DTYPES,
    STEP,
    answers,
    check_model,
    clean_target,
    estimator,
    plot,
    predictions,
    score,
)

__all__ = [
    "KIND",
    "METRICS",
    "PLOTS",
    "SPLIT_DTYPES",
    "STEP",
    "answers",
    "check_model",
    "clean_target",
    "estimator",
    "plot",
    "predictions",
    "score",
]
